//! Entity of `password_reset`: a password-reset token (hashed).
//!
//! Mirrors migration `m20260101_000004_create_accounts`.

use sea_orm::entity::prelude::*;

/// A row of `password_reset`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_reset")]
pub(crate) struct Model {
    /// Token hash.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) token_hash: String,
    /// References `account`.
    pub(crate) account_id: i64,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Expires at.
    pub(crate) expires_at: TimeDateTimeWithTimeZone,
    /// Used at.
    pub(crate) used_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `password_reset`.
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
