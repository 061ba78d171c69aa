//! Entity of `refresh_token`: a refresh token (hashed) in its rotation family.
//!
//! Mirrors migration `m20260101_000007_create_protocol`.

use sea_orm::entity::prelude::*;

/// A row of `refresh_token`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_token")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// Token hash.
    #[sea_orm(unique)]
    pub(crate) token_hash: String,
    /// Family id.
    pub(crate) family_id: String,
    /// References `refresh_token`.
    pub(crate) parent_id: Option<i64>,
    /// References `oidc_client`.
    pub(crate) client_id: i64,
    /// References `account`.
    pub(crate) account_id: i64,
    /// References `user_session`.
    pub(crate) session_id: Option<String>,
    /// Scope.
    pub(crate) scope: String,
    /// Issued at.
    pub(crate) issued_at: TimeDateTimeWithTimeZone,
    /// Expires at.
    pub(crate) expires_at: TimeDateTimeWithTimeZone,
    /// Used at.
    pub(crate) used_at: Option<TimeDateTimeWithTimeZone>,
    /// Revoked at.
    pub(crate) revoked_at: Option<TimeDateTimeWithTimeZone>,
    /// Revocation reason.
    pub(crate) revocation_reason: Option<String>,
}

/// The foreign keys of `refresh_token`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `parent_id` references `refresh_token`.
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    Parent,
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
    /// `session_id` references `user_session`.
    #[sea_orm(
        belongs_to = "super::user_session::Entity",
        from = "Column::SessionId",
        to = "super::user_session::Column::Id",
        on_delete = "Restrict"
    )]
    Session,
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

impl Related<super::user_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
