use super::*;
use crate::config::Config;
use crate::habilitation::HabilitationStatus;
use crate::habilitation::tests::{agent_of, grant_of};
use crate::supervision::tests::last_event;
use crate::testing::{self, T0, actor};

fn settings() -> AccountsConfig {
    Config::defaults().unwrap().accounts
}

fn as_account(a: &crate::account::Account) -> Actor {
    Actor::Account {
        id: a.id,
        login: a.login.to_string(),
    }
}

fn grant_payload(login: &str, role: &str) -> Payload {
    Payload::Grant(GrantRequest {
        convention: "79-2017-19".into(),
        service: "cdap".into(),
        role: role.into(),
        subject: SubjectRef::Account(login.into()),
        territory: None,
        valid_from: None,
        valid_until: None,
        attributes: BTreeMap::new(),
        reason: "accueil du public".into(),
    })
}

async fn flow(db: &Db) {
    let fx = testing::fixture(db).await;
    let admin = agent_of(db, &fx, "79a69243.admin").await;
    let agent = agent_of(db, &fx, "79a69243.agent").await;
    let operator = as_account(&agent_of(db, &fx, "79a69243.operator").await);
    let requester = as_account(&admin);

    // Only a person files; the payload is checked at once.
    let r = file(
        db,
        T0,
        &actor(),
        &fx.partner,
        grant_payload("79a69243.agent", "T2"),
    )
    .await;
    assert!(matches!(r, Err(RequestError::NoRequester)));
    let mut bad = grant_payload("79a69243.agent", "T2");
    if let Payload::Grant(g) = &mut bad {
        g.convention = "79-1999-99".into();
    }
    let r = file(db, T0, &requester, &fx.partner, bad).await;
    assert_eq!(r.unwrap_err().code(), "request.invalid");

    // Grant: filed, then approved with the same rules as a direct grant.
    let req = file(
        db,
        T0,
        &requester,
        &fx.partner,
        grant_payload("79a69243.agent", "T2"),
    )
    .await
    .unwrap();
    assert_eq!(req.status, RequestStatus::Pending);
    assert_eq!(req.convention_id, Some(fx.convention.id));
    assert_eq!(last_event(db).await.action, "access_request.file");
    let ok = approve(
        db,
        T0,
        &operator,
        &settings(),
        &fx.fund,
        &fx.partner,
        req.id,
    )
    .await
    .unwrap();
    assert_eq!(ok.request.status, RequestStatus::Approved);
    let hid = ok.request.result.as_ref().unwrap()["habilitation"]
        .as_i64()
        .unwrap();
    let held = habilitation::of_account(db, &agent, T0.date())
        .await
        .unwrap();
    assert_eq!(held.iter().map(|h| h.id).collect::<Vec<_>>(), vec![hid]);
    assert_eq!(last_event(db).await.action, "access_request.approve");
    let notes = notifications(db, admin.id).await.unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].0, "access_request.approved");
    assert_eq!(notes[0].1["request"], req.id);
    // A second decision fails.
    let again = approve(
        db,
        T0,
        &operator,
        &settings(),
        &fx.fund,
        &fx.partner,
        req.id,
    )
    .await;
    assert_eq!(again.unwrap_err().code(), "request.already_decided");

    // An approval that breaks a rule changes nothing: T5 has a quota of 1.
    let first = agent_of(db, &fx, "79a69243.t5").await;
    habilitation::grant(
        db,
        T0,
        &actor(),
        grant_of(&fx, "T5", Subject::Account(first.id)),
    )
    .await
    .unwrap();
    let over = file(
        db,
        T0,
        &requester,
        &fx.partner,
        grant_payload("79a69243.agent", "T5"),
    )
    .await
    .unwrap();
    let r = approve(
        db,
        T0,
        &operator,
        &settings(),
        &fx.fund,
        &fx.partner,
        over.id,
    )
    .await;
    let e = r.unwrap_err();
    assert_eq!(e.code(), "quota.exceeded");
    assert!(
        e.message_fr()
            .contains("1 habilitation(s) utilisée(s) sur 1")
    );
    assert_eq!(
        find(db, &fx.partner, over.id).await.unwrap().status,
        RequestStatus::Pending
    );
    assert_eq!(notifications(db, admin.id).await.unwrap().len(), 1);

    // Rejection with a reason.
    let r = reject(db, T0, &operator, &fx.partner, over.id, " ").await;
    assert!(matches!(r, Err(RequestError::ReasonRequired)));
    let rej = reject(db, T0, &operator, &fx.partner, over.id, "quota atteint")
        .await
        .unwrap();
    assert_eq!(rej.status, RequestStatus::Rejected);
    assert_eq!(rej.decision_reason.as_deref(), Some("quota atteint"));
    assert_eq!(
        notifications(db, admin.id).await.unwrap()[0].0,
        "access_request.rejected"
    );

    // Modify then withdraw, each naming the accounts affected.
    let m = file(
        db,
        T0,
        &requester,
        &fx.partner,
        Payload::Modify {
            habilitation: hid,
            valid_until: Some(time::macros::date!(2027 - 06 - 30)),
            reason: "contrat court".into(),
        },
    )
    .await
    .unwrap();
    let ok = approve(db, T0, &operator, &settings(), &fx.fund, &fx.partner, m.id)
        .await
        .unwrap();
    assert_eq!(ok.affected_accounts, vec![agent.id]);
    assert_eq!(ok.subscription_id, Some(fx.subscription.id));
    let h = habilitation::find(db, &fx.partner, hid).await.unwrap();
    assert_eq!(h.valid_until, Some(time::macros::date!(2027 - 06 - 30)));
    let w = file(
        db,
        T0,
        &requester,
        &fx.partner,
        Payload::Withdraw {
            habilitation: hid,
            reason: "départ".into(),
        },
    )
    .await
    .unwrap();
    let ok = approve(db, T0, &operator, &settings(), &fx.fund, &fx.partner, w.id)
        .await
        .unwrap();
    assert_eq!(ok.affected_accounts, vec![agent.id]);
    let h = habilitation::find(db, &fx.partner, hid).await.unwrap();
    assert_eq!(h.status, HabilitationStatus::Withdrawn);

    // Account creation: the temporary password is handed to the operator once.
    let c = file(
        db,
        T0,
        &requester,
        &fx.partner,
        Payload::CreateAccount {
            given_name: "Léa".into(),
            family_name: "Petit".into(),
            email: None,
            unit: None,
        },
    )
    .await
    .unwrap();
    let ok = approve(db, T0, &operator, &settings(), &fx.fund, &fx.partner, c.id)
        .await
        .unwrap();
    assert!(ok.temporary_password.is_some());
    let login = ok.request.result.as_ref().unwrap()["login"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = crate::account::find_by_login(db, &fx.partner, &LoginId::parse(&login).unwrap())
        .await
        .unwrap();
    assert_eq!(created.given_name, "Léa");

    // Partner isolation: another partner's request is not found.
    let other = testing::fixture_named(db, "caf-86", "86B00001", "86-2020-01").await;
    let r = approve(
        db,
        T0,
        &operator,
        &settings(),
        &other.fund,
        &other.partner,
        req.id,
    )
    .await;
    assert_eq!(r.unwrap_err().code(), "request.not_found");
    let r = reject(db, T0, &operator, &other.partner, w.id, "non").await;
    assert_eq!(r.unwrap_err().code(), "request.not_found");
    assert!(of_partner(db, &other.partner).await.unwrap().is_empty());
    assert!(of_fund(db, &other.fund).await.unwrap().is_empty());
    assert_eq!(of_fund(db, &fx.fund).await.unwrap().len(), 5);
}

#[tokio::test]
async fn requests_on_sqlite() {
    flow(&testing::sqlite().await).await;
}

#[tokio::test]
async fn requests_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    flow(&pg.db).await;
    pg.cleanup().await;
}

/// Concurrent approvals of one account-creation request: exactly one creates the account
/// (the request row is locked in the approving transaction), the others find it decided.
async fn concurrent_account_approvals(db: &Db) {
    let fx = testing::fixture(db).await;
    let requester = as_account(&agent_of(db, &fx, "79a69243.admin").await);
    let operator = as_account(&agent_of(db, &fx, "79a69243.operator").await);
    let c = file(
        db,
        T0,
        &requester,
        &fx.partner,
        Payload::CreateAccount {
            given_name: "Léa".into(),
            family_name: "Double".into(),
            email: None,
            unit: None,
        },
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (db, operator, fx) = (db.clone(), operator.clone(), fx.clone());
        tasks.push(tokio::spawn(async move {
            let r = approve(&db, T0, &operator, &settings(), &fx.fund, &fx.partner, c.id).await;
            match r {
                Ok(a) => {
                    assert!(a.temporary_password.is_some());
                    "ok"
                }
                Err(e) => e.code(),
            }
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    codes.sort_unstable();
    assert_eq!(codes, vec!["ok", "request.already_decided"]);
    let doubles: Vec<_> = store::account::of_partner(db, fx.partner.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.family_name == "Double")
        .collect();
    assert_eq!(doubles.len(), 1);
    let decided = store::access_request::by_id(db, c.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(decided.status, RequestStatus::Approved);
    assert_eq!(
        decided.result.unwrap()["login"],
        doubles[0].login.to_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_account_for_two_concurrent_approvals_on_sqlite() {
    let (db, _dir) = testing::sqlite_file().await;
    concurrent_account_approvals(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_account_for_two_concurrent_approvals_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    concurrent_account_approvals(&pg.db).await;
    pg.cleanup().await;
}

/// The spooled messages, soft line breaks of quoted-printable undone.
fn spooled(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .map(|m| {
                    m.replace("=\r\n", "")
                        .replace("=\n", "")
                        .replace("\r\n", "\n")
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Inserts an account of the fixture's partner with an e-mail address.
async fn with_address(
    db: &Db,
    fx: &testing::Fixture,
    login: &str,
    email: &str,
) -> crate::account::Account {
    let tx = db.begin_write().await.unwrap();
    let login = LoginId::parse(login).unwrap();
    let subject = crate::secret::random_hex(16);
    let email = Email::parse(email).unwrap();
    let a = store::account::insert(
        &tx,
        T0,
        &store::account::AccountRow {
            subject: &subject,
            fund_id: fx.fund.id,
            partner_id: Some(fx.partner.id),
            unit_id: None,
            login: &login,
            given_name: "Sophie",
            family_name: "Durand",
            email: Some(&email),
            created_by: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    a
}

/// Decisions are e-mailed to a requester who has an address (through the spool transport),
/// `sent_at` is set and nothing is sent twice; without an address nothing is sent; a failing
/// transport leaves the notifications unsent for a later try.
async fn notifications_by_mail(db: &Db) {
    let fx = testing::fixture(db).await;
    let dir = tempfile::tempdir().unwrap();
    let mailer = Mailer::spool(dir.path(), "Habilis <no-reply@habilis.invalid>").unwrap();
    let admin = with_address(db, &fx, "79a69243.sdurand", "sophie.durand@niort.example").await;
    let silent = agent_of(db, &fx, "79a69243.silent").await;
    let operator = as_account(&agent_of(db, &fx, "79a69243.operator").await);
    let create = |family: &str| Payload::CreateAccount {
        given_name: "Lea".into(),
        family_name: family.into(),
        email: None,
        unit: None,
    };
    let r1 = file(db, T0, &as_account(&admin), &fx.partner, create("Roux"))
        .await
        .unwrap();
    let r2 = file(db, T0, &as_account(&admin), &fx.partner, create("Doublon"))
        .await
        .unwrap();
    let r3 = file(db, T0, &as_account(&silent), &fx.partner, create("Autre"))
        .await
        .unwrap();
    let ok = approve(db, T0, &operator, &settings(), &fx.fund, &fx.partner, r1.id)
        .await
        .unwrap();
    let temporary = ok.temporary_password.unwrap();
    reject(db, T0, &operator, &fx.partner, r2.id, "already exists")
        .await
        .unwrap();
    reject(db, T0, &operator, &fx.partner, r3.id, "no")
        .await
        .unwrap();

    // A transport that cannot write: nothing sent, nothing marked.
    let elsewhere = tempfile::tempdir().unwrap();
    let blocker = elsewhere.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let broken = Mailer::spool(&blocker, "Habilis <no-reply@habilis.invalid>").unwrap();
    assert_eq!(
        mail_notifications(db, &broken, T0, admin.id).await.unwrap(),
        0
    );
    assert_eq!(
        store::access_request::unsent_notifications(db, admin.id)
            .await
            .unwrap()
            .len(),
        2
    );

    assert_eq!(
        mail_notifications(db, &mailer, T0, admin.id).await.unwrap(),
        2
    );
    assert!(
        store::access_request::unsent_notifications(db, admin.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        mail_notifications(db, &mailer, T0, admin.id).await.unwrap(),
        0,
        "sent once"
    );
    let mails = spooled(dir.path());
    assert_eq!(mails.len(), 2, "{mails:?}");
    let all = mails.join("\n");
    assert!(all.contains("To: sophie.durand@niort.example"), "{all}");
    assert!(
        all.contains(&format!(
            "access request no. {} (create_account) was approved",
            r1.id
        )),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "access request no. {} (create_account) was rejected",
            r2.id
        )),
        "{all}"
    );
    assert!(all.contains("Reason: already exists"), "{all}");
    let login = ok.request.result.unwrap()["login"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(all.contains(&format!("Account created: {login}")), "{all}");
    assert!(
        !all.contains(temporary.expose()),
        "the temporary password is never mailed"
    );

    // No address: the notification stays for the console only.
    assert_eq!(
        mail_notifications(db, &mailer, T0, silent.id)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store::access_request::unsent_notifications(db, silent.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(spooled(dir.path()).len(), 2);
}

#[tokio::test]
async fn notifications_are_mailed_on_sqlite() {
    notifications_by_mail(&testing::sqlite().await).await;
}

#[tokio::test]
async fn notifications_are_mailed_on_postgres() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    notifications_by_mail(&pg.db).await;
    pg.cleanup().await;
}
