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
    let accounts = Config::load(None).unwrap().accounts;
    idp::demo::seed(&db, datetime!(2026-11-30 09:00 UTC), &accounts)
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
    // Base, 5 funds with their role containers, 5 partners, one role group per role (CDAP has
    // 5 roles, the other four services one each), and the 12 demo agents and administrators.
    assert_eq!(first.added, 1 + 5 * 2 + 5 + 9 + 12, "{first:?}");

    // The role groups list today's holders; the agents carry their département and bundle.
    let directory = directory_sync::apply::Directory::new(
        idp::directory::connection(&s),
        std::sync::Arc::new(directory_sync::metrics::Metrics::new()),
    )
    .unwrap();
    let layout = idp::directory::layout(&s).unwrap();
    let t2 = directory
        .read_entry(&layout.role_group_dn("caf-79", "cdap", "T2"))
        .await
        .unwrap()
        .expect("cn=cdap-T2");
    let members: Vec<String> = t2.values("member").map(|v| v.to_lowercase()).collect();
    assert_eq!(members.len(), 1, "{members:?}");
    assert!(
        members[0].starts_with("uid=79caf0191.sdurand,"),
        "{members:?}"
    );
    let agent = directory
        .read_entry(&layout.account_dn("caf-79", "79CAF0191", "79caf0191.sdurand"))
        .await
        .unwrap()
        .expect("the agent's entry");
    assert_eq!(
        agent.values("departmentNumber").collect::<Vec<_>>(),
        vec!["79"]
    );
    assert_eq!(
        agent.values("businessCategory").collect::<Vec<_>>(),
        vec!["cdap"]
    );
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

#[tokio::test]
async fn the_outbox_survives_a_directory_outage_and_converges() {
    use idp::convention::lifecycle::ConventionAction;
    use idp::convention::number::ConventionNumber;
    use idp::fund::FundCode;

    let mut slapd = slapd::Slapd::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path()).await;
    let s = settings(&slapd);
    let metrics = std::sync::Arc::new(directory_sync::metrics::Metrics::new());
    let worker = idp::directory::Worker::new(&s, metrics.clone()).unwrap();
    let t0 = datetime!(2026-11-30 09:00 UTC);

    // The demo's creations were queued in their transactions; one drain applies them all.
    let r = worker.drain(&db, t0).await.unwrap();
    assert!(r.applied >= 20 && !r.stalled && r.rejected == 0, "{r:?}");
    let check = idp::directory::reconcile(&db, &s, t0.date(), true)
        .await
        .unwrap();
    assert_eq!(
        (check.added, check.modified, check.deleted),
        (0, 0, 0),
        "{check:?}"
    );

    // The directory goes down; a convention is suspended meanwhile.
    slapd.stop();
    let fund = idp::fund::find(&db, &FundCode::parse("caf-79").unwrap())
        .await
        .unwrap();
    let number = ConventionNumber::parse("79-2017-19").unwrap();
    idp::convention::apply(
        &db,
        t0,
        &idp::actor::Actor::cli(),
        &fund,
        &number,
        ConventionAction::Suspend,
        Some("audit"),
    )
    .await
    .unwrap();
    let r = worker.drain(&db, t0).await.unwrap();
    assert!(r.stalled && r.applied == 0, "{r:?}");
    let stats = idp::store::outbox::stats(&db).await.unwrap();
    assert_eq!((stats.pending, stats.failing), (1, 1));
    assert!(metrics.snapshot().queue_length == 1);

    // Still down a few passes later: nothing is lost.
    let later = t0 + time::Duration::minutes(10);
    assert!(worker.drain(&db, later).await.unwrap().stalled);
    assert_eq!(idp::store::outbox::stats(&db).await.unwrap().pending, 1);

    // Back up: the next pass after the backoff converges.
    slapd.restart().await;
    let back = later + time::Duration::minutes(10);
    let r = worker.drain(&db, back).await.unwrap();
    assert_eq!((r.applied, r.stalled), (1, false), "{r:?}");
    assert_eq!(idp::store::outbox::stats(&db).await.unwrap().pending, 0);
    let check = idp::directory::reconcile(&db, &s, back.date(), true)
        .await
        .unwrap();
    assert_eq!(
        (check.added, check.modified, check.deleted),
        (0, 0, 0),
        "{check:?}"
    );

    // The suspension shows: the convention's holders left the role groups; accounts stay.
    let directory = directory_sync::apply::Directory::new(
        idp::directory::connection(&s),
        std::sync::Arc::new(directory_sync::metrics::Metrics::new()),
    )
    .unwrap();
    let layout = idp::directory::layout(&s).unwrap();
    let t2 = directory
        .read_entry(&layout.role_group_dn("caf-79", "cdap", "T2"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !t2.values("member")
            .any(|m| m.to_lowercase().starts_with("uid="))
    );
    let agent = directory
        .read_entry(&layout.account_dn("caf-79", "79CAF0191", "79caf0191.sdurand"))
        .await
        .unwrap()
        .expect("accounts are never deleted");
    assert_eq!(agent.values("businessCategory").count(), 0);
}
