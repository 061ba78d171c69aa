use std::collections::BTreeSet;

use super::*;
use crate::config::Config;
use crate::fund::{FundCode, FundKind, NewFund};
use crate::partner::NewPartner;
use crate::territory::DepartementCode;
use crate::testing::{self, T0, actor};

fn settings() -> AccountsConfig {
    Config::defaults().unwrap().accounts
}

fn person(given: &str, family: &str, email: Option<&str>) -> NewAccount {
    NewAccount {
        given_name: given.into(),
        family_name: family.into(),
        email: email.map(|e| Email::parse(e).unwrap()),
        unit: None,
    }
}

fn code<T>(r: &Result<T, AccountError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

async fn created_flow(db: &Db) {
    let fx = testing::fixture(db).await;
    let s = settings();
    let first = create(
        db,
        T0,
        &actor(),
        &s,
        &fx.fund,
        &fx.partner,
        person("Jean", "Dupont", None),
    )
    .await
    .unwrap();
    let second = create(
        db,
        T0,
        &actor(),
        &s,
        &fx.fund,
        &fx.partner,
        person("Jeanne", "Dupont", None),
    )
    .await
    .unwrap();
    assert_eq!(first.account.login.as_str(), "79a69243.jdupont");
    assert_eq!(second.account.login.as_str(), "79a69243.jdupont2");
    for c in [&first, &second] {
        let clear = c.temporary_password.expose();
        assert!(clear.len() >= 12, "{}", clear.len());
        assert_eq!(c.account.status, AccountStatus::Pending);
        assert!(c.account.must_change_password);
        assert_eq!(c.account.subject.len(), 32);
        let stored = store::credential::password_of(db, c.account.id)
            .await
            .unwrap()
            .unwrap();
        assert!(stored.is_temporary);
        assert_eq!(
            stored.expires_at,
            Some(T0 + Duration::days(i64::from(s.temporary_password_validity_days)))
        );
        assert!(password::verify(&c.temporary_password, &stored.hash).await);
        assert!(!password::verify(&Secret::new("wrong-password-1A"), &stored.hash).await);
    }
    assert_ne!(
        first.temporary_password.expose(),
        second.temporary_password.expose()
    );
    assert_ne!(first.account.subject, second.account.subject);

    // Nothing traced carries the password.
    let trace = store::audit::page(db, 0, 1_000).await.unwrap();
    let creations: Vec<_> = trace
        .iter()
        .filter(|r| r.action == "account.create")
        .collect();
    assert_eq!(creations.len(), 2);
    for r in &trace {
        for c in [&first, &second] {
            assert!(!r.details.contains(c.temporary_password.expose()));
            assert!(!r.details.contains("$argon2"));
        }
    }
    // Debug output of the created account redacts the password.
    assert!(!format!("{first:?}").contains(first.temporary_password.expose()));

    let listed: Vec<String> = list_of_partner(db, &fx.partner)
        .await
        .unwrap()
        .iter()
        .map(|a| a.login.to_string())
        .collect();
    assert_eq!(listed, ["79a69243.jdupont", "79a69243.jdupont2"]);
}

#[tokio::test]
async fn created_accounts_on_sqlite() {
    let db = testing::sqlite().await;
    created_flow(&db).await;
}

#[tokio::test]
async fn created_accounts_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    created_flow(&pg.db).await;
    pg.cleanup().await;
}

#[tokio::test]
async fn refusals() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let other = testing::fixture_named(&db, "caf-86", "86B12345", "86-2020-1").await;
    let unit = crate::partner::create_unit(&db, T0, &actor(), &other.partner, "u1", "Crèche", None)
        .await
        .unwrap();
    let mine = crate::partner::create_unit(&db, T0, &actor(), &fx.partner, "u1", "Accueil", None)
        .await
        .unwrap();
    let s = settings();
    let cases: Vec<(&str, Option<&Unit>, NewAccount, &Fund, &str)> = vec![
        (
            "empty given name",
            None,
            person(" ", "Dupont", None),
            &fx.fund,
            "account.name_invalid",
        ),
        (
            "empty family name",
            None,
            person("Jean", "", None),
            &fx.fund,
            "account.name_invalid",
        ),
        (
            "unit of another partner",
            Some(&unit),
            person("Jean", "Dupont", None),
            &fx.fund,
            "account.foreign_unit",
        ),
        (
            "partner of another fund",
            None,
            person("Jean", "Dupont", None),
            &other.fund,
            "account.foreign_partner",
        ),
        (
            "own unit",
            Some(&mine),
            person("Jean", "Dupont", None),
            &fx.fund,
            "ok",
        ),
    ];
    for (name, unit, mut new, fund, expected) in cases {
        new.unit = unit.cloned();
        let r = create(&db, T0, &actor(), &s, fund, &fx.partner, new).await;
        assert_eq!(code(&r), expected, "{name}");
    }
}

#[tokio::test]
async fn email_policy_uses_the_address_as_login() {
    let db = testing::sqlite().await;
    let fund = crate::fund::create(
        &db,
        T0,
        &actor(),
        NewFund {
            code: FundCode::parse("caf-91").unwrap(),
            name: "Caf de l'Essonne".into(),
            kind: FundKind::Caf,
            departements: BTreeSet::from([DepartementCode::parse("91").unwrap()]),
            login_policy: LoginPolicy::Email,
        },
    )
    .await
    .unwrap();
    let partner = crate::partner::create(
        &db,
        T0,
        &actor(),
        &fund,
        NewPartner::parse("91A00001", None, "Mairie d'Évry", "commune", None).unwrap(),
    )
    .await
    .unwrap();
    let s = settings();
    let r = create(
        &db,
        T0,
        &actor(),
        &s,
        &fund,
        &partner,
        person("Ana", "Silva", None),
    )
    .await;
    assert_eq!(code(&r), "account.email_required");
    let c = create(
        &db,
        T0,
        &actor(),
        &s,
        &fund,
        &partner,
        person("Ana", "Silva", Some("Ana.Silva@Evry.fr")),
    )
    .await
    .unwrap();
    assert_eq!(c.account.login.as_str(), "ana.silva@evry.fr");
    let r = create(
        &db,
        T0,
        &actor(),
        &s,
        &fund,
        &partner,
        person("Anne", "Silva", Some("ana.silva@evry.fr")),
    )
    .await;
    assert_eq!(code(&r), "account.login_taken");
}

#[tokio::test]
async fn lookups_are_scoped_to_the_partner() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let other = testing::fixture_named(&db, "caf-86", "86B12345", "86-2020-1").await;
    let s = settings();
    let theirs = create(
        &db,
        T0,
        &actor(),
        &s,
        &other.fund,
        &other.partner,
        person("Paul", "Martin", None),
    )
    .await
    .unwrap();
    let login = &theirs.account.login;
    assert_eq!(
        code(&find_by_login(&db, &fx.partner, login).await),
        "account.not_found"
    );
    assert_eq!(
        find_by_login(&db, &other.partner, login).await.unwrap(),
        theirs.account
    );
    assert!(list_of_partner(&db, &fx.partner).await.unwrap().is_empty());
}

#[tokio::test]
async fn operators_are_fund_staff() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let s = settings();
    let r = create_operator(&db, T0, &actor(), &s, &fx.fund, person("Léa", "Roux", None)).await;
    assert_eq!(code(&r), "account.email_required");
    let c = create_operator(
        &db,
        T0,
        &actor(),
        &s,
        &fx.fund,
        person("Léa", "Roux", Some("lea.roux@caf79.fr")),
    )
    .await
    .unwrap();
    assert_eq!(c.account.partner_id, None);
    assert_eq!(c.account.login.as_str(), "lea.roux@caf79.fr");
    assert!(c.temporary_password.expose().len() >= 12);
    let roles = store::admin_role::active_of_account(&db, c.account.id)
        .await
        .unwrap();
    assert_eq!(roles.len(), 1);
    assert!(roles.iter().all(|r| r.kind == "fund_operator"));
    assert_eq!(
        find_operator(&db, &fx.fund, &c.account.login)
            .await
            .unwrap(),
        c.account
    );
    let trace = store::audit::page(&db, 0, 1_000).await.unwrap();
    assert!(trace.iter().any(|r| r.action == "operator.create"));
    assert!(
        trace
            .iter()
            .all(|r| !r.details.contains(c.temporary_password.expose()))
    );
}
