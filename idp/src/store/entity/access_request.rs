//! Entity of `access_request`: a request by a partner administrator that a fund operator approves
//! or rejects.
//!
//! Mirrors migration `m20260101_000006_create_requests_and_reviews`; status and kind columns stay
//! strings here and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `access_request`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_request")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `partner`.
    pub(crate) partner_id: i64,
    /// References `convention`.
    pub(crate) convention_id: Option<i64>,
    /// One of `create_account`, `grant`, `withdraw`, `modify`.
    pub(crate) kind: String,
    /// Payload.
    pub(crate) payload: Json,
    /// One of `pending`, `approved`, `rejected`, `cancelled`.
    pub(crate) status: String,
    /// References `account`.
    pub(crate) requested_by: i64,
    /// Requested at.
    pub(crate) requested_at: TimeDateTimeWithTimeZone,
    /// References `account`.
    pub(crate) decided_by: Option<i64>,
    /// Decided at.
    pub(crate) decided_at: Option<TimeDateTimeWithTimeZone>,
    /// Decision reason.
    #[sea_orm(column_type = "Text")]
    pub(crate) decision_reason: Option<String>,
    /// Result.
    pub(crate) result: Option<Json>,
}

/// The foreign keys of `access_request`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `partner_id` references `partner`.
    #[sea_orm(
        belongs_to = "super::partner::Entity",
        from = "Column::PartnerId",
        to = "super::partner::Column::Id",
        on_delete = "Restrict"
    )]
    Partner,
    /// `convention_id` references `convention`.
    #[sea_orm(
        belongs_to = "super::convention::Entity",
        from = "Column::ConventionId",
        to = "super::convention::Column::Id",
        on_delete = "Restrict"
    )]
    Convention,
    /// `requested_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::RequestedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    RequestedBy,
    /// `decided_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::DecidedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    DecidedBy,
}

impl Related<super::partner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Partner.def()
    }
}

impl Related<super::convention::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Convention.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
