#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::Duration;

use super::*;
use crate::account::{CreatedAccount, NewAccount, create};
use crate::config::Config;
use crate::testing::{self, T0, actor};

async fn agent(db: &Db) -> CreatedAccount {
    let fx = testing::fixture(db).await;
    let settings = Config::defaults().unwrap().accounts;
    create(
        db,
        T0,
        &actor(),
        &settings,
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
    .unwrap()
}

fn classes(step: &PasswordStep) -> &'static str {
    match step {
        PasswordStep::Accepted(a) if a.must_change_password => "accepted_must_change",
        PasswordStep::Accepted(_) => "accepted",
        PasswordStep::Refused(c) => c.as_str(),
    }
}

#[tokio::test]
async fn password_step_classes_and_first_login_change() {
    let db = testing::sqlite().await;
    let created = agent(&db).await;
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
        let step = password_step(&db, T0, &src, l, &Secret::new(p.clone()))
            .await
            .unwrap();
        assert_eq!(classes(&step), *want, "login {l:?}");
    }
    // Expired temporary password (7 days by default).
    let later = T0 + Duration::days(8);
    let step = password_step(&db, later, &src, &login, &temp)
        .await
        .unwrap();
    assert_eq!(classes(&step), "temporary_password_expired");

    // First-login change: every rule, then success.
    let id = created.account.id;
    let new = Secret::new("Une phrase de passe assez longue");
    let err = |r: Result<Account, AuthError>| r.map(|_| "ok").unwrap_or_else(|e| e.code());
    let wrong = Secret::new("not-the-temporary");
    assert_eq!(
        err(change_own_password(&db, T0, &src, id, &wrong, &new, &new).await),
        "password.current_wrong"
    );
    let other = Secret::new("Une autre phrase de passe");
    assert_eq!(
        err(change_own_password(&db, T0, &src, id, &temp, &new, &other).await),
        "password.confirmation_mismatch"
    );
    let short = Secret::new("court");
    assert_eq!(
        err(change_own_password(&db, T0, &src, id, &temp, &short, &short).await),
        "password.too_short"
    );
    assert_eq!(
        err(change_own_password(&db, T0, &src, id, &temp, &temp, &temp).await),
        "password.unchanged"
    );
    let account = change_own_password(&db, T0, &src, id, &temp, &new, &new)
        .await
        .unwrap();
    assert_eq!(account.status, AccountStatus::Active);
    let step = password_step(&db, T0, &src, &login, &new).await.unwrap();
    assert_eq!(classes(&step), "accepted");
    // The old temporary password no longer works, even after its expiry date.
    let step = password_step(&db, later, &src, &login, &temp)
        .await
        .unwrap();
    assert_eq!(classes(&step), "wrong_password");

    // Suspended accounts are refused even with the right password.
    let tx = db.begin_write().await.unwrap();
    crate::store::account::set_status(&tx, T0, id, AccountStatus::Suspended, Some("test"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let step = password_step(&db, T0, &src, &login, &new).await.unwrap();
    assert_eq!(classes(&step), "account_inactive");

    // Every failure was traced with its class, and no password appears in the trace.
    let events = crate::store::audit::page(&db, 0, 10_000).await.unwrap();
    let fails: Vec<_> = events
        .iter()
        .filter(|e| e.action == "login.fail")
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.details).unwrap();
            d["class"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        fails,
        [
            "unknown_login",
            "unknown_login",
            "wrong_password",
            "wrong_password",
            "temporary_password_expired",
            "wrong_password",
            "account_inactive"
        ]
    );
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
