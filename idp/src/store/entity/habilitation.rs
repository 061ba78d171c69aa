//! Entity of `habilitation`: a grant of a subscription role to an account or to a group.
//!
//! Mirrors migration `m20260101_000005_create_habilitations`; status and kind columns stay strings
//! here and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `habilitation`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "habilitation")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `subscription`.
    pub(crate) subscription_id: i64,
    /// References `service_role`.
    pub(crate) service_role_id: i64,
    /// References `account`.
    pub(crate) account_id: Option<i64>,
    /// References `account_group`.
    pub(crate) group_id: Option<i64>,
    /// Narrower territory; null means the whole convention territory.
    pub(crate) territory: Option<Json>,
    /// Role attributes, e.g. the instructor number for CDAP T4.
    pub(crate) attributes: Option<Json>,
    /// Valid from.
    pub(crate) valid_from: TimeDate,
    /// Valid until.
    pub(crate) valid_until: Option<TimeDate>,
    /// One of `active`, `suspended`, `withdrawn`, `expired`.
    pub(crate) status: String,
    /// Reason.
    #[sea_orm(column_type = "Text")]
    pub(crate) reason: String,
    /// References `account`.
    pub(crate) granted_by: Option<i64>,
    /// Granted at.
    pub(crate) granted_at: TimeDateTimeWithTimeZone,
    /// References `account`.
    pub(crate) withdrawn_by: Option<i64>,
    /// Withdrawn at.
    pub(crate) withdrawn_at: Option<TimeDateTimeWithTimeZone>,
    /// Withdrawal reason.
    #[sea_orm(column_type = "Text")]
    pub(crate) withdrawal_reason: Option<String>,
    /// Updated at.
    pub(crate) updated_at: TimeDateTimeWithTimeZone,
}

/// The foreign keys of `habilitation`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `subscription_id` references `subscription`.
    #[sea_orm(
        belongs_to = "super::subscription::Entity",
        from = "Column::SubscriptionId",
        to = "super::subscription::Column::Id",
        on_delete = "Restrict"
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
    /// `account_id` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    Account,
    /// `group_id` references `account_group`.
    #[sea_orm(
        belongs_to = "super::account_group::Entity",
        from = "Column::GroupId",
        to = "super::account_group::Column::Id",
        on_delete = "Restrict"
    )]
    Group,
    /// `granted_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::GrantedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    GrantedBy,
    /// `withdrawn_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::WithdrawnBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    WithdrawnBy,
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

impl Related<super::account_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Group.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
