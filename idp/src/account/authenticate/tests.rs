#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::Duration;

use super::*;
use crate::account::test_support::{self, creds, fixture_and_agent, make_admin};
use crate::testing::{self, T0};

fn classes(step: &PasswordStep) -> &'static str {
    match step {
        PasswordStep::Accepted(a) if a.must_change_password => "accepted_must_change",
        PasswordStep::Accepted(_) => "accepted",
        PasswordStep::Refused(c) => c.as_str(),
    }
}

fn src(ip: &str) -> Source {
    Source {
        ip: Some(ip.to_owned()),
        request_id: None,
    }
}

async fn fails(db: &Db) -> Vec<String> {
    crate::store::audit::page(db, 0, 10_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "login.fail")
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.details).unwrap();
            d["class"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn password_step_classes_and_first_login_change() {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let db = testing::sqlite().await;
    let (_, created) = fixture_and_agent(&db).await;
    let login = created.account.login.to_string();
    let temp = created.temporary_password.clone();
    let src = Source::default();
    let cases = [
        ("nobody.here", temp.expose().to_owned(), "unknown_login"),
        ("not a login!", temp.expose().to_owned(), "unknown_login"),
        (
            login.as_str(),
            "wrong-password-123".to_owned(),
            "wrong_password",
        ),
        (login.as_str(), "x".repeat(MAX_LENGTH + 1), "wrong_password"),
        (
            login.as_str(),
            temp.expose().to_owned(),
            "accepted_must_change",
        ),
        // Logins are case-insensitive and trimmed.
        (
            &format!(" {} ", login.to_uppercase()),
            temp.expose().to_owned(),
            "accepted_must_change",
        ),
    ];
    for (l, p, want) in &cases {
        let step = password_step(&creds, &db, T0, &src, l, &Secret::new(p.clone()))
            .await
            .unwrap();
        assert_eq!(classes(&step), *want, "login {l:?}");
    }
    // Expired temporary password (7 days by default).
    let later = T0 + Duration::days(8);
    let step = password_step(&creds, &db, later, &src, &login, &temp)
        .await
        .unwrap();
    assert_eq!(classes(&step), "temporary_password_expired");

    // First-login change: every rule, then success.
    let id = created.account.id;
    let new = Secret::new("Une phrase de passe assez longue");
    let err = |r: Result<Account, AuthError>| r.map(|_| "ok").unwrap_or_else(|e| e.code());
    let wrong = Secret::new("not-the-temporary");
    assert_eq!(
        err(change_own_password(&creds, &db, T0, &src, id, &wrong, &new, &new).await),
        "password.current_wrong"
    );
    let other = Secret::new("Une autre phrase de passe");
    assert_eq!(
        err(change_own_password(&creds, &db, T0, &src, id, &temp, &new, &other).await),
        "password.confirmation_mismatch"
    );
    let short = Secret::new("court");
    assert_eq!(
        err(change_own_password(&creds, &db, T0, &src, id, &temp, &short, &short).await),
        "password.too_short"
    );
    // The policy applies: composition below 20 characters, names, the common list.
    for (pw, code) in [
        ("alllowercaseletters", "password.composition"),
        ("Bonjour-Dupont-2026", "password.contains_name"),
        ("Password1234", "password.common"),
    ] {
        let p = Secret::new(pw);
        assert_eq!(
            err(change_own_password(&creds, &db, T0, &src, id, &temp, &p, &p).await),
            code,
            "{pw}"
        );
    }
    assert_eq!(
        err(change_own_password(&creds, &db, T0, &src, id, &temp, &temp, &temp).await),
        "password.unchanged"
    );
    let account = change_own_password(&creds, &db, T0, &src, id, &temp, &new, &new)
        .await
        .unwrap();
    assert_eq!(account.status, AccountStatus::Active);
    let step = password_step(&creds, &db, T0, &src, &login, &new)
        .await
        .unwrap();
    assert_eq!(classes(&step), "accepted");
    let PasswordStep::Accepted(a) = step else {
        panic!()
    };
    assert!(!a.is_admin);
    assert_eq!(a.second_factor, SecondFactor::NotRequired);
    // The old temporary password no longer works, even after its expiry date.
    let step = password_step(&creds, &db, later, &src, &login, &temp)
        .await
        .unwrap();
    assert_eq!(classes(&step), "wrong_password");

    // Suspended accounts are refused even with the right password.
    let tx = db.begin_write().await.unwrap();
    crate::store::account::set_status(&tx, T0, id, AccountStatus::Suspended, Some("test"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let step = password_step(&creds, &db, later, &src, &login, &new)
        .await
        .unwrap();
    assert_eq!(classes(&step), "account_inactive");

    // Every failure was traced with its class (the wrong current password of a change too),
    // and no password appears in the trace.
    assert_eq!(
        fails(&db).await,
        [
            "unknown_login",
            "unknown_login",
            "wrong_password",
            "wrong_password",
            "temporary_password_expired",
            "wrong_password",
            "wrong_password",
            "account_inactive"
        ]
    );
    let events = crate::store::audit::page(&db, 0, 10_000).await.unwrap();
    let dump: String = events.iter().map(|e| e.details.as_str()).collect();
    for secret in [temp.expose(), new.expose(), "wrong-password-123"] {
        assert!(!dump.contains(secret));
    }
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "password.change")
            .count(),
        1
    );
}

/// Delays after 5 failures, lock after 10, refused unchecked, reset by a success.
async fn lockout_body(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let (_, created) = fixture_and_agent(db).await;
    let login = created.account.login.to_string();
    let right = created.temporary_password.clone();
    let wrong = Secret::new("wrong-password-123");
    let s = src("192.0.2.1");
    let step = |t, p: &Secret| {
        let (creds, login, s, p) = (&creds, &login, &s, p.clone());
        async move { classes(&password_step(creds, db, t, s, login, &p).await.unwrap()).to_owned() }
    };
    let mut t = T0;
    for _ in 0..5 {
        assert_eq!(step(t, &wrong).await, "wrong_password");
    }
    // 5 failures: the next attempt waits 1 s, and is refused unchecked even with the right
    // password.
    assert_eq!(step(t, &right).await, "throttled");
    t += Duration::seconds(1);
    assert_eq!(step(t, &wrong).await, "wrong_password"); // 6: wait 2 s
    t += Duration::seconds(1);
    assert_eq!(step(t, &wrong).await, "throttled");
    t += Duration::seconds(1);
    for n in 7..=10 {
        assert_eq!(step(t, &wrong).await, "wrong_password", "failure {n}");
        t += Duration::seconds(60);
    }
    // 10 failures: locked for 15 minutes.
    assert_eq!(step(t, &right).await, "account_locked");
    let locks = crate::store::audit::page(db, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "account.lock")
        .count();
    assert_eq!(locks, 1);
    t = T0 + Duration::seconds(60 * 4 + 3 + 900);
    assert_eq!(step(t, &right).await, "accepted_must_change");
    // The success forgot the failures: 4 wrong passwords in a row are checked again.
    for _ in 0..4 {
        assert_eq!(step(t, &wrong).await, "wrong_password");
    }
    assert_eq!(step(t, &right).await, "accepted_must_change");
}

#[tokio::test]
async fn lockout_on_sqlite() {
    lockout_body(&testing::sqlite().await).await;
}

#[tokio::test]
async fn lockout_on_postgres() {
    if let Some(pg) = testing::postgres().await {
        lockout_body(&pg.db).await;
        pg.cleanup().await;
    }
}

#[tokio::test]
async fn source_rate_limit_refuses_unchecked_per_address_and_window() {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let db = testing::sqlite().await;
    let (_, created) = fixture_and_agent(&db).await;
    let login = created.account.login.to_string();
    let right = created.temporary_password.clone();
    let a = src("198.51.100.7");
    // Window of 60 s starting at T0 (09:00:00): 30 attempts pass.
    for _ in 0..30 {
        let s = password_step(&creds, &db, T0, &a, "nobody.here", &right)
            .await
            .unwrap();
        assert_eq!(classes(&s), "unknown_login");
    }
    let s = password_step(&creds, &db, T0, &a, &login, &right)
        .await
        .unwrap();
    assert_eq!(classes(&s), "source_rate_limited");
    // Another address is not affected; the next window starts again.
    let s = password_step(&creds, &db, T0, &src("198.51.100.8"), &login, &right)
        .await
        .unwrap();
    assert_eq!(classes(&s), "accepted_must_change");
    let next = T0 + Duration::seconds(60);
    let s = password_step(&creds, &db, next, &a, &login, &right)
        .await
        .unwrap();
    assert_eq!(classes(&s), "accepted_must_change");
}

#[tokio::test]
async fn changed_argon2_parameters_rehash_at_login() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_support::config(dir.path());
    config.accounts.argon2_time_cost = 3;
    let creds = test_support::creds_with(&config);
    let db = testing::sqlite().await;
    let (_, created) = fixture_and_agent(&db).await;
    let id = created.account.id;
    let before = crate::store::credential::password_of(&db, id)
        .await
        .unwrap()
        .unwrap();
    assert!(before.hash.contains("m=19456,t=2,p=1"));
    assert!(creds.hasher.needs_rehash(&before.hash));
    let login = created.account.login.to_string();
    let step = password_step(
        &creds,
        &db,
        T0,
        &Source::default(),
        &login,
        &created.temporary_password,
    )
    .await
    .unwrap();
    assert_eq!(classes(&step), "accepted_must_change");
    let after = crate::store::credential::password_of(&db, id)
        .await
        .unwrap()
        .unwrap();
    assert!(after.hash.contains("m=19456,t=3,p=1"), "{}", after.hash);
    assert!(after.is_temporary, "a rehash keeps the password's nature");
    assert!(
        creds
            .hasher
            .verify(&created.temporary_password, &after.hash)
            .await
    );
    let events = crate::store::audit::page(&db, 0, 10_000).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "password.rehash")
            .count(),
        1
    );
}

#[tokio::test]
async fn administrators_get_the_longer_minimum_and_must_enrol_a_second_factor() {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let db = testing::sqlite().await;
    let (fx, created) = fixture_and_agent(&db).await;
    make_admin(&db, &fx, created.account.id).await;
    let id = created.account.id;
    let temp = created.temporary_password.clone();
    let src = Source::default();
    // 14 characters, 4 classes: enough for an agent, too short for an administrator.
    let p = Secret::new("Kx7#mq2!Rv9@Lw");
    let err = change_own_password(&creds, &db, T0, &src, id, &temp, &p, &p)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "password.too_short");
    assert!(err.message_fr().contains("16"), "{}", err.message_fr());
    let p = Secret::new("Kx7#mq2!Rv9@Lw-Tz4");
    change_own_password(&creds, &db, T0, &src, id, &temp, &p, &p)
        .await
        .unwrap();
    let login = created.account.login.to_string();
    let PasswordStep::Accepted(a) = password_step(&creds, &db, T0, &src, &login, &p)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(a.is_admin);
    assert_eq!(a.second_factor, SecondFactor::Enrol);
    assert!(!a.must_change_password);

    // Optional expiry of administrators' passwords (off by default).
    let actor = testing::actor();
    let policy = crate::account::policy::FundPolicy {
        admin_max_age_days: Some(365),
        ..Default::default()
    };
    crate::account::admin::set_fund_policy(&db, T0, &actor, &fx.fund, &policy, None)
        .await
        .unwrap();
    let late = T0 + Duration::days(366);
    let PasswordStep::Accepted(a) = password_step(&creds, &db, late, &src, &login, &p)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(a.must_change_password, "expired administrator password");
}

/// The one-query read of what follows the password, as each backend returns booleans and
/// counts: an agent first, then an administrator with a confirmed TOTP and a passkey-less
/// account, and the fund's policy as stored. The password step reads the same factors with the
/// account (correlated subqueries): both forms must agree.
async fn login_factors_body(db: &Db) {
    let (fx, created) = fixture_and_agent(db).await;
    let a = &created.account;
    let read = || async {
        let alone = login_factors(db, a).await?;
        let (_, _, _, with_account) =
            store::credential::account_with_password(db, &a.login, credentials::ADMIN_KINDS)
                .await?
                .expect("the account is found by its login");
        assert_eq!(alone, with_account, "the two reads of the factors differ");
        Ok::<_, StoreError>(alone)
    };
    let f = read().await.unwrap();
    assert_eq!(
        (
            f.is_admin,
            f.totp_confirmed,
            f.passkeys,
            f.mfa_policy.as_str()
        ),
        (false, false, 0, "admins")
    );
    make_admin(db, &fx, a.id).await;
    let tx = db.begin_write().await.unwrap();
    store::credential::put_totp(&tx, T0, a.id, "v1.secret")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(!read().await.unwrap().totp_confirmed, "not confirmed yet");
    let tx = db.begin_write().await.unwrap();
    store::credential::confirm_totp(&tx, T0, a.id, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let f = read().await.unwrap();
    assert!(f.is_admin && f.totp_confirmed && f.passkeys == 0);
}

#[tokio::test]
async fn login_factors_on_sqlite() {
    login_factors_body(&testing::sqlite().await).await;
}

#[tokio::test]
async fn login_factors_on_postgres() {
    if let Some(pg) = testing::postgres().await {
        login_factors_body(&pg.db).await;
        pg.cleanup().await;
    }
}
