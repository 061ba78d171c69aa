#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::oidc::client::{ClientAuth, ClientId, GrantType, RedirectUri, SubjectType};
use crate::oidc::keys::SigningAlg;

const CB: &str = "https://cdap.example.fr/callback";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn client(require_par: bool) -> Client {
    Client {
        id: 1,
        client_id: ClientId::parse("cdap-79").unwrap(),
        service_id: Some(1),
        name: "CDAP".into(),
        auth: ClientAuth::ClientSecretBasic,
        secret_hash: None,
        redirect_uris: vec![RedirectUri::parse(CB).unwrap()],
        post_logout_redirect_uris: vec![],
        backchannel_logout_uri: None,
        grant_types: vec![GrantType::AuthorizationCode],
        scopes: vec!["openid".into(), "profile".into(), "habilitations".into()],
        consent_required: false,
        signing_alg: SigningAlg::Es256,
        require_par,
        subject_type: SubjectType::Public,
        jwks: None,
        userinfo_signed: false,
        enabled: true,
        created_at: crate::testing::T0,
        updated_at: crate::testing::T0,
    }
}

fn good() -> BTreeMap<String, String> {
    [
        ("client_id", "cdap-79"),
        ("redirect_uri", CB),
        ("response_type", "code"),
        ("scope", "openid habilitations openid"),
        ("state", "st"),
        ("nonce", "n0"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The outcome as a short string: `ok`, `fatal:<code>` or `redirect:<error>`.
fn outcome(r: Result<AuthRequest, AuthorizeError>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(AuthorizeError::Fatal { code, .. }) => format!("fatal:{code}"),
        Err(AuthorizeError::Redirect {
            error,
            state,
            redirect_uri,
            ..
        }) => {
            assert_eq!(
                redirect_uri, CB,
                "errors only ever go to the registered URI"
            );
            format!("redirect:{error}:{}", state.unwrap_or_default())
        }
    }
}

/// A case: its name, the parameters to change (`None` removes one), the outcome.
type Case = (
    &'static str,
    Vec<(&'static str, Option<&'static str>)>,
    &'static str,
);

#[test]
fn every_rule_of_the_authorization_request() {
    let c = client(false);
    let cases: Vec<Case> = vec![
        ("valid", vec![], "ok"),
        ("unknown client", vec![], "fatal:unknown_client"),
        (
            "no redirect",
            vec![("redirect_uri", None)],
            "fatal:redirect_uri_missing",
        ),
        (
            "other redirect",
            vec![("redirect_uri", Some("https://evil.example/cb"))],
            "fatal:redirect_uri_mismatch",
        ),
        (
            "redirect with a trailing slash",
            vec![("redirect_uri", Some("https://cdap.example.fr/callback/"))],
            "fatal:redirect_uri_mismatch",
        ),
        (
            "redirect with a query added",
            vec![("redirect_uri", Some("https://cdap.example.fr/callback?x=1"))],
            "fatal:redirect_uri_mismatch",
        ),
        (
            "token response type",
            vec![("response_type", Some("token"))],
            "redirect:unsupported_response_type:st",
        ),
        (
            "hybrid response type",
            vec![("response_type", Some("code id_token"))],
            "redirect:unsupported_response_type:st",
        ),
        (
            "no response type",
            vec![("response_type", None)],
            "redirect:invalid_request:st",
        ),
        (
            "no state",
            vec![("state", None)],
            "redirect:invalid_request:",
        ),
        (
            "no nonce",
            vec![("nonce", None)],
            "redirect:invalid_request:st",
        ),
        (
            "no PKCE",
            vec![("code_challenge", None)],
            "redirect:invalid_request:st",
        ),
        (
            "plain PKCE",
            vec![("code_challenge_method", Some("plain"))],
            "redirect:invalid_request:st",
        ),
        (
            "PKCE method missing",
            vec![("code_challenge_method", None)],
            "redirect:invalid_request:st",
        ),
        (
            "short challenge",
            vec![("code_challenge", Some("abc"))],
            "redirect:invalid_request:st",
        ),
        (
            "no openid",
            vec![("scope", Some("profile"))],
            "redirect:invalid_scope:st",
        ),
        (
            "scope not allowed",
            vec![("scope", Some("openid email"))],
            "redirect:invalid_scope:st",
        ),
        ("prompt login", vec![("prompt", Some("login"))], "ok"),
        (
            "prompt none with login",
            vec![("prompt", Some("none login"))],
            "redirect:invalid_request:st",
        ),
        (
            "prompt unknown",
            vec![("prompt", Some("whatever"))],
            "redirect:invalid_request:st",
        ),
        ("max_age", vec![("max_age", Some("0"))], "ok"),
        (
            "negative max_age",
            vec![("max_age", Some("-1"))],
            "redirect:invalid_request:st",
        ),
        (
            "request object",
            vec![("request", Some("eyJ..."))],
            "redirect:request_not_supported:st",
        ),
        (
            "request uri",
            vec![("request_uri", Some("urn:x"))],
            "redirect:request_uri_not_supported:st",
        ),
        (
            "fragment response mode",
            vec![("response_mode", Some("fragment"))],
            "redirect:invalid_request:st",
        ),
    ];
    for (name, changes, want) in cases {
        let mut p = good();
        for (k, v) in changes {
            match v {
                Some(v) => p.insert(k.to_owned(), v.to_owned()),
                None => p.remove(k),
            };
        }
        let found = (name != "unknown client").then_some(&c);
        assert_eq!(outcome(validate(&p, found, false)), want, "{name}");
    }
    // A disabled client is unknown.
    let mut off = client(false);
    off.enabled = false;
    assert_eq!(
        outcome(validate(&good(), Some(&off), false)),
        "fatal:unknown_client"
    );
}

#[test]
fn the_validated_request_keeps_what_matters() {
    let mut p = good();
    p.insert("prompt".into(), "login consent login".into());
    p.insert("max_age".into(), "300".into());
    p.insert("login_hint".into(), "79a69243.jdupont".into());
    p.insert("acr_values".into(), "eidas1  other".into());
    let r = validate(&p, Some(&client(false)), false).unwrap();
    assert_eq!(r.scopes, ["openid", "habilitations"]);
    assert_eq!(r.scope(), "openid habilitations");
    assert_eq!(r.prompt, [Prompt::Login, Prompt::Consent]);
    assert_eq!(r.max_age, Some(300));
    assert_eq!(r.login_hint.as_deref(), Some("79a69243.jdupont"));
    assert_eq!(r.acr_values, ["eidas1", "other"]);
    assert_eq!(r.state, "st");
    assert_eq!(r.nonce, "n0");
}

#[test]
fn par_only_clients_and_repeated_parameters() {
    let c = client(true);
    assert_eq!(
        outcome(validate(&good(), Some(&c), false)),
        "redirect:invalid_request:st"
    );
    assert_eq!(outcome(validate(&good(), Some(&c), true)), "ok");
    let pairs = vec![
        ("state".to_owned(), "a".to_owned()),
        ("state".to_owned(), "b".to_owned()),
    ];
    assert_eq!(single_values(&pairs), Err("state".to_owned()));
    let pairs = vec![
        ("state".to_owned(), "a".to_owned()),
        ("nonce".to_owned(), String::new()),
    ];
    assert_eq!(single_values(&pairs).unwrap().len(), 1);
}
