use time::Duration;

use super::*;
use crate::audit::Record;
use crate::authz;
use crate::convention::lifecycle::ConventionAction;
use crate::habilitation::tests::{agent_holding, agent_of, grant_of, usable_agrees};
use crate::habilitation::{self, Subject};
use crate::testing::{self, T0, actor};

/// The last event of the trace.
pub(crate) async fn last_event(db: &Db) -> Record {
    store::audit::page(db, 0, 100_000)
        .await
        .unwrap()
        .pop()
        .unwrap()
}

fn details(r: &Record) -> serde_json::Value {
    serde_json::from_str(&r.details).unwrap()
}

async fn partner_suspension_pauses_and_restores(db: &Db) {
    let fx = testing::fixture(db).await;
    let (a, h) = agent_holding(db, &fx, "79a69243.agent", "T2").await;
    let r = set_partner_status(db, T0, &actor(), &fx.fund, &fx.partner, true, " ").await;
    assert!(matches!(r, Err(SupervisionError::ReasonRequired)));
    let pending_before = store::outbox::stats(db).await.unwrap().pending;
    let out = set_partner_status(db, T0, &actor(), &fx.fund, &fx.partner, true, "fraude")
        .await
        .unwrap();
    assert_eq!(out.object.status, PartnerStatus::Suspended);
    assert_eq!(out.affected_accounts, vec![a.id]);
    assert!(store::outbox::stats(db).await.unwrap().pending > pending_before);
    let e = last_event(db).await;
    assert_eq!(e.action, "partner.suspend");
    assert_eq!(details(&e)["before"]["status"], "active");
    assert_eq!(details(&e)["after"]["status"], "suspended");
    assert!(
        habilitation::of_account(db, &a, T0.date())
            .await
            .unwrap()
            .is_empty(),
        "paused at once"
    );
    assert!(
        usable_agrees(db, &a, &fx.service, T0.date())
            .await
            .is_empty()
    );
    let again = set_partner_status(db, T0, &actor(), &fx.fund, &fx.partner, true, "encore").await;
    assert!(matches!(again, Err(SupervisionError::AlreadyInStatus(_))));
    set_partner_status(db, T0, &actor(), &fx.fund, &fx.partner, false, "")
        .await
        .unwrap();
    assert_eq!(
        habilitation::of_account(db, &a, T0.date()).await.unwrap(),
        vec![h],
        "restored"
    );
    // Another fund's partner is not found.
    let other = testing::fixture_named(db, "caf-86", "86B00001", "86-2020-01").await;
    let r = set_partner_status(db, T0, &actor(), &fx.fund, &other.partner, true, "x").await;
    assert!(matches!(r, Err(SupervisionError::NotFound)));
    // The same service code at another fund is another service: nothing usable there.
    assert_eq!(usable_agrees(db, &a, &fx.service, T0.date()).await.len(), 1);
    assert!(
        habilitation::usable_for_service(db, &a, other.service.id, T0.date())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn partner_suspension_on_sqlite() {
    partner_suspension_pauses_and_restores(&testing::sqlite().await).await;
}

#[tokio::test]
async fn partner_suspension_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    partner_suspension_pauses_and_restores(&pg.db).await;
    pg.cleanup().await;
}

#[tokio::test]
async fn account_suspension_pauses_access_and_roles() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let (a, h) = agent_holding(&db, &fx, "79a69243.susp", "T2").await;
    crate::delegation::designate(
        &db,
        T0,
        &actor(),
        &fx.partner,
        crate::delegation::AdminKind::Principal,
        &a.login,
    )
    .await
    .unwrap();
    assert_eq!(authz::load(&db, &a).await.unwrap().roles.len(), 1);
    let out = set_account_suspended(&db, T0, &actor(), &fx.fund, &a, true, "soupçon")
        .await
        .unwrap();
    assert_eq!(out.object.status, AccountStatus::Suspended);
    assert_eq!(out.affected_accounts, vec![a.id]);
    assert!(
        habilitation::of_account(&db, &out.object, T0.date())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        authz::load(&db, &out.object)
            .await
            .unwrap()
            .roles
            .is_empty()
    );
    assert_eq!(last_event(&db).await.action, "account.suspend");
    let back = set_account_suspended(&db, T0, &actor(), &fx.fund, &a, false, "")
        .await
        .unwrap();
    // Its temporary password was never changed: back to pending, not active.
    assert_eq!(back.object.status, AccountStatus::Pending);
    assert_eq!(
        habilitation::of_account(&db, &back.object, T0.date())
            .await
            .unwrap(),
        vec![h]
    );
    let r = set_account_suspended(&db, T0, &actor(), &fx.fund, &a, false, "").await;
    assert!(matches!(r, Err(SupervisionError::AlreadyInStatus(_))));
}

#[tokio::test]
async fn management_mode_switches_and_partner_edits_are_traced() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    assert!(
        !authz::at_partner(&db, &fx.partner)
            .await
            .unwrap()
            .centralised
    );
    let c = set_management_mode(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.convention,
        ManagementMode::Centralised,
        "reprise en main",
    )
    .await
    .unwrap();
    assert_eq!(c.management_mode, ManagementMode::Centralised);
    assert!(
        authz::at_partner(&db, &fx.partner)
            .await
            .unwrap()
            .centralised
    );
    let e = last_event(&db).await;
    assert_eq!(e.action, "convention.set_mode");
    assert_eq!(details(&e)["after"]["management_mode"], "centralised");
    let r = set_management_mode(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.convention,
        ManagementMode::Centralised,
        "",
    )
    .await;
    assert!(matches!(r, Err(SupervisionError::AlreadyInStatus(_))));

    let p = edit_partner(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.partner,
        PartnerEdit {
            name: Some("Ville de Niort".into()),
            ..PartnerEdit::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(p.name, "Ville de Niort");
    assert_eq!(p.third_party_number, fx.partner.third_party_number);
    let e = last_event(&db).await;
    assert_eq!(e.action, "partner.update");
    assert_eq!(details(&e)["before"]["name"], "Mairie de Niort");
    assert_eq!(details(&e)["after"]["name"], "Ville de Niort");
    let r = edit_partner(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.partner,
        PartnerEdit {
            name: Some("  ".into()),
            ..PartnerEdit::default()
        },
    )
    .await;
    assert!(matches!(r, Err(SupervisionError::InvalidName)));
}

/// Issue 5 point 6: each way access ends or pauses names its accounts, and what tokens carry
/// (`habilitation::of_account`) changes at once.
#[tokio::test]
async fn every_cascade_names_its_accounts_and_empties_the_claim() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let a = agent_of(&db, &fx, "79a69243.casc").await;
    let b = agent_of(&db, &fx, "79a69243.grp").await;
    let g = crate::group::create(&db, T0, &actor(), &fx.partner, "accueil", None)
        .await
        .unwrap();
    crate::group::add_member(&db, T0, &actor(), &g, &b.login)
        .await
        .unwrap();
    let direct = habilitation::grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T2", Subject::Account(a.id)),
    )
    .await
    .unwrap();
    let through_group =
        habilitation::grant(&db, T0, &actor(), grant_of(&fx, "T1", Subject::Group(g.id)))
            .await
            .unwrap();
    let held = |acc| {
        let db = db.clone();
        async move {
            let acc = store::account::by_id(&db, acc).await.unwrap().unwrap();
            habilitation::of_account(&db, &acc, T0.date())
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!((held(a.id).await, held(b.id).await), (1, 1));

    // Convention suspension: both accounts, paused; reactivation restores.
    let out = crate::convention::apply(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.convention.number,
        ConventionAction::Suspend,
        Some("contrôle"),
    )
    .await
    .unwrap();
    assert_eq!(out.affected_accounts, vec![a.id, b.id]);
    assert_eq!((held(a.id).await, held(b.id).await), (0, 0));
    crate::convention::apply(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.convention.number,
        ConventionAction::Reactivate,
        None,
    )
    .await
    .unwrap();
    assert_eq!((held(a.id).await, held(b.id).await), (1, 1));

    // Withdrawal of the group's grant: its members.
    let w = habilitation::withdraw(&db, T0, &actor(), &fx.partner, through_group.id, "fin")
        .await
        .unwrap();
    assert_eq!(
        habilitation::affected_accounts(&db, &w).await.unwrap(),
        vec![b.id]
    );
    assert_eq!(held(b.id).await, 0);

    // Disabling the account (account::admin's store rule): nothing is usable.
    let tx = db.begin_write().await.unwrap();
    store::account::set_status(&tx, T0, a.id, AccountStatus::Disabled, Some("départ"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(held(a.id).await, 0);
    assert_eq!(
        habilitation::affected_accounts(&db, &direct).await.unwrap(),
        vec![a.id]
    );

    // Expiry: a habilitation ending today is gone tomorrow.
    let c = agent_of(&db, &fx, "79a69243.exp").await;
    let mut ending = grant_of(&fx, "T2", Subject::Account(c.id));
    ending.valid_until = Some(T0.date());
    habilitation::grant(&db, T0, &actor(), ending)
        .await
        .unwrap();
    let c = store::account::by_id(&db, c.id).await.unwrap().unwrap();
    assert_eq!(
        habilitation::of_account(&db, &c, T0.date())
            .await
            .unwrap()
            .len(),
        1
    );
    let tomorrow = (T0 + Duration::days(1)).date();
    assert!(
        habilitation::of_account(&db, &c, tomorrow)
            .await
            .unwrap()
            .is_empty()
    );

    // Termination: withdrawn for good; reactivation is impossible and restores nothing.
    let out = crate::convention::apply(
        &db,
        T0,
        &actor(),
        &fx.fund,
        &fx.convention.number,
        ConventionAction::Terminate,
        Some("fin de convention"),
    )
    .await
    .unwrap();
    assert!(out.affected_accounts.contains(&c.id));
    assert_eq!(held(c.id).await, 0);
}
