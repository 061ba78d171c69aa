#![allow(clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::*;
use crate::account::{NewAccount, create};
use crate::config::Config;
use crate::testing::{self, T0, actor};

/// The database store always; Redis too when `HABILIS_TEST_REDIS_URL` is set.
async fn backends(db_sessions: Sessions) -> Vec<Sessions> {
    let mut all = vec![db_sessions.clone()];
    match std::env::var("HABILIS_TEST_REDIS_URL") {
        Ok(url) => {
            let conn = crate::redis::connect_url(&url).await.unwrap();
            let prefix = format!("habilis-test-{}:", crate::secret::random_hex(6));
            all.push(Sessions::with_redis_prefix(
                db_sessions.settings().clone(),
                Some(conn),
                &prefix,
            ));
        }
        Err(_) => eprintln!("note: HABILIS_TEST_REDIS_URL unset, Redis sessions skipped"),
    }
    all
}

async fn setup() -> (Db, Sessions, i64) {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let config = Config::defaults().unwrap();
    let created = create(
        &db,
        T0,
        &actor(),
        &config.accounts,
        &fx.fund,
        &fx.partner,
        NewAccount {
            given_name: "Jean".into(),
            family_name: "Dupont".into(),
            email: None,
            unit: None,
        },
    )
    .await
    .unwrap();
    (db, Sessions::new(config.session), created.account.id)
}

fn pwd() -> Authentication {
    Authentication {
        auth_time: T0,
        acr: "eidas1".into(),
        amr: vec!["pwd".into()],
    }
}

#[tokio::test]
async fn idle_and_absolute_time_outs_with_a_controlled_clock() {
    let (db, sessions, account) = setup().await;
    for sessions in backends(sessions).await {
        time_outs(&db, &sessions, account).await;
    }
}

async fn time_outs(db: &Db, sessions: &Sessions, account: i64) {
    let db = db.clone();
    let (cookie, s) = sessions.start(&db, T0, account, pwd()).await.unwrap();
    assert_eq!(s.id.len(), 64);
    assert_ne!(s.id, cookie.expose(), "only the hash is stored");
    // 29 minutes later: still live, and the idle deadline moves.
    let t = T0 + Duration::minutes(29);
    let resumed = sessions
        .resume(&db, t, cookie.expose())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resumed.idle_expires_at, t + Duration::minutes(30));
    // 30 minutes after that visit: ended by inactivity (seed 003 art. 7).
    let idle = t + Duration::minutes(30);
    assert!(
        sessions
            .resume(&db, idle, cookie.expose())
            .await
            .unwrap()
            .is_none()
    );
    // A session kept active every 20 minutes ends at 12 hours anyway.
    let (cookie, _) = sessions.start(&db, T0, account, pwd()).await.unwrap();
    let mut t = T0;
    while t < T0 + Duration::hours(12) - Duration::minutes(20) {
        t += Duration::minutes(20);
        assert!(
            sessions
                .resume(&db, t, cookie.expose())
                .await
                .unwrap()
                .is_some(),
            "{t}"
        );
    }
    let late = T0 + Duration::hours(12);
    assert!(
        sessions
            .resume(&db, late, cookie.expose())
            .await
            .unwrap()
            .is_none()
    );
    // Garbage cookies are no sessions.
    for bad in ["", "abc", &"0".repeat(64)] {
        assert!(sessions.resume(&db, T0, bad).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn ending_is_traced_once_and_ends_every_session_of_an_account() {
    let (db, sessions, account) = setup().await;
    let all = backends(sessions).await;
    let n = all.len();
    for sessions in all {
        ending(&db, &sessions, account).await;
    }
    let ends = crate::store::audit::page(&db, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "session.end")
        .count();
    assert_eq!(ends, 2 * n);
}

async fn ending(db: &Db, sessions: &Sessions, account: i64) {
    let db = db.clone();
    let (c1, s1) = sessions.start(&db, T0, account, pwd()).await.unwrap();
    let (c2, _) = sessions.start(&db, T0, account, pwd()).await.unwrap();
    let src = Source::default();
    assert!(
        sessions
            .end(&db, T0, &actor(), &src, &s1, EndReason::Logout)
            .await
            .unwrap()
    );
    assert!(
        !sessions
            .end(&db, T0, &actor(), &src, &s1, EndReason::Logout)
            .await
            .unwrap()
    );
    assert!(
        sessions
            .resume(&db, T0, c1.expose())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        sessions
            .resume(&db, T0, c2.expose())
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        sessions
            .end_all_of_account(&db, T0, &actor(), account)
            .await
            .unwrap(),
        1
    );
    assert!(
        sessions
            .resume(&db, T0, c2.expose())
            .await
            .unwrap()
            .is_none()
    );
}
