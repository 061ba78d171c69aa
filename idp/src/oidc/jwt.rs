//! Signing and verifying JWTs (RFC 7519) with the keys of [`super::keys`].
//!
//! Signing uses the current key of an algorithm and sets the header's `alg`, `kid` and `typ`
//! (`JWT` for ID tokens, `at+jwt` for access tokens, RFC 9068 §2.1). Verification accepts only
//! a published key named by `kid`, with the very algorithm of that key (RFC 8725 §3.1: never
//! trust the header's `alg` alone; `none` and HMAC are refused), then checks `iss`, `aud`,
//! `exp`, `nbf` and `iat` against the injected clock. Invariants: no token is signed by a next
//! or retired key; no token verifies with an unpublished key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use super::jws;
use super::keys::{KeySet, SigningAlg};

/// Clock skew tolerated between Habilis and a token's consumer for `exp`, `nbf` and `iat`.
pub const LEEWAY: Duration = Duration::seconds(30);

/// What a token is, as its `typ` header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// An OpenID Connect ID token: `typ: JWT`.
    IdToken,
    /// An OAuth 2.0 access token: `typ: at+jwt` (RFC 9068 §2.1).
    AccessToken,
    /// A back-channel logout token: `typ: logout+jwt` (OIDC Back-Channel Logout §2.4).
    LogoutToken,
    /// A signed userinfo response (OIDC Core §5.3.2): `typ: JWT`.
    UserInfo,
}

impl TokenType {
    /// The `typ` header value.
    pub fn typ(self) -> &'static str {
        match self {
            Self::IdToken | Self::UserInfo => "JWT",
            Self::AccessToken => "at+jwt",
            Self::LogoutToken => "logout+jwt",
        }
    }
}

/// A claims set: the registered claims Habilis always sets, and any others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the provider's public URL.
    pub iss: String,
    /// Subject.
    pub sub: String,
    /// Audience: a client id (or a resource).
    pub aud: Audience,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Not before, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Every other claim (`nonce`, `auth_time`, `client_id`, `scope`, `jti`…).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Claims {
    /// Claims issued at `now` for `ttl`.
    pub fn new(
        issuer: &str,
        subject: &str,
        audience: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Self {
        Self {
            iss: issuer.to_owned(),
            sub: subject.to_owned(),
            aud: Audience::One(audience.to_owned()),
            iat: now.unix_timestamp(),
            exp: (now + ttl).unix_timestamp(),
            nbf: None,
            extra: Map::new(),
        }
    }

    /// Adds a claim.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(name.to_owned(), value.into());
        self
    }
}

/// The `aud` claim: one string or an array (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `aud` names `who`.
    pub fn contains(&self, who: &str) -> bool {
        match self {
            Self::One(a) => a == who,
            Self::Many(all) => all.iter().any(|a| a == who),
        }
    }
}

/// What a verified token must be.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The issuer (`iss` must equal it).
    pub issuer: &'a str,
    /// An audience `aud` must contain.
    pub audience: &'a str,
    /// The `typ` header required, if any.
    pub token_type: Option<TokenType>,
    /// The instant of verification.
    pub now: OffsetDateTime,
}

/// Why a token could not be signed or was refused.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// No key can sign with this algorithm.
    #[error(transparent)]
    Key(#[from] super::keys::KeyError),
    /// The signing library failed (a corrupt key).
    #[error("cannot sign the token: {0}")]
    Sign(String),
    /// Not a compact JWS with a readable header.
    #[error("the token is malformed")]
    Malformed,
    /// The header names `none`, an HMAC or another algorithm Habilis does not sign with.
    #[error("the token's algorithm {0:?} is not accepted")]
    AlgorithmRefused(String),
    /// The header has no `kid`, or it names no published key.
    #[error("the token's key is unknown or no longer published")]
    UnknownKey,
    /// The header's `alg` is not the algorithm of the key it names.
    #[error("the token's algorithm does not match its key")]
    AlgorithmMismatch,
    /// The `typ` header is not the expected one.
    #[error("the token is not of the expected type")]
    WrongType,
    /// The signature does not verify (altered header or payload, or another key).
    #[error("the token's signature is invalid")]
    BadSignature,
    /// `iss` is not this provider.
    #[error("the token was issued by someone else")]
    WrongIssuer,
    /// `aud` does not name the expected audience.
    #[error("the token is not meant for this audience")]
    WrongAudience,
    /// `exp` has passed.
    #[error("the token has expired")]
    Expired,
    /// `nbf` or `iat` is in the future.
    #[error("the token is not valid yet")]
    NotYetValid,
}

/// Signs `claims` with the current key of `alg`.
pub fn sign(
    keys: &KeySet,
    alg: SigningAlg,
    token_type: TokenType,
    claims: &Claims,
) -> Result<String, JwtError> {
    let key = keys.current(alg)?;
    let Some(signer) = &key.signer else {
        return Err(JwtError::Key(super::keys::KeyError::NoCurrentKey(alg)));
    };
    let header = serde_json::to_vec(&SignedHeader {
        typ: token_type.typ(),
        alg: alg.as_str(),
        kid: &key.stored.kid,
    })
    .map_err(|e| JwtError::Sign(e.to_string()))?;
    let payload = serde_json::to_vec(claims).map_err(|e| JwtError::Sign(e.to_string()))?;
    jws::sign(signer, &header, &payload).map_err(JwtError::Sign)
}

/// The JOSE header of the tokens Habilis signs (RFC 7515 §4.1).
#[derive(Serialize)]
struct SignedHeader<'a> {
    typ: &'a str,
    alg: &'a str,
    kid: &'a str,
}

/// The parts of a header we read before trusting anything.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
}

/// Verifies a compact JWT against the published keys and `expected`; returns its claims.
pub fn verify(keys: &KeySet, token: &str, expected: &Expected<'_>) -> Result<Claims, JwtError> {
    let claims = verify_any_audience(keys, token, expected)?;
    if !claims.aud.contains(expected.audience) {
        return Err(JwtError::WrongAudience);
    }
    Ok(claims)
}

/// Like [`verify`], but leaves the audience to the caller (the token endpoint's neighbours
/// check `aud` against the client the token names, which they only learn from the token).
pub fn verify_any_audience(
    keys: &KeySet,
    token: &str,
    expected: &Expected<'_>,
) -> Result<Claims, JwtError> {
    let header_b64 = token.split('.').next().ok_or(JwtError::Malformed)?;
    let header: RawHeader = URL_SAFE_NO_PAD
        .decode(header_b64)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(JwtError::Malformed)?;
    // RFC 8725 §3.1/§3.2: only the asymmetric algorithms we sign with; never `none` or HS*.
    let alg = SigningAlg::ALL
        .into_iter()
        .find(|a| a.as_str() == header.alg)
        .ok_or_else(|| JwtError::AlgorithmRefused(header.alg.clone()))?;
    let kid = header.kid.ok_or(JwtError::UnknownKey)?;
    let key = keys
        .published(&kid, expected.now)
        .ok_or(JwtError::UnknownKey)?;
    if key.stored.alg != alg {
        return Err(JwtError::AlgorithmMismatch);
    }
    if let Some(t) = expected.token_type {
        // RFC 9068 §4: `at+jwt` (media type names compare case-insensitively, RFC 2045).
        let typ = header.typ.unwrap_or_default();
        let typ = typ.strip_prefix("application/").unwrap_or(&typ);
        if !typ.eq_ignore_ascii_case(t.typ()) {
            return Err(JwtError::WrongType);
        }
    }
    // The signature with exactly this key's algorithm; time, issuer and audience are checked
    // below with the injected clock.
    let payload = jws::verify(&key.verifier, token).map_err(|r| match r {
        jws::Refused::BadSignature => JwtError::BadSignature,
        jws::Refused::Malformed => JwtError::Malformed,
    })?;
    let claims: Claims = serde_json::from_slice(&payload).map_err(|_| JwtError::Malformed)?;
    if claims.iss != expected.issuer {
        return Err(JwtError::WrongIssuer);
    }
    let now = expected.now.unix_timestamp();
    let leeway = LEEWAY.whole_seconds();
    if now >= claims.exp.saturating_add(leeway) {
        return Err(JwtError::Expired);
    }
    if claims
        .nbf
        .is_some_and(|nbf| nbf > now.saturating_add(leeway))
        || claims.iat > now.saturating_add(leeway)
    {
        return Err(JwtError::NotYetValid);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests;
