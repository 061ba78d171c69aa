//! Password hashing: Argon2id (m = 19 456 KiB, t = 2, p = 1, the OWASP minimum), a 16-byte
//! salt from the operating system's generator, stored as a PHC string.
//!
//! Hashing is slow on purpose, so both functions run on tokio's blocking pool and never stall
//! the request threads. Passwords only travel as [`Secret`]; nothing here logs them.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::secret::Secret;

#[cfg(test)]
mod tests;

/// Memory cost in KiB.
const MEMORY_KIB: u32 = 19_456;
/// Iterations.
const TIME_COST: u32 = 2;
/// Lanes.
const PARALLELISM: u32 = 1;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Argon2 refused the input or its parameters (never shows the password).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The blocking task was cancelled or panicked.
    #[error("password hashing task failed")]
    Task,
}

fn hasher() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(MEMORY_KIB, TIME_COST, PARALLELISM, None)
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password with Argon2id; returns the PHC string to store.
pub async fn hash(password: &Secret) -> Result<String, PasswordError> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()?
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await
    .map_err(|_| PasswordError::Task)?
}

/// Whether `password` matches the stored PHC string; a malformed hash never matches.
pub async fn verify(password: &Secret, phc: &str) -> bool {
    let password = password.clone();
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        hasher().is_ok_and(|h| {
            h.verify_password(password.expose().as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}
