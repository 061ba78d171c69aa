//! Counters of the cached tables (`cache_generation`), moved by database triggers on every
//! change of the table they follow; read by the nodes' caches to know when they went stale.

use sea_orm::{EntityTrait, QuerySelect};

use super::entity::cache_generation;
use super::{Conn, StoreError};

/// The counter of `oidc_client`.
pub const OIDC_CLIENT: &str = "oidc_client";

/// The counter named `name`.
pub async fn value(db: &impl Conn, name: &str) -> Result<i64, StoreError> {
    cache_generation::Entity::find_by_id(name.to_owned())
        .select_only()
        .column(cache_generation::Column::Value)
        .into_tuple::<i64>()
        .one(db.c())
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("cache_generation has no row {name}")))
}
