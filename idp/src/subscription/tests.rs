use time::macros::date;

use super::*;
use crate::testing::{self, T0, actor, fixture, fixture_named};

fn input(quotas: &[(&str, u32)]) -> SubscriptionInput {
    SubscriptionInput {
        opened_on: date!(2026 - 01 - 01),
        total_quota: None,
        quotas: quotas.iter().map(|(r, n)| ((*r).to_owned(), *n)).collect(),
    }
}

#[tokio::test]
async fn quotas_are_set_and_updated_per_role() {
    let db = testing::sqlite().await;
    let fx = fixture(&db).await;
    let q: Vec<(String, u32)> = fx
        .subscription
        .quotas
        .iter()
        .map(|q| (q.role.to_string(), q.max_holders))
        .collect();
    assert_eq!(
        q,
        vec![
            ("T1".into(), 3),
            ("T2".into(), 10),
            ("T4".into(), 2),
            ("T5".into(), 1)
        ]
    );
    let s = set(
        &db,
        T0,
        &actor(),
        &fx.convention,
        &fx.service,
        input(&[("t2", 12), ("T18", 1)]),
    )
    .await
    .unwrap();
    assert_eq!(s.id, fx.subscription.id);
    let t2 = fx.service.role("T2").unwrap();
    assert_eq!(s.quota(t2.id).unwrap().max_holders, 12);
    assert_eq!(s.quotas.len(), 5);
    assert_eq!(find(&db, &fx.convention, &fx.service).await.unwrap(), s);
}

#[tokio::test]
async fn unknown_or_repeated_roles_are_refused() {
    let db = testing::sqlite().await;
    let fx = fixture(&db).await;
    let err = set(
        &db,
        T0,
        &actor(),
        &fx.convention,
        &fx.service,
        input(&[("T3", 1)]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, SubscriptionError::UnknownRole { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("T1, T2, T4, T5, T18"), "{err}");
    let err = set(
        &db,
        T0,
        &actor(),
        &fx.convention,
        &fx.service,
        input(&[("T1", 1), ("t1", 2)]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SubscriptionError::DuplicateRole(_)), "{err}");
}

#[tokio::test]
async fn a_service_of_another_fund_is_refused() {
    let db = testing::sqlite().await;
    let a = fixture(&db).await;
    let b = fixture_named(&db, "msa-poitou", "79A69243", "2021-143").await;
    let err = set(
        &db,
        T0,
        &actor(),
        &a.convention,
        &b.service,
        input(&[("T1", 1)]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SubscriptionError::ForeignService(_)), "{err}");
}

#[tokio::test]
async fn a_terminated_convention_takes_no_subscription() {
    use crate::convention::lifecycle::ConventionAction;
    let db = testing::sqlite().await;
    let fx = fixture(&db).await;
    crate::convention::apply(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.convention.number,
        ConventionAction::Terminate,
        Some("fin"),
    )
    .await
    .unwrap();
    let err = set(
        &db,
        T0,
        &actor(),
        &fx.convention,
        &fx.service,
        input(&[("T1", 1)]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, SubscriptionError::ConventionTerminated(_)),
        "{err}"
    );
    let subs = of_convention(&db, &fx.convention).await.unwrap();
    assert!(
        subs.iter().all(|s| !s.active),
        "termination closes subscriptions"
    );
}

#[tokio::test]
async fn same_rules_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    let fx = fixture(&pg.db).await;
    let err = set(
        &pg.db,
        T0,
        &actor(),
        &fx.convention,
        &fx.service,
        input(&[("T3", 1)]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, SubscriptionError::UnknownRole { .. }));
    let s = set(
        &pg.db,
        T0,
        &actor(),
        &fx.convention,
        &fx.service,
        input(&[("T2", 4)]),
    )
    .await
    .unwrap();
    assert_eq!(
        s.quota(fx.service.role("T2").unwrap().id)
            .unwrap()
            .max_holders,
        4
    );
    pg.cleanup().await;
}

/// The dashboard's fund-wide read of quota use says, for every quota, what [`usage`] says for
/// its subscription: groups count their members once, a disabled account frees its seat,
/// another fund and a suspended convention are left out.
async fn nearly_full_agrees_with_usage(db: &Db) {
    use crate::account::AccountStatus;
    use crate::habilitation::tests::{agent_of, grant_of};
    use crate::habilitation::{Subject, grant};
    let fx = fixture(db).await;
    let today = T0.date();
    // T1 (quota 3): a group of three, one of them also granted directly.
    let g = crate::group::create(db, T0, &actor(), &fx.partner, "Accueil", None)
        .await
        .unwrap();
    let mut members = Vec::new();
    for n in 0..3 {
        let a = agent_of(db, &fx, &format!("79a69243.g{n}")).await;
        crate::group::add_member(db, T0, &actor(), &g, &a.login)
            .await
            .unwrap();
        members.push(a);
    }
    grant(db, T0, &actor(), grant_of(&fx, "T1", Subject::Group(g.id)))
        .await
        .unwrap();
    grant(
        db,
        T0,
        &actor(),
        grant_of(&fx, "T1", Subject::Account(members[0].id)),
    )
    .await
    .unwrap();
    // T2 (quota 10): ten agents, then one disabled — 9 / 10 is still nearly full.
    let mut t2 = Vec::new();
    for n in 0..10 {
        let a = agent_of(db, &fx, &format!("79a69243.t{n}")).await;
        grant(
            db,
            T0,
            &actor(),
            grant_of(&fx, "T2", Subject::Account(a.id)),
        )
        .await
        .unwrap();
        t2.push(a);
    }
    let tx = db.begin_write().await.unwrap();
    store::account::set_status(&tx, T0, t2[0].id, AccountStatus::Disabled, Some("départ"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // T4 (quota 2): half used, not listed.
    let t4 = agent_of(db, &fx, "79a69243.inst").await;
    let mut g4 = grant_of(&fx, "T4", Subject::Account(t4.id));
    g4.attributes
        .insert("instructor_number".into(), "I-9".into());
    grant(db, T0, &actor(), g4).await.unwrap();
    // Another fund's full quota is not this fund's.
    let other = fixture_named(db, "caf-86", "86B00001", "86-2020-01").await;
    let o = agent_of(db, &other, "86b00001.x").await;
    grant(
        db,
        T0,
        &actor(),
        grant_of(&other, "T5", Subject::Account(o.id)),
    )
    .await
    .unwrap();

    let got = nearly_full_of_fund(db, fx.fund.id, today).await.unwrap();
    let sub = find(db, &fx.convention, &fx.service).await.unwrap();
    let expected: Vec<(String, usize)> = usage(db, &sub, today)
        .await
        .unwrap()
        .into_iter()
        .filter(QuotaUsage::nearly_full)
        .map(|u| (u.quota.role.to_string(), u.holders.len()))
        .collect();
    let listed: Vec<(String, usize)> = got
        .iter()
        .map(|n| (n.quota.role.to_string(), n.used))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(listed, vec![("T1".into(), 3), ("T2".into(), 9)]);
    assert!(got.iter().all(|n| n.convention_id == fx.convention.id
        && n.subscription_id == sub.id
        && n.service_id == fx.service.id));
    assert_eq!(
        nearly_full_of_fund(db, other.fund.id, today)
            .await
            .unwrap()
            .len(),
        1,
        "the other fund sees its own full T5"
    );

    crate::convention::apply(
        db,
        T0,
        &actor(),
        &fx.fund,
        &fx.convention.number,
        crate::convention::lifecycle::ConventionAction::Suspend,
        Some("contrôle"),
    )
    .await
    .unwrap();
    assert!(
        nearly_full_of_fund(db, fx.fund.id, today)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn nearly_full_quotas_of_a_fund_on_sqlite() {
    nearly_full_agrees_with_usage(&testing::sqlite().await).await;
}

#[tokio::test]
async fn nearly_full_quotas_of_a_fund_on_postgres() {
    if let Some(pg) = testing::postgres().await {
        nearly_full_agrees_with_usage(&pg.db).await;
        pg.cleanup().await;
    }
}
