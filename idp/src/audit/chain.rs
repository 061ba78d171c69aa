//! The hash chain, as pure functions: each event's hash covers the previous event's hash and
//! every field of the event, so that changing, removing or reordering a stored event breaks
//! the chain at that point.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The hash that precedes the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A stored trace, as the chain sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Position in the chain, from 1, without gaps.
    pub id: i64,
    /// When it happened, UTC, microsecond precision.
    pub occurred_at: OffsetDateTime,
    /// `account`, `cli`, `system` or `anonymous`.
    pub actor_kind: String,
    /// The acting account, if any.
    pub actor_account_id: Option<i64>,
    /// The actor as shown to people.
    pub actor_label: String,
    /// What was done, e.g. `convention.suspend`.
    pub action: String,
    /// Kind of the object acted on.
    pub target_kind: Option<String>,
    /// Its identifier.
    pub target_id: Option<String>,
    /// The fund concerned.
    pub fund_id: Option<i64>,
    /// The partner concerned.
    pub partner_id: Option<i64>,
    /// Source IP address.
    pub source_ip: Option<String>,
    /// Request id of the HTTP request.
    pub request_id: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// Redacted JSON details, as stored.
    pub details: String,
    /// The previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// Normalises a timestamp the way the database keeps it (UTC, microseconds), so that the hash
/// computed before writing equals the one recomputed after reading.
pub fn normalise_time(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    let micros = t.microsecond();
    t.replace_microsecond(micros).unwrap_or(t)
}

/// The hash of `record` given `prev_hash` (the record's own `hash` field is ignored).
pub fn compute_hash(prev_hash: &str, r: &Record) -> String {
    let when = normalise_time(r.occurred_at)
        .format(&Rfc3339)
        .unwrap_or_default();
    // A JSON array gives an unambiguous, stable encoding of the fields (no separator tricks).
    let canonical = serde_json::json!([
        r.id,
        when,
        r.actor_kind,
        r.actor_account_id,
        r.actor_label,
        r.action,
        r.target_kind,
        r.target_id,
        r.fund_id,
        r.partner_id,
        r.source_ip,
        r.request_id,
        r.outcome,
        r.details,
    ]);
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The first event that does not verify.
    pub event_id: i64,
    /// What is wrong with it.
    pub reason: BreakReason,
}

/// The ways a chain can be broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakReason {
    /// An event is missing before this one (ids must follow each other).
    Gap {
        /// The id that was expected here.
        expected: i64,
    },
    /// The event does not point to its predecessor's hash (removed or reordered events).
    PrevHashMismatch,
    /// The event's content does not match its hash (edited event).
    HashMismatch,
    /// The chain's recorded head does not match its last event (events removed at the end).
    HeadMismatch,
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.event_id;
        match &self.reason {
            BreakReason::Gap { expected } => {
                write!(f, "event {expected} is missing (found {id} next)")
            }
            BreakReason::PrevHashMismatch => write!(
                f,
                "event {id} does not follow the previous event (removed or reordered events)"
            ),
            BreakReason::HashMismatch => {
                write!(f, "event {id} was modified after it was written")
            }
            BreakReason::HeadMismatch => write!(
                f,
                "the chain head says the last event is not {id}: events were removed at the end"
            ),
        }
    }
}

/// Incremental verifier: feed records in id order, starting after a known (id, hash).
#[derive(Debug, Clone)]
pub struct Verifier {
    last_id: i64,
    last_hash: String,
    checked: u64,
}

impl Verifier {
    /// Starts after event `last_id` whose hash is `last_hash` (0 and [`GENESIS_HASH`] for the
    /// beginning of the chain, or the last sealed event after a retention purge).
    pub fn new(last_id: i64, last_hash: &str) -> Self {
        Self {
            last_id,
            last_hash: last_hash.to_owned(),
            checked: 0,
        }
    }

    /// Checks the next record.
    pub fn check(&mut self, r: &Record) -> Result<(), Break> {
        let expected = self.last_id + 1;
        if r.id != expected {
            return Err(Break {
                event_id: r.id,
                reason: BreakReason::Gap { expected },
            });
        }
        if r.prev_hash != self.last_hash {
            return Err(Break {
                event_id: r.id,
                reason: BreakReason::PrevHashMismatch,
            });
        }
        if compute_hash(&r.prev_hash, r) != r.hash {
            return Err(Break {
                event_id: r.id,
                reason: BreakReason::HashMismatch,
            });
        }
        self.last_id = r.id;
        self.last_hash.clone_from(&r.hash);
        self.checked += 1;
        Ok(())
    }

    /// Checks that the head recorded by the writer matches the last event seen.
    pub fn finish(&self, head_id: i64, head_hash: &str) -> Result<u64, Break> {
        if head_id != self.last_id || head_hash != self.last_hash {
            return Err(Break {
                event_id: self.last_id,
                reason: BreakReason::HeadMismatch,
            });
        }
        Ok(self.checked)
    }
}
