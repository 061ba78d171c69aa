//! Migration: the login pages' CSRF token no longer lives in the database.
//!
//! Drops `auth_interaction.csrf_hash`. The token of a login form is now derived from the
//! browser-binding cookie and the interaction id (`idp/src/web/oidc/login.rs`), so showing a
//! login page no longer writes a fresh token's hash to its interaction: an unauthenticated GET
//! is a read, and a page can be shown on any node any number of times.
//!
//! A login interrupted by the upgrade only has to reload its page.

use sea_orm_migration::{prelude::*, schema::*};

/// Drops `auth_interaction.csrf_hash`.
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
                    .table(AuthInteraction::Table)
                    .drop_column(AuthInteraction::CsrfHash)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Interactions created meanwhile get an empty hash, which no token matches: their
        // pages must be reloaded, as they would be after an expiry.
        manager
            .alter_table(
                Table::alter()
                    .table(AuthInteraction::Table)
                    .add_column(string(AuthInteraction::CsrfHash).default(""))
                    .to_owned(),
            )
            .await
    }
}

/// Identifiers of `auth_interaction` (created by migration 9).
#[derive(DeriveIden)]
enum AuthInteraction {
    Table,
    CsrfHash,
}
