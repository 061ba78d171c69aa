//! Reading the trace for the consoles (issue #8 point 5): a partner's administrators see their
//! partner's events (logins, failures, administrative actions), fund operators their fund's,
//! filtered by action, actor, account and period and paged in SQL, newest first; a CSV export
//! written page by page. And the periodic verification of the whole chain, whose last result
//! is stored for the readiness probe.

use serde::Serialize;
use time::OffsetDateTime;

use super::{AuditError, Record};
use crate::review::export::Sink;
use crate::stats::csv_field;
use crate::store::audit::{EventQuery, Verification};
use crate::store::{self, Conn, Db};

/// One event as the consoles show it. Tombstones (purged events) show only what they keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceEvent {
    /// Position in the chain.
    pub id: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// `<object>.<verb>`.
    pub action: String,
    /// `account`, `cli`, `system`, `client`.
    pub actor_kind: String,
    /// Who (a login, `cli:…`, `system:…`).
    pub actor: String,
    /// Their account.
    pub actor_account_id: Option<i64>,
    /// What it was about.
    pub target_kind: Option<String>,
    /// Its id.
    pub target_id: Option<String>,
    /// The partner.
    pub partner_id: Option<i64>,
    /// `success` or `failure`.
    pub outcome: String,
    /// Source address.
    pub source_ip: Option<String>,
    /// Details (already redacted when written).
    pub details: serde_json::Value,
    /// Whether the event is past retention (its identifying columns cleared).
    pub purged: bool,
}

impl From<Record> for TraceEvent {
    fn from(r: Record) -> Self {
        Self {
            id: r.id,
            occurred_at: r.occurred_at,
            action: r.action,
            actor_kind: r.actor_kind,
            actor: r.actor_label,
            actor_account_id: r.actor_account_id,
            target_kind: r.target_kind,
            target_id: r.target_id,
            partner_id: r.partner_id,
            outcome: r.outcome,
            source_ip: r.source_ip,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            purged: r.purged_by.is_some(),
        }
    }
}

/// A page of events.
#[derive(Debug, Clone, Serialize)]
pub struct TracePage {
    /// Newest first.
    pub items: Vec<TraceEvent>,
    /// Events matching in all.
    pub total: u64,
}

/// One page of the events `q` selects, newest first (`limit` 1 to 500).
pub async fn search(
    db: &impl Conn,
    q: &EventQuery,
    offset: u64,
    limit: u64,
) -> Result<TracePage, AuditError> {
    let (rows, total) = store::audit::events(db, q, offset, limit.clamp(1, 500)).await?;
    Ok(TracePage {
        items: rows.into_iter().map(TraceEvent::from).collect(),
        total,
    })
}

/// The CSV columns of a trace export.
pub const CSV_HEADER: &str = "id;occurred_at;action;outcome;actor;actor_kind;target_kind;target_id;partner_id;source_ip;details";

fn csv_row(out: &mut String, e: &TraceEvent) {
    let cells = [
        e.id.to_string(),
        e.occurred_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        e.action.clone(),
        e.outcome.clone(),
        e.actor.clone(),
        e.actor_kind.clone(),
        e.target_kind.clone().unwrap_or_default(),
        e.target_id.clone().unwrap_or_default(),
        e.partner_id.map(|p| p.to_string()).unwrap_or_default(),
        e.source_ip.clone().unwrap_or_default(),
        e.details.to_string(),
    ];
    let row: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
    out.push_str(&row.join(";"));
    out.push_str("\r\n");
}

/// Writes the events `q` selects as CSV (UTF-8 with BOM, `;`), newest first, at most `max`,
/// page by page into `sink`; returns how many were written.
pub async fn write_csv<S: Sink + Send>(
    db: &impl Conn,
    q: &EventQuery,
    max: u64,
    sink: &mut S,
) -> Result<u64, crate::review::ReviewError> {
    sink.put(format!("\u{feff}{CSV_HEADER}\r\n").into_bytes())
        .await?;
    let mut q = q.clone();
    let mut written = 0u64;
    while written < max {
        let (rows, _) = store::audit::events(db, &q, 0, 2_000.min(max - written)).await?;
        let Some(last) = rows.last() else { break };
        q.before_id = Some(last.id);
        let mut chunk = String::with_capacity(rows.len() * 200);
        for r in rows {
            written += 1;
            csv_row(&mut chunk, &TraceEvent::from(r));
        }
        sink.put(chunk.into_bytes()).await?;
    }
    Ok(written)
}

/// Runs `audit::verify` if the stored result is older than `every` (or absent) and stores the
/// new result; returns it, or none when another run (maybe another node's) is recent enough.
pub async fn verify_if_due(
    db: &Db,
    now: OffsetDateTime,
    every: time::Duration,
) -> Result<Option<Verification>, AuditError> {
    if let Some(last) = store::audit::last_verification(db).await?
        && now - last.ran_at < every
    {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let mut report = super::verify_live(db).await?;
    if report.first_break.is_some() {
        // A purge committed by another node while the pages were read can look like a break
        // in this one pass: a real break is still there on a fresh read.
        report = super::verify_live(db).await?;
    }
    let v = Verification {
        ran_at: now,
        intact: report.first_break.is_none(),
        checked: i64::try_from(report.checked).unwrap_or(i64::MAX),
        broken_at: report.first_break.as_ref().map(|b| b.event_id),
        reason: report.first_break.as_ref().map(ToString::to_string),
        duration_ms: i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX),
    };
    let tx = db.begin_write().await?;
    store::audit::save_verification(&tx, &v).await?;
    tx.commit().await?;
    if !v.intact {
        tracing::error!(
            broken_at = v.broken_at,
            reason = v.reason.as_deref(),
            "the trace chain is broken"
        );
    }
    Ok(Some(v))
}

/// The last stored verification.
pub async fn last_verification(db: &impl Conn) -> Result<Option<Verification>, AuditError> {
    Ok(store::audit::last_verification(db).await?)
}
