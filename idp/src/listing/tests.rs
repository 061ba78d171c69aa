use super::*;

#[test]
fn raw_values_are_normalised_and_the_page_clamped() {
    let f = ListFilter::new(
        None,
        None,
        Some(" Active "),
        Some("DuRand"),
        Some("t2"),
        Some(" Accueil "),
    );
    assert_eq!(f.offset, 0);
    assert_eq!(f.limit, DEFAULT_LIMIT);
    assert_eq!(f.status.as_deref(), Some("active"));
    assert_eq!(f.text.as_deref(), Some("durand"));
    assert_eq!(f.role.as_deref(), Some("T2"));
    assert_eq!(f.group.as_deref(), Some("accueil"));
    assert_eq!(
        ListFilter::new(Some(7), Some(0), None, None, None, None).limit,
        1
    );
    assert_eq!(
        ListFilter::new(None, Some(10_000), None, None, None, None).limit,
        MAX_LIMIT
    );
    let empty = ListFilter::new(None, None, Some(""), Some("  "), None, None);
    assert_eq!((empty.status, empty.text), (None, None));
}

#[test]
fn like_patterns_escape_wildcards() {
    let f = ListFilter::new(None, None, None, Some("50%_a\\b"), None, None);
    assert_eq!(f.like_pattern().as_deref(), Some("%50\\%\\_a\\\\b%"));
    assert_eq!(ListFilter::default().like_pattern(), None);
}

mod in_the_store {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::account::AccountStatus;
    use crate::habilitation::Subject;
    use crate::habilitation::tests::{agent, agent_of, grant_of};
    use crate::store::{self, Db};
    use crate::testing::{self, T0, actor};

    fn f(
        status: Option<&str>,
        text: Option<&str>,
        role: Option<&str>,
        group: Option<&str>,
    ) -> ListFilter {
        ListFilter::new(None, None, status, text, role, group)
    }

    fn logins(l: &Listed<crate::account::Account>) -> Vec<String> {
        l.items.iter().map(|a| a.login.to_string()).collect()
    }

    /// Accounts, habilitations, groups and requests filtered and paged by the store.
    async fn lists(db: &Db) {
        let fx = testing::fixture(db).await;
        let other = testing::fixture_named(db, "caf-86", "86B00001", "86-2020-01").await;
        let p = fx.partner.id;
        let durand = agent_of(db, &fx, "79a69243.sdurand").await;
        let petit = agent_of(db, &fx, "79a69243.lpetit").await;
        let roux = agent_of(db, &fx, "79a69243.lroux").await;
        let _outsider = agent(db, other.partner.id, other.fund.id, "86b00001.sdurand").await;
        for i in 0..7 {
            agent_of(db, &fx, &format!("79a69243.bulk{i}")).await;
        }
        let g = crate::group::create(db, T0, &actor(), &fx.partner, "Accueil", None)
            .await
            .unwrap();
        crate::group::add_member(db, T0, &actor(), &g, &petit.login)
            .await
            .unwrap();
        crate::habilitation::grant(
            db,
            T0,
            &actor(),
            grant_of(&fx, "T2", Subject::Account(durand.id)),
        )
        .await
        .unwrap();
        crate::habilitation::grant(db, T0, &actor(), grant_of(&fx, "T2", Subject::Group(g.id)))
            .await
            .unwrap();
        crate::habilitation::grant(
            db,
            T0,
            &actor(),
            grant_of(&fx, "T1", Subject::Account(roux.id)),
        )
        .await
        .unwrap();
        crate::account::admin::disable(db, T0, &actor(), &roux, "départ")
            .await
            .unwrap();

        // Accounts: every filter, and never another partner's.
        let all = store::listing::accounts_of_partner(db, p, &f(None, None, None, None))
            .await
            .unwrap();
        assert_eq!(all.total, 10);
        let page = store::listing::accounts_of_partner(
            db,
            p,
            &ListFilter::new(Some(8), Some(5), None, None, None, None),
        )
        .await
        .unwrap();
        assert_eq!((page.total, page.items.len()), (10, 2));
        let by_text =
            store::listing::accounts_of_partner(db, p, &f(None, Some("DURAND"), None, None))
                .await
                .unwrap();
        assert_eq!(logins(&by_text), vec!["79a69243.sdurand"]);
        let by_status =
            store::listing::accounts_of_partner(db, p, &f(Some("disabled"), None, None, None))
                .await
                .unwrap();
        assert_eq!(logins(&by_status), vec!["79a69243.lroux"]);
        let by_group =
            store::listing::accounts_of_partner(db, p, &f(None, None, None, Some("accueil")))
                .await
                .unwrap();
        assert_eq!(logins(&by_group), vec!["79a69243.lpetit"]);
        let by_role = store::listing::accounts_of_partner(db, p, &f(None, None, Some("t2"), None))
            .await
            .unwrap();
        assert_eq!(
            logins(&by_role),
            vec!["79a69243.lpetit", "79a69243.sdurand"]
        );
        let none = store::listing::accounts_of_partner(db, p, &f(None, Some("%"), None, None))
            .await
            .unwrap();
        assert_eq!(none.total, 0, "a wildcard is searched as text");
        assert!(
            all.items
                .iter()
                .all(|a| a.partner_id == Some(p) && a.status != AccountStatus::Locked)
        );

        // Habilitations.
        let h = store::listing::habilitations_of_partner(db, p, &f(None, None, None, None))
            .await
            .unwrap();
        assert_eq!(h.total, 3);
        let h = store::listing::habilitations_of_partner(
            db,
            p,
            &f(Some("active"), None, Some("T2"), None),
        )
        .await
        .unwrap();
        assert_eq!(h.total, 2);
        let h =
            store::listing::habilitations_of_partner(db, p, &f(None, None, None, Some("Accueil")))
                .await
                .unwrap();
        assert_eq!(
            h.items.iter().map(|x| x.subject).collect::<Vec<_>>(),
            vec![Subject::Group(g.id)]
        );
        let h = store::listing::habilitations_of_partner(db, p, &f(None, Some("t1"), None, None))
            .await
            .unwrap();
        assert_eq!(h.total, 1);
        let h = store::listing::habilitations_of_partner(db, p, &f(None, Some("cdap"), None, None))
            .await
            .unwrap();
        assert_eq!(h.total, 3);
        let h = store::listing::habilitations_of_partner(
            db,
            other.partner.id,
            &f(None, None, None, None),
        )
        .await
        .unwrap();
        assert_eq!(h.total, 0);

        // Groups.
        let gl = store::listing::groups_of_partner(db, p, &f(None, Some("accu"), None, None))
            .await
            .unwrap();
        assert_eq!(gl.total, 1);
        let gl =
            store::listing::groups_of_partner(db, other.partner.id, &f(None, None, None, None))
                .await
                .unwrap();
        assert_eq!(gl.total, 0);

        // Requests: the partner's, and the queue of a fund.
        let requester = crate::actor::Actor::Account {
            id: durand.id,
            login: durand.login.to_string(),
        };
        for reason in ["un", "deux"] {
            crate::access_request::file(
                db,
                T0,
                &requester,
                &fx.partner,
                crate::access_request::Payload::CreateAccount {
                    given_name: "Léa".into(),
                    family_name: reason.into(),
                    email: None,
                    unit: None,
                },
            )
            .await
            .unwrap();
        }
        let r = store::listing::access_requests(
            db,
            Some(p),
            &[],
            &f(Some("pending"), Some("create"), None, None),
        )
        .await
        .unwrap();
        assert_eq!(r.total, 2);
        assert!(
            r.items.first().unwrap().id > r.items.last().unwrap().id,
            "newest first"
        );
        let q = store::listing::access_requests(
            db,
            None,
            &[fx.fund.id],
            &ListFilter::new(None, Some(1), None, None, None, None),
        )
        .await
        .unwrap();
        assert_eq!((q.total, q.items.len()), (2, 1));
        let q =
            store::listing::access_requests(db, None, &[other.fund.id], &f(None, None, None, None))
                .await
                .unwrap();
        assert_eq!(q.total, 0);
        let q = store::listing::access_requests(db, None, &[], &f(None, None, None, None))
            .await
            .unwrap();
        assert_eq!(q.total, 0);
    }

    #[tokio::test]
    async fn lists_are_filtered_in_sql_on_sqlite() {
        lists(&testing::sqlite().await).await;
    }

    #[tokio::test]
    async fn lists_are_filtered_in_sql_on_postgres() {
        let Some(pg) = testing::postgres().await else {
            return;
        };
        lists(&pg.db).await;
        pg.cleanup().await;
    }
}
