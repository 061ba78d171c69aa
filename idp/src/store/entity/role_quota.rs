//! Entity of `role_quota`: the maximum number of distinct holders of one role under one
//! subscription.
//!
//! Mirrors migration `m20260101_000003_create_partners`.

use sea_orm::entity::prelude::*;

/// A row of `role_quota`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_quota")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `subscription`.
    pub(crate) subscription_id: i64,
    /// References `service_role`.
    pub(crate) service_role_id: i64,
    /// Max holders.
    pub(crate) max_holders: i32,
}

/// The foreign keys of `role_quota`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `subscription_id` references `subscription`.
    #[sea_orm(
        belongs_to = "super::subscription::Entity",
        from = "Column::SubscriptionId",
        to = "super::subscription::Column::Id",
        on_delete = "Cascade"
    )]
    Subscription,
    /// `service_role_id` references `service_role`.
    #[sea_orm(
        belongs_to = "super::service_role::Entity",
        from = "Column::ServiceRoleId",
        to = "super::service_role::Column::Id",
        on_delete = "Restrict"
    )]
    ServiceRole,
}

impl Related<super::subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subscription.def()
    }
}

impl Related<super::service_role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ServiceRole.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
