//! `idp account` credential commands, run as a process against a fresh SQLite file: reset a
//! password (shown once or spooled by e-mail), force a change, disable/enable, unlock, reset the
//! second factor, a fund's policy; JSON output and exit codes.

use std::process::Command;

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

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_idp"));
        let db = format!(
            "sqlite://{}?mode=rwc",
            self.dir.path().join("habilis.sqlite").display()
        );
        c.args(args)
            .current_dir(self.dir.path())
            .env("HABILIS_DATABASE__URL", db)
            .env("HABILIS_MAIL__SPOOL_DIR", self.dir.path().join("spool"))
            .env_remove("HABILIS_REDIS__URL")
            .env_remove("RUST_LOG");
        c
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.cmd(&all).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.cmd(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

#[test]
fn credential_commands_from_the_command_line() {
    let idp = Idp::new();
    idp.json(&[
        "fund",
        "create",
        "--code",
        "caf-79",
        "--name",
        "Caf 79",
        "--kind",
        "caf",
        "--departements",
        "79",
    ]);
    idp.json(&[
        "partner",
        "create",
        "--fund",
        "caf-79",
        "--third-party",
        "79A69243",
        "--name",
        "Mairie de Niort",
        "--kind",
        "commune",
        "--siret",
        "21790191700013",
    ]);
    let created = idp.json(&[
        "account",
        "create",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
        "--given-name",
        "Jean",
        "--family-name",
        "Dupont",
        "--email",
        "jean.dupont@niort.example",
    ]);
    let login = created["account"]["login"].as_str().unwrap().to_owned();
    let first = created["temporary_password"].as_str().unwrap().to_owned();

    // Reset: a new temporary password, shown once; the sessions to end are listed.
    let r = idp.json(&["account", "reset-password", &login]);
    let temp = r["temporary_password"].as_str().unwrap();
    assert_eq!(temp.len(), 12);
    assert_ne!(temp, first);
    assert_eq!(r["account"]["must_change_password"], true);
    assert_eq!(r["end_sessions_of"].as_array().unwrap().len(), 1);

    // The fund e-mails temporary passwords from now on: nothing shown, one message spooled.
    let p = idp.json(&[
        "account",
        "policy",
        "set",
        "--fund",
        "caf-79",
        "--delivery",
        "email",
        "--mfa",
        "everyone",
        "--min-length-agent",
        "14",
    ]);
    assert_eq!(p["min_length_agent"], 14);
    assert_eq!(p["min_length_admin"], 16);
    assert_eq!(p["mfa"], "everyone");
    let r = idp.json(&["account", "reset-password", &login]);
    assert!(r["temporary_password"].is_null());
    assert_eq!(r["emailed_to"], "jean.dupont@niort.example");
    let spool: Vec<_> = std::fs::read_dir(idp.dir.path().join("spool"))
        .unwrap()
        .collect();
    assert_eq!(spool.len(), 1);
    let shown = idp.json(&["account", "policy", "show", "--fund", "caf-79"]);
    assert_eq!(shown["temporary_password_delivery"], "email");

    // Disable (reason required), enable, unlock, second factor, forced change.
    let (code, err) = idp.fails(&["account", "disable", &login]);
    assert_eq!(code, 2, "{err}");
    let d = idp.json(&["account", "disable", &login, "--reason", "left"]);
    assert_eq!(d["account"]["status"], "disabled");
    let (code, err) = idp.fails(&["account", "disable", &login, "--reason", "again"]);
    assert_eq!(code, 1);
    assert!(err.contains("already disabled"), "{err}");
    let e = idp.json(&["account", "enable", &login, "--reason", "back"]);
    assert_eq!(e["account"]["status"], "pending");
    idp.json(&["account", "unlock", &login]);
    idp.json(&["account", "reset-second-factor", &login]);
    let f = idp.json(&[
        "account",
        "force-password-change",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
    ]);
    assert_eq!(f["end_sessions_of"].as_array().unwrap().len(), 1);
    let (code, err) = idp.fails(&["account", "unlock", "nobody.here"]);
    assert_eq!(code, 1);
    assert!(err.contains("nobody.here"), "{err}");

    // The account commands of the other group still work under `idp account`.
    let list = idp.json(&[
        "account",
        "list",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
    ]);
    assert_eq!(list["accounts"].as_array().unwrap().len(), 1);

    // The trace holds every action and no temporary password.
    let out = idp.cmd(&["audit", "verify"]).output().unwrap();
    assert!(out.status.success());
    // The database file and its write-ahead log: recent rows may not be checkpointed yet.
    let mut db = std::fs::read(idp.dir.path().join("habilis.sqlite")).unwrap();
    if let Ok(wal) = std::fs::read(idp.dir.path().join("habilis.sqlite-wal")) {
        db.extend(wal);
    }
    let text = String::from_utf8_lossy(&db);
    assert!(!text.contains(temp));
    for action in [
        "password.admin_reset",
        "password_policy.set",
        "account.disable",
        "account.enable",
        "account.unlock",
        "second_factor.reset",
        "password.force_change",
    ] {
        assert!(text.contains(action), "{action}");
    }
}
