//! Entity of `review_reminder`: a reminder sent for a partner's review (one per review and kind).
//!
//! Mirrors migration `m20260101_000014_review_campaigns`.

use sea_orm::entity::prelude::*;

/// A row of `review_reminder`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_reminder")]
pub(crate) struct Model {
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    pub(crate) review_id: i64,
    /// `before_<days>` or `late`.
    pub(crate) kind: String,
    /// How many principal administrators were written to.
    pub(crate) recipients: i32,
    pub(crate) sent_at: TimeDateTimeWithTimeZone,
}

/// The reviewed partner's review.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    #[sea_orm(
        belongs_to = "super::partner_review::Entity",
        from = "Column::ReviewId",
        to = "super::partner_review::Column::Id",
        on_delete = "Cascade"
    )]
    Review,
}

impl Related<super::partner_review::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Review.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
