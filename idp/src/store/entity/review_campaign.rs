//! Entity of `review_campaign`: a yearly reverse-review campaign of a fund.
//!
//! Mirrors migration `m20260101_000006_create_requests_and_reviews`; status and kind columns stay
//! strings here and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `review_campaign`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_campaign")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `fund`.
    pub(crate) fund_id: i64,
    /// Year.
    pub(crate) year: i32,
    /// Title.
    pub(crate) title: String,
    /// Due on.
    pub(crate) due_on: TimeDate,
    /// One of `open`, `closed`.
    pub(crate) status: String,
    /// References `account`.
    pub(crate) opened_by: Option<i64>,
    /// Opened at.
    pub(crate) opened_at: TimeDateTimeWithTimeZone,
    /// Closed at.
    pub(crate) closed_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `review_campaign`.
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
    /// `opened_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::OpenedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    OpenedBy,
}

impl Related<super::fund::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Fund.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OpenedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
