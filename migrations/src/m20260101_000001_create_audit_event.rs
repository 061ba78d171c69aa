//! Migration: the append-only, hash-chained `audit_event` table.
//!
//! Placeholder on the `schema` branch: the lead owns this migration and replaces this file. It is
//! listed first in the `Migrator` so the order of the history is already final.

use sea_orm_migration::prelude::*;

/// Creates the `audit_event` table (placeholder: does nothing yet).
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
