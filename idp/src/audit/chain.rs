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
    /// Set when retention cleared the event's identifying columns (a tombstone): the id of the
    /// `audit.purge` event that sealed it. Its `hash` can no longer be recomputed; the seal's
    /// digest vouches for it instead (see [`tombstone_line`]).
    pub purged_by: Option<i64>,
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
    /// Tombstones (purged events) do not match the digest of the `audit.purge` event that
    /// claims them: an event was cleared outside a purge, or a tombstone was altered.
    SealMismatch {
        /// The `audit.purge` event whose seal does not match.
        purge_event_id: i64,
    },
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
            BreakReason::SealMismatch { purge_event_id } => write!(
                f,
                "event {id} is cleared but does not match the seal of purge event {purge_event_id} (cleared outside a purge, or altered)"
            ),
        }
    }
}

/// The action of the event that seals a retention purge.
pub const PURGE_ACTION: &str = "audit.purge";

/// The line a tombstone contributes to its seal's digest: its position, its hash and the
/// columns a purge keeps, so that neither clearing another event nor altering a tombstone goes
/// unnoticed.
pub fn tombstone_line(r: &Record) -> String {
    let when = normalise_time(r.occurred_at)
        .format(&Rfc3339)
        .unwrap_or_default();
    let line = serde_json::json!([
        r.id,
        r.hash,
        when,
        r.actor_kind,
        r.action,
        r.target_kind,
        r.fund_id,
        r.partner_id,
        r.outcome,
    ]);
    format!("{line}\n")
}

/// The running digest of the tombstones of one purge.
#[derive(Debug, Clone, Default)]
pub struct SealDigest {
    hasher: Sha256,
    count: u64,
    first_id: i64,
}

impl SealDigest {
    /// Adds a tombstone (in id order).
    pub fn add(&mut self, r: &Record) {
        if self.count == 0 {
            self.first_id = r.id;
        }
        self.hasher.update(tombstone_line(r).as_bytes());
        self.count += 1;
    }

    /// How many tombstones were added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The hex digest.
    pub fn hex(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }

    /// The hex digest in groups of eight characters, as written in the purge event's details:
    /// the trace's redaction would take a 64-character run for a token and blank it.
    pub fn groups(&self) -> Vec<String> {
        let hex = self.hex();
        hex.as_bytes()
            .chunks(8)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect()
    }
}

/// Incremental verifier: feed records in id order, starting after a known (id, hash).
#[derive(Debug, Clone)]
pub struct Verifier {
    last_id: i64,
    last_hash: String,
    checked: u64,
    /// Tombstones seen, by the purge event that claims them, until that event is reached.
    pending: std::collections::BTreeMap<i64, SealDigest>,
}

impl Verifier {
    /// Starts after event `last_id` whose hash is `last_hash` (0 and [`GENESIS_HASH`] for the
    /// beginning of the chain, or the last sealed event after a retention purge).
    pub fn new(last_id: i64, last_hash: &str) -> Self {
        Self {
            last_id,
            last_hash: last_hash.to_owned(),
            checked: 0,
            pending: std::collections::BTreeMap::new(),
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
        if let Some(purge_event_id) = r.purged_by {
            // A tombstone: its content is gone, its place and hash are vouched for by the
            // digest its purge event recorded, checked when that (later) event is reached.
            if purge_event_id <= r.id {
                return Err(Break {
                    event_id: r.id,
                    reason: BreakReason::SealMismatch { purge_event_id },
                });
            }
            self.pending.entry(purge_event_id).or_default().add(r);
        } else {
            if compute_hash(&r.prev_hash, r) != r.hash {
                return Err(Break {
                    event_id: r.id,
                    reason: BreakReason::HashMismatch,
                });
            }
            if r.action == PURGE_ACTION {
                self.check_seal(r)?;
            }
        }
        self.last_id = r.id;
        self.last_hash.clone_from(&r.hash);
        self.checked += 1;
        Ok(())
    }

    /// A purge event (whose own hash verified) must vouch for exactly the tombstones that
    /// name it.
    fn check_seal(&mut self, r: &Record) -> Result<(), Break> {
        let seen = self.pending.remove(&r.id).unwrap_or_default();
        let details: serde_json::Value = serde_json::from_str(&r.details).unwrap_or_default();
        let digest: String = details
            .get("digest")
            .and_then(|d| d.as_array())
            .map(|groups| groups.iter().filter_map(|g| g.as_str()).collect())
            .unwrap_or_default();
        let count = details.get("purged").and_then(serde_json::Value::as_u64);
        if count != Some(seen.count()) || (seen.count() > 0 && digest != seen.hex()) {
            return Err(Break {
                event_id: if seen.count() > 0 {
                    seen.first_id
                } else {
                    r.id
                },
                reason: BreakReason::SealMismatch {
                    purge_event_id: r.id,
                },
            });
        }
        Ok(())
    }

    /// Checks that the head recorded by the writer matches the last event seen, and that every
    /// tombstone was claimed by a purge event.
    pub fn finish(&self, head_id: i64, head_hash: &str) -> Result<u64, Break> {
        if let Some((purge_event_id, seen)) = self.pending.iter().next() {
            return Err(Break {
                event_id: seen.first_id,
                reason: BreakReason::SealMismatch {
                    purge_event_id: *purge_event_id,
                },
            });
        }
        if head_id != self.last_id || head_hash != self.last_hash {
            return Err(Break {
                event_id: self.last_id,
                reason: BreakReason::HeadMismatch,
            });
        }
        Ok(self.checked)
    }
}
