//! The administrative lists, filtered, counted and paged in SQL (see [`crate::listing`]):
//! a partner's accounts, habilitations and groups, and access requests of partners.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};

use super::entity::{
    access_request, account, account_group, convention, group_membership, habilitation, partner,
    service, service_role, subscription,
};
use super::{Conn, StoreError};
use crate::access_request::AccessRequest;
use crate::account::Account;
use crate::group::Group;
use crate::habilitation::Habilitation;
use crate::listing::{ListFilter, Listed};

/// `LOWER(column) LIKE '%text%' ESCAPE '\'`.
fn lower_like(col: impl sea_orm::sea_query::IntoColumnRef, pattern: &str) -> Expr {
    Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(pattern).escape('\\'))
}

/// Ids of the subscriptions under the partner's conventions.
fn subscriptions_of_partner(partner_id: i64) -> SelectStatement {
    Query::select()
        .column(subscription::Column::Id)
        .from(subscription::Entity)
        .and_where(
            subscription::Column::ConventionId.in_subquery(
                Query::select()
                    .column(convention::Column::Id)
                    .from(convention::Entity)
                    .and_where(convention::Column::PartnerId.eq(partner_id))
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// Ids of the partner's (not deleted) groups named `name` (lower case).
fn groups_named(partner_id: i64, name: &str) -> SelectStatement {
    Query::select()
        .column(account_group::Column::Id)
        .from(account_group::Entity)
        .and_where(account_group::Column::PartnerId.eq(partner_id))
        .and_where(account_group::Column::DeletedAt.is_null())
        .and_where(Expr::expr(Func::lower(Expr::col(account_group::Column::Name))).eq(name))
        .to_owned()
}

/// Ids of the roles with code `role` (upper case).
fn roles_coded(role: &str) -> SelectStatement {
    Query::select()
        .column(service_role::Column::Id)
        .from(service_role::Entity)
        .and_where(Expr::expr(Func::upper(Expr::col(service_role::Column::Code))).eq(role))
        .to_owned()
}

/// Counts the rows of `select`, then loads one page of them.
async fn page<E: EntityTrait>(
    db: &impl Conn,
    select: Select<E>,
    filter: &ListFilter,
) -> Result<(Vec<E::Model>, u64), StoreError>
where
    E::Model: Sync,
{
    let total = select.clone().count(db.c()).await?;
    let rows = select
        .offset(filter.offset)
        .limit(filter.limit)
        .all(db.c())
        .await?;
    Ok((rows, total))
}

/// A partner's accounts by login: `status`; `text` in the login, given or family name; `group`
/// (members of the group of that name); `role` (holding a habilitation of that role code, active
/// on its own status, directly or through a group).
pub async fn accounts_of_partner(
    db: &impl Conn,
    partner_id: i64,
    filter: &ListFilter,
) -> Result<Listed<Account>, StoreError> {
    let mut cond = Condition::all().add(account::Column::PartnerId.eq(partner_id));
    if let Some(s) = &filter.status {
        cond = cond.add(account::Column::Status.eq(s.as_str()));
    }
    if let Some(p) = filter.like_pattern() {
        cond = cond.add(
            Condition::any()
                .add(lower_like(account::Column::Login, &p))
                .add(lower_like(account::Column::GivenName, &p))
                .add(lower_like(account::Column::FamilyName, &p)),
        );
    }
    if let Some(g) = &filter.group {
        cond = cond.add(
            account::Column::Id.in_subquery(
                Query::select()
                    .column(group_membership::Column::AccountId)
                    .from(group_membership::Entity)
                    .and_where(
                        group_membership::Column::GroupId.in_subquery(groups_named(partner_id, g)),
                    )
                    .to_owned(),
            ),
        );
    }
    if let Some(r) = &filter.role {
        let grants = |holder: habilitation::Column| {
            Query::select()
                .column(holder)
                .from(habilitation::Entity)
                .and_where(habilitation::Column::Status.eq("active"))
                .and_where(habilitation::Column::ServiceRoleId.in_subquery(roles_coded(r)))
                .and_where(
                    habilitation::Column::SubscriptionId
                        .in_subquery(subscriptions_of_partner(partner_id)),
                )
                .and_where(Expr::col(holder).is_not_null())
                .to_owned()
        };
        let through_groups = Query::select()
            .column(group_membership::Column::AccountId)
            .from(group_membership::Entity)
            .and_where(
                group_membership::Column::GroupId
                    .in_subquery(grants(habilitation::Column::GroupId)),
            )
            .to_owned();
        cond = cond.add(
            Condition::any()
                .add(account::Column::Id.in_subquery(grants(habilitation::Column::AccountId)))
                .add(account::Column::Id.in_subquery(through_groups)),
        );
    }
    let select = account::Entity::find()
        .filter(cond)
        .order_by_asc(account::Column::Login);
    let (rows, total) = page(db, select, filter).await?;
    let items = rows
        .into_iter()
        .map(super::account::to_account)
        .collect::<Result<_, _>>()?;
    Ok(Listed { items, total })
}

/// A partner's habilitations by id: `status`; `role` code; `group` (grants to the group of that
/// name); `text` in the service or role code.
pub async fn habilitations_of_partner(
    db: &impl Conn,
    partner_id: i64,
    filter: &ListFilter,
) -> Result<Listed<Habilitation>, StoreError> {
    let mut cond = Condition::all().add(
        habilitation::Column::SubscriptionId.in_subquery(subscriptions_of_partner(partner_id)),
    );
    if let Some(s) = &filter.status {
        cond = cond.add(habilitation::Column::Status.eq(s.as_str()));
    }
    if let Some(r) = &filter.role {
        cond = cond.add(habilitation::Column::ServiceRoleId.in_subquery(roles_coded(r)));
    }
    if let Some(g) = &filter.group {
        cond = cond.add(habilitation::Column::GroupId.in_subquery(groups_named(partner_id, g)));
    }
    if let Some(p) = filter.like_pattern() {
        let services = Query::select()
            .column(service::Column::Id)
            .from(service::Entity)
            .and_where(lower_like(service::Column::Code, &p))
            .to_owned();
        let roles = Query::select()
            .column(service_role::Column::Id)
            .from(service_role::Entity)
            .cond_where(
                Condition::any()
                    .add(lower_like(service_role::Column::Code, &p))
                    .add(service_role::Column::ServiceId.in_subquery(services)),
            )
            .to_owned();
        cond = cond.add(habilitation::Column::ServiceRoleId.in_subquery(roles));
    }
    let select = habilitation::Entity::find()
        .filter(cond)
        .order_by_asc(habilitation::Column::Id);
    let (rows, total) = page(db, select, filter).await?;
    let items = super::habilitation::hydrate(db, rows).await?;
    Ok(Listed { items, total })
}

/// A partner's groups by name: `text` in the name.
pub async fn groups_of_partner(
    db: &impl Conn,
    partner_id: i64,
    filter: &ListFilter,
) -> Result<Listed<Group>, StoreError> {
    let mut cond = Condition::all()
        .add(account_group::Column::PartnerId.eq(partner_id))
        .add(account_group::Column::DeletedAt.is_null());
    if let Some(p) = filter.like_pattern() {
        cond = cond.add(lower_like(account_group::Column::Name, &p));
    }
    let select = account_group::Entity::find()
        .filter(cond)
        .order_by_asc(account_group::Column::Name);
    let (rows, total) = page(db, select, filter).await?;
    let items = rows.into_iter().map(super::group::to_group).collect();
    Ok(Listed { items, total })
}

/// Access requests, newest first, of one partner (`Some`) or of every partner of the funds
/// (`None` partner): `status`; `text` in the kind (`create_account`, `grant`, …).
pub async fn access_requests(
    db: &impl Conn,
    partner_id: Option<i64>,
    fund_ids: &[i64],
    filter: &ListFilter,
) -> Result<Listed<AccessRequest>, StoreError> {
    let mut cond = Condition::all();
    cond = match partner_id {
        Some(p) => cond.add(access_request::Column::PartnerId.eq(p)),
        None => cond.add(
            access_request::Column::PartnerId.in_subquery(
                Query::select()
                    .column(partner::Column::Id)
                    .from(partner::Entity)
                    .and_where(partner::Column::FundId.is_in(fund_ids.iter().copied()))
                    .to_owned(),
            ),
        ),
    };
    if let Some(s) = &filter.status {
        cond = cond.add(access_request::Column::Status.eq(s.as_str()));
    }
    if let Some(p) = filter.like_pattern() {
        cond = cond.add(lower_like(access_request::Column::Kind, &p));
    }
    let select = access_request::Entity::find()
        .filter(cond)
        .order_by_desc(access_request::Column::Id);
    let (rows, total) = page(db, select, filter).await?;
    let items = rows
        .into_iter()
        .map(super::access_request::to_request)
        .collect::<Result<_, _>>()?;
    Ok(Listed { items, total })
}
