//! The protocol endpoints when their storage cannot be reached: 503 with the OAuth error
//! `temporarily_unavailable` and `Retry-After` (never a 500), so that relying parties retry.
//! The database case closes the node's pool; the Redis case cuts a TCP relay in front of Redis.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::net::TcpListener;

use crate::oidc::{Provider, browser};
use crate::oidc_clients::login_and_exchange;

/// Asserts a 503 `temporarily_unavailable` answer, not cached, with `Retry-After`.
async fn assert_unavailable(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), 503, "{what}");
    assert!(r.headers().contains_key("retry-after"), "{what}");
    assert_eq!(r.headers()["cache-control"], "no-store", "{what}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable", "{what}: {body}");
}

/// The four endpoints a relying party calls with the tokens of `tokens`.
async fn call_all(
    p: &Provider,
    id: &str,
    secret: &str,
    tokens: &Value,
) -> Vec<(String, reqwest::Response)> {
    let h = reqwest::Client::new();
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let mut out = Vec::new();
    let r = h
        .post(format!("{}/token", p.base))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap();
    out.push(("token (refresh)".to_owned(), r));
    let r = h
        .post(format!("{}/introspect", p.base))
        .basic_auth(id, Some(secret))
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    out.push(("introspection".to_owned(), r));
    let r = h
        .get(format!("{}/userinfo", p.base))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    out.push(("userinfo".to_owned(), r));
    out
}

#[tokio::test]
async fn database_unreachable_is_503_temporarily_unavailable() {
    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let (s, tokens) = login_and_exchange(&p, &browser(), &reg, true, "openid profile", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200, "{tokens}");
    // Every later query of this node fails to get a connection.
    p.state.db.clone().close().await.unwrap();
    for (what, r) in call_all(&p, &reg.id, &reg.secret, &tokens).await {
        assert_unavailable(r, &what).await;
    }
    let r = reqwest::Client::new()
        .post(format!("{}/revoke", p.base))
        .basic_auth(&reg.id, Some(&reg.secret))
        .form(&[("token", tokens["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_unavailable(r, "revocation").await;
}

/// A TCP relay to `target` that can be cut: the listener and every relayed connection close.
struct Relay {
    addr: std::net::SocketAddr,
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let inner = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                inner.lock().unwrap().push(relay);
            }
        });
        tasks.lock().unwrap().push(accept);
        Self { addr, tasks }
    }

    fn cut(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

#[tokio::test]
async fn redis_unreachable_is_503_temporarily_unavailable() {
    let Ok(url) = std::env::var("HABILIS_TEST_REDIS_URL") else {
        eprintln!("note: HABILIS_TEST_REDIS_URL unset, Redis outage skipped");
        return;
    };
    let target = url
        .trim_start_matches("redis://")
        .trim_end_matches('/')
        .to_owned();
    let relay = Relay::start(target).await;
    let relayed = format!("redis://{}", relay.addr);
    let p = Provider::start_with(|c| c.redis.url = idp::secret::Secret::new(relayed)).await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let (s, tokens) = login_and_exchange(&p, &browser(), &reg, true, "openid profile", |r| {
        r.basic_auth(&reg.id, Some(&reg.secret))
    })
    .await;
    assert_eq!(s, 200, "{tokens}");
    // Sessions (and the attempt counters) live in Redis: each endpoint checks the session.
    relay.cut();
    for (what, r) in call_all(&p, &reg.id, &reg.secret, &tokens).await {
        assert_unavailable(r, &what).await;
    }
}

/// The browser's side: the authorization endpoint cannot read the client or the session, so it
/// cannot redirect anywhere safely: it shows the 503 page (French first) with `Retry-After`,
/// never a 500, and so do the login page and its form; what needs no database (discovery, the signing keys a node holds, the
/// forgotten-password form, liveness) still answers, and readiness says the node is not ready.
#[tokio::test]
async fn the_login_pages_when_the_database_is_unreachable() {
    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let (authorize, _) = crate::oidc::authorize_url(&p, &reg, "openid", "");
    let h = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(h.get(&authorize).send().await.unwrap().status(), 200);
    p.state.db.clone().close().await.unwrap();

    let r = h
        .get(&authorize)
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let page = r.text().await.unwrap();
    assert!(page.contains("momentanément indisponible"), "{page}");
    // A login under way: its page and its form answer the same page, not a 500.
    let i = "0".repeat(64);
    let r = h
        .get(format!("{}/login?i={i}", p.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("momentanément indisponible")
    );
    let r = h
        .post(format!("{}/login", p.base))
        .header("accept", "text/html")
        .form(&[
            ("i", i.as_str()),
            ("username", "x"),
            ("password", "y"),
            ("csrf", "z"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    for (path, status) in [
        ("/.well-known/openid-configuration", 200),
        ("/jwks", 200),
        ("/password/forgot", 200),
        ("/healthz", 200),
        ("/readyz", 503),
    ] {
        let r = h.get(format!("{}{path}", p.base)).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
    }
}
