#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::config::Config;
use crate::testing::{self, T0};

fn settings() -> ThrottleSettings {
    ThrottleSettings::from_config(&Config::defaults().unwrap().accounts)
}

#[test]
fn delays_grow_from_the_fifth_failure_and_are_capped() {
    let s = settings();
    let got: Vec<i64> = (0..14).map(|n| delay(&s, n).whole_seconds()).collect();
    assert_eq!(got, [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
}

#[test]
fn the_tenth_failure_locks_and_restarts_the_count() {
    let s = settings();
    let mut c = Counter::default();
    let mut t = T0;
    for n in 1..=9 {
        let (next, locked) = after_failure(&s, c, t);
        assert!(!locked, "{n}");
        assert_eq!(next.failures, n);
        c = next;
        t += delay(&s, n);
        assert_eq!(gate(&s, &c, t), Gate::Open, "{n}");
    }
    let (c, locked) = after_failure(&s, c, t);
    assert!(locked);
    assert_eq!(c.failures, 0);
    assert_eq!(
        gate(&s, &c, t + Duration::seconds(899)),
        Gate::Locked {
            until: t + Duration::seconds(900)
        }
    );
    assert_eq!(gate(&s, &c, t + Duration::seconds(900)), Gate::Open);
}

#[test]
fn windows_are_aligned() {
    let s = settings();
    let t = T0 + Duration::seconds(59);
    assert_eq!(window_start(&s, t), T0);
    assert_eq!(
        window_start(&s, T0 + Duration::seconds(60)),
        T0 + Duration::seconds(60)
    );
}

async fn counters_body(db: &Db, throttle: &Throttle) {
    let fx = testing::fixture(db).await;
    let a = crate::account::test_support::agent(db, &fx, "Anne", "Martin").await;
    let id = a.account.id;
    assert_eq!(throttle.counter(db, id).await.unwrap(), Counter::default());
    let mut t = T0;
    for n in 1..=10u32 {
        let tx = db.begin_write().await.unwrap();
        let (c, locked) = throttle.record_failure(&tx, id, t).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(locked, n == 10, "{n}");
        assert_eq!(c.failures, if n == 10 { 0 } else { n });
        t += Duration::seconds(1);
    }
    let c = throttle.counter(db, id).await.unwrap();
    assert_eq!(c.locked_until, Some(T0 + Duration::seconds(9 + 900)));
    assert!(matches!(
        throttle.gate(db, id, t).await.unwrap(),
        Gate::Locked { .. }
    ));
    let tx = db.begin_write().await.unwrap();
    throttle.clear(&tx, id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(throttle.gate(db, id, t).await.unwrap(), Gate::Open);
    // Source buckets: 30 per window, per key.
    for n in 1..=31 {
        let ok = throttle
            .hit_source(db, "login", Some("203.0.113.9"), T0)
            .await
            .unwrap();
        assert_eq!(ok, n <= 30, "{n}");
    }
    assert!(
        throttle
            .hit_source(db, "login", Some("203.0.113.10"), T0)
            .await
            .unwrap()
    );
    assert!(
        throttle
            .hit_source(db, "reset", Some("203.0.113.9"), T0)
            .await
            .unwrap()
    );
    let next = T0 + Duration::seconds(60);
    assert!(
        throttle
            .hit_source(db, "login", Some("203.0.113.9"), next)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn database_counters_on_sqlite() {
    let db = testing::sqlite().await;
    counters_body(&db, &Throttle::database(settings())).await;
}

#[tokio::test]
async fn database_counters_on_postgres() {
    if let Some(pg) = testing::postgres().await {
        counters_body(&pg.db, &Throttle::database(settings())).await;
        pg.cleanup().await;
    }
}

/// The real Redis of the test machine (`HABILIS_TEST_REDIS_URL`, default
/// `redis://127.0.0.1:6379`), under a random prefix so that runs never meet.
pub(crate) async fn redis_or_skip() -> Option<crate::redis::Redis> {
    let url = std::env::var("HABILIS_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    match crate::redis::connect_url(&url).await {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("note: Redis unreachable at {url} ({e}), Redis variant skipped");
            None
        }
    }
}

#[tokio::test]
async fn redis_counters() {
    let Some(conn) = redis_or_skip().await else {
        return;
    };
    let prefix = format!("habilis-test:{}:", crate::secret::random_hex(6));
    let db = testing::sqlite().await;
    counters_body(&db, &Throttle::redis(settings(), conn, &prefix)).await;
}

#[tokio::test]
async fn concurrent_failures_are_all_counted_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    let db = &pg.db;
    let fx = testing::fixture(db).await;
    let a = crate::account::test_support::agent(db, &fx, "Paul", "Girard").await;
    let throttle = Throttle::database(settings());
    let id = a.account.id;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (db, throttle) = (db.clone(), throttle.clone());
            tokio::spawn(async move {
                let tx = db.begin_write().await.unwrap();
                throttle.record_failure(&tx, id, T0).await.unwrap();
                tx.commit().await.unwrap();
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(throttle.counter(db, id).await.unwrap().failures, 8);
    pg.cleanup().await;
}

/// Source buckets are counted by one upsert: 64 concurrent hits from one address, as from
/// several nodes, are each counted once; the next window starts again at 1, and a late hit
/// dated in the older window does not reset the newer one.
async fn concurrent_source_hits(db: &Db) {
    let throttle = Throttle::database(settings());
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (db, throttle) = (db.clone(), throttle.clone());
            tokio::spawn(async move {
                throttle
                    .hit_source(&db, "login", Some("198.51.100.7"), T0)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        allowed += usize::from(t.await.unwrap());
    }
    assert_eq!(allowed, 30, "exactly the limit of the window");
    let key = "login:ip:198.51.100.7";
    let start = super::window_start(throttle.settings(), T0);
    let next = start + Duration::seconds(60);
    assert_eq!(
        store::credential::hit_bucket(db, key, next).await.unwrap(),
        1
    );
    assert_eq!(
        store::credential::hit_bucket(db, key, start).await.unwrap(),
        2
    );
    assert_eq!(
        store::credential::hit_bucket(db, key, next).await.unwrap(),
        3
    );
}

#[tokio::test]
async fn concurrent_source_hits_on_sqlite() {
    let (db, _dir) = testing::sqlite_file().await;
    concurrent_source_hits(&db).await;
}

#[tokio::test]
async fn concurrent_source_hits_on_postgres() {
    if let Some(pg) = testing::postgres().await {
        concurrent_source_hits(&pg.db).await;
        pg.cleanup().await;
    }
}
