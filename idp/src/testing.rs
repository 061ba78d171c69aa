//! Test support shared by the crate's unit and service tests: fresh databases (SQLite, and
//! PostgreSQL when `HABILIS_TEST_POSTGRES_URL` is set) with the real migrations, and a
//! fixture of one fund, one service, one partner and one active convention.

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;
use time::macros::{date, datetime};

use crate::actor::Actor;
use crate::config::{Config, DatabaseConfig};
use crate::convention::lifecycle::{ConventionAction, ManagementMode};
use crate::convention::number::ConventionNumber;
use crate::convention::{self, Convention, NewConvention};
use crate::fund::{self, Fund, FundCode, FundKind, LoginPolicy, NewFund};
use crate::partner::{self, NewPartner, Partner};
use crate::secret::Secret;
use crate::service::{self, NewRole, NewService, Service, ServiceCode};
use crate::store::Db;
use crate::subscription::{self, Subscription, SubscriptionInput};
use crate::territory::{DepartementCode, Territory};

/// The instant fixtures are created at.
pub(crate) const T0: OffsetDateTime = datetime!(2026-11-30 09:00 UTC);

fn db_config(url: &str) -> DatabaseConfig {
    let mut c = Config::defaults().expect("defaults load").database;
    c.url = Secret::new(url);
    c
}

/// A fresh, migrated in-memory SQLite database (one connection).
pub(crate) async fn sqlite() -> Db {
    let db = Db::connect(&db_config("sqlite::memory:"))
        .await
        .expect("sqlite");
    db.migrate().await.expect("migrate");
    db
}

/// A fresh, migrated SQLite file with a pool of connections (concurrency tests).
#[allow(dead_code, reason = "used by the concurrency tests of habilitations")]
pub(crate) async fn sqlite_file() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.sqlite").display()
    );
    let db = Db::connect(&db_config(&url)).await.expect("sqlite file");
    db.migrate().await.expect("migrate");
    (db, dir)
}

/// A fresh PostgreSQL database, dropped by [`PgDb::cleanup`].
#[derive(Debug)]
pub(crate) struct PgDb {
    /// The migrated database.
    pub(crate) db: Db,
    admin: Db,
    name: String,
}

impl PgDb {
    /// Drops the database (a panicking test leaves it behind; `scripts/test.sh` removes
    /// leftovers before each run).
    pub(crate) async fn cleanup(self) {
        let _ = self.db.close().await;
        let _ = self
            .admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await;
    }
}

/// A fresh, migrated PostgreSQL database, or `None` (with a note) when
/// `HABILIS_TEST_POSTGRES_URL` is unset.
pub(crate) async fn postgres() -> Option<PgDb> {
    let Ok(base) = std::env::var("HABILIS_TEST_POSTGRES_URL") else {
        eprintln!("note: HABILIS_TEST_POSTGRES_URL unset, PostgreSQL variant skipped");
        return None;
    };
    let admin = Db::connect(&db_config(&base))
        .await
        .expect("postgres admin");
    let name = format!("habilis_test_{}", crate::secret::random_hex(6));
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    let (prefix, _) = base.rsplit_once('/').expect("URL with a database name");
    let db = Db::connect(&db_config(&format!("{prefix}/{name}")))
        .await
        .expect("postgres test db");
    db.migrate().await.expect("migrate");
    Some(PgDb { db, admin, name })
}

/// One fund (Caf 79), CDAP (T1, T2, T4 requiring an instructor number, T5, T18), a town
/// hall with an active convention on département 79, and its CDAP subscription.
#[derive(Debug, Clone)]
pub(crate) struct Fixture {
    /// The fund.
    pub(crate) fund: Fund,
    /// CDAP.
    pub(crate) service: Service,
    /// The partner.
    pub(crate) partner: Partner,
    /// Its active convention.
    pub(crate) convention: Convention,
    /// Its CDAP subscription (quotas T1=3, T2=10, T4=2, T5=1; T18 not opened).
    pub(crate) subscription: Subscription,
}

/// The actor of fixtures.
pub(crate) fn actor() -> Actor {
    Actor::Cli {
        os_user: "test".into(),
    }
}

/// Creates a fund `code` with partner `third_party` and an active convention `number`.
pub(crate) async fn fixture_named(db: &Db, code: &str, third_party: &str, number: &str) -> Fixture {
    let a = actor();
    let fund = fund::create(
        db,
        T0,
        &a,
        NewFund {
            code: FundCode::parse(code).unwrap(),
            name: format!("Caisse {code}"),
            kind: FundKind::Caf,
            departements: BTreeSet::from([DepartementCode::parse("79").unwrap()]),
            login_policy: LoginPolicy::Generated,
        },
    )
    .await
    .unwrap();
    let roles = [
        "T1",
        "T2",
        "T4:Profil T4:instructor_number:Numéro d'instructeur",
        "T5",
        "T18",
    ]
    .iter()
    .map(|r| NewRole::parse_spec(r).unwrap())
    .collect();
    let service = service::create(
        db,
        T0,
        &a,
        &fund,
        NewService {
            code: ServiceCode::parse("cdap").unwrap(),
            name: "CDAP".into(),
            description: String::new(),
            roles,
        },
    )
    .await
    .unwrap();
    let partner = partner::create(
        db,
        T0,
        &a,
        &fund,
        NewPartner::parse(
            third_party,
            Some("21790191700013"),
            "Mairie de Niort",
            "commune",
            None,
        )
        .unwrap(),
    )
    .await
    .unwrap();
    let number = ConventionNumber::parse(number).unwrap();
    convention::create(
        db,
        T0,
        &a,
        &fund,
        &partner,
        NewConvention {
            number: number.clone(),
            signed_on: Some(date!(2017 - 03 - 01)),
            effective_from: date!(2017 - 03 - 01),
            management_mode: ManagementMode::Delegated,
            mission: "Quotient familial".into(),
            territory: Territory::parse_list("79").unwrap(),
        },
    )
    .await
    .unwrap();
    let convention =
        convention::apply(db, T0, &a, &fund, &number, ConventionAction::Activate, None)
            .await
            .unwrap()
            .convention;
    let subscription = subscription::set(
        db,
        T0,
        &a,
        &convention,
        &service,
        SubscriptionInput {
            opened_on: date!(2017 - 03 - 01),
            total_quota: None,
            quotas: vec![
                ("T1".into(), 3),
                ("T2".into(), 10),
                ("T4".into(), 2),
                ("T5".into(), 1),
            ],
        },
    )
    .await
    .unwrap();
    Fixture {
        fund,
        service,
        partner,
        convention,
        subscription,
    }
}

/// The default fixture (`caf-79`, partner `79A69243`, convention `79-2017-19`).
pub(crate) async fn fixture(db: &Db) -> Fixture {
    fixture_named(db, "caf-79", "79A69243", "79-2017-19").await
}

/// Awaits racing tasks that each return their outcome ("ok" or an error code) and asserts that
/// exactly `winners` succeeded and that every other one was refused with `refusal`.
pub(crate) async fn assert_race(
    tasks: Vec<tokio::task::JoinHandle<&'static str>>,
    winners: usize,
    refusal: &'static str,
) {
    let total = tasks.len();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for t in tasks {
        *counts.entry(t.await.unwrap()).or_default() += 1;
    }
    assert_eq!(
        counts,
        BTreeMap::from([("ok", winners), (refusal, total - winners)])
    );
}
