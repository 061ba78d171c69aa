//! Entity of `admin_role`: an administrative role assignment: fund operator, principal or deputy
//! admin, delegated manager.
//!
//! Mirrors migration `m20260101_000004_create_accounts`; status and kind columns stay strings here
//! and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `admin_role`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admin_role")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `account`.
    pub(crate) account_id: i64,
    /// One of `fund_operator`, `principal_admin`, `deputy_admin`, `delegated_manager`.
    pub(crate) kind: String,
    /// Set for `fund_operator` only.
    pub(crate) fund_id: Option<i64>,
    /// Set for the three partner kinds only.
    pub(crate) partner_id: Option<i64>,
    /// Delegated manager scope: service, role, group and unit ids.
    pub(crate) scope: Option<Json>,
    /// May delegate.
    pub(crate) may_delegate: bool,
    /// References `account`.
    pub(crate) granted_by: Option<i64>,
    /// Granted at.
    pub(crate) granted_at: TimeDateTimeWithTimeZone,
    /// Revoked at.
    pub(crate) revoked_at: Option<TimeDateTimeWithTimeZone>,
    /// References `account`.
    pub(crate) revoked_by: Option<i64>,
    /// Revocation reason.
    #[sea_orm(column_type = "Text")]
    pub(crate) revocation_reason: Option<String>,
}

/// The foreign keys of `admin_role`.
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
    /// `granted_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::GrantedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    GrantedBy,
    /// `revoked_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::RevokedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    RevokedBy,
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

impl ActiveModelBehavior for ActiveModel {}
