//! Entity of `backchannel_logout`: a logout token to POST to a client's back-channel logout URI,
//! retried until delivered.
//!
//! Mirrors migration `m20260101_000009_oidc_flows`.

use sea_orm::entity::prelude::*;

/// A row of `backchannel_logout`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "backchannel_logout")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `oidc_client`.
    pub(crate) client_id: i64,
    /// References `account`.
    pub(crate) account_id: i64,
    /// The ended session (hash of its cookie value; the `sid` claim).
    pub(crate) session_id: String,
    /// Why the session ended.
    pub(crate) reason: String,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Next delivery attempt.
    pub(crate) next_attempt_at: TimeDateTimeWithTimeZone,
    /// Attempts so far.
    pub(crate) attempts: i32,
    /// Last delivery error.
    pub(crate) last_error: Option<String>,
    /// When the client acknowledged it.
    pub(crate) delivered_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `backchannel_logout`.
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
