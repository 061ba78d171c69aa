//! Entity of `session_client`: a relying party that received tokens within a session (for
//! back-channel logout).
//!
//! Mirrors migration `m20260101_000009_oidc_flows`; the session is named by id only.

use sea_orm::entity::prelude::*;

/// A row of `session_client`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_client")]
pub(crate) struct Model {
    /// The session (hash of its cookie value).
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
    /// `client_id` references `oidc_client`.
    #[sea_orm(
        belongs_to = "super::oidc_client::Entity",
        from = "Column::ClientId",
        to = "super::oidc_client::Column::Id",
        on_delete = "Cascade"
    )]
    Client,
}

impl Related<super::oidc_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
