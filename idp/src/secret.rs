//! Secrets as types: a value that must never reach a log, a trace, an error message or `Debug`
//! output, and that is compared in constant time. Also the one source of random secrets.
//!
//! `Secret` serialises as `"[REDACTED]"`: the only way to its content is `expose()`, which makes
//! every use greppable.

use std::fmt;

use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;

/// The text every redacted value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// A secret string (password, client secret, token, key, URL with credentials).
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where the value is really needed.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether no value was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time equality, so that timing reveals nothing of the secret.
    pub fn ct_eq(&self, other: &str) -> bool {
        self.0.as_bytes().ct_eq(other.as_bytes()).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Secret {
    /// Accepts any scalar: environment variables are typed, and a numeric password must still
    /// be a password.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Scalar {
            S(String),
            I(i64),
            U(u64),
            F(f64),
            B(bool),
        }
        Ok(Self(match Scalar::deserialize(d)? {
            Scalar::S(s) => s,
            Scalar::I(i) => i.to_string(),
            Scalar::U(u) => u.to_string(),
            Scalar::F(f) => f.to_string(),
            Scalar::B(b) => b.to_string(),
        }))
    }
}

/// `n` random bytes from the operating system's generator, hex-encoded: the one source of
/// tokens, session identifiers and opaque subjects.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `N` random bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// SHA-256 of a token, hex-encoded: tokens are stored hashed, looked up by hash.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// Why a sealed value could not be opened: wrong key, or the value was altered or moved to
/// another context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a value encrypted at rest cannot be decrypted (wrong key-encryption key or altered row)")]
pub struct OpenError;

/// Encryption at rest of small secrets (TOTP secrets) under the node's key-encryption key,
/// without domain modules knowing where that key comes from. `context` is bound to the
/// ciphertext (associated data): a value sealed for one row does not open for another.
pub trait SecretCipher: Send + Sync {
    /// Encrypts `plaintext` for `context`.
    fn seal(&self, context: &str, plaintext: &[u8]) -> String;
    /// Decrypts what [`Self::seal`] produced for the same `context`.
    fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, OpenError>;
}

#[cfg(test)]
mod tests;
