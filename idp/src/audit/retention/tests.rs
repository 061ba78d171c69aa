#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use time::macros::datetime;

use super::*;
use crate::audit::chain::{self, BreakReason};
use crate::audit::{Outcome, verify};
use crate::clock::{Clock, ManualClock};
use crate::config::Config;
use crate::habilitation::tests::{agent_holding, grant_of};
use crate::habilitation::{self, Subject};
use crate::testing::{self, T0, actor};

fn policy() -> Policy {
    Policy::from_config(&Config::defaults().unwrap().retention)
}

#[test]
fn cutoffs_follow_the_configured_periods() {
    let p = policy();
    assert_eq!((p.connection_days, p.habilitation_years), (183, 6));
    let now = datetime!(2026-11-30 09:00 UTC);
    assert_eq!(p.connection_cutoff(now), datetime!(2026-05-31 09:00 UTC));
    assert_eq!(p.habilitation_cutoff(now), datetime!(2020-11-30 09:00 UTC));
    assert_eq!(
        years_before(datetime!(2028-02-29 12:00 UTC), 6),
        datetime!(2022-02-28 12:00 UTC)
    );
}

/// One login-like event (connection trace) and one administrative event.
async fn write(db: &Db, clock: &ManualClock, action: Action, n: i64) {
    let tx = db.begin_write().await.unwrap();
    let event = Event::new(action, &actor())
        .target("account", format!("79a69243.agent{n}"))
        .fund(1)
        .source(crate::audit::Source {
            ip: Some("192.0.2.7".into()),
            request_id: Some(format!("req-{n}")),
        })
        .outcome(Outcome::Success)
        .details(serde_json::json!({ "client": "cdap", "n": n }));
    crate::audit::record(&tx, clock.now(), event).await.unwrap();
    tx.commit().await.unwrap();
}

/// Ten events a day for 30 days, logins interleaved with administrative actions.
async fn interleaved(db: &Db, clock: &ManualClock) {
    for day in 0..30 {
        for n in 0..10 {
            let a = if n % 3 == 0 {
                action::PARTNER_UPDATE
            } else if n % 3 == 1 {
                action::LOGIN_SUCCEED
            } else {
                action::TOKEN_ISSUE
            };
            write(db, clock, a, day * 10 + n).await;
        }
        clock.advance(Duration::days(1));
    }
}

async fn purge_keeps_the_chain_verifiable(db: &Db) {
    let clock = ManualClock::new(T0);
    interleaved(db, &clock).await;
    assert_eq!(verify(db).await.unwrap().checked, 300);

    // 190 days after the start: the first 7 days (183-day period) of connection traces expire.
    clock.set(T0 + Duration::days(190));
    let p = policy();
    let dry = purge(db, clock.now(), &actor(), &p, true).await.unwrap();
    assert_eq!(
        (dry.connection, dry.habilitation, dry.dry_run),
        (7 * 6, 0, true)
    );
    assert_eq!(store::audit::seals(db).await.unwrap(), vec![]);

    let report = purge(db, clock.now(), &actor(), &p, false).await.unwrap();
    assert_eq!(report.total(), dry.total());
    assert_eq!(report.purge_event_id, Some(301));
    let rows = store::audit::page(db, 0, 1_000).await.unwrap();
    let tombstones: Vec<&Record> = rows.iter().filter(|r| r.purged_by.is_some()).collect();
    assert_eq!(tombstones.len() as u64, report.total());
    for t in &tombstones {
        assert!(["login.succeed", "token.issue"].contains(&t.action.as_str()));
        assert!(t.occurred_at < p.connection_cutoff(clock.now()));
        assert_eq!(
            (t.target_id.as_deref(), t.source_ip.as_deref()),
            (None, None)
        );
        assert_eq!((t.details.as_str(), t.actor_label.as_str()), ("{}", ""));
        assert_eq!(t.purged_by, Some(301));
    }
    // Administrative events and recent connections are untouched.
    let kept_admin = rows
        .iter()
        .filter(|r| r.action == "partner.update" && r.purged_by.is_none())
        .count();
    assert_eq!(kept_admin, 120);
    let seal = &store::audit::seals(db).await.unwrap()[0];
    assert_eq!(seal.purged_count as u64, report.total());
    assert_eq!(Some(seal.up_to_event_id), report.up_to_event_id);
    let purge_event = rows.last().unwrap();
    assert_eq!(purge_event.action, "audit.purge");
    assert!(purge_event.details.contains("\"purged\":42"));

    // The chain with its tombstones verifies, purge event included.
    let v = verify(db).await.unwrap();
    assert_eq!((v.checked, v.first_break), (301, None));

    // A second purge the same day finds nothing and writes nothing.
    let again = purge(db, clock.now(), &actor(), &p, false).await.unwrap();
    assert_eq!((again.total(), again.purge_event_id), (0, None));
    assert_eq!(verify(db).await.unwrap().checked, 301);

    // Later: more expires, a second seal; the chain still verifies.
    clock.advance(Duration::days(10));
    write(db, &clock, action::LOGIN_FAIL, 999).await;
    let second = purge(db, clock.now(), &actor(), &p, false).await.unwrap();
    assert_eq!(second.connection, 17 * 6 - 7 * 6);
    assert_eq!(second.purge_event_id, Some(303));
    assert_eq!(store::audit::seals(db).await.unwrap().len(), 2);
    assert_eq!(verify(db).await.unwrap().first_break, None);
}

#[tokio::test]
async fn purge_keeps_the_chain_verifiable_on_sqlite() {
    let db = testing::sqlite().await;
    purge_keeps_the_chain_verifiable(&db).await;
}

#[tokio::test]
async fn purge_keeps_the_chain_verifiable_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    purge_keeps_the_chain_verifiable(&pg.db).await;
    pg.cleanup().await;
}

#[tokio::test]
async fn tampering_after_a_purge_is_still_detected() {
    type Expect = fn(&BreakReason) -> bool;
    // After the purge: events 1..=300, tombstones among the first 70, purge event 301.
    // Event 1 (partner.update, kept), 2 (login, purged), 250 (partner.update, kept).
    let cases: [(&str, i64, Expect); 6] = [
        (
            "UPDATE audit_event SET details = '{\"n\":-1}' WHERE id = 250",
            250,
            |r| *r == BreakReason::HashMismatch,
        ),
        ("DELETE FROM audit_event WHERE id = 250", 251, |r| {
            matches!(r, BreakReason::Gap { expected: 250 })
        }),
        (
            // A kept administrative event cleared as if purged.
            "UPDATE audit_event SET details = '{}', target_id = NULL, purged_by = 301 WHERE id = 1",
            1,
            |r| {
                *r == BreakReason::SealMismatch {
                    purge_event_id: 301,
                }
            },
        ),
        (
            // A kept event cleared outside any purge (no purge event claims it).
            "UPDATE audit_event SET details = '{}', purged_by = 400 WHERE id = 250",
            250,
            |r| {
                *r == BreakReason::SealMismatch {
                    purge_event_id: 400,
                }
            },
        ),
        (
            // A tombstone altered: its kept columns are covered by the seal's digest.
            "UPDATE audit_event SET outcome = 'failure' WHERE id = 2",
            2,
            |r| {
                *r == BreakReason::SealMismatch {
                    purge_event_id: 301,
                }
            },
        ),
        (
            // A tombstone deleted.
            "DELETE FROM audit_event WHERE id = 2",
            3,
            |r| matches!(r, BreakReason::Gap { expected: 2 }),
        ),
    ];
    for (sql, at, reason) in cases {
        let db = testing::sqlite().await;
        let clock = ManualClock::new(T0);
        interleaved(&db, &clock).await;
        clock.set(T0 + Duration::days(190));
        purge(&db, clock.now(), &actor(), &policy(), false)
            .await
            .unwrap();
        assert_eq!(verify(&db).await.unwrap().first_break, None, "{sql}");
        assert_eq!(db.execute_unprepared(sql).await.unwrap(), 1, "{sql}");
        let b = verify(&db).await.unwrap().first_break.expect(sql);
        assert_eq!(b.event_id, at, "{sql}: {b}");
        assert!(reason(&b.reason), "{sql}: {:?}", b.reason);
    }
}

#[tokio::test]
async fn habilitation_history_is_kept_six_years_after_its_end_on_sqlite() {
    let db = testing::sqlite().await;
    habilitation_history_is_kept_six_years_after_its_end(db).await;
}

#[tokio::test]
async fn habilitation_history_is_kept_six_years_after_its_end_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    habilitation_history_is_kept_six_years_after_its_end(pg.db.clone()).await;
    pg.cleanup().await;
}

async fn habilitation_history_is_kept_six_years_after_its_end(db: Db) {
    let fx = testing::fixture(&db).await;
    let (a, kept) = agent_holding(&db, &fx, "79a69243.ret", "T2").await;
    let gone = habilitation::grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T1", Subject::Account(a.id)),
    )
    .await
    .unwrap();
    let mut until = grant_of(&fx, "T5", Subject::Account(a.id));
    let last_day = T0.date() + Duration::days(60);
    until.valid_until = Some(last_day);
    let expiring = habilitation::grant(&db, T0, &actor(), until).await.unwrap();
    let withdrawn_at = T0 + Duration::days(30);
    habilitation::withdraw(&db, withdrawn_at, &actor(), &fx.partner, gone.id, "départ")
        .await
        .unwrap();
    let events_of = |id: i64| {
        let db = db.clone();
        async move {
            store::audit::page(&db, 0, 10_000)
                .await
                .unwrap()
                .into_iter()
                .filter(|r| r.target_kind.as_deref() == Some("habilitation"))
                .filter(|r| r.purged_by.is_none())
                .filter(|r| r.target_id == Some(id.to_string()))
                .count()
        }
    };
    assert_eq!((events_of(kept.id).await, events_of(gone.id).await), (1, 2));

    // Five years later nothing of it expires (only connection traces could).
    let p = policy();
    let r = purge(&db, T0 + Duration::days(5 * 365), &actor(), &p, false)
        .await
        .unwrap();
    assert_eq!(r.habilitation, 0);
    // Six years after the withdrawal (one day more): grant and withdrawal are cleared; the
    // habilitation still in force keeps its history however old.
    let later = withdrawn_at + Duration::days(6 * 365 + 3);
    let r = purge(&db, later, &actor(), &p, false).await.unwrap();
    assert_eq!((r.habilitation, r.connection), (2, 0));
    assert_eq!((events_of(kept.id).await, events_of(gone.id).await), (1, 0));
    assert_eq!(verify(&db).await.unwrap().first_break, None);
    // A habilitation that ended at its last day of validity: six years after that day.
    assert_eq!(events_of(expiring.id).await, 1);
    let after_expiry = last_day.midnight().assume_utc() + Duration::days(6 * 365 + 3);
    let r = purge(&db, after_expiry, &actor(), &p, false).await.unwrap();
    assert_eq!(r.habilitation, 1);
    assert_eq!(
        (events_of(kept.id).await, events_of(expiring.id).await),
        (1, 0)
    );
    assert_eq!(verify(&db).await.unwrap().first_break, None);
}

/// Writes `n` chained events (one login in two, the others administrative) over `n` seconds
/// from `T0`, in bulk.
async fn bulk_chain(db: &Db, n: i64) {
    let mut prev = chain::GENESIS_HASH.to_owned();
    let mut id = 0;
    while id < n {
        let mut batch = Vec::new();
        for _ in 0..10_000.min(n - id) {
            id += 1;
            let login = id % 2 == 0;
            let mut r = Record {
                id,
                occurred_at: chain::normalise_time(T0 + Duration::seconds(id)),
                actor_kind: "account".into(),
                actor_account_id: Some(id % 500),
                actor_label: format!("79a69243.agent{}", id % 500),
                action: if login {
                    "login.succeed"
                } else {
                    "partner.update"
                }
                .into(),
                target_kind: Some("account".into()),
                target_id: Some(format!("79a69243.agent{}", id % 500)),
                fund_id: Some(1),
                partner_id: Some(1),
                source_ip: Some("192.0.2.1".into()),
                request_id: Some(format!("req-{id}")),
                outcome: "success".into(),
                details: r#"{"client":"cdap","amr":["pwd"]}"#.into(),
                prev_hash: prev.clone(),
                hash: String::new(),
                purged_by: None,
            };
            r.hash = chain::compute_hash(&r.prev_hash, &r);
            prev.clone_from(&r.hash);
            batch.push(r);
        }
        let tx = db.begin_write().await.unwrap();
        store::audit::append_many(&tx, &batch).await.unwrap();
        tx.commit().await.unwrap();
    }
}

/// Benchmark of issue #8: verification of a 1,000,000-event trace, half of it purged into
/// tombstones. `HABILIS_BENCH_EVENTS` changes the size.
#[tokio::test]
#[ignore = "benchmark: cargo test -p idp --lib -- --ignored --nocapture verify_a_large_trace"]
async fn verify_a_large_trace() {
    let n: i64 = std::env::var("HABILIS_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (db, _dir) = testing::sqlite_file().await;
    let start = std::time::Instant::now();
    bulk_chain(&db, n).await;
    eprintln!("wrote {n} events in {:.1?}", start.elapsed());

    let start = std::time::Instant::now();
    let v = verify(&db).await.unwrap();
    let plain = start.elapsed();
    assert_eq!(
        (v.checked, v.first_break),
        (u64::try_from(n).unwrap(), None)
    );
    eprintln!(
        "verified {n} events in {plain:.1?} ({:.0} events/s)",
        n as f64 / plain.as_secs_f64()
    );

    let start = std::time::Instant::now();
    let later = T0 + Duration::seconds(n) + Duration::days(200);
    let r = purge(&db, later, &actor(), &policy(), false).await.unwrap();
    assert_eq!(r.connection, u64::try_from(n / 2).unwrap());
    eprintln!("purged {} events in {:.1?}", r.connection, start.elapsed());

    let start = std::time::Instant::now();
    let v = verify(&db).await.unwrap();
    let sealed = start.elapsed();
    assert_eq!(v.first_break, None);
    eprintln!(
        "verified {} events ({} tombstones) in {sealed:.1?} ({:.0} events/s)",
        v.checked,
        r.connection,
        v.checked as f64 / sealed.as_secs_f64()
    );
}
