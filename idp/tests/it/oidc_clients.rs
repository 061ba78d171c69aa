//! The per-client options of the provider, over HTTP: client authentication methods
//! (`client_secret_post`, `private_key_jwt`, `none`), pushed authorization requests, pairwise
//! subjects, signed userinfo, EdDSA ID tokens, consent, and back-channel logout delivered to a
//! listening relying party.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use idp::clock::Clock;
use idp::oidc::client::{ClientAuth, RedirectUri};
use idp::oidc::keys::{self, SigningAlg};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};

use crate::login_password::{introspect, refresh};
use crate::oidc::{
    AGENT, NEW_PASSWORD, Provider, REDIRECT, Registered, authorize_url, browser, hidden, location,
    log_in, login_page, payload, payload_header, query, raw_token, urlencode,
};

/// Logs the demo agent in for `reg` (changing the temporary password on first use) and
/// exchanges the code with `form` as client authentication; returns the token response.
pub(crate) async fn login_and_exchange(
    p: &Provider,
    b: &reqwest::Client,
    reg: &Registered,
    first: bool,
    scope: &str,
    auth: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> (u16, Value) {
    let (url, verifier) = authorize_url(p, reg, scope, "");
    let password = if first {
        idp::demo::DEMO_PASSWORD
    } else {
        NEW_PASSWORD
    };
    let back = log_in(
        b,
        &p.base,
        &url,
        AGENT,
        password,
        first.then_some(NEW_PASSWORD),
    )
    .await;
    let code = query(&back)["code"].clone();
    let r = auth(reqwest::Client::new().post(format!("{}/token", p.base)))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// Pushes an authorization request (RFC 9126) for `reg`; the response.
async fn push(
    p: &Provider,
    reg: &Registered,
    verifier: &str,
    state: &str,
    nonce: &str,
) -> reqwest::Response {
    use sha2::Digest;
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    reqwest::Client::new()
        .post(format!("{}/par", p.base))
        .basic_auth(&reg.id, Some(&reg.secret))
        .form(&[
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid profile"),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap()
}

/// A relying party listening for back-channel logout tokens: its URI and what it received.
async fn logout_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = received.clone();
    let app = axum::Router::new().route(
        "/bcl",
        axum::routing::post(move |body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                let token = url::form_urlencoded::parse(&body)
                    .find(|(k, _)| k == "logout_token")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                sink.lock().unwrap().push(token);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/bcl"), received)
}

/// The first logout token received, waiting for the delivery loop (bounded).
async fn first_logout_token(received: &Mutex<Vec<String>>) -> String {
    tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            if let Some(t) = received.lock().unwrap().first().cloned() {
                return t;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("logout token delivered")
}

async fn jwks(p: &Provider) -> JwkSet {
    reqwest::get(format!("{}/jwks", p.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Verifies a JWT signed by the provider with its published keys.
async fn verify(p: &Provider, jwt: &str, aud: &str) -> Value {
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    let set = jwks(p).await;
    let key = set.find(header.kid.as_deref().unwrap()).unwrap();
    let mut v = Validation::new(header.alg);
    v.set_audience(&[aud]);
    v.set_issuer(&[p.base.as_str()]);
    jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_jwk(key).unwrap(), &v)
        .unwrap()
        .claims
}

#[tokio::test]
async fn secret_post_public_and_private_key_jwt_clients() {
    let p = Provider::start().await;
    let b = browser();

    // client_secret_post: the secret in the body; Basic is refused for this client.
    let post = p
        .register(Some(("caf-79", "cdap")), |c| {
            c.auth = Some(ClientAuth::ClientSecretPost);
        })
        .await;
    let (s, body) = login_and_exchange(&p, &b, &post, true, "openid", |r| {
        r.query(&[] as &[(&str, &str)])
    })
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (401, Some("invalid_client")),
        "no auth"
    );
    let (s, body) = login_and_exchange(&p, &b, &post, false, "openid", |r| {
        r.basic_auth(&post.id, Some(&post.secret))
    })
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );
    let (id, secret) = (post.id.clone(), post.secret.clone());
    let (url, verifier) = authorize_url(&p, &post, "openid", "");
    let code = query(&location(&b.get(url).send().await.unwrap()))["code"].clone();
    let r: Value = reqwest::Client::new()
        .post(format!("{}/token", p.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r["id_token"].is_string(), "{r}");

    // A public client: PKCE only, no secret; it cannot use client_credentials.
    let public = p
        .register(Some(("caf-79", "cdap")), |c| {
            c.public = true;
            c.client_credentials = false;
        })
        .await;
    let (url, verifier) = authorize_url(&p, &public, "openid", "");
    let code = query(&location(&b.get(url).send().await.unwrap()))["code"].clone();
    let r: Value = reqwest::Client::new()
        .post(format!("{}/token", p.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
            ("client_id", public.id.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r["access_token"].is_string(), "{r}");
    let r: Value = reqwest::Client::new()
        .post(format!("{}/token", p.base))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", public.id.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["error"], "unauthorized_client");

    // private_key_jwt: the client signs an assertion with its own P-256 key (RFC 7523).
    let rp_key = keys::generate(SigningAlg::Es256, "rp-1").unwrap();
    let jwk = json!({ "keys": [serde_json::to_value(&rp_key.jwk).unwrap()] });
    let pkj = p
        .register(Some(("caf-79", "cdap")), |c| {
            c.auth = Some(ClientAuth::PrivateKeyJwt);
            c.jwks = Some(jwk.clone());
        })
        .await;
    assert!(
        pkj.secret.is_empty(),
        "a key-authenticated client gets no secret"
    );
    let key = EncodingKey::from_ec_der(rp_key.private_der());
    let now = p.clock.now().unix_timestamp();
    let assertion = |jti: &str| {
        let mut h = Header::new(Algorithm::ES256);
        h.kid = Some("rp-1".into());
        jsonwebtoken::encode(
            &h,
            &json!({
                "iss": pkj.id, "sub": pkj.id, "aud": format!("{}/token", p.base),
                "exp": now + 60, "iat": now, "jti": jti,
            }),
            &key,
        )
        .unwrap()
    };
    let send = |a: String| {
        let base = p.base.clone();
        async move {
            let r = reqwest::Client::new()
                .post(format!("{base}/token"))
                .form(&[
                    ("grant_type", "client_credentials"),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", a.as_str()),
                ])
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let first = assertion("a-1");
    let (s, body) = send(first.clone()).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = send(first).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (401, Some("invalid_client")),
        "replayed assertion"
    );
    // The same assertion sent eight times at once is accepted once.
    let racing = assertion("a-race");
    let tasks: Vec<_> = (0..8).map(|_| tokio::spawn(send(racing.clone()))).collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap().0);
    }
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 401, 401, 401, 401, 401, 401, 401],
        "racing replays"
    );
    // An assertion signed by another key is refused.
    let other = keys::generate(SigningAlg::Es256, "rp-1").unwrap();
    let mut h = Header::new(Algorithm::ES256);
    h.kid = Some("rp-1".into());
    let forged = jsonwebtoken::encode(
        &h,
        &json!({"iss": pkj.id, "sub": pkj.id, "aud": p.base, "exp": now + 60, "jti": "a-2"}),
        &EncodingKey::from_ec_der(other.private_der()),
    )
    .unwrap();
    let (s, _) = send(forged).await;
    assert_eq!(s, 401);
    p.stop().await;
}

#[tokio::test]
async fn pushed_requests_pairwise_subjects_signed_userinfo_and_eddsa() {
    let p = Provider::start().await;
    let b = browser();
    // EdDSA needs its keys before the first token (the CLI does this at registration).
    let kek = p.state.keys.kek().clone();
    keys::ensure(
        &p.state.db,
        &kek,
        p.clock.now(),
        &idp::actor::Actor::cli(),
        &[SigningAlg::EdDsa],
    )
    .await
    .unwrap();
    p.state.keys.invalidate();
    let public = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let (s, body) = login_and_exchange(&p, &b, &public, true, "openid", |r| {
        r.basic_auth(&public.id, Some(&public.secret))
    })
    .await;
    assert_eq!(s, 200, "{body}");
    let public_sub = payload(body["id_token"].as_str().unwrap())["sub"].clone();

    // PAR-only, pairwise, signed userinfo, EdDSA client.
    let par = p
        .register(Some(("caf-79", "cdap")), |c| {
            c.require_par = true;
            c.pairwise_sector = Some("cdap.caf.fr".into());
            c.userinfo_signed = true;
            c.signing_alg = Some(SigningAlg::EdDsa);
        })
        .await;
    let (plain, _) = authorize_url(&p, &par, "openid profile", "");
    let r = b.get(plain).send().await.unwrap();
    assert_eq!(
        query(&location(&r))["error"],
        "invalid_request",
        "PAR required"
    );

    let verifier = "v".repeat(50);
    let pushed = push(&p, &par, &verifier, "par-state", "par-nonce").await;
    assert_eq!(pushed.status(), 201);
    let pushed: Value = pushed.json().await.unwrap();
    let request_uri = pushed["request_uri"].as_str().unwrap().to_owned();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    // Bad pushed requests are JSON errors.
    let bad = reqwest::Client::new()
        .post(format!("{}/par", p.base))
        .basic_auth(&par.id, Some(&par.secret))
        .form(&[("response_type", "token"), ("redirect_uri", REDIRECT)])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let url = format!(
        "{}/authorize?client_id={}&request_uri={}",
        p.base,
        par.id,
        urlencode(&request_uri)
    );
    let r = b.get(&url).send().await.unwrap();
    let back = location(&r);
    assert_eq!(query(&back)["state"], "par-state");
    // A request_uri is used once.
    let r = b.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let (s, body) = raw_token(
        &p,
        &par,
        &[
            ("grant_type", "authorization_code"),
            ("code", &query(&back)["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let id_token = body["id_token"].as_str().unwrap();
    assert_eq!(payload_header(id_token)["alg"], "EdDSA");
    let claims = verify(&p, id_token, &par.id).await;
    assert_eq!(claims["nonce"], "par-nonce");
    let pairwise_sub = claims["sub"].clone();
    assert_ne!(pairwise_sub, public_sub, "pairwise differs from public");
    assert_eq!(pairwise_sub.as_str().unwrap().len(), 64);

    // A second client of the same sector sees the same pairwise subject.
    let sibling = p
        .register(Some(("caf-79", "cdap")), |c| {
            c.pairwise_sector = Some("cdap.caf.fr".into());
        })
        .await;
    let (s, body) = login_and_exchange(&p, &b, &sibling, false, "openid", |r| {
        r.basic_auth(&sibling.id, Some(&sibling.secret))
    })
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        payload(body["id_token"].as_str().unwrap())["sub"],
        pairwise_sub
    );

    // Signed userinfo: application/jwt, verified with the published keys.
    let access = raw_token_access(&p, &par, &verifier).await;
    let r = reqwest::Client::new()
        .get(format!("{}/userinfo", p.base))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/jwt");
    let jwt = r.text().await.unwrap();
    let info = verify(&p, &jwt, &par.id).await;
    assert_eq!(info["sub"], pairwise_sub);
    assert_eq!(info["uid"], AGENT);
    p.stop().await;
}

/// A new code for `par` through PAR (the session is live) and its access token.
/// The first page of a login comes in the answer to a plain `GET /authorize`, with the cookie
/// that binds the login to the browser; after a `POST /authorize` or a pushed request it comes
/// through a redirect to `/login?i=…`, an address that can be loaded again (a reload), unlike
/// the pushed request's `request_uri`, which works once.
#[tokio::test]
async fn the_first_login_page_comes_at_once_for_a_get_and_by_redirect_otherwise() {
    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let (url, _) = authorize_url(&p, &reg, "openid", "");
    let r = browser().get(&url).send().await.unwrap();
    let binding = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("habilis_login="))
        .map(str::to_owned)
        .expect("the binding cookie");
    assert!(binding.contains("HttpOnly"), "{binding}");
    login_page(r, "GET /authorize").await;

    let (_, query_part) = url.split_once('?').unwrap();
    let b = browser();
    let r = b
        .post(format!("{}/authorize", p.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(query_part.to_owned())
        .send()
        .await
        .unwrap();
    reloadable_login_page(&p, &b, r, "POST /authorize").await;

    let verifier = "v".repeat(64);
    let pushed: Value = push(&p, &reg, &verifier, "s", "n")
        .await
        .json()
        .await
        .unwrap();
    let url = format!(
        "{}/authorize?client_id={}&request_uri={}",
        p.base,
        reg.id,
        urlencode(pushed["request_uri"].as_str().unwrap())
    );
    let b = browser();
    let r = b.get(&url).send().await.unwrap();
    reloadable_login_page(&p, &b, r, "pushed request").await;
    assert_eq!(b.get(&url).send().await.unwrap().status(), 400, "used once");
    p.stop().await;
}

/// A redirect to `/login?i=…` whose page shows again when the browser reloads it.
async fn reloadable_login_page(p: &Provider, b: &reqwest::Client, r: reqwest::Response, why: &str) {
    assert_eq!(r.status(), 303, "{why}");
    let next = location(&r);
    assert!(next.starts_with("/login?i="), "{why}: {next}");
    for _ in 0..2 {
        let page = b.get(format!("{}{next}", p.base)).send().await.unwrap();
        login_page(page, why).await;
    }
}

async fn raw_token_access(p: &Provider, par: &Registered, verifier: &str) -> String {
    let pushed: Value = push(p, par, verifier, "s", "n").await.json().await.unwrap();
    // A fresh browser has no session: log in again through the pages.
    let b = browser();
    let url = format!(
        "{}/authorize?client_id={}&request_uri={}",
        p.base,
        par.id,
        urlencode(pushed["request_uri"].as_str().unwrap())
    );
    let back = log_in(&b, &p.base, &url, AGENT, NEW_PASSWORD, None).await;
    let (_, body) = raw_token(
        p,
        par,
        &[
            ("grant_type", "authorization_code"),
            ("code", &query(&back)["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await;
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn consent_when_the_client_requires_it() {
    let p = Provider::start().await;
    let b = browser();
    let reg = p
        .register(Some(("caf-79", "cdap")), |c| c.consent_required = true)
        .await;
    let (url, _) = authorize_url(&p, &reg, "openid profile", "");
    let next = log_in(
        &b,
        &p.base,
        &url,
        AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    assert!(next.starts_with("/login?"), "consent page: {next}");
    let html = b
        .get(format!("{}{next}", p.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("profile"), "{html}");
    // Deny: access_denied to the client.
    let r = b
        .post(format!("{}/login/consent", p.base))
        .form(&[
            ("i", hidden(&html, "i")),
            ("csrf", hidden(&html, "csrf")),
            ("decision", "deny".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(query(&location(&r))["error"], "access_denied");
    // Again, and allow: a code; the third time no consent page.
    let (url, _) = authorize_url(&p, &reg, "openid profile", "");
    let r = b.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200, "/authorize answers with the consent page");
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"decision\""), "{html}");
    // A forged CSRF token is refused.
    let r = b
        .post(format!("{}/login/consent", p.base))
        .form(&[
            ("i", hidden(&html, "i")),
            ("csrf", "0".repeat(64)),
            ("decision", "allow".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = b
        .post(format!("{}/login/consent", p.base))
        .form(&[
            ("i", hidden(&html, "i")),
            ("csrf", hidden(&html, "csrf")),
            ("decision", "allow".into()),
        ])
        .send()
        .await
        .unwrap();
    assert!(query(&location(&r)).contains_key("code"));
    let r = b.get(&url).send().await.unwrap();
    assert!(location(&r).starts_with(REDIRECT), "consent remembered");
    // prompt=consent asks again.
    let r = b.get(format!("{url}&prompt=consent")).send().await.unwrap();
    assert_eq!(r.status(), 200, "prompt=consent: the consent page");
    assert!(r.text().await.unwrap().contains("name=\"decision\""));
    p.stop().await;
}

#[tokio::test]
async fn back_channel_logout_reaches_the_client() {
    let (uri, received) = logout_receiver().await;
    let p = Provider::start().await;
    let b = browser();
    let reg = p
        .register(Some(("caf-79", "cdap")), |c| {
            c.backchannel_logout_uri = Some(RedirectUri::parse(&uri).unwrap());
        })
        .await;
    let (s, body) = login_and_exchange(&p, &b, &reg, true, "openid", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200);
    let id_claims = payload(body["id_token"].as_str().unwrap());
    // Logout through the confirmation page (no id_token_hint).
    let html = b
        .get(format!("{}/logout", p.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = b
        .post(format!("{}/logout", p.base))
        .form(&[("csrf", hidden(&html, "csrf"))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The delivery loop runs every 2 s.
    let token = first_logout_token(&received).await;
    assert_eq!(payload_header(&token)["typ"], "logout+jwt");
    let claims = verify(&p, &token, &reg.id).await;
    assert_eq!(claims["sid"], id_claims["sid"]);
    assert_eq!(claims["sub"], id_claims["sub"]);
    assert!(
        claims["events"]
            .get("http://schemas.openid.net/event/backchannel-logout")
            .is_some()
    );
    assert!(claims.get("nonce").is_none(), "a logout token has no nonce");
    p.stop().await;
}

#[tokio::test]
async fn two_nodes_share_sessions_kept_in_redis() {
    let Ok(url) = std::env::var("HABILIS_TEST_REDIS_URL") else {
        eprintln!("note: HABILIS_TEST_REDIS_URL unset, Redis sessions skipped");
        return;
    };
    let p = Provider::start_with(|c| c.redis.url = idp::secret::Secret::new(url.clone())).await;
    let node_b = p.second_node().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let b = browser();
    // Log in on node A.
    let (s, _) = login_and_exchange(&p, &b, &reg, true, "openid", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200);
    // The session is in Redis, not in the database.
    let mut conn = idp::redis::connect_url(&url).await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("habilis:session:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    // Node B answers from the same session (SSO), and its code is exchanged at node A.
    let (url_a, verifier) = authorize_url(&p, &reg, "openid", "");
    let url_b = url_a.replacen(&p.base, &node_b, 1);
    let r = b.get(url_b).send().await.unwrap();
    let back = location(&r);
    assert!(
        back.starts_with(REDIRECT),
        "node B knows the session: {back}"
    );
    let (s, body) = raw_token(
        &p,
        &reg,
        &[
            ("grant_type", "authorization_code"),
            ("code", &query(&back)["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    // Logging out on node B ends the session for node A too.
    let html = b
        .get(format!("{node_b}/logout"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = b
        .post(format!("{node_b}/logout"))
        .form(&[("csrf", hidden(&html, "csrf"))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = b.get(&url_a).send().await.unwrap();
    login_page(r, "node A sees the logout").await;
    p.stop().await;
}

/// Runs the `idp` binary on the provider's database. Awaited, not blocking: the provider runs
/// on the test's one thread, and a write transaction it has open must go on meanwhile, or the
/// command would wait for SQLite's lock until its busy timeout.
async fn idp_cli(p: &Provider, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_idp"))
        .args(args)
        .env(
            "HABILIS_DATABASE__URL",
            p.state.config.database.url.expose(),
        )
        .env_remove("RUST_LOG")
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn suspending_a_convention_ends_access_at_once_and_reactivation_restores_it() {
    let (uri, received) = logout_receiver().await;
    let p = Provider::start().await;
    let reg = p
        .register(Some(("caf-79", "cdap")), |c| {
            c.backchannel_logout_uri = Some(RedirectUri::parse(&uri).unwrap());
        })
        .await;
    let b = browser();
    let (s, tokens) = login_and_exchange(&p, &b, &reg, true, "openid habilitations", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200);
    let claims = payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["habilitations"][0]["role"], "T1");

    let out = idp_cli(
        &p,
        &[
            "convention",
            "suspend",
            "--fund",
            "caf-79",
            "--number",
            "79-2017-19",
            "--reason",
            "contrôle",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The command stamped its rows with the system clock; the test server's clock is frozen at
    // its start: bring it level, as two real clocks would be.
    p.clock
        .set(idp::clock::SystemClock.now() + time::Duration::seconds(1));

    // At once: the access token introspects inactive and the refresh token is refused.
    let v: Value = reqwest::Client::new()
        .post(format!("{}/introspect", p.base))
        .basic_auth(&reg.id, Some(&reg.secret))
        .form(&[("token", tokens["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v, json!({"active": false}));
    let (_, r) = raw_token(
        &p,
        &reg,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(r["error"], "invalid_grant");
    // The client hears of it on its back-channel.
    first_logout_token(&received).await;
    // A new login gives no habilitation while suspended…
    let b = browser();
    let (s, t) = login_and_exchange(&p, &b, &reg, false, "openid habilitations", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        payload(t["id_token"].as_str().unwrap())["habilitations"],
        json!([])
    );
    // …and reactivation restores what the suspension paused.
    let out = idp_cli(
        &p,
        &[
            "convention",
            "reactivate",
            "--fund",
            "caf-79",
            "--number",
            "79-2017-19",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = browser();
    let (_, t) = login_and_exchange(&p, &b, &reg, false, "openid habilitations", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(
        payload(t["id_token"].as_str().unwrap())["habilitations"][0]["role"],
        "T1"
    );
    p.stop().await;
}

#[tokio::test]
async fn a_grant_made_with_the_command_line_shows_at_once_in_userinfo() {
    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let b = browser();
    let (s, tokens) = login_and_exchange(&p, &b, &reg, true, "openid habilitations", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200);
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let roles = |v: &Value| -> Vec<String> {
        v["habilitations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["role"].as_str().unwrap().to_owned())
            .collect()
    };
    let info = |token: String| {
        let base = p.base.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{base}/userinfo"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(roles(&info(access.clone()).await), ["T1"]);
    let out = idp_cli(
        &p,
        &[
            "grant",
            "add",
            "--fund",
            "caf-79",
            "--partner",
            "79CAF0191",
            "--convention",
            "79-2017-19",
            "--service",
            "cdap",
            "--role",
            "T2",
            "--login",
            AGENT,
            "--reason",
            "Instruction QF",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut now = roles(&info(access).await);
    now.sort();
    assert_eq!(now, ["T1", "T2"], "the same token sees the new grant");
    p.stop().await;
}

#[tokio::test]
async fn a_habilitation_reaching_its_end_date_ends_its_tokens() {
    let p = Provider::start().await;
    // Five minutes before midnight, so that the session is still live when the day turns.
    let eve = (p.clock.now().date() + time::Duration::days(1))
        .with_hms(23, 55, 0)
        .unwrap()
        .assume_utc();
    p.clock.set(eve);
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let b = browser();
    let (s, tokens) = login_and_exchange(&p, &b, &reg, true, "openid habilitations", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200);
    // The agent's T1 ends today.
    let db = &p.state.db;
    let fund = idp::fund::find(db, &idp::fund::FundCode::parse("caf-79").unwrap())
        .await
        .unwrap();
    let partner = idp::partner::find(
        db,
        &fund,
        &idp::partner::ids::ThirdPartyNumber::parse("79CAF0191").unwrap(),
    )
    .await
    .unwrap();
    let held = idp::habilitation::list_of_partner(db, &partner)
        .await
        .unwrap();
    let t1 = held.iter().find(|h| h.role.as_str() == "T1").unwrap();
    let today = p.clock.now().date();
    idp::habilitation::set_end_date(
        db,
        p.clock.now(),
        &idp::actor::Actor::cli(),
        &partner,
        t1.id,
        Some(today),
        "fin de mission",
    )
    .await
    .unwrap();
    // Still in force today; tomorrow it expires and its tokens end at once.
    let sessions = idp::oidc::session::Sessions::new(p.state.config.session.clone());
    let now = p.clock.now();
    assert_eq!(
        idp::oidc::housekeeping::expire_habilitations(db, &sessions, now)
            .await
            .unwrap(),
        0
    );
    let active = |token: String| {
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
                .unwrap()["active"]
                .clone()
        }
    };
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        active(access.clone()).await,
        json!(true),
        "in force until midnight"
    );
    p.clock.advance(time::Duration::minutes(10));
    let later = p.clock.now();
    assert_eq!(
        idp::oidc::housekeeping::expire_habilitations(db, &sessions, later)
            .await
            .unwrap(),
        1
    );
    let (_, r) = raw_token(
        &p,
        &reg,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(r["error"], "invalid_grant");
    let v: Value = reqwest::Client::new()
        .post(format!("{}/introspect", p.base))
        .basic_auth(&reg.id, Some(&reg.secret))
        .form(&[("token", tokens["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v, json!({"active": false}));
    let actions: Vec<String> = idp::store::audit::page(db, 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.iter().any(|a| a == "habilitation.expire"));
    p.stop().await;
}

/// Whether `id` and `secret` authenticate, probed at the introspection endpoint: 200 (the
/// nonsense token is answered `active: false`) or 401.
async fn authenticates(p: &Provider, id: &str, secret: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/introspect", p.base))
        .basic_auth(id, Some(secret))
        .form(&[("token", "not-a-token")])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The node's client cache as operators meet it: a secret replaced with `idp client
/// rotate-secret` and a redirect URI added work at once on the running server, and `idp client
/// disable` reaches it once `oidc.client_cache_ms` has passed on the server's clock.
#[tokio::test]
async fn a_client_changed_with_the_command_line_reaches_the_running_server() {
    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    assert_eq!(authenticates(&p, &reg.id, &reg.secret).await, 200);

    let out = idp_cli(&p, &["--json", "client", "rotate-secret", &reg.id]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rotated: Value = serde_json::from_slice(&out.stdout).unwrap();
    let new = rotated["client_secret"].as_str().unwrap();
    assert_eq!(authenticates(&p, &reg.id, new).await, 200, "new secret");
    assert_eq!(
        authenticates(&p, &reg.id, &reg.secret).await,
        401,
        "old secret, once the new one was seen"
    );

    // A redirect URI added (here by hand in SQL, as `ensure_console` does at start) works at
    // once at /authorize, although the node has the client in memory.
    let (url, _) = authorize_url(&p, &reg, "openid", "");
    let b = browser();
    let r = b.get(&url).send().await.unwrap();
    login_page(r, "registered URI").await;
    let added = "http://localhost:7777/added";
    p.state
        .db
        .execute_unprepared(&format!(
            "UPDATE oidc_client SET redirect_uris = '[\"{REDIRECT}\",\"{added}\"]' \
             WHERE client_id = '{}'",
            reg.id
        ))
        .await
        .unwrap();
    let with_added = url.replace(&urlencode(REDIRECT), &urlencode(added));
    let r = b.get(&with_added).send().await.unwrap();
    login_page(r, "added URI").await;

    let out = idp_cli(&p, &["--json", "client", "disable", &reg.id]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let delay = p.state.config.oidc.client_cache_ms;
    p.clock
        .advance(time::Duration::milliseconds(i64::try_from(delay).unwrap()));
    assert_eq!(authenticates(&p, &reg.id, new).await, 401, "disabled");
    p.stop().await;
}

/// A refresh token is introspected as active by its own client only, with its person, and is
/// inactive once rotated.
#[tokio::test]
async fn a_refresh_token_is_introspected_by_its_client_only() {
    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let other = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let b = browser();
    let (s, tokens) = login_and_exchange(&p, &b, &reg, true, "openid", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200);
    let refresh_token = tokens["refresh_token"].as_str().unwrap();

    let v = introspect(&p, &reg, refresh_token).await;
    assert_eq!(v["active"], true, "{v}");
    assert_eq!(v["token_type"], "refresh_token");
    assert_eq!(v["client_id"], reg.id.as_str());
    assert_eq!(v["username"], AGENT);
    assert_eq!(v["scope"], "openid");
    assert!(v["sub"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(
        introspect(&p, &other, refresh_token).await,
        json!({ "active": false }),
        "another client's token"
    );

    let (status, rotated) = refresh(&p, &reg, refresh_token).await;
    assert_eq!(status, 200);
    let next = rotated["refresh_token"].as_str().unwrap();
    assert_eq!(
        introspect(&p, &reg, refresh_token).await,
        json!({ "active": false }),
        "used"
    );
    assert_eq!(introspect(&p, &reg, next).await["active"], true);
    p.stop().await;
}

/// Over a pool of one connection, a login whose signing keys must be checked again (the node's
/// copy is older than 10 s) still completes: the code is issued in the login's transaction, and
/// the keys are read through it, not through a second connection that the pool cannot give
/// while that transaction holds the only one.
#[tokio::test]
async fn a_login_over_one_connection_reads_the_keys_through_its_transaction() {
    let p = Provider::start_with(|c| c.database.max_connections = Some(1)).await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    p.clock.advance(time::Duration::seconds(11));
    let (s, tokens) = login_and_exchange(&p, &browser(), &reg, true, "openid", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200, "{tokens}");
    assert!(tokens["id_token"].is_string(), "{tokens}");
    p.stop().await;
}
