//! Entity of `login_throttle`: failed-login counter and lock of an account.
//!
//! Mirrors migration `m20260101_000004_create_accounts`.

use sea_orm::entity::prelude::*;

/// A row of `login_throttle`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttle")]
pub(crate) struct Model {
    /// References `account`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) account_id: i64,
    /// Failed count.
    pub(crate) failed_count: i32,
    /// Last failure at.
    pub(crate) last_failure_at: Option<TimeDateTimeWithTimeZone>,
    /// Locked until.
    pub(crate) locked_until: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `login_throttle`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `account_id` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Cascade"
    )]
    Account,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
