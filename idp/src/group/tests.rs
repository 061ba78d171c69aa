use super::*;
use crate::error::UserError;
use crate::habilitation::tests::{agent, agent_of, grant_of};
use crate::habilitation::{self, Subject};
use crate::testing::{self, T0, actor};

fn code<T>(r: &Result<T, GroupError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[tokio::test]
async fn create_find_and_members() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let a = agent_of(&db, &fx, "79a69243.a").await;
    let b = agent_of(&db, &fx, "79a69243.b").await;
    let g = create(&db, T0, &actor(), &fx.partner, " Accueil ", Some("guichet"))
        .await
        .unwrap();
    assert_eq!(g.name, "Accueil");
    for (name, expected) in [("Accueil", "group.duplicate"), ("", "group.name_invalid")] {
        let r = create(&db, T0, &actor(), &fx.partner, name, None).await;
        assert_eq!(code(&r), expected, "{name:?}");
    }
    assert_eq!(find(&db, &fx.partner, "Accueil").await.unwrap(), g);
    assert_eq!(
        code(&find(&db, &fx.partner, "Autre").await),
        "group.not_found"
    );

    add_member(&db, T0, &actor(), &g, &a.login).await.unwrap();
    add_member(&db, T0, &actor(), &g, &b.login).await.unwrap();
    let r = add_member(&db, T0, &actor(), &g, &a.login).await;
    assert_eq!(code(&r), "group.already_member");
    let logins: Vec<String> = members(&db, &g)
        .await
        .unwrap()
        .iter()
        .map(|m| m.login.to_string())
        .collect();
    assert_eq!(logins, ["79a69243.a", "79a69243.b"]);
    remove_member(&db, T0, &actor(), &g, &a.login)
        .await
        .unwrap();
    let r = remove_member(&db, T0, &actor(), &g, &a.login).await;
    assert_eq!(code(&r), "group.not_member");
    assert_eq!(list_of_partner(&db, &fx.partner).await.unwrap(), vec![g]);
}

#[tokio::test]
async fn partner_a_cannot_touch_partner_b() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let other = testing::fixture_named(&db, "caf-86", "86B12345", "86-2020-1").await;
    let mine = create(&db, T0, &actor(), &fx.partner, "Accueil", None)
        .await
        .unwrap();
    let theirs = create(&db, T0, &actor(), &other.partner, "Accueil", None)
        .await
        .unwrap();
    let their_agent = agent(&db, other.partner.id, other.fund.id, "86b12345.x").await;
    // Their group is not found through my partner (same name, different group).
    assert_eq!(find(&db, &fx.partner, "Accueil").await.unwrap(), mine);
    assert!(list_of_partner(&db, &fx.partner).await.unwrap() == vec![mine.clone()]);
    // Their agent cannot join my group, nor leave it.
    let r = add_member(&db, T0, &actor(), &mine, &their_agent.login).await;
    assert_eq!(code(&r), "account.not_found");
    let r = remove_member(&db, T0, &actor(), &mine, &their_agent.login).await;
    assert_eq!(code(&r), "account.not_found");
    // My agent cannot join their group.
    let me = agent_of(&db, &fx, "79a69243.me").await;
    let r = add_member(&db, T0, &actor(), &theirs, &me.login).await;
    assert_eq!(code(&r), "account.not_found");
}

#[tokio::test]
async fn disabled_accounts_cannot_join() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let g = create(&db, T0, &actor(), &fx.partner, "G", None)
        .await
        .unwrap();
    let a = agent_of(&db, &fx, "79a69243.gone").await;
    db.execute_unprepared(&format!(
        "UPDATE account SET status = 'disabled' WHERE id = {}",
        a.id
    ))
    .await
    .unwrap();
    let r = add_member(&db, T0, &actor(), &g, &a.login).await;
    assert_eq!(code(&r), "account.disabled");
}

#[tokio::test]
async fn adding_a_member_respects_the_quotas_the_group_holds() {
    let db = testing::sqlite().await;
    let fx = testing::fixture(&db).await;
    let g = create(&db, T0, &actor(), &fx.partner, "T5", None)
        .await
        .unwrap();
    // T5 has a quota of 1; an empty group may hold it.
    habilitation::grant(&db, T0, &actor(), grant_of(&fx, "T5", Subject::Group(g.id)))
        .await
        .unwrap();
    let a = agent_of(&db, &fx, "79a69243.a").await;
    let b = agent_of(&db, &fx, "79a69243.b").await;
    add_member(&db, T0, &actor(), &g, &a.login).await.unwrap();
    match add_member(&db, T0, &actor(), &g, &b.login).await {
        Err(GroupError::Quota(e)) => assert_eq!(
            e.to_string(),
            "quota for role T5 reached: 1 of 1 used, 1 more requested"
        ),
        other => panic!("{other:?}"),
    }
    // A group without habilitations takes anyone.
    let free = create(&db, T0, &actor(), &fx.partner, "Libre", None)
        .await
        .unwrap();
    add_member(&db, T0, &actor(), &free, &b.login)
        .await
        .unwrap();
}

/// 200 concurrent additions to a group holding T2 (quota 10): exactly 10 succeed.
async fn concurrent_additions(db: &Db) {
    let fx = testing::fixture(db).await;
    let g = create(db, T0, &actor(), &fx.partner, "Instructeurs", None)
        .await
        .unwrap();
    habilitation::grant(db, T0, &actor(), grant_of(&fx, "T2", Subject::Group(g.id)))
        .await
        .unwrap();
    let mut accounts = Vec::new();
    for i in 0..200 {
        accounts.push(agent_of(db, &fx, &format!("79a69243.c{i}")).await);
    }
    let mut tasks = Vec::new();
    for a in accounts {
        let (db, g) = (db.clone(), g.clone());
        tasks.push(tokio::spawn(async move {
            code(&add_member(&db, T0, &actor(), &g, &a.login).await)
        }));
    }
    testing::assert_race(tasks, 10, "quota.exceeded").await;
    assert_eq!(members(db, &g).await.unwrap().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_quota_holds_under_concurrency_on_sqlite() {
    let (db, _dir) = testing::sqlite_file().await;
    concurrent_additions(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_quota_holds_under_concurrency_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    concurrent_additions(&pg.db).await;
    pg.cleanup().await;
}
