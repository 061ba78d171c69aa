//! Storage of the trace chain: the locked head, appends, and ordered reads for verification.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::entity::{audit_event, audit_head};
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

/// Inserts `r` and moves the head to it. Call after [`lock_head`] in the same transaction.
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
    }
    .insert(tx.c())
    .await?;
    audit_head::ActiveModel {
        id: Set(HEAD_ID),
        last_event_id: Set(r.id),
        last_hash: Set(r.hash.clone()),
    }
    .update(tx.c())
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
    }
}
