//! The registry of relying parties (OIDC clients): the consultation apps of a fund's services,
//! and first-party apps such as the console.
//!
//! Invariants: a client id is random and prefixed `hab_`; a confidential client's secret is
//! shown once at creation (or rotation) and stored only as its SHA-256 (enough for 256 random
//! bits, unlike a password), compared in constant time; redirect URIs are absolute, without
//! fragment, `https` or loopback `http` (RFC 8252 §7.3, RFC 9700 §4.1.1), and are matched by
//! exact string comparison; every change is traced.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use url::Url;

use super::keys::SigningAlg;
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::{Fund, clean_name};
use crate::secret::Secret;
use crate::service::Service;
use crate::store::{self, Conn, Db, StoreError};

/// Prefix of generated client ids.
pub const CLIENT_ID_PREFIX: &str = "hab_";
/// Prefix of stored secret hashes (PHC-style identifier of the hash function).
const SHA256_PREFIX: &str = "$sha256$";

/// A client identifier: 1–128 characters `A-Z a-z 0-9 - _ . ~` (RFC 6749 appendix A.1 allows
/// more; we keep URL-safe ones). Generated ids are `hab_` + 32 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(String);

impl ClientId {
    /// Parses a client id.
    pub fn parse(s: &str) -> Result<Self, ClientError> {
        let t = s.trim();
        let ok = (1..=128).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
        if ok {
            Ok(Self(t.to_owned()))
        } else {
            Err(ClientError::InvalidClientId(t.to_owned()))
        }
    }

    /// A new random client id.
    pub fn generate() -> Self {
        Self(format!(
            "{CLIENT_ID_PREFIX}{}",
            crate::secret::random_hex(16)
        ))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for ClientId {
    type Err = ClientError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ClientId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ClientId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A redirect (or logout) URI a client registered: absolute, no fragment (RFC 6749 §3.1.2),
/// `https`, or `http` on a loopback host only (RFC 8252 §7.3, RFC 9700 §4.1.1 and §2.6). Kept
/// exactly as registered: matching is exact string comparison.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RedirectUri(String);

impl RedirectUri {
    /// Parses a redirect URI.
    pub fn parse(s: &str) -> Result<Self, ClientError> {
        let invalid = |why: &'static str| ClientError::InvalidRedirectUri {
            uri: s.to_owned(),
            why,
        };
        if s.is_empty() || s.len() > 2000 || s.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid("must be a non-empty URI without spaces"));
        }
        let url = Url::parse(s).map_err(|_| invalid("must be an absolute URI"))?;
        if s.contains('#') {
            return Err(invalid("must not contain a fragment"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("must not carry credentials"));
        }
        match url.scheme() {
            "https" if url.host().is_some() => Ok(Self(s.to_owned())),
            "http" => match url.host() {
                Some(url::Host::Domain("localhost")) => Ok(Self(s.to_owned())),
                Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(Self(s.to_owned())),
                Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(Self(s.to_owned())),
                _ => Err(invalid(
                    "http is allowed only for localhost, 127.0.0.1 and [::1]",
                )),
            },
            _ => Err(invalid("must use https (or http on a loopback address)")),
        }
    }

    /// The URI, as registered.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for RedirectUri {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RedirectUri {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// How a client authenticates at the token endpoint (RFC 6749 §2.3, OIDC Core §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// Confidential: HTTP Basic with its secret (`client_secret_basic`).
    ClientSecretBasic,
    /// Confidential: its secret in the form body (`client_secret_post`).
    ClientSecretPost,
    /// Confidential: a JWT signed with its own key (`private_key_jwt`, RFC 7523).
    PrivateKeyJwt,
    /// Public (native or browser app): no secret, PKCE only (`none`).
    None,
}

impl ClientAuth {
    /// Every method, as advertised in the discovery document.
    pub const ALL: [Self; 4] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::PrivateKeyJwt,
        Self::None,
    ];

    /// The stored `token_endpoint_auth_method`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::None => "none",
        }
    }

    /// Parses a stored method.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// How a client sees the `sub` of a person (OIDC Core §8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "sector")]
pub enum SubjectType {
    /// The same `sub` for every client.
    Public,
    /// A `sub` of its own per sector (a host name shared by the clients of one organisation).
    Pairwise(String),
}

/// A grant type a client may use (RFC 6749).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// `authorization_code` (with PKCE).
    AuthorizationCode,
    /// `refresh_token`.
    RefreshToken,
    /// `client_credentials` (confidential clients acting for themselves).
    ClientCredentials,
}

/// The scopes every client may ask for until scopes become configurable per client.
pub const DEFAULT_SCOPES: &[&str] = &["openid", "profile", "email", "habilitations"];

/// The scope of the admin API (`/api/admin/v1`), granted to first-party clients only.
pub const ADMIN_SCOPE: &str = "admin";

/// A client's secret, shown once. Its `Debug` is redacted.
#[derive(Debug, Clone)]
pub struct ClientSecret(pub Secret);

impl ClientSecret {
    /// 32 random bytes, base64url.
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(Secret::new(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// How it is stored.
    fn hash(&self) -> String {
        hash_secret(self.0.expose())
    }
}

fn hash_secret(secret: &str) -> String {
    use sha2::Digest;
    format!(
        "{SHA256_PREFIX}{}",
        STANDARD_NO_PAD.encode(sha2::Sha256::digest(secret.as_bytes()))
    )
}

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    /// Internal id.
    pub id: i64,
    /// Public identifier.
    pub client_id: ClientId,
    /// The service it gives access to; `None` for a first-party app.
    pub service_id: Option<i64>,
    /// Name shown on consent pages.
    pub name: String,
    /// Token endpoint authentication.
    pub auth: ClientAuth,
    /// Hash of the secret (confidential clients).
    #[serde(skip)]
    pub(crate) secret_hash: Option<String>,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<RedirectUri>,
    /// Registered post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    /// Back-channel logout URI.
    pub backchannel_logout_uri: Option<RedirectUri>,
    /// Allowed grant types.
    pub grant_types: Vec<GrantType>,
    /// Allowed scopes.
    pub scopes: Vec<String>,
    /// Whether the user must consent.
    pub consent_required: bool,
    /// Algorithm of its ID tokens.
    pub signing_alg: SigningAlg,
    /// Whether it must push its authorization requests (RFC 9126).
    pub require_par: bool,
    /// Public or pairwise `sub`.
    pub subject_type: SubjectType,
    /// Its public keys (a JWK Set), for `private_key_jwt`.
    pub jwks: Option<serde_json::Value>,
    /// Whether userinfo answers with a signed JWT (`application/jwt`).
    pub userinfo_signed: bool,
    /// Whether it may obtain tokens.
    pub enabled: bool,
    /// Creation.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Client {
    /// Whether `uri` is one of the registered redirect URIs, by exact string comparison
    /// (RFC 9700 §4.1.1; OIDC Core §3.1.2.1).
    pub fn is_redirect_uri_registered(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r.as_str() == uri)
    }

    /// Whether `uri` is a registered post-logout redirect URI (exact match).
    pub fn is_post_logout_redirect_uri_registered(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris
            .iter()
            .any(|r| r.as_str() == uri)
    }

    /// Whether the client is public (no secret).
    pub fn is_public(&self) -> bool {
        self.auth == ClientAuth::None
    }
}

/// Whether `presented` is the client's secret. Constant time in the secret; always false for a
/// public client.
pub fn authenticate_secret(client: &Client, presented: &str) -> bool {
    let Some(stored) = &client.secret_hash else {
        return false;
    };
    let computed = hash_secret(presented);
    stored.as_bytes().ct_eq(computed.as_bytes()).into()
}

/// Who a new client belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    /// A consultation service of a fund.
    Service(&'a Fund, &'a Service),
    /// Habilis itself (the console).
    FirstParty,
}

/// What is needed to register a client.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// Name.
    pub name: String,
    /// Public client (no secret, PKCE only).
    pub public: bool,
    /// Redirect URIs (at least one).
    pub redirect_uris: Vec<RedirectUri>,
    /// Post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<RedirectUri>,
    /// Back-channel logout URI.
    pub backchannel_logout_uri: Option<RedirectUri>,
    /// ID token algorithm; the configured default when `None`.
    pub signing_alg: Option<SigningAlg>,
    /// Whether the user must consent.
    pub consent_required: bool,
    /// Whether it may use `client_credentials`.
    pub client_credentials: bool,
    /// Token endpoint authentication of a confidential client (`client_secret_basic` when
    /// `None`); ignored for public clients.
    pub auth: Option<ClientAuth>,
    /// Its public keys (required with `private_key_jwt`).
    pub jwks: Option<serde_json::Value>,
    /// Whether it must push its authorization requests.
    pub require_par: bool,
    /// Pairwise `sub` for this sector (a host name), public `sub` when `None`.
    pub pairwise_sector: Option<String>,
    /// Whether userinfo answers with a signed JWT.
    pub userinfo_signed: bool,
}

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The client id does not have the expected shape.
    #[error("client id {0:?} is invalid")]
    InvalidClientId(String),
    /// The name is empty or too long.
    #[error("client name must be 1 to 200 characters")]
    InvalidName,
    /// A redirect URI breaks a rule.
    #[error("redirect URI {uri:?} {why}")]
    InvalidRedirectUri {
        /// The URI.
        uri: String,
        /// The rule.
        why: &'static str,
    },
    /// A client needs at least one redirect URI.
    #[error("a client needs at least one redirect URI")]
    NoRedirectUri,
    /// A public client cannot hold a secret, so cannot use `client_credentials`.
    #[error("a public client cannot use client_credentials")]
    PublicClientCredentials,
    /// `private_key_jwt` needs the client's public keys, as a JWK Set of usable keys.
    #[error("private_key_jwt needs a JWK Set of the client's public keys: {0}")]
    InvalidJwks(String),
    /// A sector identifier must be a host name.
    #[error("sector identifier {0:?} must be a host name")]
    InvalidSector(String),
    /// A public client has no secret to rotate.
    #[error("client {0} is public: it has no secret")]
    PublicHasNoSecret(ClientId),
    /// No client has this id.
    #[error("no client {0}")]
    NotFound(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for ClientError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidClientId(_)
            | Self::InvalidName
            | Self::InvalidRedirectUri { .. }
            | Self::NoRedirectUri
            | Self::InvalidJwks(_)
            | Self::InvalidSector(_)
            | Self::PublicClientCredentials => ErrorKind::Invalid,
            Self::PublicHasNoSecret(_) => ErrorKind::Conflict,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InvalidClientId(_) => "client.id_invalid",
            Self::InvalidName => "client.name_invalid",
            Self::InvalidRedirectUri { .. } => "client.redirect_uri_invalid",
            Self::NoRedirectUri => "client.no_redirect_uri",
            Self::PublicClientCredentials => "client.public_client_credentials",
            Self::InvalidJwks(_) => "client.jwks_invalid",
            Self::InvalidSector(_) => "client.sector_invalid",
            Self::PublicHasNoSecret(_) => "client.public_no_secret",
            Self::NotFound(_) => "client.not_found",
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::InvalidClientId(c) => format!("L'identifiant de client {c:?} est invalide."),
            Self::InvalidName => "Le nom du client doit comporter 1 à 200 caractères.".into(),
            Self::InvalidRedirectUri { uri, .. } => format!(
                "L'URI de redirection {uri:?} est refusée : absolue, sans fragment, en https \
                 (http seulement pour localhost)."
            ),
            Self::NoRedirectUri => "Un client a au moins une URI de redirection.".into(),
            Self::PublicClientCredentials => {
                "Un client public ne peut pas utiliser client_credentials.".into()
            }
            Self::InvalidJwks(why) => {
                format!("private_key_jwt demande le jeu de clés publiques (JWKS) du client : {why}")
            }
            Self::InvalidSector(s) => {
                format!("L'identifiant de secteur {s:?} doit être un nom d'hôte.")
            }
            Self::PublicHasNoSecret(c) => {
                format!("Le client {c} est public : il n'a pas de secret.")
            }
            Self::NotFound(c) => format!("Aucun client {c}."),
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// Registers a client (traced). Returns it with its secret, for confidential clients: the
/// only time the secret can be seen.
pub async fn create(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    owner: Owner<'_>,
    default_alg: SigningAlg,
    new: NewClient,
) -> Result<(Client, Option<ClientSecret>), ClientError> {
    let name = clean_name(&new.name).ok_or(ClientError::InvalidName)?;
    if new.redirect_uris.is_empty() {
        return Err(ClientError::NoRedirectUri);
    }
    if new.public && new.client_credentials {
        return Err(ClientError::PublicClientCredentials);
    }
    let auth = if new.public {
        ClientAuth::None
    } else {
        new.auth
            .filter(|a| *a != ClientAuth::None)
            .unwrap_or(ClientAuth::ClientSecretBasic)
    };
    if auth == ClientAuth::PrivateKeyJwt {
        let jwks = new
            .jwks
            .as_ref()
            .ok_or_else(|| ClientError::InvalidJwks("none given".into()))?;
        super::client_auth::check_jwks(jwks).map_err(ClientError::InvalidJwks)?;
    }
    let sector = match new.pairwise_sector {
        Some(s) => {
            let host = s.trim().to_ascii_lowercase();
            if url::Host::parse(&host).is_err() || host.is_empty() || host.contains('/') {
                return Err(ClientError::InvalidSector(s));
            }
            SubjectType::Pairwise(host)
        }
        None => SubjectType::Public,
    };
    // A client that authenticates with its key has no use for a secret.
    let secret = matches!(
        auth,
        ClientAuth::ClientSecretBasic | ClientAuth::ClientSecretPost
    )
    .then(ClientSecret::generate);
    let mut grant_types = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
    if new.client_credentials {
        grant_types.push(GrantType::ClientCredentials);
    }
    let mut redirect_uris = new.redirect_uris;
    redirect_uris.dedup();
    let draft = Client {
        id: 0,
        client_id: ClientId::generate(),
        service_id: match owner {
            Owner::Service(_, s) => Some(s.id),
            Owner::FirstParty => None,
        },
        name,
        auth,
        secret_hash: secret.as_ref().map(ClientSecret::hash),
        redirect_uris,
        post_logout_redirect_uris: new.post_logout_redirect_uris,
        backchannel_logout_uri: new.backchannel_logout_uri,
        grant_types,
        scopes: DEFAULT_SCOPES
            .iter()
            .chain(matches!(owner, Owner::FirstParty).then_some(&ADMIN_SCOPE))
            .map(|s| (*s).to_owned())
            .collect(),
        consent_required: new.consent_required,
        signing_alg: new.signing_alg.unwrap_or(default_alg),
        require_par: new.require_par,
        subject_type: sector,
        jwks: new.jwks,
        userinfo_signed: new.userinfo_signed,
        enabled: true,
        created_at: now,
        updated_at: now,
    };
    let tx = db.begin_write().await?;
    let client = store::client::insert(&tx, &draft).await?;
    let mut event = Event::new(action::CLIENT_CREATE, actor)
        .target("client", &client.client_id)
        .details(serde_json::json!({
            "name": client.name,
            "service": match owner { Owner::Service(_, s) => Some(s.code.as_str()), Owner::FirstParty => None },
            "first_party": matches!(owner, Owner::FirstParty),
            "auth": client.auth,
            "redirect_uris": client.redirect_uris,
            "post_logout_redirect_uris": client.post_logout_redirect_uris,
            "backchannel_logout_uri": client.backchannel_logout_uri,
            "grant_types": client.grant_types,
            "signing_alg": client.signing_alg,
            "consent_required": client.consent_required,
            "require_par": client.require_par,
            "subject_type": client.subject_type,
            "userinfo_signed": client.userinfo_signed,
        }));
    if let Owner::Service(fund, _) = owner {
        event = event.fund(fund.id);
    }
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok((client, secret))
}

/// The client with this id (enabled or not: callers check [`Client::enabled`]).
pub async fn find_by_client_id(
    db: &impl Conn,
    client_id: &ClientId,
) -> Result<Client, ClientError> {
    store::client::by_client_id(db, client_id)
        .await?
        .ok_or_else(|| ClientError::NotFound(client_id.to_string()))
}

/// The clients of a fund's services, or every client (first-party included) when `fund` is
/// `None`; by client id.
pub async fn list(db: &impl Conn, fund: Option<&Fund>) -> Result<Vec<Client>, ClientError> {
    Ok(store::client::list(db, fund.map(|f| f.id)).await?)
}

/// Replaces a confidential client's secret (traced). The new one works at once; the old one
/// stops as soon as a node has seen the new one, and on every node within
/// `oidc.client_cache_ms` (`client::cache`).
pub async fn rotate_secret(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    client_id: &ClientId,
) -> Result<(Client, ClientSecret), ClientError> {
    let client = find_by_client_id(db, client_id).await?;
    if client.is_public() {
        return Err(ClientError::PublicHasNoSecret(client.client_id));
    }
    let tx = db.begin_write().await?;
    let secret = ClientSecret::generate();
    store::client::set_secret_hash(&tx, client.id, &secret.hash(), now).await?;
    let mut event = Event::new(action::CLIENT_ROTATE_SECRET, actor).target("client", client_id);
    if let Some(fund_id) = store::client::fund_of(&tx, &client).await? {
        event = event.fund(fund_id);
    }
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    let client = find_by_client_id(db, client_id).await?;
    Ok((client, secret))
}

/// Disables a client (traced): every node refuses it within `oidc.client_cache_ms`
/// (`client::cache`). Idempotent.
pub async fn disable(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    client_id: &ClientId,
) -> Result<Client, ClientError> {
    let client = find_by_client_id(db, client_id).await?;
    if !client.enabled {
        return Ok(client);
    }
    let tx = db.begin_write().await?;
    store::client::set_enabled(&tx, client.id, false, now).await?;
    let mut event = Event::new(action::CLIENT_DISABLE, actor).target("client", client_id);
    if let Some(fund_id) = store::client::fund_of(&tx, &client).await? {
        event = event.fund(fund_id);
    }
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    find_by_client_id(db, client_id).await
}

/// The algorithms clients use, plus `default`: the ones that need signing keys.
pub async fn signing_algs_in_use(
    db: &impl Conn,
    default: SigningAlg,
) -> Result<Vec<SigningAlg>, ClientError> {
    let mut algs = store::client::signing_algs(db).await?;
    algs.push(default);
    algs.sort();
    algs.dedup();
    Ok(algs)
}

/// The client id of the web console (`/console`), Habilis's own first-party client.
pub const CONSOLE_CLIENT_ID: &str = "habilis-console";

/// The console's redirect URI for a public base URL (`…/console/callback`).
pub fn console_redirect_uri(issuer: &str) -> String {
    format!("{issuer}/console/callback")
}

/// Makes sure the console's client exists, public (PKCE, no secret), first-party (the `admin`
/// scope, no consent), with the redirect URIs of the current public URL. Idempotent and safe
/// with several nodes starting at once: a concurrent insert loses on the unique client id and
/// the row of the winner is used. Traced only when it creates or changes the client.
pub async fn ensure_console(
    db: &Db,
    now: OffsetDateTime,
    issuer: &str,
    default_alg: SigningAlg,
) -> Result<Client, ClientError> {
    let id = ClientId(CONSOLE_CLIENT_ID.to_owned());
    let redirect = RedirectUri::parse(&console_redirect_uri(issuer))?;
    let after_logout = RedirectUri::parse(&format!("{issuer}/console/"))?;
    let actor = Actor::System { job: "start-up" };
    if let Some(existing) = store::client::by_client_id(db, &id).await? {
        if existing.redirect_uris == [redirect.clone()]
            && existing.post_logout_redirect_uris == [after_logout.clone()]
        {
            return Ok(existing);
        }
        // The public URL changed: the console follows it.
        let tx = db.begin_write().await?;
        store::client::set_redirect_uris(
            &tx,
            existing.id,
            std::slice::from_ref(&redirect),
            std::slice::from_ref(&after_logout),
            now,
        )
        .await?;
        audit::record(
            &tx,
            now,
            Event::new(action::CLIENT_UPDATE, &actor)
                .target("client", CONSOLE_CLIENT_ID)
                .details(serde_json::json!({ "redirect_uris": [redirect.as_str()] })),
        )
        .await?;
        tx.commit().await?;
        return store::client::by_client_id(db, &id)
            .await?
            .ok_or_else(|| ClientError::NotFound(CONSOLE_CLIENT_ID.to_owned()));
    }
    let draft = Client {
        id: 0,
        client_id: id.clone(),
        service_id: None,
        name: "Console Habilis".to_owned(),
        auth: ClientAuth::None,
        secret_hash: None,
        redirect_uris: vec![redirect],
        post_logout_redirect_uris: vec![after_logout],
        backchannel_logout_uri: None,
        grant_types: vec![GrantType::AuthorizationCode],
        scopes: DEFAULT_SCOPES
            .iter()
            .chain(std::iter::once(&ADMIN_SCOPE))
            .map(|s| (*s).to_owned())
            .collect(),
        consent_required: false,
        signing_alg: default_alg,
        require_par: false,
        subject_type: SubjectType::Public,
        jwks: None,
        userinfo_signed: false,
        enabled: true,
        created_at: now,
        updated_at: now,
    };
    let tx = db.begin_write().await?;
    let inserted = match store::client::insert(&tx, &draft).await {
        Ok(c) => c,
        Err(StoreError::Duplicate(_)) => {
            drop(tx);
            return store::client::by_client_id(db, &id)
                .await?
                .ok_or_else(|| ClientError::NotFound(CONSOLE_CLIENT_ID.to_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &tx,
        now,
        Event::new(action::CLIENT_CREATE, &actor)
            .target("client", CONSOLE_CLIENT_ID)
            .details(serde_json::json!({ "first_party": true, "console": true })),
    )
    .await?;
    tx.commit().await?;
    Ok(inserted)
}

pub mod cache;

#[cfg(test)]
pub(crate) mod tests;
