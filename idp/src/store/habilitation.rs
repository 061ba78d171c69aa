//! Storage of habilitations (grants of a service role to an account or a group).

use std::collections::BTreeSet;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use time::{Date, OffsetDateTime};

use super::entity::{account, group_membership, habilitation, subscription};
use super::{Conn, StoreError, Tx};

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
