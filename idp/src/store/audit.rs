//! Storage of the trace chain: the locked head, appends, and ordered reads for verification.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use time::OffsetDateTime;

use super::entity::{audit_event, audit_head, audit_seal, habilitation};
use super::{Conn, StoreError, Tx};
use crate::audit::Record;

const HEAD_ID: i32 = 1;

/// Reads the chain head, locking it until `tx` ends (PostgreSQL row lock; on SQLite the
/// `IMMEDIATE` transaction already holds the write lock).
pub async fn lock_head(tx: &Tx) -> Result<(i64, String), StoreError> {
    let head = audit_head::Entity::find_by_id(HEAD_ID)
        .lock_exclusive()
        .one(tx.c())
        .await?
        .ok_or_else(|| StoreError::Corrupt("the audit_head row is missing".to_owned()))?;
    Ok((head.last_event_id, head.last_hash))
}

/// Reads the chain head without locking.
pub async fn head(db: &impl Conn) -> Result<(i64, String), StoreError> {
    let head = audit_head::Entity::find_by_id(HEAD_ID)
        .one(db.c())
        .await?
        .ok_or_else(|| StoreError::Corrupt("the audit_head row is missing".to_owned()))?;
    Ok((head.last_event_id, head.last_hash))
}

/// Inserts `r`; the head follows it (a trigger, migration 18). Call after [`lock_head`] in the
/// same transaction.
pub async fn append(tx: &Tx, r: &Record) -> Result<(), StoreError> {
    audit_event::ActiveModel {
        id: Set(r.id),
        occurred_at: Set(r.occurred_at),
        actor_kind: Set(r.actor_kind.clone()),
        actor_account_id: Set(r.actor_account_id),
        actor_label: Set(r.actor_label.clone()),
        action: Set(r.action.clone()),
        target_kind: Set(r.target_kind.clone()),
        target_id: Set(r.target_id.clone()),
        fund_id: Set(r.fund_id),
        partner_id: Set(r.partner_id),
        source_ip: Set(r.source_ip.clone()),
        request_id: Set(r.request_id.clone()),
        outcome: Set(r.outcome.clone()),
        details: Set(r.details.clone()),
        prev_hash: Set(r.prev_hash.clone()),
        hash: Set(r.hash.clone()),
        purged_by: Set(None),
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// Up to `limit` events with id greater than `after`, in id order.
pub async fn page(db: &impl Conn, after: i64, limit: u64) -> Result<Vec<Record>, StoreError> {
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::Id.gt(after))
        .order_by_asc(audit_event::Column::Id)
        .limit(limit)
        .all(db.c())
        .await?;
    Ok(rows.into_iter().map(to_record).collect())
}

fn to_record(m: audit_event::Model) -> Record {
    Record {
        id: m.id,
        occurred_at: m.occurred_at,
        actor_kind: m.actor_kind,
        actor_account_id: m.actor_account_id,
        actor_label: m.actor_label,
        action: m.action,
        target_kind: m.target_kind,
        target_id: m.target_id,
        fund_id: m.fund_id,
        partner_id: m.partner_id,
        source_ip: m.source_ip,
        request_id: m.request_id,
        outcome: m.outcome,
        details: m.details,
        prev_hash: m.prev_hash,
        hash: m.hash,
        purged_by: m.purged_by,
    }
}

/// Rows per `IN (…)` list, well below SQLite's and PostgreSQL's parameter limits.
const CHUNK: usize = 500;

/// Events not yet purged whose action is one of `actions` and that happened before `before`,
/// in id order (retention of connection traces).
pub async fn unpurged_actions_before(
    db: &impl Conn,
    actions: &[&str],
    before: OffsetDateTime,
) -> Result<Vec<Record>, StoreError> {
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::PurgedBy.is_null())
        .filter(audit_event::Column::Action.is_in(actions.iter().copied()))
        .filter(audit_event::Column::OccurredAt.lt(before))
        .order_by_asc(audit_event::Column::Id)
        .all(db.c())
        .await?;
    Ok(rows.into_iter().map(to_record).collect())
}

/// Ids of the habilitations that ended before `before`: withdrawn, or whose last day of
/// validity passed (retention of habilitation history).
pub async fn habilitations_ended_before(
    db: &impl Conn,
    before: OffsetDateTime,
) -> Result<Vec<i64>, StoreError> {
    Ok(habilitation::Entity::find()
        .select_only()
        .column(habilitation::Column::Id)
        .filter(
            Condition::any()
                .add(habilitation::Column::WithdrawnAt.lt(before))
                .add(habilitation::Column::ValidUntil.lt(before.date())),
        )
        .order_by_asc(habilitation::Column::Id)
        .into_tuple::<i64>()
        .all(db.c())
        .await?)
}

/// Events not yet purged about the habilitations `ids` (`target_kind = 'habilitation'`).
pub async fn unpurged_of_habilitations(
    db: &impl Conn,
    ids: &[i64],
) -> Result<Vec<Record>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let targets: Vec<String> = chunk.iter().map(i64::to_string).collect();
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::PurgedBy.is_null())
            .filter(audit_event::Column::TargetKind.eq("habilitation"))
            .filter(audit_event::Column::TargetId.is_in(targets))
            .all(db.c())
            .await?;
        out.extend(rows.into_iter().map(to_record));
    }
    Ok(out)
}

/// Clears the identifying columns of events `ids` (not yet purged) and marks them as sealed by
/// `purge_event_id`; returns how many rows changed. The hashes and the non-identifying columns
/// (time, action, kinds, fund, partner, outcome) stay.
pub async fn tombstone(tx: &Tx, ids: &[i64], purge_event_id: i64) -> Result<u64, StoreError> {
    let mut changed = 0;
    for chunk in ids.chunks(CHUNK) {
        let r = audit_event::Entity::update_many()
            .col_expr(
                audit_event::Column::ActorAccountId,
                Expr::value(None::<i64>),
            )
            .col_expr(audit_event::Column::ActorLabel, Expr::value(""))
            .col_expr(audit_event::Column::TargetId, Expr::value(None::<String>))
            .col_expr(audit_event::Column::SourceIp, Expr::value(None::<String>))
            .col_expr(audit_event::Column::RequestId, Expr::value(None::<String>))
            .col_expr(audit_event::Column::Details, Expr::value("{}"))
            .col_expr(
                audit_event::Column::PurgedBy,
                Expr::value(Some(purge_event_id)),
            )
            .filter(audit_event::Column::PurgedBy.is_null())
            .filter(audit_event::Column::Id.is_in(chunk.iter().copied()))
            .exec(tx.c())
            .await?;
        changed += r.rows_affected;
    }
    Ok(changed)
}

/// A retention seal, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    /// When the purge ran.
    pub sealed_at: OffsetDateTime,
    /// The last event it cleared.
    pub up_to_event_id: i64,
    /// That event's hash.
    pub last_hash: String,
    /// How many events it cleared.
    pub purged_count: i64,
}

/// Records a seal.
pub async fn insert_seal(tx: &Tx, seal: &Seal) -> Result<(), StoreError> {
    audit_seal::ActiveModel {
        sealed_at: Set(seal.sealed_at),
        up_to_event_id: Set(seal.up_to_event_id),
        last_hash: Set(seal.last_hash.clone()),
        purged_count: Set(seal.purged_count),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// Every seal, oldest first.
pub async fn seals(db: &impl Conn) -> Result<Vec<Seal>, StoreError> {
    let rows = audit_seal::Entity::find()
        .order_by_asc(audit_seal::Column::Id)
        .all(db.c())
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| Seal {
            sealed_at: m.sealed_at,
            up_to_event_id: m.up_to_event_id,
            last_hash: m.last_hash,
            purged_count: m.purged_count,
        })
        .collect())
}

/// Appends already-chained records in bulk and moves the head to the last one (benchmarks of
/// verification on a throw-away database only: no locking, no redaction).
pub(crate) async fn append_many(tx: &Tx, records: &[Record]) -> Result<(), StoreError> {
    for chunk in records.chunks(CHUNK) {
        let rows = chunk.iter().map(|r| audit_event::ActiveModel {
            id: Set(r.id),
            occurred_at: Set(r.occurred_at),
            actor_kind: Set(r.actor_kind.clone()),
            actor_account_id: Set(r.actor_account_id),
            actor_label: Set(r.actor_label.clone()),
            action: Set(r.action.clone()),
            target_kind: Set(r.target_kind.clone()),
            target_id: Set(r.target_id.clone()),
            fund_id: Set(r.fund_id),
            partner_id: Set(r.partner_id),
            source_ip: Set(r.source_ip.clone()),
            request_id: Set(r.request_id.clone()),
            outcome: Set(r.outcome.clone()),
            details: Set(r.details.clone()),
            prev_hash: Set(r.prev_hash.clone()),
            hash: Set(r.hash.clone()),
            purged_by: Set(None),
        });
        audit_event::Entity::insert_many(rows).exec(tx.c()).await?;
    }
    Ok(())
}

/// A query over the trace, for [`events`].
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// The fund.
    pub fund_id: i64,
    /// Only this partner's events.
    pub partner_id: Option<i64>,
    /// Action: exact (`login.fail`) or a family ending with a dot (`login.`).
    pub action: Option<String>,
    /// The actor's label (a login, `cli:…`, `system:…`).
    pub actor: Option<String>,
    /// Events by or about this account: its id (as the actor) and login (as the target).
    pub account: Option<(i64, String)>,
    /// From this instant (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Before this instant (exclusive).
    pub to: Option<OffsetDateTime>,
    /// Only events with an id below this (keyset paging, newest first).
    pub before_id: Option<i64>,
}

fn event_condition(q: &EventQuery) -> Condition {
    let mut c = Condition::all().add(audit_event::Column::FundId.eq(q.fund_id));
    if let Some(p) = q.partner_id {
        c = c.add(audit_event::Column::PartnerId.eq(p));
    }
    if let Some(a) = &q.action {
        c = if a.ends_with('.') {
            c.add(audit_event::Column::Action.starts_with(a.as_str()))
        } else {
            c.add(audit_event::Column::Action.eq(a.as_str()))
        };
    }
    if let Some(actor) = &q.actor {
        c = c.add(audit_event::Column::ActorLabel.eq(actor.as_str()));
    }
    if let Some((id, login)) = &q.account {
        c = c.add(
            Condition::any()
                .add(audit_event::Column::ActorAccountId.eq(*id))
                .add(
                    Condition::all()
                        .add(audit_event::Column::TargetKind.eq("account"))
                        .add(audit_event::Column::TargetId.eq(login.as_str())),
                ),
        );
    }
    if let Some(from) = q.from {
        c = c.add(audit_event::Column::OccurredAt.gte(from));
    }
    if let Some(to) = q.to {
        c = c.add(audit_event::Column::OccurredAt.lt(to));
    }
    if let Some(before) = q.before_id {
        c = c.add(audit_event::Column::Id.lt(before));
    }
    c
}

/// One page of the events matching `q`, newest first, and how many match in all.
pub async fn events(
    db: &impl Conn,
    q: &EventQuery,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Record>, u64), StoreError> {
    use sea_orm::PaginatorTrait;
    let cond = event_condition(q);
    let total = audit_event::Entity::find()
        .filter(cond.clone())
        .count(db.c())
        .await?;
    let rows = audit_event::Entity::find()
        .filter(cond)
        .order_by_desc(audit_event::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db.c())
        .await?;
    Ok((rows.into_iter().map(to_record).collect(), total))
}

/// The stored result of the last periodic verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// When it ran.
    pub ran_at: OffsetDateTime,
    /// Whether the chain was intact.
    pub intact: bool,
    /// Events checked.
    pub checked: i64,
    /// The first broken event.
    pub broken_at: Option<i64>,
    /// Why it broke.
    pub reason: Option<String>,
    /// How long it took.
    pub duration_ms: i32,
}

/// The last verification's result, if one ran.
pub async fn last_verification(db: &impl Conn) -> Result<Option<Verification>, StoreError> {
    use super::entity::audit_verification;
    Ok(audit_verification::Entity::find_by_id(1)
        .one(db.c())
        .await?
        .map(|m| Verification {
            ran_at: m.ran_at,
            intact: m.intact,
            checked: m.checked,
            broken_at: m.broken_at,
            reason: m.reason,
            duration_ms: m.duration_ms,
        }))
}

/// Stores a verification's result (the one row, created or replaced).
pub async fn save_verification(tx: &Tx, v: &Verification) -> Result<(), StoreError> {
    use super::entity::audit_verification;
    use sea_orm::sea_query::OnConflict;
    let row = audit_verification::ActiveModel {
        id: Set(1),
        ran_at: Set(v.ran_at),
        intact: Set(v.intact),
        checked: Set(v.checked),
        broken_at: Set(v.broken_at),
        reason: Set(v.reason.clone()),
        duration_ms: Set(v.duration_ms),
    };
    audit_verification::Entity::insert(row)
        .on_conflict(
            OnConflict::column(audit_verification::Column::Id)
                .update_columns([
                    audit_verification::Column::RanAt,
                    audit_verification::Column::Intact,
                    audit_verification::Column::Checked,
                    audit_verification::Column::BrokenAt,
                    audit_verification::Column::Reason,
                    audit_verification::Column::DurationMs,
                ])
                .to_owned(),
        )
        .exec_without_returning(tx.c())
        .await?;
    Ok(())
}
