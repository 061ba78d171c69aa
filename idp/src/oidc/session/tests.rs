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

/// A second fund's service and a confidential client of it, with a back-channel logout URI
/// when given.
async fn service_client(
    db: &Db,
    backchannel: Option<&str>,
) -> (testing::Fixture, crate::oidc::client::Client) {
    let fx = testing::fixture_named(db, "caf-86", "86B00001", "86-2020-01").await;
    let mut new = crate::oidc::client::tests::new_client(false);
    new.backchannel_logout_uri =
        backchannel.map(|u| crate::oidc::client::RedirectUri::parse(u).unwrap());
    let (client, _) = crate::oidc::client::create(
        db,
        T0,
        &actor(),
        crate::oidc::client::Owner::Service(&fx.fund, &fx.service),
        crate::oidc::keys::SigningAlg::Es256,
        new,
    )
    .await
    .unwrap();
    (fx, client)
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

/// The check of a person's access token: its live session and account, unless the token was
/// revoked — with either session store; an ended or unknown session is none as well.
#[tokio::test]
async fn an_access_token_is_checked_against_its_session_and_its_revocation() {
    let (db, sessions, account) = setup().await;
    for sessions in backends(sessions).await {
        let (_, s) = sessions.start(&db, T0, account, pwd()).await.unwrap();
        let jti = crate::secret::random_hex(16);
        let (found, a) = sessions
            .peek_for_access(&db, T0, &s.id, &jti)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.id.as_str(), a.unwrap().id), (s.id.as_str(), account));
        crate::store::token::revoke_access(&db, &jti, T0 + Duration::minutes(5))
            .await
            .unwrap();
        assert!(
            sessions
                .peek_for_access(&db, T0, &s.id, &jti)
                .await
                .unwrap()
                .is_none()
        );
        let other = crate::secret::random_hex(16);
        assert!(
            sessions
                .peek_for_access(&db, T0, &s.id, &other)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            sessions
                .peek_for_access(&db, T0, "unknown", &other)
                .await
                .unwrap()
                .is_none()
        );
        sessions
            .end(
                &db,
                T0,
                &actor(),
                &Source::default(),
                &found,
                EndReason::Logout,
            )
            .await
            .unwrap();
        assert!(
            sessions
                .peek_for_access(&db, T0, &s.id, &other)
                .await
                .unwrap()
                .is_none()
        );
    }
}

/// The same one-query check on PostgreSQL.
#[tokio::test]
async fn the_access_check_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    let fx = testing::fixture(&pg.db).await;
    let a = crate::habilitation::tests::agent_of(&pg.db, &fx, "79a69243.pg").await;
    let sessions = Sessions::new(Config::defaults().unwrap().session);
    let (_, s) = sessions.start(&pg.db, T0, a.id, pwd()).await.unwrap();
    assert!(
        sessions
            .peek_for_access(&pg.db, T0, &s.id, "jti-1")
            .await
            .unwrap()
            .is_some()
    );
    crate::store::token::revoke_access(&pg.db, "jti-1", T0 + Duration::minutes(5))
        .await
        .unwrap();
    assert!(
        sessions
            .peek_for_access(&pg.db, T0, &s.id, "jti-1")
            .await
            .unwrap()
            .is_none()
    );
    pg.cleanup().await;
}

/// The code exchange reads a code with its account and its live session: one joined query on
/// the database backend, the session from Redis otherwise; an ended or timed-out session, or
/// a session of another account, is not returned with the code.
#[tokio::test]
async fn a_code_is_read_with_its_account_and_its_live_session() {
    let (db, sessions, account) = setup().await;
    let (fx, client) = service_client(&db, None).await;
    for sessions in backends(sessions).await {
        let (_, s) = sessions.start(&db, T0, account, pwd()).await.unwrap();
        let code = |session_id: &str, account_id: i64| CodeGrant {
            code_hash: crate::secret::random_hex(32),
            client_id: client.id,
            account_id,
            session_id: session_id.to_owned(),
            redirect_uri: "https://rp.example/cb".into(),
            scope: "openid".into(),
            nonce: None,
            code_challenge: "c".into(),
            authentication: pwd(),
            expires_at: T0 + Duration::minutes(1),
            consumed_at: None,
            access_token: None,
        };
        let grant = code(&s.id, account);
        crate::store::token::insert_code(&db, T0, &grant)
            .await
            .unwrap();
        let (found, live) = sessions
            .code_with_session(&db, T0, &grant.code_hash)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found, grant);
        let (session, a) = live.unwrap();
        assert_eq!(
            (session.id.as_str(), a.unwrap().id),
            (s.id.as_str(), account)
        );
        // Idle past its deadline: the code comes back, its session does not.
        let later = s.idle_expires_at + Duration::seconds(1);
        let (_, live) = sessions
            .code_with_session(&db, later, &grant.code_hash)
            .await
            .unwrap()
            .unwrap();
        assert!(live.is_none(), "timed-out session");
        // A code naming the session but another account never gets it.
        let other = crate::account::test_support::agent(&db, &fx, "Paul", "Martin")
            .await
            .account
            .id;
        let stray = code(&s.id, other);
        crate::store::token::insert_code(&db, T0, &stray)
            .await
            .unwrap();
        let (_, live) = sessions
            .code_with_session(&db, T0, &stray.code_hash)
            .await
            .unwrap()
            .unwrap();
        assert!(live.is_none(), "session of another account");
        // Ended: the code comes back alone.
        sessions
            .end(&db, T0, &actor(), &Source::default(), &s, EndReason::Logout)
            .await
            .unwrap();
        let (_, live) = sessions
            .code_with_session(&db, T0, &grant.code_hash)
            .await
            .unwrap()
            .unwrap();
        assert!(live.is_none(), "ended session");
        assert!(
            sessions
                .code_with_session(&db, T0, "unknown")
                .await
                .unwrap()
                .is_none()
        );
    }
}

/// Revoking an account's access to a service reads its open sessions through the transaction
/// that revokes the tokens and queues the back-channel logouts: over a pool of one connection
/// (the in-memory database), a read through the pool would wait for the connection the
/// transaction holds until the pool's time-out, then fail.
#[tokio::test]
async fn revoking_a_service_over_one_connection_queues_the_sessions_logouts() {
    let (db, sessions, account) = setup().await;
    let (fx, client) = service_client(&db, Some("https://rp.example/bc")).await;
    let (_, s) = sessions.start(&db, T0, account, pwd()).await.unwrap();
    crate::store::session::add_client(&db, &s.id, client.id, T0)
        .await
        .unwrap();
    crate::oidc::cascade::revoke_service(&db, &sessions, T0, &[account], fx.service.id)
        .await
        .unwrap();
    let queued = crate::store::backchannel::due(&db, T0, 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (
            queued[0].client_id,
            queued[0].account_id,
            queued[0].session_id.as_str()
        ),
        (client.id, account, s.id.as_str())
    );
}
