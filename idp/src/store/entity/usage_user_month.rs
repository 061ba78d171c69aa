//! Entity of `usage_user_month`: an account seen in a month (per service), to count distinct users
//! incrementally.
//!
//! Mirrors migration `m20260101_000008_create_directory_and_stats`.

use sea_orm::entity::prelude::*;

/// A row of `usage_user_month`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_user_month")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// Month.
    pub(crate) month: String,
    /// References `account`.
    pub(crate) account_id: i64,
    /// References `service`.
    pub(crate) service_id: Option<i64>,
    /// Generated: `service_id` or 0, so the unique key sees no NULL.
    pub(crate) service_key: i64,
    /// First seen at.
    pub(crate) first_seen_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `usage_user_month`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `account_id` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    Account,
    /// `service_id` references `service`.
    #[sea_orm(
        belongs_to = "super::service::Entity",
        from = "Column::ServiceId",
        to = "super::service::Column::Id",
        on_delete = "Restrict"
    )]
    Service,
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Account.def()
    }
}

impl Related<super::service::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Service.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
