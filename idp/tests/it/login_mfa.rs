//! The second factor in the login flow, through the real server: a partner administrator of
//! the demo enrols an authenticator app at first login (QR code and manual key, codes computed
//! here with totp-rs), gets `amr` `pwd otp mfa` and the MFA `acr`; the next login asks for the
//! code, a reused code is refused, a recovery code works once, and ten failures lock the
//! account behind the same generic message. An agent is made to enrol when the client asks
//! for the MFA `acr`.

use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::oidc::{
    NEW_PASSWORD, Provider, REDIRECT, Registered, authorize_url, browser, hidden, location, log_in,
    payload, query, raw_token, urlencode,
};
use idp::clock::Clock;

/// The demo's principal administrator of the Mairie de Niort for the Caf des Deux-Sèvres.
pub(crate) const ADMIN: &str = "79caf0191.cmartin";
pub(crate) const MFA_ACR: &str = "https://proconnect.gouv.fr/assurance/self-asserted-2fa";

/// The TOTP code of a base32 key at `at` (RFC 6238, SHA-1, 6 digits, 30 s), computed with
/// totp-rs independently of the server's code.
pub(crate) fn totp(key: &str, at: OffsetDateTime) -> String {
    let bytes = totp_rs::Secret::try_from_base32(key).unwrap();
    totp_rs::Builder::new()
        .with_secret(bytes.as_bytes().to_vec())
        .with_digits(6)
        .with_step_duration(30)
        .build_noncompliant()
        .generate(u64::try_from(at.unix_timestamp()).unwrap())
        .to_string()
}

/// A page of the provider.
pub(crate) async fn get(b: &reqwest::Client, base: &str, path: &str) -> String {
    let r = b.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()["cache-control"], "no-store");
    r.text().await.unwrap()
}

/// A form posted from a page (its `i` and `csrf`, plus `fields`).
pub(crate) async fn post_from(
    b: &reqwest::Client,
    base: &str,
    action: &str,
    page: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = vec![
        ("i".to_owned(), hidden(page, "i")),
        ("csrf".to_owned(), hidden(page, "csrf")),
    ];
    form.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    b.post(format!("{base}{action}"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// The text between `start` (after it) and `end`.
pub(crate) fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let at = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {html}"))
        + start.len();
    let len = html[at..].find(end).unwrap();
    &html[at..at + len]
}

/// The manual key of an enrolment page, without spaces.
pub(crate) fn manual_key(html: &str) -> String {
    between(html, "id=\"totp-key\">", "</code>").replace(' ', "")
}

/// The recovery codes of the page shown after an enrolment.
pub(crate) fn recovery_codes(html: &str) -> Vec<String> {
    between(html, "id=\"recovery-codes\">", "</ol>")
        .split("<li>")
        .filter_map(|s| s.strip_suffix("</li>"))
        .map(str::to_owned)
        .collect()
}

/// The alert of a page.
pub(crate) fn alert(html: &str) -> &str {
    between(html, "role=\"alert\" id=\"error\">", "</div>")
}

/// Every page is French first, with a link to its English version (and the other way).
pub(crate) async fn bilingual(b: &reqwest::Client, base: &str, html: &str) {
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    let href = between(
        html,
        "<a href=\"",
        "\" lang=\"en\" hreflang=\"en\">English</a>",
    )
    .replace("&amp;", "&")
    .replace("&#38;", "&");
    let en = get(b, base, &href).await;
    assert!(en.contains("<html lang=\"en\">"), "{en}");
    assert!(en.contains("hreflang=\"fr\">Français</a>"));
}

/// Exchanges the code of a redirect; returns the token response.
pub(crate) async fn tokens(p: &Provider, c: &Registered, back: &str, verifier: &str) -> Value {
    assert!(back.starts_with(REDIRECT), "{back}");
    let code = query(back)["code"].clone();
    let (status, body) = raw_token(
        p,
        c,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A login up to the second-factor page: the password step, then the page it leads to.
async fn to_code_page(p: &Provider, b: &reqwest::Client, url: &str, password: &str) -> String {
    let next = log_in(b, &p.base, url, ADMIN, password, None).await;
    assert!(next.starts_with("/login?"), "{next}");
    let html = get(b, &p.base, &next).await;
    assert!(html.contains("action=\"/login/totp\""), "{html}");
    html
}

#[tokio::test]
async fn an_administrator_enrols_then_proves_the_second_factor_at_each_login() {
    let p = Provider::start().await;
    let c = p.register(Some(("caf-79", "cdap")), |_| {}).await;

    // First login: temporary password, its change, then the enrolment (in that order).
    let b = browser();
    let (url, verifier) = authorize_url(&p, &c, "openid", "");
    let next = log_in(
        &b,
        &p.base,
        &url,
        ADMIN,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    assert!(
        next.starts_with("/login?"),
        "enrolment comes after the change: {next}"
    );
    let page = get(&b, &p.base, &next).await;
    assert!(page.contains("<svg"), "inline QR code: {page}");
    assert!(!page.contains("<?xml"));
    assert!(!page.contains("data:"), "no data: image");
    assert!(!page.contains("<script"));
    assert!(page.contains("autocomplete=\"one-time-code\""));
    assert!(page.contains("inputmode=\"numeric\""));
    bilingual(&b, &p.base, &page).await;
    let key = manual_key(&page);
    assert_eq!(key.len(), 32, "160-bit key in base32: {key}");

    // A wrong code: the same key is shown again, with a message.
    let now = p.clock.now();
    let right = totp(&key, now);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let page = get(&b, &p.base, &next).await;
    let r = post_from(&b, &p.base, "/login/enrol", &page, &[("code", wrong)]).await;
    assert_eq!(r.status(), 200);
    let again = r.text().await.unwrap();
    assert!(alert(&again).contains("incorrect"), "{again}");
    assert_eq!(manual_key(&again), key, "the scanned key stays");

    // The right code: ten recovery codes, shown once.
    let r = post_from(&b, &p.base, "/login/enrol", &again, &[("code", &right)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let shown = r.text().await.unwrap();
    let codes = recovery_codes(&shown);
    assert_eq!(codes.len(), 10, "{shown}");
    assert!(codes.iter().all(|c| c.len() == 14), "{codes:?}");
    let reloaded = get(&b, &p.base, &next).await;
    assert!(!reloaded.contains("recovery-codes"), "never shown twice");
    assert!(!reloaded.contains(&codes[0]));
    assert!(reloaded.contains("action=\"/login/continue\""));
    let r = post_from(&b, &p.base, "/login/continue", &reloaded, &[]).await;
    assert_eq!(r.status(), 303);
    let body = tokens(&p, &c, &location(&r), &verifier).await;
    let id = payload(body["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]), "{id}");
    assert_eq!(id["acr"], MFA_ACR);

    // Second login (another browser): the code is asked; the code used at enrolment is
    // refused, the next step's code is accepted.
    let b2 = browser();
    let (url, verifier) = authorize_url(&p, &c, "openid", "");
    let page = to_code_page(&p, &b2, &url, NEW_PASSWORD).await;
    assert!(page.contains("autocomplete=\"one-time-code\""));
    assert!(page.contains("inputmode=\"numeric\""));
    assert!(page.contains("<details>"), "recovery code option");
    bilingual(&b2, &p.base, &page).await;
    let page = get(&b2, &p.base, &location_of_page(&page)).await;
    let r = post_from(&b2, &p.base, "/login/totp", &page, &[("code", &right)]).await;
    assert_eq!(r.status(), 200, "a used code is refused");
    let refused = r.text().await.unwrap();
    let generic = alert(&refused).to_owned();
    p.clock.advance(Duration::seconds(30));
    let fresh = totp(&key, p.clock.now());
    let r = post_from(&b2, &p.base, "/login/totp", &refused, &[("code", &fresh)]).await;
    assert_eq!(r.status(), 303);
    let body = tokens(&p, &c, &location(&r), &verifier).await;
    let id = payload(body["id_token"].as_str().unwrap());
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
    assert_eq!(id["acr"], MFA_ACR);

    // A recovery code works once.
    for (attempt, want) in [(1, 303), (2, 200)] {
        let b3 = browser();
        let (url, _) = authorize_url(&p, &c, "openid", "");
        let page = to_code_page(&p, &b3, &url, NEW_PASSWORD).await;
        let r = post_from(
            &b3,
            &p.base,
            "/login/totp",
            &page,
            &[("recovery", &codes[0])],
        )
        .await;
        assert_eq!(r.status(), want, "recovery code, attempt {attempt}");
        if want == 200 {
            assert_eq!(alert(&r.text().await.unwrap()), generic);
        } else {
            assert!(location(&r).starts_with(REDIRECT));
        }
    }

    // Wrong codes until the lock (10 failures; the right password forgot the earlier ones):
    // always the same message, and then even the right code is refused.
    let b4 = browser();
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let mut page = to_code_page(&p, &b4, &url, NEW_PASSWORD).await;
    for _ in 0..10 {
        p.clock.advance(Duration::seconds(61));
        let r = post_from(&b4, &p.base, "/login/totp", &page, &[("code", "000001")]).await;
        assert_eq!(r.status(), 200);
        page = r.text().await.unwrap();
        assert_eq!(alert(&page), generic);
    }
    p.clock.advance(Duration::seconds(31));
    let fresh = totp(&key, p.clock.now());
    let r = post_from(&b4, &p.base, "/login/totp", &page, &[("code", &fresh)]).await;
    assert_eq!(r.status(), 200, "locked: even the right code is refused");
    assert_eq!(alert(&r.text().await.unwrap()), generic);
    // The password step of the locked account: the login page's one generic message.
    let b5 = browser();
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let login_page =
        crate::oidc::login_page(b5.get(&url).send().await.unwrap(), "no session").await;
    let r = post_from(
        &b5,
        &p.base,
        "/login",
        &login_page,
        &[("username", ADMIN), ("password", NEW_PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        alert(&html).starts_with("Identifiant ou mot de passe incorrect"),
        "{html}"
    );
    let events = idp::store::audit::page(&p.state.db, 0, 10_000)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.action == "account.lock" && e.target_id.as_deref() == Some(ADMIN)),
        "the lock is traced"
    );
    let fails = events
        .iter()
        .filter(|e| e.action == "login.fail" && e.details.contains("wrong_second_factor"))
        .count();
    // The reused code of the second login, the reused recovery code, ten wrong codes.
    assert_eq!(fails, 12);
    p.stop().await;
}

/// The address of a page's own form (to show it again).
fn location_of_page(html: &str) -> String {
    format!("/login?i={}&lang=fr", hidden(html, "i"))
}

#[tokio::test]
async fn acr_values_asking_for_mfa_make_an_agent_enrol() {
    let p = Provider::start().await;
    let c = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let b = browser();
    let extra = format!("&acr_values={}", urlencode(MFA_ACR));
    let (url, verifier) = authorize_url(&p, &c, "openid", &extra);
    let next = log_in(
        &b,
        &p.base,
        &url,
        crate::oidc::AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    assert!(next.starts_with("/login?"), "{next}");
    let page = get(&b, &p.base, &next).await;
    let key = manual_key(&page);
    let code = totp(&key, p.clock.now());
    let r = post_from(&b, &p.base, "/login/enrol", &page, &[("code", &code)]).await;
    let shown = r.text().await.unwrap();
    assert_eq!(recovery_codes(&shown).len(), 10);
    let r = post_from(&b, &p.base, "/login/continue", &shown, &[]).await;
    let body = tokens(&p, &c, &location(&r), &verifier).await;
    let id = payload(body["id_token"].as_str().unwrap());
    assert_eq!(id["acr"], MFA_ACR, "{id}");
    assert_eq!(id["amr"], serde_json::json!(["pwd", "otp", "mfa"]));

    // Without acr_values, the agent now enrolled is asked the code all the same.
    let b2 = browser();
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let next = log_in(&b2, &p.base, &url, crate::oidc::AGENT, NEW_PASSWORD, None).await;
    assert!(next.starts_with("/login?"), "{next}");
    let page = get(&b2, &p.base, &next).await;
    assert!(page.contains("action=\"/login/totp\""));
    p.stop().await;
}
