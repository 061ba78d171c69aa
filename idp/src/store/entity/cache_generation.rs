//! Entity of `cache_generation`: counters that triggers move on every change of a cached table
//! (today `oidc_client`), so that a node knows when its cache of that table went stale.
//!
//! Mirrors migration `m20260101_000017_client_generation`.

use sea_orm::entity::prelude::*;

/// A row of `cache_generation`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cache_generation")]
pub(crate) struct Model {
    /// The table the counter follows.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) name: String,
    /// Changes seen so far; only ever grows.
    pub(crate) value: i64,
}

/// No foreign keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
