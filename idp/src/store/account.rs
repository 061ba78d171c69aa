//! Storage of accounts.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::entity::account;
use super::{Conn, StoreError};

/// The logins of the given accounts, sorted.
pub async fn logins(db: &impl Conn, ids: &BTreeSet<i64>) -> Result<Vec<String>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(account::Entity::find()
        .select_only()
        .column(account::Column::Login)
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(account::Column::Login)
        .into_tuple()
        .all(db.c())
        .await?)
}
