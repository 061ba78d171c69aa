//! Storage of habilitations (grants of a service role to an account or a group).

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Set,
};
use time::{Date, OffsetDateTime};

use super::entity::{
    account, convention, group_membership, habilitation, partner, service, service_role,
    subscription,
};
use super::{Conn, StoreError, Tx};
use crate::convention::number::ConventionNumber;
use crate::habilitation::{Habilitation, HabilitationStatus, Subject, UsableGrant};
use crate::service::{RoleCode, ServiceCode};
use crate::territory::Territory;

/// Habilitations in force on `today`: active, and within their validity dates.
fn in_force(today: Date) -> Condition {
    Condition::all()
        .add(habilitation::Column::Status.eq("active"))
        .add(habilitation::Column::ValidFrom.lte(today))
        .add(
            Condition::any()
                .add(habilitation::Column::ValidUntil.is_null())
                .add(habilitation::Column::ValidUntil.gte(today)),
        )
}

/// The distinct accounts holding a role of a subscription (or any of its roles with `None`)
/// on `today`, directly or through a group — the number the quota rule bounds. Disabled
/// accounts do not count: their seat is free until they are re-enabled (which re-checks).
pub async fn holders(
    db: &impl Conn,
    subscription_id: i64,
    role_id: Option<i64>,
    today: Date,
) -> Result<BTreeSet<i64>, StoreError> {
    let mut cond = in_force(today).add(habilitation::Column::SubscriptionId.eq(subscription_id));
    if let Some(role) = role_id {
        cond = cond.add(habilitation::Column::ServiceRoleId.eq(role));
    }
    let grants: Vec<(Option<i64>, Option<i64>)> = habilitation::Entity::find()
        .select_only()
        .column(habilitation::Column::AccountId)
        .column(habilitation::Column::GroupId)
        .filter(cond)
        .into_tuple()
        .all(db.c())
        .await?;
    let mut accounts: BTreeSet<i64> = grants.iter().filter_map(|(a, _)| *a).collect();
    let groups: BTreeSet<i64> = grants.iter().filter_map(|(_, g)| *g).collect();
    if !groups.is_empty() {
        let members: Vec<i64> = group_membership::Entity::find()
            .select_only()
            .column(group_membership::Column::AccountId)
            .filter(group_membership::Column::GroupId.is_in(groups))
            .into_tuple()
            .all(db.c())
            .await?;
        accounts.extend(members);
    }
    if accounts.is_empty() {
        return Ok(accounts);
    }
    let counted: Vec<i64> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::Id.is_in(accounts))
        .filter(account::Column::Status.ne("disabled"))
        .into_tuple()
        .all(db.c())
        .await?;
    Ok(counted.into_iter().collect())
}

/// For every role of the fund's active conventions, the distinct accounts holding it on
/// `today` — [`holders`] for all of them at once, in two queries (direct grants, then grants to
/// groups through their members) instead of several per role: the fund dashboard reads the use
/// of every quota of a fund with hundreds of conventions. Keyed by `(subscription, role)`.
pub async fn role_holders_of_fund(
    db: &impl Conn,
    fund_id: i64,
    today: Date,
) -> Result<BTreeMap<(i64, i64), BTreeSet<i64>>, StoreError> {
    let of_fund = || {
        habilitation::Entity::find()
            .select_only()
            .column(habilitation::Column::SubscriptionId)
            .column(habilitation::Column::ServiceRoleId)
            .column(account::Column::Id)
            .distinct()
            .join(
                JoinType::InnerJoin,
                habilitation::Relation::Subscription.def(),
            )
            .join(
                JoinType::InnerJoin,
                subscription::Relation::Convention.def(),
            )
            .filter(in_force(today))
            .filter(convention::Column::FundId.eq(fund_id))
            .filter(convention::Column::Status.eq("active"))
            .filter(subscription::Column::Status.eq("active"))
            .filter(account::Column::Status.ne("disabled"))
    };
    let direct: Vec<(i64, i64, i64)> = of_fund()
        .join(JoinType::InnerJoin, habilitation::Relation::Account.def())
        .into_tuple()
        .all(db.c())
        .await?;
    let through_groups: Vec<(i64, i64, i64)> = of_fund()
        .join(JoinType::InnerJoin, habilitation::Relation::Group.def())
        .join(
            JoinType::InnerJoin,
            group_membership::Relation::Group.def().rev(),
        )
        .join(
            JoinType::InnerJoin,
            group_membership::Relation::Account.def(),
        )
        .into_tuple()
        .all(db.c())
        .await?;
    let mut out: BTreeMap<(i64, i64), BTreeSet<i64>> = BTreeMap::new();
    for (subscription, role, account) in direct.into_iter().chain(through_groups) {
        out.entry((subscription, role)).or_default().insert(account);
    }
    Ok(out)
}

/// Withdraws every habilitation still active or suspended under a convention (its end);
/// returns how many. Rows are kept for history (002 service contract art. 5.3.2).
pub async fn withdraw_all_of_convention(
    tx: &Tx,
    now: OffsetDateTime,
    convention_id: i64,
    by: Option<i64>,
    reason: &str,
) -> Result<u64, StoreError> {
    let subscriptions: Vec<i64> = subscription::Entity::find()
        .select_only()
        .column(subscription::Column::Id)
        .filter(subscription::Column::ConventionId.eq(convention_id))
        .into_tuple()
        .all(tx.c())
        .await?;
    if subscriptions.is_empty() {
        return Ok(0);
    }
    let result = habilitation::Entity::update_many()
        .col_expr(habilitation::Column::Status, Expr::value("withdrawn"))
        .col_expr(habilitation::Column::WithdrawnAt, Expr::value(Some(now)))
        .col_expr(habilitation::Column::WithdrawnBy, Expr::value(by))
        .col_expr(
            habilitation::Column::WithdrawalReason,
            Expr::value(Some(reason.to_owned())),
        )
        .col_expr(habilitation::Column::UpdatedAt, Expr::value(now))
        .filter(habilitation::Column::SubscriptionId.is_in(subscriptions))
        .filter(habilitation::Column::Status.is_in(["active", "suspended"]))
        .exec(tx.c())
        .await?;
    super::subscription::close_all_of_convention(tx, convention_id, now.date()).await?;
    Ok(result.rows_affected)
}

/// What the store needs to insert a habilitation.
#[derive(Debug, Clone)]
pub struct GrantRow<'a> {
    /// The subscription.
    pub subscription_id: i64,
    /// The role.
    pub role_id: i64,
    /// Who receives it.
    pub subject: Subject,
    /// Narrower territory, if any.
    pub territory: Option<&'a Territory>,
    /// Role attributes (e.g. the instructor number).
    pub attributes: &'a BTreeMap<String, String>,
    /// First day.
    pub valid_from: Date,
    /// Last day, if any.
    pub valid_until: Option<Date>,
    /// Why it is granted.
    pub reason: &'a str,
    /// The granting account, if a person.
    pub granted_by: Option<i64>,
}

fn subject_filter(subject: Subject) -> Condition {
    match subject {
        Subject::Account(id) => Condition::all().add(habilitation::Column::AccountId.eq(id)),
        Subject::Group(id) => Condition::all().add(habilitation::Column::GroupId.eq(id)),
    }
}

/// Inserts an active habilitation; returns it.
pub async fn insert(
    tx: &Tx,
    now: OffsetDateTime,
    row: &GrantRow<'_>,
) -> Result<Habilitation, StoreError> {
    let (account_id, group_id) = match row.subject {
        Subject::Account(id) => (Some(id), None),
        Subject::Group(id) => (None, Some(id)),
    };
    let territory = row
        .territory
        .map(serde_json::to_value)
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("territory: {e}")))?;
    let attributes = serde_json::to_value(row.attributes)
        .map_err(|e| StoreError::Corrupt(format!("attributes: {e}")))?;
    let m = habilitation::ActiveModel {
        subscription_id: Set(row.subscription_id),
        service_role_id: Set(row.role_id),
        account_id: Set(account_id),
        group_id: Set(group_id),
        territory: Set(territory),
        attributes: Set(Some(attributes)),
        valid_from: Set(row.valid_from),
        valid_until: Set(row.valid_until),
        status: Set(HabilitationStatus::Active.as_str().to_owned()),
        reason: Set(row.reason.to_owned()),
        granted_by: Set(row.granted_by),
        granted_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    let mut out = hydrate(tx, vec![m]).await?;
    out.pop()
        .ok_or_else(|| StoreError::Corrupt("inserted habilitation vanished".to_owned()))
}

/// Whether the subject already holds an active grant of the role under the subscription.
pub async fn active_exists(
    db: &impl Conn,
    subscription_id: i64,
    role_id: i64,
    subject: Subject,
) -> Result<bool, StoreError> {
    let n = habilitation::Entity::find()
        .filter(habilitation::Column::SubscriptionId.eq(subscription_id))
        .filter(habilitation::Column::ServiceRoleId.eq(role_id))
        .filter(habilitation::Column::Status.eq(HabilitationStatus::Active.as_str()))
        .filter(subject_filter(subject))
        .one(db.c())
        .await?;
    Ok(n.is_some())
}

/// A habilitation by id.
pub async fn by_id(db: &impl Conn, id: i64) -> Result<Option<Habilitation>, StoreError> {
    let Some(m) = habilitation::Entity::find_by_id(id).one(db.c()).await? else {
        return Ok(None);
    };
    Ok(hydrate(db, vec![m]).await?.pop())
}

/// Withdraws one active or suspended habilitation, keeping the row; returns whether it was.
pub async fn withdraw(
    tx: &Tx,
    now: OffsetDateTime,
    id: i64,
    by: Option<i64>,
    reason: &str,
) -> Result<bool, StoreError> {
    let r = habilitation::Entity::update_many()
        .col_expr(habilitation::Column::Status, Expr::value("withdrawn"))
        .col_expr(habilitation::Column::WithdrawnAt, Expr::value(Some(now)))
        .col_expr(habilitation::Column::WithdrawnBy, Expr::value(by))
        .col_expr(
            habilitation::Column::WithdrawalReason,
            Expr::value(Some(reason.to_owned())),
        )
        .col_expr(habilitation::Column::UpdatedAt, Expr::value(now))
        .filter(habilitation::Column::Id.eq(id))
        .filter(habilitation::Column::Status.is_in(["active", "suspended"]))
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected > 0)
}

/// Active habilitations whose last day is before `today` (at most `limit`, oldest first).
pub async fn due_to_expire(
    db: &impl Conn,
    today: Date,
    limit: u64,
) -> Result<Vec<Habilitation>, StoreError> {
    let rows = habilitation::Entity::find()
        .filter(habilitation::Column::Status.eq("active"))
        .filter(habilitation::Column::ValidUntil.lt(today))
        .order_by_asc(habilitation::Column::Id)
        .limit(limit)
        .all(db.c())
        .await?;
    hydrate(db, rows).await
}

/// Marks an active habilitation expired; false when it no longer was active.
pub async fn expire(tx: &Tx, now: OffsetDateTime, id: i64) -> Result<bool, StoreError> {
    let r = habilitation::Entity::update_many()
        .col_expr(habilitation::Column::Status, Expr::value("expired"))
        .col_expr(habilitation::Column::UpdatedAt, Expr::value(now))
        .filter(habilitation::Column::Id.eq(id))
        .filter(habilitation::Column::Status.eq("active"))
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected > 0)
}

/// Sets the last day of a habilitation.
pub async fn set_valid_until(
    tx: &Tx,
    now: OffsetDateTime,
    id: i64,
    valid_until: Option<Date>,
) -> Result<(), StoreError> {
    habilitation::Entity::update_many()
        .col_expr(habilitation::Column::ValidUntil, Expr::value(valid_until))
        .col_expr(habilitation::Column::UpdatedAt, Expr::value(now))
        .filter(habilitation::Column::Id.eq(id))
        .exec(tx.c())
        .await?;
    Ok(())
}

/// Every habilitation (any status) under a partner's conventions, by id.
pub async fn of_partner(db: &impl Conn, partner_id: i64) -> Result<Vec<Habilitation>, StoreError> {
    let conventions: Vec<i64> = convention::Entity::find()
        .select_only()
        .column(convention::Column::Id)
        .filter(convention::Column::PartnerId.eq(partner_id))
        .into_tuple()
        .all(db.c())
        .await?;
    if conventions.is_empty() {
        return Ok(Vec::new());
    }
    let subscriptions: Vec<i64> = subscription::Entity::find()
        .select_only()
        .column(subscription::Column::Id)
        .filter(subscription::Column::ConventionId.is_in(conventions))
        .into_tuple()
        .all(db.c())
        .await?;
    if subscriptions.is_empty() {
        return Ok(Vec::new());
    }
    let rows = habilitation::Entity::find()
        .filter(habilitation::Column::SubscriptionId.is_in(subscriptions))
        .order_by_asc(habilitation::Column::Id)
        .all(db.c())
        .await?;
    hydrate(db, rows).await
}

/// Habilitations in force on `today` held directly by the account or by one of the groups.
pub async fn in_force_of_subjects(
    db: &impl Conn,
    account_id: i64,
    group_ids: &BTreeSet<i64>,
    today: Date,
) -> Result<Vec<Habilitation>, StoreError> {
    let mut holder = Condition::any().add(habilitation::Column::AccountId.eq(account_id));
    if !group_ids.is_empty() {
        holder = holder.add(habilitation::Column::GroupId.is_in(group_ids.iter().copied()));
    }
    let rows = habilitation::Entity::find()
        .filter(in_force(today).add(holder))
        .order_by_asc(habilitation::Column::Id)
        .all(db.c())
        .await?;
    hydrate(db, rows).await
}

/// The grants `account_id` can use on `today` for the service `service_id` of fund `fund_id`,
/// in one query (see [`crate::habilitation::usable_for_service`]): in force, held directly or
/// through one of its groups, under an open subscription of that service, an active convention
/// and a partner that is not suspended.
pub async fn usable_for_service(
    db: &impl Conn,
    account_id: i64,
    fund_id: i64,
    service_id: i64,
    today: Date,
) -> Result<Vec<UsableGrant>, StoreError> {
    let groups = Query::select()
        .column(group_membership::Column::GroupId)
        .from(group_membership::Entity)
        .and_where(group_membership::Column::AccountId.eq(account_id))
        .to_owned();
    let holder = Condition::any()
        .add(habilitation::Column::AccountId.eq(account_id))
        .add(habilitation::Column::GroupId.in_subquery(groups));
    type Row = (
        i64,
        Option<i64>,
        Option<sea_orm::prelude::Json>,
        Option<sea_orm::prelude::Json>,
        Option<Date>,
        String,
        String,
        String,
        sea_orm::prelude::Json,
    );
    let rows: Vec<Row> = habilitation::Entity::find()
        .select_only()
        .column(habilitation::Column::Id)
        .column(habilitation::Column::GroupId)
        .column(habilitation::Column::Territory)
        .column(habilitation::Column::Attributes)
        .column(habilitation::Column::ValidUntil)
        .column_as(service::Column::Code, "service_code")
        .column_as(service_role::Column::Code, "role_code")
        .column(convention::Column::Number)
        .column_as(convention::Column::Territory, "convention_territory")
        .join(
            JoinType::InnerJoin,
            habilitation::Relation::ServiceRole.def(),
        )
        .join(
            JoinType::InnerJoin,
            habilitation::Relation::Subscription.def(),
        )
        .join(JoinType::InnerJoin, subscription::Relation::Service.def())
        .join(
            JoinType::InnerJoin,
            subscription::Relation::Convention.def(),
        )
        .join(JoinType::InnerJoin, convention::Relation::Partner.def())
        .filter(in_force(today).add(holder))
        .filter(subscription::Column::ServiceId.eq(service_id))
        .filter(subscription::Column::Status.eq("active"))
        .filter(service::Column::FundId.eq(fund_id))
        .filter(convention::Column::Status.eq("active"))
        .filter(partner::Column::Status.eq("active"))
        .order_by_asc(habilitation::Column::Id)
        .into_tuple()
        .all(db.c())
        .await?;
    rows.into_iter()
        .map(
            |(id, group, territory, attributes, valid_until, service, role, number, whole)| {
                let corrupt =
                    |what: &str| StoreError::Corrupt(format!("habilitation {id}: {what}"));
                let territory: Territory = serde_json::from_value(territory.unwrap_or(whole))
                    .map_err(|_| corrupt("territory"))?;
                Ok(UsableGrant {
                    service: ServiceCode::parse(&service).map_err(|_| corrupt("service"))?,
                    role: RoleCode::parse(&role).map_err(|_| corrupt("role"))?,
                    convention: ConventionNumber::parse(&number)
                        .map_err(|_| corrupt("convention"))?,
                    territory,
                    attributes: attributes
                        .map(serde_json::from_value)
                        .transpose()
                        .map_err(|_| corrupt("attributes"))?
                        .unwrap_or_default(),
                    valid_until,
                    through_group: group.is_some(),
                })
            },
        )
        .collect()
}

/// Of these subscriptions, those under which access works now: the subscription is open, its
/// convention active and its partner not suspended — a suspension pauses every access under
/// it at once (002 service contract art. 2.2.1), without withdrawing anything.
pub async fn usable_subscriptions(
    db: &impl Conn,
    ids: BTreeSet<i64>,
) -> Result<BTreeSet<i64>, StoreError> {
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let subs: Vec<(i64, i64)> = subscription::Entity::find()
        .select_only()
        .column(subscription::Column::Id)
        .column(subscription::Column::ConventionId)
        .filter(subscription::Column::Id.is_in(ids))
        .filter(subscription::Column::Status.eq("active"))
        .into_tuple()
        .all(db.c())
        .await?;
    let conventions: BTreeMap<i64, i64> = convention::Entity::find()
        .select_only()
        .column(convention::Column::Id)
        .column(convention::Column::PartnerId)
        .filter(convention::Column::Id.is_in(subs.iter().map(|(_, c)| *c)))
        .filter(convention::Column::Status.eq("active"))
        .into_tuple::<(i64, i64)>()
        .all(db.c())
        .await?
        .into_iter()
        .collect();
    let partners: BTreeSet<i64> = partner::Entity::find()
        .select_only()
        .column(partner::Column::Id)
        .filter(partner::Column::Id.is_in(conventions.values().copied()))
        .filter(partner::Column::Status.eq("active"))
        .into_tuple::<i64>()
        .all(db.c())
        .await?
        .into_iter()
        .collect();
    Ok(subs
        .into_iter()
        .filter(|(_, c)| conventions.get(c).is_some_and(|p| partners.contains(p)))
        .map(|(s, _)| s)
        .collect())
}

/// Habilitations in force on `today` held by a group.
pub async fn in_force_of_group(
    db: &impl Conn,
    group_id: i64,
    today: Date,
) -> Result<Vec<Habilitation>, StoreError> {
    let rows = habilitation::Entity::find()
        .filter(in_force(today).add(habilitation::Column::GroupId.eq(group_id)))
        .order_by_asc(habilitation::Column::Id)
        .all(db.c())
        .await?;
    hydrate(db, rows).await
}

/// `id → code` for the given ids of a catalogue table (services, roles).
async fn id_codes<E: EntityTrait>(
    db: &impl Conn,
    id: E::Column,
    code: E::Column,
    ids: BTreeSet<i64>,
) -> Result<BTreeMap<i64, String>, StoreError> {
    Ok(E::find()
        .select_only()
        .column(id)
        .column(code)
        .filter(id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db.c())
        .await?
        .into_iter()
        .collect())
}

/// Turns rows into domain values, loading their subscription, convention, service and role
/// in four queries whatever the number of rows.
pub(super) async fn hydrate(
    db: &impl Conn,
    rows: Vec<habilitation::Model>,
) -> Result<Vec<Habilitation>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sub_ids: BTreeSet<i64> = rows.iter().map(|r| r.subscription_id).collect();
    let role_ids: BTreeSet<i64> = rows.iter().map(|r| r.service_role_id).collect();
    let subs: BTreeMap<i64, subscription::Model> = subscription::Entity::find()
        .filter(subscription::Column::Id.is_in(sub_ids))
        .all(db.c())
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let conv_ids: BTreeSet<i64> = subs.values().map(|s| s.convention_id).collect();
    let service_ids: BTreeSet<i64> = subs.values().map(|s| s.service_id).collect();
    let partners: BTreeMap<i64, i64> = convention::Entity::find()
        .select_only()
        .column(convention::Column::Id)
        .column(convention::Column::PartnerId)
        .filter(convention::Column::Id.is_in(conv_ids))
        .into_tuple::<(i64, i64)>()
        .all(db.c())
        .await?
        .into_iter()
        .collect();
    let services =
        id_codes::<service::Entity>(db, service::Column::Id, service::Column::Code, service_ids)
            .await?;
    let roles = id_codes::<service_role::Entity>(
        db,
        service_role::Column::Id,
        service_role::Column::Code,
        role_ids,
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let corrupt = |what: &str| StoreError::Corrupt(format!("habilitation {}: {what}", r.id));
        let sub = subs
            .get(&r.subscription_id)
            .ok_or_else(|| corrupt("subscription"))?;
        let subject = match (r.account_id, r.group_id) {
            (Some(a), None) => Subject::Account(a),
            (None, Some(g)) => Subject::Group(g),
            _ => return Err(corrupt("holder")),
        };
        out.push(Habilitation {
            id: r.id,
            subscription_id: r.subscription_id,
            convention_id: sub.convention_id,
            partner_id: *partners
                .get(&sub.convention_id)
                .ok_or_else(|| corrupt("convention"))?,
            service: services
                .get(&sub.service_id)
                .and_then(|c| ServiceCode::parse(c).ok())
                .ok_or_else(|| corrupt("service"))?,
            role_id: r.service_role_id,
            role: roles
                .get(&r.service_role_id)
                .and_then(|c| RoleCode::parse(c).ok())
                .ok_or_else(|| corrupt("role"))?,
            subject,
            territory: r
                .territory
                .clone()
                .map(serde_json::from_value)
                .transpose()
                .map_err(|_| corrupt("territory"))?,
            attributes: r
                .attributes
                .clone()
                .map(serde_json::from_value)
                .transpose()
                .map_err(|_| corrupt("attributes"))?
                .unwrap_or_default(),
            valid_from: r.valid_from,
            valid_until: r.valid_until,
            status: HabilitationStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            reason: r.reason.clone(),
            granted_at: r.granted_at,
            withdrawn_at: r.withdrawn_at,
            withdrawal_reason: r.withdrawal_reason.clone(),
        });
    }
    Ok(out)
}
