//! Client authentication at the token, introspection, revocation and PAR endpoints (RFC 6749
//! §2.3, OIDC Core §9): `client_secret_basic`, `client_secret_post`, `private_key_jwt`
//! (RFC 7523) and `none` for public clients. A client must use the one method it registered.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use time::OffsetDateTime;

use super::client::cache::ClientCache;
use super::client::{self, Client, ClientAuth, ClientId};
use crate::store::{self, Conn, StoreError};

/// What a request presented to authenticate its client.
#[derive(Debug, Clone, Default)]
pub struct Presented {
    /// `Authorization: Basic …`, decoded: client id and secret.
    pub basic: Option<(String, String)>,
    /// `client_id` form parameter.
    pub client_id: Option<String>,
    /// `client_secret` form parameter.
    pub client_secret: Option<String>,
    /// `client_assertion_type` form parameter.
    pub assertion_type: Option<String>,
    /// `client_assertion` form parameter.
    pub assertion: Option<String>,
}

/// `client_assertion_type` of a JWT assertion (RFC 7523 §2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Why a client could not be authenticated; the endpoint answers `invalid_client` (RFC 6749
/// §5.2) whatever the reason, and logs the reason.
#[derive(Debug, thiserror::Error)]
pub enum ClientAuthError {
    /// No client identified, or several ways at once.
    #[error("no client authentication, or more than one method")]
    Missing,
    /// The client does not exist or is disabled.
    #[error("unknown or disabled client")]
    Unknown,
    /// The client used another method than the one it registered.
    #[error("the client must authenticate with {0}")]
    WrongMethod(&'static str),
    /// Wrong secret.
    #[error("wrong client secret")]
    WrongSecret,
    /// The assertion is invalid (signature, claims, replay).
    #[error("invalid client assertion: {0}")]
    BadAssertion(&'static str),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ClientAuthError {
    /// Whether the failure is the server's (503/500), not the client's.
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Store(_))
    }

    /// Whether the database could not be reached.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Store(s) if s.is_unavailable())
    }
}

/// Decodes an `Authorization: Basic` value: base64 of `id:secret`, each form-urlencoded
/// (RFC 6749 §2.3.1).
pub fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, value) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(value.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| -> Option<String> {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// Authenticates the client of a request. `audience` is what a `private_key_jwt` assertion
/// must name in `aud` (the endpoint URL or the issuer are both accepted). The client comes from
/// the node's cache; a refusal is only given after reading it again from the database, so that
/// a secret or key registered a moment ago works at once.
pub async fn authenticate(
    db: &impl Conn,
    clients: &ClientCache,
    now: OffsetDateTime,
    audiences: &[&str],
    p: &Presented,
) -> Result<Client, ClientAuthError> {
    let (claimed, method) = identify(p)?;
    let id = ClientId::parse(&claimed).map_err(|_| ClientAuthError::Unknown)?;
    // Unknown ids are never cached: `None` was read from the database just now.
    let cached = clients
        .by_client_id(db, &id)
        .await?
        .ok_or(ClientAuthError::Unknown)?;
    let (client, checked) = clients
        .decide(db, cached, |c| check(c, method, p, now, audiences))
        .await?;
    let assertion = checked?;
    if let Some(jti) = assertion {
        // RFC 7523 §3 item 7: an assertion is used once. The seen `jti` is kept until the
        // assertion expires, in the table of revoked token ids.
        let key = format!("client-assertion:{}:{}", client.client_id, jti.0);
        if !store::token::first_use(db, &key, jti.1).await? {
            return Err(ClientAuthError::BadAssertion("replayed"));
        }
    }
    Ok(client)
}

/// Whether `client` accepts what the request presented; for an assertion, its `jti` and expiry
/// (whose single use the caller then records).
fn check(
    client: &Client,
    method: ClientAuth,
    p: &Presented,
    now: OffsetDateTime,
    audiences: &[&str],
) -> Result<Option<(String, OffsetDateTime)>, ClientAuthError> {
    if !client.enabled {
        return Err(ClientAuthError::Unknown);
    }
    if client.auth != method {
        return Err(ClientAuthError::WrongMethod(client.auth.as_str()));
    }
    match method {
        ClientAuth::ClientSecretBasic | ClientAuth::ClientSecretPost => {
            let ((Some((_, secret)), None) | (None, Some(secret))) = (&p.basic, &p.client_secret)
            else {
                return Err(ClientAuthError::Missing);
            };
            if !client::authenticate_secret(client, secret) {
                return Err(ClientAuthError::WrongSecret);
            }
            Ok(None)
        }
        ClientAuth::PrivateKeyJwt => {
            let jwt = p.assertion.as_deref().ok_or(ClientAuthError::Missing)?;
            verify_assertion(client, jwt, now, audiences).map(Some)
        }
        ClientAuth::None => Ok(None),
    }
}

/// Which client the request names, and how it authenticates.
fn identify(p: &Presented) -> Result<(String, ClientAuth), ClientAuthError> {
    let assertion = p.assertion.is_some() || p.assertion_type.is_some();
    match (&p.basic, &p.client_secret, assertion) {
        (Some((id, _)), None, false) => {
            if p.client_id.as_ref().is_some_and(|c| c != id) {
                return Err(ClientAuthError::Missing);
            }
            Ok((id.clone(), ClientAuth::ClientSecretBasic))
        }
        (None, Some(_), false) => Ok((
            p.client_id.clone().ok_or(ClientAuthError::Missing)?,
            ClientAuth::ClientSecretPost,
        )),
        (None, None, true) => {
            if p.assertion_type.as_deref() != Some(JWT_BEARER) {
                return Err(ClientAuthError::BadAssertion("client_assertion_type"));
            }
            let jwt = p.assertion.as_deref().ok_or(ClientAuthError::Missing)?;
            let issuer = unverified_issuer(jwt).ok_or(ClientAuthError::BadAssertion("iss"))?;
            if p.client_id.as_ref().is_some_and(|c| *c != issuer) {
                return Err(ClientAuthError::BadAssertion("client_id"));
            }
            Ok((issuer, ClientAuth::PrivateKeyJwt))
        }
        (None, None, false) => Ok((
            p.client_id.clone().ok_or(ClientAuthError::Missing)?,
            ClientAuth::None,
        )),
        _ => Err(ClientAuthError::Missing),
    }
}

#[derive(Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    aud: serde_json::Value,
    exp: i64,
    jti: String,
    #[serde(default)]
    iat: Option<i64>,
}

/// The `iss` of an assertion, read before verification only to find the client's keys.
fn unverified_issuer(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("iss")?.as_str().map(str::to_owned)
}

/// Longest lifetime accepted for an assertion (the `jti` store keeps them that long).
const MAX_ASSERTION_LIFETIME: i64 = 600;

fn verify_assertion(
    client: &Client,
    jwt: &str,
    now: OffsetDateTime,
    audiences: &[&str],
) -> Result<(String, OffsetDateTime), ClientAuthError> {
    let bad = ClientAuthError::BadAssertion;
    let header = jsonwebtoken::decode_header(jwt).map_err(|_| bad("header"))?;
    let set: JwkSet = client
        .jwks
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or(bad("no keys registered"))?;
    let candidates: Vec<&Jwk> = set
        .keys
        .iter()
        .filter(|k| header.kid.is_none() || k.common.key_id == header.kid)
        .filter(|k| key_allows(k, header.alg))
        .collect();
    let validation = {
        let mut v = Validation::new(header.alg);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        v
    };
    let claims = candidates
        .iter()
        .find_map(|k| {
            let key = DecodingKey::from_jwk(k).ok()?;
            jsonwebtoken::decode::<AssertionClaims>(jwt, &key, &validation).ok()
        })
        .ok_or(bad("signature"))?
        .claims;
    let id = client.client_id.as_str();
    if claims.iss != id || claims.sub != id {
        return Err(bad("iss/sub"));
    }
    let aud_ok = match &claims.aud {
        serde_json::Value::String(a) => audiences.contains(&a.as_str()),
        serde_json::Value::Array(list) => list
            .iter()
            .any(|a| a.as_str().is_some_and(|a| audiences.contains(&a))),
        _ => false,
    };
    if !aud_ok {
        return Err(bad("aud"));
    }
    let t = now.unix_timestamp();
    let leeway = super::jwt::LEEWAY.whole_seconds();
    if claims.exp + leeway <= t || claims.exp > t + MAX_ASSERTION_LIFETIME {
        return Err(bad("exp"));
    }
    if claims.iat.is_some_and(|iat| iat > t + leeway) {
        return Err(bad("iat"));
    }
    if claims.jti.is_empty() || claims.jti.len() > 200 {
        return Err(bad("jti"));
    }
    let expires =
        OffsetDateTime::from_unix_timestamp(claims.exp + leeway).map_err(|_| bad("exp"))?;
    Ok((claims.jti, expires))
}

/// Whether a JWK may verify `alg`: asymmetric algorithms only, of the key's type.
fn key_allows(k: &Jwk, alg: Algorithm) -> bool {
    matches!(
        (&k.algorithm, alg),
        (
            AlgorithmParameters::RSA(_),
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512,
        ) | (
            AlgorithmParameters::EllipticCurve(_),
            Algorithm::ES256 | Algorithm::ES384
        ) | (AlgorithmParameters::OctetKeyPair(_), Algorithm::EdDSA)
    )
}

/// Checks a client's JWK Set at registration: JSON of a JWK Set, at least one asymmetric
/// public key that can verify signatures, and no private or symmetric key.
pub fn check_jwks(v: &serde_json::Value) -> Result<(), String> {
    if let Some(keys) = v.get("keys").and_then(|k| k.as_array()) {
        for k in keys {
            if k.get("d").is_some() {
                return Err("a private key was given: register only public keys".into());
            }
            if k.get("kty").and_then(|t| t.as_str()) == Some("oct") {
                return Err("symmetric keys are not accepted".into());
            }
        }
    }
    let set: JwkSet =
        serde_json::from_value(v.clone()).map_err(|e| format!("not a JWK Set: {e}"))?;
    if set.keys.is_empty() {
        return Err("the set has no key".into());
    }
    if set.keys.iter().all(|k| DecodingKey::from_jwk(k).is_err()) {
        return Err("no usable public key".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
