//! Attempt limiting (issue #4 point 4): per account, a growing delay after
//! `failures_before_delay` consecutive failures and a temporary lock after
//! `failures_before_lock`; per source address, a fixed-window rate limit. Seed 003 art. 7:
//! "toutes les connexions, ou tentatives de connexions, sont enregistrées pour déceler des
//! abus" — the attempts are traced by `authenticate`; this module decides which are let
//! through.
//!
//! The rules ([`delay`], [`gate`], [`after_failure`]) are pure. The counters live in the
//! database (`login_throttle`, `rate_limit_bucket`, updated under a row lock in the same
//! transaction as the attempt's trace, so safe with several nodes) or, when `[redis] url` is
//! set, in Redis (updated by atomic scripts). Times always come from the caller's clock, never
//! from Redis, so tests drive them with a `ManualClock`.

use time::{Duration, OffsetDateTime};

use crate::config::AccountsConfig;
use crate::redis::Redis;
use crate::store::{self, Conn, Db, StoreError, Tx};

#[cfg(test)]
mod tests;

/// The limits, from `[accounts]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// Consecutive failures after which each attempt waits.
    pub failures_before_delay: u32,
    /// Longest wait.
    pub max_delay: Duration,
    /// Consecutive failures after which the account is locked.
    pub failures_before_lock: u32,
    /// Lock duration.
    pub lock: Duration,
    /// Attempts per source address and window.
    pub source_limit: u32,
    /// The window.
    pub source_window: Duration,
}

fn secs(n: u64) -> Duration {
    Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX))
}

impl ThrottleSettings {
    /// The limits of `[accounts]`.
    pub fn from_config(a: &AccountsConfig) -> Self {
        Self {
            failures_before_delay: a.failures_before_delay,
            max_delay: secs(a.max_delay_secs),
            failures_before_lock: a.failures_before_lock,
            lock: secs(a.lock_secs),
            source_limit: a.source_attempts_per_window,
            source_window: secs(a.source_window_secs),
        }
    }
}

/// The failure counter of one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counter {
    /// Consecutive failures since the last success or lock.
    pub failures: u32,
    /// The last failure.
    pub last_failure_at: Option<OffsetDateTime>,
    /// Locked until then.
    pub locked_until: Option<OffsetDateTime>,
}

/// Whether an attempt on an account may be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Check it.
    Open,
    /// Too soon after the last failure: refuse it unchecked.
    Wait {
        /// When the next attempt will be checked.
        until: OffsetDateTime,
    },
    /// The account is locked: refuse it unchecked.
    Locked {
        /// When the lock ends.
        until: OffsetDateTime,
    },
}

/// The wait imposed after `failures` consecutive failures: none below
/// `failures_before_delay`, then 2^(failures − failures_before_delay) seconds, at most
/// `max_delay`.
pub fn delay(s: &ThrottleSettings, failures: u32) -> Duration {
    if failures < s.failures_before_delay {
        return Duration::ZERO;
    }
    let exponent = (failures - s.failures_before_delay).min(30);
    Duration::seconds(1i64 << exponent).min(s.max_delay)
}

/// Whether an attempt is let through at `now`.
pub fn gate(s: &ThrottleSettings, c: &Counter, now: OffsetDateTime) -> Gate {
    if let Some(until) = c.locked_until.filter(|u| now < *u) {
        return Gate::Locked { until };
    }
    if let Some(last) = c.last_failure_at {
        let until = last + delay(s, c.failures);
        if now < until {
            return Gate::Wait { until };
        }
    }
    Gate::Open
}

/// The counter after one more failure at `now`, and whether it locked the account: reaching
/// `failures_before_lock` locks for `lock` and starts the count again.
pub fn after_failure(s: &ThrottleSettings, c: Counter, now: OffsetDateTime) -> (Counter, bool) {
    let failures = c.failures.saturating_add(1);
    if failures >= s.failures_before_lock {
        let counter = Counter {
            failures: 0,
            last_failure_at: Some(now),
            locked_until: Some(now + s.lock),
        };
        return (counter, true);
    }
    let counter = Counter {
        failures,
        last_failure_at: Some(now),
        locked_until: c.locked_until.filter(|u| now < *u),
    };
    (counter, false)
}

/// The start of the fixed window holding `now`.
pub fn window_start(s: &ThrottleSettings, now: OffsetDateTime) -> OffsetDateTime {
    let w = s.source_window.whole_seconds().max(1);
    let t = now.unix_timestamp();
    OffsetDateTime::from_unix_timestamp(t - t.rem_euclid(w)).unwrap_or(now)
}

/// Why a counter could not be read or updated.
#[derive(Debug, thiserror::Error)]
pub enum ThrottleError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Redis failed.
    #[error("redis counter failed: {0}")]
    Redis(String),
}

impl From<redis::RedisError> for ThrottleError {
    fn from(e: redis::RedisError) -> Self {
        Self::Redis(format!("{:?}", e.kind()))
    }
}

/// Where the counters live.
#[derive(Clone)]
enum Counters {
    Database,
    Redis { conn: Redis, prefix: String },
}

/// The attempt limiter of a node.
#[derive(Clone)]
pub struct Throttle {
    settings: ThrottleSettings,
    counters: Counters,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("settings", &self.settings)
            .field(
                "counters",
                &match self.counters {
                    Counters::Database => "database",
                    Counters::Redis { .. } => "redis",
                },
            )
            .finish()
    }
}

const FAILURE_SCRIPT: &str = r"
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'last', ARGV[1])
local locked = 0
if n >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'until', tonumber(ARGV[1]) + tonumber(ARGV[3]), 'n', 0)
  n = 0
  locked = 1
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
local u = redis.call('HGET', KEYS[1], 'until')
return {n, locked, u or '0'}
";

/// How long Redis keeps an idle account counter (a week; the database keeps it for ever).
const REDIS_COUNTER_TTL_SECS: i64 = 7 * 86_400;

fn ts(t: i64) -> Option<OffsetDateTime> {
    (t > 0)
        .then(|| OffsetDateTime::from_unix_timestamp(t).ok())
        .flatten()
}

/// The counter of an account in Redis.
async fn redis_counter(
    conn: &Redis,
    prefix: &str,
    account_id: i64,
) -> Result<Counter, ThrottleError> {
    let mut conn = conn.clone();
    let (n, last, until): (Option<u32>, Option<i64>, Option<i64>) = redis::cmd("HMGET")
        .arg(Throttle::account_key(prefix, account_id))
        .arg("n")
        .arg("last")
        .arg("until")
        .query_async(&mut conn)
        .await?;
    Ok(Counter {
        failures: n.unwrap_or(0),
        last_failure_at: last.and_then(ts),
        locked_until: until.and_then(ts),
    })
}

impl Throttle {
    /// Counters in the database.
    pub fn database(settings: ThrottleSettings) -> Self {
        Self {
            settings,
            counters: Counters::Database,
        }
    }

    /// Counters in Redis, under `prefix` (e.g. [`crate::redis::KEY_PREFIX`]).
    pub fn redis(settings: ThrottleSettings, conn: Redis, prefix: &str) -> Self {
        Self {
            settings,
            counters: Counters::Redis {
                conn,
                prefix: prefix.to_owned(),
            },
        }
    }

    /// The limits.
    pub fn settings(&self) -> &ThrottleSettings {
        &self.settings
    }

    /// Whether the counters are in Redis.
    pub fn uses_redis(&self) -> bool {
        matches!(self.counters, Counters::Redis { .. })
    }

    fn account_key(prefix: &str, account_id: i64) -> String {
        format!("{prefix}throttle:account:{account_id}")
    }

    /// The counter of an account, given the one the database holds for it (read with the
    /// account, `store::credential::account_with_password`): that one when the counters live
    /// in the database, else Redis's.
    pub async fn counter_given(
        &self,
        account_id: i64,
        in_database: Counter,
    ) -> Result<Counter, ThrottleError> {
        match &self.counters {
            Counters::Database => Ok(in_database),
            Counters::Redis { conn, prefix } => redis_counter(conn, prefix, account_id).await,
        }
    }

    /// The counter of an account.
    pub async fn counter(&self, db: &impl Conn, account_id: i64) -> Result<Counter, ThrottleError> {
        match &self.counters {
            Counters::Database => Ok(store::credential::throttle_of(db, account_id)
                .await?
                .unwrap_or_default()),
            Counters::Redis { conn, prefix } => redis_counter(conn, prefix, account_id).await,
        }
    }

    /// Whether an attempt on the account is let through now.
    pub async fn gate(
        &self,
        db: &impl Conn,
        account_id: i64,
        now: OffsetDateTime,
    ) -> Result<Gate, ThrottleError> {
        let c = self.counter(db, account_id).await?;
        Ok(gate(&self.settings, &c, now))
    }

    /// Counts one failure (in `tx` for the database, so with the attempt's trace); returns the
    /// new counter and whether this failure locked the account.
    pub async fn record_failure(
        &self,
        tx: &Tx,
        account_id: i64,
        now: OffsetDateTime,
    ) -> Result<(Counter, bool), ThrottleError> {
        match &self.counters {
            Counters::Database => {
                let current = store::credential::lock_throttle(tx, account_id).await?;
                let (next, locked) = after_failure(&self.settings, current, now);
                store::credential::save_throttle(tx, account_id, &next).await?;
                Ok((next, locked))
            }
            Counters::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let (n, locked, until): (u32, i32, i64) = redis::Script::new(FAILURE_SCRIPT)
                    .key(Self::account_key(prefix, account_id))
                    .arg(now.unix_timestamp())
                    .arg(self.settings.failures_before_lock)
                    .arg(self.settings.lock.whole_seconds())
                    .arg(REDIS_COUNTER_TTL_SECS.max(self.settings.lock.whole_seconds()))
                    .invoke_async(&mut conn)
                    .await?;
                let counter = Counter {
                    failures: n,
                    last_failure_at: Some(now),
                    locked_until: ts(until).filter(|u| now < *u),
                };
                Ok((counter, locked == 1))
            }
        }
    }

    /// Forgets the failures of an account (a success, or an unlock by an administrator).
    pub async fn clear(&self, tx: &Tx, account_id: i64) -> Result<(), ThrottleError> {
        match &self.counters {
            Counters::Database => Ok(store::credential::clear_throttle(tx, account_id).await?),
            Counters::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let _: i64 = redis::cmd("DEL")
                    .arg(Self::account_key(prefix, account_id))
                    .query_async(&mut conn)
                    .await?;
                Ok(())
            }
        }
    }

    /// Counts one attempt from a source (`what` names the limit, e.g. `login`) and says whether
    /// it is within the limit. Attempts without a known address share one bucket.
    pub async fn hit_source(
        &self,
        db: &Db,
        what: &str,
        ip: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<bool, ThrottleError> {
        self.hit(db, &format!("{what}:ip:{}", ip.unwrap_or("unknown")), now)
            .await
    }

    /// Counts one event under `key` in the current window; whether it is within the limit.
    async fn hit(&self, db: &Db, key: &str, now: OffsetDateTime) -> Result<bool, ThrottleError> {
        let start = window_start(&self.settings, now);
        let count = match &self.counters {
            Counters::Database => store::credential::hit_bucket(db, key, start).await?,
            Counters::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let k = format!("{prefix}rate:{key}:{}", start.unix_timestamp());
                let (n, _): (i64, i64) = redis::pipe()
                    .atomic()
                    .incr(&k, 1)
                    .expire(&k, self.settings.source_window.whole_seconds().max(1) * 2)
                    .query_async(&mut conn)
                    .await?;
                n
            }
        };
        Ok(count <= i64::from(self.settings.source_limit))
    }

    /// Counts one event under `key` against an explicit limit per window (reset requests).
    pub async fn hit_limited(
        &self,
        db: &Db,
        key: &str,
        limit: u32,
        window: Duration,
        now: OffsetDateTime,
    ) -> Result<bool, ThrottleError> {
        let other = Self {
            settings: ThrottleSettings {
                source_limit: limit,
                source_window: window,
                ..self.settings.clone()
            },
            counters: self.counters.clone(),
        };
        other.hit(db, key, now).await
    }
}
