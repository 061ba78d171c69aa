//! No secret leaks (issue #4 point 10): `idp serve --demo` runs as a process with every log at
//! debug level (`RUST_LOG=debug`), a full flow goes through it — an administrator's password
//! reset from the command line, first login with the temporary password, change, TOTP
//! enrolment, tokens, refresh, userinfo, introspection, a wrong password, a login with a
//! recovery code, a forgotten-password reset by the e-mailed link — and then everything the
//! server wrote is scanned: its standard error, the commands' standard error, the trace (every
//! column of every `audit_event`), the database files themselves and the mail spool. None of
//! the passwords, the temporary password, the TOTP secret, the recovery codes, the one-time
//! codes, the reset token, the authorization code, the tokens or the client secret may appear
//! (the reset token only in its own e-mail, which is how it reaches its owner).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::login_mfa::{ADMIN, get, manual_key, post_from, recovery_codes, totp};
use crate::login_password::{link_in, spooled};
use crate::oidc::{REDIRECT, browser, hidden, location, query, urlencode};

const NEW_PASSWORD: &str = "Ma phrase de passe très secrète n°1";
const WRONG_PASSWORD: &str = "Un mauvais essai tout aussi secret";
const RESET_PASSWORD: &str = "Ma phrase de passe très secrète n°2";

struct Server {
    child: std::process::Child,
    base: String,
    dir: tempfile::TempDir,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_idp"))
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .current_dir(dir.path())
            .env("RUST_LOG", "debug")
            .env("HABILIS_SERVER__PUBLIC_URL", &base)
            .env_remove("HABILIS_REDIS__URL")
            .env_remove("HABILIS_DATABASE__URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("(listening on ") {
                    let _ = ready_tx.send(());
                }
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let stdout = child.stdout.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&line);
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("server did not start: {}", log.lock().unwrap()));
        Self {
            child,
            base,
            dir,
            log,
            reader: Some(reader),
        }
    }

    /// Runs an `idp` command on the server's database; its JSON output, and its stderr added
    /// to what is scanned.
    fn idp(&self, args: &[&str]) -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_idp"))
            .arg("--json")
            .args(args)
            .current_dir(self.dir.path())
            .env("RUST_LOG", "debug")
            .env_remove("HABILIS_REDIS__URL")
            .env_remove("HABILIS_DATABASE__URL")
            .output()
            .unwrap();
        self.log
            .lock()
            .unwrap()
            .push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Stops the server and returns everything it wrote.
    fn stop(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server process runs on the system clock; its codes are computed at the same time.
fn now() -> time::OffsetDateTime {
    use idp::clock::Clock;
    idp::clock::SystemClock.now()
}

fn pkce() -> (String, String) {
    use sha2::Digest;
    let verifier = idp::secret::random_hex(32);
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The password step of a new login; the page it leads to.
async fn password_step(
    b: &reqwest::Client,
    s: &Server,
    client: &str,
    password: &str,
) -> (String, String) {
    let (verifier, challenge) = pkce();
    let url = format!(
        "{}/authorize?response_type=code&client_id={client}&redirect_uri={}&scope=openid&state=s&nonce=n&code_challenge={challenge}&code_challenge_method=S256",
        s.base,
        urlencode(REDIRECT)
    );
    let page = crate::oidc::login_page(b.get(&url).send().await.unwrap(), "no session").await;
    let r = post_from(
        b,
        &s.base,
        "/login",
        &page,
        &[("username", ADMIN), ("password", password)],
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    (location(&r), verifier)
}

/// Where a secret may not appear, and whether it does. Six-digit codes count only as a word of
/// their own: not a time's fraction of a second (`.123456`), nor part of a longer number or of
/// a hexadecimal hash or request id.
fn leaks(haystack: &str, secret: &str) -> bool {
    if secret.len() > 6 || !secret.bytes().all(|b| b.is_ascii_digit()) {
        return haystack.contains(secret);
    }
    haystack.match_indices(secret).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + secret.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[tokio::test]
async fn no_secret_reaches_the_logs_the_trace_the_database_or_the_spool() {
    let mut s = Server::start();
    let created = s.idp(&[
        "client",
        "create",
        "--fund",
        "caf-79",
        "--service",
        "cdap",
        "--name",
        "Fuite",
        "--redirect-uri",
        REDIRECT,
    ]);
    let client = created["client_id"].as_str().unwrap().to_owned();
    let client_secret = created["client_secret"].as_str().unwrap().to_owned();
    let reset = s.idp(&["account", "reset-password", ADMIN]);
    let temporary = reset["temporary_password"].as_str().unwrap().to_owned();
    let mut secrets: Vec<(String, String)> = vec![
        ("client secret".into(), client_secret.clone()),
        ("temporary password".into(), temporary.clone()),
        ("new password".into(), NEW_PASSWORD.into()),
        ("wrong password".into(), WRONG_PASSWORD.into()),
        ("reset password".into(), RESET_PASSWORD.into()),
    ];
    let http = reqwest::Client::new();
    let exchange = |code: String, verifier: String| {
        let (http, base, id, secret) = (
            http.clone(),
            s.base.clone(),
            client.clone(),
            client_secret.clone(),
        );
        async move {
            let r = http
                .post(format!("{base}/token"))
                .basic_auth(id, Some(secret))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", &verifier),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };

    // First login: temporary password, change, enrolment, recovery codes, tokens.
    let b = browser();
    let (next, verifier) = password_step(&b, &s, &client, &temporary).await;
    let page = get(&b, &s.base, &next).await;
    let r = post_from(
        &b,
        &s.base,
        "/login/password",
        &page,
        &[
            ("current", &temporary),
            ("new", NEW_PASSWORD),
            ("confirm", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = get(&b, &s.base, &location(&r)).await;
    let key = manual_key(&page);
    let code = totp(&key, now());
    secrets.push(("TOTP secret".into(), key.clone()));
    secrets.push(("TOTP code".into(), code.clone()));
    let r = post_from(&b, &s.base, "/login/enrol", &page, &[("code", &code)]).await;
    let shown = r.text().await.unwrap();
    let codes = recovery_codes(&shown);
    assert_eq!(codes.len(), 10);
    for c in &codes {
        secrets.push(("recovery code".into(), c.clone()));
        secrets.push(("recovery code".into(), c.replace('-', "")));
    }
    let r = post_from(&b, &s.base, "/login/continue", &shown, &[]).await;
    let back = location(&r);
    let auth_code = query(&back)["code"].clone();
    secrets.push(("authorization code".into(), auth_code.clone()));
    let t = exchange(auth_code, verifier).await;
    for name in ["access_token", "refresh_token", "id_token"] {
        let v = t[name].as_str().unwrap().to_owned();
        // A JWT's signature alone is as secret as the whole token.
        secrets.push((name.into(), v.rsplit('.').next().unwrap().to_owned()));
        secrets.push((name.into(), v));
    }
    let access = t["access_token"].as_str().unwrap();
    let r = http
        .get(format!("{}/userinfo", s.base))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .post(format!("{}/introspect", s.base))
        .basic_auth(&client, Some(&client_secret))
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["active"], true);
    let r = http
        .post(format!("{}/token", s.base))
        .basic_auth(&client, Some(&client_secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let refreshed: Value = r.json().await.unwrap();
    let new_refresh = refreshed["refresh_token"].as_str().unwrap().to_owned();
    secrets.push(("refresh_token".into(), new_refresh));

    // A wrong password, then a login with a recovery code.
    let b2 = browser();
    let (verifier, challenge) = pkce();
    let url = format!(
        "{}/authorize?response_type=code&client_id={client}&redirect_uri={}&scope=openid&state=s&nonce=n&code_challenge={challenge}&code_challenge_method=S256",
        s.base,
        urlencode(REDIRECT)
    );
    let page = crate::oidc::login_page(b2.get(&url).send().await.unwrap(), "no session").await;
    let r = post_from(
        &b2,
        &s.base,
        "/login",
        &page,
        &[("username", ADMIN), ("password", WRONG_PASSWORD)],
    )
    .await;
    let page = r.text().await.unwrap();
    let r = post_from(
        &b2,
        &s.base,
        "/login",
        &page,
        &[("username", ADMIN), ("password", NEW_PASSWORD)],
    )
    .await;
    let page = get(&b2, &s.base, &location(&r)).await;
    let r = post_from(
        &b2,
        &s.base,
        "/login/totp",
        &page,
        &[("recovery", &codes[0])],
    )
    .await;
    let back = location(&r);
    let auth_code = query(&back)["code"].clone();
    secrets.push(("authorization code".into(), auth_code.clone()));
    let t2 = exchange(auth_code, verifier).await;
    secrets.push((
        "access_token".into(),
        t2["access_token"].as_str().unwrap().to_owned(),
    ));

    // Forgotten password: the link from the spool, a new password, then a login with it.
    let f = browser();
    let page = get(&f, &s.base, "/password/forgot").await;
    let r = f
        .post(format!("{}/password/forgot", s.base))
        .form(&[
            ("csrf", hidden(&page, "csrf").as_str()),
            ("username", ADMIN),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let spool = s.dir.path().join("data/mail-spool");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mail = loop {
        let mails = spooled(&spool);
        if let Some(m) = mails.into_iter().find(|m| m.contains("password/reset")) {
            break m;
        }
        assert!(Instant::now() < deadline, "no reset mail");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let link = link_in(&mail);
    let reset_token = query(&link)["token"].clone();
    let path = link.trim_start_matches(&s.base).to_owned();
    let page = get(&f, &s.base, &path).await;
    let r = f
        .post(format!("{}/password/reset", s.base))
        .form(&[
            ("csrf", hidden(&page, "csrf")),
            ("token", reset_token.clone()),
            ("new", RESET_PASSWORD.to_owned()),
            ("confirm", RESET_PASSWORD.to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("id=\"message\""));
    let b3 = browser();
    let (next, _) = password_step(&b3, &s, &client, RESET_PASSWORD).await;
    let page = get(&b3, &s.base, &next).await;
    let r = post_from(
        &b3,
        &s.base,
        "/login/totp",
        &page,
        &[("recovery", &codes[1])],
    )
    .await;
    assert!(location(&r).starts_with(REDIRECT));

    // Everything written: logs at debug level, the trace, the database files, the spool.
    let logs = s.stop();
    assert!(logs.contains("DEBUG"), "debug logging was on");
    for path in [
        "/login/enrol",
        "/login/totp",
        "/password/reset",
        "/token",
        "/introspect",
    ] {
        assert!(logs.contains(path), "every request is logged: {path}");
    }
    // The scanner finds what is there (the page showing the codes holds them all).
    assert!(codes.iter().all(|c| leaks(&shown, c)));
    assert!(leaks(&format!("x {code} y"), &code) && leaks(&format!("code={code}&"), &code));
    assert!(!leaks(&format!(".{code}Z"), &code) && !leaks(&format!("a{code}f"), &code));
    let mut config = idp::config::Config::defaults().unwrap();
    let db_file = s.dir.path().join("data/habilis.sqlite");
    config.database.url = idp::secret::Secret::new(format!("sqlite://{}", db_file.display()));
    let db = idp::store::Db::connect(&config.database).await.unwrap();
    let trace = idp::store::audit::page(&db, 0, 100_000).await.unwrap();
    assert!(trace.iter().any(|e| e.action == "totp.enrol"));
    assert!(trace.iter().any(|e| e.action == "password.reset"));
    let trace = format!("{trace:?}");
    db.close().await.unwrap();
    let mut files = String::new();
    for name in ["habilis.sqlite", "habilis.sqlite-wal"] {
        if let Ok(bytes) = std::fs::read(s.dir.path().join("data").join(name)) {
            files.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    let mails = spooled(&spool);
    assert!(!mails.is_empty());
    secrets.push(("reset token".into(), reset_token.clone()));
    let mut found = Vec::new();
    for (what, secret) in &secrets {
        assert!(!secret.is_empty());
        for (place, text) in [("logs", &logs), ("trace", &trace)] {
            if leaks(text, secret) {
                found.push(format!("{what} in the {place}"));
            }
        }
        // Short codes are not looked for in binary files (any six digits may occur there).
        if secret.len() > 6 && leaks(&files, secret) {
            found.push(format!("{what} in the database files"));
        }
        for m in &mails {
            let is_its_mail = what == "reset token" && m.contains("password/reset");
            let unfolded = m
                .replace("=\r\n", "")
                .replace("=\n", "")
                .replace("=3D", "=");
            if !is_its_mail && leaks(&unfolded, secret) {
                found.push(format!("{what} in a spooled mail"));
            }
        }
    }
    assert!(found.is_empty(), "secrets leaked: {found:?}");
}
