#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use time::Duration;
use time::macros::datetime;

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::habilitation::tests::{agent, agent_of};
use crate::partner::{self, NewPartner};
use crate::testing::{self, T0, actor};

#[test]
fn months_go_back_by_calendar_month() {
    for (now, months, expected) in [
        (
            datetime!(2027-03-31 10:00 UTC),
            1,
            datetime!(2027-02-28 10:00 UTC),
        ),
        (
            datetime!(2028-03-31 10:00 UTC),
            1,
            datetime!(2028-02-29 10:00 UTC),
        ),
        (
            datetime!(2026-01-15 10:00 UTC),
            2,
            datetime!(2025-11-15 10:00 UTC),
        ),
        (
            datetime!(2026-11-30 10:00 UTC),
            12,
            datetime!(2025-11-30 10:00 UTC),
        ),
        (
            datetime!(2026-11-30 10:00 UTC),
            6,
            datetime!(2026-05-30 10:00 UTC),
        ),
    ] {
        assert_eq!(months_before(now, months), expected, "{now} - {months}");
    }
}

#[test]
fn never_logged_in_counts_from_creation() {
    let cutoff = datetime!(2026-06-01 00:00 UTC);
    let a = |last, created| Activity {
        account_id: 1,
        last_login_at: last,
        created_at: created,
    };
    assert!(is_dormant(
        &a(None, datetime!(2026-05-31 00:00 UTC)),
        cutoff
    ));
    assert!(!is_dormant(
        &a(None, datetime!(2026-06-02 00:00 UTC)),
        cutoff
    ));
    assert!(is_dormant(
        &a(
            Some(datetime!(2026-05-01 00:00 UTC)),
            datetime!(2020-01-01 00:00 UTC)
        ),
        cutoff
    ));
    assert!(!is_dormant(
        &a(
            Some(datetime!(2026-06-01 00:00 UTC)),
            datetime!(2020-01-01 00:00 UTC)
        ),
        cutoff
    ));
}

async fn login_at(db: &Db, id: i64, at: OffsetDateTime) {
    let tx = db.begin_write().await.unwrap();
    store::account::logged_in(&tx, at, id).await.unwrap();
    tx.commit().await.unwrap();
}

async fn report_and_disable(db: &Db) {
    let clock = ManualClock::new(T0);
    let fx = testing::fixture(db).await;
    let old = agent_of(db, &fx, "79a69243.old").await;
    let never = agent_of(db, &fx, "79a69243.never").await;
    let recent = agent_of(db, &fx, "79a69243.recent").await;
    let other_partner = partner::create(
        db,
        T0,
        &actor(),
        &fx.fund,
        NewPartner::parse("79A69244", None, "CCAS de Niort", "other", None).unwrap(),
    )
    .await
    .unwrap();
    let elsewhere = agent(db, other_partner.id, fx.fund.id, "79a69244.never").await;
    let other_fund = testing::fixture_named(db, "caf-86", "86B12345", "86-2020-1").await;
    agent_of(db, &other_fund, "86b12345.never").await;
    login_at(db, old.id, T0 + Duration::days(1)).await;
    login_at(db, recent.id, T0 + Duration::days(150)).await;

    // Seven months later, six months of silence: old and never (and the other partner's).
    clock.advance(Duration::days(212));
    let logins = |r: &[DormantAccount]| -> Vec<String> {
        r.iter().map(|d| d.account.login.to_string()).collect()
    };
    let all = report(db, clock.now(), fx.fund.id, None, 6).await.unwrap();
    assert_eq!(
        logins(&all),
        ["79a69243.never", "79a69243.old", "79a69244.never"]
    );
    let of_partner = report(db, clock.now(), fx.fund.id, Some(fx.partner.id), 6)
        .await
        .unwrap();
    assert_eq!(logins(&of_partner), ["79a69243.never", "79a69243.old"]);
    assert_eq!(of_partner[0].last_login_at, None);
    assert_eq!(of_partner[0].idle_days, 212);
    assert_eq!(of_partner[1].last_login_at, Some(T0 + Duration::days(1)));
    assert_eq!(of_partner[1].idle_days, 211);
    // A longer period: nobody yet.
    assert!(
        report(db, clock.now(), fx.fund.id, None, 8)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        report(db, clock.now(), fx.fund.id, None, 0)
            .await
            .unwrap_err()
            .code(),
        "dormant.months"
    );

    // The policy disables the partner's dormant accounts, traced with the reason.
    let done = disable(
        db,
        clock.now(),
        &actor(),
        fx.fund.id,
        Some(fx.partner.id),
        6,
        &default_reason(6),
    )
    .await
    .unwrap();
    let mut ids = vec![old.id, never.id];
    ids.sort_unstable();
    assert_eq!(done.end_sessions_of, ids);
    assert!(
        done.accounts
            .iter()
            .all(|a| a.status == AccountStatus::Disabled)
    );
    let traces: Vec<_> = store::audit::page(db, 0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "account.disable")
        .collect();
    assert_eq!(traces.len(), 2);
    assert!(traces.iter().all(|r| r.details.contains("accès dormant")));
    // Disabled accounts leave the report; the recent one and the other partner's stay as
    // they were.
    let after = report(db, clock.now(), fx.fund.id, None, 6).await.unwrap();
    assert_eq!(logins(&after), ["79a69244.never"]);
    let recent_now = store::account::by_id(db, recent.id).await.unwrap().unwrap();
    assert_ne!(recent_now.status, AccountStatus::Disabled);
    let elsewhere_now = store::account::by_id(db, elsewhere.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(elsewhere_now.status, AccountStatus::Disabled);
}

#[tokio::test]
async fn dormant_accounts_are_reported_and_disabled_on_sqlite() {
    let db = testing::sqlite().await;
    report_and_disable(&db).await;
}

#[tokio::test]
async fn dormant_accounts_are_reported_and_disabled_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    report_and_disable(&pg.db).await;
    pg.cleanup().await;
}
