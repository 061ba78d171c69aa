//! Retention of the trace (seed 002, service contract art. 5.3.2: « Les traces mentionnées à
//! l'article 5.3.1 sont conservées pendant une durée de six mois. Les données liées aux
//! habilitations sont conservées six ans après la dévalidation de l'habilitation. »).
//!
//! A purge never deletes a row of the chain: it turns each expired event into a *tombstone*
//! (identifying columns cleared, id, hashes and non-identifying columns kept, `purged_by` set)
//! and records one `audit.purge` event whose details carry the count and a SHA-256 digest of
//! the tombstones it made (see [`chain::tombstone_line`]). [`super::verify`] accepts a
//! tombstone's hash as the link it is, and checks the digest when it reaches the purge event:
//! clearing any other event, or altering a tombstone, breaks the chain. A row of `audit_seal`
//! summarises each purge (last event cleared, its hash, count). Why tombstones rather than
//! deleted segments: docs/traces.md.

use time::{Duration, OffsetDateTime};

use super::action::{self, Action};
use super::chain::{self, Record, SealDigest};
use super::{AuditError, Event};
use crate::actor::Actor;
use crate::config::RetentionConfig;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::store::{self, Db, StoreError};

/// Connection traces, kept `retention.connection_days` (002 service contract art. 5.3.1 and
/// 5.3.2): a person logging in, failing to, being locked by failures, the tokens and sessions
/// of their visits, and the password steps they take themselves. Administrators' actions on
/// accounts (reset by an administrator, unlock, disable…) are not in this list.
pub const CONNECTION_ACTIONS: &[Action] = &[
    action::LOGIN_SUCCEED,
    action::LOGIN_FAIL,
    action::ACCOUNT_LOCK,
    action::TOKEN_ISSUE,
    action::TOKEN_REFRESH_REUSE,
    action::TOKEN_REVOKE,
    action::SESSION_END,
    action::PASSWORD_CHANGE,
    action::PASSWORD_REHASH,
    action::PASSWORD_RESET_REQUEST,
    action::PASSWORD_RESET,
    action::RECOVERY_CODE_USE,
];

/// Why a purge failed.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The seal could not be traced.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for RetentionError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        "internal"
    }

    fn message_fr(&self) -> String {
        "La purge des traces a échoué ; rien n'a été effacé.".into()
    }
}

/// The retention periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Days connection traces are kept.
    pub connection_days: u32,
    /// Years a habilitation's history is kept after its withdrawal.
    pub habilitation_years: u32,
}

impl Policy {
    /// From the `[retention]` settings.
    pub fn from_config(c: &RetentionConfig) -> Self {
        Self {
            connection_days: c.connection_days,
            habilitation_years: c.habilitation_years,
        }
    }

    /// Connection traces that happened before this instant are expired.
    pub fn connection_cutoff(&self, now: OffsetDateTime) -> OffsetDateTime {
        now - Duration::days(i64::from(self.connection_days))
    }

    /// Habilitations that ended (withdrawn, or past their last day of validity) before this
    /// instant have an expired history: the same date `habilitation_years` earlier (29 February
    /// becomes 28 February).
    pub fn habilitation_cutoff(&self, now: OffsetDateTime) -> OffsetDateTime {
        years_before(now, self.habilitation_years)
    }
}

/// `now` moved back `years` calendar years (29 February → 28 February).
pub fn years_before(now: OffsetDateTime, years: u32) -> OffsetDateTime {
    let year = now.year() - i32::try_from(years).unwrap_or(i32::MAX).min(9_000);
    now.replace_year(year)
        .or_else(|_| now.replace_day(28).and_then(|t| t.replace_year(year)))
        .unwrap_or(time::macros::datetime!(0001-01-01 00:00 UTC))
}

/// What a purge did (or, in a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PurgeReport {
    /// Connection traces cleared.
    pub connection: u64,
    /// Habilitation-history events cleared.
    pub habilitation: u64,
    /// The `audit.purge` event that seals them (none in a dry run or when nothing expired).
    pub purge_event_id: Option<i64>,
    /// The last event cleared.
    pub up_to_event_id: Option<i64>,
    /// Whether nothing was written.
    pub dry_run: bool,
}

impl PurgeReport {
    /// Events cleared in all.
    pub fn total(&self) -> u64 {
        self.connection + self.habilitation
    }
}

/// Clears the events past their retention at `now` and seals them with one `audit.purge`
/// event, all in one transaction that holds the chain head (two nodes purging at once queue).
/// With `dry_run`, only counts.
pub async fn purge(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    policy: &Policy,
    dry_run: bool,
) -> Result<PurgeReport, RetentionError> {
    let tx = db.begin_write().await?;
    // Hold the head from the start: what is selected below cannot change under us.
    store::audit::lock_head(&tx).await?;
    let actions: Vec<&str> = CONNECTION_ACTIONS.iter().map(|a| a.as_str()).collect();
    let connection =
        store::audit::unpurged_actions_before(&tx, &actions, policy.connection_cutoff(now)).await?;
    let withdrawn =
        store::audit::habilitations_ended_before(&tx, policy.habilitation_cutoff(now)).await?;
    let habilitation = store::audit::unpurged_of_habilitations(&tx, &withdrawn).await?;
    let mut expired: Vec<Record> = connection;
    let connection_count = expired.len() as u64;
    let habilitation_count = habilitation.len() as u64;
    expired.extend(habilitation);
    expired.sort_by_key(|r| r.id);
    expired.dedup_by_key(|r| r.id);
    let last = expired.last().map(|r| (r.id, r.hash.clone()));
    let mut report = PurgeReport {
        connection: connection_count,
        habilitation: habilitation_count,
        purge_event_id: None,
        up_to_event_id: last.as_ref().map(|(id, _)| *id),
        dry_run,
    };
    let Some((up_to, last_hash)) = last else {
        return Ok(report);
    };
    if dry_run {
        return Ok(report);
    }
    let mut digest = SealDigest::default();
    for r in &expired {
        digest.add(r);
    }
    let first = expired.first().map_or(up_to, |r| r.id);
    let event = Event::new(action::AUDIT_PURGE, actor)
        .target("audit_event", up_to)
        .details(serde_json::json!({
            "purged": digest.count(),
            "connection": report.connection,
            "habilitation": report.habilitation,
            "first_event": first,
            "last_event": up_to,
            "digest": digest.groups(),
            "connection_days": policy.connection_days,
            "habilitation_years": policy.habilitation_years,
        }));
    let purge_id = super::record(&tx, now, event).await?;
    let ids: Vec<i64> = expired.iter().map(|r| r.id).collect();
    let changed = store::audit::tombstone(&tx, &ids, purge_id).await?;
    if changed != digest.count() {
        // Cannot happen while the head is held; refuse rather than write a wrong seal.
        return Err(StoreError::Corrupt(format!(
            "purge cleared {changed} events, expected {}",
            digest.count()
        ))
        .into());
    }
    store::audit::insert_seal(
        &tx,
        &store::audit::Seal {
            sealed_at: chain::normalise_time(now),
            up_to_event_id: up_to,
            last_hash,
            purged_count: i64::try_from(changed).unwrap_or(i64::MAX),
        },
    )
    .await?;
    tx.commit().await?;
    report.purge_event_id = Some(purge_id);
    Ok(report)
}

#[cfg(test)]
mod tests;
