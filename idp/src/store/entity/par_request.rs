//! Entity of `par_request`: a pushed authorization request (RFC 9126).
//!
//! Mirrors migration `m20260101_000007_create_protocol`.

use sea_orm::entity::prelude::*;

/// A row of `par_request`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "par_request")]
pub(crate) struct Model {
    /// Request uri.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) request_uri: String,
    /// References `oidc_client`.
    pub(crate) client_id: i64,
    /// Parameters.
    pub(crate) parameters: Json,
    /// Expires at.
    pub(crate) expires_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `par_request`.
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
