//! What an authenticator app computes: RFC 6238 codes (SHA-1, 6 digits, 30 s) from the manual
//! key the enrolment page shows, with totp-rs, independently of the server's code.

use anyhow::{Context, anyhow};
use time::OffsetDateTime;

/// The step length of the codes, in seconds.
pub const STEP_SECS: u64 = 30;

/// The code of `key` (base32, spaces allowed, as the page groups it) at `at`.
pub fn code(key: &str, at: OffsetDateTime) -> anyhow::Result<String> {
    let key: String = key.chars().filter(|c| !c.is_whitespace()).collect();
    let secret = totp_rs::Secret::try_from_base32(&key)
        .map_err(|e| anyhow!("manual key {key:?} is not base32: {e}"))?;
    let at = u64::try_from(at.unix_timestamp()).context("time before 1970")?;
    Ok(totp_rs::Builder::new()
        .with_secret(secret.as_bytes().to_vec())
        .with_digits(6)
        .with_step_duration(STEP_SECS)
        .build_noncompliant()
        .generate(at)
        .to_string())
}

/// The code of the next step: a step the server has not seen used yet (it refuses a replayed
/// step) and still inside its ±1 step tolerance.
pub fn next_code(key: &str) -> anyhow::Result<String> {
    let step = time::Duration::seconds(i64::try_from(STEP_SECS).unwrap_or(30));
    code(key, now() + step)
}

/// The current code.
pub fn current_code(key: &str) -> anyhow::Result<String> {
    code(key, now())
}

fn now() -> OffsetDateTime {
    use idp::clock::Clock;
    idp::clock::SystemClock.now()
}
