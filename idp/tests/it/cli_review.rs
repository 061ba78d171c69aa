//! `idp review …` and `idp audit traces` as an operator and a partner's principal type them,
//! with `--as`: the whole review from the command line, and isolation — another partner's
//! administrator reaches neither the review nor the trace.

use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};

struct Idp {
    dir: tempfile::TempDir,
}

impl Idp {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let url = format!(
            "sqlite://{}?mode=rwc",
            self.dir.path().join("habilis.sqlite").display()
        );
        Command::new(env!("CARGO_BIN_EXE_idp"))
            .args(args)
            .current_dir(self.dir.path())
            .env("HABILIS_DATABASE__URL", url)
            .env("HABILIS_MAIL__SPOOL_DIR", self.dir.path().join("mail"))
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

fn partner(idp: &Idp, code: &str, dep: &str, tpn: &str, number: &str) -> String {
    idp.json(&[
        "fund",
        "create",
        "--code",
        code,
        "--name",
        code,
        "--kind",
        "caf",
        "--departements",
        dep,
    ]);
    idp.json(&[
        "service", "create", "--fund", code, "--code", "cdap", "--name", "CDAP", "--role", "T1",
    ]);
    idp.json(&[
        "partner",
        "create",
        "--fund",
        code,
        "--third-party",
        tpn,
        "--name",
        "P",
        "--kind",
        "commune",
    ]);
    idp.json(&[
        "convention",
        "create",
        "--fund",
        code,
        "--partner",
        tpn,
        "--number",
        number,
        "--effective-from",
        "2020-01-01",
        "--territory",
        dep,
        "--mission",
        "QF",
        "--mode",
        "delegated",
    ]);
    idp.json(&["convention", "activate", "--fund", code, "--number", number]);
    idp.json(&[
        "subscription",
        "set",
        "--fund",
        code,
        "--convention",
        number,
        "--service",
        "cdap",
        "--quota",
        "T1=5",
    ]);
    let v = idp.json(&[
        "account",
        "create",
        "--fund",
        code,
        "--partner",
        tpn,
        "--given-name",
        "Admin",
        "--family-name",
        "Principal",
    ]);
    let admin = v["account"]["login"].as_str().unwrap().to_owned();
    idp.json(&[
        "admin",
        "designate",
        "--fund",
        code,
        "--partner",
        tpn,
        "--kind",
        "principal",
        "--login",
        &admin,
    ]);
    admin
}

#[test]
fn a_review_from_the_command_line() {
    let idp = Idp::new();
    let admin_a = partner(&idp, "caf-79", "79", "79A69243", "79-2017-19");
    let admin_b = partner(&idp, "caf-86", "86", "86B00001", "86-2020-01");
    idp.json(&[
        "grant",
        "add",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
        "--convention",
        "79-2017-19",
        "--service",
        "cdap",
        "--role",
        "T1",
        "--login",
        &admin_a,
        "--reason",
        "instruction",
    ]);
    let a = [
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
        "--year",
        "2099",
    ];
    let opened = idp.json(&[
        "review",
        "open",
        "--fund",
        "caf-79",
        "--year",
        "2099",
        "--title",
        "Revue",
        "--due",
        "2099-12-31",
    ]);
    assert_eq!(opened["lines"], 1);
    let lines = idp.json(&[&["review", "lines"][..], &a, &["--as", &admin_a]].concat());
    assert_eq!(lines["total"], 1);
    assert_eq!(lines["items"][0]["role"], "T1");
    // Partner B's administrator reaches nothing of A.
    for args in [
        [&["review", "lines"][..], &a, &["--as", &admin_b]].concat(),
        [
            &["review", "decide"][..],
            &a,
            &["--decision", "withdraw", "--reason", "x", "--as", &admin_b],
        ]
        .concat(),
        vec![
            "audit",
            "traces",
            "--fund",
            "caf-79",
            "--partner",
            "79A69243",
            "--as",
            &admin_b,
        ],
        vec![
            "review", "status", "--fund", "caf-79", "--year", "2099", "--as", &admin_b,
        ],
    ] {
        let out = idp.fails(&args);
        assert!(out.contains("not found"), "{args:?}: {out}");
    }
    let d = idp.json(
        &[
            &["review", "decide"][..],
            &a,
            &["--decision", "keep", "--as", &admin_a],
        ]
        .concat(),
    );
    assert_eq!(d["decided"], 1);
    // The installation administrator has no account to sign with.
    let out = idp.fails(&[&["review", "sign"][..], &a, &["--name", "X"]].concat());
    assert!(out.contains("--as"), "{out}");
    let s = idp.json(
        &[
            &["review", "sign"][..],
            &a,
            &["--name", "Admin Principal", "--as", &admin_a],
        ]
        .concat(),
    );
    assert_eq!(s["attestation"]["kept"], 1);
    let sha = s["attestation"]["export_sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = idp.dir.path().join("revue.csv");
    let e = idp.json(
        &[
            &["review", "export"][..],
            &a,
            &["--format", "csv", "--out", file.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(e["sha256"], sha.as_str());
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), sha);
    let status = idp.json(&["review", "status", "--fund", "caf-79", "--year", "2099"]);
    assert_eq!(status["done"], 1);
    assert_eq!(status["campaign"]["status"], "closed");
    let r = idp.json(&["review", "remind"]);
    assert_eq!(r["reminders"], 0);
    // The trace, as the partner's principal, and exported as CSV.
    let t = idp.json(&[
        "audit",
        "traces",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
        "--action",
        "review.",
        "--as",
        &admin_a,
    ]);
    assert_eq!(t["items"][0]["action"], "review.export");
    let csv = idp.dir.path().join("trace.csv");
    let t = idp.json(&[
        "audit",
        "traces",
        "--fund",
        "caf-79",
        "--action",
        "review.sign",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(t["events"], 1);
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("\u{feff}id;")
    );
    let v = idp.json(&["audit", "verify"]);
    assert_eq!(v["intact"], true);
}
