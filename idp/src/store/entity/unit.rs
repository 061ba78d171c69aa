//! Entity of `unit`: a unit of a partner, e.g. one childcare structure of an operator.
//!
//! Mirrors migration `m20260101_000003_create_partners`.

use sea_orm::entity::prelude::*;

/// A row of `unit`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `partner`.
    pub(crate) partner_id: i64,
    /// Code.
    pub(crate) code: String,
    /// Name.
    pub(crate) name: String,
    /// Siret.
    pub(crate) siret: Option<String>,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `unit`.
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
}

impl Related<super::partner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Partner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
