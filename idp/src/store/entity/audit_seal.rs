//! Entity of `audit_seal`: a seal written when old audit events are purged: the chain head they
//! ended at.
//!
//! Mirrors migration `m20260101_000008_create_directory_and_stats`.

use sea_orm::entity::prelude::*;

/// A row of `audit_seal`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_seal")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// Sealed at.
    pub(crate) sealed_at: TimeDateTimeWithTimeZone,
    /// Up to event id.
    pub(crate) up_to_event_id: i64,
    /// Last hash.
    pub(crate) last_hash: String,
    /// Purged count.
    pub(crate) purged_count: i64,
}

/// The foreign keys of `audit_seal`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
