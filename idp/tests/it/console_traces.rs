//! The trace, usage statistics and dormant-access pages of the console over HTTP (issue #8
//! points 5, 7, 8): a fund operator reads and filters the fund's trace and downloads it as the
//! API's CSV (traced); a partner's principal sees its partner's events only; delegated
//! managers and agents get nothing; bad filters are explained next to their field; the
//! statistics page shows the figures of the trace as a chart and a table; the dormant page
//! lists an account that never logged in and disables it after a confirmation.

use idp::account::login_id::LoginId;
use idp::account::manage::NewAccount;
use idp::actor::Actor;
use idp::audit::query::{search, write_csv};
use idp::clock::Clock;
use idp::fund::Fund;
use idp::partner::ids::ThirdPartyNumber;
use idp::partner::{NewPartner, Partner, PartnerKind};
use idp::review::export::Memory;
use idp::store::audit::EventQuery;
use time::{Duration, OffsetDateTime};

use crate::console::{OPERATOR, PRINCIPAL, Session, console_login, page, submit};
use crate::oidc::{AGENT, NEW_PASSWORD, Provider};

fn cli() -> Actor {
    Actor::Cli {
        os_user: "test".into(),
    }
}

/// The demo's CAF des Deux-Sèvres and its Mairie de Niort.
async fn caf_and_niort(p: &Provider) -> (Fund, Partner) {
    let db = &p.state.db;
    let caf = idp::fund::find(db, &idp::fund::FundCode::parse("caf-79").unwrap())
        .await
        .unwrap();
    let niort = idp::partner::list(db, &caf)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "Mairie de Niort")
        .unwrap();
    (caf, niort)
}

/// A second partner of the same fund with one account, created at `at`: its `account.create`
/// event carries a login found nowhere else.
async fn partner_b(p: &Provider, caf: &Fund, at: OffsetDateTime) -> (Partner, String) {
    let db = &p.state.db;
    let b = idp::partner::create(
        db,
        at,
        &cli(),
        caf,
        NewPartner {
            third_party_number: ThirdPartyNumber::parse("79T00042").unwrap(),
            siret: None,
            name: "Commune de Tracy".into(),
            kind: PartnerKind::Commune,
            email: None,
        },
    )
    .await
    .unwrap();
    let login = new_account(p, caf, &b, at, "Zoé", "Zarbitrace").await;
    (b, login)
}

async fn new_account(
    p: &Provider,
    caf: &Fund,
    partner: &Partner,
    at: OffsetDateTime,
    given: &str,
    family: &str,
) -> String {
    idp::account::manage::create(
        &p.state.db,
        at,
        &cli(),
        &p.state.config.accounts,
        caf,
        partner,
        NewAccount {
            given_name: given.into(),
            family_name: family.into(),
            email: None,
            unit: None,
        },
    )
    .await
    .unwrap()
    .account
    .login
    .to_string()
}

async fn login(p: &Provider, who: &str) -> Session {
    console_login(p, who, idp::demo::DEMO_PASSWORD, Some(NEW_PASSWORD), None).await
}

fn today(p: &Provider) -> String {
    p.clock.now().date().to_string()
}

/// The HTML table of a page (the header also shows the person's login).
fn table(html: &str) -> &str {
    html.find("<table").map_or("", |at| &html[at..])
}

#[tokio::test]
async fn console_traces_an_operator_filters_the_funds_trace_and_downloads_it() {
    let p = Provider::start().await;
    let (caf, niort) = caf_and_niort(&p).await;
    let (b, b_login) = partner_b(&p, &caf, p.clock.now()).await;
    let s = login(&p, OPERATOR).await;

    let (status, html) = page(&p, &s, "/console/fund/traces").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(html.matches("<h1").count(), 1);
    assert!(table(&html).contains(OPERATOR), "their own login: {html}");
    assert!(
        html.contains("href=\"/console/fund/traces\" aria-current=\"page\"")
            && html.contains("href=\"/console/fund/stats\"")
            && html.contains("href=\"/console/fund/dormant\""),
        "{html}"
    );
    for part in [
        "Connexion réussie <code>login.succeed</code>",
        &b_login,
        "<th scope=\"col\">",
        "<caption",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }
    // The action family narrows in SQL; so do the partner and the period.
    let (_, accounts) = page(&p, &s, "/console/fund/traces?action=account.").await;
    assert!(accounts.contains(&b_login), "{accounts}");
    assert!(!table(&accounts).contains("login.succeed"), "{accounts}");
    let (_, niort_only) = page(
        &p,
        &s,
        &format!("/console/fund/traces?partner={}&action=account.", niort.id),
    )
    .await;
    assert!(!niort_only.contains(&b_login), "{niort_only}");
    let day = today(&p);
    let (status, dated) = page(
        &p,
        &s,
        &format!("/console/fund/traces?action=login.&from={day}&to={day}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(table(&dated).contains("login.succeed"), "{dated}");
    let (_, old) = page(&p, &s, "/console/fund/traces?from=2000-01-01&to=2000-01-31").await;
    assert!(
        old.contains("Aucun élément.") && !old.contains("<table"),
        "{old}"
    );

    // Bad filters: the message next to the field, 400, never a server error.
    for (query, field, words) in [
        ("from=2026-02-30", "from", "AAAA-MM-JJ"),
        ("to=demain", "to", "AAAA-MM-JJ"),
        ("from=2026-05-02&to=2026-05-01", "to", "précède"),
        ("action=bogus", "action", "bogus"),
        ("account=personne.inconnue", "account", "personne.inconnue"),
    ] {
        let (status, html) = page(&p, &s, &format!("/console/fund/traces?{query}")).await;
        assert_eq!(status, 400, "{query}: {html}");
        assert!(
            html.contains(&format!("id=\"{field}-error\""))
                && html.contains(&format!("href=\"#{field}\""))
                && html.contains(words),
            "{query}: {html}"
        );
    }
    // Another fund's partner is not a choice.
    let (status, _) = page(&p, &s, "/console/fund/traces?partner=999999").await;
    assert_eq!(status, 404);

    // The CSV is the API's export: the same bytes as `audit::query::write_csv` for the same
    // filters, and the download is traced as `audit.export`.
    let r =
        s.b.get(format!(
            "{}/console/fund/traces/export?action=account.",
            p.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let csv = r.text().await.unwrap();
    let q = EventQuery {
        fund_id: caf.id,
        partner_id: None,
        action: Some("account.".into()),
        actor: None,
        account: None,
        from: None,
        to: None,
        before_id: None,
    };
    let mut expected = Memory::default();
    write_csv(&p.state.db, &q, 200_000, &mut expected)
        .await
        .unwrap();
    assert_eq!(csv, String::from_utf8(expected.0).unwrap());
    assert!(csv.starts_with("\u{feff}id;occurred_at;action;") && csv.contains(&b_login));
    let exports = search(
        &p.state.db,
        &EventQuery {
            action: Some("audit.export".into()),
            ..q.clone()
        },
        0,
        10,
    )
    .await
    .unwrap();
    assert_eq!(exports.total, 1);
    assert_eq!(exports.items[0].actor, OPERATOR);
    assert_eq!(exports.items[0].details["action"], "account.");
    let (_, traced) = page(&p, &s, "/console/fund/traces?action=audit.").await;
    assert!(traced.contains("Export des traces"), "{traced}");
    // A bad filter in the download link shows the page with its message, and exports nothing.
    let (status, _) = page(&p, &s, "/console/fund/traces/export?from=hier").await;
    assert_eq!(status, 400);
    // Operators also read one partner's page.
    let (status, _) = page(&p, &s, &format!("/console/partners/{}/traces", b.id)).await;
    assert_eq!(status, 200);
    p.stop().await;
}

#[tokio::test]
async fn console_traces_a_partner_sees_its_own_events_and_managers_and_agents_none() {
    let p = Provider::start().await;
    let (caf, niort) = caf_and_niort(&p).await;
    let (b, b_login) = partner_b(&p, &caf, p.clock.now()).await;
    let s = login(&p, PRINCIPAL).await;
    let base = format!("/console/partners/{}", niort.id);
    let (status, html) = page(&p, &s, &format!("{base}/traces")).await;
    assert_eq!(status, 200, "{html}");
    for nav in ["traces", "stats", "dormant"] {
        assert!(html.contains(&format!("href=\"{base}/{nav}\"")), "{nav}");
    }
    assert!(table(&html).contains(PRINCIPAL), "their own login: {html}");
    assert!(
        !html.contains(&b_login) && !html.contains("Tracy"),
        "{html}"
    );
    let (_, all_accounts) = page(&p, &s, &format!("{base}/traces?action=account.")).await;
    assert!(!all_accounts.contains(&b_login));
    // Partner B's login is no account of theirs: refused in words, nothing of B shown.
    let (status, html) = page(&p, &s, &format!("{base}/traces?account={b_login}")).await;
    assert_eq!(status, 400);
    assert!(html.contains("id=\"account-error\"") && !table(&html).contains("Zarbitrace"));
    let csv =
        s.b.get(format!("{}{base}/traces/export", p.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    assert!(csv.contains(PRINCIPAL) && !csv.contains(&b_login), "{csv}");
    // Partner B's pages do not exist for them.
    for path in [
        "traces",
        "traces/export",
        "stats",
        "dormant",
        "dormant/disable",
    ] {
        let (status, body) = page(&p, &s, &format!("/console/partners/{}/{path}", b.id)).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            !body.contains("Tracy") && !body.contains(&b_login),
            "{path}"
        );
    }
    // Nor the fund's.
    let (status, _) = page(&p, &s, "/console/fund/traces").await;
    assert_eq!(status, 403);

    // A delegated manager of the partner: no link, no page.
    idp::delegation::appoint_manager(
        &p.state.db,
        p.clock.now(),
        &cli(),
        &niort,
        &LoginId::parse("79caf0191.sdurand").unwrap(),
        &idp::authz::Scope::default(),
        false,
    )
    .await
    .unwrap();
    for who in ["79caf0191.sdurand", AGENT] {
        let s = login(&p, who).await;
        let (_, home) = page(&p, &s, "/console").await;
        assert!(
            !home.contains("/traces\"") && !home.contains("/dormant\""),
            "{who}"
        );
        for path in [
            "traces",
            "traces/export",
            "stats",
            "stats/export",
            "dormant",
        ] {
            let (status, body) = page(&p, &s, &format!("{base}/{path}")).await;
            assert_eq!(status, 403, "{who} {path}");
            assert!(!body.contains("login.succeed"), "{who} {path}");
        }
    }
    p.stop().await;
}

#[tokio::test]
async fn console_traces_statistics_and_dormant_access_of_a_partner() {
    let p = Provider::start().await;
    let (caf, niort) = caf_and_niort(&p).await;
    let base = format!("/console/partners/{}", niort.id);
    // An account created eight months ago that never logged in.
    let dormant = new_account(
        &p,
        &caf,
        &niort,
        p.clock.now() - Duration::days(245),
        "Jean",
        "Dormeur",
    )
    .await;
    let s = login(&p, PRINCIPAL).await;
    let _agent = login(&p, AGENT).await;
    // What the server's job does every five minutes.
    idp::stats::refresh(&p.state.db, 5_000).await.unwrap();
    let month = idp::stats::month_of(p.clock.now());
    let logins = search(
        &p.state.db,
        &EventQuery {
            fund_id: caf.id,
            partner_id: Some(niort.id),
            action: Some("login.succeed".into()),
            actor: None,
            account: None,
            from: None,
            to: None,
            before_id: None,
        },
        0,
        500,
    )
    .await
    .unwrap();
    let users: std::collections::BTreeSet<&str> =
        logins.items.iter().map(|e| e.actor.as_str()).collect();
    assert!(logins.total >= 2 && users.len() == 2, "{logins:?}");
    let row = format!(
        "<th scope=\"row\"><time datetime=\"{month}\">{month}</time></th>\n<td class=\"num\">{}</td><td class=\"num\">{}</td>",
        logins.total,
        users.len()
    );

    let (status, html) = page(&p, &s, &format!("{base}/stats")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("<svg") && html.contains("role=\"img\""),
        "{html}"
    );
    assert!(html.contains("<title>Connexions par mois — Mairie de Niort</title>"));
    assert!(html.contains(&format!("<title>{month} : {}</title>", logins.total)));
    assert!(html.contains(&row), "{row} in {html}");
    assert_eq!(
        html.matches("<th scope=\"row\">").count(),
        12,
        "twelve months"
    );
    let (status, html) = page(&p, &s, &format!("{base}/stats?service=nope")).await;
    assert_eq!(status, 400);
    assert!(html.contains("id=\"service-error\""));
    let r =
        s.b.get(format!("{}{base}/stats/export", p.base))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(
        csv.starts_with("month;fund;partner;service;logins;")
            && csv.contains(&format!(
                "{month};caf-79;79CAF0191;;{};{}",
                logins.total,
                users.len()
            )),
        "{csv}"
    );
    // The fund sees the same figures for the partner.
    let op = login(&p, OPERATOR).await;
    let (status, html) = page(
        &p,
        &op,
        &format!("/console/fund/stats?partner={}", niort.id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains(&row), "{html}");

    // Dormant access: the account that never logged in, not the active ones.
    let (status, html) = page(&p, &s, &format!("{base}/dormant")).await;
    assert_eq!(status, 200, "{html}");
    let listed = table(&html);
    let id = idp::account::find_by_login(&p.state.db, &niort, &LoginId::parse(&dormant).unwrap())
        .await
        .unwrap()
        .id;
    assert!(
        listed.contains(&dormant)
            && listed.contains("Jamais")
            && listed.contains(&format!("href=\"{base}/accounts/{id}\"")),
        "{html}"
    );
    assert!(
        !listed.contains(PRINCIPAL) && !listed.contains(AGENT),
        "{html}"
    );
    assert!(html.contains("value=\"6\""), "the default period");
    for bad in ["abc", "0", "121"] {
        let (status, html) = page(&p, &s, &format!("{base}/dormant?months={bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(html.contains("id=\"months-error\""), "{bad}: {html}");
    }
    let (_, fund_view) = page(&p, &op, "/console/fund/dormant").await;
    assert!(table(&fund_view).contains(&dormant) && fund_view.contains("Mairie de Niort"));

    // Disabling: a confirmation naming the accounts, a reason required, then traced.
    let confirm_path = format!("{base}/dormant/disable?months=6");
    let (status, confirm) = page(&p, &s, &confirm_path).await;
    assert_eq!(status, 200);
    assert!(confirm.contains(&dormant) && confirm.contains("class=\"warning\""));
    let (status, _, refused) = submit(
        &p,
        &s,
        &confirm_path,
        &confirm,
        &[("months", "6"), ("reason", "")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"reason-error\""), "{refused}");
    let (status, loc, _) = submit(
        &p,
        &s,
        &confirm_path,
        &confirm,
        &[("months", "6"), ("reason", "Parti sans prévenir")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        loc.ends_with("months=6&done=done.dormant.disabled"),
        "{loc}"
    );
    let (_, after) = page(&p, &s, &loc).await;
    assert!(
        after.contains("Les comptes inactifs sont désactivés.")
            && !table(&after).contains(&dormant),
        "{after}"
    );
    let (_, trace) = page(
        &p,
        &s,
        &format!("{base}/traces?action=account.&account={dormant}"),
    )
    .await;
    assert!(
        trace.contains("<code>account.disable</code>") && trace.contains("Parti sans prévenir"),
        "{trace}"
    );
    p.stop().await;
}
