#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use time::Duration;
use time::macros::datetime;

use super::*;
use crate::actor::Actor;
use crate::audit::{Event, Outcome, Source};
use crate::clock::{Clock, ManualClock};
use crate::habilitation::tests::agent_of;
use crate::testing;

#[test]
fn months_are_utc_and_checked() {
    assert_eq!(month_of(datetime!(2026-11-30 23:59 UTC)), "2026-11");
    assert_eq!(month_of(datetime!(2026-12-01 00:30 +01:00)), "2026-11");
    assert_eq!(parse_month(" 2026-11 ").unwrap(), "2026-11");
    for bad in [
        "2026-13", "2026-00", "2026-1", "26-11", "2026/11", "abcd-ef", "",
    ] {
        assert_eq!(parse_month(bad).unwrap_err().code(), "stats.month", "{bad}");
    }
}

#[test]
fn a_contribution_rolls_up_to_every_level_that_applies() {
    let key = Key {
        month: "2026-11".into(),
        fund_id: 1,
        partner_id: Some(2),
        service_id: Some(3),
    };
    let levels: Vec<(Option<i64>, Option<i64>)> = rollup(&key)
        .iter()
        .map(|k| (k.partner_id, k.service_id))
        .collect();
    assert_eq!(
        levels,
        [
            (None, None),
            (Some(2), None),
            (None, Some(3)),
            (Some(2), Some(3))
        ]
    );
    let fund_only = Key {
        partner_id: None,
        service_id: None,
        ..key
    };
    assert_eq!(rollup(&fund_only), vec![fund_only.clone()]);
}

fn record(action: &str, actor_kind: &str, fund: Option<i64>, details: &str) -> Record {
    Record {
        id: 1,
        occurred_at: datetime!(2026-11-05 10:00 UTC),
        actor_kind: actor_kind.into(),
        actor_account_id: Some(7),
        actor_label: "x".into(),
        action: action.into(),
        target_kind: None,
        target_id: None,
        fund_id: fund,
        partner_id: Some(2),
        source_ip: None,
        request_id: None,
        outcome: "success".into(),
        details: details.into(),
        prev_hash: String::new(),
        hash: String::new(),
        purged_by: None,
    }
}

#[test]
fn each_traced_action_counts_where_it_should() {
    let services = HashMap::from([("cdap-client".to_owned(), 3)]);
    let with_client = r#"{"client":"cdap-client"}"#;
    let c = |r: &Record| contribution(r, &services);
    let login = c(&record("login.succeed", "account", Some(1), with_client)).unwrap();
    assert_eq!((login.counts.logins, login.user), (1, Some(7)));
    assert_eq!(login.key.service_id, Some(3));
    let unknown_client = c(&record("login.succeed", "account", Some(1), "{}")).unwrap();
    assert_eq!(unknown_client.key.service_id, None);
    let fail = c(&record("login.fail", "anonymous", Some(1), "{}")).unwrap();
    assert_eq!((fail.counts.failures, fail.user), (1, None));
    let lock = c(&record("account.lock", "system", Some(1), "{}")).unwrap();
    assert_eq!(lock.counts.locks, 1);
    let token = c(&record("token.issue", "account", Some(1), with_client)).unwrap();
    assert_eq!((token.counts.tokens_issued, token.user), (1, Some(7)));
    // Not counted: applications' own tokens, events without a fund, other actions.
    assert_eq!(
        c(&record("token.issue", "system", Some(1), with_client)),
        None
    );
    assert_eq!(
        c(&record("login.succeed", "account", None, with_client)),
        None
    );
    assert_eq!(c(&record("partner.create", "cli", Some(1), "{}")), None);
}

#[test]
fn csv_is_semicolon_separated_with_a_header_and_safe_fields() {
    let row = |partner: Option<&str>, service: Option<&str>, logins| UsageRow {
        month: "2026-11".into(),
        fund: "caf-79".into(),
        partner: partner.map(str::to_owned),
        service: service.map(str::to_owned),
        counts: Counts {
            logins,
            distinct_users: 2,
            failures: 3,
            locks: 0,
            tokens_issued: 9,
        },
    };
    let csv = to_csv(&[
        row(None, None, 12),
        row(Some("79A69243"), Some("cdap"), 5),
        row(Some("=1+1;x"), None, 1),
    ]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "month;fund;partner;service;logins;distinct_users;failures;locks;tokens_issued",
            "2026-11;caf-79;;;12;2;3;0;9",
            "2026-11;caf-79;79A69243;cdap;5;2;3;0;9",
            "2026-11;caf-79;\"'=1+1;x\";;1;2;3;0;9",
        ]
    );
}

#[test]
fn the_chart_has_one_bar_per_month_scaled_to_the_largest() {
    let points = vec![
        ("2026-09".to_owned(), 50),
        ("2026-10".to_owned(), 100),
        ("2026-11".to_owned(), 0),
    ];
    let svg = svg::logins_chart("Connexions <caf-79> & \"partenaires\"", &points);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<rect class=\"bar\"").count(), 3);
    assert_eq!(svg.matches("<text class=\"month\"").count(), 3);
    // Plot height 180: 100 → 180, 50 → 90, 0 → 0.
    assert!(svg.contains("height=\"180\" fill=\"#2b6cb0\"><title>2026-10 : 100</title>"));
    assert!(svg.contains("height=\"90\" fill=\"#2b6cb0\"><title>2026-09 : 50</title>"));
    assert!(svg.contains("height=\"0\" fill=\"#2b6cb0\"><title>2026-11 : 0</title>"));
    assert!(
        svg.contains(">100</text>"),
        "the axis shows the largest value"
    );
    // Text is escaped, nothing executable.
    assert!(svg.contains("Connexions &lt;caf-79&gt; &amp; &quot;partenaires&quot;"));
    assert!(!svg.contains("<caf-79>") && !svg.contains("<script"));
    let empty = svg::logins_chart("Connexions", &[]);
    assert!(empty.contains("Aucune donnée") && !empty.contains("class=\"bar\""));
}

async fn trace(db: &Db, at: OffsetDateTime, event: Event) {
    let tx = db.begin_write().await.unwrap();
    crate::audit::record(&tx, at, event).await.unwrap();
    tx.commit().await.unwrap();
}

async fn figures_from_the_trace(db: &Db) {
    let clock = ManualClock::new(datetime!(2026-10-20 09:00 UTC));
    let fx = testing::fixture(db).await;
    db.execute_unprepared(&format!(
        "INSERT INTO oidc_client (client_id, service_id, name, token_endpoint_auth_method, \
         redirect_uris, post_logout_redirect_uris, grant_types, scopes, require_par, \
         consent_required, signing_alg, subject_type, userinfo_signed, enabled, created_at, \
         updated_at) VALUES ('cdap-client', {}, 'CDAP', 'client_secret_basic', '[]', '[]', \
         '[]', '[]', false, false, 'ES256', 'public', false, true, '2026-11-30 09:00:00+00:00', '2026-11-30 09:00:00+00:00')",
        fx.service.id
    ))
    .await
    .unwrap();
    let a = agent_of(db, &fx, "79a69243.alice").await;
    let b = agent_of(db, &fx, "79a69243.bob").await;
    let as_account = |acc: &crate::account::Account| Actor::Account {
        id: acc.id,
        login: acc.login.to_string(),
    };
    let login = |acc: &crate::account::Account| {
        Event::new(action::LOGIN_SUCCEED, &as_account(acc))
            .target("account", &acc.login)
            .fund(fx.fund.id)
            .partner(fx.partner.id)
            .details(serde_json::json!({ "client": "cdap-client" }))
    };
    let token = |acc: &crate::account::Account| {
        Event::new(action::TOKEN_ISSUE, &as_account(acc))
            .fund(fx.fund.id)
            .partner(fx.partner.id)
            .details(serde_json::json!({ "client": "cdap-client", "grant_type": "refresh_token" }))
    };
    let fail = |acc: &crate::account::Account| {
        Event::new(action::LOGIN_FAIL, &Actor::Anonymous)
            .target("account", &acc.login)
            .fund(fx.fund.id)
            .partner(fx.partner.id)
            .source(Source::default())
            .outcome(Outcome::Failure)
    };
    // October: alice logs in twice, bob fails three times and is locked.
    trace(db, clock.now(), login(&a)).await;
    trace(db, clock.now(), token(&a)).await;
    trace(db, clock.now(), login(&a)).await;
    for _ in 0..3 {
        trace(db, clock.now(), fail(&b)).await;
    }
    trace(
        db,
        clock.now(),
        Event::new(action::ACCOUNT_LOCK, &Actor::System { job: "throttle" })
            .target("account", &b.login)
            .fund(fx.fund.id)
            .partner(fx.partner.id),
    )
    .await;

    let first = refresh(db, 4).await.unwrap();
    assert_eq!(first.counted, 7);
    // Running again counts nothing twice.
    let again = refresh(db, 4).await.unwrap();
    assert_eq!((again.events, again.cursor), (0, first.cursor));

    // November: both log in, alice gets a token; the pass adds only these.
    clock.advance(Duration::days(20));
    trace(db, clock.now(), login(&a)).await;
    trace(db, clock.now(), login(&b)).await;
    trace(db, clock.now(), token(&a)).await;
    let second = refresh(db, 1_000).await.unwrap();
    assert_eq!((second.events, second.counted), (3, 3));

    let fund = crate::fund::find(db, &fx.fund.code).await.unwrap();
    let rows = export(db, &fund, None).await.unwrap();
    let find = |month: &str, partner: bool, service: bool| {
        rows.iter()
            .find(|r| {
                r.month == month && r.partner.is_some() == partner && r.service.is_some() == service
            })
            .map(|r| r.counts)
            .unwrap()
    };
    let oct = |logins, distinct_users, failures, locks, tokens_issued| Counts {
        logins,
        distinct_users,
        failures,
        locks,
        tokens_issued,
    };
    // Fund and partner totals in October: 2 logins by 1 person, 3 failures, 1 lock, 1 token.
    assert_eq!(find("2026-10", false, false), oct(2, 1, 3, 1, 1));
    assert_eq!(find("2026-10", true, false), oct(2, 1, 3, 1, 1));
    // The service (known from the client): logins and tokens only.
    assert_eq!(find("2026-10", false, true), oct(2, 1, 0, 0, 1));
    assert_eq!(find("2026-10", true, true), oct(2, 1, 0, 0, 1));
    assert_eq!(find("2026-11", false, false), oct(2, 2, 0, 0, 1));
    assert_eq!(find("2026-11", true, true), oct(2, 2, 0, 0, 1));
    assert_eq!(rows.len(), 8);
    let partner_row = rows.iter().find(|r| r.partner.is_some()).unwrap();
    assert_eq!(partner_row.partner.as_deref(), Some("79A69243"));
    let service_row = rows.iter().find(|r| r.service.is_some()).unwrap();
    assert_eq!(service_row.service.as_deref(), Some("cdap"));

    // One month only, and the chart series of the fund.
    let nov = export(db, &fund, Some("2026-11")).await.unwrap();
    assert_eq!(nov.len(), 4);
    assert!(nov.iter().all(|r| r.month == "2026-11"));
    assert_eq!(
        logins_per_month(&rows, None),
        [("2026-10".to_owned(), 2), ("2026-11".to_owned(), 2)]
    );
    assert_eq!(
        export(db, &fund, Some("2026-13")).await.unwrap_err().code(),
        "stats.month"
    );
}

#[tokio::test]
async fn figures_from_the_trace_on_sqlite() {
    let db = testing::sqlite().await;
    figures_from_the_trace(&db).await;
}

#[tokio::test]
async fn figures_from_the_trace_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    figures_from_the_trace(&pg.db).await;
    pg.cleanup().await;
}
