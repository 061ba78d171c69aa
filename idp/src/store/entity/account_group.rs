//! Entity of `account_group`: a partner-scoped group of accounts (`group` is an SQL keyword).
//!
//! Mirrors migration `m20260101_000004_create_accounts`.

use sea_orm::entity::prelude::*;

/// A row of `account_group`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_group")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `partner`.
    pub(crate) partner_id: i64,
    /// Name.
    pub(crate) name: String,
    /// Description.
    #[sea_orm(column_type = "Text")]
    pub(crate) description: Option<String>,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Deleted at.
    pub(crate) deleted_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `account_group`.
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
