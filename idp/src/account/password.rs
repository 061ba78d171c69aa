//! Password hashing: Argon2id (default m = 19 456 KiB, t = 2, p = 1, the OWASP minimum,
//! configurable in `[accounts]`), a 16-byte (128-bit) salt from the operating system's
//! generator, stored as a PHC string.
//!
//! Hashing is slow and memory-hungry on purpose, so it runs on tokio's blocking pool behind one
//! semaphore per process: at most `max_concurrent_hashes` hashes run at once, so the memory
//! spent on hashing never exceeds `argon2_memory_kib × max_concurrent_hashes` however many
//! logins arrive (issue #4 point 1); the others wait their turn. Passwords only travel as
//! [`Secret`]; nothing here logs them.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::config::AccountsConfig;
use crate::secret::Secret;

#[cfg(test)]
mod tests;

/// Default memory cost in KiB.
pub const DEFAULT_MEMORY_KIB: u32 = 19_456;
/// Default iterations.
pub const DEFAULT_TIME_COST: u32 = 2;
/// Default lanes.
pub const DEFAULT_PARALLELISM: u32 = 1;

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

/// The process-wide bound on concurrent hashes: every [`Hasher`] of the process shares it, so
/// the memory budget holds across the web server, the CLI and background jobs. Sized by the
/// first hasher built (a node has one configuration).
static PERMITS: OnceLock<(usize, Arc<Semaphore>)> = OnceLock::new();

fn permits(wanted: usize) -> (usize, Arc<Semaphore>) {
    let (n, s) = PERMITS.get_or_init(|| {
        let n = if wanted == 0 {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        } else {
            wanted
        };
        (n, Arc::new(Semaphore::new(n)))
    });
    (*n, Arc::clone(s))
}

/// Hashes and verifies passwords with the configured Argon2id parameters, on the bounded pool.
#[derive(Debug, Clone)]
pub struct Hasher {
    params: Params,
    permits: Arc<Semaphore>,
    permit_count: usize,
}

impl Hasher {
    /// A hasher with the `[accounts]` parameters.
    pub fn from_config(settings: &AccountsConfig) -> Result<Self, PasswordError> {
        Self::new(
            settings.argon2_memory_kib,
            settings.argon2_time_cost,
            settings.argon2_parallelism,
            settings.max_concurrent_hashes,
        )
    }

    /// A hasher with explicit parameters (`max_concurrent` 0: the number of CPUs; only the
    /// first hasher of the process sizes the shared pool).
    pub fn new(
        memory_kib: u32,
        time_cost: u32,
        parallelism: u32,
        max_concurrent: usize,
    ) -> Result<Self, PasswordError> {
        let params = Params::new(memory_kib, time_cost, parallelism, None)
            .map_err(|e| PasswordError::Hash(e.to_string()))?;
        let (permit_count, permits) = permits(max_concurrent);
        Ok(Self {
            params,
            permits,
            permit_count,
        })
    }

    /// The OWASP-minimum parameters.
    pub fn default_params() -> Result<Self, PasswordError> {
        Self::new(
            DEFAULT_MEMORY_KIB,
            DEFAULT_TIME_COST,
            DEFAULT_PARALLELISM,
            0,
        )
    }

    /// Hashes running at once at most, in this process.
    pub fn max_concurrent(&self) -> usize {
        self.permit_count
    }

    /// The most memory hashing may take at once, in KiB (`m × permits`).
    pub fn memory_budget_kib(&self) -> u64 {
        u64::from(self.params.m_cost()).saturating_mul(self.permit_count as u64)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes a password with Argon2id; returns the PHC string to store.
    pub async fn hash(&self, password: &Secret) -> Result<String, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Task)?;
        let password = password.clone();
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| PasswordError::Hash(e.to_string()))
        })
        .await
        .map_err(|_| PasswordError::Task)?
    }

    /// Whether `password` matches the stored PHC string (verified with the parameters written
    /// in it); a malformed hash never matches.
    pub async fn verify(&self, password: &Secret, phc: &str) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        let password = password.clone();
        let phc = phc.to_owned();
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return false;
            };
            argon2
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok()
        })
        .await
        .unwrap_or(false)
    }

    /// Whether a stored hash was made with other parameters (or another algorithm) than this
    /// hasher's: it is then rehashed at its owner's next successful login.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return true;
        };
        if parsed.algorithm != Algorithm::Argon2id.ident() || parsed.version != Some(0x13) {
            return true;
        }
        let Ok(stored) = Params::try_from(&parsed) else {
            return true;
        };
        stored.m_cost() != self.params.m_cost()
            || stored.t_cost() != self.params.t_cost()
            || stored.p_cost() != self.params.p_cost()
    }
}

/// Hashes with the default parameters (demo data, callers without a configuration).
pub async fn hash(password: &Secret) -> Result<String, PasswordError> {
    Hasher::default_params()?.hash(password).await
}

/// Verifies against a PHC string, whatever its parameters.
pub async fn verify(password: &Secret, phc: &str) -> bool {
    match Hasher::default_params() {
        Ok(h) => h.verify(password, phc).await,
        Err(_) => false,
    }
}
