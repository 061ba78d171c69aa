//! The password pages outside the login flow and the end of sessions, through the real server:
//! the forgotten password (the same answer for every login, the link read from the spooled
//! e-mail, the person's sessions and refresh tokens ended), the change of password by a
//! logged-in person, and `idp account disable` run as a process against the server's database
//! (its sessions end: refresh token refused, access token inactive, back-channel logout queued).

use std::process::Command;

use serde_json::Value;

use crate::login_mfa::{alert, between, bilingual, get, tokens};
use crate::oidc::{
    AGENT, NEW_PASSWORD, Provider, REDIRECT, Registered, authorize_url, browser, hidden, log_in,
    login_page, raw_token,
};

/// The demo agent of the Mairie de Niort with an e-mail address.
const SOPHIE: &str = "79caf0191.sdurand";
const RESET_PASSWORD: &str = "Encore une autre phrase secrète";
const OWN_PASSWORD: &str = "Troisième phrase de passe choisie";

/// The spooled messages of a folder.
pub(crate) fn spooled(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The reset link of a spooled message (quoted-printable undone).
pub(crate) fn link_in(mail: &str) -> String {
    let unfolded = mail
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let at = unfolded.find("http").unwrap();
    let end = unfolded[at..]
        .find(char::is_whitespace)
        .map_or(unfolded.len(), |e| at + e);
    unfolded[at..end].to_owned()
}

/// A plain form post (no interaction).
pub(crate) async fn post(
    b: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    b.post(url).form(fields).send().await.unwrap()
}

pub(crate) async fn introspect(p: &Provider, c: &Registered, token: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{}/introspect", p.base))
        .basic_auth(&c.id, Some(&c.secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub(crate) async fn refresh(p: &Provider, c: &Registered, token: &str) -> (u16, Value) {
    raw_token(
        p,
        c,
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
    .await
}

/// Logs a person in through a new browser and exchanges the code; the browser and tokens.
async fn logged_in(
    p: &Provider,
    c: &Registered,
    login: &str,
    password: &str,
    new: Option<&str>,
) -> (reqwest::Client, Value) {
    let b = browser();
    let (url, verifier) = authorize_url(p, c, "openid", "");
    let back = log_in(&b, &p.base, &url, login, password, new).await;
    let body = tokens(p, c, &back, &verifier).await;
    (b, body)
}

#[tokio::test]
async fn forgotten_password_by_the_spooled_link_then_change_by_the_person() {
    let spool = tempfile::tempdir().unwrap();
    let spool_dir = spool.path().display().to_string();
    let p = Provider::start_with(|c| c.mail.spool_dir = spool_dir).await;
    let c = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let (b, before) = logged_in(&p, &c, SOPHIE, idp::demo::DEMO_PASSWORD, Some(NEW_PASSWORD)).await;

    // The login page links to the forgotten-password page.
    let f = browser();
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let page = login_page(f.get(&url).send().await.unwrap(), "no session").await;
    assert!(page.contains("href=\"/password/forgot?lang=fr\""));

    let page = get(&f, &p.base, "/password/forgot?lang=fr").await;
    bilingual(&f, &p.base, &page).await;
    let page = get(&f, &p.base, "/password/forgot?lang=fr").await;
    assert!(page.contains("autocomplete=\"username\""));
    let csrf = hidden(&page, "csrf");
    let forgot = format!("{}/password/forgot", p.base);
    // A forged form (no token) is refused and sends nothing.
    let r = post(&f, &forgot, &[("username", SOPHIE), ("lang", "fr")]).await;
    assert_eq!(r.status(), 400);
    // The same answer for an unknown login and for the real one.
    let mut answers = Vec::new();
    for login in ["79caf0191.personne", SOPHIE] {
        let r = post(
            &f,
            &forgot,
            &[("csrf", &csrf), ("lang", "fr"), ("username", login)],
        )
        .await;
        assert_eq!(r.status(), 200);
        answers.push(r.text().await.unwrap());
    }
    assert!(answers[0].contains("id=\"sent\""), "{}", answers[0]);
    assert_eq!(
        answers[0], answers[1],
        "nothing tells whether the account exists"
    );

    // One message, for the real account; its link opens the reset form.
    let mails = spooled(spool.path());
    assert_eq!(mails.len(), 1);
    let link = link_in(&mails[0]);
    assert!(
        link.starts_with(&format!("{}/password/reset?token=", p.base)),
        "{link}"
    );
    let path = link.trim_start_matches(&p.base).to_owned();
    let g = browser();
    let page = get(&g, &p.base, &path).await;
    assert!(page.contains("autocomplete=\"new-password\""));
    bilingual(&g, &p.base, &page).await;
    let page = get(&g, &p.base, &format!("{path}&lang=fr")).await;
    let token = hidden(&page, "token");
    let reset = format!("{}/password/reset", p.base);
    let fields = |new: &'static str| {
        [
            ("csrf", hidden(&page, "csrf")),
            ("lang", "fr".to_owned()),
            ("token", token.clone()),
            ("new", new.to_owned()),
            ("confirm", new.to_owned()),
        ]
    };
    // The policy's refusal, in French, on the form.
    let r = g.post(&reset).form(&fields("court")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(alert(&html).contains("caractères"), "{html}");
    let r = g
        .post(&reset)
        .form(&fields(RESET_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(between(&html, "id=\"message\">", "</p>").contains("sessions ont été fermées"));

    // Every session of the person ended: refresh refused, access token inactive, no SSO.
    let (status, body) = refresh(&p, &c, before["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let access = before["access_token"].as_str().unwrap();
    assert_eq!(introspect(&p, &c, access).await["active"], false);
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let r = b.get(&url).send().await.unwrap();
    login_page(r, "the old session is gone").await;
    // The link works once.
    let again = get(&g, &p.base, &path).await;
    assert!(
        again.contains("plus valable (déjà utilisé ou expiré)"),
        "{again}"
    );

    // The person logs in with the new password and changes it on the self-service page.
    let (b, _) = logged_in(&p, &c, SOPHIE, RESET_PASSWORD, None).await;
    let page = get(&b, &p.base, "/account/password?lang=fr").await;
    assert!(page.contains(SOPHIE));
    assert!(page.contains("autocomplete=\"current-password\""));
    bilingual(&b, &p.base, &page).await;
    let page = get(&b, &p.base, "/account/password?lang=fr").await;
    let own = format!("{}/account/password", p.base);
    let send = |csrf: String, current: &'static str| {
        [
            ("csrf", csrf),
            ("lang", "fr".to_owned()),
            ("current", current.to_owned()),
            ("new", OWN_PASSWORD.to_owned()),
            ("confirm", OWN_PASSWORD.to_owned()),
        ]
    };
    let r = b
        .post(&own)
        .form(&send("x".repeat(64), RESET_PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "forged form");
    let r = b
        .post(&own)
        .form(&send(hidden(&page, "csrf"), NEW_PASSWORD))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert_eq!(alert(&html), "Le mot de passe actuel est incorrect.");
    let r = b
        .post(&own)
        .form(&send(hidden(&page, "csrf"), RESET_PASSWORD))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("Votre mot de passe est changé."), "{html}");
    let (_, after) = logged_in(&p, &c, SOPHIE, OWN_PASSWORD, None).await;
    assert!(after["id_token"].is_string());
    // Without a session, the page asks to log in first.
    let r = browser()
        .get(format!("{}/account/password", p.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    p.stop().await;
}

#[tokio::test]
async fn disabling_an_account_from_the_command_line_ends_its_sessions_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("shared.sqlite").display()
    );
    let db_url = url.clone();
    let p = Provider::start_with(|c| c.database.url = idp::secret::Secret::new(db_url)).await;
    let c = p
        .register(Some(("caf-79", "cdap")), |n| {
            n.backchannel_logout_uri =
                Some(idp::oidc::client::RedirectUri::parse("http://127.0.0.1:9/logout").unwrap());
        })
        .await;
    let (_, t) = logged_in(&p, &c, AGENT, idp::demo::DEMO_PASSWORD, Some(NEW_PASSWORD)).await;
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(introspect(&p, &c, access).await["active"], true);

    let out = Command::new(env!("CARGO_BIN_EXE_idp"))
        .args([
            "--json",
            "account",
            "disable",
            AGENT,
            "--reason",
            "Départ de l'agent",
        ])
        .current_dir(dir.path())
        .env("HABILIS_DATABASE__URL", &url)
        .env_remove("HABILIS_REDIS__URL")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let done: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(done["sessions_ended"], 1, "{done}");
    assert_eq!(done["account"]["status"], "disabled");

    let (status, body) = refresh(&p, &c, t["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        introspect(&p, &c, access).await,
        serde_json::json!({"active": false})
    );
    let events = idp::store::audit::page(&p.state.db, 0, 10_000)
        .await
        .unwrap();
    let ended = events
        .iter()
        .find(|e| e.action == "session.end" && e.target_id.as_deref() == Some(AGENT))
        .expect("session end traced");
    assert!(
        ended.details.contains(&c.id),
        "back-channel logout queued: {}",
        ended.details
    );
    assert!(ended.details.contains("account_changed"));
    // And the person cannot log in any more.
    let b = browser();
    let (url, _) = authorize_url(&p, &c, "openid", "");
    let page = login_page(b.get(&url).send().await.unwrap(), "no session").await;
    let r = crate::login_mfa::post_from(
        &b,
        &p.base,
        "/login",
        &page,
        &[("username", AGENT), ("password", NEW_PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(!r.text().await.unwrap().contains(REDIRECT));
    p.stop().await;
}
