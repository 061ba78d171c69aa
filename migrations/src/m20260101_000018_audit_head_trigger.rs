//! Migration: the audit chain's head follows each inserted event by a trigger.
//!
//! Appending a trace read the head (locked), inserted the event, then updated the head: three
//! statements. The update is now a trigger on `audit_event`, so an append is two statements
//! and no way of inserting an event can leave the head behind. The head is still read and
//! locked first: the new event's hash chains to it.

use sea_orm_migration::prelude::*;

/// Creates the trigger.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_event \
     BEGIN UPDATE audit_head SET last_event_id = NEW.id, last_hash = NEW.hash WHERE id = 1; END",
];

const SQLITE_DOWN: &[&str] = &["DROP TRIGGER IF EXISTS audit_head_follows"];

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION audit_head_follow() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN UPDATE audit_head SET last_event_id = NEW.id, last_hash = NEW.hash WHERE id = 1; \
     RETURN NULL; END $$",
    "CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_event \
     FOR EACH ROW EXECUTE FUNCTION audit_head_follow()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS audit_head_follows ON audit_event",
    "DROP FUNCTION IF EXISTS audit_head_follow()",
];

// `MigrationTrait` declares `&SchemaManager` with a hidden lifetime; `async_trait` only matches
// the signature if the impl hides it too.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_sql(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_sql(manager, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}
