//! Habilis database schema as sea-orm migrations, one file per aggregate.
//!
//! Owns the whole history of the schema. Invariants:
//! - Migrations use the sea-query schema builder only and never import the `idp` entities: the
//!   history is frozen, whatever the entities become later. Each migration declares the
//!   identifiers it needs (`DeriveIden` enums), including those of tables created earlier.
//! - Every statement is valid on both SQLite and PostgreSQL; there is no raw SQL. CHECK
//!   constraints, partial unique indexes and generated columns are all said with the builder.
//!   Triggers are the exception (migrations 17 and 18): the builder cannot say them, so their
//!   SQLite and PostgreSQL texts stand side by side and go through [`run_sql`].
//! - Every `down` drops what its `up` created, children first.
//!
//! Conventions (the entities in `idp/src/store/entity/` mirror them):
//! - Surrogate keys are `BIGINT` auto-increment (`big_pk_auto`): `bigserial` on PostgreSQL and
//!   `integer PRIMARY KEY AUTOINCREMENT` on SQLite, i.e. a rowid alias whose ids are never reused.
//! - Foreign keys are declared everywhere; `ON DELETE RESTRICT` unless the row is a pure child
//!   (credentials, memberships, quotas, session clients, codes and tokens), then `CASCADE`. FK
//!   columns used for lookups are indexed; the `*_by` columns (who did it) are not.
//! - Timestamps are `timestamp with time zone` (entity `TimeDateTimeWithTimeZone`), dates are
//!   `date` (entity `TimeDate`). SQLite stores both as text: the store writes UTC only, so text
//!   order is time order.
//! - JSON columns are `json()`: `json` on PostgreSQL, `json_text` (text affinity) on SQLite; the
//!   entity type is `Json` (`serde_json::Value`). sea-orm binds JSON values as `jsonb` on
//!   PostgreSQL, which PostgreSQL assigns to `json` columns with its built-in assignment cast;
//!   on SQLite the value is written and read back as text. Both round-trip in the entity tests.
//!   JSON columns are never compared in SQL (PostgreSQL's `json` has no equality operator).
//! - Status and kind columns are strings with a named CHECK listing the allowed values
//!   (`ck_<table>_<column>`); the domain enums convert to and from exactly those strings.
//! - Case-insensitive uniqueness stores the lower-case form in the unique column and CHECKs it
//!   (`account.login`).
//! - Unique keys over nullable columns (`usage_monthly`, `usage_user_month`) go through stored
//!   generated columns `COALESCE(<fk>, 0)` (`partner_key`, `service_key`): NULLs are distinct in
//!   unique indexes on both databases, and a generated key keeps `ON CONFLICT` upserts simple.

pub use sea_orm_migration::prelude::*;

/// Runs the raw statements written for the connected database, in order (the triggers'
/// migrations: one text for SQLite, one for PostgreSQL).
pub(crate) async fn run_sql(
    manager: &SchemaManager<'_>,
    sqlite: &[&str],
    postgres: &[&str],
) -> Result<(), DbErr> {
    let statements = match manager.get_database_backend() {
        sea_orm_migration::sea_orm::DatabaseBackend::Postgres => postgres,
        _ => sqlite,
    };
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

mod m20260101_000001_create_audit_event;
mod m20260101_000002_create_catalogue;
mod m20260101_000003_create_partners;
mod m20260101_000004_create_accounts;
mod m20260101_000005_create_habilitations;
mod m20260101_000006_create_requests_and_reviews;
mod m20260101_000007_create_protocol;
mod m20260101_000008_create_directory_and_stats;
mod m20260101_000009_oidc_flows;
mod m20260101_000010_accounts_credentials;
mod m20260101_000011_delegation;
mod m20260101_000012_retention;
mod m20260101_000014_review_campaigns;
mod m20260101_000015_webauthn_ceremony;
mod m20260101_000016_stateless_login_csrf;
mod m20260101_000017_client_generation;
mod m20260101_000018_audit_head_trigger;

/// Runs every migration of Habilis in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_create_audit_event::Migration),
            Box::new(m20260101_000002_create_catalogue::Migration),
            Box::new(m20260101_000003_create_partners::Migration),
            Box::new(m20260101_000004_create_accounts::Migration),
            Box::new(m20260101_000005_create_habilitations::Migration),
            Box::new(m20260101_000006_create_requests_and_reviews::Migration),
            Box::new(m20260101_000007_create_protocol::Migration),
            Box::new(m20260101_000008_create_directory_and_stats::Migration),
            Box::new(m20260101_000009_oidc_flows::Migration),
            Box::new(m20260101_000010_accounts_credentials::Migration),
            Box::new(m20260101_000011_delegation::Migration),
            Box::new(m20260101_000012_retention::Migration),
            Box::new(m20260101_000014_review_campaigns::Migration),
            Box::new(m20260101_000015_webauthn_ceremony::Migration),
            Box::new(m20260101_000016_stateless_login_csrf::Migration),
            Box::new(m20260101_000017_client_generation::Migration),
            Box::new(m20260101_000018_audit_head_trigger::Migration),
        ]
    }
}
