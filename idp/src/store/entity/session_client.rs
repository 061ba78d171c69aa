//! Entity of `session_client`: a relying party that received tokens within a session (for
//! back-channel logout).
//!
//! Mirrors migration `m20260101_000007_create_protocol`.

use sea_orm::entity::prelude::*;

/// A row of `session_client`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_client")]
pub(crate) struct Model {
    /// References `user_session`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) session_id: String,
    /// References `oidc_client`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) client_id: i64,
    /// First seen at.
    pub(crate) first_seen_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `session_client`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `session_id` references `user_session`.
    #[sea_orm(
        belongs_to = "super::user_session::Entity",
        from = "Column::SessionId",
        to = "super::user_session::Column::Id",
        on_delete = "Cascade"
    )]
    Session,
    /// `client_id` references `oidc_client`.
    #[sea_orm(
        belongs_to = "super::oidc_client::Entity",
        from = "Column::ClientId",
        to = "super::oidc_client::Column::Id",
        on_delete = "Cascade"
    )]
    Client,
}

impl Related<super::user_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl Related<super::oidc_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
