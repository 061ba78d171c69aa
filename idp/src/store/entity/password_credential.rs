//! Entity of `password_credential`: the password of an account (at most one).
//!
//! Mirrors migration `m20260101_000004_create_accounts`.

use sea_orm::entity::prelude::*;

/// A row of `password_credential`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_credential")]
pub(crate) struct Model {
    /// References `account`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) account_id: i64,
    /// PHC string.
    pub(crate) hash: String,
    /// Is temporary.
    pub(crate) is_temporary: bool,
    /// Expires at.
    pub(crate) expires_at: Option<TimeDateTimeWithTimeZone>,
    /// Changed at.
    pub(crate) changed_at: TimeDateTimeWithTimeZone,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `password_credential`.
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
