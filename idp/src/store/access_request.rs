//! Storage of access requests (centralised mode) and of the notifications that tell their
//! requester the outcome.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use super::entity::{access_request, notification, partner};
use super::{Conn, StoreError, Tx};
use crate::access_request::{AccessRequest, Payload, RequestStatus};

/// Inserts a pending request; returns it.
pub async fn insert(
    tx: &Tx,
    now: OffsetDateTime,
    partner_id: i64,
    convention_id: Option<i64>,
    payload: &Payload,
    requested_by: i64,
) -> Result<AccessRequest, StoreError> {
    let json =
        serde_json::to_value(payload).map_err(|e| StoreError::Corrupt(format!("payload: {e}")))?;
    let m = access_request::ActiveModel {
        partner_id: Set(partner_id),
        convention_id: Set(convention_id),
        kind: Set(payload.kind().to_owned()),
        payload: Set(json),
        status: Set(RequestStatus::Pending.as_str().to_owned()),
        requested_by: Set(requested_by),
        requested_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    to_request(m)
}

/// A request by id.
pub async fn by_id(db: &impl Conn, id: i64) -> Result<Option<AccessRequest>, StoreError> {
    access_request::Entity::find_by_id(id)
        .one(db.c())
        .await?
        .map(to_request)
        .transpose()
}

/// Records the decision on a request still pending; returns whether it was pending (a
/// concurrent decision makes the second one fail).
pub async fn decide(
    tx: &Tx,
    now: OffsetDateTime,
    id: i64,
    status: RequestStatus,
    by: Option<i64>,
    reason: Option<&str>,
    result: Option<serde_json::Value>,
) -> Result<bool, StoreError> {
    let r = access_request::Entity::update_many()
        .col_expr(access_request::Column::Status, Expr::value(status.as_str()))
        .col_expr(access_request::Column::DecidedBy, Expr::value(by))
        .col_expr(access_request::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(
            access_request::Column::DecisionReason,
            Expr::value(reason.map(str::to_owned)),
        )
        .col_expr(access_request::Column::Result, Expr::value(result))
        .filter(access_request::Column::Id.eq(id))
        .filter(access_request::Column::Status.eq(RequestStatus::Pending.as_str()))
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected > 0)
}

/// A partner's requests, newest first.
pub async fn of_partner(db: &impl Conn, partner_id: i64) -> Result<Vec<AccessRequest>, StoreError> {
    access_request::Entity::find()
        .filter(access_request::Column::PartnerId.eq(partner_id))
        .order_by_desc(access_request::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_request)
        .collect()
}

/// The requests of every partner of a fund, newest first.
pub async fn of_fund(db: &impl Conn, fund_id: i64) -> Result<Vec<AccessRequest>, StoreError> {
    let partners: Vec<i64> = partner::Entity::find()
        .filter(partner::Column::FundId.eq(fund_id))
        .all(db.c())
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    if partners.is_empty() {
        return Ok(Vec::new());
    }
    access_request::Entity::find()
        .filter(access_request::Column::PartnerId.is_in(partners))
        .order_by_desc(access_request::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_request)
        .collect()
}

/// Writes a notification for an account.
pub async fn notify(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    kind: &str,
    payload: serde_json::Value,
) -> Result<i64, StoreError> {
    let m = notification::ActiveModel {
        account_id: Set(account_id),
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        created_at: Set(now),
        read_at: Set(None),
        sent_at: Set(None),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(m.id)
}

/// An account's notifications, newest first: `(kind, payload, created_at)`.
pub async fn notifications_of(
    db: &impl Conn,
    account_id: i64,
) -> Result<Vec<(String, serde_json::Value, OffsetDateTime)>, StoreError> {
    Ok(notification::Entity::find()
        .filter(notification::Column::AccountId.eq(account_id))
        .order_by_desc(notification::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(|n| (n.kind, n.payload, n.created_at))
        .collect())
}

pub(super) fn to_request(m: access_request::Model) -> Result<AccessRequest, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("access request {}: {what}", m.id));
    Ok(AccessRequest {
        id: m.id,
        partner_id: m.partner_id,
        convention_id: m.convention_id,
        payload: serde_json::from_value(m.payload.clone()).map_err(|_| corrupt("payload"))?,
        status: RequestStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
        requested_by: m.requested_by,
        requested_at: m.requested_at,
        decided_by: m.decided_by,
        decided_at: m.decided_at,
        decision_reason: m.decision_reason,
        result: m.result,
    })
}

/// A request by id, locked until the end of `tx` (PostgreSQL `FOR UPDATE`; SQLite's write
/// transaction already holds the database): concurrent approvals of one request queue here.
pub async fn by_id_for_update(tx: &Tx, id: i64) -> Result<Option<AccessRequest>, StoreError> {
    access_request::Entity::find_by_id(id)
        .lock_exclusive()
        .one(tx.c())
        .await?
        .map(to_request)
        .transpose()
}

/// An account's access-request notifications not yet e-mailed, oldest first:
/// `(id, kind, payload)`.
pub async fn unsent_notifications(
    db: &impl Conn,
    account_id: i64,
) -> Result<Vec<(i64, String, serde_json::Value)>, StoreError> {
    Ok(notification::Entity::find()
        .filter(notification::Column::AccountId.eq(account_id))
        .filter(notification::Column::Kind.starts_with("access_request."))
        .filter(notification::Column::SentAt.is_null())
        .order_by_asc(notification::Column::Id)
        .all(db.c())
        .await?
        .into_iter()
        .map(|n| (n.id, n.kind, n.payload))
        .collect())
}

/// Claims a notification for sending: sets `sent_at` if it was still unsent; returns whether
/// this caller claimed it (a concurrent sender gets `false` and sends nothing).
pub async fn claim_notification(
    db: &impl Conn,
    id: i64,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    let r = notification::Entity::update_many()
        .col_expr(notification::Column::SentAt, Expr::value(Some(now)))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::SentAt.is_null())
        .exec(db.c())
        .await?;
    Ok(r.rows_affected > 0)
}

/// Gives a claimed notification back (its e-mail could not be sent): `sent_at` empty again.
pub async fn unclaim_notification(db: &impl Conn, id: i64) -> Result<(), StoreError> {
    notification::Entity::update_many()
        .col_expr(
            notification::Column::SentAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(notification::Column::Id.eq(id))
        .exec(db.c())
        .await?;
    Ok(())
}
