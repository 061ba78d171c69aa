//! Entity of `totp_credential`: the TOTP secret of an account (at most one).
//!
//! Mirrors migration `m20260101_000004_create_accounts`.

use sea_orm::entity::prelude::*;

/// A row of `totp_credential`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "totp_credential")]
pub(crate) struct Model {
    /// References `account`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) account_id: i64,
    /// Secret encrypted.
    #[sea_orm(column_type = "Text")]
    pub(crate) secret_encrypted: String,
    /// Confirmed at.
    pub(crate) confirmed_at: Option<TimeDateTimeWithTimeZone>,
    /// Last accepted time step, so a code is never accepted twice.
    pub(crate) last_used_step: Option<i64>,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `totp_credential`.
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
