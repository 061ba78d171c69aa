#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use time::Duration;
use time::macros::date;

use super::export::{Format, Memory};
use super::*;
use crate::account::AccountStatus;
use crate::account::email::Email;
use crate::account::login_id::LoginId;
use crate::clock::{Clock, ManualClock};
use crate::config::ReviewConfig;
use crate::convention::lifecycle::ManagementMode;
use crate::delegation::AdminKind;
use crate::error::UserError;
use crate::habilitation::tests::{agent_of, grant_of};
use crate::habilitation::{self, HabilitationStatus, Subject};
use crate::store::account::AccountRow;
use crate::store::{self, Db};
use crate::testing::{self, Fixture, T0, actor};

fn campaign_due(due_on: time::Date) -> Campaign {
    Campaign {
        id: 1,
        fund_id: 1,
        year: 2026,
        title: "Revue 2026".into(),
        due_on,
        status: CampaignStatus::Open,
        opened_at: T0,
        closed_at: None,
    }
}

fn review_config() -> ReviewConfig {
    ReviewConfig {
        reminder_days_before: vec![30, 7, 1],
        remind_when_late: true,
        late_policy_days: 3,
        job_interval_secs: 3600,
    }
}

#[test]
fn progress_of_a_review() {
    let due = date!(2026 - 12 - 31);
    let before = date!(2026 - 12 - 31);
    let after = date!(2027 - 01 - 01);
    assert_eq!(progress(ReviewStatus::Signed, due, after), Progress::Done);
    assert_eq!(
        progress(ReviewStatus::NotStarted, due, before),
        Progress::NotStarted
    );
    assert_eq!(
        progress(ReviewStatus::InProgress, due, before),
        Progress::InProgress
    );
    assert_eq!(
        progress(ReviewStatus::InProgress, due, after),
        Progress::Late
    );
    assert_eq!(
        progress(ReviewStatus::NotStarted, due, after),
        Progress::Late
    );
}

#[test]
fn which_reminder_is_due() {
    let c = campaign_due(date!(2026 - 12 - 31));
    let cfg = review_config();
    let at = |d: time::Date| d.midnight().assume_utc() + Duration::hours(9);
    assert_eq!(
        remind::reminder_due(&cfg, &c, at(date!(2026 - 11 - 30))),
        None
    );
    assert_eq!(
        remind::reminder_due(&cfg, &c, at(date!(2026 - 12 - 01))).as_deref(),
        Some("before_30")
    );
    assert_eq!(
        remind::reminder_due(&cfg, &c, at(date!(2026 - 12 - 24))).as_deref(),
        Some("before_7")
    );
    assert_eq!(
        remind::reminder_due(&cfg, &c, at(date!(2026 - 12 - 31))).as_deref(),
        Some("before_1")
    );
    assert_eq!(
        remind::reminder_due(&cfg, &c, at(date!(2027 - 01 - 01))).as_deref(),
        Some("late")
    );
    let quiet = ReviewConfig {
        reminder_days_before: Vec::new(),
        remind_when_late: false,
        ..review_config()
    };
    assert_eq!(
        remind::reminder_due(&quiet, &c, at(date!(2027 - 01 - 01))),
        None
    );
    assert_eq!(
        remind::reminder_due(&quiet, &c, at(date!(2026 - 12 - 31))),
        None
    );
}

#[test]
fn late_policy_after_n_days_only_once_and_never_for_a_signed_review() {
    let c = campaign_due(date!(2026 - 12 - 31));
    let cfg = review_config();
    let mut r = PartnerReview {
        id: 1,
        campaign_id: 1,
        partner_id: 1,
        status: ReviewStatus::InProgress,
        snapshot_at: Some(T0),
        late_policy_applied_at: None,
    };
    let at = |d: time::Date| d.midnight().assume_utc();
    assert!(!remind::late_policy_due(
        &cfg,
        &c,
        &r,
        at(date!(2027 - 01 - 03))
    ));
    assert!(remind::late_policy_due(
        &cfg,
        &c,
        &r,
        at(date!(2027 - 01 - 04))
    ));
    let off = ReviewConfig {
        late_policy_days: 0,
        ..review_config()
    };
    assert!(!remind::late_policy_due(
        &off,
        &c,
        &r,
        at(date!(2027 - 06 - 01))
    ));
    r.late_policy_applied_at = Some(T0);
    assert!(!remind::late_policy_due(
        &cfg,
        &c,
        &r,
        at(date!(2027 - 01 - 04))
    ));
    r.late_policy_applied_at = None;
    r.status = ReviewStatus::Signed;
    assert!(!remind::late_policy_due(
        &cfg,
        &c,
        &r,
        at(date!(2027 - 01 - 04))
    ));
}

#[test]
fn export_formats_parse() {
    assert_eq!(Format::parse("CSV"), Some(Format::Csv));
    assert_eq!(Format::parse("json"), Some(Format::Json));
    assert_eq!(Format::parse("html"), Some(Format::Html));
    assert_eq!(Format::parse("pdf"), None);
}

async fn login_at(db: &Db, id: i64, at: time::OffsetDateTime) {
    let tx = db.begin_write().await.unwrap();
    store::account::logged_in(&tx, at, id).await.unwrap();
    tx.commit().await.unwrap();
}

async fn principal_with_email(db: &Db, fx: &Fixture, name: &str) -> crate::account::Account {
    let tx = db.begin_write().await.unwrap();
    let login = LoginId::parse(name).unwrap();
    let email = Email::parse(&format!("{name}@example.org")).unwrap();
    let a = store::account::insert(
        &tx,
        T0,
        &AccountRow {
            subject: &crate::secret::random_hex(16),
            fund_id: fx.fund.id,
            partner_id: Some(fx.partner.id),
            unit_id: None,
            login: &login,
            given_name: "Paule",
            family_name: "Principale",
            email: Some(&email),
            created_by: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    crate::delegation::designate(db, T0, &actor(), &fx.partner, AdminKind::Principal, &login)
        .await
        .unwrap();
    a
}

fn new_campaign(due_on: time::Date) -> campaign::NewCampaign {
    campaign::NewCampaign {
        year: 2026,
        title: "Revue annuelle 2026".into(),
        due_on,
        partners: None,
    }
}

/// Snapshot, decisions (one by one and in bulk, with the three kinds of withdrawal), the
/// attestation, the exports and the trace.
async fn full_review(db: &Db) {
    let clock = ManualClock::new(T0);
    let fx = testing::fixture(db).await;
    let direct = agent_of(db, &fx, "79a69243.direct").await;
    let member = agent_of(db, &fx, "79a69243.member").await;
    let idle = agent_of(db, &fx, "79a69243.idle").await;
    let active = agent_of(db, &fx, "79a69243.active").await;
    let g = crate::group::create(db, T0, &actor(), &fx.partner, "Instructeurs", None)
        .await
        .unwrap();
    crate::group::add_member(db, T0, &actor(), &g, &member.login)
        .await
        .unwrap();
    let h_direct = habilitation::grant(
        db,
        T0,
        &actor(),
        grant_of(&fx, "T2", Subject::Account(direct.id)),
    )
    .await
    .unwrap();
    habilitation::grant(db, T0, &actor(), grant_of(&fx, "T1", Subject::Group(g.id)))
        .await
        .unwrap();
    habilitation::grant(
        db,
        T0,
        &actor(),
        grant_of(&fx, "T2", Subject::Account(active.id)),
    )
    .await
    .unwrap();
    login_at(db, active.id, T0).await;

    clock.advance(Duration::days(1));
    let due = clock.now().date() + Duration::days(30);
    // Rules of opening.
    let past = campaign::open(
        db,
        clock.now(),
        &actor(),
        &fx.fund,
        &new_campaign(T0.date()),
    )
    .await;
    assert_eq!(past.unwrap_err().code(), "review.due_in_past");
    let bad_year = campaign::NewCampaign {
        year: 1999,
        ..new_campaign(due)
    };
    let r = campaign::open(db, clock.now(), &actor(), &fx.fund, &bad_year).await;
    assert_eq!(r.unwrap_err().code(), "review.invalid_year");
    let foreign = campaign::NewCampaign {
        partners: Some(vec![fx.partner.id + 1000]),
        ..new_campaign(due)
    };
    let r = campaign::open(db, clock.now(), &actor(), &fx.fund, &foreign).await;
    assert_eq!(r.unwrap_err().code(), "review.foreign_partner");

    let opened = campaign::open(db, clock.now(), &actor(), &fx.fund, &new_campaign(due))
        .await
        .unwrap();
    assert_eq!(opened.reviews.len(), 1);
    // direct (T2), member (T1 through the group), idle (nothing), active (T2).
    assert_eq!(opened.lines, 4);
    let again = campaign::open(db, clock.now(), &actor(), &fx.fund, &new_campaign(due)).await;
    assert_eq!(again.unwrap_err().code(), "review.campaign_exists");
    let review = opened.reviews[0].clone();
    assert_eq!(review.status, ReviewStatus::NotStarted);

    let (all, total) = decide::lines(db, &review, &LineFilter::default(), 0, 100)
        .await
        .unwrap();
    assert_eq!(total, 4);
    let by_login = |l: &str| all.iter().find(|x| x.login == l).unwrap().clone();
    let m = by_login("79a69243.member");
    assert_eq!(m.group.as_deref(), Some("Instructeurs"));
    assert_eq!(m.role.as_deref(), Some("T1"));
    assert_eq!(m.details.granted_by.as_deref(), Some("system"));
    assert!(m.details.territory.is_some());
    let i = by_login("79a69243.idle");
    assert_eq!(i.habilitation_id, None);
    assert_eq!(by_login("79a69243.active").last_login_at, Some(T0));
    // Filters in SQL.
    let never = LineFilter {
        never_logged_in: true,
        ..LineFilter::default()
    };
    assert_eq!(
        decide::lines(db, &review, &never, 0, 100).await.unwrap().1,
        3
    );
    let by_group = LineFilter {
        group: Some("Instructeurs".into()),
        ..LineFilter::default()
    };
    assert_eq!(
        decide::lines(db, &review, &by_group, 0, 100)
            .await
            .unwrap()
            .1,
        1
    );
    let by_role = LineFilter {
        role: Some("T2".into()),
        ..LineFilter::default()
    };
    assert_eq!(
        decide::lines(db, &review, &by_role, 0, 100)
            .await
            .unwrap()
            .1,
        2
    );

    // Keep one line; signing now is refused: three lines are undecided.
    let keep = LineFilter {
        ids: Some(vec![by_login("79a69243.active").id]),
        ..LineFilter::default()
    };
    let d = decide::decide(
        db,
        clock.now(),
        &actor(),
        &fx.partner,
        &review,
        &keep,
        Decision::Keep,
        "",
    )
    .await
    .unwrap();
    assert_eq!(d.decided, 1);
    let sig = attest::Signature {
        signer_name: "Paule Principale".into(),
        statement: attest::DEFAULT_STATEMENT.into(),
    };
    let early = attest::sign(
        db,
        clock.now(),
        &actor(),
        direct.id,
        &fx.partner,
        &review,
        &sig,
    )
    .await;
    assert_eq!(early.unwrap_err().code(), "review.undecided");
    // A withdrawal needs a reason.
    let r = decide::decide(
        db,
        clock.now(),
        &actor(),
        &fx.partner,
        &review,
        &never,
        Decision::Withdraw,
        " ",
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "review.reason_required");

    // Withdraw in bulk everyone who never logged in: a direct habilitation withdrawn, a group
    // membership ended, an account holding nothing disabled.
    let d = decide::decide(
        db,
        clock.now(),
        &actor(),
        &fx.partner,
        &review,
        &never,
        Decision::Withdraw,
        "plus d'activité",
    )
    .await
    .unwrap();
    assert_eq!(d.decided, 3);
    assert_eq!(d.habilitations_withdrawn, 1);
    assert_eq!(d.memberships_ended, 1);
    assert_eq!(d.accounts_disabled, 1);
    assert_eq!(
        d.end_service_access.get(&fx.subscription.id),
        Some(&vec![direct.id])
    );
    let mut sessions = vec![member.id, idle.id];
    sessions.sort_unstable();
    assert_eq!(d.end_sessions_of, sessions);
    let h = store::habilitation::by_id(db, h_direct.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.status, HabilitationStatus::Withdrawn);
    assert!(store::group::member_ids(db, g.id).await.unwrap().is_empty());
    let idle_now = store::account::by_id(db, idle.id).await.unwrap().unwrap();
    assert_eq!(idle_now.status, AccountStatus::Disabled);
    // Nothing left to select.
    let undecided = LineFilter {
        undecided: true,
        ..LineFilter::default()
    };
    let r = decide::decide(
        db,
        clock.now(),
        &actor(),
        &fx.partner,
        &review,
        &undecided,
        Decision::Keep,
        "",
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "review.nothing_selected");

    // The status before signing.
    let c = campaign::find(db, fx.fund.id, opened.campaign.id)
        .await
        .unwrap();
    let s = campaign::status(db, &c, clock.now().date()).await.unwrap();
    assert_eq!((s.in_progress, s.done), (1, 0));
    assert_eq!(s.partners[0].counts.withdrawn, 3);
    // The one-query tallies of the dashboards agree; late once the due date is past.
    let t = campaign::tallies(db, &[fx.fund.id], clock.now().date())
        .await
        .unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0].campaign.id, t[0].partners, t[0].in_progress, t[0].done),
        (c.id, 1, 1, 0)
    );
    let t = campaign::tallies(db, &[fx.fund.id], due + Duration::days(1))
        .await
        .unwrap();
    assert_eq!((t[0].late, t[0].in_progress), (1, 0));
    assert!(
        campaign::tallies(db, &[fx.fund.id + 1_000], clock.now().date())
            .await
            .unwrap()
            .is_empty()
    );

    let signed = attest::sign(
        db,
        clock.now(),
        &actor(),
        direct.id,
        &fx.partner,
        &review,
        &sig,
    )
    .await
    .unwrap();
    assert_eq!(
        (signed.attestation.kept, signed.attestation.withdrawn),
        (1, 3)
    );
    assert!(signed.campaign_closed);
    let sha = signed.attestation.export_sha256.clone().unwrap();
    assert_eq!(sha.len(), 64);
    let again = attest::sign(
        db,
        clock.now(),
        &actor(),
        direct.id,
        &fx.partner,
        &review,
        &sig,
    )
    .await;
    assert_eq!(again.unwrap_err().code(), "review.closed");
    let r = decide::decide(
        db,
        clock.now(),
        &actor(),
        &fx.partner,
        &review,
        &keep,
        Decision::Keep,
        "",
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "review.closed");
    let c = campaign::find(db, fx.fund.id, opened.campaign.id)
        .await
        .unwrap();
    assert_eq!(c.status, CampaignStatus::Closed);
    let s = campaign::status(db, &c, due + Duration::days(5))
        .await
        .unwrap();
    assert_eq!((s.done, s.late), (1, 0));
    let t = campaign::tallies(db, &[fx.fund.id], due + Duration::days(5))
        .await
        .unwrap();
    assert_eq!((t[0].done, t[0].late), (1, 0));
    assert_eq!(t[0].campaign.status, CampaignStatus::Closed);

    // Exports: the CSV's digest is the one signed; JSON parses; HTML is one page.
    let review = decide::find(db, &fx.partner, review.id).await.unwrap();
    let header = attest::header(db, &fx.partner, &review).await.unwrap();
    export::ensure_signed(&header).unwrap();
    let mut csv = Memory::default();
    let sum = export::write(db, &header, Format::Csv, &mut csv)
        .await
        .unwrap();
    assert_eq!(sum.sha256, sha);
    assert_eq!(sum.lines, 4);
    let text = String::from_utf8(csv.0).unwrap();
    assert!(text.starts_with("\u{feff}year;partner;login;"));
    assert_eq!(text.lines().count(), 5);
    assert!(text.contains(";79a69243.member;"));
    assert!(text.contains(";withdraw;"));
    let mut json = Memory::default();
    export::write(db, &header, Format::Json, &mut json)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.0).unwrap();
    assert_eq!(v["lines"].as_array().unwrap().len(), 4);
    assert_eq!(v["attestation"]["kept"], 1);
    assert_eq!(v["partner"], "79A69243");
    let mut html = Memory::default();
    export::write(db, &header, Format::Html, &mut html)
        .await
        .unwrap();
    let page = String::from_utf8(html.0).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<tr><td>").count(), 4);
    assert!(page.contains("Paule Principale"));

    // Traced, and the chain verifies.
    let actions: Vec<String> = store::audit::page(db, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .filter(|a| a.starts_with("review."))
        .collect();
    assert_eq!(
        actions,
        [
            "review.snapshot",
            "review.open",
            "review.decide",
            "review.decide",
            "review.sign",
            "review.close"
        ]
    );
    let v = crate::audit::verify(db).await.unwrap();
    assert!(v.first_break.is_none());
}

#[tokio::test]
async fn a_full_review_on_sqlite() {
    let db = testing::sqlite().await;
    full_review(&db).await;
}

#[tokio::test]
async fn a_full_review_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    full_review(&pg.db).await;
    pg.cleanup().await;
}

/// Reminders on the configured days, once each however many passes run; the late policy
/// moves the partner to centralised mode once.
async fn reminders_and_late_policy(db: &Db) {
    let clock = ManualClock::new(T0);
    let fx = testing::fixture(db).await;
    principal_with_email(db, &fx, "79a69243.paule").await;
    let due = T0.date() + Duration::days(20);
    campaign::open(db, clock.now(), &actor(), &fx.fund, &new_campaign(due))
        .await
        .unwrap();
    let spool = tempfile::tempdir().unwrap();
    let mailer = crate::mail::Mailer::spool(spool.path(), "habilis@example.org").unwrap();
    let cfg = ReviewConfig {
        reminder_days_before: vec![7, 1],
        ..review_config()
    };
    let mails = || std::fs::read_dir(spool.path()).unwrap().count();
    let pass = || remind::run(db, &mailer, &cfg, clock.now());

    // Twenty days before: nothing is due.
    assert_eq!(pass().await.unwrap().reminders, 0);
    clock.advance(Duration::days(13));
    let r = pass().await.unwrap();
    assert_eq!((r.reminders, r.mails), (1, 1));
    // Twice in a row (another node, the next pass): not sent again.
    assert_eq!(pass().await.unwrap().reminders, 0);
    clock.advance(Duration::days(6));
    assert_eq!(pass().await.unwrap().reminders, 1);
    clock.advance(Duration::days(2));
    let r = pass().await.unwrap();
    assert_eq!(r.reminders, 1);
    assert!(r.centralised.is_empty());
    assert_eq!(mails(), 3);
    // Late by more than three days: centralised mode, once.
    clock.advance(Duration::days(3));
    let r = pass().await.unwrap();
    assert_eq!(r.centralised, ["79A69243"]);
    let conv = store::convention::by_id(db, fx.convention.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conv.management_mode, ManagementMode::Centralised);
    assert!(pass().await.unwrap().centralised.is_empty());
    let review = store::review::reviews_of_partner(db, fx.partner.id)
        .await
        .unwrap()
        .remove(0);
    assert!(review.late_policy_applied_at.is_some());
    let kinds: Vec<String> = store::review::reminders(db, review.id)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(kinds, ["before_7", "before_1", "late"]);
    let actions: Vec<String> = store::audit::page(db, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .filter(|a| a.starts_with("review.") || a == "convention.set_mode")
        .collect();
    assert_eq!(
        actions,
        [
            "review.snapshot",
            "review.open",
            "review.remind",
            "review.remind",
            "review.remind",
            "review.late_policy",
            "convention.set_mode"
        ]
    );
}

#[tokio::test]
async fn reminders_and_late_policy_on_sqlite() {
    let db = testing::sqlite().await;
    reminders_and_late_policy(&db).await;
}

#[tokio::test]
async fn reminders_and_late_policy_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    reminders_and_late_policy(&pg.db).await;
    pg.cleanup().await;
}
