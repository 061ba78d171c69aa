//! Storage of the directory outbox: changes to push to LDAP, written in the transaction of the
//! change itself, consumed in id order by the directory worker.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use time::OffsetDateTime;

use super::entity::directory_outbox;
use super::{Conn, StoreError, Tx};

/// A pending outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Id (queue order).
    pub id: i64,
    /// `fund`, `partner`, `account`, `group` or `role_group`.
    pub kind: String,
    /// The entry's natural key.
    pub key: String,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// Queue figures for observability.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Rows not yet applied.
    pub pending: u64,
    /// When the oldest pending row was written.
    pub oldest: Option<OffsetDateTime>,
    /// Pending rows that failed at least once.
    pub failing: u64,
    /// The last error of a pending row, if any.
    pub last_error: Option<String>,
}

/// Queues a refresh of one directory entry (in the change's transaction).
pub async fn enqueue(
    tx: &Tx,
    now: OffsetDateTime,
    kind: &str,
    key: &str,
) -> Result<(), StoreError> {
    directory_outbox::ActiveModel {
        entry_kind: Set(kind.to_owned()),
        entry_key: Set(key.to_owned()),
        operation: Set("upsert".to_owned()),
        created_at: Set(now),
        attempts: Set(0),
        next_attempt_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// Up to `limit` pending rows, oldest first. Rows waiting for a retry hold back the rows after
/// them, so that changes are applied in order.
pub async fn pending(
    db: &impl Conn,
    limit: u64,
) -> Result<Vec<(OutboxRow, OffsetDateTime)>, StoreError> {
    let rows = directory_outbox::Entity::find()
        .filter(directory_outbox::Column::ProcessedAt.is_null())
        .order_by_asc(directory_outbox::Column::Id)
        .limit(limit)
        .all(db.c())
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                OutboxRow {
                    id: r.id,
                    kind: r.entry_kind,
                    key: r.entry_key,
                    attempts: u32::try_from(r.attempts).unwrap_or(0),
                },
                r.next_attempt_at,
            )
        })
        .collect())
}

/// Marks rows applied (or abandoned after a permanent error, which stays visible).
pub async fn mark_done(
    db: &impl Conn,
    ids: &[i64],
    now: OffsetDateTime,
    error: Option<&str>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    directory_outbox::Entity::update_many()
        .col_expr(directory_outbox::Column::ProcessedAt, Some(now).into())
        .col_expr(
            directory_outbox::Column::LastError,
            error.map(str::to_owned).into(),
        )
        .filter(directory_outbox::Column::Id.is_in(ids.iter().copied()))
        .exec(db.c())
        .await?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(
    db: &impl Conn,
    id: i64,
    attempts: u32,
    next_attempt_at: OffsetDateTime,
    error: &str,
) -> Result<(), StoreError> {
    directory_outbox::ActiveModel {
        id: Set(id),
        attempts: Set(i32::try_from(attempts).unwrap_or(i32::MAX)),
        next_attempt_at: Set(next_attempt_at),
        last_error: Set(Some(error.to_owned())),
        ..Default::default()
    }
    .update(db.c())
    .await?;
    Ok(())
}

/// Deletes rows applied before `before` (the queue is not an archive: the trace is).
pub async fn purge_processed(db: &impl Conn, before: OffsetDateTime) -> Result<u64, StoreError> {
    let r = directory_outbox::Entity::delete_many()
        .filter(directory_outbox::Column::ProcessedAt.lt(before))
        .exec(db.c())
        .await?;
    Ok(r.rows_affected)
}

/// Queue length, age of the oldest row and failures.
pub async fn stats(db: &impl Conn) -> Result<OutboxStats, StoreError> {
    let pending =
        directory_outbox::Entity::find().filter(directory_outbox::Column::ProcessedAt.is_null());
    let count = pending.clone().count(db.c()).await?;
    let oldest = pending
        .clone()
        .order_by_asc(directory_outbox::Column::Id)
        .one(db.c())
        .await?;
    let failing = pending
        .clone()
        .filter(directory_outbox::Column::Attempts.gt(0))
        .count(db.c())
        .await?;
    let last_error = pending
        .filter(directory_outbox::Column::LastError.is_not_null())
        .order_by_desc(directory_outbox::Column::Id)
        .one(db.c())
        .await?
        .and_then(|r| r.last_error);
    Ok(OutboxStats {
        pending: count,
        oldest: oldest.map(|r| r.created_at),
        failing,
        last_error,
    })
}
