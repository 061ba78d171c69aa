//! Entity of `service_role`: a role (profile) of a service, e.g. CDAP `T1`, `T18` or
//! `consultation`.
//!
//! Mirrors migration `m20260101_000002_create_catalogue`.

use sea_orm::entity::prelude::*;

/// A row of `service_role`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_role")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `service`.
    pub(crate) service_id: i64,
    /// Code.
    pub(crate) code: String,
    /// Label.
    pub(crate) label: String,
    /// Attribute an account must carry to hold the role, e.g. `instructor_number`.
    pub(crate) required_attribute: Option<String>,
    /// Required attribute label.
    pub(crate) required_attribute_label: Option<String>,
}

/// The foreign keys of `service_role`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `service_id` references `service`.
    #[sea_orm(
        belongs_to = "super::service::Entity",
        from = "Column::ServiceId",
        to = "super::service::Column::Id",
        on_delete = "Restrict"
    )]
    Service,
}

impl Related<super::service::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Service.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
