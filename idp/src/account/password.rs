//! Password hashing: Argon2id (default m = 19 456 KiB, t = 2, p = 1, the OWASP minimum,
//! configurable in `[accounts]`), a 16-byte (128-bit) salt from the operating system's
//! generator, stored as a PHC string.
//!
//! Hashing is slow and memory-hungry on purpose, so it runs on the process's own hashing
//! threads, `max_concurrent_hashes` of them: at most that many hashes run at once, so the
//! memory spent on hashing never exceeds `argon2_memory_kib × max_concurrent_hashes` however
//! many logins arrive (issue #4 point 1); the others wait in the threads' queue. Dedicated
//! threads rather than a semaphore in front of tokio's blocking pool: under load a thread that
//! finishes a hash takes the next one from the queue without sleeping, where the semaphore
//! cost three thread wake-ups per hash (the next waiter, a blocking thread, the caller) and
//! left CPU idle between hashes (docs/accounts.md, "Eighth reading"). Each running hash works
//! in one of the process's reusable Argon2 memory buffers (at most one per thread), allocated
//! once and kept: allocating and freeing `m` KiB at every hash let the system allocator keep
//! freed blocks per thread, and a node under 32 concurrent logins grew to ~700 MiB for a
//! 38 MiB budget (measured by `idp bench login`, docs/accounts.md). Passwords only travel as
//! [`Secret`]; nothing here logs them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Decimal, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

use crate::config::AccountsConfig;
use crate::secret::Secret;

#[cfg(test)]
mod tests;

/// The process's reusable Argon2 memory: a buffer is taken by a running hash and given back
/// after it, so there are never more buffers than hashing threads.
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs `f` with `blocks` blocks of reusable memory (their content is whatever the previous
/// hash left: Argon2 writes every block before reading it).
fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut memory = MEMORY
        .lock()
        .ok()
        .and_then(|mut pool| pool.pop())
        .unwrap_or_default();
    memory.resize(blocks, Block::default());
    let out = f(&mut memory);
    if let Ok(mut pool) = MEMORY.lock() {
        pool.push(memory);
    }
    out
}

/// Whether each hash adds its thread's CPU time to [`HASHING_CPU_NS`]: on in `idp bench
/// login` only.
static COUNT_CPU: AtomicBool = AtomicBool::new(false);
static HASHING_CPU_NS: AtomicU64 = AtomicU64::new(0);

/// From now on, the process counts the CPU time its hashes take ([`hashing_cpu`]).
pub(crate) fn count_hashing_cpu() {
    COUNT_CPU.store(true, Ordering::Relaxed);
}

/// CPU time the process's hashes took since [`count_hashing_cpu`].
pub(crate) fn hashing_cpu() -> Duration {
    Duration::from_nanos(HASHING_CPU_NS.load(Ordering::Relaxed))
}

/// CPU time of the calling thread so far (`CLOCK_THREAD_CPUTIME_ID`: up to date to the
/// nanosecond, where `/proc/thread-self/schedstat` lags up to a scheduler tick behind a thread
/// that is running).
pub(crate) fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// Argon2 of `password` with `salt` into `out`, in reusable memory.
fn argon2_into(
    argon2: &Argon2<'_>,
    blocks: usize,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> bool {
    let start = COUNT_CPU.load(Ordering::Relaxed).then(thread_cpu);
    let ok = with_memory(blocks, |memory| {
        argon2
            .hash_password_into_with_memory(password, salt, out, memory)
            .is_ok()
    });
    if let Some(start) = start {
        let ns = u64::try_from((thread_cpu() - start).as_nanos()).unwrap_or(u64::MAX);
        HASHING_CPU_NS.fetch_add(ns, Ordering::Relaxed);
    }
    ok
}

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
    /// The hash could not run on a hashing thread, or panicked there.
    #[error("password hashing task failed")]
    Task,
    /// The operating system started none of the hashing threads.
    #[error("no password-hashing thread could be started")]
    NoThread,
}

/// A hash to run on a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// The process's hashing threads and their queue, shared by every [`Hasher`] of the process so
/// the memory budget holds across the web server, the CLI and background jobs. Sized by the
/// first hasher built (a node has one configuration).
#[derive(Debug)]
struct Pool {
    /// `None` when no thread could be started: no [`Hasher`] is then built (and a hash would
    /// fail rather than wait forever).
    jobs: Option<flume::Sender<Job>>,
    threads: usize,
}

static POOL: OnceLock<Pool> = OnceLock::new();

/// Hashes passed over because their caller had stopped waiting.
#[cfg(test)]
static SKIPPED: AtomicU64 = AtomicU64::new(0);

/// Name of the hashing threads (seen in `top -H`, `perf` and the benchmark's CPU split).
pub(crate) const THREAD_NAME: &str = "habilis-argon2";

fn pool(wanted: usize) -> &'static Pool {
    POOL.get_or_init(|| {
        let wanted = if wanted == 0 {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        } else {
            wanted
        };
        let (tx, rx) = flume::unbounded::<Job>();
        let threads = (0..wanted)
            .filter(|_| {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(THREAD_NAME.to_owned())
                    .spawn(move || {
                        for job in rx.iter() {
                            // A panicking hash fails its own caller (its answer channel is
                            // dropped) and leaves the thread to serve the next ones.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                    })
                    .is_ok()
            })
            .count();
        if threads < wanted {
            // Fewer threads hash more slowly, within the same budget (none: no hasher is built).
            tracing::error!(
                wanted,
                started = threads,
                "could not start every hashing thread"
            );
        }
        Pool {
            jobs: (threads > 0).then_some(tx),
            threads,
        }
    })
}

impl Pool {
    /// Runs `f` on a hashing thread and waits for its answer; `None` when it could not run.
    /// A caller that stops waiting (its request was dropped) takes its hash out of the queue:
    /// the thread skips it.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (answer, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            if answer.is_closed() {
                #[cfg(test)]
                SKIPPED.fetch_add(1, Ordering::Relaxed);
                return;
            }
            let _ = answer.send(f());
        });
        self.jobs.as_ref()?.send(job).ok()?;
        rx.await.ok()
    }
}

/// Hashes and verifies passwords with the configured Argon2id parameters, on the bounded pool.
#[derive(Debug, Clone)]
pub struct Hasher {
    params: Params,
    pool: &'static Pool,
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
    /// first hasher of the process sizes the shared threads).
    pub fn new(
        memory_kib: u32,
        time_cost: u32,
        parallelism: u32,
        max_concurrent: usize,
    ) -> Result<Self, PasswordError> {
        let params = Params::new(memory_kib, time_cost, parallelism, None)
            .map_err(|e| PasswordError::Hash(e.to_string()))?;
        let pool = pool(max_concurrent);
        // Without a hashing thread no password could ever be checked: the node refuses to
        // start rather than answer every login with an error.
        if pool.jobs.is_none() {
            return Err(PasswordError::NoThread);
        }
        Ok(Self { params, pool })
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
        self.pool.threads
    }

    /// The most memory hashing may take at once, in KiB (`m × threads`).
    pub fn memory_budget_kib(&self) -> u64 {
        u64::from(self.params.m_cost()).saturating_mul(self.pool.threads as u64)
    }

    /// Hashes a password with Argon2id; returns the PHC string to store.
    pub async fn hash(&self, password: &Secret) -> Result<String, PasswordError> {
        let password = password.clone();
        let params = self.params.clone();
        self.pool
            .run(move || hash_phc(&params, password.expose().as_bytes()))
            .await
            .ok_or(PasswordError::Task)?
    }

    /// Whether `password` matches the stored PHC string (verified with the parameters written
    /// in it); a malformed hash never matches.
    pub async fn verify(&self, password: &Secret, phc: &str) -> bool {
        let password = password.clone();
        let phc = phc.to_owned();
        self.pool
            .run(move || verify_phc(password.expose().as_bytes(), &phc))
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

/// Argon2id of a password with a new random salt, as a PHC string.
fn hash_phc(params: &Params, password: &[u8]) -> Result<String, PasswordError> {
    let err = |e: &dyn std::fmt::Display| PasswordError::Hash(e.to_string());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| err(&e))?;
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    if !argon2_into(
        &argon2,
        params.block_count(),
        password,
        salt_bytes,
        &mut out,
    ) {
        return Err(PasswordError::Hash("invalid input".into()));
    }
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Decimal::from(Version::V0x13)),
        params: ParamsString::try_from(params).map_err(|e| err(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| err(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches a PHC string, with the algorithm, version and parameters written
/// in it; a malformed string never matches. Constant time in the hash.
fn verify_phc(password: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    argon2_into(
        &argon2,
        params.block_count(),
        password,
        salt_bytes,
        &mut out,
    ) && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
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
