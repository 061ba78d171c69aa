//! Entity of `refresh_token`: a refresh token (hashed) in its rotation family.
//!
//! Mirrors migration `m20260101_000009_oidc_flows`; the session is named by id only.

use sea_orm::entity::prelude::*;

/// A row of `refresh_token`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_token")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// SHA-256 of the token.
    #[sea_orm(unique)]
    pub(crate) token_hash: String,
    /// The rotation family (every token descending from one code).
    pub(crate) family_id: String,
    /// The token it replaced.
    pub(crate) parent_id: Option<i64>,
    /// References `oidc_client`.
    pub(crate) client_id: i64,
    /// References `account`.
    pub(crate) account_id: i64,
    /// The session (hash of its cookie value).
    pub(crate) session_id: String,
    /// Granted scope.
    pub(crate) scope: String,
    /// When the person authenticated.
    pub(crate) auth_time: TimeDateTimeWithTimeZone,
    /// Authentication context class.
    pub(crate) acr: String,
    /// Authentication methods (JSON array).
    pub(crate) amr: Json,
    /// Issued at.
    pub(crate) issued_at: TimeDateTimeWithTimeZone,
    /// Expires at.
    pub(crate) expires_at: TimeDateTimeWithTimeZone,
    /// When it was exchanged.
    pub(crate) used_at: Option<TimeDateTimeWithTimeZone>,
    /// When it was revoked.
    pub(crate) revoked_at: Option<TimeDateTimeWithTimeZone>,
    /// Why.
    pub(crate) revocation_reason: Option<String>,
    /// The code the family started from.
    pub(crate) code_hash: Option<String>,
    /// `jti` of the access token issued with it.
    pub(crate) access_token_jti: Option<String>,
    /// Expiry of that access token.
    pub(crate) access_token_expires_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `refresh_token`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `parent_id` references `refresh_token`.
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Cascade"
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
