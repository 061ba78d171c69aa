//! The `idp` command line, run as a process against a fresh SQLite file.

use std::process::{Command, Output};

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

    fn db_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.dir.path().join("habilis.sqlite").display()
        )
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_idp"));
        c.args(args)
            .current_dir(self.dir.path())
            .env("HABILIS_DATABASE__URL", self.db_url())
            .env_remove("RUST_LOG");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs with `--json` and expects success.
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

    /// Runs and expects failure; returns stderr.
    fn fails(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "{args:?} should fail: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn seed_catalogue(idp: &Idp) {
    idp.json(&[
        "fund",
        "create",
        "--code",
        "caf-79",
        "--name",
        "Caf des Deux-Sèvres",
        "--kind",
        "caf",
        "--departements",
        "79",
    ]);
    idp.json(&[
        "service",
        "create",
        "--fund",
        "caf-79",
        "--code",
        "cdap",
        "--name",
        "CDAP",
        "--role",
        "T1",
        "--role",
        "T2",
        "--role",
        "T4:Profil T4:instructor_number",
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
    idp.json(&[
        "convention",
        "create",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
        "--number",
        "79-2017-19",
        "--effective-from",
        "2017-03-01",
        "--territory",
        "79",
        "--mission",
        "Quotient familial",
    ]);
}

#[test]
fn unknown_arguments_and_commands_are_refused_with_usage() {
    let idp = Idp::new();
    let (code, err) = idp.fails(&["fund", "create", "--colour", "blue"]);
    assert_eq!(code, 2);
    assert!(err.contains("--colour"), "{err}");
    let (code, err) = idp.fails(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(err.contains("frobnicate"), "{err}");
}

#[test]
fn an_unknown_configuration_key_stops_every_command() {
    let idp = Idp::new();
    let out = idp
        .cmd(&["check-config"])
        .env("HABILIS_SERVER__LISTN", "127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listn"), "{err}");

    let file = idp.dir.path().join("bad.toml");
    std::fs::write(&file, "[database]\nmax_conections = 3\n").unwrap();
    let (code, err) = idp.fails(&["--config", file.to_str().unwrap(), "migrate"]);
    assert_eq!(code, 1);
    assert!(err.contains("max_conections"), "{err}");
}

#[test]
fn check_config_redacts_secrets() {
    let idp = Idp::new();
    let out = idp
        .cmd(&["check-config"])
        .env(
            "HABILIS_DATABASE__URL",
            "postgres://habilis:s3cr3t-pw@db.example/habilis",
        )
        .env(
            "HABILIS_OIDC__KEY_ENCRYPTION_KEY",
            "S2VrS2VrS2VrS2VrS2VrS2VrS2VrS2VrS2VrS2VrS2s=",
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("configuration is valid"), "{text}");
    assert!(!text.contains("s3cr3t-pw"), "{text}");
    assert!(!text.contains("S2VrS2Vr"), "{text}");
}

#[test]
fn postgres_without_a_key_encryption_key_is_refused_with_the_key_name() {
    let idp = Idp::new();
    let out = idp
        .cmd(&["check-config"])
        .env(
            "HABILIS_DATABASE__URL",
            "postgres://habilis@db.example/habilis",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("oidc.key_encryption_key"), "{err}");
}

#[test]
fn keys_and_clients_from_the_command_line() {
    let idp = Idp::new();
    seed_catalogue(&idp);
    // The first rotation of an algorithm without keys creates its pair.
    let created = idp.json(&["keys", "rotate", "--alg", "EdDSA"]);
    assert_eq!(created["created"].as_array().unwrap().len(), 2, "{created}");
    assert!(idp.dir.path().join("key-encryption.key").exists());
    // Its next key was just published: promoting it needs --force.
    let (_, err) = idp.fails(&["keys", "rotate", "--alg", "EdDSA"]);
    assert!(err.contains("--force"), "{err}");
    let r = idp.json(&["keys", "rotate", "--alg", "EdDSA", "--force"]);
    assert_eq!(r["rotation"]["alg"], "EdDSA");
    let listed = idp.json(&["keys", "list"]);
    let states: Vec<&str> = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| **s == "retired").count(),
        1,
        "{listed}"
    );
    assert!(!listed.to_string().contains("private"), "{listed}");

    let c = idp.json(&[
        "client",
        "create",
        "--fund",
        "caf-79",
        "--service",
        "cdap",
        "--name",
        "CDAP",
        "--redirect-uri",
        "https://cdap.example/cb",
        "--signing-alg",
        "RS256",
    ]);
    let id = c["client_id"].as_str().unwrap().to_owned();
    let secret = c["client_secret"].as_str().unwrap().to_owned();
    assert!(id.starts_with("hab_") && secret.len() == 43, "{c}");
    // RS256 keys now exist for the client's tokens.
    assert!(
        idp.json(&["keys", "list"])
            .to_string()
            .contains("\"RS256\"")
    );
    let shown = idp.json(&["client", "show", &id]);
    assert_eq!(shown["client"]["signing_alg"], "RS256");
    assert!(
        !shown.to_string().contains(&secret),
        "the secret is shown once only"
    );
    let public = idp.json(&[
        "client",
        "create",
        "--first-party",
        "--name",
        "Console",
        "--public",
        "--redirect-uri",
        "http://127.0.0.1:9000/cb",
    ]);
    assert!(public["client_secret"].is_null());
    let (_, err) = idp.fails(&[
        "client",
        "create",
        "--first-party",
        "--name",
        "X",
        "--redirect-uri",
        "http://evil.example/cb",
    ]);
    assert!(err.contains("localhost"), "{err}");
    assert_eq!(
        idp.json(&["client", "list", "--fund", "caf-79"])["clients"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        idp.json(&["client", "list"])["clients"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let rotated = idp.json(&["client", "rotate-secret", &id]);
    assert_ne!(rotated["client_secret"].as_str().unwrap(), secret);
    let disabled = idp.json(&["client", "disable", &id]);
    assert_eq!(disabled["client"]["enabled"], false);
    let audit = idp.json(&["audit", "verify"]);
    assert_eq!(audit["intact"], true);
}

#[test]
fn malformed_identifiers_get_clear_errors() {
    let idp = Idp::new();
    seed_catalogue(&idp);
    let cases: [(&[&str], &str); 8] = [
        (
            &[
                "partner",
                "create",
                "--fund",
                "caf-79",
                "--third-party",
                "79B1",
                "--name",
                "X",
                "--kind",
                "commune",
                "--siret",
                "21790191700014",
            ],
            "SIRET",
        ),
        (
            &[
                "partner",
                "create",
                "--fund",
                "caf-79",
                "--third-party",
                "79B1",
                "--name",
                "X",
                "--kind",
                "commune",
                "--siret",
                "1234",
            ],
            "14 digits",
        ),
        (
            &[
                "partner",
                "create",
                "--fund",
                "caf-79",
                "--third-party",
                "?",
                "--name",
                "X",
                "--kind",
                "commune",
            ],
            "third-party",
        ),
        (
            &[
                "partner",
                "create",
                "--fund",
                "caf-79",
                "--third-party",
                "79B1",
                "--name",
                "X",
                "--kind",
                "commune",
                "--email",
                "nope@",
            ],
            "e-mail",
        ),
        (
            &[
                "convention",
                "create",
                "--fund",
                "caf-79",
                "--partner",
                "79A69243",
                "--number",
                "79 2017",
                "--effective-from",
                "2017-03-01",
                "--territory",
                "79",
                "--mission",
                "m",
            ],
            "convention number",
        ),
        (
            &[
                "convention",
                "create",
                "--fund",
                "caf-79",
                "--partner",
                "79A69243",
                "--number",
                "X-1",
                "--effective-from",
                "2017-03-01",
                "--territory",
                "20",
                "--mission",
                "m",
            ],
            "département",
        ),
        (
            &[
                "convention",
                "create",
                "--fund",
                "caf-79",
                "--partner",
                "79A69243",
                "--number",
                "X-1",
                "--effective-from",
                "2017-03-01",
                "--territory",
                "79000",
                "--mission",
                "m",
            ],
            "postcode",
        ),
        (
            &[
                "fund",
                "create",
                "--code",
                "caf-99",
                "--name",
                "X",
                "--kind",
                "caf",
                "--departements",
                "975",
            ],
            "975",
        ),
    ];
    for (args, expected) in cases {
        let (code, err) = idp.fails(args);
        assert_eq!(code, 1, "{args:?}");
        assert!(
            err.to_lowercase().contains(&expected.to_lowercase()),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn the_catalogue_flow_works_with_json_output() {
    let idp = Idp::new();
    seed_catalogue(&idp);
    let v = idp.json(&[
        "convention",
        "activate",
        "--fund",
        "caf-79",
        "--number",
        "79-2017-19",
    ]);
    assert_eq!(v["convention"]["status"], "active");
    let v = idp.json(&[
        "subscription",
        "set",
        "--fund",
        "caf-79",
        "--convention",
        "79-2017-19",
        "--service",
        "cdap",
        "--quota",
        "T1=10",
        "--quota",
        "t2=5",
    ]);
    assert_eq!(v["subscription"]["quotas"].as_array().unwrap().len(), 2);
    let (code, err) = idp.fails(&[
        "convention",
        "suspend",
        "--fund",
        "caf-79",
        "--number",
        "79-2017-19",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("reason"), "{err}");
    let v = idp.json(&[
        "convention",
        "suspend",
        "--fund",
        "caf-79",
        "--number",
        "79-2017-19",
        "--reason",
        "audit",
    ]);
    assert_eq!(v["convention"]["status"], "suspended");
    let v = idp.json(&["audit", "verify"]);
    assert_eq!(v["intact"], true);
    assert_eq!(v["checked"], 7);
}

#[test]
fn csv_import_reports_counts() {
    let idp = Idp::new();
    seed_catalogue(&idp);
    let csv = idp.dir.path().join("tiers.csv");
    std::fs::write(&csv, "numéro de tiers;siret;nom;type\n79C00002;;Crèche Les Lutins;childcare_structure\n79A69243;21790191700013;Mairie de Niort;commune\n").unwrap();
    let v = idp.json(&[
        "partner",
        "import",
        "--fund",
        "caf-79",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(v["import"]["created"], 1);
    assert_eq!(v["import"]["unchanged"], 1);
}

#[test]
fn audit_verify_reports_a_row_modified_by_hand() {
    let idp = Idp::new();
    seed_catalogue(&idp);
    assert_eq!(idp.json(&["audit", "verify"])["intact"], true);
    tamper(
        &idp.db_url(),
        "UPDATE audit_event SET actor_label = 'someone-else' WHERE id = 3",
    );
    let out = idp.run(&["--json", "audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["intact"], false);
    assert_eq!(v["broken_at"], 3);
    let text = String::from_utf8_lossy(&idp.run(&["audit", "verify"]).stdout).into_owned();
    assert!(text.contains("BROKEN at event 3"), "{text}");
}

/// Edits the database behind Habilis' back, as an attacker with file access would.
fn tamper(url: &str, sql: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut config = idp::config::Config::load(None).unwrap().database;
        config.url = idp::secret::Secret::new(url);
        let db = idp::store::Db::connect(&config).await.unwrap();
        assert_eq!(db.execute_unprepared(sql).await.unwrap(), 1);
    });
}

#[test]
fn accounts_groups_and_grants_from_the_command_line() {
    let idp = Idp::new();
    seed_catalogue(&idp);
    idp.json(&[
        "convention",
        "activate",
        "--fund",
        "caf-79",
        "--number",
        "79-2017-19",
    ]);
    idp.json(&[
        "subscription",
        "set",
        "--fund",
        "caf-79",
        "--convention",
        "79-2017-19",
        "--service",
        "cdap",
        "--quota",
        "T1=1",
    ]);

    let op = idp.json(&[
        "operator",
        "create",
        "--fund",
        "caf-79",
        "--given-name",
        "Anne",
        "--family-name",
        "Leroy",
        "--email",
        "anne.leroy@caf79.example.fr",
    ]);
    assert!(op["temporary_password"].as_str().unwrap().len() >= 12);

    let at = ["--fund", "caf-79", "--partner", "79A69243"];
    let mut args = vec!["account", "create"];
    args.extend_from_slice(&at);
    args.extend_from_slice(&["--given-name", "Sophie", "--family-name", "Durand"]);
    let sophie = idp.json(&args);
    assert_eq!(sophie["account"]["login"], "79a69243.sdurand");
    assert_eq!(sophie["account"]["status"], "pending");
    let mut args = vec!["account", "create"];
    args.extend_from_slice(&at);
    args.extend_from_slice(&["--given-name", "Luc", "--family-name", "Petit"]);
    idp.json(&args);
    // A profile edit keeps the login.
    let mut args = vec!["account", "edit"];
    args.extend_from_slice(&at);
    args.extend_from_slice(&[
        "--login",
        "79a69243.lpetit",
        "--family-name",
        "Petit-Martin",
        "--email",
        "luc.petit@mairie.example.fr",
    ]);
    let edited = idp.json(&args);
    assert_eq!(edited["account"]["family_name"], "Petit-Martin");
    assert_eq!(edited["account"]["login"], "79a69243.lpetit");
    assert_eq!(edited["account"]["email"], "luc.petit@mairie.example.fr");

    let mut args = vec!["admin", "designate"];
    args.extend_from_slice(&at);
    args.extend_from_slice(&["--kind", "principal", "--login", "79a69243.sdurand"]);
    idp.json(&args);

    let grant = |login: &str| {
        let mut a = vec!["grant", "add"];
        a.extend_from_slice(&at);
        a.extend_from_slice(&[
            "--convention",
            "79-2017-19",
            "--service",
            "cdap",
            "--role",
            "T1",
            "--login",
            login,
            "--reason",
            "Instruction",
        ]);
        idp.run(&[&["--json"][..], &a].concat())
    };
    let first = grant("79a69243.sdurand");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = grant("79a69243.lpetit");
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("quota for role T1 reached: 1 of 1 used"),
        "{err}"
    );

    let (code, err) = idp.fails(&[
        "admin",
        "designate",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
        "--kind",
        "principal",
        "--login",
        "not a login",
    ]);
    assert_eq!(code, 1);
    assert!(err.to_lowercase().contains("login"), "{err}");

    let v = idp.json(&["audit", "verify"]);
    assert_eq!(v["intact"], true);
    // The trace never holds a temporary password.
    let trace = trace_text(&idp.db_url());
    assert!(trace.contains("79a69243.sdurand"));
    for created in [&sophie, &op] {
        let pw = created["temporary_password"].as_str().unwrap();
        assert!(
            !trace.contains(pw),
            "a temporary password reached the trace"
        );
    }
}

/// Every stored trace, as one text.
fn trace_text(url: &str) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut config = idp::config::Config::defaults().unwrap().database;
        config.url = idp::secret::Secret::new(url);
        let db = idp::store::Db::connect(&config).await.unwrap();
        let rows = idp::store::audit::page(&db, 0, 10_000).await.unwrap();
        rows.iter().map(|r| format!("{r:?}\n")).collect()
    })
}

#[test]
fn units_are_listed_and_a_convention_shows_its_term() {
    let idp = Idp::new();
    seed_catalogue(&idp);
    idp.json(&[
        "unit",
        "create",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
        "--code",
        "creche-nord",
        "--name",
        "Crèche Nord",
    ]);
    let v = idp.json(&["unit", "list", "--fund", "caf-79", "--partner", "79A69243"]);
    assert_eq!(v["units"][0]["code"], "creche-nord");
    assert_eq!(v["units"].as_array().unwrap().len(), 1);
    let v = idp.json(&[
        "convention",
        "show",
        "--fund",
        "caf-79",
        "--number",
        "79-2017-19",
    ]);
    // Effective 2017-03-01, yearly tacit renewal: renewed on a 1 March, notice 3 months before.
    let renewal = v["term"]["next_renewal"].as_str().unwrap();
    assert!(renewal.ends_with("-03-01"), "{v}");
    let deadline = v["term"]["notice_deadline"].as_str().unwrap();
    assert!(deadline.ends_with("-12-01"), "{v}");
    assert_eq!(v["term"]["notice_months"], 3);
    let out = idp.run(&[
        "convention",
        "show",
        "--fund",
        "caf-79",
        "--number",
        "79-2017-19",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("next tacit renewal"), "{text}");
}
