//! Entity of `partner`: a partner in ONE fund's third-party register (the same town hall with two
//! funds is two rows).
//!
//! Mirrors migration `m20260101_000003_create_partners`; status and kind columns stay strings here
//! and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `partner`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `fund`.
    pub(crate) fund_id: i64,
    /// Third party number.
    pub(crate) third_party_number: String,
    /// Siret.
    pub(crate) siret: Option<String>,
    /// Name.
    pub(crate) name: String,
    /// One of `commune`, `departement`, `childcare_operator`, `childcare_structure`, `information_point`, `other`.
    pub(crate) kind: String,
    /// One of `active`, `suspended`.
    pub(crate) status: String,
    /// Suspended at.
    pub(crate) suspended_at: Option<TimeDateTimeWithTimeZone>,
    /// Suspension reason.
    #[sea_orm(column_type = "Text")]
    pub(crate) suspension_reason: Option<String>,
    /// Email.
    pub(crate) email: Option<String>,
    /// Address.
    #[sea_orm(column_type = "Text")]
    pub(crate) address: Option<String>,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Updated at.
    pub(crate) updated_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `partner`.
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
}

impl Related<super::fund::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Fund.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
