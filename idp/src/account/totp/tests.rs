#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::Duration;

use super::*;
use crate::account::test_support::{creds, fixture_and_agent};
use crate::testing::{self, T0};

fn acr() -> AcrValues {
    AcrValues {
        password: "eidas1".into(),
        mfa: "https://proconnect.gouv.fr/assurance/self-asserted-2fa".into(),
    }
}

#[test]
fn amr_and_acr_follow_the_factors() {
    let cases: &[(&[Factor], &[&str], &str)] = &[
        (&[Factor::Password], &["pwd"], "eidas1"),
        (
            &[Factor::Password, Factor::Totp],
            &["pwd", "otp", "mfa"],
            "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
        ),
        (
            &[Factor::Password, Factor::RecoveryCode],
            &["pwd", "otp", "mfa"],
            "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
        ),
        (&[Factor::Totp], &["otp"], "eidas1"),
        (
            &[Factor::Password, Factor::HardwareKey],
            &["pwd", "hwk", "mfa"],
            "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
        ),
        (
            &[Factor::Password, Factor::SoftwareKey],
            &["pwd", "swk", "mfa"],
            "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
        ),
        (&[Factor::HardwareKey], &["hwk"], "eidas1"),
    ];
    for (factors, amr, want) in cases {
        let a = assurance(factors, &acr());
        assert_eq!(a.amr, *amr);
        assert_eq!(a.acr, *want);
    }
}

#[test]
fn recovery_codes_normalise() {
    assert_eq!(
        normalise_recovery_code(" AB0O-1lI2 "),
        "ab00111 2".replace(' ', "")
    );
}

async fn step_of(r: FactorStep) -> &'static str {
    match r {
        FactorStep::Accepted(Factor::Totp) => "totp",
        FactorStep::Accepted(Factor::RecoveryCode) => "recovery",
        FactorStep::Accepted(Factor::Password) => "password",
        FactorStep::Accepted(Factor::HardwareKey | Factor::SoftwareKey) => "passkey",
        FactorStep::Refused(c) => c.as_str(),
    }
}

#[tokio::test]
async fn enrol_verify_once_per_step_and_recovery_codes() {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let db = testing::sqlite().await;
    let (_, created) = fixture_and_agent(&db).await;
    let account = created.account.clone();
    let src = Source::default();
    assert!(matches!(
        verify(&creds, &db, T0, &src, &account, &Secret::new("123456")).await,
        Err(TotpError::NotEnrolled)
    ));

    let e = begin_enrolment(&creds, &db, T0, &account).await.unwrap();
    let secret = e.secret_base32.expose().to_owned();
    assert_eq!(secret.len(), 32, "160-bit secret in base32");
    assert!(
        e.otpauth_uri
            .expose()
            .starts_with("otpauth://totp/Habilis:")
    );
    assert!(e.otpauth_uri.expose().contains(&format!("secret={secret}")));
    assert!(e.qr_svg.expose().starts_with("<?xml"));
    assert!(e.qr_svg.expose().contains("<svg"));
    // Stored encrypted only.
    let stored = crate::store::credential::totp_of(&db, account.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.confirmed);
    let raw = totp_rs::Secret::try_from_base32(&secret).unwrap();
    assert!(!stored.secret_encrypted.contains(&secret));
    assert!(
        !stored
            .secret_encrypted
            .contains(&hex::encode(raw.as_bytes()))
    );
    // Debug output of every type holding it is redacted.
    let shown = format!("{e:?} {stored:?}");
    assert!(
        !shown.contains(&secret) && !shown.contains(&stored.secret_encrypted),
        "{shown}"
    );

    // Confirmation: a wrong code, then the right one.
    let code = code_at(&secret, T0).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(
        confirm_enrolment(&creds, &db, T0, &src, &account, &Secret::new(wrong)).await,
        Err(TotpError::WrongCode)
    ));
    let codes = confirm_enrolment(&creds, &db, T0, &src, &account, &Secret::new(code.clone()))
        .await
        .unwrap();
    assert_eq!(codes.0.len(), RECOVERY_CODE_COUNT);
    assert!(!format!("{codes:?}").contains(codes.0[0].expose()));
    assert!(matches!(
        begin_enrolment(&creds, &db, T0, &account).await,
        Err(TotpError::AlreadyEnrolled)
    ));

    // The confirmation used step T0: the same code is refused, even 29 s later.
    let at = T0 + Duration::seconds(29);
    let r = verify(&creds, &db, at, &src, &account, &Secret::new(code.clone())).await;
    assert_eq!(step_of(r.unwrap()).await, "wrong_second_factor");
    // ±1 step: the next step's code is accepted a step early, once.
    let next = code_at(&secret, T0 + Duration::seconds(30)).unwrap();
    let r = verify(&creds, &db, at, &src, &account, &Secret::new(next.clone())).await;
    assert_eq!(step_of(r.unwrap()).await, "totp");
    let r = verify(&creds, &db, at, &src, &account, &Secret::new(next)).await;
    assert_eq!(step_of(r.unwrap()).await, "wrong_second_factor");
    // Two steps away: refused.
    let far = T0 + Duration::seconds(300);
    let old = code_at(&secret, far - Duration::seconds(60)).unwrap();
    let r = verify(&creds, &db, far, &src, &account, &Secret::new(old)).await;
    assert_eq!(step_of(r.unwrap()).await, "wrong_second_factor");
    // The previous step is still accepted (clock drift), formatted with a space.
    let prev = code_at(&secret, far - Duration::seconds(30)).unwrap();
    let spaced = format!("{} {}", &prev[..3], &prev[3..]);
    let r = verify(&creds, &db, far, &src, &account, &Secret::new(spaced)).await;
    assert_eq!(step_of(r.unwrap()).await, "totp");

    // Recovery codes: each works once, dashes and case do not matter.
    let first = codes.0[0].expose().to_uppercase();
    let r = use_recovery_code(
        &creds,
        &db,
        far,
        &src,
        &account,
        &Secret::new(first.clone()),
    )
    .await;
    assert_eq!(step_of(r.unwrap()).await, "recovery");
    let r = use_recovery_code(&creds, &db, far, &src, &account, &Secret::new(first)).await;
    assert_eq!(step_of(r.unwrap()).await, "wrong_second_factor");
    assert_eq!(
        crate::store::credential::recovery_codes_left(&db, account.id)
            .await
            .unwrap(),
        9
    );
    // Regeneration replaces them all.
    let new = regenerate_recovery_codes(&creds, &db, far, &src, &account)
        .await
        .unwrap();
    assert_eq!(
        crate::store::credential::recovery_codes_left(&db, account.id)
            .await
            .unwrap(),
        10
    );
    let r = use_recovery_code(&creds, &db, far, &src, &account, &codes.0[1]).await;
    assert_eq!(step_of(r.unwrap()).await, "wrong_second_factor");
    let r = use_recovery_code(&creds, &db, far, &src, &account, &new.0[1]).await;
    assert_eq!(step_of(r.unwrap()).await, "recovery");

    // Nothing secret in the trace.
    let events = crate::store::audit::page(&db, 0, 10_000).await.unwrap();
    let dump: String = events.iter().map(|e| e.details.as_str()).collect();
    assert!(!dump.contains(&secret));
    assert!(!dump.contains(&code));
    for c in codes.0.iter().chain(new.0.iter()) {
        assert!(!dump.contains(c.expose()));
    }
    for a in [
        "totp.enrol_begin",
        "totp.enrol",
        "recovery_code.use",
        "recovery_codes.regenerate",
    ] {
        assert!(events.iter().any(|e| e.action == a), "{a}");
    }
}

#[tokio::test]
async fn wrong_codes_count_towards_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let db = testing::sqlite().await;
    let (_, created) = fixture_and_agent(&db).await;
    let account = created.account.clone();
    let src = Source::default();
    let e = begin_enrolment(&creds, &db, T0, &account).await.unwrap();
    let secret = e.secret_base32.expose().to_owned();
    let code = code_at(&secret, T0).unwrap();
    confirm_enrolment(&creds, &db, T0, &src, &account, &Secret::new(code))
        .await
        .unwrap();
    let mut t = T0 + Duration::seconds(600);
    for _ in 0..10 {
        let good = code_at(&secret, t).unwrap();
        let bad = format!("{:06}", (good.parse::<u32>().unwrap() + 1) % 1_000_000);
        let r = verify(&creds, &db, t, &src, &account, &Secret::new(bad)).await;
        assert_eq!(step_of(r.unwrap()).await, "wrong_second_factor");
        t += Duration::seconds(90);
    }
    // Locked: even the right code is refused unchecked.
    let good = code_at(&secret, t).unwrap();
    let r = verify(&creds, &db, t, &src, &account, &Secret::new(good)).await;
    assert_eq!(step_of(r.unwrap()).await, "account_locked");
    // A sealed secret does not open for another account.
    let stored = crate::store::credential::totp_of(&db, account.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        creds
            .cipher
            .open(
                &format!("totp:{}", account.id + 1),
                &stored.secret_encrypted
            )
            .is_err()
    );
}

#[tokio::test]
async fn a_pending_enrolment_shows_the_same_secret_until_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let creds = creds(dir.path());
    let db = testing::sqlite().await;
    let (_, created) = fixture_and_agent(&db).await;
    let account = created.account.clone();
    assert!(
        pending_enrolment(&creds, &db, &account)
            .await
            .unwrap()
            .is_none()
    );
    let e = begin_enrolment(&creds, &db, T0, &account).await.unwrap();
    let again = pending_enrolment(&creds, &db, &account)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.secret_base32.expose(), e.secret_base32.expose());
    assert_eq!(again.otpauth_uri.expose(), e.otpauth_uri.expose());
    assert!(again.qr_svg.expose().contains("<svg"));
    let code = code_at(e.secret_base32.expose(), T0).unwrap();
    confirm_enrolment(
        &creds,
        &db,
        T0,
        &Source::default(),
        &account,
        &Secret::new(code),
    )
    .await
    .unwrap();
    assert!(
        pending_enrolment(&creds, &db, &account)
            .await
            .unwrap()
            .is_none(),
        "a confirmed secret is never shown again"
    );
}
