use super::*;
use crate::error::UserError;
use crate::habilitation::tests::{agent, agent_of};
use crate::testing::{self, T0, actor};

fn code<T>(r: &Result<T, DelegationError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

async fn seats(db: &Db, partner: &Partner) -> Vec<(AdminKind, String)> {
    administrators(db, partner)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.kind, a.account.login.to_string()))
        .collect()
}

async fn designation_flow(db: &Db) {
    let fx = testing::fixture(db).await;
    let other = testing::fixture_named(db, "caf-86", "86B12345", "86-2020-1").await;
    let a = agent_of(db, &fx, "79a69243.a").await;
    let b = agent_of(db, &fx, "79a69243.b").await;
    let c = agent_of(db, &fx, "79a69243.c").await;
    let foreign = agent(db, other.partner.id, other.fund.id, "86b12345.x").await;
    let gone = agent_of(db, &fx, "79a69243.gone").await;
    db.execute_unprepared(&format!(
        "UPDATE account SET status = 'disabled' WHERE id = {}",
        gone.id
    ))
    .await
    .unwrap();
    let p = &fx.partner;
    let steps = [
        (AdminKind::Principal, &a.login, "ok"),
        (AdminKind::Principal, &a.login, "admin.already_designated"),
        (AdminKind::Deputy, &a.login, "admin.both_seats"),
        (AdminKind::Deputy, &b.login, "ok"),
        (AdminKind::Principal, &b.login, "admin.both_seats"),
        (AdminKind::Principal, &foreign.login, "account.not_found"),
        (AdminKind::Deputy, &gone.login, "account.disabled"),
        // Replaces a as principal.
        (AdminKind::Principal, &c.login, "ok"),
        // a is free again and may become deputy, replacing b.
        (AdminKind::Deputy, &a.login, "ok"),
    ];
    for (kind, login, expected) in steps {
        let r = designate(db, T0, &actor(), p, kind, login).await;
        assert_eq!(code(&r), expected, "{kind} {login}");
    }
    assert_eq!(
        seats(db, p).await,
        vec![
            (AdminKind::Principal, "79a69243.c".to_owned()),
            (AdminKind::Deputy, "79a69243.a".to_owned()),
        ]
    );
    assert!(seats(db, &other.partner).await.is_empty());
}

#[tokio::test]
async fn designation_rules_on_sqlite() {
    let db = testing::sqlite().await;
    designation_flow(&db).await;
}

#[tokio::test]
async fn designation_rules_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    designation_flow(&pg.db).await;
    pg.cleanup().await;
}
