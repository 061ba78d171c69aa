//! Passkeys through the real server (issue #4 point 6), with the software authenticator of
//! `soft_authenticator` answering the options of the pages as a browser would: a partner
//! administrator registers a device-bound passkey at the enrolment step of the first login and
//! gets `amr` `pwd hwk mfa` and the MFA `acr` (read by the `openidconnect` relying party); the
//! next login asks for the passkey only; a replayed assertion, a wrong origin, another
//! account's passkey and a cloned authenticator's counter are refused. An agent adds a synced
//! passkey on `/account/passkeys` (`swk`), renames it; another account cannot remove it; the
//! administrator's "reset second factor" removes every passkey, traced.

use idp::clock::Clock;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    RedirectUrl, TokenResponse,
};
use serde_json::{Value, json};

use crate::login_mfa::{ADMIN, MFA_ACR, alert, between, get, post_from, tokens};
use crate::oidc::{
    AGENT, NEW_PASSWORD, Provider, REDIRECT, authorize_url, browser, hidden, location, log_in,
    payload, query,
};
use crate::soft_authenticator::{SoftKey, options_in};

/// A provider whose public URL has a host name (WebAuthn refuses IP addresses), and its origin.
async fn provider() -> (Provider, String) {
    let mut p = Provider::start_with(|c| {
        let port = c.server.listen.port();
        c.server.public_url = format!("http://localhost:{port}").parse().unwrap();
    })
    .await;
    p.base = p
        .state
        .config
        .server
        .public_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let origin = p.base.clone();
    (p, origin)
}

/// The password steps of a login; returns the page they lead to (second factor or enrolment).
async fn after_password(
    p: &Provider,
    b: &reqwest::Client,
    url: &str,
    login: &str,
    password: &str,
    new_password: Option<&str>,
) -> String {
    let next = log_in(b, &p.base, url, login, password, new_password).await;
    assert!(next.starts_with("/login?"), "{next}");
    get(b, &p.base, &next).await
}

/// Posts an authenticator's answer with a page's form.
async fn answer(
    b: &reqwest::Client,
    p: &Provider,
    action: &str,
    page: &str,
    response: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields = vec![("response", response)];
    fields.extend_from_slice(extra);
    post_from(b, &p.base, action, page, &fields).await
}

#[tokio::test]
async fn passkeys_as_the_second_factor_from_enrolment_to_reset() {
    let (p, origin) = provider().await;
    let c = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let http = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(p.base.clone()).unwrap(), &http)
            .await
            .unwrap();
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(c.id.clone()),
        Some(ClientSecret::new(c.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());

    // First login of the administrator: the enrolment offers a passkey next to the app; the
    // page works without script (the app's form) and says passkeys need JavaScript.
    let b = browser();
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, _, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let page = after_password(
        &p,
        &b,
        url.as_str(),
        ADMIN,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    assert!(
        page.contains("action=\"/login/passkey/register\""),
        "{page}"
    );
    assert!(page.contains("<script src=\"/assets/passkeys.js\" defer></script>"));
    assert!(
        page.contains("<noscript>"),
        "explains that passkeys need JavaScript"
    );
    assert!(
        page.contains("action=\"/login/enrol\""),
        "the app stays possible"
    );
    let options = options_in(&page);
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    let user_id = options["publicKey"]["user"]["id"].as_str().unwrap();
    assert!(!user_id.contains("cmartin"), "opaque user handle");

    // An answer for another site (phishing page) is refused, and that challenge is used up.
    let mut key = SoftKey::new(false);
    let phished = key.create(&options, "https://caf-79.example");
    let r = answer(
        &b,
        &p,
        "/login/passkey/register",
        &page,
        &phished,
        &[("label", "Clé")],
    )
    .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(alert(&page).contains("refusée"), "{page}");
    let stale = key.create(&options, &origin);
    let r = answer(
        &b,
        &p,
        "/login/passkey/register",
        &page,
        &stale,
        &[("label", "Clé")],
    )
    .await;
    assert_eq!(r.status(), 400, "the first challenge was used up");
    let page = r.text().await.unwrap();

    // The right answer to the page's challenge: the login completes with the passkey.
    let good = key.create(&options_in(&page), &origin);
    let r = answer(
        &b,
        &p,
        "/login/passkey/register",
        &page,
        &good,
        &[("label", "  Clé USB bleue ")],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let back = location(&r);
    assert!(back.starts_with(REDIRECT), "{back}");
    let q = query(&back);
    let tokens_rp = rp
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let id_token = tokens_rp.id_token().unwrap();
    let claims = id_token.claims(&rp.id_token_verifier(), &nonce).unwrap();
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), MFA_ACR);
    let amr: Vec<&str> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|m| m.as_str())
        .collect();
    assert_eq!(amr, ["pwd", "hwk", "mfa"]);

    // Second login: only the passkey is asked (no app enrolled, no recovery code).
    let b2 = browser();
    let (url, verifier) = authorize_url(&p, &c, "openid", "");
    let page = after_password(&p, &b2, &url, ADMIN, NEW_PASSWORD, None).await;
    assert!(page.contains("action=\"/login/passkey\""), "{page}");
    assert!(
        !page.contains("action=\"/login/totp\""),
        "no app, no code field"
    );
    let options = options_in(&page);
    assert_eq!(options["publicKey"]["userVerification"], "required");
    let allowed = options["publicKey"]["allowCredentials"].as_array().unwrap();
    assert_eq!(allowed.len(), 1);
    let used = key.get(&options, &origin);
    let r = answer(&b2, &p, "/login/passkey", &page, &used, &[]).await;
    assert_eq!(r.status(), 303);
    let body = tokens(&p, &c, &location(&r), &verifier).await;
    let id = payload(body["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["pwd", "hwk", "mfa"]), "{id}");
    assert_eq!(id["acr"], MFA_ACR);

    // Refusals, at a fresh second-factor page each time; each shows the same message.
    let b3 = browser();
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let mut page = after_password(&p, &b3, &url, ADMIN, NEW_PASSWORD, None).await;
    let other = SoftKey::new(false);
    let mut refusals = vec![
        ("replayed assertion", used.clone()),
        ("wrong origin", String::new()),
        ("another credential", String::new()),
        ("cloned counter", String::new()),
        ("malformed", "{\"id\":1}".to_owned()),
    ];
    let mut generic = None;
    for (what, preset) in refusals.drain(..) {
        let options = options_in(&page);
        let rp_id = options["publicKey"]["rpId"].as_str().unwrap().to_owned();
        let challenge = options["publicKey"]["challenge"]
            .as_str()
            .unwrap()
            .to_owned();
        let response = match what {
            "wrong origin" => {
                key.assertion(&rp_id, &challenge, "http://localhost:1", key.counter + 1)
            }
            "another credential" => other.assertion(&rp_id, &challenge, &origin, 1),
            // A counter that did not move on: a cloned authenticator (WebAuthn §6.1.1).
            "cloned counter" => key.assertion(&rp_id, &challenge, &origin, key.counter),
            _ => preset,
        };
        let r = answer(&b3, &p, "/login/passkey", &page, &response, &[]).await;
        assert_eq!(r.status(), 400, "{what}");
        page = r.text().await.unwrap();
        let msg = alert(&page).to_owned();
        assert!(msg.contains("accès refusée"), "{what}: {msg}");
        assert_eq!(generic.get_or_insert(msg.clone()), &msg, "{what}");
    }
    // The answer to the current challenge still works (the refusals were five failures, under
    // the lock; the delay after five is waited out).
    p.clock.advance(time::Duration::seconds(61));
    let page = get(&b3, &p.base, &format!("/login?i={}", hidden(&page, "i"))).await;
    let ok = key.get(&options_in(&page), &origin);
    let r = answer(&b3, &p, "/login/passkey", &page, &ok, &[]).await;
    assert_eq!(r.status(), 303);
    // ... and only once: the interaction is over.
    let r = answer(&b3, &p, "/login/passkey", &page, &ok, &[]).await;
    assert_eq!(r.status(), 400);

    // An agent adds a synced passkey on the self-service page after a password login.
    let agent = browser();
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let back = log_in(
        &agent,
        &p.base,
        &url,
        AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    assert!(back.starts_with(REDIRECT), "password only: {back}");
    let r = browser()
        .get(format!("{}/account/passkeys", p.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the page needs a session");
    let page = get(&agent, &p.base, "/account/passkeys").await;
    assert!(page.contains("Aucune clé d"), "{page}");
    assert!(page.contains("<noscript>"));
    let synced = SoftKey::new(true);
    let created = synced.create(&options_in(&page), &origin);
    let form =
        |action: &'static str, extra: Vec<(&'static str, String)>| -> Vec<(&'static str, String)> {
            let mut f = vec![
                ("csrf", hidden(&page, "csrf")),
                ("action", action.to_owned()),
            ];
            f.extend(extra);
            f
        };
    let r = agent
        .post(format!("{}/account/passkeys", p.base))
        .form(&[("csrf", "forged".to_owned()), ("action", "add".to_owned())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "CSRF");
    // The forged post started a new challenge with the page it answered: take the new page.
    let page = get(&agent, &p.base, "/account/passkeys").await;
    let created_again = synced.create(&options_in(&page), &origin);
    assert_ne!(created, created_again);
    let r = agent
        .post(format!("{}/account/passkeys", p.base))
        .form(&form(
            "add",
            vec![
                ("response", created_again),
                ("label", "Téléphone".to_owned()),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let page = get(&agent, &p.base, &location(&r)).await;
    assert!(page.contains("est enregistrée."), "{page}");
    assert!(page.contains("Téléphone"));
    assert!(page.contains("synchronisée"));
    let agent_key_id = between(&page, "name=\"id\" value=\"", "\"").to_owned();
    let r = agent
        .post(format!("{}/account/passkeys", p.base))
        .form(&form(
            "rename",
            vec![
                ("id", agent_key_id.clone()),
                ("label", "Mon téléphone".to_owned()),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // The administrator's session cannot remove the agent's passkey (another account).
    let admin_page = get(&b3, &p.base, "/account/passkeys").await;
    let r = b3
        .post(format!("{}/account/passkeys", p.base))
        .form(&[
            ("csrf", hidden(&admin_page, "csrf")),
            ("action", "remove".to_owned()),
            ("id", agent_key_id.clone()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("introuvable"));

    // The agent now proves the synced passkey at login: `swk`.
    let agent2 = browser();
    let (url, verifier) = authorize_url(&p, &c, "openid", "");
    let page = after_password(&p, &agent2, &url, AGENT, NEW_PASSWORD, None).await;
    let mut synced = synced;
    let r = answer(
        &agent2,
        &p,
        "/login/passkey",
        &page,
        &synced.get(&options_in(&page), &origin),
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    let body = tokens(&p, &c, &location(&r), &verifier).await;
    let id = payload(body["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["pwd", "swk", "mfa"]), "{id}");

    // The agent removes it themselves.
    let page = get(&agent, &p.base, "/account/passkeys").await;
    assert!(page.contains("Mon téléphone"));
    let r = agent
        .post(format!("{}/account/passkeys", p.base))
        .form(&[
            ("csrf", hidden(&page, "csrf")),
            ("action", "remove".to_owned()),
            ("id", agent_key_id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = get(&agent, &p.base, &location(&r)).await;
    assert!(page.contains("Aucune clé d"), "{page}");

    // The administrator's reset of the second factor removes the administrator's passkeys;
    // the next login enrols again.
    let db = &p.state.db;
    let login = idp::account::login_id::LoginId::parse(ADMIN).unwrap();
    let account = idp::store::account::by_login(db, &login)
        .await
        .unwrap()
        .unwrap();
    let done = idp::account::admin::reset_second_factor(
        db,
        p.clock.now(),
        &idp::actor::Actor::cli(),
        &account,
    )
    .await
    .unwrap();
    assert_eq!(done.end_sessions_of, vec![account.id]);
    let b4 = browser();
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let page = after_password(&p, &b4, &url, ADMIN, NEW_PASSWORD, None).await;
    assert!(
        page.contains("action=\"/login/enrol\""),
        "enrol again: {page}"
    );

    // Every change traced.
    let events = idp::store::audit::page(db, 0, 100_000).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for want in [
        "passkey.register",
        "passkey.rename",
        "passkey.remove",
        "second_factor.reset",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    let reset = events
        .iter()
        .rev()
        .find(|e| e.action == "second_factor.reset")
        .unwrap();
    let details: Value = serde_json::from_str(&reset.details).unwrap();
    assert_eq!(details["passkeys_removed"], 1, "{details}");
    p.stop().await;
}

/// The script is served from `/assets/` under the strict Content-Security-Policy.
#[tokio::test]
async fn the_passkey_script_is_a_static_asset() {
    let (p, _) = provider().await;
    let r = reqwest::get(format!("{}/assets/passkeys.js", p.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'"));
    let js = r.text().await.unwrap();
    assert!(js.contains("navigator.credentials.create"));
    assert!(js.contains("navigator.credentials.get"));
    p.stop().await;
}

/// A fund that requires passkeys of its administrators: an administrator who enrolled an app
/// before the rule must register a passkey at the next login, and app or recovery codes are
/// refused (403) by the server, not only hidden by the pages.
#[tokio::test]
async fn a_fund_can_require_passkeys_of_its_administrators() {
    let (p, origin) = provider().await;
    let c = p.register(Some(("caf-79", "cdap")), |_| {}).await;

    // Before the rule: the administrator enrols an app.
    let b = browser();
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let page = after_password(
        &p,
        &b,
        &url,
        ADMIN,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    let key = crate::login_mfa::manual_key(&page);
    let code = crate::login_mfa::totp(&key, p.clock.now());
    let r = post_from(&b, &p.base, "/login/enrol", &page, &[("code", &code)]).await;
    assert_eq!(r.status(), 200);
    let codes = crate::login_mfa::recovery_codes(&r.text().await.unwrap());

    // The fund now requires passkeys of its administrators.
    let db = &p.state.db;
    let fund = idp::fund::find(db, &idp::fund::FundCode::parse("caf-79").unwrap())
        .await
        .unwrap();
    let policy = idp::account::policy::FundPolicy {
        admin_passkey: Some(true),
        ..Default::default()
    };
    idp::account::admin::set_fund_policy(
        db,
        p.clock.now(),
        &idp::actor::Actor::cli(),
        &fund,
        &policy,
        None,
    )
    .await
    .unwrap();

    // Next login: a passkey must be registered; the app's code is refused.
    let b2 = browser();
    let (url, verifier) = authorize_url(&p, &c, "openid", "");
    let page = after_password(&p, &b2, &url, ADMIN, NEW_PASSWORD, None).await;
    assert!(
        page.contains("action=\"/login/passkey/register\""),
        "{page}"
    );
    assert!(!page.contains("id=\"totp-key\""), "no app offered: {page}");
    p.clock.advance(time::Duration::seconds(30));
    let code = crate::login_mfa::totp(&key, p.clock.now());
    let r = post_from(&b2, &p.base, "/login/enrol", &page, &[("code", &code)]).await;
    assert_eq!(r.status(), 403, "an app cannot be enrolled instead");
    let page = r.text().await.unwrap();
    assert!(alert(&page).contains("exige"), "{page}");
    let mut device = SoftKey::new(false);
    let created = device.create(&options_in(&page), &origin);
    let r = answer(
        &b2,
        &p,
        "/login/passkey/register",
        &page,
        &created,
        &[("label", "Clé")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let body = tokens(&p, &c, &location(&r), &verifier).await;
    let id = payload(body["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["pwd", "hwk", "mfa"]));

    // Later logins: only the passkey; the app's code and a recovery code are refused.
    let b3 = browser();
    let (url, verifier) = authorize_url(&p, &c, "openid", "");
    let page = after_password(&p, &b3, &url, ADMIN, NEW_PASSWORD, None).await;
    assert!(!page.contains("action=\"/login/totp\""), "{page}");
    p.clock.advance(time::Duration::seconds(30));
    let code = crate::login_mfa::totp(&key, p.clock.now());
    let r = post_from(&b3, &p.base, "/login/totp", &page, &[("code", &code)]).await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    let r = post_from(
        &b3,
        &p.base,
        "/login/totp",
        &page,
        &[("recovery", &codes[0])],
    )
    .await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    let r = answer(
        &b3,
        &p,
        "/login/passkey",
        &page,
        &device.get(&options_in(&page), &origin),
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    let body = tokens(&p, &c, &location(&r), &verifier).await;
    let id = payload(body["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], json!(["pwd", "hwk", "mfa"]));
    p.stop().await;
}
