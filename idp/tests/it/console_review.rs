//! The yearly reverse review in the console over HTTP: the fund opens a campaign with the form
//! (refusals next to their field), the principal filters, withdraws in bulk after a count and a
//! reason, keeps the rest and signs; the deputy prepares but cannot sign; the fund downloads the
//! signed CSV whose SHA-256 is the one signed; delegated managers and agents get no access;
//! another partner's or fund's review is not found; a form without its CSRF token changes
//! nothing. Plus the lines page of a 5,000-line review, timed.

use std::time::Instant;

use idp::account::login_id::LoginId;
use idp::clock::Clock;
use idp::partner::Partner;
use idp::store::Conn;
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};
use time::Duration;

use crate::console::{OPERATOR, PRINCIPAL, Session, console_login, page, submit};
use crate::oidc::{AGENT, NEW_PASSWORD, Provider};

const DEPUTY: &str = "79caf0191.pbernard";
const SOPHIE: &str = "79caf0191.sdurand";

async fn login(p: &Provider, who: &str) -> Session {
    console_login(p, who, idp::demo::DEMO_PASSWORD, Some(NEW_PASSWORD), None).await
}

/// The demo's Mairie de Niort (CAF 79) and the partner of MSA d'Armorique.
async fn partners(p: &Provider) -> (Partner, Partner) {
    let db = &p.state.db;
    let fund = |code: &str| idp::fund::FundCode::parse(code).unwrap();
    let caf = idp::fund::find(db, &fund("caf-79")).await.unwrap();
    let niort = idp::partner::list(db, &caf)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.name == "Mairie de Niort")
        .unwrap();
    let msa = idp::fund::find(db, &fund("msa-armorique")).await.unwrap();
    let armor = idp::partner::list(db, &msa)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    (niort, armor)
}

/// Posts a form found at `form_path` to `action`.
async fn post(
    p: &Provider,
    s: &Session,
    form_path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let (status, html) = page(p, s, form_path).await;
    assert_eq!(status, 200, "{form_path}: {html}");
    submit(p, s, action, &html, fields).await
}

/// A campaign of MSA d'Armorique, opened by its fund through the domain.
async fn foreign_review(p: &Provider, armor: &Partner) -> (i64, i64) {
    let db = &p.state.db;
    let msa = idp::fund::find(db, &idp::fund::FundCode::parse("msa-armorique").unwrap())
        .await
        .unwrap();
    let now = p.clock.now();
    let opened = idp::review::campaign::open(
        db,
        now,
        &idp::actor::Actor::cli(),
        &msa,
        &idp::review::campaign::NewCampaign {
            year: now.year(),
            title: "Revue MSA".into(),
            due_on: now.date() + Duration::days(30),
            partners: Some(vec![armor.id]),
        },
    )
    .await
    .unwrap();
    (opened.campaign.id, opened.reviews[0].id)
}

async fn exports_traced(p: &Provider) -> i64 {
    let row = p
        .state
        .db
        .c()
        .query_one_raw(sea_orm::Statement::from_string(
            p.state.db.c().get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_event WHERE action = 'review.export'",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn console_review_from_the_campaign_form_to_the_signed_download() {
    let p = Provider::start().await;
    let db = p.state.db.clone();
    let (niort, armor) = partners(&p).await;
    // Everyone but Luc (the agent) logs in before the snapshot: Luc "never logged in".
    let op = login(&p, OPERATOR).await;
    let pr = login(&p, PRINCIPAL).await;
    let dep = login(&p, DEPUTY).await;
    let sophie = login(&p, SOPHIE).await;
    // Sophie becomes a delegated manager of the whole partner.
    let managers = format!("/console/partners/{}/managers", niort.id);
    let (status, _, body) = post(&p, &pr, &managers, &managers, &[("login", SOPHIE)]).await;
    assert_eq!(status, 303, "{body}");

    // The fund opens a campaign for Niort with the form.
    let campaigns = "/console/fund/campaigns";
    let (status, html) = page(&p, &op, campaigns).await;
    assert_eq!(status, 200);
    assert!(html.contains("aria-current=\"page\""), "{html}");
    assert!(html.contains(&format!("id=\"partner-{}\"", niort.id)));
    let today = p.clock.now().date();
    let year = today.year().to_string();
    let due = (today + Duration::days(60)).to_string();
    let niort_id = niort.id.to_string();
    let fields = [
        ("year", year.as_str()),
        ("title", "Revue annuelle"),
        ("due_on", due.as_str()),
        ("scope", "chosen"),
        ("partner", niort_id.as_str()),
    ];
    let (status, loc, body) = post(&p, &op, campaigns, campaigns, &fields).await;
    assert_eq!(status, 303, "{body}");
    assert!(loc.starts_with("/console/fund/campaigns/"), "{loc}");
    let (status, dash) = page(&p, &op, &loc).await;
    assert_eq!(status, 200);
    assert!(dash.contains("La campagne est ouverte"), "{dash}");
    assert!(dash.contains("Mairie de Niort") && dash.contains("Pas commencée"));
    // The same year again: refused next to the year; a past due date next to the date.
    let (status, _, refused) = post(&p, &op, campaigns, campaigns, &fields).await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"year-error\""), "{refused}");
    assert!(refused.contains("déjà une campagne"), "{refused}");
    let next_year = (today.year() + 1).to_string();
    let past = (today - Duration::days(1)).to_string();
    let (status, _, refused) = post(
        &p,
        &op,
        campaigns,
        campaigns,
        &[
            ("year", next_year.as_str()),
            ("title", "Revue"),
            ("due_on", past.as_str()),
            ("scope", "all"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"due_on-error\""), "{refused}");
    // A form without its CSRF token changes nothing.
    let r =
        op.b.post(format!("{}{campaigns}", p.base))
            .form(&[
                ("year", next_year.as_str()),
                ("title", "X"),
                ("due_on", &due),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        idp::store::review::campaigns_of_fund(&db, niort.fund_id)
            .await
            .unwrap()
            .len(),
        1
    );
    let (_, english) = page(&p, &op, &format!("{campaigns}?lang=en")).await;
    assert!(english.contains("Open a campaign"), "{english}");
    // The choice is remembered: back to French for the rest.
    let _ = page(&p, &op, &format!("{campaigns}?lang=fr")).await;
    // The fund's dashboard shows the campaign's progress.
    let (_, fund_dash) = page(&p, &op, "/console/fund").await;
    assert!(fund_dash.contains("0 / 1 signées"), "{fund_dash}");
    // Past its due date and unsigned, the review is late on the fund's pages and the
    // partner's (the due date is moved back in the database: the form refuses a past one).
    let yesterday = (today - Duration::days(1)).to_string();
    let sql = format!("UPDATE review_campaign SET due_on = '{yesterday}'");
    db.c().execute_unprepared(&sql).await.unwrap();
    let (_, late) = page(&p, &op, &loc).await;
    assert!(late.contains("En retard"), "{late}");
    let (_, late_list) = page(&p, &op, campaigns).await;
    assert!(late_list.contains("1 en retard"), "{late_list}");
    let (_, late_review) = page(&p, &pr, &format!("/console/partners/{}/reviews", niort.id)).await;
    assert!(late_review.contains("En retard"), "{late_review}");
    let sql = format!("UPDATE review_campaign SET due_on = '{due}'");
    db.c().execute_unprepared(&sql).await.unwrap();

    // The principal finds the review in the menu.
    let review = idp::store::review::reviews_of_partner(&db, niort.id)
        .await
        .unwrap()[0]
        .id;
    let reviews = format!("/console/partners/{}/reviews", niort.id);
    let (status, home) = page(&p, &pr, "/console").await;
    assert_eq!(status, 200);
    assert!(home.contains(&format!("href=\"{reviews}\"")), "{home}");
    let (status, list) = page(&p, &pr, &reviews).await;
    assert_eq!(status, 200);
    let this = format!("{reviews}/{review}");
    assert!(list.contains(&this), "{list}");
    // "Never logged in": Luc's T1 line only.
    let (status, never) = page(&p, &pr, &format!("{this}?never=1")).await;
    assert_eq!(status, 200);
    assert!(never.contains(AGENT), "{never}");
    assert!(
        !never.contains(&format!("<code>{PRINCIPAL}</code>")),
        "{never}"
    );
    let (status, bad) = page(&p, &pr, &format!("{this}?months=0")).await;
    assert_eq!(status, 200);
    assert!(bad.contains("id=\"months-error\""), "{bad}");
    // Bulk withdrawal: the count first, then the reason is required, then it applies.
    let bulk = format!("{this}/bulk");
    let (status, _, confirm) = post(
        &p,
        &pr,
        &this,
        &bulk,
        &[("never", "1"), ("decision", "withdraw")],
    )
    .await;
    assert_eq!(status, 200, "{confirm}");
    assert!(
        confirm.contains("Cette décision concerne 1 ligne(s)."),
        "{confirm}"
    );
    let (status, _, refused) = submit(
        &p,
        &pr,
        &bulk,
        &confirm,
        &[("confirm", "yes"), ("never", "1"), ("decision", "withdraw")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"reason-error\""), "{refused}");
    assert!(refused.contains("Un motif est obligatoire"), "{refused}");
    let (status, loc, body) = submit(
        &p,
        &pr,
        &bulk,
        &confirm,
        &[
            ("confirm", "yes"),
            ("never", "1"),
            ("decision", "withdraw"),
            ("reason", "N'utilise pas le service"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    assert!(loc.contains("done=done.review.decided"), "{loc}");
    // The habilitation is really withdrawn.
    let luc = idp::store::review::lines_page(
        &db,
        review,
        &idp::review::LineFilter {
            login: Some(AGENT.into()),
            ..Default::default()
        },
        0,
        10,
    )
    .await
    .unwrap()
    .0;
    assert_eq!(luc.len(), 1);
    let h = idp::store::habilitation::by_id(&db, luc[0].habilitation_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.status.as_str(), "withdrawn");
    // One line kept by ticking it; ticking nothing is refused next to the lines.
    let decide = format!("{this}/decide");
    let (status, _, refused) = post(&p, &pr, &this, &decide, &[("decision", "keep")]).await;
    assert_eq!(status, 422);
    assert!(refused.contains("id=\"lines-error\""), "{refused}");
    let own = idp::store::review::lines_page(
        &db,
        review,
        &idp::review::LineFilter {
            login: Some(PRINCIPAL.into()),
            ..Default::default()
        },
        0,
        10,
    )
    .await
    .unwrap()
    .0[0]
        .id
        .to_string();
    let (status, loc, body) = post(
        &p,
        &pr,
        &this,
        &decide,
        &[("line", own.as_str()), ("decision", "keep")],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, kept) = page(&p, &pr, &loc).await;
    assert!(kept.contains("Les décisions sont enregistrées"), "{kept}");
    assert!(kept.contains("Conservée"), "{kept}");

    // The fund reads the review, without its forms; a decision it posts is refused.
    let (status, read) = page(&p, &op, &this).await;
    assert_eq!(status, 200);
    assert!(read.contains("La caisse suit la revue"), "{read}");
    assert!(
        !read.contains(&format!("action=\"{this}/decide\"")),
        "{read}"
    );
    let (status, _, _) = submit(
        &p,
        &op,
        &format!("{this}/decide"),
        &read,
        &[("decision", "keep")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = submit(
        &p,
        &op,
        &format!("{this}/bulk"),
        &read,
        &[("decision", "keep")],
    )
    .await;
    assert_eq!(status, 403);
    // The deputy sees the review but not the sign form; a forged signature is refused.
    let (status, dep_page) = page(&p, &dep, &this).await;
    assert_eq!(status, 200);
    assert!(dep_page.contains("id=\"principal-only\""), "{dep_page}");
    assert!(!dep_page.contains(&format!("action=\"{this}/sign\"")));
    let (status, _, refused) = submit(
        &p,
        &dep,
        &format!("{this}/sign"),
        &dep_page,
        &[("signer_name", "Paul Bernard")],
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused.contains("Vous n&#39;avez pas le droit"),
        "{refused}"
    );
    // The principal cannot sign while lines are undecided.
    let (_, pr_page) = page(&p, &pr, &this).await;
    assert!(pr_page.contains("value=\"Claire Martin\""), "{pr_page}");
    let undecided = idp::store::review::counts(&db, review)
        .await
        .unwrap()
        .undecided;
    assert!(undecided > 0);
    let remaining = format!("Il reste {undecided} lignes à décider.");
    assert!(pr_page.contains(&remaining), "{pr_page}");
    let (status, _, refused) = submit(
        &p,
        &pr,
        &format!("{this}/sign"),
        &pr_page,
        &[("signer_name", "Claire Martin")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(refused.contains("id=\"signer_name-error\""), "{refused}");
    assert!(refused.contains(&remaining), "{refused}");
    // The deputy keeps the rest in bulk (undecided lines only).
    let (status, _, confirm) = post(
        &p,
        &dep,
        &this,
        &bulk,
        &[("undecided", "1"), ("decision", "keep")],
    )
    .await;
    assert_eq!(status, 200, "{confirm}");
    assert!(confirm.contains(&format!("Cette décision concerne {undecided} ligne(s).")));
    let (status, _, body) = submit(
        &p,
        &dep,
        &bulk,
        &confirm,
        &[("confirm", "yes"), ("undecided", "1"), ("decision", "keep")],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    // The principal signs.
    let (_, pr_page) = page(&p, &pr, &this).await;
    let (status, loc, body) = submit(
        &p,
        &pr,
        &format!("{this}/sign"),
        &pr_page,
        &[
            ("signer_name", "Claire Martin"),
            ("statement", idp::review::attest::DEFAULT_STATEMENT),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, signed) = page(&p, &pr, &loc).await;
    let attestation = idp::store::review::attestation(&db, review)
        .await
        .unwrap()
        .unwrap();
    let digest = attestation.export_sha256.clone().unwrap();
    assert!(signed.contains("id=\"closed\""), "{signed}");
    assert!(signed.contains(&digest), "{signed}");
    assert!(!signed.contains(&format!("action=\"{this}/decide\"")));

    // The fund sees it signed and downloads the CSV: the bytes are what was signed.
    let campaign = campaign_path(&db, niort.fund_id).await;
    let (_, dash) = page(&p, &op, &format!("{campaign}?state=done")).await;
    assert!(
        dash.contains("Signée") && dash.contains("export?format=csv"),
        "{dash}"
    );
    let before = exports_traced(&p).await;
    let r =
        op.b.get(format!("{}{this}/export?format=csv", p.base))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("repr-digest").is_some());
    let bytes = r.bytes().await.unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), digest);
    assert_eq!(exports_traced(&p).await, before + 1);
    let r =
        op.b.get(format!("{}{this}/export?format=json", p.base))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["attestation"]["export_sha256"], digest.as_str());
    assert_eq!(json["lines"].as_array().unwrap().len(), 4);
    let (status, html) = page(&p, &pr, &format!("{this}/export?format=html")).await;
    assert_eq!(status, 200);
    assert!(html.contains("<caption>"), "{html}");
    assert_eq!(exports_traced(&p).await, before + 3);
    let (status, _) = page(&p, &op, &format!("{this}/export?format=pdf")).await;
    assert_eq!(status, 400);

    // A delegated manager and an agent get no access, and no menu entry.
    let (status, _) = page(&p, &sophie, &reviews).await;
    assert_eq!(status, 403);
    let (status, _) = page(&p, &sophie, &this).await;
    assert_eq!(status, 403);
    let (_, sophie_home) = page(&p, &sophie, "/console").await;
    assert!(!sophie_home.contains(&reviews), "{sophie_home}");
    let luc = login(&p, AGENT).await;
    for path in [&reviews, &this] {
        let (status, body) = page(&p, &luc, path).await;
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!body.contains("Revue annuelle <span"), "{body}");
    }

    // Another partner's review, another fund's campaign: not found.
    let (msa_campaign, msa_review) = foreign_review(&p, &armor).await;
    for path in [
        format!("/console/partners/{}/reviews", armor.id),
        format!("/console/partners/{}/reviews/{msa_review}", armor.id),
        format!("/console/partners/{}/reviews/{msa_review}", niort.id),
        format!("/console/partners/{}/reviews/{msa_review}/export", armor.id),
    ] {
        let (status, body) = page(&p, &pr, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("Revue MSA"), "{body}");
    }
    for path in [
        format!("/console/fund/campaigns/{msa_campaign}"),
        format!("/console/partners/{}/reviews/{msa_review}", armor.id),
    ] {
        let (status, body) = page(&p, &op, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("Revue MSA"), "{body}");
    }
    // A decision posted on another partner's review changes nothing.
    let (status, _, _) = submit(
        &p,
        &pr,
        &format!("/console/partners/{}/reviews/{msa_review}/decide", armor.id),
        &pr_page,
        &[("decision", "keep")],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        idp::store::review::counts(&db, msa_review)
            .await
            .unwrap()
            .undecided,
        idp::store::review::counts(&db, msa_review)
            .await
            .unwrap()
            .lines
    );
    p.stop().await;
}

/// The path of the fund's only campaign.
async fn campaign_path(db: &idp::store::Db, fund: i64) -> String {
    let c = idp::store::review::campaigns_of_fund(db, fund)
        .await
        .unwrap();
    format!("/console/fund/campaigns/{}", c[0].id)
}

#[tokio::test]
async fn console_review_lines_page_of_a_review_with_5000_lines() {
    let p = Provider::start().await;
    let (niort, _) = partners(&p).await;
    let luc = idp::account::find_by_login(&p.state.db, &niort, &LoginId::parse(AGENT).unwrap())
        .await
        .unwrap()
        .id;
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
         INSERT INTO account (subject, fund_id, partner_id, login, given_name, family_name, \
         attributes, status, must_change_password, created_at, updated_at) \
         SELECT 'bench-' || i, a.fund_id, a.partner_id, '79caf0191.bench' || i, 'Agent', \
         'Banc' || i, a.attributes, 'active', a.must_change_password, a.created_at, a.updated_at \
         FROM n, account a WHERE a.id = {luc}"
    );
    p.state.db.c().execute_unprepared(&sql).await.unwrap();
    let caf = idp::authz::lookup::fund(&p.state.db, niort.fund_id)
        .await
        .unwrap()
        .unwrap();
    let now = p.clock.now();
    let opened = idp::review::campaign::open(
        &p.state.db,
        now,
        &idp::actor::Actor::cli(),
        &caf,
        &idp::review::campaign::NewCampaign {
            year: now.year(),
            title: "Revue annuelle".into(),
            due_on: now.date() + Duration::days(30),
            partners: Some(vec![niort.id]),
        },
    )
    .await
    .unwrap();
    assert!(opened.lines > 5_000);
    let s = login(&p, PRINCIPAL).await;
    let this = format!(
        "/console/partners/{}/reviews/{}",
        niort.id, opened.reviews[0].id
    );
    let mut figures = Vec::new();
    for (name, path) in [
        ("first page", this.clone()),
        ("never logged in", format!("{this}?never=1")),
        ("login filter", format!("{this}?login=79caf0191.bench4999")),
        ("last page", format!("{this}?offset=5000")),
    ] {
        let _ = page(&p, &s, &path).await;
        let mut ms = Vec::new();
        let mut body = String::new();
        for _ in 0..5 {
            let t = Instant::now();
            let (status, html) = page(&p, &s, &path).await;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(status, 200);
            body = html;
        }
        ms.sort_by(f64::total_cmp);
        figures.push(format!("{name}: {:.1} ms", ms[2]));
        if name == "first page" {
            assert!(body.contains("rel=\"next\""), "{body}");
            assert!(body.contains(&format!("sur {}", opened.lines)), "{body}");
        }
        if name == "login filter" {
            assert!(body.contains("79caf0191.bench4999"), "{body}");
        }
    }
    eprintln!(
        "console review lines page, {} lines (median of 5): {}",
        opened.lines,
        figures.join(", ")
    );
    p.stop().await;
}
