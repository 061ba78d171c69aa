//! [`Backoff`]: the delay before the next attempt of a failed outbox row, as a pure function of
//! the attempt number and an injected jitter, so the caller's retry loop is testable without
//! clocks or randomness.
//!
//! Invariant: delays grow exponentially from `base`, never exceed `max`, and never fall below
//! half of the un-jittered delay (so a burst of retries spreads out without collapsing to zero).

use std::time::Duration;

#[cfg(test)]
mod tests;

/// Exponential back-off with a cap and "equal jitter".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failure, before jitter.
    pub base: Duration,
    /// The longest delay, before jitter.
    pub max: Duration,
}

impl Default for Backoff {
    /// 1 s, doubling, capped at 5 min: a directory down for hours is retried every few minutes
    /// and the queue drains soon after it returns.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The delay before attempt `attempt + 1`, where `attempt` counts failures so far (0 for the
    /// first failure) and `jitter` is a random value in `[0, 1]` (clamped) drawn by the caller:
    /// `d = min(max, base·2^attempt)`, then `d/2 + jitter·d/2`.
    pub fn delay(&self, attempt: u32, jitter: f64) -> Duration {
        let factor = 2u32.checked_pow(attempt.min(31)).unwrap_or(u32::MAX);
        let raw = self
            .base
            .checked_mul(factor)
            .unwrap_or(self.max)
            .min(self.max);
        let jitter = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        let half = raw / 2;
        half + half.mul_f64(jitter)
    }
}
