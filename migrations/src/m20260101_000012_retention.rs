//! Migration: retention of the trace (002 service contract art. 5.3.2).
//!
//! Adds `audit_event.purged_by`: when an event passes its retention period its identifying
//! columns are cleared (a "tombstone" keeps its id, hashes and non-identifying columns) and
//! `purged_by` names the `audit.purge` event that sealed it, so the chain still verifies.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the tombstone marker.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvent::Table)
                    .add_column(big_integer_null(AuditEvent::PurgedBy))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvent::Table)
                    .drop_column(AuditEvent::PurgedBy)
                    .to_owned(),
            )
            .await
    }
}

/// Identifiers of `audit_event` (created by an earlier migration).
#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    PurgedBy,
}
