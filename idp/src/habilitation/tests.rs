use std::collections::BTreeMap;

use time::macros::date;

use super::*;
use crate::account::login_id::LoginId;
use crate::convention::lifecycle::ConventionAction;
use crate::error::UserError;
use crate::store::account::AccountRow;
use crate::testing::{self, Fixture, T0, actor};

/// Inserts an agent of the partner directly (no password hashing: bulk fixtures).
pub(crate) async fn agent(db: &Db, partner_id: i64, fund_id: i64, name: &str) -> Account {
    let tx = db.begin_write().await.unwrap();
    let login = LoginId::parse(name).unwrap();
    let subject = crate::secret::random_hex(16);
    let a = store::account::insert(
        &tx,
        T0,
        &AccountRow {
            subject: &subject,
            fund_id,
            partner_id: Some(partner_id),
            unit_id: None,
            login: &login,
            given_name: "Agent",
            family_name: name,
            email: None,
            created_by: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    a
}

/// An agent of the fixture's partner.
pub(crate) async fn agent_of(db: &Db, fx: &Fixture, name: &str) -> Account {
    agent(db, fx.partner.id, fx.fund.id, name).await
}

/// A new agent of the fixture's partner holding `role` of its CDAP subscription, granted
/// directly from today; with the grant.
pub(crate) async fn agent_holding(
    db: &Db,
    fx: &Fixture,
    name: &str,
    role: &str,
) -> (Account, Habilitation) {
    let a = agent_of(db, fx, name).await;
    let h = grant(db, T0, &actor(), grant_of(fx, role, Subject::Account(a.id)))
        .await
        .unwrap();
    (a, h)
}

/// A grant of `role` to `subject` under the fixture's CDAP subscription, from today.
pub(crate) fn grant_of<'a>(fx: &'a Fixture, role: &'a str, subject: Subject) -> NewGrant<'a> {
    NewGrant {
        convention: &fx.convention,
        service: &fx.service,
        role,
        subject,
        territory: None,
        valid_from: T0.date(),
        valid_until: None,
        attributes: BTreeMap::new(),
        reason: "instruction des dossiers".into(),
    }
}

/// The one-query read of the claims ([`usable_for_service`]) says exactly what the general
/// rule ([`of_account`]) says for that service, in the same order; returns it.
pub(crate) async fn usable_agrees(
    db: &Db,
    account: &Account,
    service: &Service,
    today: Date,
) -> Vec<UsableGrant> {
    let mut expected = Vec::new();
    for h in of_account(db, account, today).await.unwrap() {
        if h.service != service.code {
            continue;
        }
        let c = store::convention::by_id(db, h.convention_id)
            .await
            .unwrap()
            .unwrap();
        expected.push(UsableGrant {
            service: h.service,
            role: h.role,
            convention: c.number,
            territory: h.territory.unwrap_or(c.territory),
            attributes: h.attributes,
            valid_until: h.valid_until,
            through_group: matches!(h.subject, Subject::Group(_)),
        });
    }
    let got = usable_for_service(db, account, service.id, today)
        .await
        .unwrap();
    assert_eq!(got, expected);
    got
}

/// Asserts how many hold a role of the fixture's subscription today.
async fn assert_holders(db: &Db, fx: &Fixture, expected: usize) {
    let holders = store::habilitation::holders(db, fx.subscription.id, None, T0.date())
        .await
        .unwrap();
    assert_eq!(holders.len(), expected);
}

fn code<T>(r: &Result<T, HabilitationError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

type Tweak = fn(&mut NewGrant<'_>);

#[tokio::test]
async fn rules_of_a_grant_each_with_its_error() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let cases: Vec<(&str, &str, Tweak, &str)> = vec![
        ("plain grant", "T2", |_| {}, "ok"),
        (
            "no reason",
            "T2",
            |g| g.reason = "  ".into(),
            "habilitation.reason_required",
        ),
        (
            "ends before it starts",
            "T2",
            |g| g.valid_until = Some(date!(2026 - 11 - 01)),
            "habilitation.period_invalid",
        ),
        ("unknown role", "T99", |_| {}, "habilitation.unknown_role"),
        (
            "role without quota",
            "T18",
            |_| {},
            "habilitation.role_not_opened",
        ),
        (
            "T4 without instructor number",
            "T4",
            |_| {},
            "habilitation.attribute_missing",
        ),
        (
            "T4 with a blank instructor number",
            "T4",
            |g| {
                g.attributes.insert("instructor_number".into(), " ".into());
            },
            "habilitation.attribute_missing",
        ),
        (
            "T4 with instructor number",
            "T4",
            |g| {
                g.attributes
                    .insert("instructor_number".into(), "I-4521".into());
            },
            "ok",
        ),
        (
            "territory outside",
            "T1",
            |g| g.territory = Some(Territory::parse_list("79, 86").unwrap()),
            "habilitation.territory_outside",
        ),
        (
            "empty territory",
            "T1",
            |g| g.territory = Some(Territory::default()),
            "habilitation.territory_empty",
        ),
        (
            "commune inside",
            "T1",
            |g| g.territory = Some(Territory::parse_list("79191").unwrap()),
            "ok",
        ),
        (
            "ends the day it starts",
            "T5",
            |g| g.valid_until = Some(g.valid_from),
            "ok",
        ),
    ];
    for (i, (name, role, tweak, expected)) in cases.into_iter().enumerate() {
        let a = agent_of(&db, &fx, &format!("79a69243.rule{i}")).await;
        let mut g = grant_of(&fx, role, Subject::Account(a.id));
        tweak(&mut g);
        let r = grant(&db, T0, &actor(), g).await;
        assert_eq!(code(&r), expected, "{name}: {r:?}");
    }

    // The error names the parts outside the convention's territory.
    let a = agent_of(&db, &fx, "79a69243.terr").await;
    let mut g = grant_of(&fx, "T1", Subject::Account(a.id));
    g.territory = Some(Territory::parse_list("79, 86, 75056").unwrap());
    match grant(&db, T0, &actor(), g).await {
        Err(HabilitationError::OutsideTerritory { outside }) => {
            assert_eq!(outside.to_string(), "86, 75056");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn subject_must_be_the_partners_and_enabled() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let other = testing::fixture_named(&db, "caf-86", "86B12345", "86-2020-1").await;
    let foreign = agent(&db, other.partner.id, other.fund.id, "86b12345.x").await;
    let foreign_group = crate::group::create(&db, T0, &actor(), &other.partner, "B", None)
        .await
        .unwrap();
    let disabled = agent_of(&db, &fx, "79a69243.gone").await;
    db.execute_unprepared(&format!(
        "UPDATE account SET status = 'disabled' WHERE id = {}",
        disabled.id
    ))
    .await
    .unwrap();
    let cases = [
        (
            Subject::Account(foreign.id),
            "habilitation.subject_not_found",
        ),
        (
            Subject::Group(foreign_group.id),
            "habilitation.subject_not_found",
        ),
        (Subject::Account(999_999), "habilitation.subject_not_found"),
        (Subject::Account(disabled.id), "account.disabled"),
    ];
    for (subject, expected) in cases {
        let r = grant(&db, T0, &actor(), grant_of(&fx, "T2", subject)).await;
        assert_eq!(code(&r), expected, "{subject:?}");
    }
}

#[tokio::test]
async fn convention_service_and_subscription_must_be_open() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let other = testing::fixture_named(&db, "caf-86", "86B12345", "86-2020-1").await;
    let a = agent_of(&db, &fx, "79a69243.a").await;

    // A service of another fund.
    let mut g = grant_of(&fx, "T2", Subject::Account(a.id));
    g.service = &other.service;
    assert_eq!(
        code(&grant(&db, T0, &actor(), g).await),
        "habilitation.foreign_service"
    );

    // A service of the fund the convention has not subscribed to.
    let unsubscribed = crate::service::create(
        &db,
        T0,
        &actor(),
        &fx.fund,
        crate::service::NewService {
            code: crate::service::ServiceCode::parse("aides").unwrap(),
            name: "Aides".into(),
            description: String::new(),
            roles: vec![crate::service::NewRole::parse_spec("consultation").unwrap()],
        },
    )
    .await
    .unwrap();
    let mut g = grant_of(&fx, "consultation", Subject::Account(a.id));
    g.service = &unsubscribed;
    assert_eq!(
        code(&grant(&db, T0, &actor(), g).await),
        "subscription.not_found"
    );

    // A suspended convention.
    crate::convention::apply(
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
    let r = grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T2", Subject::Account(a.id)),
    )
    .await;
    assert_eq!(code(&r), "convention.not_active");
}

#[tokio::test]
async fn duplicate_and_quota_and_withdrawal() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let other = testing::fixture_named(&db, "caf-86", "86B12345", "86-2020-1").await;
    let a1 = agent_of(&db, &fx, "79a69243.a1").await;
    let a2 = agent_of(&db, &fx, "79a69243.a2").await;

    let h = grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T5", Subject::Account(a1.id)),
    )
    .await
    .unwrap();
    let r = grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T5", Subject::Account(a1.id)),
    )
    .await;
    assert_eq!(code(&r), "habilitation.duplicate");
    let r = grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T5", Subject::Account(a2.id)),
    )
    .await;
    match r {
        Err(HabilitationError::Quota(e)) => assert_eq!(
            e.to_string(),
            "quota for role T5 reached: 1 of 1 used, 1 more requested"
        ),
        other => panic!("{other:?}"),
    }

    // Partner B cannot withdraw partner A's habilitation.
    let r = withdraw(&db, T0, &actor(), &other.partner, h.id, "fin").await;
    assert_eq!(code(&r), "habilitation.not_found");
    let r = withdraw(&db, T0, &actor(), &fx.partner, h.id, " ").await;
    assert_eq!(code(&r), "habilitation.reason_required");
    let w = withdraw(&db, T0, &actor(), &fx.partner, h.id, "départ")
        .await
        .unwrap();
    assert_eq!(w.status, HabilitationStatus::Withdrawn);
    assert_eq!(w.withdrawal_reason.as_deref(), Some("départ"));
    let r = withdraw(&db, T0, &actor(), &fx.partner, h.id, "encore").await;
    assert_eq!(code(&r), "habilitation.not_in_force");

    // The seat is free again; the withdrawn row is kept.
    grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T5", Subject::Account(a2.id)),
    )
    .await
    .unwrap();
    let all = list_of_partner(&db, &fx.partner).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        list_of_partner(&db, &other.partner)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn groups_count_their_members_and_total_quota_applies() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let members = [
        agent_of(&db, &fx, "79a69243.m1").await,
        agent_of(&db, &fx, "79a69243.m2").await,
        agent_of(&db, &fx, "79a69243.m3").await,
    ];
    let g = crate::group::create(&db, T0, &actor(), &fx.partner, "Accueil", None)
        .await
        .unwrap();
    for m in &members {
        crate::group::add_member(&db, T0, &actor(), &g, &m.login)
            .await
            .unwrap();
    }
    // T1 quota is 3: the group's three members fill it.
    grant(&db, T0, &actor(), grant_of(&fx, "T1", Subject::Group(g.id)))
        .await
        .unwrap();
    let extra = agent_of(&db, &fx, "79a69243.extra").await;
    let r = grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T1", Subject::Account(extra.id)),
    )
    .await;
    assert_eq!(code(&r), "quota.exceeded");
    // A member also granted directly does not count twice.
    grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T1", Subject::Account(members[0].id)),
    )
    .await
    .unwrap();

    // What an account holds: directly and through its group.
    let held = of_account(&db, &members[0], T0.date()).await.unwrap();
    let subjects: Vec<Subject> = held.iter().map(|h| h.subject).collect();
    assert_eq!(
        subjects,
        vec![Subject::Group(g.id), Subject::Account(members[0].id)]
    );
    assert!(
        held.iter()
            .all(|h| h.role.as_str() == "T1" && h.service.as_str() == "cdap")
    );
    assert!(of_account(&db, &extra, T0.date()).await.unwrap().is_empty());
    let usable = usable_agrees(&db, &members[0], &fx.service, T0.date()).await;
    assert_eq!(
        usable.iter().map(|u| u.through_group).collect::<Vec<_>>(),
        vec![true, false]
    );
    assert!(
        usable_agrees(&db, &extra, &fx.service, T0.date())
            .await
            .is_empty()
    );

    // A total of 4 for the whole service: 3 hold T1, one more may hold T2, not two.
    crate::subscription::set(
        &db,
        T0,
        &actor(),
        &fx.convention,
        &fx.service,
        crate::subscription::SubscriptionInput {
            opened_on: date!(2017 - 03 - 01),
            total_quota: Some(4),
            quotas: vec![],
        },
    )
    .await
    .unwrap();
    grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T2", Subject::Account(extra.id)),
    )
    .await
    .unwrap();
    let last = agent_of(&db, &fx, "79a69243.last").await;
    let r = grant(
        &db,
        T0,
        &actor(),
        grant_of(&fx, "T2", Subject::Account(last.id)),
    )
    .await;
    assert_eq!(code(&r), "quota.exceeded");
}

async fn main_flow(db: &Db) {
    let fx = testing::fixture(db).await;
    let a = agent_of(db, &fx, "79a69243.flow").await;
    let mut g = grant_of(&fx, "T4", Subject::Account(a.id));
    g.attributes
        .insert("instructor_number".into(), "I-1".into());
    g.territory = Some(Territory::parse_list("79191").unwrap());
    let h = grant(db, T0, &actor(), g).await.unwrap();
    assert_eq!(
        h.attributes.get("instructor_number").map(String::as_str),
        Some("I-1")
    );
    assert_eq!(
        h.territory.as_ref().map(ToString::to_string).as_deref(),
        Some("79191")
    );
    assert_eq!(
        of_account(db, &a, T0.date()).await.unwrap(),
        vec![h.clone()]
    );
    let usable = usable_agrees(db, &a, &fx.service, T0.date()).await;
    assert_eq!(usable.len(), 1);
    assert_eq!(usable[0].territory.to_string(), "79191");
    assert_eq!(usable[0].attributes, h.attributes);
    // Before its first day it is not usable.
    assert!(
        usable_agrees(db, &a, &fx.service, T0.date().previous_day().unwrap())
            .await
            .is_empty()
    );
    withdraw(db, T0, &actor(), &fx.partner, h.id, "fin")
        .await
        .unwrap();
    assert!(of_account(db, &a, T0.date()).await.unwrap().is_empty());
    assert!(
        usable_agrees(db, &a, &fx.service, T0.date())
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn main_flow_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    main_flow(&pg.db).await;
    pg.cleanup().await;
}

/// 200 concurrent grants of a role with a quota of 10: exactly 10 succeed.
async fn concurrent_grants(db: &Db) {
    let fx = testing::fixture(db).await;
    let mut accounts = Vec::new();
    for i in 0..200 {
        accounts.push(agent_of(db, &fx, &format!("79a69243.c{i}")).await);
    }
    let mut tasks = Vec::new();
    for a in accounts {
        let (db, fx) = (db.clone(), fx.clone());
        tasks.push(tokio::spawn(async move {
            let r = grant(
                &db,
                T0,
                &actor(),
                grant_of(&fx, "T2", Subject::Account(a.id)),
            )
            .await;
            code(&r)
        }));
    }
    testing::assert_race(tasks, 10, "quota.exceeded").await;
    assert_holders(db, &fx, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quota_holds_under_concurrency_on_sqlite() {
    let (db, _dir) = testing::sqlite_file().await;
    concurrent_grants(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quota_holds_under_concurrency_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    concurrent_grants(&pg.db).await;
    pg.cleanup().await;
}

#[tokio::test]
async fn a_suspended_convention_pauses_access_and_reactivation_restores_it() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let (a, h) = agent_holding(&db, &fx, "79a69243.pause", "T2").await;
    assert_eq!(
        of_account(&db, &a, T0.date()).await.unwrap(),
        vec![h.clone()]
    );
    let number = &fx.convention.number;
    crate::convention::apply(
        &db,
        T0,
        &actor(),
        &fx.fund,
        number,
        ConventionAction::Suspend,
        Some("contrôle"),
    )
    .await
    .unwrap();
    assert!(
        of_account(&db, &a, T0.date()).await.unwrap().is_empty(),
        "paused at once"
    );
    assert!(
        usable_agrees(&db, &a, &fx.service, T0.date())
            .await
            .is_empty()
    );
    crate::convention::apply(
        &db,
        T0,
        &actor(),
        &fx.fund,
        number,
        ConventionAction::Reactivate,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        of_account(&db, &a, T0.date()).await.unwrap(),
        vec![h],
        "restored, not lost"
    );
    assert_eq!(
        usable_agrees(&db, &a, &fx.service, T0.date()).await.len(),
        1
    );
}

/// 200 concurrent grants of a role (quota 10) to 200 groups of one member each: exactly 10
/// succeed, and the refusals name the quota and its use.
async fn concurrent_group_grants(db: &Db) {
    let fx = testing::fixture(db).await;
    let mut groups = Vec::new();
    for i in 0..200 {
        let a = agent_of(db, &fx, &format!("79a69243.g{i}")).await;
        let g = crate::group::create(db, T0, &actor(), &fx.partner, &format!("g{i}"), None)
            .await
            .unwrap();
        crate::group::add_member(db, T0, &actor(), &g, &a.login)
            .await
            .unwrap();
        groups.push(g);
    }
    let mut tasks = Vec::new();
    for g in groups {
        let (db, fx) = (db.clone(), fx.clone());
        tasks.push(tokio::spawn(async move {
            let r = grant(&db, T0, &actor(), grant_of(&fx, "T2", Subject::Group(g.id))).await;
            if let Err(HabilitationError::Quota(q)) = &r {
                assert_eq!((q.role.as_str(), q.limit, q.used), ("T2", 10, 10));
            }
            code(&r)
        }));
    }
    testing::assert_race(tasks, 10, "quota.exceeded").await;
    assert_holders(db, &fx, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_grants_hold_the_quota_under_concurrency_on_sqlite() {
    let (db, _dir) = testing::sqlite_file().await;
    concurrent_group_grants(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_grants_hold_the_quota_under_concurrency_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    concurrent_group_grants(&pg.db).await;
    pg.cleanup().await;
}

/// 200 disabled accounts holding T2 (quota 10, seats freed by the disabling) re-enabled at
/// once, each in a transaction that runs `check_reenable_in` before the status change: exactly
/// 10 come back.
async fn concurrent_reenables(db: &Db) {
    let fx = testing::fixture(db).await;
    let mut ids = Vec::new();
    for i in 0..200 {
        let a = agent_of(db, &fx, &format!("79a69243.r{i}")).await;
        // Granted while enabled, ten at a time (the quota), then disabled to free the seats.
        grant(
            db,
            T0,
            &actor(),
            grant_of(&fx, "T2", Subject::Account(a.id)),
        )
        .await
        .unwrap();
        let tx = db.begin_write().await.unwrap();
        store::account::set_status(&tx, T0, a.id, AccountStatus::Disabled, Some("test"))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        ids.push(a.id);
    }
    let mut tasks = Vec::new();
    for id in ids {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let tx = db.begin_write().await.unwrap();
            let r = check_reenable_in(&tx, id, T0.date()).await;
            if r.is_ok() {
                store::account::set_status(&tx, T0, id, AccountStatus::Active, None)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
            code(&r)
        }));
    }
    testing::assert_race(tasks, 10, "quota.exceeded").await;
    assert_holders(db, &fx, 10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reenabling_holds_the_quota_under_concurrency_on_sqlite() {
    let (db, _dir) = testing::sqlite_file().await;
    concurrent_reenables(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reenabling_holds_the_quota_under_concurrency_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    concurrent_reenables(&pg.db).await;
    pg.cleanup().await;
}

/// The same race through `account::admin::enable` (issue 5 point 4): 200 disabled holders of
/// T2 (quota 10) re-enabled at once by an administrator; exactly 10 come back, the others are
/// refused with `quota.exceeded` and stay disabled.
async fn concurrent_admin_enables(db: &Db) {
    let fx = testing::fixture(db).await;
    let mut accounts = Vec::new();
    for i in 0..200 {
        let a = agent_of(db, &fx, &format!("79a69243.e{i}")).await;
        grant(
            db,
            T0,
            &actor(),
            grant_of(&fx, "T2", Subject::Account(a.id)),
        )
        .await
        .unwrap();
        let done = crate::account::admin::disable(db, T0, &actor(), &a, "départ")
            .await
            .unwrap();
        accounts.push(done.account);
    }
    let mut tasks = Vec::new();
    for a in accounts {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let r = crate::account::admin::enable(&db, T0, &actor(), &a, "retour").await;
            match r {
                Ok(_) => "ok",
                Err(e) => e.code(),
            }
        }));
    }
    testing::assert_race(tasks, 10, "quota.exceeded").await;
    assert_holders(db, &fx, 10).await;
    let disabled = store::account::of_partner(db, fx.partner.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.status == AccountStatus::Disabled)
        .count();
    assert_eq!(disabled, 190);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_enable_holds_the_quota_under_concurrency_on_sqlite() {
    let (db, _dir) = testing::sqlite_file().await;
    concurrent_admin_enables(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_enable_holds_the_quota_under_concurrency_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    concurrent_admin_enables(&pg.db).await;
    pg.cleanup().await;
}
