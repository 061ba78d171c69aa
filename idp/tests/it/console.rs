//! The web console over HTTP, as a browser uses it: the login through Habilis's own
//! authorization endpoint (password change and second factor included), the pages of each
//! role, CSRF, isolation between partners, the idle time-out and the logout.

use idp::clock::Clock;
use time::Duration;

use crate::login_mfa::{between, manual_key, totp};
use crate::oidc::{AGENT, NEW_PASSWORD, Provider, browser, hidden, location};

/// The principal administrator of the demo's Mairie de Niort (CAF 79).
pub(crate) const PRINCIPAL: &str = "79caf0191.cmartin";
/// The operator of the demo's CAF des Deux-Sèvres.
pub(crate) const OPERATOR: &str = "operateur.caf-79@demo.habilis.example.fr";

/// A person logged in to the console in a browser.
pub(crate) struct Session {
    pub(crate) b: reqwest::Client,
    /// Their TOTP key, when they enrolled one during the login.
    pub(crate) totp_key: Option<String>,
}

/// A console page: its status and body.
pub(crate) async fn page(p: &Provider, s: &Session, path: &str) -> (u16, String) {
    let r = s.b.get(format!("{}{path}", p.base)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// Posts a console form: the page's CSRF token plus `fields`; answers status, Location and
/// body.
pub(crate) async fn submit(
    p: &Provider,
    s: &Session,
    action: &str,
    from_page: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let mut form = vec![("csrf".to_owned(), hidden(from_page, "csrf"))];
    form.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let r =
        s.b.post(format!("{}{action}", p.base))
            .form(&form)
            .send()
            .await
            .unwrap();
    let status = r.status().as_u16();
    let loc = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, loc, r.text().await.unwrap())
}

/// Logs in to the console as a browser would: `/console` → `/console/login` → `/authorize` →
/// the login pages (password; its change when `new_password` is given; the TOTP enrolment or
/// code the fund's policy asks for) → `/console/callback` → `/console`.
pub(crate) async fn console_login(
    p: &Provider,
    login: &str,
    password: &str,
    new_password: Option<&str>,
    totp_key: Option<&str>,
) -> Session {
    let b = browser();
    let r = b.get(format!("{}/console", p.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let mut next = location(&r);
    assert_eq!(next, "/console/login?next=%2Fconsole");
    let mut key = totp_key.map(str::to_owned);
    for _ in 0..12 {
        let url = if next.starts_with("http") {
            next.clone()
        } else {
            format!("{}{next}", p.base)
        };
        if next.starts_with("/console")
            && !next.starts_with("/console/login")
            && !next.starts_with("/console/callback")
        {
            return Session { b, totp_key: key };
        }
        let r = b.get(&url).send().await.unwrap();
        if r.status() == 303 {
            next = location(&r);
            continue;
        }
        assert_eq!(r.status(), 200, "{url}");
        let html = r.text().await.unwrap();
        let form: Vec<(String, String)> = if html.contains("action=\"/login\"") {
            vec![
                ("i".into(), hidden(&html, "i")),
                ("username".into(), login.into()),
                ("password".into(), password.into()),
            ]
        } else if html.contains("action=\"/login/password\"") {
            let new = new_password.expect("a password change is asked");
            vec![
                ("i".into(), hidden(&html, "i")),
                ("current".into(), password.into()),
                ("new".into(), new.into()),
                ("confirm".into(), new.into()),
            ]
        } else if html.contains("action=\"/login/enrol\"") {
            let k = manual_key(&html);
            let code = totp(&k, p.clock.now());
            key = Some(k);
            vec![("i".into(), hidden(&html, "i")), ("code".into(), code)]
        } else if html.contains("action=\"/login/totp\"") {
            // A code of the next step: the one of the enrolment was used.
            p.clock.advance(Duration::seconds(30));
            let code = totp(key.as_deref().expect("a TOTP key"), p.clock.now());
            vec![("i".into(), hidden(&html, "i")), ("code".into(), code)]
        } else if html.contains("action=\"/login/continue\"") {
            vec![("i".into(), hidden(&html, "i"))]
        } else {
            panic!("unexpected page on the way to the console: {html}");
        };
        let action = between(&html, "<form method=\"post\" action=\"", "\"").to_owned();
        let mut form = form;
        form.push(("csrf".into(), hidden(&html, "csrf")));
        let r = b
            .post(format!("{}{action}", p.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            // The recovery codes (after an enrolment) are a page with a "continue" form.
            let html = r.text().await.unwrap();
            assert!(html.contains("action=\"/login/continue\""), "{html}");
            let r = b
                .post(format!("{}/login/continue", p.base))
                .form(&[("i", hidden(&html, "i")), ("csrf", hidden(&html, "csrf"))])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303);
            next = location(&r);
            continue;
        }
        assert_eq!(r.status(), 303, "{action}: {}", r.text().await.unwrap());
        next = location(&r);
    }
    panic!("the console login did not end");
}

#[tokio::test]
async fn an_agent_logs_in_to_the_console_and_sees_their_account_and_habilitations() {
    let p = Provider::start().await;
    // Not logged in: every page sends to the login, which is an OIDC request of the console.
    let b = browser();
    let r = b
        .get(format!("{}/console/me?lang=en", p.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        "/console/login?next=%2Fconsole%2Fme%3Flang%3Den"
    );
    let r = b
        .get(format!("{}/console/login?next=/console/me", p.base))
        .send()
        .await
        .unwrap();
    let auth = location(&r);
    assert!(auth.starts_with("/authorize?"), "{auth}");
    for part in [
        "client_id=habilis-console",
        "code_challenge_method=S256",
        "redirect_uri=http%3A%2F%2F127.0.0.1",
        "%2Fconsole%2Fcallback",
    ] {
        assert!(auth.contains(part), "{part} in {auth}");
    }
    // A callback without the flow's cookie or with another state is refused.
    let r = browser()
        .get(format!("{}/console/callback?code=x&state=y", p.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = b
        .get(format!("{}/console/callback?code=x&state=forged", p.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // An open redirect through `next` is impossible.
    let r = b
        .get(format!(
            "{}/console/login?next=https://evil.example/",
            p.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    let s = console_login(
        &p,
        AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
        None,
    )
    .await;
    let (status, home) = page(&p, &s, "/console").await;
    assert_eq!(status, 200, "{home}");
    assert!(home.contains("<html lang=\"fr\">"));
    assert!(home.contains("Luc Petit"), "{home}");
    assert!(
        !home.contains("/console/fund"),
        "an agent has no fund pages"
    );
    let (status, me) = page(&p, &s, "/console/me").await;
    assert_eq!(status, 200);
    assert!(me.contains("Mes habilitations"), "{me}");
    assert!(me.contains("T1"), "the demo grants T1 to Luc Petit: {me}");
    let (status, en) = page(&p, &s, "/console/me?lang=en").await;
    assert_eq!(status, 200);
    assert!(en.contains("<html lang=\"en\">") && en.contains("My habilitations"));
    // The choice is remembered.
    let (_, again) = page(&p, &s, "/console").await;
    assert!(again.contains("<html lang=\"en\">"));
    // An agent sees no partner's administration and no fund page.
    let (status, _) = page(&p, &s, "/console/fund/partners").await;
    assert_eq!(status, 403);
    p.stop().await;
}

#[tokio::test]
async fn an_administrator_creates_a_user_and_never_reaches_another_partner() {
    let p = Provider::start().await;
    let s = console_login(
        &p,
        PRINCIPAL,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
        None,
    )
    .await;
    assert!(
        s.totp_key.is_some(),
        "an administrator enrols a second factor"
    );
    let (status, home) = page(&p, &s, "/console").await;
    assert_eq!(status, 200);
    let accounts_href = between(&home, "<a href=\"/console/partners/", "\"");
    let partner: i64 = accounts_href.split('/').next().unwrap().parse().unwrap();
    let list_path = format!("/console/partners/{partner}/accounts");
    let (status, list) = page(&p, &s, &list_path).await;
    assert_eq!(status, 200, "{list}");
    assert!(list.contains("Durand"), "{list}");
    // Filters run in SQL: a search narrows the list.
    let (_, found) = page(&p, &s, &format!("{list_path}?q=durand")).await;
    assert!(
        found.contains("Durand") && !found.contains("Bernard"),
        "{found}"
    );

    // Creating a user: a missing name is shown next to its field, nothing is created.
    let new_path = format!("{list_path}/new");
    let (status, form) = page(&p, &s, &new_path).await;
    assert_eq!(status, 200);
    let (status, _, refused) = submit(
        &p,
        &s,
        &new_path,
        &form,
        &[("given_name", "Anne"), ("family_name", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("class=\"error-summary\""), "{refused}");
    assert!(refused.contains("href=\"#family_name\""));
    assert!(refused.contains("aria-invalid=\"true\""));
    assert!(refused.contains("value=\"Anne\""), "what was typed stays");
    // A forged form (no valid CSRF token) changes nothing.
    let r =
        s.b.post(format!("{}{new_path}", p.base))
            .form(&[
                ("csrf", "forged"),
                ("given_name", "Eve"),
                ("family_name", "Forgée"),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    let (_, list) = page(&p, &s, &list_path).await;
    assert!(!list.contains("Forgée"));
    // The real creation shows the login and the temporary password once.
    let (status, _, created) = submit(
        &p,
        &s,
        &new_path,
        &form,
        &[
            ("given_name", "Anne"),
            ("family_name", "Lefèvre"),
            ("email", "anne.lefevre@mairie-niort.example.fr"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let login = between(&created, "id=\"new-login\">", "</code>").to_owned();
    let temporary = between(&created, "id=\"temporary-password\">", "</code>").to_owned();
    assert!(temporary.len() >= 12, "{temporary}");
    let (_, list) = page(&p, &s, &list_path).await;
    assert!(list.contains(&login), "{list}");
    assert!(
        !list.contains(&temporary),
        "the password is never shown again"
    );
    // A bad e-mail is explained next to the e-mail field.
    let (status, _, bad) = submit(
        &p,
        &s,
        &new_path,
        &form,
        &[
            ("given_name", "Marc"),
            ("family_name", "Blanc"),
            ("email", "not-an-address"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(bad.contains("id=\"email-error\""), "{bad}");

    // Another partner's pages (another fund's, here) are not even shown to exist.
    let other = idp::partner::list(
        &p.state.db,
        &idp::fund::find(
            &p.state.db,
            &idp::fund::FundCode::parse("msa-armorique").unwrap(),
        )
        .await
        .unwrap(),
    )
    .await
    .unwrap()
    .into_iter()
    .next()
    .unwrap();
    for path in [
        format!("/console/partners/{}/accounts", other.id),
        format!("/console/partners/{}/accounts/new", other.id),
    ] {
        let (status, body) = page(&p, &s, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains(&other.name), "{path}: {body}");
    }
    let (status, _, _) = submit(
        &p,
        &s,
        &format!("/console/partners/{}/accounts/new", other.id),
        &form,
        &[("given_name", "Intrus"), ("family_name", "Intrus")],
    )
    .await;
    assert_eq!(status, 404);
    // Partner administrators have no fund pages.
    let (status, _) = page(&p, &s, "/console/fund/partners").await;
    assert_eq!(status, 403);
    p.stop().await;
}

#[tokio::test]
async fn an_operator_lists_the_partners_of_their_fund_only() {
    let p = Provider::start().await;
    let s = console_login(
        &p,
        OPERATOR,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
        None,
    )
    .await;
    let (status, list) = page(&p, &s, "/console/fund/partners").await;
    assert_eq!(status, 200, "{list}");
    assert!(list.contains("Mairie de Niort"), "{list}");
    let (_, none) = page(&p, &s, "/console/fund/partners?q=zzzz-nothing").await;
    assert!(none.contains("Aucun élément."), "{none}");
    // The partner of another fund is not listed.
    let armorique = idp::fund::find(
        &p.state.db,
        &idp::fund::FundCode::parse("msa-armorique").unwrap(),
    )
    .await
    .unwrap();
    for other in idp::partner::list(&p.state.db, &armorique).await.unwrap() {
        assert!(!list.contains(&format!("/console/fund/partners/{}\"", other.id)));
    }
    p.stop().await;
}

#[tokio::test]
async fn the_console_session_times_out_after_30_idle_minutes_and_ends_at_logout() {
    let p = Provider::start().await;
    let s = console_login(
        &p,
        AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
        None,
    )
    .await;
    // Activity keeps it alive.
    for _ in 0..3 {
        p.clock.advance(Duration::minutes(20));
        let (status, _) = page(&p, &s, "/console/me").await;
        assert_eq!(status, 200);
    }
    // 31 idle minutes end it: back to the login.
    p.clock.advance(Duration::minutes(31));
    let r =
        s.b.get(format!("{}/console/me", p.base))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/console/login"));

    // Logging out ends the session (a new login first).
    let s = console_login(&p, AGENT, NEW_PASSWORD, None, None).await;
    let (_, home) = page(&p, &s, "/console").await;
    // The logout form needs its CSRF token.
    let r =
        s.b.post(format!("{}/console/logout", p.base))
            .form(&[("csrf", "forged")])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    let (status, _) = page(&p, &s, "/console").await;
    assert_eq!(status, 200, "still logged in");
    let (status, loc, _) = submit(&p, &s, "/console/logout", &home, &[]).await;
    assert_eq!(status, 303);
    assert!(loc.starts_with("/console/bye"), "{loc}");
    let r = s.b.get(format!("{}/console", p.base)).send().await.unwrap();
    assert_eq!(r.status(), 303, "logged out");
    p.stop().await;
}

/// The database unreachable while someone works in the console: the page says « Service
/// momentanément indisponible » with 503 and `Retry-After`, not an internal error.
#[tokio::test]
async fn a_console_page_when_the_database_is_unreachable() {
    let p = Provider::start().await;
    let s = console_login(
        &p,
        AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
        None,
    )
    .await;
    assert_eq!(page(&p, &s, "/console/me").await.0, 200);
    p.state.db.clone().close().await.unwrap();
    let r =
        s.b.get(format!("{}/console/me", p.base))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("momentanément indisponible")
    );
}
