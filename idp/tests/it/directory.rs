//! `idp directory reconcile` against a real OpenLDAP slapd started by the test (the harness is
//! shared with the directory-sync crate's own tests).

#[path = "../../../directory-sync/tests/it/slapd.rs"]
mod slapd;

use idp::config::{Config, DirectorySettings};
use idp::secret::Secret;
use time::macros::datetime;

fn settings(slapd: &slapd::Slapd) -> DirectorySettings {
    let mut s = Config::load(None).unwrap().directory;
    s.enabled = true;
    s.url = slapd.url();
    s.bind_dn = slapd::ROOT_DN.to_owned();
    s.bind_password = Secret::new(slapd::ROOT_PW);
    s.base_dn = format!("ou=extranautes,{}", slapd::SUFFIX);
    s.pool_size = 2;
    s
}

async fn demo_db(dir: &std::path::Path) -> idp::store::Db {
    let mut c = Config::load(None).unwrap().database;
    c.url = Secret::new(format!(
        "sqlite://{}?mode=rwc",
        dir.join("d.sqlite").display()
    ));
    let db = idp::store::Db::connect(&c).await.unwrap();
    db.migrate().await.unwrap();
    idp::demo::seed(&db, datetime!(2026-11-30 09:00 UTC))
        .await
        .unwrap();
    db
}

#[tokio::test]
async fn reconcile_writes_the_demo_then_changes_nothing() {
    let slapd = slapd::Slapd::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path()).await;
    let s = settings(&slapd);
    let today = time::macros::date!(2026 - 11 - 30);

    let dry = idp::directory::reconcile(&db, &s, today, true)
        .await
        .unwrap();
    assert!(dry.added > 0 && dry.dry_run);
    let first = idp::directory::reconcile(&db, &s, today, false)
        .await
        .unwrap();
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    // Base, 5 funds with their role containers, 5 partners, and one role group per role
    // (CDAP has 5 roles, the other four services one each).
    assert_eq!(first.added, 1 + 5 * 2 + 5 + 9, "{first:?}");
    let second = idp::directory::reconcile(&db, &s, today, false)
        .await
        .unwrap();
    assert_eq!(
        (second.added, second.modified, second.deleted),
        (0, 0, 0),
        "a second run changes nothing"
    );
}

#[tokio::test]
async fn a_disabled_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path()).await;
    let s = Config::load(None).unwrap().directory;
    let err = idp::directory::reconcile(&db, &s, time::macros::date!(2026 - 11 - 30), false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("directory.enabled"), "{err}");
}
