use time::macros::date;

use super::*;
use crate::partner::{self as partner_mod, NewPartner};
use crate::testing::{self, T0, actor, fixture};

fn new_convention(number: &str, territory: &str) -> NewConvention {
    NewConvention {
        number: ConventionNumber::parse(number).unwrap(),
        signed_on: None,
        effective_from: date!(2026 - 01 - 01),
        management_mode: ManagementMode::Delegated,
        mission: "Mission".into(),
        territory: Territory::parse_list(territory).unwrap(),
    }
}

#[tokio::test]
async fn territory_must_lie_inside_the_funds_departements() {
    let db = testing::sqlite().await;
    let fx = fixture(&db).await;
    for ok in ["79", "79191", "79191, 79049"] {
        let n = format!("OK-{}", ok.len());
        create(
            &db,
            T0,
            &actor(),
            &fx.fund,
            &fx.partner,
            new_convention(&n, ok),
        )
        .await
        .unwrap();
    }
    let err = create(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.partner,
        new_convention("KO-1", "79, 86, 91232"),
    )
    .await
    .unwrap_err();
    let ConventionError::OutsideFund { outside } = &err else {
        panic!("{err}")
    };
    assert_eq!(outside.to_string(), "86, 91232");
    assert_eq!(err.code(), "convention.outside_fund");
}

#[tokio::test]
async fn a_partner_of_another_fund_is_refused() {
    let db = testing::sqlite().await;
    let a = fixture(&db).await;
    let b = testing::fixture_named(&db, "msa-poitou", "79A69243", "2021-143").await;
    let err = create(
        &db,
        T0,
        &actor(),
        &a.fund,
        &b.partner,
        new_convention("X-1", "79"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ConventionError::ForeignPartner), "{err}");
}

#[tokio::test]
async fn numbers_are_unique_per_fund_only() {
    let db = testing::sqlite().await;
    let a = fixture(&db).await;
    let err = create(
        &db,
        T0,
        &actor(),
        &a.fund,
        &a.partner,
        new_convention("79-2017-19", "79"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ConventionError::Duplicate(_)), "{err}");
    let b = testing::fixture_named(&db, "msa-poitou", "79A69243", "79-2017-19").await;
    assert_eq!(b.convention.number, a.convention.number);
}

#[tokio::test]
async fn lifecycle_follows_the_transitions_and_needs_reasons() {
    let db = testing::sqlite().await;
    let fx = fixture(&db).await;
    let p2 = partner_mod::create(
        &db,
        T0,
        &actor(),
        &fx.fund,
        NewPartner::parse("79B00002", None, "Autre", "commune", None).unwrap(),
    )
    .await
    .unwrap();
    let n = ConventionNumber::parse("L-1").unwrap();
    let c = create(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &p2,
        new_convention("L-1", "79"),
    )
    .await
    .unwrap();
    assert_eq!(c.status, ConventionStatus::Draft);
    assert_eq!(c.management_mode, ManagementMode::Delegated);

    let steps: [(
        ConventionAction,
        Option<&str>,
        Result<ConventionStatus, &str>,
    ); 8] = [
        (
            ConventionAction::Suspend,
            Some("x"),
            Err("convention.transition"),
        ),
        (
            ConventionAction::Activate,
            None,
            Ok(ConventionStatus::Active),
        ),
        (
            ConventionAction::Activate,
            None,
            Err("convention.transition"),
        ),
        (
            ConventionAction::Suspend,
            None,
            Err("convention.reason_required"),
        ),
        (
            ConventionAction::Suspend,
            Some("Suspicion de fraude"),
            Ok(ConventionStatus::Suspended),
        ),
        (
            ConventionAction::Reactivate,
            None,
            Ok(ConventionStatus::Active),
        ),
        (
            ConventionAction::Terminate,
            Some("  "),
            Err("convention.reason_required"),
        ),
        (
            ConventionAction::Terminate,
            Some("Fin de la mission"),
            Ok(ConventionStatus::Terminated),
        ),
    ];
    for (action, reason, expected) in steps {
        let got = apply(&db, T0, &actor(), &fx.fund, &n, action, reason).await;
        match (got, expected) {
            (Ok(out), Ok(status)) => assert_eq!(out.convention.status, status, "{action:?}"),
            (Err(e), Err(code)) => assert_eq!(e.code(), code, "{action:?}: {e}"),
            (got, expected) => panic!("{action:?}: got {got:?}, expected {expected:?}"),
        }
    }
    let after = apply(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &n,
        ConventionAction::Reactivate,
        None,
    )
    .await;
    assert!(
        matches!(after, Err(ConventionError::Lifecycle(_))),
        "terminated is final"
    );
    let c = find(&db, &fx.fund, &n).await.unwrap();
    assert_eq!(c.status_reason.as_deref(), Some("Fin de la mission"));
}

#[tokio::test]
async fn every_change_is_traced() {
    let db = testing::sqlite().await;
    let _fx = fixture(&db).await;
    let report = crate::audit::verify(&db).await.unwrap();
    // fund, service, partner, convention create + activate, subscription.
    assert_eq!(report.checked, 6);
    assert_eq!(report.first_break, None);
}

#[tokio::test]
async fn directory_changes_are_queued_with_the_change_only() {
    let db = testing::sqlite().await;
    let fx = fixture(&db).await;
    // fund, service, partner, convention activation.
    assert_eq!(store::outbox::stats(&db).await.unwrap().pending, 4);
    let dup = partner_mod::create(
        &db,
        T0,
        &actor(),
        &fx.fund,
        NewPartner::parse(
            fx.partner.third_party_number.as_str(),
            None,
            "X",
            "commune",
            None,
        )
        .unwrap(),
    )
    .await;
    assert!(dup.is_err());
    let bad = apply(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.convention.number,
        ConventionAction::Activate,
        None,
    )
    .await;
    assert!(bad.is_err());
    assert_eq!(
        store::outbox::stats(&db).await.unwrap().pending,
        4,
        "refused changes queue nothing"
    );
    apply(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.convention.number,
        ConventionAction::Suspend,
        Some("audit"),
    )
    .await
    .unwrap();
    assert_eq!(store::outbox::stats(&db).await.unwrap().pending, 5);
}
