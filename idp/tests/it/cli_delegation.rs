//! `idp manager`, `idp request` and `idp supervise` as a person types them, with `--as`: the
//! same rules as the admin API, and isolation — for every one of these commands, the
//! administrator of partner A and the operator of fund X acting on partner B of fund Y fail
//! with "not found" and print none of B's data.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use clap::CommandFactory;
use serde_json::Value;

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
}

/// Fund `code` on département `dep`, CDAP, partner `tpn` with an active convention `number`
/// (mode `mode`) and its subscription; returns the login of a new account named `family`.
fn partner(idp: &Idp, code: &str, dep: &str, tpn: &str, number: &str, mode: &str) {
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
        "--role", "T2",
    ]);
    idp.json(&[
        "partner",
        "create",
        "--fund",
        code,
        "--third-party",
        tpn,
        "--name",
        &format!("Partenaire {tpn}"),
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
        mode,
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
        "--quota",
        "T2=5",
    ]);
}

fn account(idp: &Idp, fund: &str, tpn: &str, family: &str) -> String {
    let v = idp.json(&[
        "account",
        "create",
        "--fund",
        fund,
        "--partner",
        tpn,
        "--given-name",
        "Agent",
        "--family-name",
        family,
    ]);
    v["account"]["login"].as_str().unwrap().to_owned()
}

struct World {
    admin_a: String,
    operator_x: String,
    admin_b: String,
    agent_b: String,
    b_habilitation: i64,
    b_manager: i64,
    b_request: i64,
}

fn world(idp: &Idp) -> World {
    partner(idp, "caf-79", "79", "79A69243", "79-2017-19", "delegated");
    partner(idp, "caf-86", "86", "86B00001", "86-2020-01", "delegated");
    let admin_a = account(idp, "caf-79", "79A69243", "Durand");
    let admin_b = account(idp, "caf-86", "86B00001", "Martin");
    let agent_b = account(idp, "caf-86", "86B00001", "Bernard");
    idp.json(&[
        "admin",
        "designate",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
        "--kind",
        "principal",
        "--login",
        &admin_a,
    ]);
    idp.json(&[
        "admin",
        "designate",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--kind",
        "principal",
        "--login",
        &admin_b,
    ]);
    let op = idp.json(&[
        "operator",
        "create",
        "--fund",
        "caf-79",
        "--given-name",
        "Op",
        "--family-name",
        "X",
        "--email",
        "op@caf79.example.fr",
    ]);
    let operator_x = op["account"]["login"].as_str().unwrap().to_owned();
    let h = idp.json(&[
        "grant",
        "add",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--convention",
        "86-2020-01",
        "--service",
        "cdap",
        "--role",
        "T1",
        "--login",
        &agent_b,
        "--reason",
        "instruction",
    ]);
    let b_habilitation = h["habilitation"]["id"].as_i64().unwrap();
    idp.json(&[
        "group",
        "create",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--name",
        "accueil-b",
        "--as",
        &admin_b,
    ]);
    let m = idp.json(&[
        "manager",
        "appoint",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--login",
        &agent_b,
        "--as",
        &admin_b,
    ]);
    let b_manager = m["manager"]["id"].as_i64().unwrap();
    let payload =
        format!(r#"{{"kind":"withdraw","habilitation":{b_habilitation},"reason":"départ"}}"#);
    let r = idp.json(&[
        "request",
        "file",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--payload",
        &payload,
        "--as",
        &admin_b,
    ]);
    let b_request = r["request"]["id"].as_i64().unwrap();
    World {
        admin_a,
        operator_x,
        admin_b,
        agent_b,
        b_habilitation,
        b_manager,
        b_request,
    }
}

/// For every subcommand of `manager`, `request` and `supervise`: its arguments aimed at B.
fn attacks(w: &World) -> BTreeMap<String, Vec<String>> {
    let b = ["--fund", "caf-86", "--partner", "86B00001"];
    let with = |cmd: &[&str], more: &[&str]| -> Vec<String> {
        cmd.iter()
            .chain(b.iter())
            .chain(more.iter())
            .map(|s| (*s).to_owned())
            .collect()
    };
    let (m, h, r) = (
        w.b_manager.to_string(),
        w.b_habilitation.to_string(),
        w.b_request.to_string(),
    );
    let payload = format!(r#"{{"kind":"withdraw","habilitation":{h},"reason":"x"}}"#);
    BTreeMap::from([
        (
            "manager appoint".into(),
            with(&["manager", "appoint"], &["--login", &w.agent_b]),
        ),
        ("manager list".into(), with(&["manager", "list"], &[])),
        (
            "manager revoke".into(),
            with(&["manager", "revoke"], &["--id", &m, "--reason", "x"]),
        ),
        (
            "request file".into(),
            with(&["request", "file"], &["--payload", &payload]),
        ),
        ("request list".into(), with(&["request", "list"], &[])),
        (
            "request approve".into(),
            with(&["request", "approve"], &["--id", &r]),
        ),
        (
            "request reject".into(),
            with(&["request", "reject"], &["--id", &r, "--reason", "x"]),
        ),
        (
            "supervise partner-suspend".into(),
            with(&["supervise", "partner-suspend"], &["--reason", "x"]),
        ),
        (
            "supervise partner-reactivate".into(),
            with(&["supervise", "partner-reactivate"], &[]),
        ),
        (
            "supervise partner-edit".into(),
            with(&["supervise", "partner-edit"], &["--name", "Pris"]),
        ),
        (
            "supervise account-suspend".into(),
            [
                "supervise",
                "account-suspend",
                "--fund",
                "caf-86",
                "--login",
                &w.agent_b,
                "--reason",
                "x",
            ]
            .map(str::to_owned)
            .to_vec(),
        ),
        (
            "supervise account-reactivate".into(),
            [
                "supervise",
                "account-reactivate",
                "--fund",
                "caf-86",
                "--login",
                &w.agent_b,
            ]
            .map(str::to_owned)
            .to_vec(),
        ),
        (
            "grant add".into(),
            with(
                &["grant", "add"],
                &[
                    "--convention",
                    "86-2020-01",
                    "--service",
                    "cdap",
                    "--role",
                    "T2",
                    "--login",
                    &w.agent_b,
                    "--reason",
                    "x",
                ],
            ),
        ),
        (
            "grant withdraw".into(),
            with(&["grant", "withdraw"], &["--id", &h, "--reason", "x"]),
        ),
        (
            "group create".into(),
            with(&["group", "create"], &["--name", "pirates"]),
        ),
        (
            "group add-member".into(),
            with(
                &["group", "add-member"],
                &["--group", "accueil-b", "--login", &w.agent_b],
            ),
        ),
        (
            "group remove-member".into(),
            with(
                &["group", "remove-member"],
                &["--group", "accueil-b", "--login", &w.agent_b],
            ),
        ),
        (
            "admin designate".into(),
            with(
                &["admin", "designate"],
                &["--kind", "deputy", "--login", &w.agent_b],
            ),
        ),
        (
            "account create".into(),
            with(
                &["account", "create"],
                &["--given-name", "In", "--family-name", "Trus"],
            ),
        ),
        (
            "grant set-end".into(),
            with(
                &["grant", "set-end"],
                &["--id", &h, "--until", "2031-01-31", "--reason", "x"],
            ),
        ),
        (
            "account edit".into(),
            with(
                &["account", "edit"],
                &["--login", &w.agent_b, "--given-name", "Pris"],
            ),
        ),
        (
            "supervise set-mode".into(),
            [
                "supervise",
                "set-mode",
                "--fund",
                "caf-86",
                "--convention",
                "86-2020-01",
                "--mode",
                "centralised",
            ]
            .map(str::to_owned)
            .to_vec(),
        ),
    ])
}

#[test]
fn no_command_lets_partner_a_or_fund_x_reach_partner_b() {
    let idp = Idp::new();
    let w = world(&idp);
    let cases = attacks(&w);
    // Every subcommand of these groups has a case: a new command without one fails here.
    let cli = idp::cli::Cli::command();
    for group in ["manager", "request", "supervise"] {
        let sub = cli.find_subcommand(group).unwrap();
        for c in sub.get_subcommands() {
            let name = format!("{group} {}", c.get_name());
            assert!(
                cases.contains_key(&name),
                "no isolation case for `idp {name}`"
            );
        }
    }
    // The older commands that change a partner's data take `--as` too.
    for name in [
        "grant add",
        "grant withdraw",
        "group create",
        "group add-member",
        "group remove-member",
        "admin designate",
        "account create",
        "account edit",
        "grant set-end",
    ] {
        assert!(
            cases.contains_key(name),
            "no isolation case for `idp {name}`"
        );
        let mut cmd = &cli;
        for part in name.split(' ') {
            cmd = cmd.find_subcommand(part).unwrap();
        }
        assert!(
            cmd.get_arguments().any(|a| a.get_long() == Some("as")),
            "`idp {name}` has no --as"
        );
    }
    for who in [&w.admin_a, &w.operator_x] {
        for (name, args) in &cases {
            let mut all: Vec<&str> = vec!["--json"];
            all.extend(args.iter().map(String::as_str));
            all.extend(["--as", who]);
            let out = idp.run(&all);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{who}: idp {name}: {stdout}{stderr}"
            );
            // With --json the error is the only thing on stdout.
            if !stdout.trim().is_empty() {
                let v: Value = serde_json::from_str(&stdout).unwrap();
                let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
                assert_eq!(keys, vec!["error"], "{who}: idp {name} printed {stdout}");
            }
            let all = format!("{stdout}{stderr}");
            assert!(all.contains("not found"), "{who}: idp {name}: {all}");
            for secret in [&w.agent_b, &w.admin_b, &"86-2020-01".to_owned()] {
                assert!(
                    !all.contains(secret.as_str()),
                    "{who}: idp {name} leaked {secret}"
                );
            }
        }
    }
    // B untouched: the request still pending, the manager still there.
    let list = idp.json(&[
        "request",
        "list",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--as",
        &w.admin_b,
    ]);
    assert_eq!(list["requests"][0]["status"], "pending");
    let list = idp.json(&[
        "manager",
        "list",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--as",
        &w.admin_b,
    ]);
    assert_eq!(list["managers"].as_array().unwrap().len(), 1);
    let list = idp.json(&["grant", "list", "--fund", "caf-86", "--partner", "86B00001"]);
    assert_eq!(list["habilitations"].as_array().unwrap().len(), 1);
    assert_eq!(list["habilitations"][0]["status"], "active");
    let list = idp.json(&["group", "list", "--fund", "caf-86", "--partner", "86B00001"]);
    assert_eq!(list["groups"].as_array().unwrap().len(), 1);
    assert_eq!(list["groups"][0]["members"].as_array().unwrap().len(), 0);
    let list = idp.json(&[
        "account",
        "list",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
    ]);
    assert_eq!(list["accounts"].as_array().unwrap().len(), 2);
}

/// `--as` on the older commands decides with the same rules as the API: a partner's principal
/// manages its own accounts, groups and grants but may not designate administrators (the
/// fund's), and an agent may do nothing.
#[test]
fn the_older_commands_decide_as_the_person() {
    let idp = Idp::new();
    let w = world(&idp);
    let b = ["--fund", "caf-86", "--partner", "86B00001"];
    let run_as = |who: &str, cmd: &[&str], more: &[&str]| {
        let mut all: Vec<&str> = vec!["--json"];
        all.extend(cmd);
        all.extend(b);
        all.extend(more);
        all.extend(["--as", who]);
        idp.run(&all)
    };
    let out = run_as(
        &w.admin_b,
        &["account", "create"],
        &["--given-name", "Léa", "--family-name", "Roux"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    let roux = created["account"]["login"].as_str().unwrap().to_owned();
    let out = run_as(
        &w.admin_b,
        &["group", "add-member"],
        &["--group", "accueil-b", "--login", &roux],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_as(
        &w.admin_b,
        &["grant", "add"],
        &[
            "--convention",
            "86-2020-01",
            "--service",
            "cdap",
            "--role",
            "T2",
            "--login",
            &roux,
            "--reason",
            "accueil",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let granted: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = granted["habilitation"]["id"].as_i64().unwrap().to_string();
    // Designating an administrator is the fund's: refused to the partner's principal.
    let out = run_as(
        &w.admin_b,
        &["admin", "designate"],
        &["--kind", "deputy", "--login", &roux],
    );
    assert_eq!(out.status.code(), Some(1));
    // An agent holds no administrative role.
    let out = run_as(
        &roux,
        &["grant", "withdraw"],
        &["--id", &id, "--reason", "x"],
    );
    assert_eq!(out.status.code(), Some(1));
    let out = run_as(&roux, &["group", "create"], &["--name", "mine"]);
    assert_eq!(out.status.code(), Some(1));
    let out = run_as(
        &w.admin_b,
        &["grant", "withdraw"],
        &["--id", &id, "--reason", "départ"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = idp.json(&["grant", "list", "--fund", "caf-86", "--partner", "86B00001"]);
    let withdrawn = list["habilitations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] == "withdrawn")
        .count();
    assert_eq!(withdrawn, 1);
}

#[test]
fn requests_and_supervision_from_the_command_line() {
    let idp = Idp::new();
    let w = world(&idp);
    // A partner administrator may not decide; the installation administrator (or the fund) may.
    let out = idp.run(&[
        "request",
        "approve",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--id",
        &w.b_request.to_string(),
        "--as",
        &w.admin_b,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("may not"));
    let ok = idp.json(&[
        "request",
        "approve",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--id",
        &w.b_request.to_string(),
    ]);
    assert_eq!(ok["request"]["status"], "approved");
    assert_eq!(ok["affected_accounts"].as_array().unwrap().len(), 1);
    let queue = idp.json(&[
        "request", "list", "--fund", "caf-86", "--status", "approved",
    ]);
    assert_eq!(queue["requests"].as_array().unwrap().len(), 1);
    // Supervision: suspend and reactivate the partner and an account, switch the mode.
    let s = idp.json(&[
        "supervise",
        "partner-suspend",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--reason",
        "contrôle",
    ]);
    assert_eq!(s["object"]["status"], "suspended");
    assert_eq!(s["affected_accounts"].as_array().unwrap().len(), 2);
    idp.json(&[
        "supervise",
        "partner-reactivate",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
    ]);
    let a = idp.json(&[
        "supervise",
        "account-suspend",
        "--fund",
        "caf-86",
        "--login",
        &w.agent_b,
        "--reason",
        "soupçon",
    ]);
    assert_eq!(a["object"]["status"], "suspended");
    let a = idp.json(&[
        "supervise",
        "account-reactivate",
        "--fund",
        "caf-86",
        "--login",
        &w.agent_b,
    ]);
    assert_eq!(a["object"]["status"], "pending");
    let c = idp.json(&[
        "supervise",
        "set-mode",
        "--fund",
        "caf-86",
        "--convention",
        "86-2020-01",
        "--mode",
        "centralised",
        "--reason",
        "reprise",
    ]);
    assert_eq!(c["convention"]["management_mode"], "centralised");
    // Now the partner's administrator cannot appoint managers: centralised mode.
    let out = idp.run(&[
        "manager",
        "appoint",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--login",
        &w.admin_b,
        "--as",
        &w.admin_b,
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("centralised"));
    let e = idp.json(&[
        "supervise",
        "partner-edit",
        "--fund",
        "caf-86",
        "--partner",
        "86B00001",
        "--name",
        "Ville de Poitiers",
    ]);
    assert_eq!(e["partner"]["name"], "Ville de Poitiers");
}

#[test]
fn the_grant_benchmark_runs_on_a_fresh_database() {
    let idp = Idp::new();
    let v = idp.json(&["bench", "grants", "--count", "20", "--tasks", "2"]);
    assert_eq!(v["backend"], "sqlite");
    assert!(v["sequential_per_s"].as_f64().unwrap() > 0.0);
    assert!(v["concurrent_per_s"].as_f64().unwrap() > 0.0);
    // The configured database was not touched: no fund in it.
    let funds = idp.json(&["fund", "list"]);
    assert_eq!(funds["funds"].as_array().map_or(0, Vec::len), 0, "{funds}");
}

/// The review benchmark on the same throw-away fixture: every step reported, the snapshot
/// holding one line per habilitation.
#[test]
fn the_review_benchmark_runs_on_a_fresh_database() {
    let idp = Idp::new();
    let v = idp.json(&["bench", "review", "--habilitations", "30"]);
    assert_eq!(v["backend"], "sqlite");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8, "{v}");
    assert!(
        steps.iter().any(|s| s["detail"] == "30 lines"),
        "the snapshot has one line per habilitation: {v}"
    );
    let funds = idp.json(&["fund", "list"]);
    assert_eq!(funds["funds"].as_array().map_or(0, Vec::len), 0, "{funds}");
}

/// A decided request is e-mailed to its requester when they have an address (the embedded
/// `spool` transport writes under `data/mail-spool`).
#[test]
fn the_requester_is_emailed_the_decision() {
    let idp = Idp::new();
    let _w = world(&idp);
    let a = ["--fund", "caf-79", "--partner", "79A69243"];
    let mut args = vec!["--json", "account", "create"];
    args.extend(a);
    args.extend([
        "--given-name",
        "Anne",
        "--family-name",
        "Mail",
        "--email",
        "anne.mail@niort.example",
    ]);
    let out = idp.run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let anne = v["account"]["login"].as_str().unwrap().to_owned();
    let mut args = vec!["--json", "admin", "designate"];
    args.extend(a);
    args.extend(["--kind", "deputy", "--login", &anne]);
    assert!(idp.run(&args).status.success());
    let mut ids = Vec::new();
    for family in ["Un", "Deux"] {
        let payload =
            format!(r#"{{"kind":"create_account","given_name":"Agent","family_name":"{family}"}}"#);
        let mut args = vec!["--json", "request", "file"];
        args.extend(a);
        args.extend(["--payload", &payload, "--as", &anne]);
        let out = idp.run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        ids.push(v["request"]["id"].as_i64().unwrap().to_string());
    }
    let mut args = vec!["--json", "request", "approve"];
    args.extend(a);
    args.extend(["--id", &ids[0]]);
    let v = idp.json(&args.iter().skip(1).copied().collect::<Vec<_>>());
    assert_eq!(v["emailed"], 1, "{v}");
    let mut args = vec!["request", "reject"];
    args.extend(a);
    args.extend(["--id", &ids[1], "--reason", "doublon"]);
    let v = idp.json(&args);
    assert_eq!(v["emailed"], 1, "{v}");
    let spool = idp.dir.path().join("data/mail-spool");
    let mails: Vec<String> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(mails.len(), 2);
    assert!(
        mails
            .iter()
            .all(|m| m.contains("To: anne.mail@niort.example"))
    );
    assert!(mails.iter().any(|m| m.contains("Reason: doublon")));
}
