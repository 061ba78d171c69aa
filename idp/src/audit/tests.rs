use time::macros::datetime;

use super::*;
use crate::config::Config;

async fn memory_db() -> Db {
    let mut config = Config::defaults().unwrap().database;
    config.url = crate::secret::Secret::new("sqlite::memory:");
    let db = Db::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    db
}

async fn write(db: &Db, n: usize) {
    let actor = Actor::cli();
    for i in 0..n {
        let tx = db.begin_write().await.unwrap();
        let event = Event::new(action::PARTNER_CREATE, &actor)
            .target("partner", i)
            .fund(1)
            .details(serde_json::json!({ "name": format!("Partner {i}"), "password": "hunter2" }));
        record(&tx, datetime!(2026-11-30 10:00:00.123456789 UTC), event)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn an_untouched_chain_verifies() {
    let db = memory_db().await;
    write(&db, 25).await;
    let report = verify(&db).await.unwrap();
    assert_eq!(report.checked, 25);
    assert_eq!(report.first_break, None);
}

#[tokio::test]
async fn an_empty_chain_verifies() {
    let db = memory_db().await;
    let report = verify(&db).await.unwrap();
    assert_eq!((report.checked, report.first_break), (0, None));
}

#[tokio::test]
async fn secrets_are_redacted_before_writing() {
    let db = memory_db().await;
    write(&db, 1).await;
    let rows = store::audit::page(&db, 0, 10).await.unwrap();
    assert!(!rows[0].details.contains("hunter2"), "{}", rows[0].details);
    assert!(rows[0].details.contains("Partner 0"));
}

#[tokio::test]
async fn tampering_is_reported_at_the_first_broken_link() {
    type Expect = fn(&chain::BreakReason) -> bool;
    let cases: [(&str, i64, Expect); 4] = [
        (
            "UPDATE audit_event SET details = '{\"name\":\"Forged\"}' WHERE id = 7",
            7,
            |r| *r == chain::BreakReason::HashMismatch,
        ),
        (
            "UPDATE audit_event SET outcome = 'failure' WHERE id = 3",
            3,
            |r| *r == chain::BreakReason::HashMismatch,
        ),
        ("DELETE FROM audit_event WHERE id = 5", 6, |r| {
            matches!(r, chain::BreakReason::Gap { expected: 5 })
        }),
        ("DELETE FROM audit_event WHERE id = 10", 9, |r| {
            *r == chain::BreakReason::HeadMismatch
        }),
    ];
    for (sql, at, reason) in cases {
        let db = memory_db().await;
        write(&db, 10).await;
        assert_eq!(db.execute_unprepared(sql).await.unwrap(), 1, "{sql}");
        let report = verify(&db).await.unwrap();
        let b = report.first_break.expect(sql);
        assert_eq!(b.event_id, at, "{sql}: {b}");
        assert!(reason(&b.reason), "{sql}: {b:?}");
    }
}

#[tokio::test]
async fn the_head_follows_every_inserted_event() {
    let db = memory_db().await;
    write(&db, 3).await;
    let rows = store::audit::page(&db, 0, 10).await.unwrap();
    assert_eq!(
        store::audit::head(&db).await.unwrap(),
        (3, rows[2].hash.clone())
    );
    // Event 3 replayed as event 4 by hand, in SQL: the head follows it all the same, so the
    // verification finds the forgery where it is, not as a head left behind.
    let replay = "INSERT INTO audit_event (id, occurred_at, actor_kind, actor_account_id, \
        actor_label, action, target_kind, target_id, fund_id, partner_id, source_ip, \
        request_id, outcome, details, prev_hash, hash) SELECT 4, occurred_at, actor_kind, \
        actor_account_id, actor_label, action, target_kind, target_id, fund_id, partner_id, \
        source_ip, request_id, outcome, details, prev_hash, hash FROM audit_event WHERE id = 3";
    assert_eq!(db.execute_unprepared(replay).await.unwrap(), 1);
    assert_eq!(
        store::audit::head(&db).await.unwrap(),
        (4, rows[2].hash.clone())
    );
    let report = verify(&db).await.unwrap();
    assert_eq!(report.first_break.map(|b| b.event_id), Some(4));
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_trace_and_no_gap() {
    let db = memory_db().await;
    write(&db, 2).await;
    let tx = db.begin_write().await.unwrap();
    record(
        &tx,
        datetime!(2026-11-30 10:00 UTC),
        Event::new(action::FUND_CREATE, &Actor::cli()),
    )
    .await
    .unwrap();
    drop(tx);
    write(&db, 1).await;
    let report = verify(&db).await.unwrap();
    assert_eq!((report.checked, report.first_break), (3, None));
}

#[test]
fn hashes_cover_every_field() {
    let base = Record {
        id: 1,
        occurred_at: datetime!(2026-11-30 10:00 UTC),
        actor_kind: "cli".into(),
        actor_account_id: None,
        actor_label: "cli:root".into(),
        action: "fund.create".into(),
        target_kind: Some("fund".into()),
        target_id: Some("caf-79".into()),
        fund_id: Some(1),
        partner_id: None,
        source_ip: None,
        request_id: None,
        outcome: "success".into(),
        details: "{}".into(),
        prev_hash: chain::GENESIS_HASH.into(),
        hash: String::new(),
        purged_by: None,
    };
    let h = chain::compute_hash(chain::GENESIS_HASH, &base);
    let variants: Vec<Record> = vec![
        Record {
            id: 2,
            ..base.clone()
        },
        Record {
            occurred_at: datetime!(2026-11-30 10:00:01 UTC),
            ..base.clone()
        },
        Record {
            actor_kind: "system".into(),
            ..base.clone()
        },
        Record {
            actor_account_id: Some(4),
            ..base.clone()
        },
        Record {
            actor_label: "x".into(),
            ..base.clone()
        },
        Record {
            action: "fund.delete".into(),
            ..base.clone()
        },
        Record {
            target_kind: None,
            ..base.clone()
        },
        Record {
            target_id: Some("caf-80".into()),
            ..base.clone()
        },
        Record {
            fund_id: Some(2),
            ..base.clone()
        },
        Record {
            partner_id: Some(1),
            ..base.clone()
        },
        Record {
            source_ip: Some("10.0.0.1".into()),
            ..base.clone()
        },
        Record {
            request_id: Some("r".into()),
            ..base.clone()
        },
        Record {
            outcome: "failure".into(),
            ..base.clone()
        },
        Record {
            details: "{\"a\":1}".into(),
            ..base.clone()
        },
    ];
    for v in &variants {
        assert_ne!(chain::compute_hash(chain::GENESIS_HASH, v), h, "{v:?}");
    }
    assert_ne!(chain::compute_hash("ff", &base), h);
}
