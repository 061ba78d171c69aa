//! Entity of `consent`: the scopes an account consented to for a client.
//!
//! Mirrors migration `m20260101_000007_create_protocol`.

use sea_orm::entity::prelude::*;

/// A row of `consent`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent")]
pub(crate) struct Model {
    /// References `account`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) account_id: i64,
    /// References `oidc_client`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) client_id: i64,
    /// Scopes.
    pub(crate) scopes: Json,
    /// Granted at.
    pub(crate) granted_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `consent`.
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
    /// `client_id` references `oidc_client`.
    #[sea_orm(
        belongs_to = "super::oidc_client::Entity",
        from = "Column::ClientId",
        to = "super::oidc_client::Column::Id",
        on_delete = "Cascade"
    )]
    Client,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::oidc_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
