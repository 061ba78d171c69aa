//! The OpenID Connect provider as relying parties see it: the real server on a random port,
//! the demo organisations, a client registered for CDAP, the `openidconnect` crate as relying
//! party, a cookie-keeping HTTP client as the browser, and raw HTTP for every refusal.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use idp::app::App;
use idp::clock::{Clock, ManualClock, SystemClock};
use idp::config::Config;
use idp::fund::{self, FundCode};
use idp::oidc::client::{self, NewClient, Owner, RedirectUri};
use idp::service::{self, ServiceCode};
use idp::state::AppState;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};
use serde_json::Value;
use time::Duration;

pub(crate) const REDIRECT: &str = "http://localhost:7777/callback";
pub(crate) const AGENT: &str = "79caf0191.lpetit";
pub(crate) const NEW_PASSWORD: &str = "Une phrase de passe assez longue";

/// A running provider with the demo data and registered clients.
pub(crate) struct Provider {
    pub(crate) base: String,
    pub(crate) state: AppState,
    pub(crate) clock: ManualClock,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

/// A registered client: id and secret.
pub(crate) struct Registered {
    pub(crate) id: String,
    pub(crate) secret: String,
}

impl Provider {
    pub(crate) async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub(crate) async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // The issuer must be the very URL relying parties discover: pick the port first.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut config = Config::load(None).unwrap();
        config.server.listen = format!("127.0.0.1:{port}").parse().unwrap();
        config.server.public_url = format!("http://127.0.0.1:{port}").parse().unwrap();
        config.database.url = idp::secret::Secret::new(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("o.sqlite").display()
        ));
        adjust(&mut config);
        let clock = ManualClock::new(SystemClock.now());
        let app = App::build(config, Arc::new(clock.clone())).await.unwrap();
        let state = app.state().clone();
        idp::demo::seed(&state.db, clock.now(), &state.config.accounts)
            .await
            .unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let handle = tokio::spawn(async move {
            app.run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            base: format!("http://127.0.0.1:{port}"),
            state,
            clock,
            stop: Some(tx),
            handle,
            _dir: dir,
        }
    }

    /// A second node over the same database (and Redis, when configured), behind the same
    /// public URL; returns its own address. It stops with the test's runtime.
    pub(crate) async fn second_node(&self) -> String {
        let mut config = (*self.state.config).clone();
        config.server.listen = "127.0.0.1:0".parse().unwrap();
        // The key-encryption key is the file beside the shared SQLite database.
        let app = App::build(config, Arc::new(self.clock.clone()))
            .await
            .unwrap();
        let base = format!("http://{}", app.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = app.run(std::future::pending::<()>()).await;
        });
        base
    }

    pub(crate) async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.handle.await.unwrap();
    }

    /// Registers a client for a fund's service (or a first-party client).
    pub(crate) async fn register(
        &self,
        service: Option<(&str, &str)>,
        adjust: impl FnOnce(&mut NewClient),
    ) -> Registered {
        let db = &self.state.db;
        let mut new = NewClient {
            name: "Application de test".into(),
            public: false,
            redirect_uris: vec![RedirectUri::parse(REDIRECT).unwrap()],
            post_logout_redirect_uris: vec![
                RedirectUri::parse("http://localhost:7777/bye").unwrap(),
            ],
            backchannel_logout_uri: None,
            signing_alg: None,
            consent_required: false,
            client_credentials: true,
            auth: None,
            jwks: None,
            require_par: false,
            pairwise_sector: None,
            userinfo_signed: false,
        };
        adjust(&mut new);
        let public = new.public;
        let actor = idp::actor::Actor::cli();
        let alg = self.state.config.oidc.default_signing_alg;
        let (c, secret) = match service {
            Some((f, s)) => {
                let fund = fund::find(db, &FundCode::parse(f).unwrap()).await.unwrap();
                let svc = service::find(db, &fund, &ServiceCode::parse(s).unwrap())
                    .await
                    .unwrap();
                client::create(
                    db,
                    self.clock.now(),
                    &actor,
                    Owner::Service(&fund, &svc),
                    alg,
                    new,
                )
                .await
                .unwrap()
            }
            None => client::create(db, self.clock.now(), &actor, Owner::FirstParty, alg, new)
                .await
                .unwrap(),
        };
        Registered {
            id: c.client_id.to_string(),
            secret: secret
                .filter(|_| !public)
                .map(|s| s.0.expose().to_owned())
                .unwrap_or_default(),
        }
    }
}

/// A browser: keeps cookies, follows no redirect by itself.
pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of a hidden input of a page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location, status {}", r.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The login page that `/authorize` answers with when the person must log in: its HTML.
pub(crate) async fn login_page(r: reqwest::Response, why: &str) -> String {
    assert_eq!(
        r.status(),
        200,
        "{why}: the login page, not {:?}",
        r.headers().get("location")
    );
    assert_eq!(r.headers()["cache-control"], "no-store", "{why}");
    // The form's answer may be the redirect to the client: the page's policy allows it.
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("form-action") && csp.contains("http://localhost:7777"),
        "{why}: {csp}"
    );
    let html = r.text().await.unwrap();
    assert!(
        html.contains("autocomplete=\"current-password\""),
        "{why}: {html}"
    );
    html
}

/// Query parameters of a URL.
pub(crate) fn query(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Follows an authorization URL through the login pages (and the change of a temporary
/// password when `new_password` is given); returns the final redirect to the client.
pub(crate) async fn log_in(
    b: &reqwest::Client,
    base: &str,
    authorize_url: &str,
    login: &str,
    password: &str,
    new_password: Option<&str>,
) -> String {
    let r = b.get(authorize_url).send().await.unwrap();
    let html = if r.status() == 303 {
        let next = location(&r);
        if !next.starts_with("/login?") {
            return next;
        }
        // A pushed request's first page comes through a redirect (its address works once).
        login_page(
            b.get(format!("{base}{next}")).send().await.unwrap(),
            "redirected",
        )
        .await
    } else {
        login_page(r, "authorize answers with the login page").await
    };
    assert!(html.contains("autocomplete=\"username\""));
    assert!(html.contains("autocomplete=\"current-password\""));
    let r = b
        .post(format!("{base}/login"))
        .form(&[
            ("i", hidden(&html, "i")),
            ("csrf", hidden(&html, "csrf")),
            ("username", login.to_owned()),
            ("password", password.to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let mut next = location(&r);
    if let Some(new) = new_password {
        assert!(next.starts_with("/login?"), "{next}");
        let html = b
            .get(format!("{base}{next}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("autocomplete=\"new-password\""), "{html}");
        let r = b
            .post(format!("{base}/login/password"))
            .form(&[
                ("i", hidden(&html, "i")),
                ("csrf", hidden(&html, "csrf")),
                ("current", password.to_owned()),
                ("new", new.to_owned()),
                ("confirm", new.to_owned()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
        next = location(&r);
    }
    next
}

/// The payload of a JWT, unverified (what a test inspects after the library verified it).
pub(crate) fn payload(jwt: &str) -> Value {
    let p = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

fn http_client() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn code_flow_with_the_openidconnect_crate_then_refresh_sso_introspection_and_logout() {
    full_flow(Provider::start().await).await;
}

/// The same flow with PostgreSQL as the database (several nodes' setup), when
/// `HABILIS_TEST_POSTGRES_URL` is set.
#[tokio::test]
async fn code_flow_on_postgresql() {
    if let Some((p, drop_db)) = on_postgres().await {
        full_flow(p).await;
        drop_db.await;
    }
}

/// A provider over a fresh PostgreSQL database, and the future that drops it; `None` when
/// `HABILIS_TEST_POSTGRES_URL` is unset.
pub(crate) async fn on_postgres() -> Option<(Provider, impl std::future::Future<Output = ()>)> {
    let Ok(base) = std::env::var("HABILIS_TEST_POSTGRES_URL") else {
        eprintln!("note: HABILIS_TEST_POSTGRES_URL unset, PostgreSQL variant skipped");
        return None;
    };
    let mut admin_config = Config::defaults().unwrap().database;
    admin_config.url = idp::secret::Secret::new(base.clone());
    let admin = idp::store::Db::connect(&admin_config).await.unwrap();
    let name = format!("habilis_test_{}", idp::secret::random_hex(6));
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let url = format!("{prefix}/{name}");
    let p = Provider::start_with(|c| {
        c.database.url = idp::secret::Secret::new(url.clone());
        c.oidc.key_encryption_key =
            idp::secret::Secret::new(base64::engine::general_purpose::STANDARD.encode([7u8; 32]));
    })
    .await;
    let drop_db = async move {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    };
    Some((p, drop_db))
}

async fn full_flow(p: Provider) {
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let http = http_client();
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(p.base.clone()).unwrap(), &http)
            .await
            .unwrap();
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(reg.id.clone()),
        Some(ClientSecret::new(reg.secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("habilitations".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The demo agent logs in with the published temporary password and must choose their own.
    let b = browser();
    let back = log_in(
        &b,
        &p.base,
        url.as_str(),
        AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    assert!(back.starts_with(REDIRECT), "{back}");
    let q = query(&back);
    assert_eq!(&q["state"], csrf.secret());
    assert_eq!(q["iss"], p.base, "RFC 9207 iss parameter");

    let tokens = rp
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let id_token = tokens.id_token().unwrap();
    let claims = id_token.claims(&rp.id_token_verifier(), &nonce).unwrap();
    assert_eq!(claims.issuer().as_str(), p.base);
    assert!(claims.auth_time().is_some());
    let raw = payload(&id_token.to_string());
    assert_eq!(raw["acr"], "eidas1");
    assert_eq!(raw["amr"], serde_json::json!(["pwd"]));
    assert_eq!(raw["uid"], AGENT);
    assert_eq!(raw["partner"]["third_party_number"], "79CAF0191");
    assert_eq!(raw["partner"]["siret"], "21790191700013");
    assert_eq!(raw["convention"], "79-2017-19");
    let habs = raw["habilitations"].as_array().unwrap();
    assert_eq!(habs.len(), 1, "{raw}");
    assert_eq!(habs[0]["service"], "cdap");
    assert_eq!(habs[0]["role"], "T1");
    assert_eq!(
        habs[0]["territory"]["departements"],
        serde_json::json!(["79"])
    );
    let header = payload_header(&id_token.to_string());
    assert_eq!(header["alg"], "ES256");

    // The access token is a JWT (RFC 9068) and works at userinfo.
    let access = tokens.access_token().secret().clone();
    assert_eq!(payload_header(&access)["typ"], "at+jwt");
    let at = payload(&access);
    assert_eq!(at["client_id"], reg.id.as_str());
    assert_eq!(
        at["exp"].as_i64().unwrap() - at["iat"].as_i64().unwrap(),
        300
    );
    let info: Value = reqwest::Client::new()
        .get(format!("{}/userinfo", p.base))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], raw["sub"]);
    assert_eq!(info["habilitations"][0]["role"], "T1");
    // POST with the token in the body (RFC 6750 §2.2) answers the same.
    let posted: Value = reqwest::Client::new()
        .post(format!("{}/userinfo", p.base))
        .form(&[("access_token", access.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted, info);

    // Introspection: active for its client, inactive for another client.
    let other = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let introspect = |who: &Registered, token: &str| {
        let (id, secret, token) = (who.id.clone(), who.secret.clone(), token.to_owned());
        let base = p.base.clone();
        async move {
            reqwest::Client::new()
                .post(format!("{base}/introspect"))
                .basic_auth(id, Some(secret))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let mine = introspect(&reg, &access).await;
    assert_eq!(mine["active"], true, "{mine}");
    assert_eq!(mine["username"], AGENT);
    assert_eq!(
        introspect(&other, &access).await,
        serde_json::json!({"active": false})
    );

    // Refresh rotates; presenting the old refresh token again revokes the whole family.
    let first_refresh = tokens.refresh_token().unwrap().clone();
    let refreshed = rp
        .exchange_refresh_token(&first_refresh)
        .unwrap()
        .request_async(&http)
        .await
        .unwrap();
    let second_refresh = refreshed.refresh_token().unwrap().clone();
    assert_ne!(second_refresh.secret(), first_refresh.secret());
    let reuse = raw_token(
        &p,
        &reg,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first_refresh.secret()),
        ],
    )
    .await;
    assert_eq!(reuse.0, 400);
    assert_eq!(reuse.1["error"], "invalid_grant");
    let after = raw_token(
        &p,
        &reg,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", second_refresh.secret()),
        ],
    )
    .await;
    assert_eq!(after.1["error"], "invalid_grant", "the family is revoked");
    let refreshed_access = refreshed.access_token().secret().clone();
    assert_eq!(introspect(&reg, &refreshed_access).await["active"], false);

    // SSO: the same browser is sent back at once, without a login page.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let r = b.get(url.as_str()).send().await.unwrap();
    assert!(location(&r).starts_with(REDIRECT), "SSO answers at once");
    // A request for the MFA level is not satisfied by this password-only session.
    let r = b
        .get(format!(
            "{}&acr_values={}",
            url.as_str(),
            urlencode("https://proconnect.gouv.fr/assurance/self-asserted-2fa")
        ))
        .send()
        .await
        .unwrap();
    login_page(r, "MFA asked: a new login").await;
    // The pages' style sheet is served from this origin (the CSP forbids inline styles).
    let css = b
        .get(format!("{}/assets/habilis.css", p.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    // prompt=login asks again.
    let r = b
        .get(format!("{}&prompt=login", url.as_str()))
        .send()
        .await
        .unwrap();
    login_page(r, "prompt=login").await;
    // prompt=none without a session: login_required to the client.
    let r = browser()
        .get(format!("{}&prompt=none", url.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(query(&location(&r))["error"], "login_required");

    // RP-initiated logout with id_token_hint ends the session: the access token turns
    // inactive, and the browser must log in again.
    let r = b
        .get(format!("{}/logout", p.base))
        .query(&[
            ("id_token_hint", id_token.to_string().as_str()),
            ("post_logout_redirect_uri", "http://localhost:7777/bye"),
            ("state", "bye-state"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "http://localhost:7777/bye?state=bye-state");
    assert_eq!(introspect(&reg, &access).await["active"], false);
    let r = reqwest::Client::new()
        .get(format!("{}/userinfo", p.base))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let r = b.get(url.as_str()).send().await.unwrap();
    login_page(r, "logged out").await;

    // The trace has the login, the tokens, the reuse and the logout.
    let actions: Vec<String> = idp::store::audit::page(&p.state.db, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in [
        "password.change",
        "login.succeed",
        "token.issue",
        "token.refresh_reuse",
        "session.end",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} traced: {actions:?}");
    }
    assert!(
        idp::audit::verify(&p.state.db)
            .await
            .unwrap()
            .first_break
            .is_none()
    );
    p.stop().await;
}

pub(crate) fn payload_header(jwt: &str) -> Value {
    let h = jwt.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
}

/// A token request with HTTP Basic client authentication; status and JSON body.
pub(crate) async fn raw_token(p: &Provider, c: &Registered, form: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/token", p.base))
        .basic_auth(&c.id, Some(&c.secret))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_eq!(r.headers()["cache-control"], "no-store");
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn habilitations_are_those_of_the_requesting_service_only() {
    let p = Provider::start().await;
    // A client of another fund's service, and a first-party client.
    let qf = p.register(Some(("msa-poitou", "qf")), |_| {}).await;
    let console = p.register(None, |_| {}).await;
    let b = browser();
    let mut first = true;
    for reg in [&qf, &console] {
        let (url, verifier) = authorize_url(&p, reg, "openid habilitations", "");
        let back = log_in(
            &b,
            &p.base,
            &url,
            AGENT,
            if first {
                idp::demo::DEMO_PASSWORD
            } else {
                NEW_PASSWORD
            },
            first.then_some(NEW_PASSWORD),
        )
        .await;
        first = false;
        let code = query(&back)["code"].clone();
        let (status, body) = raw_token(
            &p,
            reg,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", &verifier),
            ],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let claims = payload(body["id_token"].as_str().unwrap());
        assert_eq!(claims["habilitations"], serde_json::json!([]), "{claims}");
        // The partner itself is still named.
        assert_eq!(claims["partner"]["third_party_number"], "79CAF0191");
    }
    p.stop().await;
}

/// A hand-made authorization URL with PKCE; returns it and the verifier.
pub(crate) fn authorize_url(
    p: &Provider,
    c: &Registered,
    scope: &str,
    extra: &str,
) -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(idp::secret::random_hex(32));
    let verifier = verifier.get(..64).unwrap().to_owned();
    use sha2::Digest;
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state=s1&nonce=n1&code_challenge={challenge}&code_challenge_method=S256{extra}",
        p.base,
        c.id,
        urlencode(REDIRECT),
        urlencode(scope),
    );
    (url, verifier)
}

pub(crate) fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Refresh tokens of a family whose code was used twice are revoked (RFC 6749 §4.1.2).
#[tokio::test]
async fn refusals_of_the_authorization_and_token_endpoints() {
    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let b = browser();
    let get = |url: String| {
        let b = b.clone();
        async move { b.get(url).send().await.unwrap() }
    };

    // Never a redirect when the client or the redirect URI cannot be trusted.
    let (good, _) = authorize_url(&p, &reg, "openid", "");
    for (what, url) in [
        ("unknown client", good.replace(&reg.id, "nobody")),
        (
            "unregistered redirect URI",
            good.replace(
                &urlencode(REDIRECT),
                &urlencode("http://localhost:7777/other"),
            ),
        ),
        (
            "missing redirect URI",
            good.replace(&format!("redirect_uri={}", urlencode(REDIRECT)), ""),
        ),
        (
            "malformed redirect URI",
            good.replace(&urlencode(REDIRECT), "not%20a%20uri"),
        ),
        ("repeated parameter", format!("{good}&state=again")),
    ] {
        let r = get(url).await;
        assert_eq!(r.status(), 400, "{what}");
        assert!(
            r.headers().get("location").is_none(),
            "{what}: never redirected"
        );
    }
    // Other errors go back to the registered URI with an RFC 6749 code and the state.
    for (what, change, error) in [
        (
            "token response type",
            ("response_type=code", "response_type=token"),
            "unsupported_response_type",
        ),
        (
            "no PKCE",
            ("code_challenge_method=S256", "code_challenge_method=plain"),
            "invalid_request",
        ),
        ("no nonce", ("nonce=n1", "x=1"), "invalid_request"),
        (
            "no openid scope",
            ("scope=openid", "scope=profile"),
            "invalid_scope",
        ),
    ] {
        let r = get(good.replace(change.0, change.1)).await;
        assert_eq!(r.status(), 303, "{what}");
        let q = query(&location(&r));
        assert_eq!(q["error"], error, "{what}");
        assert_eq!(q["state"], "s1", "{what}");
        assert!(location(&r).starts_with(REDIRECT));
    }

    // A valid login, then the code's refusals.
    let (url, verifier) = authorize_url(&p, &reg, "openid", "");
    let back = log_in(
        &b,
        &p.base,
        &url,
        AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    let code = query(&back)["code"].clone();
    let exchange = |code: String, verifier: String, redirect: &'static str| {
        let (p, reg) = (&p, &reg);
        async move {
            raw_token(
                p,
                reg,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", &verifier),
                ],
            )
            .await
        }
    };
    // Wrong client secret: 401 invalid_client with WWW-Authenticate (Basic was used).
    let r = reqwest::Client::new()
        .post(format!("{}/token", p.base))
        .basic_auth(&reg.id, Some("wrong-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    // Wrong PKCE verifier: refused, and the code is spent.
    let wrong = "a".repeat(64);
    let (s, body) = exchange(code.clone(), wrong, REDIRECT).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("invalid_grant")));
    let (s, body) = exchange(code.clone(), verifier.clone(), REDIRECT).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "a code is used once"
    );

    // Code replay revokes what the first exchange issued.
    let (url, verifier) = authorize_url(&p, &reg, "openid", "");
    let code = query(&location(&get(url).await))["code"].clone();
    let (s, first) = exchange(code.clone(), verifier.clone(), REDIRECT).await;
    assert_eq!(s, 200, "{first}");
    let (s, again) = exchange(code, verifier, REDIRECT).await;
    assert_eq!((s, again["error"].as_str()), (400, Some("invalid_grant")));
    let refresh = first["refresh_token"].as_str().unwrap();
    let (_, r) = raw_token(
        &p,
        &reg,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        r["error"], "invalid_grant",
        "refresh token of a replayed code is revoked"
    );
    let access = first["access_token"].as_str().unwrap();
    let r = reqwest::Client::new()
        .get(format!("{}/userinfo", p.base))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "access token of a replayed code is revoked"
    );

    // Missing verifier, other redirect URI, expired code.
    let (url, verifier) = authorize_url(&p, &reg, "openid", "");
    let code = query(&location(&get(url).await))["code"].clone();
    let (_, body) = raw_token(
        &p,
        &reg,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
    let (url, verifier2) = authorize_url(&p, &reg, "openid", "");
    let code = query(&location(&get(url).await))["code"].clone();
    let (_, body) = exchange(code, verifier2, "http://localhost:7777/other").await;
    assert_eq!(body["error"], "invalid_grant");
    let (url, verifier3) = authorize_url(&p, &reg, "openid", "");
    let code = query(&location(&get(url).await))["code"].clone();
    p.clock.advance(Duration::seconds(61));
    let (_, body) = exchange(code, verifier3, REDIRECT).await;
    assert_eq!(body["error"], "invalid_grant", "codes live 60 s");
    let _ = verifier;

    // Unsupported grant type; client_credentials for an allowed client.
    let (s, body) = raw_token(&p, &reg, &[("grant_type", "password")]).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let (s, body) = raw_token(&p, &reg, &[("grant_type", "client_credentials")]).await;
    assert_eq!(s, 200, "{body}");
    assert!(body.get("id_token").is_none() && body.get("refresh_token").is_none());
    assert_eq!(
        payload(body["access_token"].as_str().unwrap())["sub"],
        reg.id.as_str()
    );
    let (_, body) = raw_token(
        &p,
        &reg,
        &[("grant_type", "client_credentials"), ("scope", "openid")],
    )
    .await;
    assert_eq!(body["error"], "invalid_scope");
    p.stop().await;
}

#[tokio::test]
async fn forged_tokens_are_refused_everywhere() {
    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let (s, body) = raw_token(&p, &reg, &[("grant_type", "client_credentials")]).await;
    assert_eq!(s, 200);
    let good = body["access_token"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = good.split('.').collect();
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
    let alg_none = format!("{none_header}.{}.", parts[1]);
    let mut tampered: Value = payload(&good);
    tampered["client_id"] = Value::String("someone-else".into());
    let broken = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(tampered.to_string()),
        parts[2]
    );
    let flipped_sig = {
        // Change a character in the middle of the signature (the last one may only carry
        // padding bits that decoders ignore).
        let mut sig: Vec<char> = parts[2].chars().collect();
        sig[10] = if sig[10] == 'A' { 'B' } else { 'A' };
        format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            sig.into_iter().collect::<String>()
        )
    };
    let introspect = |token: String| {
        let (base, id, secret) = (p.base.clone(), reg.id.clone(), reg.secret.clone());
        async move {
            reqwest::Client::new()
                .post(format!("{base}/introspect"))
                .basic_auth(id, Some(secret))
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(introspect(good.clone()).await["active"], true);
    for (what, t) in [
        ("alg none", alg_none),
        ("altered payload", broken),
        ("broken signature", flipped_sig),
        ("garbage", "not.a.jwt".to_owned()),
        ("unknown opaque", "abcdef".to_owned()),
    ] {
        assert_eq!(
            introspect(t).await,
            serde_json::json!({"active": false}),
            "{what}"
        );
    }
    // Expired after 5 minutes.
    p.clock.advance(Duration::seconds(301 + 30));
    assert_eq!(introspect(good).await["active"], false, "expired");
    p.stop().await;
}

/// A login form is accepted only from the browser its interaction is bound to, with the token
/// of its page: a forged or missing token, another interaction's token or another browser's
/// post is refused with the "form expired" page and logs nobody in. Showing the page again
/// gives the same token (it is derived, nothing is written), which still works.
#[tokio::test]
async fn login_forms_need_their_browser_and_their_token() {
    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let a = browser();
    let page_of = |b: reqwest::Client| {
        let (base, p_url) = (p.base.clone(), authorize_url(&p, &reg, "openid", "").0);
        async move {
            let html = login_page(b.get(&p_url).send().await.unwrap(), "no session").await;
            // The address that shows this login's page again.
            let path = format!("/login?i={}", hidden(&html, "i"));
            let again = crate::login_mfa::get(&b, &base, &path).await;
            assert_eq!(hidden(&again, "i"), hidden(&html, "i"));
            (path, html)
        }
    };
    let (path, first) = page_of(a.clone()).await;
    let again = crate::login_mfa::get(&a, &p.base, &path).await;
    let (i, csrf) = (hidden(&first, "i"), hidden(&first, "csrf"));
    assert_eq!(
        hidden(&again, "csrf"),
        csrf,
        "the same page, the same token"
    );
    assert_eq!(csrf.len(), 64);
    let (_, second) = page_of(a.clone()).await;
    assert_ne!(
        hidden(&second, "csrf"),
        csrf,
        "each interaction has its own token"
    );

    let post = |b: &reqwest::Client, fields: Vec<(&'static str, String)>| {
        let (b, url) = (b.clone(), format!("{}/login", p.base));
        async move { b.post(url).form(&fields).send().await.unwrap() }
    };
    let with = |i: &str, csrf: Option<&str>| {
        let mut f = vec![
            ("i", i.to_owned()),
            ("username", AGENT.to_owned()),
            ("password", idp::demo::DEMO_PASSWORD.to_owned()),
        ];
        if let Some(c) = csrf {
            f.push(("csrf", c.to_owned()));
        }
        f
    };
    let forged = "0".repeat(64);
    for (what, browser, fields) in [
        ("forged token", &a, with(&i, Some(&forged))),
        ("no token", &a, with(&i, None)),
        ("empty token", &a, with(&i, Some(""))),
        (
            "another interaction's token",
            &a,
            with(&hidden(&second, "i"), Some(&csrf)),
        ),
        ("another browser", &browser(), with(&i, Some(&csrf))),
    ] {
        let r = post(browser, fields).await;
        assert_eq!(r.status(), 400, "{what}");
        let body = r.text().await.unwrap();
        assert!(body.contains("login.expired"), "{what}: {body}");
    }
    // The real form still works after all that: the password step passes (a first login
    // then asks for a new password).
    let r = post(&a, with(&i, Some(&csrf))).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert!(location(&r).starts_with("/login?"), "{}", location(&r));
    p.stop().await;
}

/// Single use under concurrency: 16 simultaneous exchanges of one code, then 16 simultaneous
/// refreshes with one refresh token — exactly one of each succeeds, on SQLite and PostgreSQL.
#[tokio::test]
async fn a_code_and_a_refresh_token_are_used_once_under_concurrency() {
    single_use(Provider::start().await).await;
    if let Some((p, drop_db)) = on_postgres().await {
        single_use(p).await;
        drop_db.await;
    }
}

async fn single_use(p: Provider) {
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let b = browser();
    let (url, verifier) = authorize_url(&p, &reg, "openid", "");
    let back = log_in(
        &b,
        &p.base,
        &url,
        AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    let code = query(&back)["code"].clone();
    let form = vec![
        ("grant_type".to_owned(), "authorization_code".to_owned()),
        ("code".to_owned(), code),
        ("redirect_uri".to_owned(), REDIRECT.to_owned()),
        ("code_verifier".to_owned(), verifier),
    ];
    let results = race(&p, &reg, form).await;
    let winners: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|(s, _)| *s != 200)
            .all(|(s, v)| *s == 400 && v["error"] == "invalid_grant")
    );
    // The replays revoked what the winner got (RFC 6749 §4.1.2).
    let refresh = winners[0]["refresh_token"].as_str().unwrap().to_owned();
    let (_, r) = raw_token(
        &p,
        &reg,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(r["error"], "invalid_grant");

    // A fresh code, then one refresh token raced 16 times.
    let (url, verifier) = authorize_url(&p, &reg, "openid", "");
    let code = query(&location(&b.get(url).send().await.unwrap()))["code"].clone();
    let (s, t) = raw_token(
        &p,
        &reg,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(s, 200);
    let form = vec![
        ("grant_type".to_owned(), "refresh_token".to_owned()),
        (
            "refresh_token".to_owned(),
            t["refresh_token"].as_str().unwrap().to_owned(),
        ),
    ];
    let results = race(&p, &reg, form).await;
    assert_eq!(
        results.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "{results:?}"
    );
    p.stop().await;
}

/// The same token request sent 16 times at once (more would measure the machine's write
/// throughput under the test suite's load, not single use); statuses and bodies.
async fn race(p: &Provider, reg: &Registered, form: Vec<(String, String)>) -> Vec<(u16, Value)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(16));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (base, id, secret, form, barrier) = (
                p.base.clone(),
                reg.id.clone(),
                reg.secret.clone(),
                form.clone(),
                barrier.clone(),
            );
            tokio::spawn(async move {
                let request = reqwest::Client::new()
                    .post(format!("{base}/token"))
                    .basic_auth(id, Some(secret))
                    .form(&form);
                barrier.wait().await;
                let r = request.send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
