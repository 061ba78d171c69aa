//! Entity of `usage_cursor`: the last trace event added to the monthly usage figures (one row).
//!
//! Mirrors migration `m20260101_000012_retention`.

use sea_orm::entity::prelude::*;

/// The row of `usage_cursor`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_cursor")]
pub(crate) struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) id: i32,
    /// The last `audit_event.id` counted.
    pub(crate) last_event_id: i64,
}

/// No foreign keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
