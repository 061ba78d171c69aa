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
