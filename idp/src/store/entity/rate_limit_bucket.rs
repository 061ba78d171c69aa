//! Entity of `rate_limit_bucket`: a fixed-window counter shared by all nodes when Redis is not
//! configured.
//!
//! Mirrors migration `m20260101_000007_create_protocol`.

use sea_orm::entity::prelude::*;

/// A row of `rate_limit_bucket`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_limit_bucket")]
pub(crate) struct Model {
    /// Key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) key: String,
    /// Window start.
    pub(crate) window_start: TimeDateTimeWithTimeZone,
    /// Count.
    pub(crate) count: i64,
}

/// The foreign keys of `rate_limit_bucket`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
