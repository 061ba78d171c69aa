//! Migration: a generation counter of the OIDC clients, for the nodes' client caches.
//!
//! Creates `cache_generation(name, value)` with one row, `oidc_client`, and triggers that add
//! one to it on every insert, update or delete of `oidc_client`. A node keeps the clients it
//! has read in memory and compares this counter at most every `oidc.client_cache_ms`: any change
//! — made by this node, another node, `idp client …` or by hand in SQL — empties the caches of
//! every node within that delay. Triggers rather than the store's functions, so that no way of
//! writing the table can forget the counter.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the counter and its triggers.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER oidc_client_generation_insert AFTER INSERT ON oidc_client BEGIN \
     UPDATE cache_generation SET value = value + 1 WHERE name = 'oidc_client'; END",
    "CREATE TRIGGER oidc_client_generation_update AFTER UPDATE ON oidc_client BEGIN \
     UPDATE cache_generation SET value = value + 1 WHERE name = 'oidc_client'; END",
    "CREATE TRIGGER oidc_client_generation_delete AFTER DELETE ON oidc_client BEGIN \
     UPDATE cache_generation SET value = value + 1 WHERE name = 'oidc_client'; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS oidc_client_generation_insert",
    "DROP TRIGGER IF EXISTS oidc_client_generation_update",
    "DROP TRIGGER IF EXISTS oidc_client_generation_delete",
];

// One trigger per statement: a statement that changes many clients bumps the counter once.
const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION oidc_client_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN UPDATE cache_generation SET value = value + 1 WHERE name = 'oidc_client'; \
     RETURN NULL; END $$",
    "CREATE TRIGGER oidc_client_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
     ON oidc_client FOR EACH STATEMENT EXECUTE FUNCTION oidc_client_generation_bump()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS oidc_client_generation ON oidc_client",
    "DROP FUNCTION IF EXISTS oidc_client_generation_bump()",
];

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CacheGeneration::Table)
                    .col(string(CacheGeneration::Name).primary_key())
                    .col(big_integer(CacheGeneration::Value).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(CacheGeneration::Table)
                    .columns([CacheGeneration::Name, CacheGeneration::Value])
                    .values_panic(["oidc_client".into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        crate::run_sql(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_sql(manager, SQLITE_DOWN, POSTGRES_DOWN).await?;
        manager
            .drop_table(Table::drop().table(CacheGeneration::Table).to_owned())
            .await
    }
}

/// Identifiers of `cache_generation`.
#[derive(DeriveIden)]
enum CacheGeneration {
    Table,
    Name,
    Value,
}
