//! Entity of `review_item`: one line of a partner review: an account and one of its habilitations,
//! kept or withdrawn.
//!
//! Mirrors migration `m20260101_000006_create_requests_and_reviews`; status and kind columns stay
//! strings here and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `review_item`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_item")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `partner_review`.
    pub(crate) review_id: i64,
    /// References `account`.
    pub(crate) account_id: i64,
    /// References `habilitation`.
    pub(crate) habilitation_id: Option<i64>,
    /// References `account_group`.
    pub(crate) via_group_id: Option<i64>,
    /// Snapshot.
    pub(crate) snapshot: Json,
    /// One of `keep`, `withdraw`.
    pub(crate) decision: Option<String>,
    /// References `account`.
    pub(crate) decided_by: Option<i64>,
    /// Decided at.
    pub(crate) decided_at: Option<TimeDateTimeWithTimeZone>,
    /// The account's login at the snapshot (migration 14: filter columns).
    pub(crate) login: String,
    /// The habilitation's service code, if the line has one.
    pub(crate) service: Option<String>,
    /// The habilitation's role code, if the line has one.
    pub(crate) role: Option<String>,
    /// The group the habilitation comes through, if any.
    pub(crate) group_name: Option<String>,
    /// The account's last successful login at the snapshot.
    pub(crate) last_login_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `review_item`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `review_id` references `partner_review`.
    #[sea_orm(
        belongs_to = "super::partner_review::Entity",
        from = "Column::ReviewId",
        to = "super::partner_review::Column::Id",
        on_delete = "Cascade"
    )]
    Review,
    /// `account_id` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::AccountId",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    Account,
    /// `habilitation_id` references `habilitation`.
    #[sea_orm(
        belongs_to = "super::habilitation::Entity",
        from = "Column::HabilitationId",
        to = "super::habilitation::Column::Id",
        on_delete = "Restrict"
    )]
    Habilitation,
    /// `via_group_id` references `account_group`.
    #[sea_orm(
        belongs_to = "super::account_group::Entity",
        from = "Column::ViaGroupId",
        to = "super::account_group::Column::Id",
        on_delete = "Restrict"
    )]
    ViaGroup,
    /// `decided_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::DecidedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    DecidedBy,
}

impl Related<super::partner_review::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Review.def()
    }
}

impl Related<super::habilitation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Habilitation.def()
    }
}

impl Related<super::account_group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ViaGroup.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
