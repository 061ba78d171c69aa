//! The trace log (002 service contract art. 5.3.1, 003 art. 7): every login, attempt, token and
//! administrative action is written here, in the same transaction as the change it records, so
//! that a change without its trace cannot exist. Events are hash-chained (see [`chain`]) and
//! `idp audit verify` walks the chain. Details are redacted before they are written: no
//! password, token, secret or NIR ever reaches the table.

pub mod action;
pub mod chain;
pub mod query;
pub mod retention;

use serde_json::Value;
use time::OffsetDateTime;

use crate::actor::Actor;
use crate::store::{self, Db, StoreError, Tx};

pub use action::Action;
pub use chain::{Break, Record};

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It was done.
    Success,
    /// It failed (e.g. a wrong password).
    Failure,
    /// It was refused by a rule (rights, quota, territory).
    Denied,
}

impl Outcome {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

/// Where a request came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// Client IP address.
    pub ip: Option<String>,
    /// The HTTP request id, to join traces with logs.
    pub request_id: Option<String>,
}

/// One thing to trace.
#[derive(Debug, Clone)]
pub struct Event {
    /// What was done.
    pub action: Action,
    /// Who did it.
    pub actor: Actor,
    /// The kind and id of what it was done to.
    pub target: Option<(&'static str, String)>,
    /// The fund concerned.
    pub fund_id: Option<i64>,
    /// The partner concerned.
    pub partner_id: Option<i64>,
    /// Where it came from.
    pub source: Source,
    /// How it ended.
    pub outcome: Outcome,
    /// Free details (before/after values…); redacted before writing.
    pub details: Value,
}

impl Event {
    /// A successful action with no details yet.
    pub fn new(action: Action, actor: &Actor) -> Self {
        Self {
            action,
            actor: actor.clone(),
            target: None,
            fund_id: None,
            partner_id: None,
            source: Source::default(),
            outcome: Outcome::Success,
            details: Value::Object(serde_json::Map::new()),
        }
    }

    /// Sets the target.
    pub fn target(mut self, kind: &'static str, id: impl std::fmt::Display) -> Self {
        self.target = Some((kind, id.to_string()));
        self
    }

    /// Sets the fund.
    pub fn fund(mut self, fund_id: i64) -> Self {
        self.fund_id = Some(fund_id);
        self
    }

    /// Sets the partner.
    pub fn partner(mut self, partner_id: i64) -> Self {
        self.partner_id = Some(partner_id);
        self
    }

    /// Sets the source.
    pub fn source(mut self, source: Source) -> Self {
        self.source = source;
        self
    }

    /// Sets the outcome.
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Sets the details.
    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// Why a trace could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The database failed; the change being traced must fail with it.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuditError {
    /// Whether the database could not be reached.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Store(s) => s.is_unavailable(),
        }
    }
}

/// Appends `event` to the chain inside `tx`. The chain head is locked until `tx` ends, so
/// concurrent writers (even on several nodes) queue instead of forking the chain.
pub async fn record(tx: &Tx, now: OffsetDateTime, event: Event) -> Result<i64, AuditError> {
    let mut details = event.details;
    crate::redact::redact_json(&mut details);
    let (last_id, last_hash) = store::audit::lock_head(tx).await?;
    let mut r = Record {
        id: last_id + 1,
        occurred_at: chain::normalise_time(now),
        actor_kind: event.actor.kind().to_owned(),
        actor_account_id: event.actor.account_id(),
        actor_label: crate::redact::redact_text(&event.actor.label()).into_owned(),
        action: event.action.as_str().to_owned(),
        target_kind: event.target.as_ref().map(|(k, _)| (*k).to_owned()),
        target_id: event
            .target
            .as_ref()
            .map(|(_, id)| crate::redact::redact_text(id).into_owned()),
        fund_id: event.fund_id,
        partner_id: event.partner_id,
        source_ip: event.source.ip,
        request_id: event.source.request_id,
        outcome: event.outcome.as_str().to_owned(),
        details: details.to_string(),
        prev_hash: last_hash,
        hash: String::new(),
        purged_by: None,
    };
    r.hash = chain::compute_hash(&r.prev_hash, &r);
    store::audit::append(tx, &r).await?;
    Ok(r.id)
}

/// The result of a chain verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Events checked before the end or the first break.
    pub checked: u64,
    /// The first broken link, if any.
    pub first_break: Option<Break>,
}

/// Walks the whole chain in id order and reports the first broken link.
pub async fn verify(db: &Db) -> Result<VerifyReport, AuditError> {
    verify_to(db, None).await
}

/// Verifies the chain as it was when the call began: up to the head read first, so that events
/// appended meanwhile by a live server (checked at the next run) are not taken for tampering.
pub async fn verify_live(db: &Db) -> Result<VerifyReport, AuditError> {
    let head = store::audit::head(db).await?;
    verify_to(db, Some(head)).await
}

async fn verify_to(db: &Db, head: Option<(i64, String)>) -> Result<VerifyReport, AuditError> {
    const PAGE: u64 = 5_000;
    let mut verifier = chain::Verifier::new(0, chain::GENESIS_HASH);
    let mut after = 0i64;
    let mut checked = 0u64;
    let last_id = head.as_ref().map_or(i64::MAX, |(id, _)| *id);
    'pages: loop {
        let page = store::audit::page(db, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            if r.id > last_id {
                break 'pages;
            }
            if let Err(b) = verifier.check(r) {
                return Ok(VerifyReport {
                    checked,
                    first_break: Some(b),
                });
            }
            checked += 1;
        }
    }
    let (head_id, head_hash) = match head {
        Some(h) => h,
        None => store::audit::head(db).await?,
    };
    let first_break = verifier.finish(head_id, &head_hash).err();
    Ok(VerifyReport {
        checked,
        first_break,
    })
}

#[cfg(test)]
mod tests;
