//! Entity of `auth_interaction`: a login in progress, between `/authorize` and the redirect back
//! to the client.
//!
//! Mirrors migration `m20260101_000009_oidc_flows`, without the `csrf_hash` column that
//! `m20260101_000016_stateless_login_csrf` drops.

use sea_orm::entity::prelude::*;

/// A row of `auth_interaction`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_interaction")]
pub(crate) struct Model {
    /// SHA-256 of the interaction id carried in the page URLs.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) id: String,
    /// References `oidc_client`.
    pub(crate) client_id: i64,
    /// The validated authorization request.
    pub(crate) request: Json,
    /// SHA-256 of the browser-binding cookie.
    pub(crate) binding_hash: String,
    /// One of `login`, `change_password`, `second_factor`, `enrol_second_factor`, `consent`.
    pub(crate) step: String,
    /// The account, once the password step passed.
    pub(crate) account_id: Option<i64>,
    /// Methods used so far (JSON array).
    pub(crate) amr: Json,
    /// When the first factor passed.
    pub(crate) auth_time: Option<TimeDateTimeWithTimeZone>,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Expires at.
    pub(crate) expires_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `auth_interaction`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `client_id` references `oidc_client`.
    #[sea_orm(
        belongs_to = "super::oidc_client::Entity",
        from = "Column::ClientId",
        to = "super::oidc_client::Column::Id",
        on_delete = "Cascade"
    )]
    Client,
    /// `account_id` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Cascade"
    )]
    Account,
}

impl Related<super::oidc_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
