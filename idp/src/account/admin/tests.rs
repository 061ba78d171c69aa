#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::account::authenticate::{PasswordStep, SecondFactor, password_step};
use crate::account::test_support::{self, agent, creds, fixture_and_agent, make_admin};
use crate::audit::Source;
use crate::testing::{self, T0, actor};

fn classes(step: &PasswordStep) -> String {
    match step {
        PasswordStep::Accepted(a) if a.must_change_password => "accepted_must_change".into(),
        PasswordStep::Accepted(_) => "accepted".into(),
        PasswordStep::Refused(c) => c.as_str().into(),
    }
}

async fn actions(db: &Db) -> Vec<String> {
    crate::store::audit::page(db, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn admin_body(db: &Db) {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let (fx, created) = fixture_and_agent(db).await;
    let account = created.account.clone();
    let login = account.login.to_string();
    let src = Source::default();
    let a = actor();

    // Own password first, then an administrator's reset: the old one stops working.
    let own = Secret::new("Une phrase de passe assez longue");
    crate::account::authenticate::change_own_password(
        &creds,
        db,
        T0,
        &src,
        account.id,
        &created.temporary_password,
        &own,
        &own,
    )
    .await
    .unwrap();
    let r = reset_password(&creds, db, T0, &a, &account).await.unwrap();
    let temp = r.temporary_password.clone().unwrap();
    assert_eq!(temp.expose().len(), 12);
    assert_eq!(r.end_sessions_of, vec![account.id]);
    assert!(r.emailed_to.is_none());
    assert!(!format!("{r:?}").contains(temp.expose()));
    let step = password_step(&creds, db, T0, &src, &login, &own)
        .await
        .unwrap();
    assert_eq!(classes(&step), "wrong_password");
    let step = password_step(&creds, db, T0, &src, &login, &temp)
        .await
        .unwrap();
    assert_eq!(classes(&step), "accepted_must_change");

    // Lock by failures, unlock by an administrator.
    let mut t = T0 + time::Duration::hours(1);
    for _ in 0..10 {
        password_step(&creds, db, t, &src, &login, &own)
            .await
            .unwrap();
        t += time::Duration::seconds(60);
    }
    let step = password_step(&creds, db, t, &src, &login, &temp)
        .await
        .unwrap();
    assert_eq!(classes(&step), "account_locked");
    unlock(&creds, db, t, &a, &account).await.unwrap();
    let step = password_step(&creds, db, t, &src, &login, &temp)
        .await
        .unwrap();
    assert_eq!(classes(&step), "accepted_must_change");

    // Disable / enable, with a reason.
    assert_eq!(
        disable(db, t, &a, &account, "  ").await.unwrap_err().code(),
        "account.reason_required"
    );
    let queued = crate::store::outbox::stats(db).await.unwrap().pending;
    let d = disable(db, t, &a, &account, "left the town hall")
        .await
        .unwrap();
    assert_eq!(
        crate::store::outbox::stats(db).await.unwrap().pending,
        queued + 1,
        "the directory shows the status"
    );
    assert_eq!(d.account.status, AccountStatus::Disabled);
    assert_eq!(d.end_sessions_of, vec![account.id]);
    let step = password_step(&creds, db, t, &src, &login, &temp)
        .await
        .unwrap();
    assert_eq!(classes(&step), "account_inactive");
    assert_eq!(
        reset_password(&creds, db, t, &a, &d.account)
            .await
            .unwrap_err()
            .code(),
        "account.disabled"
    );
    let e = enable(db, t, &a, &d.account, "back").await.unwrap();
    assert_eq!(
        e.account.status,
        AccountStatus::Pending,
        "temporary password still"
    );
    let step = password_step(&creds, db, t, &src, &login, &temp)
        .await
        .unwrap();
    assert_eq!(classes(&step), "accepted_must_change");

    // Force a change for every account of the partner.
    let other = agent(db, &fx, "Marie", "Curie").await;
    let ids = force_password_change(db, t, &a, &fx.partner).await.unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&other.account.id) && ids.contains(&account.id));

    // Second factor reset: the administrator must enrol again.
    make_admin(db, &fx, account.id).await;
    let enrol = crate::account::totp::begin_enrolment(&creds, db, t, &account)
        .await
        .unwrap();
    let code = crate::account::totp::code_at(enrol.secret_base32.expose(), t).unwrap();
    crate::account::totp::confirm_enrolment(&creds, db, t, &src, &account, &Secret::new(code))
        .await
        .unwrap();
    let PasswordStep::Accepted(acc) = password_step(&creds, db, t, &src, &login, &temp)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        acc.second_factor,
        SecondFactor::Verify {
            recovery_codes_left: 10,
            totp: true,
            passkeys: 0,
            passkey_only: false,
        }
    );
    let d = reset_second_factor(db, t, &a, &account).await.unwrap();
    assert_eq!(d.end_sessions_of, vec![account.id]);
    let PasswordStep::Accepted(acc) = password_step(&creds, db, t, &src, &login, &temp)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(acc.second_factor, SecondFactor::Enrol);

    // Every action traced, with the directory refreshed for status and password changes.
    let acts = actions(db).await;
    for want in [
        "password.admin_reset",
        "account.lock",
        "account.unlock",
        "account.disable",
        "account.enable",
        "password.force_change",
        "second_factor.reset",
    ] {
        assert!(acts.iter().any(|x| x == want), "{want}");
    }
    let events = crate::store::audit::page(db, 0, 10_000).await.unwrap();
    let dump: String = events.iter().map(|e| e.details.as_str()).collect();
    assert!(!dump.contains(temp.expose()));
}

#[tokio::test]
async fn administrator_actions_on_sqlite() {
    admin_body(&testing::sqlite().await).await;
}

#[tokio::test]
async fn administrator_actions_on_postgres() {
    if let Some(pg) = testing::postgres().await {
        admin_body(&pg.db).await;
        pg.cleanup().await;
    }
}

#[tokio::test]
async fn a_fund_may_have_temporary_passwords_e_mailed_and_require_mfa_of_everyone() {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let db = testing::sqlite().await;
    let (fx, created) = fixture_and_agent(&db).await;
    let policy = FundPolicy {
        temporary_password_delivery: Some(TemporaryPasswordDelivery::Email),
        ..Default::default()
    };
    set_fund_policy(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &policy,
        Some(MfaPolicy::Everyone),
    )
    .await
    .unwrap();
    let r = reset_password(&creds, &db, T0, &actor(), &created.account)
        .await
        .unwrap();
    assert!(r.temporary_password.is_none());
    assert_eq!(r.emailed_to.as_deref(), Some("jean.dupont@niort.example"));
    let mail: String = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(mail.contains("Mot de passe provisoire"));
    let login = created.account.login.to_string();
    // Find the password in the mail and log in with it: the agent must enrol (policy everyone).
    let line = mail
        .lines()
        .find(|l| l.starts_with("Mot de passe provisoire"))
        .unwrap();
    let temp = Secret::new(line.rsplit(' ').next().unwrap().trim());
    let PasswordStep::Accepted(a) =
        password_step(&creds, &db, T0, &Source::default(), &login, &temp)
            .await
            .unwrap()
    else {
        panic!()
    };
    assert_eq!(a.second_factor, SecondFactor::Enrol);
    let _ = test_support::ToyCipher;
}
