//! Entity of `webauthn_credential`: a WebAuthn passkey of an account.
//!
//! Mirrors migration `m20260101_000004_create_accounts`.

use sea_orm::entity::prelude::*;

/// A row of `webauthn_credential`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webauthn_credential")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `account`.
    pub(crate) account_id: i64,
    /// Credential id.
    #[sea_orm(unique)]
    pub(crate) credential_id: String,
    /// Passkey.
    pub(crate) passkey: Json,
    /// Label.
    pub(crate) label: String,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Last used at.
    pub(crate) last_used_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `webauthn_credential`.
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
