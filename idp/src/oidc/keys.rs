//! Token-signing keys: generation, encryption at rest, rotation, the published key set (JWKS)
//! and a per-node cache of it.
//!
//! A key is in one of three states, derived from its row (see [`KeyState`]):
//! - `next`: published in the JWKS, never signs. It exists so that relying parties have it in
//!   their cached key set before the first token it signs reaches them.
//! - `current`: signs. One per algorithm in use.
//! - `retired`: no longer signs; published until `expires_at` (the last token it signed has
//!   expired and the overlap has passed), then dropped from the JWKS and refused in verification.
//!
//! Among the unretired keys of an algorithm, the oldest (by creation, then `not_before`, then
//! `kid`) is current and the others are next; rotation retires the current key, so the oldest
//! next key becomes current, and creates a new next key. `not_before` is the earliest instant a
//! key may sign: a next key's creation plus [`PUBLICATION_DELAY`]; rotation refuses to promote a
//! next key before then unless forced (compromised key).
//!
//! Invariants: private keys are stored encrypted under the KEK ([`super::kek`]); the JWKS holds
//! public members only; every key change is traced in the transaction that makes it.

use std::fmt;
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Duration, OffsetDateTime};

use super::jws::{Signer, Verifier};
use super::kek::{KekError, KeyEncryptionKey};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::config::OidcConfig;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::store::{self, Conn, Db, StoreError};

/// `Cache-Control: max-age` of the JWKS: how long a relying party may keep a stale key set.
pub const JWKS_MAX_AGE_SECS: i64 = 300;
/// How long a node trusts its cached keys before asking the database whether they changed.
pub const CACHE_TTL: Duration = Duration::seconds(10);
/// How long a new key is published before it may sign: any key set a relying party cached
/// before the key appeared has expired by then (JWKS max-age plus the nodes' cache TTL).
pub const PUBLICATION_DELAY: Duration = Duration::seconds(JWKS_MAX_AGE_SECS + 10);
/// Size of generated RSA keys (RFC 7518 §3.3: at least 2048).
pub const RSA_BITS: usize = 2048;

/// A JWS signature algorithm Habilis signs with (RFC 7518 §3.1; EdDSA per RFC 8037).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SigningAlg {
    /// ECDSA with P-256 and SHA-256: the default (small keys and signatures).
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 and a 2048-bit key: for relying parties that know nothing
    /// else (OIDC Core §15.1 makes it mandatory to implement).
    Rs256,
    /// Ed25519.
    EdDsa,
}

impl SigningAlg {
    /// Every supported algorithm.
    pub const ALL: [Self; 3] = [Self::Es256, Self::Rs256, Self::EdDsa];

    /// The JOSE name: `ES256`, `RS256`, `EdDSA`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// Parses a JOSE name (case-insensitive). `none` and the HMAC algorithms are refused:
    /// Habilis only signs with asymmetric keys.
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| KeyError::UnknownAlg(t.to_owned()))
    }

    /// The `jsonwebtoken` algorithm (tests read tokens with that library, as a relying party
    /// would).
    #[cfg(test)]
    pub(crate) fn jwt_alg(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm;
        match self {
            Self::Es256 => Algorithm::ES256,
            Self::Rs256 => Algorithm::RS256,
            Self::EdDsa => Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SigningAlg {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for SigningAlg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SigningAlg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Where a key is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Published, not signing yet.
    Next,
    /// Signing.
    Current,
    /// Published until it expires, never signing again.
    Retired,
}

impl KeyState {
    /// `next`, `current` or `retired`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Next => "next",
            Self::Current => "current",
            Self::Retired => "retired",
        }
    }
}

/// The public half of a key as a JWK (RFC 7517 §4, RFC 7518 §6): only public members exist
/// in this type, so a private member can never be published by mistake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicJwk {
    /// `EC`, `RSA` or `OKP`.
    pub kty: String,
    /// Curve: `P-256` or `Ed25519`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC or OKP public coordinate, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC public coordinate, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA modulus, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Key id.
    pub kid: String,
    /// Algorithm the key is for.
    pub alg: SigningAlg,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

/// The JWKS document (RFC 7517 §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The published keys.
    pub keys: Vec<PublicJwk>,
}

/// A signing key as stored: the public JWK in clear, the private key encrypted.
#[derive(Debug, Clone)]
pub struct StoredKey {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub alg: SigningAlg,
    /// `v1.` + base64url(nonce ‖ AES-256-GCM ciphertext) of the private key's DER.
    pub private_key_encrypted: String,
    /// Public JWK.
    pub public_jwk: PublicJwk,
    /// Creation (publication) instant.
    pub created_at: OffsetDateTime,
    /// Earliest instant the key may sign.
    pub not_before: OffsetDateTime,
    /// When it stopped signing.
    pub retired_at: Option<OffsetDateTime>,
    /// When it leaves the JWKS (retired keys only).
    pub expires_at: Option<OffsetDateTime>,
}

/// A key with its derived state, as listed (no private part).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub alg: SigningAlg,
    /// State.
    pub state: KeyState,
    /// Whether it is in the JWKS now.
    pub published: bool,
    /// Creation (publication) instant.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Earliest instant it may sign.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// When it stopped signing.
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
    /// When it leaves the JWKS.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// Why a key operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The algorithm is not one Habilis signs with.
    #[error("signing algorithm {0:?} is not supported: use ES256, RS256 or EdDSA")]
    UnknownAlg(String),
    /// The key-encryption key is wrong or unavailable.
    #[error(transparent)]
    Kek(#[from] KekError),
    /// The operating system's random generator or the key encoder failed.
    #[error("cannot generate a {0} key: {1}")]
    Generate(SigningAlg, String),
    /// A stored key cannot be read back (edited row or wrong format).
    #[error("signing key {0} is stored in an unreadable form")]
    BadStoredKey(String),
    /// No current key signs with this algorithm (the node has not ensured its keys).
    #[error("no current {0} signing key: start the server or run `idp keys rotate --alg {0}`")]
    NoCurrentKey(SigningAlg),
    /// The next key was published too recently (or is missing) to be promoted safely.
    #[error(
        "the next {alg} key cannot sign before {not_before}: relying parties may not have it yet \
         (wait, or use --force if the current key is compromised)"
    )]
    NextNotPublished {
        /// Algorithm.
        alg: SigningAlg,
        /// When it may sign (RFC 3339).
        not_before: String,
    },
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for KeyError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::UnknownAlg(_) => ErrorKind::Invalid,
            Self::NextNotPublished { .. } => ErrorKind::Conflict,
            Self::Store(e) => store_kind(e),
            Self::Kek(_)
            | Self::Generate(..)
            | Self::BadStoredKey(_)
            | Self::NoCurrentKey(_)
            | Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::UnknownAlg(_) => "key.alg_unknown",
            Self::NextNotPublished { .. } => "key.next_not_published",
            Self::NoCurrentKey(_) => "key.no_current",
            Self::Kek(_)
            | Self::Generate(..)
            | Self::BadStoredKey(_)
            | Self::Store(_)
            | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::UnknownAlg(a) => {
                format!(
                    "L'algorithme de signature {a:?} n'est pas pris en charge (ES256, RS256 ou EdDSA)."
                )
            }
            Self::NextNotPublished { alg, not_before } => format!(
                "La prochaine clé {alg} ne peut pas signer avant {not_before} : les applications \
                 ne la connaissent peut-être pas encore."
            ),
            _ => "Erreur interne.".into(),
        }
    }
}

/// A freshly generated key pair: the private key's DER (PKCS#8 for EC and Ed25519, PKCS#1 for
/// RSA, the forms [`super::jws::Signer`] reads) and the public JWK.
pub struct GeneratedKey {
    /// Private key DER; never stored or logged in clear.
    der: Vec<u8>,
    /// Public JWK.
    pub jwk: PublicJwk,
}

impl GeneratedKey {
    /// The private key's DER, to sign with (tools and relying-party test doubles); handle
    /// it as a secret.
    pub fn private_der(&self) -> &[u8] {
        &self.der
    }
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("der", &crate::secret::REDACTED)
            .field("jwk", &self.jwk)
            .finish()
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new key id: algorithm, creation day and 64 random bits, e.g. `es256-20261130-9f2c01ab3d4e5f60`.
fn new_kid(alg: SigningAlg, now: OffsetDateTime) -> String {
    let d = now.date();
    format!(
        "{}-{:04}{:02}{:02}-{}",
        alg.as_str().to_ascii_lowercase(),
        d.year(),
        u8::from(d.month()),
        d.day(),
        crate::secret::random_hex(8)
    )
}

/// Generates a key pair for `alg` from the operating system's random generator.
pub fn generate(alg: SigningAlg, kid: &str) -> Result<GeneratedKey, KeyError> {
    let fail = |e: &dyn fmt::Display| KeyError::Generate(alg, e.to_string());
    let jwk = |kty: &str, crv: Option<&str>| PublicJwk {
        kty: kty.to_owned(),
        crv: crv.map(str::to_owned),
        x: None,
        y: None,
        n: None,
        e: None,
        kid: kid.to_owned(),
        alg,
        use_: "sig".to_owned(),
    };
    match alg {
        SigningAlg::Es256 => {
            use p256::elliptic_curve::sec1::ToSec1Point;
            use p256::pkcs8::EncodePrivateKey;
            let secret = loop {
                let mut bytes = [0u8; 32];
                OsRng.fill_bytes(&mut bytes);
                // Fails only for a value at or above the group order (probability ~2^-32).
                if let Ok(s) = p256::SecretKey::from_slice(&bytes) {
                    break s;
                }
            };
            let der = secret.to_pkcs8_der().map_err(|e| fail(&e))?;
            let point = secret.public_key().to_sec1_point(false);
            let (Some(x), Some(y)) = (point.x(), point.y()) else {
                return Err(fail(&"P-256 point without coordinates"));
            };
            Ok(GeneratedKey {
                der: der.as_bytes().to_vec(),
                jwk: PublicJwk {
                    x: Some(b64(x)),
                    y: Some(b64(y)),
                    ..jwk("EC", Some("P-256"))
                },
            })
        }
        SigningAlg::Rs256 => {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            use rsa::traits::PublicKeyParts;
            let mut rng = p256::elliptic_curve::common::getrandom::SysRng;
            let secret = rsa::PrivateKey::new(&mut rng, RSA_BITS).map_err(|e| fail(&e))?;
            let der = secret.to_pkcs1_der().map_err(|e| fail(&e))?;
            Ok(GeneratedKey {
                der: der.as_bytes().to_vec(),
                jwk: PublicJwk {
                    n: Some(b64(&secret.n_bytes())),
                    e: Some(b64(&secret.e_bytes())),
                    ..jwk("RSA", None)
                },
            })
        }
        SigningAlg::EdDsa => {
            use ed25519_dalek::pkcs8::EncodePrivateKey;
            let mut bytes = [0u8; 32];
            OsRng.fill_bytes(&mut bytes);
            let secret = ed25519_dalek::SigningKey::from_bytes(&bytes);
            let der = secret.to_pkcs8_der().map_err(|e| fail(&e))?;
            Ok(GeneratedKey {
                der: der.as_bytes().to_vec(),
                jwk: PublicJwk {
                    x: Some(b64(secret.verifying_key().as_bytes())),
                    ..jwk("OKP", Some("Ed25519"))
                },
            })
        }
    }
}

impl GeneratedKey {
    /// Encrypts the private key under `kek` into a row created at `created_at`, signing from
    /// `not_before`.
    fn seal(
        &self,
        kek: &KeyEncryptionKey,
        created_at: OffsetDateTime,
        not_before: OffsetDateTime,
    ) -> StoredKey {
        StoredKey {
            kid: self.jwk.kid.clone(),
            alg: self.jwk.alg,
            private_key_encrypted: kek.encrypt(&self.jwk.kid, &self.der),
            public_jwk: self.jwk.clone(),
            created_at,
            not_before,
            retired_at: None,
            expires_at: None,
        }
    }
}

/// The state of every key, in the order given: retired if retired; otherwise current for the
/// oldest unretired key of its algorithm, next for the others.
pub fn states(keys: &[StoredKey]) -> Vec<KeyState> {
    keys.iter()
        .map(|k| {
            if k.retired_at.is_some() {
                return KeyState::Retired;
            }
            let older_unretired = keys.iter().any(|o| {
                o.alg == k.alg
                    && o.retired_at.is_none()
                    && (o.created_at, o.not_before, &o.kid) < (k.created_at, k.not_before, &k.kid)
            });
            if older_unretired {
                KeyState::Next
            } else {
                KeyState::Current
            }
        })
        .collect()
}

/// Whether a key is in the JWKS at `now`: every unretired key, and retired ones until they
/// expire.
fn is_published(k: &StoredKey, now: OffsetDateTime) -> bool {
    match (k.retired_at, k.expires_at) {
        (None, _) => true,
        (Some(_), Some(expires)) => now < expires,
        (Some(_), None) => false,
    }
}

/// Every key with its state, oldest first.
pub async fn list(db: &impl Conn, now: OffsetDateTime) -> Result<Vec<KeyInfo>, KeyError> {
    let keys = store::signing_key::all(db).await?;
    let states = states(&keys);
    Ok(keys
        .iter()
        .zip(states)
        .map(|(k, state)| KeyInfo {
            kid: k.kid.clone(),
            alg: k.alg,
            state,
            published: is_published(k, now),
            created_at: k.created_at,
            not_before: k.not_before,
            retired_at: k.retired_at,
            expires_at: k.expires_at,
        })
        .collect())
}

/// What is missing for an algorithm: a current key and a next key.
fn missing(keys: &[StoredKey], alg: SigningAlg) -> (bool, bool) {
    let unretired = keys
        .iter()
        .filter(|k| k.alg == alg && k.retired_at.is_none())
        .count();
    (unretired == 0, unretired < 2)
}

/// Makes sure each of `algs` has a current and a next key, creating what is missing (traced).
/// Idempotent, and safe when several nodes start at once: the check and the inserts run in one
/// write transaction that holds the trace chain's lock, so the second node sees the first
/// node's keys. Returns the ids of the keys created.
pub async fn ensure(
    db: &Db,
    kek: &KeyEncryptionKey,
    now: OffsetDateTime,
    actor: &Actor,
    algs: &[SigningAlg],
) -> Result<Vec<String>, KeyError> {
    // Generate outside the transaction (RSA takes a while), only what looks missing.
    let existing = store::signing_key::all(db).await?;
    let mut candidates = Vec::new();
    for &alg in algs {
        let (no_current, no_next) = missing(&existing, alg);
        for _ in 0..(usize::from(no_current) + usize::from(no_next)) {
            candidates.push(generate(alg, &new_kid(alg, now))?);
        }
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let tx = db.begin_write().await?;
    // Serialises concurrent start-ups on PostgreSQL (SQLite's IMMEDIATE transaction already
    // does); every traced write takes this lock anyway.
    store::audit::lock_head(&tx).await?;
    let keys = store::signing_key::all(&tx).await?;
    let mut created = Vec::new();
    for &alg in algs {
        let (no_current, no_next) = missing(&keys, alg);
        let mut fresh = candidates.iter().filter(|c| c.jwk.alg == alg);
        if no_current && let Some(key) = fresh.next() {
            // Nothing was ever signed for this algorithm: the first key signs at once.
            store::signing_key::insert(&tx, &key.seal(kek, now, now)).await?;
            created.push(key.jwk.kid.clone());
        }
        if no_next && let Some(key) = fresh.next() {
            // Created with the current key but signing later: it sorts after it.
            let sealed = key.seal(kek, now, now + PUBLICATION_DELAY);
            store::signing_key::insert(&tx, &sealed).await?;
            created.push(key.jwk.kid.clone());
        }
    }
    if created.is_empty() {
        return Ok(created);
    }
    let event = Event::new(action::KEY_CREATE, actor)
        .target("signing_key", created.join(","))
        .details(serde_json::json!({ "kids": created }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(created)
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rotation {
    /// Algorithm.
    pub alg: SigningAlg,
    /// The key that stopped signing.
    pub retired: String,
    /// When it leaves the JWKS.
    #[serde(with = "time::serde::rfc3339")]
    pub retired_expires_at: OffsetDateTime,
    /// The key that signs from now on.
    pub current: String,
    /// The new next key.
    pub next: String,
}

/// Rotates the keys of `alg` (traced): the next key becomes current, the current key is
/// retired until the last token it signed has expired plus the configured overlap, and a new
/// next key is created. Refuses to promote a next key that was not published for
/// [`PUBLICATION_DELAY`] unless `force` (then a missing next key is created and promoted at
/// once: relying parties fetch the key set again when they meet an unknown `kid`).
pub async fn rotate(
    db: &Db,
    kek: &KeyEncryptionKey,
    now: OffsetDateTime,
    actor: &Actor,
    alg: SigningAlg,
    policy: &OidcConfig,
    force: bool,
) -> Result<Rotation, KeyError> {
    let spare = generate(alg, &new_kid(alg, now))?;
    let fresh_next = generate(alg, &new_kid(alg, now))?;
    let tx = db.begin_write().await?;
    store::audit::lock_head(&tx).await?;
    let keys = store::signing_key::all(&tx).await?;
    let states = states(&keys);
    let of_alg = || keys.iter().zip(&states).filter(|(k, _)| k.alg == alg);
    let Some(current) = of_alg()
        .find(|(_, s)| **s == KeyState::Current)
        .map(|(k, _)| k)
    else {
        return Err(KeyError::NoCurrentKey(alg));
    };
    let next = of_alg()
        .filter(|(_, s)| **s == KeyState::Next)
        .map(|(k, _)| k)
        .min_by_key(|k| (k.created_at, k.not_before, k.kid.clone()));
    let promoted = match next {
        Some(n) if n.not_before <= now => n.kid.clone(),
        Some(n) if force => {
            // It signs from now on, which also orders it before the new next key.
            store::signing_key::set_not_before(&tx, &n.kid, now).await?;
            n.kid.clone()
        }
        Some(n) => {
            return Err(KeyError::NextNotPublished {
                alg,
                not_before: rfc3339(n.not_before),
            });
        }
        None if force => {
            // Signs from now: it sorts before the new next key, which signs later.
            store::signing_key::insert(&tx, &spare.seal(kek, now, now)).await?;
            spare.jwk.kid.clone()
        }
        None => {
            return Err(KeyError::NextNotPublished {
                alg,
                not_before: rfc3339(now + PUBLICATION_DELAY),
            });
        }
    };
    let expires_at = now + policy.max_token_ttl() + policy.rotation_overlap();
    store::signing_key::retire(&tx, &current.kid, now, expires_at).await?;
    let sealed = fresh_next.seal(kek, now, now + PUBLICATION_DELAY);
    store::signing_key::insert(&tx, &sealed).await?;
    let rotation = Rotation {
        alg,
        retired: current.kid.clone(),
        retired_expires_at: expires_at,
        current: promoted,
        next: fresh_next.jwk.kid.clone(),
    };
    let event = Event::new(action::KEY_ROTATE, actor)
        .target("signing_key", &rotation.current)
        .details(serde_json::json!({
            "alg": alg, "retired": rotation.retired, "current": rotation.current,
            "next": rotation.next, "retired_expires_at": rfc3339(expires_at), "forced": force,
        }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(rotation)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// A key loaded for use: its public description, its verification key and, unless retired, its
/// signing key.
pub(crate) struct LoadedKey {
    pub(crate) stored: StoredKey,
    pub(crate) state: KeyState,
    pub(crate) signer: Option<Signer>,
    pub(crate) verifier: Verifier,
}

impl fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedKey")
            .field("kid", &self.stored.kid)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// The keys of the deployment, decrypted, at one moment.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<LoadedKey>,
}

impl KeySet {
    /// Decrypts and parses stored keys. Unretired keys are decrypted now, so that a wrong KEK
    /// stops start-up instead of the first login.
    pub fn load(stored: Vec<StoredKey>, kek: &KeyEncryptionKey) -> Result<Self, KeyError> {
        let states = states(&stored);
        let mut keys = Vec::with_capacity(stored.len());
        for (k, state) in stored.into_iter().zip(states) {
            let verifier = Verifier::from_jwk(&k.public_jwk)?;
            let signer = if state == KeyState::Retired {
                None
            } else {
                let der = kek.decrypt(&k.kid, &k.private_key_encrypted)?;
                Some(Signer::from_der(&k.public_jwk, &der)?)
            };
            keys.push(LoadedKey {
                stored: k,
                state,
                signer,
                verifier,
            });
        }
        Ok(Self { keys })
    }

    /// The JWKS at `now`: every published key, public members only.
    pub fn jwks(&self, now: OffsetDateTime) -> Jwks {
        Jwks {
            keys: self
                .keys
                .iter()
                .filter(|k| is_published(&k.stored, now))
                .map(|k| k.stored.public_jwk.clone())
                .collect(),
        }
    }

    /// The current key of `alg`, which signs.
    pub(crate) fn current(&self, alg: SigningAlg) -> Result<&LoadedKey, KeyError> {
        self.keys
            .iter()
            .find(|k| k.stored.alg == alg && k.state == KeyState::Current && k.signer.is_some())
            .ok_or(KeyError::NoCurrentKey(alg))
    }

    /// The published key with this id at `now`, for verification.
    pub(crate) fn published(&self, kid: &str, now: OffsetDateTime) -> Option<&LoadedKey> {
        self.keys
            .iter()
            .find(|k| k.stored.kid == kid && is_published(&k.stored, now))
    }
}

#[derive(Debug)]
struct Cached {
    checked_at: OffsetDateTime,
    version: Vec<(String, bool)>,
    set: Arc<KeySet>,
}

/// A node's cache of the key set. It asks the database at most every [`CACHE_TTL`] whether the
/// keys changed (a cheap read of key ids and retirement marks) and reloads them when they did,
/// so a rotation made on one node (or with `idp keys rotate`) reaches every node within the TTL.
#[derive(Debug)]
pub struct KeyRing {
    kek: KeyEncryptionKey,
    cache: RwLock<Option<Cached>>,
}

impl KeyRing {
    /// An empty ring that decrypts with `kek`.
    pub fn new(kek: KeyEncryptionKey) -> Self {
        Self {
            kek,
            cache: RwLock::new(None),
        }
    }

    /// The key-encryption key (to create keys with [`ensure`] and [`rotate`]).
    pub fn kek(&self) -> &KeyEncryptionKey {
        &self.kek
    }

    /// Forgets the cached keys (after a rotation made through this node).
    pub fn invalidate(&self) {
        *self
            .cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// The key set at `now`, from the cache when it is fresh or the database says nothing
    /// changed.
    pub async fn get(&self, db: &impl Conn, now: OffsetDateTime) -> Result<Arc<KeySet>, KeyError> {
        let cached = {
            let guard = self
                .cache
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            guard
                .as_ref()
                .map(|c| (c.checked_at, c.version.clone(), c.set.clone()))
        };
        if let Some((checked_at, _, set)) = &cached
            && now >= *checked_at
            && now - *checked_at < CACHE_TTL
        {
            return Ok(set.clone());
        }
        let version = store::signing_key::version(db).await?;
        let set = match cached {
            Some((_, v, set)) if v == version => set,
            _ => Arc::new(KeySet::load(store::signing_key::all(db).await?, &self.kek)?),
        };
        *self
            .cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Cached {
            checked_at: now,
            version,
            set: set.clone(),
        });
        Ok(set)
    }
}

#[cfg(test)]
mod tests;
