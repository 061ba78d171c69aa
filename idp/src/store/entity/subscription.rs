//! Entity of `subscription`: a subscription (bulletin d'adhésion) of a convention to a service.
//!
//! Mirrors migration `m20260101_000003_create_partners`; status and kind columns stay strings here
//! and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `subscription`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscription")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `convention`.
    pub(crate) convention_id: i64,
    /// References `service`.
    pub(crate) service_id: i64,
    /// Opened on.
    pub(crate) opened_on: TimeDate,
    /// Closed on.
    pub(crate) closed_on: Option<TimeDate>,
    /// One of `active`, `closed`.
    pub(crate) status: String,
    /// Optional cap on habilitations across all roles of the service.
    pub(crate) total_quota: Option<i32>,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `subscription`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `convention_id` references `convention`.
    #[sea_orm(
        belongs_to = "super::convention::Entity",
        from = "Column::ConventionId",
        to = "super::convention::Column::Id",
        on_delete = "Restrict"
    )]
    Convention,
    /// `service_id` references `service`.
    #[sea_orm(
        belongs_to = "super::service::Entity",
        from = "Column::ServiceId",
        to = "super::service::Column::Id",
        on_delete = "Restrict"
    )]
    Service,
}

impl Related<super::convention::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Convention.def()
    }
}

impl Related<super::service::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Service.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
