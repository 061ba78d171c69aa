//! [`Metrics`]: counters of the sync for observability (queue length, lag, applied operations,
//! failures), shared between the sync engine and whoever exports them (the idp's metrics page).
//!
//! Invariant: counters only grow; gauges (queue length, lag) are set by the outbox worker,
//! which knows the queue and the clock. Lock-free, so reading never slows the sync.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Live counters; share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct Metrics {
    ops_applied: AtomicU64,
    ops_failed_permanent: AtomicU64,
    transient_failures: AtomicU64,
    reconciliations: AtomicU64,
    drift_repaired: AtomicU64,
    queue_length: AtomicU64,
    lag_ms: AtomicU64,
}

/// A copy of the counters at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// LDAP write operations that succeeded.
    pub ops_applied: u64,
    /// Operations the directory refused for good (schema, rights); each needs a human.
    pub ops_failed_permanent: u64,
    /// Connection losses, time-outs and busy answers (retried).
    pub transient_failures: u64,
    /// Reconciliation runs completed.
    pub reconciliations: u64,
    /// Entries added, changed or deleted by reconciliation (drift found).
    pub drift_repaired: u64,
    /// Outbox rows waiting, as last reported by the worker.
    pub queue_length: u64,
    /// Age of the oldest waiting outbox row, as last reported by the worker.
    pub lag: Duration,
}

impl Metrics {
    /// Fresh counters at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads every counter.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            ops_applied: self.ops_applied.load(Ordering::Relaxed),
            ops_failed_permanent: self.ops_failed_permanent.load(Ordering::Relaxed),
            transient_failures: self.transient_failures.load(Ordering::Relaxed),
            reconciliations: self.reconciliations.load(Ordering::Relaxed),
            drift_repaired: self.drift_repaired.load(Ordering::Relaxed),
            queue_length: self.queue_length.load(Ordering::Relaxed),
            lag: Duration::from_millis(self.lag_ms.load(Ordering::Relaxed)),
        }
    }

    /// Sets the outbox gauges: rows waiting and the age of the oldest one (computed by the
    /// worker from its clock).
    pub fn set_queue(&self, length: u64, oldest_age: Duration) {
        self.queue_length.store(length, Ordering::Relaxed);
        let ms = u64::try_from(oldest_age.as_millis()).unwrap_or(u64::MAX);
        self.lag_ms.store(ms, Ordering::Relaxed);
    }

    pub(crate) fn applied(&self, n: u64) {
        self.ops_applied.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn failed_permanent(&self, n: u64) {
        self.ops_failed_permanent.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn transient_failure(&self) {
        self.transient_failures.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn reconciled(&self, drift: u64) {
        self.reconciliations.fetch_add(1, Ordering::Relaxed);
        self.drift_repaired.fetch_add(drift, Ordering::Relaxed);
    }
}
