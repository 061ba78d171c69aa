use super::*;

fn acr() -> AcrValues {
    AcrValues {
        password: "eidas1".into(),
        mfa: "https://proconnect.gouv.fr/assurance/self-asserted-2fa".into(),
    }
}

#[test]
fn the_next_step_follows_the_account_and_the_request() {
    let verify = SecondFactor::Verify {
        recovery_codes_left: 3,
        totp: true,
        passkeys: 1,
        passkey_only: false,
    };
    let cases = [
        (verify, false, Next::Verify),
        (verify, true, Next::Verify),
        (SecondFactor::Enrol, false, Next::Enrol),
        (SecondFactor::Enrol, true, Next::Enrol),
        (SecondFactor::NotRequired, false, Next::Done),
        (SecondFactor::NotRequired, true, Next::Enrol),
        (SecondFactor::EnrolPasskey, false, Next::EnrolPasskey),
        (SecondFactor::EnrolPasskey, true, Next::EnrolPasskey),
    ];
    for (second, requested, want) in cases {
        assert_eq!(next_step(second, requested), want, "{second:?} {requested}");
    }
}

#[test]
fn only_the_mfa_acr_forces_the_second_factor() {
    let mut req = AuthRequest {
        client_id: "c".into(),
        redirect_uri: "http://localhost/cb".into(),
        scopes: vec!["openid".into()],
        state: "s".into(),
        nonce: "n".into(),
        code_challenge: "x".into(),
        prompt: Vec::new(),
        max_age: None,
        login_hint: None,
        acr_values: Vec::new(),
        ui_locales: None,
    };
    assert!(!mfa_requested(&req, &acr()));
    req.acr_values = vec!["eidas1".into()];
    assert!(!mfa_requested(&req, &acr()));
    req.acr_values.push(acr().mfa);
    assert!(mfa_requested(&req, &acr()));
}

#[test]
fn the_key_is_grouped_and_the_svg_inlined() {
    assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    assert_eq!(
        svg_element("<?xml version=\"1.0\"?><svg xmlns=\"x\"></svg>"),
        "<svg xmlns=\"x\"></svg>"
    );
    assert_eq!(svg_element("no picture"), "");
}
