//! Entity of `convention`: a convention between a fund and a partner: term, status, management
//! mode, mission, territory.
//!
//! Mirrors migration `m20260101_000003_create_partners`; status and kind columns stay strings here
//! and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `convention`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "convention")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `fund`.
    pub(crate) fund_id: i64,
    /// References `partner`.
    pub(crate) partner_id: i64,
    /// Number.
    pub(crate) number: String,
    /// Signed on.
    pub(crate) signed_on: Option<TimeDate>,
    /// Effective from.
    pub(crate) effective_from: TimeDate,
    /// Term months.
    pub(crate) term_months: i32,
    /// Tacit renewal.
    pub(crate) tacit_renewal: bool,
    /// Notice months.
    pub(crate) notice_months: i32,
    /// One of `draft`, `active`, `suspended`, `terminated`.
    pub(crate) status: String,
    /// One of `delegated`, `centralised`.
    pub(crate) management_mode: String,
    /// Mission.
    #[sea_orm(column_type = "Text")]
    pub(crate) mission: String,
    /// `{"departements":[..],"communes":[..]}`.
    pub(crate) territory: Json,
    /// Termination requested on.
    pub(crate) termination_requested_on: Option<TimeDate>,
    /// Terminates on.
    pub(crate) terminates_on: Option<TimeDate>,
    /// Terminated at.
    pub(crate) terminated_at: Option<TimeDateTimeWithTimeZone>,
    /// Suspended at.
    pub(crate) suspended_at: Option<TimeDateTimeWithTimeZone>,
    /// Status reason.
    #[sea_orm(column_type = "Text")]
    pub(crate) status_reason: Option<String>,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Updated at.
    pub(crate) updated_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `convention`.
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

impl ActiveModelBehavior for ActiveModel {}
