//! Integration tests of the schema, on SQLite (always) and PostgreSQL (when
//! `HABILIS_TEST_POSTGRES_URL` is set): `up`, `down` to nothing and `up` again, then the
//! invariants the schema itself enforces, each checked next to a statement that must pass so a
//! failure proves the constraint and not a typo.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail loudly, like the tests that call them"
)]

use std::time::{SystemTime, UNIX_EPOCH};

use migrations::{Migrator, MigratorTrait, SchemaManager};
use sea_orm_migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

/// Every table the migrations create.
const TABLES: &[&str] = &[
    "audit_event",
    "audit_head",
    "fund",
    "service",
    "service_role",
    "oidc_client",
    "partner",
    "unit",
    "convention",
    "subscription",
    "role_quota",
    "account",
    "password_credential",
    "login_throttle",
    "notification",
    "fund_credential_policy",
    "totp_credential",
    "recovery_code",
    "webauthn_credential",
    "password_reset",
    "admin_role",
    "account_group",
    "group_membership",
    "habilitation",
    "access_request",
    "review_campaign",
    "partner_review",
    "review_item",
    "review_attestation",
    "signing_key",
    "user_session",
    "session_client",
    "authorization_code",
    "refresh_token",
    "access_token_revocation",
    "par_request",
    "consent",
    "rate_limit_bucket",
    "audit_seal",
    "directory_outbox",
    "usage_monthly",
    "usage_user_month",
    "auth_interaction",
    "backchannel_logout",
    "usage_cursor",
    "webauthn_ceremony",
    "review_reminder",
    "audit_verification",
    "cache_generation",
];

/// The bookkeeping table of sea-orm-migration, the only one left after a full `down`.
const BOOKKEEPING: &str = "seaql_migrations";

/// A migrated-or-not database for one test, and what it takes to clean it up.
struct TestDb {
    db: DatabaseConnection,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The SQLite file lives in this directory, removed on drop.
    Sqlite(#[allow(dead_code, reason = "held only for its Drop")] tempfile::TempDir),
    /// The PostgreSQL database of that name is dropped through the base connection.
    Postgres {
        base: DatabaseConnection,
        name: String,
    },
}

impl TestDb {
    /// A fresh SQLite file opened with foreign keys on (sqlx's default, made explicit here).
    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("habilis.db").display()
        );
        let db = Database::connect(ConnectOptions::new(url)).await.unwrap();
        db.execute_unprepared("PRAGMA foreign_keys = ON")
            .await
            .unwrap();
        TestDb {
            db,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` (with a note) when the variable is unset.
    async fn postgres(test: &str) -> Option<TestDb> {
        let Ok(base_url) = std::env::var("HABILIS_TEST_POSTGRES_URL") else {
            println!("{test}: HABILIS_TEST_POSTGRES_URL is unset; PostgreSQL variant skipped");
            return None;
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let name = format!("habilis_migrations_{}_{nanos}", std::process::id());
        let base = Database::connect(base_url.as_str()).await.unwrap();
        base.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let url = match base_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("HABILIS_TEST_POSTGRES_URL has no database part: {base_url}"),
        };
        let db = Database::connect(url.as_str()).await.unwrap();
        Some(TestDb {
            db,
            cleanup: Cleanup::Postgres { base, name },
        })
    }

    async fn finish(self) {
        self.db.close().await.unwrap();
        if let Cleanup::Postgres { base, name } = self.cleanup {
            base.execute_unprepared(&format!("DROP DATABASE {name}"))
                .await
                .unwrap();
        }
    }
}

/// The user tables present, in name order.
async fn user_tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name"
        }
        _ => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect()
}

/// On SQLite, every `id` surrogate key must be a rowid alias (`integer PRIMARY KEY`), with
/// AUTOINCREMENT so an id is never reused after a delete.
async fn surrogate_keys_are_rowid_aliases(db: &DatabaseConnection) {
    let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%\"id\" integer%' \
         AND name NOT IN ('audit_event', 'audit_head', 'usage_cursor', 'audit_verification')";
    // Trace ids are chain positions assigned by the writer, and the head, the usage cursor and
    // the last verification are one fixed row each: none is a surrogate key.
    let rows = db
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await
        .unwrap();
    assert_eq!(rows.len(), 28, "tables with a surrogate key");
    for row in rows {
        let name: String = row.try_get("", "name").unwrap();
        let ddl: String = row.try_get("", "sql").unwrap();
        assert!(
            ddl.contains("\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT"),
            "{name}: {ddl}"
        );
    }
}

async fn up_down_up(db: &DatabaseConnection) {
    Migrator::up(db, None).await.unwrap();
    let manager = SchemaManager::new(db);
    for table in TABLES {
        assert!(
            manager.has_table(*table).await.unwrap(),
            "table {table} is missing after up"
        );
    }
    let mut expected: Vec<String> = TABLES
        .iter()
        .map(|t| (*t).to_owned())
        .chain([BOOKKEEPING.to_owned()])
        .collect();
    expected.sort();
    assert_eq!(
        user_tables(db).await,
        expected,
        "up creates exactly the listed tables"
    );

    if db.get_database_backend() == DbBackend::Sqlite {
        surrogate_keys_are_rowid_aliases(db).await;
    }

    Migrator::down(db, None).await.unwrap();
    assert_eq!(
        user_tables(db).await,
        vec![BOOKKEEPING.to_owned()],
        "down leaves nothing behind"
    );

    Migrator::up(db, None).await.unwrap();
    assert_eq!(user_tables(db).await, expected, "up works again after down");
}

const NOW: &str = "'2026-01-15 10:00:00+00:00'";

/// Rows the invariant cases build on: one fund, one partner with a principal administrator, a
/// service with a role, an active convention and its subscription, two accounts and a group.
fn fixture() -> Vec<String> {
    vec![
        format!(
            "INSERT INTO fund (id, code, name, kind, departements, created_at) \
             VALUES (1, 'caf-79', 'Caf des Deux-Sèvres', 'caf', '[\"79\"]', {NOW})"
        ),
        format!(
            "INSERT INTO partner (id, fund_id, third_party_number, name, kind, created_at, updated_at) \
             VALUES (1, 1, '79a69243', 'Mairie de Niort', 'commune', {NOW}, {NOW})"
        ),
        format!(
            "INSERT INTO service (id, fund_id, code, name, description, created_at) \
             VALUES (1, 1, 'cdap', 'CDAP', 'Consultation du dossier allocataire', {NOW})"
        ),
        "INSERT INTO service_role (id, service_id, code, label) VALUES (1, 1, 'T1', 'Consultation')"
            .to_owned(),
        format!(
            "INSERT INTO convention (id, fund_id, partner_id, number, effective_from, status, \
             mission, territory, created_at, updated_at) VALUES (1, 1, 1, '79-2017-19', \
             '2026-01-01', 'active', 'Action sociale', '{{\"departements\":[\"79\"]}}', {NOW}, {NOW})"
        ),
        format!(
            "INSERT INTO subscription (id, convention_id, service_id, opened_on, created_at) \
             VALUES (1, 1, 1, '2026-01-01', {NOW})"
        ),
        format!(
            "INSERT INTO account (id, subject, fund_id, partner_id, login, given_name, family_name, \
             attributes, created_at, updated_at) VALUES \
             (1, 'sub-1', 1, 1, 'amartin', 'Anne', 'Martin', '{{}}', {NOW}, {NOW}), \
             (2, 'sub-2', 1, 1, 'bdurand', 'Bruno', 'Durand', '{{}}', {NOW}, {NOW})"
        ),
        format!(
            "INSERT INTO admin_role (id, account_id, kind, partner_id, granted_at) \
             VALUES (1, 1, 'principal_admin', 1, {NOW})"
        ),
        format!(
            "INSERT INTO account_group (id, partner_id, name, created_at) \
             VALUES (1, 1, 'accueil', {NOW})"
        ),
    ]
}

/// What the schema must do with a statement.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Accepted,
    /// Rejected by a unique key (both databases say "unique").
    Unique,
    /// Rejected by a CHECK constraint (both say "check").
    Check,
    /// Rejected by a foreign key (both say "foreign key").
    ForeignKey,
}

impl Expect {
    /// The words both databases put in the error message of that rejection.
    fn words(self) -> &'static str {
        match self {
            Expect::Accepted => "",
            Expect::Unique => "unique",
            Expect::Check => "check",
            Expect::ForeignKey => "foreign key",
        }
    }
}

fn habilitation(id: i64, account: &str, group: &str, status: &str) -> String {
    format!(
        "INSERT INTO habilitation (id, subscription_id, service_role_id, account_id, group_id, \
         valid_from, status, reason, granted_at, updated_at) VALUES ({id}, 1, 1, {account}, \
         {group}, '2026-01-15', '{status}', 'instruction', {NOW}, {NOW})"
    )
}

fn admin_role(
    id: i64,
    account: i64,
    kind: &str,
    fund: &str,
    partner: &str,
    revoked: &str,
) -> String {
    format!(
        "INSERT INTO admin_role (id, account_id, kind, fund_id, partner_id, granted_at, revoked_at) \
         VALUES ({id}, {account}, '{kind}', {fund}, {partner}, {NOW}, {revoked})"
    )
}

fn partner(id: i64, fund: &str, status: &str) -> String {
    format!(
        "INSERT INTO partner (id, fund_id, third_party_number, name, kind, status, created_at, \
         updated_at) VALUES ({id}, {fund}, '79b0000{id}', 'Crèche', 'other', '{status}', {NOW}, {NOW})"
    )
}

fn account(id: i64, login: &str) -> String {
    format!(
        "INSERT INTO account (id, subject, fund_id, login, given_name, family_name, attributes, \
         created_at, updated_at) VALUES ({id}, 'sub-{id}', 1, '{login}', 'Claire', 'Dupont', '{{}}', \
         {NOW}, {NOW})"
    )
}

/// A quota on the fixture's only role, hence only one can be stored.
fn quota(id: i64, max_holders: i64) -> String {
    format!(
        "INSERT INTO role_quota (id, subscription_id, service_role_id, max_holders) \
         VALUES ({id}, 1, 1, {max_holders})"
    )
}

fn usage(id: i64, partner: &str) -> String {
    format!(
        "INSERT INTO usage_monthly (id, month, fund_id, partner_id) VALUES ({id}, '2026-01', 1, {partner})"
    )
}

/// The cases, run in order on the fixture (accepted rows stay, so later cases see them).
#[rustfmt::skip] // A table reads best one case per line.
fn cases() -> Vec<(&'static str, Expect, String)> {
    use Expect::{Accepted, Check, ForeignKey, Unique};
    let head = |id, account, kind, revoked| admin_role(id, account, kind, "NULL", "1", revoked);
    let operator = |id, account, fund, partner| admin_role(id, account, "fund_operator", fund, partner, "NULL");
    vec![
        ("2nd active principal",       Unique,     head(10, 2, "principal_admin", "NULL")),
        ("revoked principal",          Accepted,   head(11, 2, "principal_admin", NOW)),
        ("1st deputy",                 Accepted,   head(12, 2, "deputy_admin", "NULL")),
        ("2nd active deputy",          Unique,     head(13, 1, "deputy_admin", "NULL")),
        ("unknown role kind",          Check,      head(14, 1, "super_admin", "NULL")),
        ("fund operator",              Accepted,   operator(15, 2, "1", "NULL")),
        ("same fund operator",         Unique,     operator(16, 2, "1", "NULL")),
        ("operator of a partner",      Check,      operator(17, 1, "1", "1")),
        ("manager of no partner",      Check,      admin_role(18, 1, "delegated_manager", "1", "NULL", "NULL")),
        ("grant to an account",        Accepted,   habilitation(1, "1", "NULL", "active")),
        ("grant to a group",           Accepted,   habilitation(2, "NULL", "1", "active")),
        ("grant to account and group", Check,      habilitation(3, "1", "1", "active")),
        ("grant to nobody",            Check,      habilitation(4, "NULL", "NULL", "active")),
        ("grant with bad status",      Check,      habilitation(5, "1", "NULL", "revoked")),
        ("grant to unknown account",   ForeignKey, habilitation(6, "999", "NULL", "active")),
        ("partner with bad status",    Check,      partner(2, "1", "closed")),
        ("partner of unknown fund",    ForeignKey, partner(3, "999", "active")),
        ("delete a fund in use",       ForeignKey, "DELETE FROM fund WHERE id = 1".to_owned()),
        ("login with capitals",        Check,      account(3, "CDupont")),
        ("login in lower case",        Accepted,   account(4, "cdupont")),
        ("negative quota",             Check,      quota(1, -1)),
        ("zero quota",                 Accepted,   quota(2, 0)),
        ("fund-wide usage",            Accepted,   usage(1, "NULL")),
        ("2nd fund-wide usage",        Unique,     usage(2, "NULL")),
        ("usage of a partner",         Accepted,   usage(3, "1")),
        ("2nd usage of a partner",     Unique,     usage(4, "1")),
    ]
}

async fn invariants(db: &DatabaseConnection) {
    Migrator::up(db, None).await.unwrap();
    for sql in fixture() {
        db.execute_unprepared(&sql)
            .await
            .unwrap_or_else(|e| panic!("fixture failed: {e}\n{sql}"));
    }
    for (what, expect, sql) in cases() {
        let outcome: Result<_, DbErr> = db.execute_unprepared(&sql).await;
        match (expect, outcome) {
            (Expect::Accepted, Ok(_)) => {}
            (Expect::Accepted, Err(e)) => panic!(
                "{what}: rejected: {e}
{sql}"
            ),
            (_, Ok(_)) => panic!(
                "{what}: accepted, expected a {expect:?} violation
{sql}"
            ),
            (_, Err(e)) => {
                let message = e.to_string().to_lowercase();
                assert!(
                    message.contains(expect.words()),
                    "{what}: wrong error {message}
{sql}"
                );
            }
        }
    }
}

#[tokio::test]
async fn up_down_up_on_sqlite() {
    let test = TestDb::sqlite().await;
    up_down_up(&test.db).await;
    test.finish().await;
}

#[tokio::test]
async fn up_down_up_on_postgres() {
    let Some(test) = TestDb::postgres("up_down_up_on_postgres").await else {
        return;
    };
    up_down_up(&test.db).await;
    test.finish().await;
}

#[tokio::test]
async fn schema_invariants_on_sqlite() {
    let test = TestDb::sqlite().await;
    invariants(&test.db).await;
    test.finish().await;
}

#[tokio::test]
async fn schema_invariants_on_postgres() {
    let Some(test) = TestDb::postgres("schema_invariants_on_postgres").await else {
        return;
    };
    invariants(&test.db).await;
    test.finish().await;
}
