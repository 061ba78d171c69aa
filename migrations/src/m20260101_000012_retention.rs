//! Migration: retention of the trace (002 service contract art. 5.3.2).
//!
//! Adds `audit_event.purged_by`: when an event passes its retention period its identifying
//! columns are cleared (a "tombstone" keeps its id, hashes and non-identifying columns) and
//! `purged_by` names the `audit.purge` event that sealed it, so the chain still verifies.
//!
//! Creates `usage_cursor`: the last trace event added to the monthly usage figures (003 art. 7),
//! one row, so that each event is counted once however many passes run.

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
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UsageCursor::Table)
                    .col(
                        ColumnDef::new(UsageCursor::Id)
                            .integer()
                            .not_null()
                            .primary_key()
                            .check(Expr::col(UsageCursor::Id).eq(1)),
                    )
                    .col(big_integer(UsageCursor::LastEventId))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(UsageCursor::Table)
                    .columns([UsageCursor::Id, UsageCursor::LastEventId])
                    .values_panic([1.into(), 0i64.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UsageCursor::Table).to_owned())
            .await?;
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

/// Identifiers of `usage_cursor`.
#[derive(DeriveIden)]
enum UsageCursor {
    Table,
    Id,
    LastEventId,
}
