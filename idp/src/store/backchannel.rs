//! Storage of the back-channel logout queue: one row per logout token to deliver.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use super::entity::backchannel_logout;
use super::{Conn, StoreError};

/// A logout token to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogout {
    /// Row id.
    pub id: i64,
    /// Internal id of the client.
    pub client_id: i64,
    /// The account.
    pub account_id: i64,
    /// The ended session (`sid`).
    pub session_id: String,
    /// Attempts so far.
    pub attempts: i32,
}

/// Queues a logout token for a client.
pub async fn enqueue(
    db: &impl Conn,
    now: OffsetDateTime,
    client_id: i64,
    account_id: i64,
    session_id: &str,
    reason: &str,
) -> Result<(), StoreError> {
    backchannel_logout::ActiveModel {
        client_id: Set(client_id),
        account_id: Set(account_id),
        session_id: Set(session_id.to_owned()),
        reason: Set(reason.to_owned()),
        created_at: Set(now),
        next_attempt_at: Set(now),
        attempts: Set(0),
        last_error: Set(None),
        delivered_at: Set(None),
        ..Default::default()
    }
    .insert(db.c())
    .await?;
    Ok(())
}

/// Up to `limit` undelivered logouts due at `now`, oldest first.
pub async fn due(
    db: &impl Conn,
    now: OffsetDateTime,
    limit: u64,
) -> Result<Vec<PendingLogout>, StoreError> {
    Ok(backchannel_logout::Entity::find()
        .filter(backchannel_logout::Column::DeliveredAt.is_null())
        .filter(backchannel_logout::Column::NextAttemptAt.lte(now))
        .order_by_asc(backchannel_logout::Column::Id)
        .limit(limit)
        .all(db.c())
        .await?
        .into_iter()
        .map(|m| PendingLogout {
            id: m.id,
            client_id: m.client_id,
            account_id: m.account_id,
            session_id: m.session_id,
            attempts: m.attempts,
        })
        .collect())
}

/// Claims a due row for `until` (so that another node does not send it at the same time);
/// false when another node claimed it first.
pub async fn claim(
    db: &impl Conn,
    id: i64,
    now: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<bool, StoreError> {
    let done = backchannel_logout::Entity::update_many()
        .col_expr(
            backchannel_logout::Column::NextAttemptAt,
            Expr::value(until),
        )
        .filter(backchannel_logout::Column::Id.eq(id))
        .filter(backchannel_logout::Column::DeliveredAt.is_null())
        .filter(backchannel_logout::Column::NextAttemptAt.lte(now))
        .exec(db.c())
        .await?;
    Ok(done.rows_affected == 1)
}

/// Records a delivery.
pub async fn delivered(db: &impl Conn, id: i64, now: OffsetDateTime) -> Result<(), StoreError> {
    backchannel_logout::Entity::update_many()
        .col_expr(backchannel_logout::Column::DeliveredAt, Expr::value(now))
        .col_expr(
            backchannel_logout::Column::Attempts,
            Expr::col(backchannel_logout::Column::Attempts).add(1),
        )
        .filter(backchannel_logout::Column::Id.eq(id))
        .exec(db.c())
        .await?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub async fn failed(
    db: &impl Conn,
    id: i64,
    next_attempt_at: OffsetDateTime,
    error: &str,
) -> Result<(), StoreError> {
    backchannel_logout::Entity::update_many()
        .col_expr(
            backchannel_logout::Column::NextAttemptAt,
            Expr::value(next_attempt_at),
        )
        .col_expr(backchannel_logout::Column::LastError, Expr::value(error))
        .col_expr(
            backchannel_logout::Column::Attempts,
            Expr::col(backchannel_logout::Column::Attempts).add(1),
        )
        .filter(backchannel_logout::Column::Id.eq(id))
        .exec(db.c())
        .await?;
    Ok(())
}
