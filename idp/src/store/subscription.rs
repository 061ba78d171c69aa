//! Storage of subscriptions and their role quotas.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait, Set,
};
use time::{Date, OffsetDateTime};

use super::entity::{convention, role_quota, service_role, subscription};
use super::{Conn, StoreError, Tx};
use crate::service::RoleCode;
use crate::subscription::{RoleQuota, Subscription};

/// Inserts an active subscription without quotas; returns its id.
pub async fn insert(
    tx: &Tx,
    now: OffsetDateTime,
    convention_id: i64,
    service_id: i64,
    opened_on: Date,
) -> Result<i64, StoreError> {
    let m = subscription::ActiveModel {
        convention_id: Set(convention_id),
        service_id: Set(service_id),
        opened_on: Set(opened_on),
        status: Set("active".to_owned()),
        total_quota: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(m.id)
}

/// Locks a subscription's quota rows and the subscription itself until the transaction ends
/// (PostgreSQL), so that concurrent grants and quota changes on it queue.
pub async fn lock_quotas(tx: &Tx, subscription_id: i64) -> Result<(), StoreError> {
    subscription::Entity::find_by_id(subscription_id)
        .lock_exclusive()
        .one(tx.c())
        .await?;
    Ok(())
}

/// Sets the total quota and upserts the given role quotas.
pub async fn set_quotas(
    tx: &Tx,
    subscription_id: i64,
    total_quota: Option<u32>,
    quotas: &[(i64, u32)],
) -> Result<(), StoreError> {
    let total = total_quota
        .map(i32::try_from)
        .transpose()
        .map_err(|_| StoreError::Corrupt("total quota too large".to_owned()))?;
    subscription::ActiveModel {
        id: Set(subscription_id),
        total_quota: Set(total),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    for (role_id, max) in quotas {
        let max =
            i32::try_from(*max).map_err(|_| StoreError::Corrupt("quota too large".to_owned()))?;
        let existing = role_quota::Entity::find()
            .filter(role_quota::Column::SubscriptionId.eq(subscription_id))
            .filter(role_quota::Column::ServiceRoleId.eq(*role_id))
            .one(tx.c())
            .await?;
        match existing {
            Some(q) => {
                role_quota::ActiveModel {
                    id: Set(q.id),
                    max_holders: Set(max),
                    ..Default::default()
                }
                .update(tx.c())
                .await?;
            }
            None => {
                role_quota::ActiveModel {
                    subscription_id: Set(subscription_id),
                    service_role_id: Set(*role_id),
                    max_holders: Set(max),
                    ..Default::default()
                }
                .insert(tx.c())
                .await?;
            }
        }
    }
    Ok(())
}

/// The subscription of a convention to a service.
pub async fn find(
    db: &impl Conn,
    convention_id: i64,
    service_id: i64,
) -> Result<Option<Subscription>, StoreError> {
    let Some(s) = subscription::Entity::find()
        .filter(subscription::Column::ConventionId.eq(convention_id))
        .filter(subscription::Column::ServiceId.eq(service_id))
        .one(db.c())
        .await?
    else {
        return Ok(None);
    };
    with_quotas(db, s).await.map(Some)
}

/// A subscription by id.
pub async fn by_id(db: &impl Conn, id: i64) -> Result<Option<Subscription>, StoreError> {
    match subscription::Entity::find_by_id(id).one(db.c()).await? {
        Some(s) => with_quotas(db, s).await.map(Some),
        None => Ok(None),
    }
}

/// A convention's subscriptions.
pub async fn of_convention(
    db: &impl Conn,
    convention_id: i64,
) -> Result<Vec<Subscription>, StoreError> {
    let subs = subscription::Entity::find()
        .filter(subscription::Column::ConventionId.eq(convention_id))
        .order_by_asc(subscription::Column::Id)
        .all(db.c())
        .await?;
    let mut out = Vec::with_capacity(subs.len());
    for s in subs {
        out.push(with_quotas(db, s).await?);
    }
    Ok(out)
}

/// Every role quota of the open subscriptions of the fund's active conventions, with the
/// subscription's convention and service: `(convention_id, subscription_id, service_id, quota)`,
/// in one query (the fund dashboard's "nearly full" list).
pub async fn role_quotas_of_fund(
    db: &impl Conn,
    fund_id: i64,
) -> Result<Vec<(i64, i64, i64, RoleQuota)>, StoreError> {
    let rows: Vec<(i64, i64, i64, i64, i32, String)> = role_quota::Entity::find()
        .select_only()
        .column(subscription::Column::ConventionId)
        .column(role_quota::Column::SubscriptionId)
        .column(subscription::Column::ServiceId)
        .column(role_quota::Column::ServiceRoleId)
        .column(role_quota::Column::MaxHolders)
        .column(service_role::Column::Code)
        .join(
            JoinType::InnerJoin,
            role_quota::Relation::Subscription.def(),
        )
        .join(JoinType::InnerJoin, role_quota::Relation::ServiceRole.def())
        .join(
            JoinType::InnerJoin,
            subscription::Relation::Convention.def(),
        )
        .filter(convention::Column::FundId.eq(fund_id))
        .filter(convention::Column::Status.eq("active"))
        .filter(subscription::Column::Status.eq("active"))
        .order_by_asc(role_quota::Column::SubscriptionId)
        .order_by_asc(role_quota::Column::ServiceRoleId)
        .into_tuple()
        .all(db.c())
        .await?;
    rows.into_iter()
        .map(|(convention, subscription, service, role_id, max, code)| {
            let corrupt =
                |what: &str| StoreError::Corrupt(format!("subscription {subscription}: {what}"));
            Ok((
                convention,
                subscription,
                service,
                RoleQuota {
                    role_id,
                    role: RoleCode::parse(&code).map_err(|_| corrupt("role code"))?,
                    max_holders: u32::try_from(max).map_err(|_| corrupt("max_holders"))?,
                },
            ))
        })
        .collect()
}

/// Closes every subscription of a convention (its end).
pub async fn close_all_of_convention(
    tx: &Tx,
    convention_id: i64,
    today: Date,
) -> Result<(), StoreError> {
    subscription::Entity::update_many()
        .col_expr(subscription::Column::Status, "closed".into())
        .col_expr(subscription::Column::ClosedOn, Some(today).into())
        .filter(subscription::Column::ConventionId.eq(convention_id))
        .filter(subscription::Column::Status.eq("active"))
        .exec(tx.c())
        .await?;
    Ok(())
}

async fn with_quotas(db: &impl Conn, s: subscription::Model) -> Result<Subscription, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("subscription {}: {what}", s.id));
    let rows = role_quota::Entity::find()
        .filter(role_quota::Column::SubscriptionId.eq(s.id))
        .find_also_related(service_role::Entity)
        .order_by_asc(role_quota::Column::ServiceRoleId)
        .all(db.c())
        .await?;
    let mut quotas = Vec::with_capacity(rows.len());
    for (q, role) in rows {
        let role = role.ok_or_else(|| corrupt("quota without role"))?;
        quotas.push(RoleQuota {
            role_id: q.service_role_id,
            role: RoleCode::parse(&role.code).map_err(|_| corrupt("role code"))?,
            max_holders: u32::try_from(q.max_holders).map_err(|_| corrupt("max_holders"))?,
        });
    }
    Ok(Subscription {
        id: s.id,
        convention_id: s.convention_id,
        service_id: s.service_id,
        opened_on: s.opened_on,
        active: s.status == "active",
        total_quota: s
            .total_quota
            .map(u32::try_from)
            .transpose()
            .map_err(|_| corrupt("total_quota"))?,
        quotas,
    })
}
