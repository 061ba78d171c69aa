//! The HTTP server, started on 127.0.0.1:0 over a fresh SQLite file.

use std::sync::Arc;

use idp::app::App;
use idp::clock::SystemClock;
use idp::config::Config;

struct Server {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(hsts: bool) -> Self {
        Self::start_with(hsts, |_| {}).await
    }

    async fn start_with(hsts: bool, adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::load(None).unwrap();
        adjust(&mut config);
        config.server.listen = "127.0.0.1:0".parse().unwrap();
        config.server.hsts = hsts;
        config.database.url = idp::secret::Secret::new(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("h.sqlite").display()
        ));
        let app = App::build(config, Arc::new(SystemClock)).await.unwrap();
        let base = format!("http://{}", app.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let handle = tokio::spawn(async move {
            app.run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            base,
            stop: Some(tx),
            handle,
            _dir: dir,
        }
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.handle.await.unwrap();
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let s = Server::start(false).await;
    let r = reqwest::get(format!("{}/healthz", s.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["status"], "ok");
    let r = reqwest::get(format!("{}/readyz", s.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["checks"]["database"],
        "ok"
    );
    s.stop().await;
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let s = Server::start(true).await;
    for path in ["/healthz", "/no-such-page"] {
        let r = reqwest::get(format!("{}{path}", s.base)).await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(
            h["strict-transport-security"]
                .to_str()
                .unwrap()
                .starts_with("max-age=")
        );
        assert_eq!(h["x-request-id"].len(), 32, "{path}");
    }
    s.stop().await;
}

#[tokio::test]
async fn no_hsts_unless_configured() {
    let s = Server::start(false).await;
    let r = reqwest::get(format!("{}/healthz", s.base)).await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
    s.stop().await;
}

#[tokio::test]
async fn errors_are_json_for_programs_and_french_pages_for_browsers() {
    let s = Server::start(false).await;
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{}/nothing", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    assert!(body["message_fr"].as_str().unwrap().contains("introuvable"));

    let r = client
        .get(format!("{}/nothing", s.base))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = r.text().await.unwrap();
    assert!(
        page.contains("lang=\"fr\"") && page.contains("introuvable"),
        "{page}"
    );

    let r = client
        .get(format!("{}/api/nothing", s.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    s.stop().await;
}

#[tokio::test]
async fn a_given_request_id_is_kept() {
    let s = Server::start(false).await;
    let r = reqwest::Client::new()
        .get(format!("{}/healthz", s.base))
        .header("x-request-id", "lb-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "lb-1234");
    s.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_stops_the_server() {
    let s = Server::start(false).await;
    let base = s.base.clone();
    s.stop().await;
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err());
}

#[tokio::test]
async fn readiness_reports_the_directory_without_failing_on_it() {
    let s = Server::start_with(false, |c| {
        c.directory.enabled = true;
        c.directory.url = "ldap://127.0.0.1:1".into();
        c.directory.connect_timeout_secs = 1;
    })
    .await;
    let r = reqwest::get(format!("{}/readyz", s.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["checks"]["directory"]["enabled"], true, "{v}");
    assert!(v["checks"]["directory"]["queue_length"].is_u64(), "{v}");
    s.stop().await;
}

#[tokio::test]
async fn the_home_page_is_french_first_and_shows_no_data() {
    let s = Server::start(false).await;
    let r = reqwest::get(format!("{}/", s.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("<html lang=\"fr\">") && page.contains("habilitations"));
    s.stop().await;
}
