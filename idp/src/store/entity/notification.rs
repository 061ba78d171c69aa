//! Entity of `notification`: a message for one account (e.g. the decision on its access
//! request).
//!
//! Mirrors migration `m20260101_000011_delegation`.

use sea_orm::entity::prelude::*;

/// A row of `notification`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// References `account`: who is notified.
    pub(crate) account_id: i64,
    /// What happened, e.g. `access_request.approved`.
    pub(crate) kind: String,
    /// Details.
    pub(crate) payload: Json,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Read at.
    pub(crate) read_at: Option<TimeDateTimeWithTimeZone>,
    /// Sent by e-mail at.
    pub(crate) sent_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `notification`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
