//! Storage of groups of accounts (partner-scoped) and their members.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use super::entity::{account_group, group_membership};
use super::{Conn, StoreError, Tx};
use crate::group::Group;

/// Inserts a group.
pub async fn insert(
    tx: &Tx,
    now: OffsetDateTime,
    partner_id: i64,
    name: &str,
    description: Option<&str>,
) -> Result<Group, StoreError> {
    let m = account_group::ActiveModel {
        partner_id: Set(partner_id),
        name: Set(name.to_owned()),
        description: Set(description.map(str::to_owned)),
        created_at: Set(now),
        deleted_at: Set(None),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    Ok(to_group(m))
}

/// A live group of a partner by name.
pub async fn by_name(
    db: &impl Conn,
    partner_id: i64,
    name: &str,
) -> Result<Option<Group>, StoreError> {
    Ok(account_group::Entity::find()
        .filter(account_group::Column::PartnerId.eq(partner_id))
        .filter(account_group::Column::Name.eq(name))
        .filter(account_group::Column::DeletedAt.is_null())
        .one(db.c())
        .await?
        .map(to_group))
}

/// A live group by id.
pub async fn by_id(db: &impl Conn, id: i64) -> Result<Option<Group>, StoreError> {
    Ok(account_group::Entity::find_by_id(id)
        .filter(account_group::Column::DeletedAt.is_null())
        .one(db.c())
        .await?
        .map(to_group))
}

/// A partner's live groups, by name.
pub async fn of_partner(db: &impl Conn, partner_id: i64) -> Result<Vec<Group>, StoreError> {
    Ok(account_group::Entity::find()
        .filter(account_group::Column::PartnerId.eq(partner_id))
        .filter(account_group::Column::DeletedAt.is_null())
        .order_by_asc(account_group::Column::Name)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_group)
        .collect())
}

/// Adds a member (a duplicate is refused by the primary key).
pub async fn add_member(
    tx: &Tx,
    now: OffsetDateTime,
    group_id: i64,
    account_id: i64,
    by: Option<i64>,
) -> Result<(), StoreError> {
    group_membership::ActiveModel {
        group_id: Set(group_id),
        account_id: Set(account_id),
        added_by: Set(by),
        added_at: Set(now),
    }
    .insert(tx.c())
    .await?;
    Ok(())
}

/// Removes a member; returns whether it was one.
pub async fn remove_member(tx: &Tx, group_id: i64, account_id: i64) -> Result<bool, StoreError> {
    let r = group_membership::Entity::delete_many()
        .filter(group_membership::Column::GroupId.eq(group_id))
        .filter(group_membership::Column::AccountId.eq(account_id))
        .exec(tx.c())
        .await?;
    Ok(r.rows_affected > 0)
}

/// The members of a group.
pub async fn member_ids(db: &impl Conn, group_id: i64) -> Result<BTreeSet<i64>, StoreError> {
    let ids: Vec<i64> = group_membership::Entity::find()
        .select_only()
        .column(group_membership::Column::AccountId)
        .filter(group_membership::Column::GroupId.eq(group_id))
        .into_tuple()
        .all(db.c())
        .await?;
    Ok(ids.into_iter().collect())
}

/// The groups an account is a member of.
pub async fn groups_of_account(
    db: &impl Conn,
    account_id: i64,
) -> Result<BTreeSet<i64>, StoreError> {
    let ids: Vec<i64> = group_membership::Entity::find()
        .select_only()
        .column(group_membership::Column::GroupId)
        .filter(group_membership::Column::AccountId.eq(account_id))
        .into_tuple()
        .all(db.c())
        .await?;
    Ok(ids.into_iter().collect())
}

pub(super) fn to_group(m: account_group::Model) -> Group {
    Group {
        id: m.id,
        partner_id: m.partner_id,
        name: m.name,
        description: m.description,
    }
}
