//! `idp serve --demo`, run as a process the way the README says, on a fresh data folder.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `idp serve --demo`, killed on drop.
struct Demo {
    child: Child,
    addr: String,
    banner: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &std::path::Path) -> Demo {
    start_on(dir, "127.0.0.1:0")
}

fn start_on(dir: &std::path::Path, listen: &str) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idp"))
        .args(["serve", "--demo", "--listen", listen])
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut banner = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = loop {
        assert!(Instant::now() < deadline, "no banner: {banner}");
        let line = lines.next().expect("idp exited").unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if let Some(rest) = line.split("(listening on ").nth(1) {
            break rest.trim_end_matches(')').to_owned();
        }
    };
    // Keep reading the rest of the banner (it ends with an empty line), then let logs flow.
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.trim().is_empty() {
            break;
        }
        banner.push_str(&line);
        banner.push('\n');
    }
    std::thread::spawn(move || for _ in lines {});
    Demo {
        child,
        addr,
        banner,
    }
}

fn created(banner: &str) -> usize {
    banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("Seeded:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no Seeded line in {banner}"))
}

#[tokio::test]
async fn the_demo_serves_and_seeds_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path());
    assert!(created(&first.banner) >= 25, "{}", first.banner);
    let r = reqwest::get(format!("http://{}/healthz", first.addr))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(first);
    assert!(dir.path().join("data/habilis.sqlite").exists());

    let second = start(dir.path());
    assert_eq!(created(&second.banner), 0, "{}", second.banner);
    drop(second);

    let out = Command::new(env!("CARGO_BIN_EXE_idp"))
        .args(["--json", "partner", "list", "--fund", "caf-79"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["partners"][0]["siret"], "21790191700013");
    let out = Command::new(env!("CARGO_BIN_EXE_idp"))
        .args(["--json", "audit", "verify"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intact"], true);
}

#[tokio::test]
async fn a_demo_on_another_port_announces_that_port_as_its_issuer() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let demo = start_on(dir.path(), &format!("127.0.0.1:{port}"));
    let v: serde_json::Value = reqwest::get(format!(
        "http://{}/.well-known/openid-configuration",
        demo.addr
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(v["issuer"], format!("http://localhost:{port}"));
    assert_eq!(
        v["token_endpoint"],
        format!("http://localhost:{port}/token")
    );
}
