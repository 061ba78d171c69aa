//! Entity of `review_attestation`: the attestation signed by the principal administrator at the end
//! of a review.
//!
//! Mirrors migration `m20260101_000006_create_requests_and_reviews`.

use sea_orm::entity::prelude::*;

/// A row of `review_attestation`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_attestation")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `partner_review`.
    #[sea_orm(unique)]
    pub(crate) review_id: i64,
    /// References `account`.
    pub(crate) signed_by: i64,
    /// Signer name.
    pub(crate) signer_name: String,
    /// Statement.
    #[sea_orm(column_type = "Text")]
    pub(crate) statement: String,
    /// Kept count.
    pub(crate) kept_count: i32,
    /// Withdrawn count.
    pub(crate) withdrawn_count: i32,
    /// Signed at.
    pub(crate) signed_at: TimeDateTimeWithTimeZone,
    /// Export sha256.
    pub(crate) export_sha256: Option<String>,
}

/// The foreign keys of `review_attestation`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {
    /// `review_id` references `partner_review`.
    #[sea_orm(
        belongs_to = "super::partner_review::Entity",
        from = "Column::ReviewId",
        to = "super::partner_review::Column::Id",
        on_delete = "Restrict"
    )]
    Review,
    /// `signed_by` references `account`.
    #[sea_orm(
        belongs_to = "super::account::Entity",
        from = "Column::SignedBy",
        to = "super::account::Column::Id",
        on_delete = "Restrict"
    )]
    SignedBy,
}

impl Related<super::partner_review::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Review.def()
    }
}

impl Related<super::account::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SignedBy.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
