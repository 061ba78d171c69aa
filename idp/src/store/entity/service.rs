//! Entity of `service`: an online consultation service (bouquet) offered by a fund.
//!
//! Mirrors migration `m20260101_000002_create_catalogue`.

use sea_orm::entity::prelude::*;

/// A row of `service`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `fund`.
    pub(crate) fund_id: i64,
    /// Code.
    pub(crate) code: String,
    /// Name.
    pub(crate) name: String,
    /// Description.
    #[sea_orm(column_type = "Text")]
    pub(crate) description: String,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `service`.
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
