//! Entity of `account`: an extranet user (extranaute) or a fund staff member.
//!
//! Mirrors migration `m20260101_000004_create_accounts`; status and kind columns stay strings here
//! and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `account`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// Random opaque OIDC `sub`.
    #[sea_orm(unique)]
    pub(crate) subject: String,
    /// References `fund`.
    pub(crate) fund_id: i64,
    /// Null for fund staff.
    pub(crate) partner_id: Option<i64>,
    /// References `unit`.
    pub(crate) unit_id: Option<i64>,
    /// Login identifier, stored lower-case so uniqueness is case-insensitive.
    #[sea_orm(unique)]
    pub(crate) login: String,
    /// Given name.
    pub(crate) given_name: String,
    /// Family name.
    pub(crate) family_name: String,
    /// Usual name.
    pub(crate) usual_name: Option<String>,
    /// Email.
    pub(crate) email: Option<String>,
    /// Phone.
    pub(crate) phone: Option<String>,
    /// Job title.
    pub(crate) job_title: Option<String>,
    /// JSON object, e.g. `{"instructor_number": "…"}`.
    pub(crate) attributes: Json,
    /// One of `pending`, `active`, `locked`, `suspended`, `disabled`.
    pub(crate) status: String,
    /// Status reason.
    #[sea_orm(column_type = "Text")]
    pub(crate) status_reason: Option<String>,
    /// Valid from.
    pub(crate) valid_from: Option<TimeDate>,
    /// Valid until.
    pub(crate) valid_until: Option<TimeDate>,
    /// Must change password.
    pub(crate) must_change_password: bool,
    /// Last login at.
    pub(crate) last_login_at: Option<TimeDateTimeWithTimeZone>,
    /// References `account`.
    pub(crate) created_by: Option<i64>,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Updated at.
    pub(crate) updated_at: TimeDateTimeWithTimeZone,
    /// Disabled at.
    pub(crate) disabled_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `account`.
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
    /// `unit_id` references `unit`.
    #[sea_orm(
        belongs_to = "super::unit::Entity",
        from = "Column::UnitId",
        to = "super::unit::Column::Id",
        on_delete = "Restrict"
    )]
    Unit,
    /// `created_by` references `account`.
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::CreatedBy",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    CreatedBy,
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

impl Related<super::unit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl Related<super::login_throttle::Entity> for Entity {
    fn to() -> RelationDef {
        super::login_throttle::Relation::Account.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
