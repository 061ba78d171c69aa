//! Entity of `usage_monthly`: monthly usage counters of a fund, optionally per partner and per
//! service.
//!
//! Mirrors migration `m20260101_000008_create_directory_and_stats`.

use sea_orm::entity::prelude::*;

/// A row of `usage_monthly`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_monthly")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// `YYYY-MM`.
    pub(crate) month: String,
    /// References `fund`.
    pub(crate) fund_id: i64,
    /// References `partner`.
    pub(crate) partner_id: Option<i64>,
    /// References `service`.
    pub(crate) service_id: Option<i64>,
    /// Generated: `partner_id` or 0, so the unique key sees no NULL.
    pub(crate) partner_key: i64,
    /// Generated: `service_id` or 0, so the unique key sees no NULL.
    pub(crate) service_key: i64,
    /// Logins.
    pub(crate) logins: i64,
    /// Distinct users.
    pub(crate) distinct_users: i64,
    /// Failures.
    pub(crate) failures: i64,
    /// Locks.
    pub(crate) locks: i64,
    /// Tokens issued.
    pub(crate) tokens_issued: i64,
}

/// The foreign keys of `usage_monthly`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `fund_id` references `fund`.
    #[sea_orm(
        belongs_to = "super::fund::Entity",
        from = "Column::FundId",
        to = "super::fund::Column::Id",
        on_delete = "Restrict"
    )]
    Fund,
    /// `partner_id` references `partner`.
    #[sea_orm(
        belongs_to = "super::partner::Entity",
        from = "Column::PartnerId",
        to = "super::partner::Column::Id",
        on_delete = "Restrict"
    )]
    Partner,
    /// `service_id` references `service`.
    #[sea_orm(
        belongs_to = "super::service::Entity",
        from = "Column::ServiceId",
        to = "super::service::Column::Id",
        on_delete = "Restrict"
    )]
    Service,
}

impl Related<super::fund::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Fund.def()
    }
}

impl Related<super::partner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Partner.def()
    }
}

impl Related<super::service::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Service.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
