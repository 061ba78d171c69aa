//! Entity of `authorization_code`: an authorization code (hashed), consumed once.
//!
//! Mirrors migration `m20260101_000009_oidc_flows`; the session is named by id only (sessions may
//! live in Redis).

use sea_orm::entity::prelude::*;

/// A row of `authorization_code`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "authorization_code")]
pub(crate) struct Model {
    /// SHA-256 of the code.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) code_hash: String,
    /// References `oidc_client`.
    pub(crate) client_id: i64,
    /// References `account`.
    pub(crate) account_id: i64,
    /// The session the code was issued in (hash of its cookie value).
    pub(crate) session_id: String,
    /// Redirect uri of the request.
    pub(crate) redirect_uri: String,
    /// Granted scope.
    pub(crate) scope: String,
    /// Nonce.
    pub(crate) nonce: Option<String>,
    /// PKCE code challenge.
    pub(crate) code_challenge: String,
    /// One of `S256`.
    pub(crate) code_challenge_method: String,
    /// When the person authenticated.
    pub(crate) auth_time: TimeDateTimeWithTimeZone,
    /// Authentication context class.
    pub(crate) acr: String,
    /// Authentication methods (JSON array).
    pub(crate) amr: Json,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Expires at.
    pub(crate) expires_at: TimeDateTimeWithTimeZone,
    /// Consumed at.
    pub(crate) consumed_at: Option<TimeDateTimeWithTimeZone>,
    /// `jti` of the access token issued for it.
    pub(crate) access_token_jti: Option<String>,
    /// Expiry of that access token.
    pub(crate) access_token_expires_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `authorization_code`.
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
    /// `session_id` names a `user_session` row when sessions live in the database. No foreign
    /// key (sessions may live in Redis): the relation only serves the code exchange's join.
    #[sea_orm(
        belongs_to = "super::user_session::Entity",
        from = "Column::SessionId",
        to = "super::user_session::Column::Id"
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

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::user_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}
