#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::account::authenticate::{PasswordStep, password_step};
use crate::account::test_support::{self, creds, fixture_and_agent};
use crate::testing::{self, T0};

fn spooled(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The token of the link in a spooled message.
fn token_in(mail: &str) -> String {
    let unfolded = mail
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let at = unfolded.find("token=").unwrap() + "token=".len();
    unfolded[at..at + 64].to_owned()
}

async fn reset_body(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let (_, created) = fixture_and_agent(db).await;
    let account = created.account.clone();
    let login = account.login.to_string();
    let src = Source {
        ip: Some("192.0.2.50".into()),
        request_id: None,
    };

    // The same answer for an unknown login, a malformed one and a real one.
    for l in ["nobody.here", "not a login!", login.as_str()] {
        request(&creds, db, T0, &src, l).await.unwrap();
    }
    let mails = spooled(dir.path());
    assert_eq!(mails.len(), 1, "only the real account gets a mail");
    assert!(mails[0].contains("To: jean.dupont@niort.example"));
    assert!(mails[0].contains("http://localhost:8080/password/reset?token="));
    let token = Secret::new(token_in(&mails[0]));

    // Policy, confirmation, then success; the token works once.
    let weak = Secret::new("Password1234");
    let err = complete(&creds, db, T0, &src, &token, &weak, &weak)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "password.common");
    let new = Secret::new("Une nouvelle phrase de passe");
    let other = Secret::new("Une autre phrase de passe");
    let err = complete(&creds, db, T0, &src, &token, &new, &other)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "password.confirmation_mismatch");
    let done = complete(&creds, db, T0, &src, &token, &new, &new)
        .await
        .unwrap();
    assert_eq!(done.end_sessions_of, vec![account.id]);
    assert_eq!(done.account.status, crate::account::AccountStatus::Active);
    let err = complete(&creds, db, T0, &src, &token, &new, &new)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "password_reset.invalid_token");
    let step = password_step(&creds, db, T0, &src, &login, &new)
        .await
        .unwrap();
    assert!(matches!(step, PasswordStep::Accepted(a) if !a.must_change_password));

    // A link expires after 15 minutes.
    let t1 = T0 + time::Duration::hours(2);
    request(&creds, db, t1, &src, &login).await.unwrap();
    let mails = spooled(dir.path());
    let token2 = Secret::new(token_in(
        mails
            .iter()
            .find(|m| !m.contains(&token.expose()[..16]))
            .unwrap(),
    ));
    let late = t1 + time::Duration::seconds(900);
    let err = complete(&creds, db, late, &src, &token2, &new, &new)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "password_reset.invalid_token");

    // At most 3 links per account per hour; the answer does not change.
    let t2 = T0 + time::Duration::hours(5);
    for _ in 0..5 {
        request(&creds, db, t2, &src, &login).await.unwrap();
    }
    assert_eq!(spooled(dir.path()).len(), 2 + 3);

    // Traced, without tokens or the typed unknown logins.
    let events = crate::store::audit::page(db, 0, 10_000).await.unwrap();
    let reasons: Vec<String> = events
        .iter()
        .filter(|e| e.action == "password.reset_request")
        .map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.details).unwrap();
            d["reason"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(reasons[..3], ["unknown_login", "unknown_login", "sent"]);
    assert_eq!(
        reasons
            .iter()
            .filter(|r| *r == "account_rate_limited")
            .count(),
        2
    );
    let dump: String = events
        .iter()
        .map(|e| format!("{} {:?} {}", e.details, e.target_id, e.actor_label))
        .collect();
    assert!(!dump.contains(token.expose()));
    assert!(!dump.contains("nobody.here"));
    assert!(!dump.contains(new.expose()));
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "password.reset")
            .count(),
        1
    );
}

#[tokio::test]
async fn reset_by_email_on_sqlite() {
    reset_body(&testing::sqlite().await).await;
}

#[tokio::test]
async fn reset_by_email_on_postgres() {
    if let Some(pg) = testing::postgres().await {
        reset_body(&pg.db).await;
        pg.cleanup().await;
    }
}

#[tokio::test]
async fn reset_link_over_smtp_to_a_local_sink() {
    let (url, mut rx) = crate::mail::tests::smtp_sink().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_support::config(dir.path());
    config.mail.transport = crate::config::MailTransportKind::Smtp;
    config.mail.smtp_url = Secret::new(url);
    let creds = test_support::creds_with(&config);
    let db = testing::sqlite().await;
    let (_, created) = fixture_and_agent(&db).await;
    let login = created.account.login.to_string();
    request(&creds, &db, T0, &Source::default(), &login)
        .await
        .unwrap();
    let data = rx.recv().await.unwrap();
    assert!(data.contains("To: jean.dupont@niort.example"), "{data}");
    let token = Secret::new(token_in(&data));
    let new = Secret::new("Une nouvelle phrase de passe");
    complete(&creds, &db, T0, &Source::default(), &token, &new, &new)
        .await
        .unwrap();
}
