//! Issuing tokens: authorization codes at the end of a login, then the token endpoint's three
//! grants (RFC 6749 §4.1.3, §6, §4.4) with the rules of RFC 9700:
//! - a code is used once, within `oidc.code_ttl_secs`, by the client it was issued to, with the
//!   same redirect URI and the PKCE verifier of its challenge; a second use is refused **and**
//!   revokes the tokens issued from it (RFC 6749 §4.1.2, RFC 9700 §4.5.3);
//! - a refresh token is rotated at every use; presenting a used one revokes its whole family
//!   (RFC 9700 §4.14.2); it lives no longer than the session's idle and absolute limits, and a
//!   refresh counts as activity of the session;
//! - `client_credentials` only for clients registered for it, and never with person scopes.
//!
//! ID tokens carry iss, sub, aud, exp, iat, auth_time, nonce, acr, amr, sid, azp and the claims
//! of the granted scopes; access tokens are JWTs (RFC 9068, `typ: at+jwt`) with iss, sub, aud,
//! exp, iat, jti, client_id, scope, auth_time, acr and sid.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

use super::authorize::AuthRequest;
use super::claims::{self, ClaimsError};
use super::client::{ADMIN_SCOPE, Client, GrantType};
use super::grant::{CodeGrant, RefreshGrant, Session};
use super::jwt::{self, Audience, Claims, JwtError, TokenType};
use super::keys::KeySet;
use super::session::Sessions;
use super::subject;
use crate::account::{Account, AccountStatus};
use crate::actor::Actor;
use crate::audit::{self, Event, Outcome, Source, action};
use crate::config::Config;
use crate::secret::{self, Secret};
use crate::store::token::RefreshScope;
use crate::store::{self, Db, StoreError};

/// What the token endpoint answers (RFC 6749 §5.1). Not `Serialize`: the secrets are exposed
/// deliberately by the endpoint, nowhere else.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    /// The access token (a JWT).
    pub access_token: Secret,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The ID token, for person grants.
    pub id_token: Option<Secret>,
    /// The new refresh token, when the client may refresh.
    pub refresh_token: Option<Secret>,
    /// The granted scope.
    pub scope: String,
}

/// Why a token request was refused (RFC 6749 §5.2 codes) or failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// `invalid_grant`: the code or refresh token is invalid, expired, used or not this
    /// client's, or the PKCE verifier or redirect URI does not match.
    #[error("invalid_grant: {0}")]
    InvalidGrant(&'static str),
    /// `invalid_request`: a parameter is missing or malformed.
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    /// `unauthorized_client`: the client may not use this grant.
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(&'static str),
    /// `invalid_scope`.
    #[error("invalid_scope: {0}")]
    InvalidScope(&'static str),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written.
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    /// Signing failed.
    #[error(transparent)]
    Jwt(#[from] JwtError),
    /// Claims could not be read.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
    /// A session could not be ended.
    #[error(transparent)]
    Session(#[from] super::session::EndError),
}

impl TokenError {
    /// The RFC 6749 §5.2 error code, or `None` for a server failure.
    pub fn oauth_code(&self) -> Option<&'static str> {
        match self {
            Self::InvalidGrant(_) => Some("invalid_grant"),
            Self::InvalidRequest(_) => Some("invalid_request"),
            Self::UnauthorizedClient(_) => Some("unauthorized_client"),
            Self::InvalidScope(_) => Some("invalid_scope"),
            _ => None,
        }
    }

    /// Whether the database or Redis could not be reached (the client may retry).
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Store(s) => s.is_unavailable(),
            Self::Audit(a) => a.is_unavailable(),
            Self::Claims(c) => c.is_unavailable(),
            Self::Session(e) => e.is_unavailable(),
            _ => false,
        }
    }

    /// The description sent with the code.
    pub fn description(&self) -> &'static str {
        match self {
            Self::InvalidGrant(d)
            | Self::InvalidRequest(d)
            | Self::UnauthorizedClient(d)
            | Self::InvalidScope(d) => d,
            _ => "internal error",
        }
    }
}

/// Everything issuing needs, for one request.
#[derive(Debug, Clone, Copy)]
pub struct Issuer<'a> {
    /// The database.
    pub db: &'a Db,
    /// The configuration.
    pub config: &'a Config,
    /// The signing keys.
    pub keys: &'a KeySet,
    /// The session service.
    pub sessions: &'a Sessions,
    /// The instant of the request.
    pub now: OffsetDateTime,
    /// Where the request came from.
    pub source: &'a Source,
}

fn secs(n: u64) -> Duration {
    Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A new random code or refresh token: 32 bytes, base64url.
fn random_token() -> Secret {
    Secret::new(URL_SAFE_NO_PAD.encode(secret::random_bytes::<32>()))
}

/// The audience of admin API access tokens.
pub fn admin_audience(config: &Config) -> String {
    format!(
        "{}/api/admin/v1",
        config.server.public_url.as_str().trim_end_matches('/')
    )
}

/// The issuer identifier: the public URL without its trailing slash.
pub fn issuer(config: &Config) -> String {
    config
        .server
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned()
}

impl Issuer<'_> {
    /// Issues a code for a validated request within a live session, and records that the
    /// client received tokens in the session (for back-channel logout). Written over `conn`:
    /// the database, or a transaction of the caller's.
    pub async fn code(
        &self,
        conn: &impl store::Conn,
        client: &Client,
        request: &AuthRequest,
        session: &Session,
    ) -> Result<Secret, TokenError> {
        let code = random_token();
        let grant = CodeGrant {
            code_hash: secret::token_hash(code.expose()),
            client_id: client.id,
            account_id: session.account_id,
            session_id: session.id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            scope: request.scope(),
            nonce: Some(request.nonce.clone()),
            code_challenge: request.code_challenge.clone(),
            authentication: session.authentication.clone(),
            expires_at: self.now + secs(self.config.oidc.code_ttl_secs),
            consumed_at: None,
            access_token: None,
        };
        store::token::insert_code(conn, self.now, &grant).await?;
        store::session::add_client(conn, &session.id, client.id, self.now).await?;
        Ok(code)
    }

    /// `grant_type=authorization_code`. The code is read first and used up in the very
    /// transaction that stores the refresh token and the trace: a failure of the storage on
    /// the way leaves it usable for the client's retry, and when two requests race, the loser
    /// revokes what the winner has committed.
    pub async fn exchange_code(
        &self,
        client: &Client,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<TokenResponse, TokenError> {
        let hash = secret::token_hash(code);
        let Some((grant, live)) = self
            .sessions
            .code_with_session(self.db, self.now, &hash)
            .await?
        else {
            return Err(TokenError::InvalidGrant("unknown authorization code"));
        };
        if grant.client_id != client.id {
            return Err(TokenError::InvalidGrant(
                "the code was issued to another client",
            ));
        }
        if grant.consumed_at.is_some() {
            return Err(self.code_replayed(client, &hash).await?);
        }
        if let Some(reason) = code_refusal(self.now, &grant, redirect_uri, verifier) {
            return Err(self.refuse_code(client, &hash, reason).await?);
        }
        let Some((session, account)) = live else {
            return Err(self
                .refuse_code(client, &hash, "the session has ended")
                .await?);
        };
        let Some(account) = account.filter(|a| a.status == AccountStatus::Active) else {
            return Err(self
                .refuse_code(client, &hash, "the account cannot log in")
                .await?);
        };
        let scopes = split(&grant.scope);
        let access_id = self.new_access_id();
        let access = self.access_token(
            client,
            Some(&account),
            &scopes,
            Some(&session),
            &access_id.0,
        )?;
        let id_token = self
            .id_token(client, &account, &scopes, &session, grant.nonce.as_deref())
            .await?;
        let tx = self.db.begin_write().await?;
        // The code names the access token from the moment it is used: a replay revokes it.
        if !store::token::consume_code(&tx, &hash, self.now, Some((&access_id.0, access_id.1)))
            .await?
        {
            tx.rollback().await?;
            return Err(self.code_replayed(client, &hash).await?);
        }
        let refresh = if client.grant_types.contains(&GrantType::RefreshToken) {
            Some(
                self.new_refresh(
                    &tx,
                    client,
                    &account,
                    &session,
                    &grant.scope,
                    None,
                    Some(hash),
                    access_id,
                )
                .await?,
            )
        } else {
            None
        };
        self.trace_issue(
            &tx,
            client,
            &account,
            "authorization_code",
            &grant.scope,
            &session,
        )
        .await?;
        tx.commit().await?;
        Ok(TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: self.config.oidc.access_token_ttl_secs,
            id_token: Some(id_token),
            refresh_token: refresh,
            scope: grant.scope,
        })
    }

    /// Uses a code up on a refused exchange and returns the refusal (a code serves one
    /// attempt, right or wrong); a code already used is a replay.
    async fn refuse_code(
        &self,
        client: &Client,
        hash: &str,
        reason: &'static str,
    ) -> Result<TokenError, TokenError> {
        if store::token::consume_code(self.db, hash, self.now, None).await? {
            Ok(TokenError::InvalidGrant(reason))
        } else {
            self.code_replayed(client, hash).await
        }
    }

    /// `grant_type=refresh_token`. As for codes, the old token is used up in the transaction
    /// that stores its successor and the trace.
    pub async fn refresh(
        &self,
        client: &Client,
        token: &str,
        scope: Option<&str>,
    ) -> Result<TokenResponse, TokenError> {
        let Some(old) = store::token::refresh(self.db, &secret::token_hash(token)).await? else {
            return Err(TokenError::InvalidGrant("unknown refresh token"));
        };
        if old.client_id != client.id {
            return Err(TokenError::InvalidGrant(
                "the refresh token was issued to another client",
            ));
        }
        if old.revoked_at.is_some() {
            return Err(TokenError::InvalidGrant("the refresh token was revoked"));
        }
        if old.used_at.is_some() {
            return Err(self.refresh_reused(client, &old).await?);
        }
        if self.now >= old.expires_at {
            return Err(TokenError::InvalidGrant("the refresh token has expired"));
        }
        let granted = split(&old.scope);
        let scopes = match scope {
            Some(s) => {
                let asked = split(s);
                if asked.iter().any(|a| !granted.contains(a)) {
                    return Err(TokenError::InvalidScope(
                        "a refresh cannot widen the granted scope",
                    ));
                }
                asked
            }
            None => granted,
        };
        let Some(session) = self
            .sessions
            .touch(self.db, self.now, &old.session_id)
            .await?
        else {
            self.revoke_family(&old.family_id, "session_ended").await?;
            return Err(TokenError::InvalidGrant("the session has ended"));
        };
        let Some(account) = self.active_account(old.account_id).await? else {
            return Err(TokenError::InvalidGrant("the account cannot log in"));
        };
        let access_id = self.new_access_id();
        let access = self.access_token(
            client,
            Some(&account),
            &scopes,
            Some(&session),
            &access_id.0,
        )?;
        let id_token = self
            .id_token(client, &account, &scopes, &session, None)
            .await?;
        let scope = scopes.join(" ");
        let tx = self.db.begin_write().await?;
        if !store::token::use_refresh(&tx, old.id, self.now).await? {
            tx.rollback().await?;
            // Used meanwhile (a reuse), or revoked meanwhile (a logout).
            let now_revoked = store::token::refresh(self.db, &old.token_hash)
                .await?
                .is_some_and(|r| r.revoked_at.is_some() && r.used_at.is_none());
            if now_revoked {
                return Err(TokenError::InvalidGrant("the refresh token was revoked"));
            }
            return Err(self.refresh_reused(client, &old).await?);
        }
        let refresh = self
            .new_refresh(
                &tx,
                client,
                &account,
                &session,
                &old.scope,
                Some(&old),
                old.code_hash.clone(),
                access_id,
            )
            .await?;
        self.trace_issue(&tx, client, &account, "refresh_token", &scope, &session)
            .await?;
        tx.commit().await?;
        Ok(TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: self.config.oidc.access_token_ttl_secs,
            id_token: Some(id_token),
            refresh_token: Some(refresh),
            scope,
        })
    }

    /// `grant_type=client_credentials`: the client acting as itself.
    pub async fn client_credentials(
        &self,
        client: &Client,
        scope: Option<&str>,
    ) -> Result<TokenResponse, TokenError> {
        if !client.grant_types.contains(&GrantType::ClientCredentials) || client.is_public() {
            return Err(TokenError::UnauthorizedClient(
                "this client may not use client_credentials",
            ));
        }
        let scopes = scope.map(split).unwrap_or_default();
        // Person scopes make no sense for an application acting for itself.
        if scopes.iter().any(|s| {
            ["openid", "profile", "email", "habilitations", ADMIN_SCOPE].contains(&s.as_str())
        }) {
            return Err(TokenError::InvalidScope(
                "client_credentials tokens carry no person scope",
            ));
        }
        if scopes.iter().any(|s| !client.scopes.contains(s)) {
            return Err(TokenError::InvalidScope(
                "scope not allowed for this client",
            ));
        }
        let (jti, _) = self.new_access_id();
        let access = self.access_token(client, None, &scopes, None, &jti)?;
        let scope = scopes.join(" ");
        let tx = self.db.begin_write().await?;
        let event = Event::new(action::TOKEN_ISSUE, &Actor::System { job: "oidc" })
            .target("client", &client.client_id)
            .source(self.source.clone())
            .details(json!({
                "grant_type": "client_credentials",
                "client": client.client_id.as_str(),
                "scope": scope,
            }));
        audit::record(&tx, self.now, event).await?;
        tx.commit().await?;
        Ok(TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: self.config.oidc.access_token_ttl_secs,
            id_token: None,
            refresh_token: None,
            scope,
        })
    }

    /// The account if it may still receive tokens.
    async fn active_account(&self, id: i64) -> Result<Option<Account>, TokenError> {
        Ok(store::account::by_id(self.db, id)
            .await?
            .filter(|a| a.status == AccountStatus::Active))
    }

    /// The `jti` and expiry of a new access token.
    fn new_access_id(&self) -> (String, OffsetDateTime) {
        (
            secret::random_hex(16),
            self.now + secs(self.config.oidc.access_token_ttl_secs),
        )
    }

    /// A signed access token named `jti` (from [`Self::new_access_id`]).
    fn access_token(
        &self,
        client: &Client,
        account: Option<&Account>,
        scopes: &[String],
        session: Option<&Session>,
        jti: &str,
    ) -> Result<Secret, TokenError> {
        let ttl = secs(self.config.oidc.access_token_ttl_secs);
        let sub = match account {
            Some(a) => subject::for_client(client, &a.subject),
            None => client.client_id.to_string(),
        };
        let mut claims = Claims::new(
            &issuer(self.config),
            &sub,
            client.client_id.as_str(),
            self.now,
            ttl,
        )
        .with("jti", jti)
        .with("client_id", client.client_id.as_str())
        .with("scope", scopes.join(" "));
        if scopes.iter().any(|s| s == ADMIN_SCOPE) {
            claims.aud = Audience::Many(vec![
                client.client_id.to_string(),
                admin_audience(self.config),
            ]);
        }
        if let Some(s) = session {
            claims = claims
                .with("auth_time", s.authentication.auth_time.unix_timestamp())
                .with("acr", s.authentication.acr.clone())
                .with("sid", s.id.clone());
        }
        let token = jwt::sign(
            self.keys,
            self.config.oidc.default_signing_alg,
            TokenType::AccessToken,
            &claims,
        )?;
        Ok(Secret::new(token))
    }

    async fn id_token(
        &self,
        client: &Client,
        account: &Account,
        scopes: &[String],
        session: &Session,
        nonce: Option<&str>,
    ) -> Result<Secret, TokenError> {
        let a = &session.authentication;
        let mut claims = Claims::new(
            &issuer(self.config),
            &subject::for_client(client, &account.subject),
            client.client_id.as_str(),
            self.now,
            secs(self.config.oidc.id_token_ttl_secs),
        )
        .with("auth_time", a.auth_time.unix_timestamp())
        .with("acr", a.acr.clone())
        .with("amr", a.amr.clone())
        .with("sid", session.id.clone())
        .with("azp", client.client_id.as_str());
        if let Some(n) = nonce {
            claims = claims.with("nonce", n);
        }
        for (k, v) in claims::of_account(self.db, client, account, scopes, self.now).await? {
            claims.extra.insert(k, v);
        }
        Ok(Secret::new(jwt::sign(
            self.keys,
            client.signing_alg,
            TokenType::IdToken,
            &claims,
        )?))
    }

    #[allow(clippy::too_many_arguments)]
    async fn new_refresh(
        &self,
        tx: &store::Tx,
        client: &Client,
        account: &Account,
        session: &Session,
        scope: &str,
        parent: Option<&RefreshGrant>,
        code_hash: Option<String>,
        access: (String, OffsetDateTime),
    ) -> Result<Secret, TokenError> {
        let token = random_token();
        let idle = self.sessions.settings().idle();
        let grant = RefreshGrant {
            id: 0,
            token_hash: secret::token_hash(token.expose()),
            family_id: parent.map_or_else(|| secret::random_hex(16), |p| p.family_id.clone()),
            parent_id: parent.map(|p| p.id),
            client_id: client.id,
            account_id: account.id,
            session_id: session.id.clone(),
            scope: scope.to_owned(),
            authentication: session.authentication.clone(),
            issued_at: self.now,
            // Bounded by the session: no longer than its idle window and absolute end.
            expires_at: (self.now + idle).min(session.absolute_expires_at),
            used_at: None,
            revoked_at: None,
            code_hash,
            access_token: Some(access),
        };
        store::token::insert_refresh(tx, &grant).await?;
        Ok(token)
    }

    /// A code used twice: revoke everything issued from it (RFC 6749 §4.1.2); returns the
    /// refusal. Read again here, so that the access token the first use named is known.
    async fn code_replayed(&self, client: &Client, hash: &str) -> Result<TokenError, TokenError> {
        let refusal = TokenError::InvalidGrant("the code was already used");
        let Some(grant) = store::token::code(self.db, hash).await? else {
            return Ok(refusal);
        };
        let tx = self.db.begin_write().await?;
        if let Some((jti, exp)) = &grant.access_token {
            store::token::revoke_access(&tx, jti, *exp).await?;
        }
        for (jti, exp) in store::token::revoke_refresh(
            &tx,
            RefreshScope::Code(&grant.code_hash),
            self.now,
            "code_replay",
        )
        .await?
        {
            store::token::revoke_access(&tx, &jti, exp).await?;
        }
        let event = self
            .account_event(action::TOKEN_REFRESH_REUSE, grant.account_id, &tx)
            .await?
            .outcome(Outcome::Denied)
            .details(json!({ "kind": "code_replay", "client": client.client_id.as_str() }));
        audit::record(&tx, self.now, event).await?;
        tx.commit().await?;
        Ok(refusal)
    }

    /// A used refresh token presented again: revoke the family (RFC 9700 §4.14.2).
    async fn refresh_reused(
        &self,
        client: &Client,
        old: &RefreshGrant,
    ) -> Result<TokenError, TokenError> {
        self.revoke_family(&old.family_id, "reuse_detected").await?;
        let tx = self.db.begin_write().await?;
        let event = self
            .account_event(action::TOKEN_REFRESH_REUSE, old.account_id, &tx)
            .await?
            .outcome(Outcome::Denied)
            .details(json!({
                "kind": "refresh_reuse",
                "client": client.client_id.as_str(),
                "family": old.family_id,
            }));
        audit::record(&tx, self.now, event).await?;
        tx.commit().await?;
        Ok(TokenError::InvalidGrant(
            "the refresh token was already used",
        ))
    }

    async fn revoke_family(&self, family: &str, reason: &str) -> Result<(), TokenError> {
        let tx = self.db.begin_write().await?;
        for (jti, exp) in
            store::token::revoke_refresh(&tx, RefreshScope::Family(family), self.now, reason)
                .await?
        {
            store::token::revoke_access(&tx, &jti, exp).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn account_event(
        &self,
        what: audit::Action,
        account_id: i64,
        tx: &store::Tx,
    ) -> Result<Event, TokenError> {
        let mut event =
            Event::new(what, &Actor::System { job: "oidc" }).source(self.source.clone());
        if let Some(a) = store::account::by_id(tx, account_id).await? {
            event = event.target("account", &a.login).fund(a.fund_id);
            if let Some(p) = a.partner_id {
                event = event.partner(p);
            }
        }
        Ok(event)
    }

    async fn trace_issue(
        &self,
        tx: &store::Tx,
        client: &Client,
        account: &Account,
        grant_type: &str,
        scope: &str,
        session: &Session,
    ) -> Result<(), TokenError> {
        let mut event = Event::new(
            action::TOKEN_ISSUE,
            &Actor::Account {
                id: account.id,
                login: account.login.to_string(),
            },
        )
        .target("client", &client.client_id)
        .fund(account.fund_id)
        .source(self.source.clone())
        .details(json!({
            "grant_type": grant_type,
            "client": client.client_id.as_str(),
            "scope": scope,
            "sid": session.id.get(..16),
        }));
        if let Some(p) = account.partner_id {
            event = event.partner(p);
        }
        audit::record(tx, self.now, event).await?;
        Ok(())
    }
}

/// Why an exchange of `grant` is refused on its face (expiry, redirect URI, PKCE), if it is.
fn code_refusal(
    now: OffsetDateTime,
    grant: &CodeGrant,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> Option<&'static str> {
    if now >= grant.expires_at {
        return Some("the code has expired");
    }
    if redirect_uri != Some(grant.redirect_uri.as_str()) {
        return Some("redirect_uri differs from the authorization request");
    }
    match verifier {
        None => Some("code_verifier is required (PKCE)"),
        Some(v) if !pkce_matches(v, &grant.code_challenge) => {
            Some("code_verifier does not match (PKCE)")
        }
        Some(_) => None,
    }
}

/// Whether `verifier` is a valid PKCE verifier (RFC 7636 §4.1) whose S256 is `challenge`.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let shaped = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    shaped && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

fn split(scope: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        if !out.iter().any(|x| x == s) {
            out.push(s.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_against_an_independent_computation() {
        // `printf %s VERIFIER | sha256sum | xxd -r -p | base64 | tr '+/' '-_' | tr -d =`
        let verifier = "dBjftJeZ4CVP-mJ92K1-mcAGWdYkhqtoeHu0IqF-Jvs";
        let challenge = "gKMbPHMU7-cUP5iEuZk9G609iSoUtqoIvNQkxkc0VXU";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mJ92K1-mcAGWdYkhqtoeHu0IqF-Jvt",
            challenge
        ));
        // Too short, or with a character outside the unreserved set.
        assert!(!pkce_matches("abc", challenge));
        assert!(!pkce_matches(&format!("{verifier}+"), challenge));
    }

    #[test]
    fn scopes_split_without_duplicates() {
        assert_eq!(split(" openid  profile openid "), ["openid", "profile"]);
        assert!(split("").is_empty());
    }
}
