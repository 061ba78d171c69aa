//! Entity of `authorization_code`: an authorization code (hashed), consumed once.
//!
//! Mirrors migration `m20260101_000007_create_protocol`; status and kind columns stay strings here
//! and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `authorization_code`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "authorization_code")]
pub(crate) struct Model {
    /// Code hash.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) code_hash: String,
    /// References `oidc_client`.
    pub(crate) client_id: i64,
    /// References `account`.
    pub(crate) account_id: i64,
    /// References `user_session`.
    pub(crate) session_id: Option<String>,
    /// Redirect uri.
    pub(crate) redirect_uri: String,
    /// Scope.
    pub(crate) scope: String,
    /// Nonce.
    pub(crate) nonce: Option<String>,
    /// Code challenge.
    pub(crate) code_challenge: String,
    /// One of `S256`.
    pub(crate) code_challenge_method: String,
    /// Auth time.
    pub(crate) auth_time: TimeDateTimeWithTimeZone,
    /// Acr.
    pub(crate) acr: String,
    /// Amr.
    pub(crate) amr: Json,
    /// Claims.
    pub(crate) claims: Option<Json>,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Expires at.
    pub(crate) expires_at: TimeDateTimeWithTimeZone,
    /// Consumed at.
    pub(crate) consumed_at: Option<TimeDateTimeWithTimeZone>,
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
    /// `session_id` references `user_session`.
    #[sea_orm(
        belongs_to = "super::user_session::Entity",
        from = "Column::SessionId",
        to = "super::user_session::Column::Id",
        on_delete = "Cascade"
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
