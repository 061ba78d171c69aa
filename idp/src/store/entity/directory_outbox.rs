//! Entity of `directory_outbox`: a pending change to push to the LDAP directory.
//!
//! Mirrors migration `m20260101_000008_create_directory_and_stats`; status and kind columns stay
//! strings here and the store converts them to domain enums.

use sea_orm::entity::prelude::*;

/// A row of `directory_outbox`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_outbox")]
pub(crate) struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// One of `fund`, `partner`, `account`, `group`, `role_group`.
    pub(crate) entry_kind: String,
    /// Entry key.
    pub(crate) entry_key: String,
    /// One of `upsert`, `delete`.
    pub(crate) operation: String,
    /// Created at.
    pub(crate) created_at: TimeDateTimeWithTimeZone,
    /// Attempts.
    pub(crate) attempts: i32,
    /// Next attempt at.
    pub(crate) next_attempt_at: TimeDateTimeWithTimeZone,
    /// Last error.
    #[sea_orm(column_type = "Text")]
    pub(crate) last_error: Option<String>,
    /// Processed at.
    pub(crate) processed_at: Option<TimeDateTimeWithTimeZone>,
}

/// The foreign keys of `directory_outbox`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
