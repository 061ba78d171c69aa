//! Entity of `partner_review`: the review of one partner within a campaign.
//!
//! Mirrors migration `m20260101_000006_create_requests_and_reviews`; status and kind columns stay
//! strings here and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `partner_review`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_review")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `review_campaign`.
    pub(crate) campaign_id: i64,
    /// References `partner`.
    pub(crate) partner_id: i64,
    /// One of `not_started`, `in_progress`, `signed`.
    pub(crate) status: String,
    /// Snapshot at.
    pub(crate) snapshot_at: Option<TimeDateTimeWithTimeZone>,
    /// Late policy applied at.
    pub(crate) late_policy_applied_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `partner_review`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `campaign_id` references `review_campaign`.
    #[sea_orm(
        belongs_to = "super::review_campaign::Entity",
        from = "Column::CampaignId",
        to = "super::review_campaign::Column::Id",
        on_delete = "Restrict"
    )]
    Campaign,
    /// `partner_id` references `partner`.
    #[sea_orm(
        belongs_to = "super::partner::Entity",
        from = "Column::PartnerId",
        to = "super::partner::Column::Id",
        on_delete = "Restrict"
    )]
    Partner,
}

impl Related<super::review_campaign::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Campaign.def()
    }
}

impl Related<super::partner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Partner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
