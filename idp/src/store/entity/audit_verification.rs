//! Entity of `audit_verification`: the last result of the periodic chain verification (one row).
//!
//! Mirrors migration `m20260101_000014_review_campaigns`.

use sea_orm::entity::prelude::*;

/// The row of `audit_verification`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_verification")]
pub(crate) struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) id: i32,
    pub(crate) ran_at: TimeDateTimeWithTimeZone,
    pub(crate) intact: bool,
    pub(crate) checked: i64,
    pub(crate) broken_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub(crate) reason: Option<String>,
    pub(crate) duration_ms: i32,
}

/// No foreign keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
