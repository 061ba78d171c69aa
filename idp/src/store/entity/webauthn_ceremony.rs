//! Entity of `webauthn_ceremony`: the server-side state of a passkey registration or
//! authentication between its begin and its finish.
//!
//! Mirrors migration `m20260101_000015_webauthn_ceremony`.

use sea_orm::entity::prelude::*;

/// A row of `webauthn_ceremony`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webauthn_ceremony")]
pub(crate) struct Model {
    /// SHA-256 of the purpose and of what the ceremony is bound to (interaction or session).
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) key: String,
    /// `register` or `authenticate`.
    pub(crate) purpose: String,
    /// References `account`.
    pub(crate) account_id: i64,
    /// The webauthn-rs state (challenge, allowed credentials, policy).
    pub(crate) state: Json,
    /// Begin.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// After this, the answer is refused.
    pub(crate) expires_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `webauthn_ceremony`.
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
