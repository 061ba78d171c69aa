//! Entity of `group_membership`: an account in a group.
//!
//! Mirrors migration `m20260101_000004_create_accounts`.

use sea_orm::entity::prelude::*;

/// A row of `group_membership`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_membership")]
pub(crate) struct Model {
    /// References `account_group`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) group_id: i64,
    /// References `account`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) account_id: i64,
    /// References `account`.
    pub(crate) added_by: Option<i64>,
    /// Added at.
    pub(crate) added_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `group_membership`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `group_id` references `account_group`.
    #[sea_orm(
        belongs_to = "super::account_group::Entity",
        from = "Column::GroupId",
        to = "super::account_group::Column::Id",
        on_delete = "Cascade"
    )]
    Group,
    /// `account_id` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    Account,
    /// `added_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AddedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    AddedBy,
}

impl Related<super::account_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Group.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
