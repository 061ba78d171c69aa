//! Entity of `fund_credential_policy`: a fund's overrides of the default credential rules.
//!
//! Mirrors migration `m20260101_000010_accounts_credentials`.

use sea_orm::entity::prelude::*;

/// A row of `fund_credential_policy`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fund_credential_policy")]
pub(crate) struct Model {
    /// References `fund`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) fund_id: i64,
    /// The overrides (JSON object; absent keys keep the default).
    pub(crate) policy: Json,
    /// Last change.
    pub(crate) updated_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `fund_credential_policy`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `fund_id` references `fund`.
    #[sea_orm(
        belongs_to = "super::fund::Entity",
        from = "Column::FundId",
        to = "super::fund::Column::Id",
        on_delete = "Cascade"
    )]
    Fund,
}

impl Related<super::fund::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Fund.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
