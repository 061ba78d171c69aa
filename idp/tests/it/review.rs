//! `idp audit purge`, `idp stats …` and `idp dormant …` run as processes against a fresh SQLite
//! file; old traces are written beforehand through the library, as months of use would have.

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

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_idp"))
            .args(args)
            .current_dir(self.dir.path())
            .env("HABILIS_DATABASE__URL", self.db_url())
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    }

    fn text(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.text(&all)).unwrap()
    }

    /// Runs `f` on the database, through the library.
    fn with_db<F, Fut>(&self, f: F)
    where
        F: FnOnce(idp::store::Db) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let mut config = idp::config::Config::defaults().unwrap().database;
            config.url = idp::secret::Secret::new(self.db_url());
            let db = idp::store::Db::connect(&config).await.unwrap();
            f(db).await;
        });
    }
}

fn world(idp: &Idp) -> String {
    for args in [
        &[
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
        ][..],
        &[
            "service", "create", "--fund", "caf-79", "--code", "cdap", "--name", "CDAP", "--role",
            "T1",
        ],
        &[
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
        ],
        &[
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
        ],
        &[
            "convention",
            "activate",
            "--fund",
            "caf-79",
            "--number",
            "79-2017-19",
        ],
    ] {
        idp.json(args);
    }
    let sophie = idp.json(&[
        "account",
        "create",
        "--fund",
        "caf-79",
        "--partner",
        "79A69243",
        "--given-name",
        "Sophie",
        "--family-name",
        "Durand",
    ]);
    sophie["account"]["login"].as_str().unwrap().to_owned()
}

#[test]
fn purge_statistics_and_dormant_access_from_the_command_line() {
    let idp = Idp::new();
    let login = world(&idp);

    // Nothing is old yet.
    let dry = idp.json(&["audit", "purge", "--dry-run"]);
    assert_eq!(
        (dry["connection"].as_u64(), dry["dry_run"].as_bool()),
        (Some(0), Some(true))
    );
    let report = idp.json(&["dormant", "report", "--fund", "caf-79", "--months", "6"]);
    assert_eq!(report["accounts"].as_array().unwrap().len(), 0);

    // A year ago Sophie's account was created and she logged in once. (The binary reads the
    // system clock, so this test does too, through the one type allowed to.)
    let year_ago = {
        use idp::clock::Clock as _;
        idp::clock::SystemClock.now() - time::Duration::days(365)
    };
    let login2 = login.clone();
    idp.with_db(|db| async move {
        let sql = format!(
            "UPDATE account SET created_at = '{}' WHERE login = '{login2}'",
            year_ago
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        );
        assert_eq!(db.execute_unprepared(&sql).await.unwrap(), 1);
        let account = idp::store::account::by_login(
            &db,
            &idp::account::login_id::LoginId::parse(&login2).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        let tx = db.begin_write().await.unwrap();
        let event = idp::audit::Event::new(
            idp::audit::action::LOGIN_SUCCEED,
            &idp::actor::Actor::Account {
                id: account.id,
                login: login2.clone(),
            },
        )
        .target("account", &login2)
        .fund(account.fund_id)
        .partner(account.partner_id.unwrap())
        .source(idp::audit::Source {
            ip: Some("192.0.2.10".into()),
            request_id: None,
        })
        .details(serde_json::json!({ "client": "cdap-app" }));
        idp::audit::record(&tx, year_ago, event).await.unwrap();
        tx.commit().await.unwrap();
    });

    // Statistics: the login counts once in its month, however many refreshes run.
    let r = idp.json(&["stats", "refresh"]);
    assert_eq!(r["counted"], 1);
    assert_eq!(idp.json(&["stats", "refresh"])["events"], 0);
    let month = format!("{:04}-{:02}", year_ago.year(), u8::from(year_ago.month()));
    let csv = idp.text(&["stats", "export", "--fund", "caf-79", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "month;fund;partner;service;logins;distinct_users;failures;locks;tokens_issued",
            &format!("{month};caf-79;;;1;1;0;0;0"),
            &format!("{month};caf-79;79A69243;;1;1;0;0;0"),
        ]
    );
    let json = idp.json(&["stats", "export", "--fund", "caf-79", "--month", &month]);
    assert_eq!(json.as_array().unwrap().len(), 2);
    let svg = idp.text(&["stats", "chart", "--fund", "caf-79"]);
    assert!(svg.starts_with("<svg") && svg.contains(&format!("<title>{month} : 1</title>")));

    // Retention: the year-old login is cleared and sealed; the chain still verifies.
    let dry = idp.json(&["audit", "purge", "--dry-run"]);
    assert_eq!(dry["connection"], 1);
    let purged = idp.json(&["audit", "purge"]);
    assert_eq!(purged["connection"], 1);
    assert!(purged["purge_event_id"].as_i64().is_some());
    assert_eq!(idp.json(&["audit", "purge"])["connection"], 0);
    let verify = idp.json(&["audit", "verify"]);
    assert_eq!(verify["intact"], true, "{verify}");

    // Dormant access: Sophie has not logged in for twelve months.
    let report = idp.json(&["dormant", "report", "--fund", "caf-79", "--months", "6"]);
    let accounts = report["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0]["account"]["login"], login.as_str());
    assert!(accounts[0]["idle_days"].as_i64().unwrap() >= 364);
    let done = idp.json(&[
        "dormant",
        "disable",
        "--fund",
        "caf-79",
        "--months",
        "6",
        "--partner",
        "79A69243",
    ]);
    assert_eq!(done["disabled"][0], login.as_str());
    let report = idp.json(&["dormant", "report", "--fund", "caf-79", "--months", "6"]);
    assert_eq!(report["accounts"].as_array().unwrap().len(), 0);
    assert_eq!(idp.json(&["audit", "verify"])["intact"], true);

    // Wrong arguments are refused with their reason.
    let out = idp.run(&["stats", "export", "--fund", "caf-79", "--month", "2026-13"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM"));
    let out = idp.run(&["dormant", "report", "--fund", "caf-79", "--months", "0"]);
    assert!(!out.status.success());
}

/// The server's background job, at start: the usage figures first (so an old login is counted
/// with its person), then the purge of what is past retention; the chain still verifies.
#[tokio::test]
async fn the_server_counts_then_purges_old_traces() {
    use std::sync::Arc;

    use idp::clock::{Clock as _, ManualClock, SystemClock};

    let dir = tempfile::tempdir().unwrap();
    let mut config = idp::config::Config::defaults().unwrap();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    config.database.url = idp::secret::Secret::new(format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("r.sqlite").display()
    ));
    let clock = ManualClock::new(SystemClock.now());
    let app = idp::app::App::build(config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let state = app.state().clone();
    let db = state.db.clone();
    let demo = idp::demo::seed(&db, clock.now(), &state.config.accounts)
        .await
        .unwrap();
    let login = demo
        .accounts
        .iter()
        .map(|a| idp::account::login_id::LoginId::parse(&a.login).unwrap())
        .next()
        .unwrap();
    let account = idp::store::account::by_login(&db, &login)
        .await
        .unwrap()
        .unwrap();
    let long_ago = clock.now() - time::Duration::days(200);
    let tx = db.begin_write().await.unwrap();
    let mut event = idp::audit::Event::new(
        idp::audit::action::LOGIN_SUCCEED,
        &idp::actor::Actor::Account {
            id: account.id,
            login: login.to_string(),
        },
    )
    .target("account", &login)
    .fund(account.fund_id);
    if let Some(p) = account.partner_id {
        event = event.partner(p);
    }
    let old_id = idp::audit::record(&tx, long_ago, event).await.unwrap();
    tx.commit().await.unwrap();

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));
    let mut purged = None;
    for _ in 0..200 {
        let rows = idp::store::audit::page(&db, 0, 100_000).await.unwrap();
        if let Some(p) = rows.iter().find(|r| r.action == "audit.purge") {
            purged = Some((p.id, rows));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (purge_id, rows) = purged.expect("the server purged at start");
    let old = rows.iter().find(|r| r.id == old_id).unwrap();
    assert_eq!(old.purged_by, Some(purge_id));
    assert_eq!(
        (old.target_id.as_deref(), old.actor_account_id),
        (None, None)
    );
    let report = idp::audit::verify(&db).await.unwrap();
    assert_eq!(report.first_break, None);

    // Counted before it was cleared: one login by one person, in its month.
    let fund = idp::store::catalogue::fund_by_id(&db, account.fund_id)
        .await
        .unwrap()
        .unwrap();
    let rows = idp::stats::export(&db, &fund, None).await.unwrap();
    let month = idp::stats::month_of(long_ago);
    let total = rows
        .iter()
        .find(|r| r.month == month && r.partner.is_none() && r.service.is_none())
        .unwrap();
    assert_eq!((total.counts.logins, total.counts.distinct_users), (1, 1));

    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

/// A real login through the provider's pages and a code exchange count in the usage figures
/// of the client's service: one login, one person, one token, for the fund, the partner and
/// CDAP.
#[tokio::test]
async fn a_real_login_counts_for_its_service() {
    use crate::login_mfa::tokens;
    use crate::oidc::{AGENT, NEW_PASSWORD, Provider, authorize_url, browser, log_in};

    let p = Provider::start().await;
    let reg = p.register(Some(("caf-79", "cdap")), |_| {}).await;
    let (url, verifier) = authorize_url(&p, &reg, "openid", "");
    let b = browser();
    let back = log_in(
        &b,
        &p.base,
        &url,
        AGENT,
        idp::demo::DEMO_PASSWORD,
        Some(NEW_PASSWORD),
    )
    .await;
    let body = tokens(&p, &reg, &back, &verifier).await;
    assert!(body["id_token"].is_string());

    let db = &p.state.db;
    idp::stats::refresh(db, 1_000).await.unwrap();
    let fund = idp::fund::find(db, &idp::fund::FundCode::parse("caf-79").unwrap())
        .await
        .unwrap();
    let rows = idp::stats::export(db, &fund, None).await.unwrap();
    let cdap = rows
        .iter()
        .find(|r| r.partner.as_deref() == Some("79CAF0191") && r.service.as_deref() == Some("cdap"))
        .unwrap_or_else(|| panic!("no CDAP row for the partner: {rows:?}"));
    assert_eq!(
        (
            cdap.counts.logins,
            cdap.counts.distinct_users,
            cdap.counts.tokens_issued
        ),
        (1, 1, 1)
    );
    let total = rows
        .iter()
        .find(|r| r.partner.is_none() && r.service.is_none())
        .unwrap();
    assert_eq!((total.counts.logins, total.counts.distinct_users), (1, 1));
    p.stop().await;
}
