//! The admin JSON API over HTTP: authentication by Habilis access tokens, the operations of
//! partner administrators and fund operators, and isolation — for every route of the OpenAPI
//! document, an administrator of partner A and an operator of fund X acting on partner B of
//! fund Y get 403/404 and none of B's data.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use idp::account::{self, Account, NewAccount};
use idp::actor::Actor;
use idp::app::App;
use idp::clock::ManualClock;
use idp::config::Config;
use idp::convention::lifecycle::{ConventionAction, ManagementMode};
use idp::convention::number::ConventionNumber;
use idp::convention::{self, NewConvention};
use idp::delegation::{self, AdminKind};
use idp::fund::{self, Fund, FundCode, FundKind, LoginPolicy, NewFund};
use idp::habilitation::{self, NewGrant, Subject};
use idp::oidc::jwt::{self, Audience, Claims, TokenType};
use idp::partner::{self, NewPartner, Partner};
use idp::service::{self, NewRole, NewService, Service, ServiceCode};
use idp::state::AppState;
use idp::store::Db;
use idp::subscription::{self, SubscriptionInput};
use idp::territory::{DepartementCode, Territory};
use serde_json::{Value, json};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-30 09:00 UTC);

struct Server {
    base: String,
    state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::defaults().unwrap();
        config.server.listen = "127.0.0.1:0".parse().unwrap();
        config.database.url = idp::secret::Secret::new(format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("api.sqlite").display()
        ));
        let app = App::build(config, Arc::new(ManualClock::new(T0)))
            .await
            .unwrap();
        let base = format!("http://{}/api/admin/v1", app.local_addr().unwrap());
        let state = app.state().clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let handle = tokio::spawn(async move {
            app.run(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            base,
            state,
            stop: Some(tx),
            handle,
            _dir: dir,
        }
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.handle.await.unwrap();
    }

    async fn call(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let client = reqwest::Client::new();
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "get" => client.get(url),
            "post" => client.post(url),
            "patch" => client.patch(url),
            "put" => client.put(url),
            "delete" => client.delete(url),
            m => panic!("method {m}"),
        }
        .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// An access token Habilis would issue to `account` with `scope` (RFC 9068), signed by the
/// server's current key, for the admin API audience.
async fn token_with(state: &AppState, account: &Account, scope: &str, jti: &str) -> String {
    let keys = state.keys.get(&state.db, T0).await.unwrap();
    let iss = idp::oidc::token::issuer(&state.config);
    let mut claims = Claims::new(&iss, &account.subject, "console", T0, Duration::minutes(10))
        .with("jti", jti)
        .with("client_id", "console")
        .with("scope", scope);
    claims.aud = Audience::Many(vec![
        "console".into(),
        idp::oidc::token::admin_audience(&state.config),
    ]);
    jwt::sign(
        &keys,
        state.config.oidc.default_signing_alg,
        TokenType::AccessToken,
        &claims,
    )
    .unwrap()
}

/// The admin token of `account` (the `testing` helper of this module).
async fn admin_token(state: &AppState, account: &Account) -> String {
    token_with(state, account, "openid admin", &idp::secret::random_hex(16)).await
}

fn cli() -> Actor {
    Actor::Cli {
        os_user: "test".into(),
    }
}

/// One fund with CDAP, its partners, conventions and subscriptions.
struct World {
    fund: Fund,
    service: Service,
}

async fn fund_with_cdap(db: &Db, code: &str, dep: &str) -> World {
    let fund = fund::create(
        db,
        T0,
        &cli(),
        NewFund {
            code: FundCode::parse(code).unwrap(),
            name: format!("Caisse {code}"),
            kind: FundKind::Caf,
            departements: BTreeSet::from([DepartementCode::parse(dep).unwrap()]),
            login_policy: LoginPolicy::Generated,
        },
    )
    .await
    .unwrap();
    let roles = ["T1", "T2", "T5"]
        .iter()
        .map(|r| NewRole::parse_spec(r).unwrap())
        .collect();
    let service = service::create(
        db,
        T0,
        &cli(),
        &fund,
        NewService {
            code: ServiceCode::parse("cdap").unwrap(),
            name: "CDAP".into(),
            description: String::new(),
            roles,
        },
    )
    .await
    .unwrap();
    World { fund, service }
}

async fn partner_with_convention(
    db: &Db,
    w: &World,
    tpn: &str,
    number: &str,
    dep: &str,
    mode: ManagementMode,
) -> (Partner, convention::Convention) {
    let p = partner::create(
        db,
        T0,
        &cli(),
        &w.fund,
        NewPartner::parse(tpn, None, &format!("Partenaire {tpn}"), "commune", None).unwrap(),
    )
    .await
    .unwrap();
    let n = ConventionNumber::parse(number).unwrap();
    convention::create(
        db,
        T0,
        &cli(),
        &w.fund,
        &p,
        NewConvention {
            number: n.clone(),
            signed_on: None,
            effective_from: date!(2020 - 01 - 01),
            management_mode: mode,
            mission: "Quotient familial".into(),
            territory: Territory::parse_list(dep).unwrap(),
        },
    )
    .await
    .unwrap();
    let c = convention::apply(
        db,
        T0,
        &cli(),
        &w.fund,
        &n,
        ConventionAction::Activate,
        None,
    )
    .await
    .unwrap()
    .convention;
    subscription::set(
        db,
        T0,
        &cli(),
        &c,
        &w.service,
        SubscriptionInput {
            opened_on: date!(2020 - 01 - 01),
            total_quota: None,
            quotas: vec![("T1".into(), 3), ("T2".into(), 10), ("T5".into(), 1)],
        },
    )
    .await
    .unwrap();
    (p, c)
}

/// An active account of the partner (its temporary password marked as changed).
async fn person(db: &Db, w: &World, p: &Partner, given: &str, family: &str) -> Account {
    let settings = Config::defaults().unwrap().accounts;
    let new = NewAccount {
        given_name: given.into(),
        family_name: family.into(),
        email: None,
        unit: None,
    };
    let a = account::create(db, T0, &cli(), &settings, &w.fund, p, new)
        .await
        .unwrap()
        .account;
    activate(db, &a).await
}

async fn activate(db: &Db, a: &Account) -> Account {
    let tx = db.begin_write().await.unwrap();
    idp::store::account::password_changed(&tx, T0, a.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    idp::store::account::by_id(db, a.id).await.unwrap().unwrap()
}

async fn operator(db: &Db, w: &World, email: &str) -> Account {
    let settings = Config::defaults().unwrap().accounts;
    let new = NewAccount {
        given_name: "Opé".into(),
        family_name: "Rateur".into(),
        email: Some(idp::account::email::Email::parse(email).unwrap()),
        unit: None,
    };
    let a = account::create_operator(db, T0, &cli(), &settings, &w.fund, new)
        .await
        .unwrap()
        .account;
    activate(db, &a).await
}

/// Everything the tests act on.
struct Fixture {
    x: World,
    a: Partner,
    c: Partner,
    b: Partner,
    principal_a: Account,
    agent_a: Account,
    admin_c: Account,
    principal_b: Account,
    agent_b: Account,
    operator_x: Account,
    operator_y: Account,
    b_convention: i64,
    b_group: i64,
    b_habilitation: i64,
    b_manager: i64,
    b_request: i64,
}

async fn fixture(db: &Db) -> Fixture {
    let x = fund_with_cdap(db, "caf-79", "79").await;
    let y = fund_with_cdap(db, "caf-86", "86").await;
    let (a, _) = partner_with_convention(
        db,
        &x,
        "79A69243",
        "79-2017-19",
        "79",
        ManagementMode::Delegated,
    )
    .await;
    let (c, _) = partner_with_convention(
        db,
        &x,
        "79C00001",
        "79-2018-01",
        "79",
        ManagementMode::Centralised,
    )
    .await;
    let (b, bc) = partner_with_convention(
        db,
        &y,
        "86B00001",
        "86-2020-01",
        "86",
        ManagementMode::Delegated,
    )
    .await;
    let principal_a = person(db, &x, &a, "Sophie", "Durand").await;
    let agent_a = person(db, &x, &a, "Luc", "Petit").await;
    let admin_c = person(db, &x, &c, "Anne", "Morel").await;
    let principal_b = person(db, &y, &b, "Paul", "Martin").await;
    let agent_b = person(db, &y, &b, "Zoé", "Bernard").await;
    for (p, acc) in [(&a, &principal_a), (&c, &admin_c), (&b, &principal_b)] {
        delegation::designate(db, T0, &cli(), p, AdminKind::Principal, &acc.login)
            .await
            .unwrap();
    }
    let operator_x = operator(db, &x, "op@caf79.example.fr").await;
    let operator_y = operator(db, &y, "op@caf86.example.fr").await;
    let g = idp::group::create(db, T0, &cli(), &b, "accueil-b", None)
        .await
        .unwrap();
    let h = habilitation::grant(
        db,
        T0,
        &cli(),
        NewGrant {
            convention: &bc,
            service: &y.service,
            role: "T2",
            subject: Subject::Account(agent_b.id),
            territory: None,
            valid_from: T0.date(),
            valid_until: None,
            attributes: BTreeMap::new(),
            reason: "instruction".into(),
        },
    )
    .await
    .unwrap();
    let m = delegation::appoint_manager(
        db,
        T0,
        &cli(),
        &b,
        &agent_b.login,
        &idp::authz::Scope::default(),
        false,
    )
    .await
    .unwrap();
    let principal_b_actor = Actor::Account {
        id: principal_b.id,
        login: principal_b.login.to_string(),
    };
    let r = idp::access_request::file(
        db,
        T0,
        &principal_b_actor,
        &b,
        idp::access_request::Payload::Withdraw {
            habilitation: h.id,
            reason: "départ".into(),
        },
    )
    .await
    .unwrap();
    Fixture {
        x,
        a,
        c,
        b,
        principal_a,
        agent_a,
        admin_c,
        principal_b,
        agent_b,
        operator_x,
        operator_y,
        b_convention: bc.id,
        b_group: g.id,
        b_habilitation: h.id,
        b_manager: m.id,
        b_request: r.id,
    }
}

/// Strings that must never appear in an answer to someone outside partner B.
fn b_secrets(f: &Fixture) -> Vec<String> {
    vec![
        f.b.third_party_number.to_string(),
        f.principal_b.login.to_string(),
        f.agent_b.login.to_string(),
        "86-2020-01".into(),
        "accueil-b".into(),
    ]
}

/// For each route of the document, a request aimed at partner B's objects.
fn attack_on_b(f: &Fixture, method: &str, path: &str) -> Option<(String, Option<Value>)> {
    let reason = Some(json!({ "reason": "test" }));
    let p = f.b.id;
    Some(match (method, path) {
        ("get", "/me") => ("/me".into(), None),
        ("get", "/partners") => ("/partners?limit=500".into(), None),
        ("get", "/access-requests") => ("/access-requests?limit=500".into(), None),
        ("get", "/partners/{partner}") => (format!("/partners/{p}"), None),
        ("patch", "/partners/{partner}") => {
            (format!("/partners/{p}"), Some(json!({ "name": "Pris" })))
        }
        ("post", "/partners/{partner}/suspend") => (format!("/partners/{p}/suspend"), reason),
        ("post", "/partners/{partner}/reactivate") => (format!("/partners/{p}/reactivate"), reason),
        ("get", "/partners/{partner}/conventions") => (format!("/partners/{p}/conventions"), None),
        ("post", "/conventions/{convention}/management-mode") => (
            format!("/conventions/{}/management-mode", f.b_convention),
            Some(json!({ "mode": "centralised", "reason": "x" })),
        ),
        ("get", "/partners/{partner}/administrators") => {
            (format!("/partners/{p}/administrators"), None)
        }
        ("post", "/partners/{partner}/administrators") => (
            format!("/partners/{p}/administrators"),
            Some(json!({ "kind": "deputy", "login": f.agent_b.login.to_string() })),
        ),
        ("put", "/conventions/{convention}/subscriptions/{service}") => (
            format!("/conventions/{}/subscriptions/cdap", f.b_convention),
            Some(json!({ "quotas": { "T1": 0 } })),
        ),
        ("get", "/partners/{partner}/accounts") => (format!("/partners/{p}/accounts"), None),
        ("post", "/partners/{partner}/accounts") => (
            format!("/partners/{p}/accounts"),
            Some(json!({ "given_name": "In", "family_name": "Trus" })),
        ),
        ("post", "/accounts/{account}/suspend") => {
            (format!("/accounts/{}/suspend", f.agent_b.id), reason)
        }
        ("post", "/accounts/{account}/reactivate") => {
            (format!("/accounts/{}/reactivate", f.agent_b.id), reason)
        }
        ("post", "/accounts/{account}/disable") => {
            (format!("/accounts/{}/disable", f.agent_b.id), reason)
        }
        ("post", "/accounts/{account}/enable") => {
            (format!("/accounts/{}/enable", f.agent_b.id), reason)
        }
        ("post", "/accounts/{account}/reset-password") => {
            (format!("/accounts/{}/reset-password", f.agent_b.id), None)
        }
        ("post", "/partners/{partner}/force-password-change") => {
            (format!("/partners/{p}/force-password-change"), None)
        }
        ("get", "/partners/{partner}/groups") => (format!("/partners/{p}/groups"), None),
        ("post", "/partners/{partner}/groups") => (
            format!("/partners/{p}/groups"),
            Some(json!({ "name": "pirates" })),
        ),
        ("post", "/groups/{group}/members") => (
            format!("/groups/{}/members", f.b_group),
            Some(json!({ "login": f.agent_b.login.to_string() })),
        ),
        ("get", "/partners/{partner}/habilitations") => {
            (format!("/partners/{p}/habilitations"), None)
        }
        ("post", "/partners/{partner}/habilitations") => (
            format!("/partners/{p}/habilitations"),
            Some(
                json!({ "convention": "86-2020-01", "service": "cdap", "role": "T1",
                         "account": f.agent_b.login.to_string(), "reason": "x" }),
            ),
        ),
        ("post", "/habilitations/{habilitation}/withdraw") => (
            format!("/habilitations/{}/withdraw", f.b_habilitation),
            reason,
        ),
        ("get", "/partners/{partner}/managers") => (format!("/partners/{p}/managers"), None),
        ("post", "/partners/{partner}/managers") => (
            format!("/partners/{p}/managers"),
            Some(json!({ "login": f.principal_b.login.to_string() })),
        ),
        ("post", "/managers/{manager}/revoke") => {
            (format!("/managers/{}/revoke", f.b_manager), reason)
        }
        ("get", "/partners/{partner}/access-requests") => {
            (format!("/partners/{p}/access-requests"), None)
        }
        ("post", "/partners/{partner}/access-requests") => (
            format!("/partners/{p}/access-requests"),
            Some(json!({ "kind": "withdraw", "habilitation": f.b_habilitation, "reason": "x" })),
        ),
        ("post", "/access-requests/{request}/approve") => {
            (format!("/access-requests/{}/approve", f.b_request), None)
        }
        ("post", "/access-requests/{request}/reject") => {
            (format!("/access-requests/{}/reject", f.b_request), reason)
        }
        _ => return None,
    })
}

#[tokio::test]
async fn no_route_lets_partner_a_or_fund_x_reach_partner_b() {
    let s = Server::start().await;
    let db = s.state.db.clone();
    let f = fixture(&db).await;
    let (status, doc) = s.call("", "get", "/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    let paths = doc["paths"].as_object().unwrap();
    let mut routes = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.clone(), path.clone()));
        }
    }
    assert!(routes.len() >= 33, "{routes:?}");
    let secrets = b_secrets(&f);
    for who in [&f.principal_a, &f.operator_x] {
        let token = admin_token(&s.state, who).await;
        for (method, path) in &routes {
            let Some((url, body)) = attack_on_b(&f, method, path) else {
                panic!("route {method} {path} has no isolation case: add one");
            };
            let (status, answer) = s.call(&token, method, &url, body).await;
            let text = answer.to_string();
            if !path.contains('{') {
                assert_eq!(status, 200, "{} {method} {url}: {text}", who.login);
            } else {
                assert!(
                    status == 404 || status == 403,
                    "{} {method} {url}: {status} {text}",
                    who.login
                );
            }
            for secret in &secrets {
                assert!(
                    !text.to_lowercase().contains(&secret.to_lowercase()),
                    "{} {method} {url} leaked {secret}: {text}",
                    who.login
                );
            }
        }
    }
    // Nothing of B changed: still active, the request pending, the habilitation in force.
    let b = idp::store::partner::by_id(&db, f.b.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.status, partner::PartnerStatus::Active);
    assert_eq!(b.name, "Partenaire 86B00001");
    let token_b = admin_token(&s.state, &f.principal_b).await;
    let (_, reqs) = s
        .call(
            &token_b,
            "get",
            &format!("/partners/{}/access-requests", f.b.id),
            None,
        )
        .await;
    assert_eq!(reqs["items"][0]["status"], "pending");
    let (_, habs) = s
        .call(
            &token_b,
            "get",
            &format!("/partners/{}/habilitations?status=active", f.b.id),
            None,
        )
        .await;
    assert_eq!(habs["total"], 1);
    // And B's own principal sees B (the cases above were refused for the right reason).
    let (status, _) = s
        .call(&token_b, "get", &format!("/partners/{}", f.b.id), None)
        .await;
    assert_eq!(status, 200);
    let token_y = admin_token(&s.state, &f.operator_y).await;
    let (_, queue) = s.call(&token_y, "get", "/access-requests", None).await;
    assert_eq!(queue["total"], 1);
    s.stop().await;
}

#[tokio::test]
async fn tokens_are_checked() {
    let s = Server::start().await;
    let db = s.state.db.clone();
    let f = fixture(&db).await;
    let path = format!("/partners/{}", f.a.id);
    let (status, body) = s.call("", "get", &path, None).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_token");
    let (status, _) = s.call("not.a.jwt", "get", &path, None).await;
    assert_eq!(status, 401);
    // A token without the admin scope.
    let t = token_with(&s.state, &f.principal_a, "openid profile", "jti-1").await;
    let (status, body) = s.call(&t, "get", &path, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("insufficient_scope"))
    );
    // A revoked token.
    let t = token_with(&s.state, &f.principal_a, "admin", "jti-2").await;
    assert_eq!(s.call(&t, "get", &path, None).await.0, 200);
    idp::store::token::revoke_access(&db, "jti-2", T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(s.call(&t, "get", &path, None).await.0, 401);
    // The WWW-Authenticate challenge.
    let r = reqwest::Client::new()
        .get(format!("{}{path}", s.base))
        .bearer_auth("x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    // A suspended person cannot act, even with a valid token.
    let t = admin_token(&s.state, &f.principal_a).await;
    let op = admin_token(&s.state, &f.operator_x).await;
    let (status, _) = s
        .call(
            &op,
            "post",
            &format!("/accounts/{}/suspend", f.principal_a.id),
            Some(json!({ "reason": "fraude" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(s.call(&t, "get", &path, None).await.0, 401);
    // An agent has no administrative role.
    let t = admin_token(&s.state, &f.agent_a).await;
    assert_eq!(s.call(&t, "get", &path, None).await.0, 403);
    s.stop().await;
}

#[tokio::test]
async fn administrators_and_operators_at_work() {
    let s = Server::start().await;
    let db = s.state.db.clone();
    let f = fixture(&db).await;
    let pa = admin_token(&s.state, &f.principal_a).await;
    let a = f.a.id;

    // Accounts: create (temporary password once), list with paging and filters.
    let (status, created) = s
        .call(
            &pa,
            "post",
            &format!("/partners/{a}/accounts"),
            Some(json!({ "given_name": "Léa", "family_name": "Roux" })),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    assert!(created["temporary_password"].as_str().unwrap().len() >= 8);
    let login = created["account"]["login"].as_str().unwrap().to_owned();
    let (_, page) = s
        .call(
            &pa,
            "get",
            &format!("/partners/{a}/accounts?limit=2&offset=1"),
            None,
        )
        .await;
    assert_eq!(
        (
            page["total"].as_u64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(3), 2)
    );
    let (_, page) = s
        .call(&pa, "get", &format!("/partners/{a}/accounts?q=roux"), None)
        .await;
    assert_eq!(page["items"][0]["login"], login.as_str());
    let (_, page) = s
        .call(
            &pa,
            "get",
            &format!("/partners/{a}/accounts?status=pending"),
            None,
        )
        .await;
    assert_eq!(page["total"], 1);

    // Groups and a grant to the group; the quota refusal names the quota and its use.
    let (_, g) = s
        .call(
            &pa,
            "post",
            &format!("/partners/{a}/groups"),
            Some(json!({ "name": "accueil" })),
        )
        .await;
    let gid = g["id"].as_i64().unwrap();
    let (status, _) = s
        .call(
            &pa,
            "post",
            &format!("/groups/{gid}/members"),
            Some(json!({ "login": f.agent_a.login.to_string() })),
        )
        .await;
    assert_eq!(status, 200);
    let grant = |who: Value, role: &str| {
        let mut body = json!({ "convention": "79-2017-19", "service": "cdap", "role": role, "reason": "accueil" });
        body.as_object_mut()
            .unwrap()
            .extend(who.as_object().unwrap().clone());
        body
    };
    let (status, h) = s
        .call(
            &pa,
            "post",
            &format!("/partners/{a}/habilitations"),
            Some(grant(json!({ "group": "accueil" }), "T5")),
        )
        .await;
    assert_eq!(status, 200, "{h}");
    let (status, refused) = s
        .call(
            &pa,
            "post",
            &format!("/partners/{a}/habilitations"),
            Some(grant(json!({ "account": login }), "T5")),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(refused["error"], "quota.exceeded");
    assert!(
        refused["message"].as_str().unwrap().contains("1 of 1 used"),
        "{refused}"
    );
    assert!(refused["message_fr"].as_str().unwrap().contains("T5"));

    // A delegated manager limited to T1: may grant T1, not T2.
    let (status, m) = s
        .call(&pa, "post", &format!("/partners/{a}/managers"), Some(json!({
            "login": f.agent_a.login.to_string(),
            "scope": { "services": [f.x.service.id], "roles": [f.x.service.role("T1").unwrap().id] },
        })))
        .await;
    assert_eq!(status, 200, "{m}");
    let mgr = admin_token(&s.state, &f.agent_a).await;
    let (status, _) = s
        .call(
            &mgr,
            "post",
            &format!("/partners/{a}/habilitations"),
            Some(grant(json!({ "account": login }), "T1")),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = s
        .call(
            &mgr,
            "post",
            &format!("/partners/{a}/habilitations"),
            Some(grant(json!({ "account": login }), "T2")),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("authz.forbidden"))
    );

    // Withdrawal names the accounts whose access ended.
    let hid = h["id"].as_i64().unwrap();
    let (status, w) = s
        .call(
            &pa,
            "post",
            &format!("/habilitations/{hid}/withdraw"),
            Some(json!({ "reason": "réorganisation" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(w["affected_accounts"], json!([f.agent_a.id]));

    // Centralised partner: changes are refused, requests are filed and approved by the fund.
    let tc = admin_token(&s.state, &f.admin_c).await;
    let c = f.c.id;
    let (status, body) = s
        .call(
            &tc,
            "post",
            &format!("/partners/{c}/accounts"),
            Some(json!({ "given_name": "Ma", "family_name": "Rie" })),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("authz.centralised"))
    );
    let (status, r) = s
        .call(
            &tc,
            "post",
            &format!("/partners/{c}/access-requests"),
            Some(json!({
                "kind": "grant", "convention": "79-2018-01", "service": "cdap", "role": "T2",
                "subject": { "account": f.admin_c.login.to_string() }, "reason": "instruction"
            })),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let rid = r["id"].as_i64().unwrap();
    let (status, _) = s
        .call(
            &tc,
            "post",
            &format!("/access-requests/{rid}/approve"),
            None,
        )
        .await;
    assert_eq!(status, 403, "partners do not decide");
    let ox = admin_token(&s.state, &f.operator_x).await;
    let (_, queue) = s
        .call(&ox, "get", "/access-requests?status=pending", None)
        .await;
    assert_eq!(queue["total"], 1);
    let (status, ok) = s
        .call(
            &ox,
            "post",
            &format!("/access-requests/{rid}/approve"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["request"]["status"], "approved");
    let (_, habs) = s
        .call(&tc, "get", &format!("/partners/{c}/habilitations"), None)
        .await;
    assert_eq!(habs["total"], 1);

    // Supervision: suspend the partner (affected accounts named), switch the mode.
    let (status, out) = s
        .call(
            &ox,
            "post",
            &format!("/partners/{a}/suspend"),
            Some(json!({ "reason": "contrôle" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(out["object"]["status"], "suspended");
    assert_eq!(out["affected_accounts"].as_array().unwrap().len(), 3);
    let (status, _) = s
        .call(
            &pa,
            "post",
            &format!("/partners/{a}/reactivate"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 403, "only the fund reactivates");
    let (status, _) = s
        .call(
            &ox,
            "post",
            &format!("/partners/{a}/reactivate"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, convs) = s
        .call(&ox, "get", &format!("/partners/{a}/conventions"), None)
        .await;
    let cid = convs["items"][0]["id"].as_i64().unwrap();
    let (status, conv) = s
        .call(
            &ox,
            "post",
            &format!("/conventions/{cid}/management-mode"),
            Some(json!({ "mode": "centralised", "reason": "reprise" })),
        )
        .await;
    assert_eq!(status, 200, "{conv}");
    let (status, body) = s
        .call(
            &pa,
            "post",
            &format!("/partners/{a}/groups"),
            Some(json!({ "name": "autre" })),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("authz.centralised"))
    );
    // The fund names administrators and sets quotas; lowering below use lists the holders.
    let (status, d) = s
        .call(
            &ox,
            "post",
            &format!("/partners/{a}/administrators"),
            Some(json!({ "kind": "deputy", "login": login })),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    let (status, _) = s
        .call(
            &pa,
            "post",
            &format!("/partners/{a}/administrators"),
            Some(json!({ "kind": "deputy", "login": login })),
        )
        .await;
    assert_eq!(status, 403, "administrators are named by the fund only");
    let (_, admins) = s
        .call(&pa, "get", &format!("/partners/{a}/administrators"), None)
        .await;
    assert_eq!(admins["administrators"].as_array().unwrap().len(), 2);
    let (status, refused) = s
        .call(
            &ox,
            "put",
            &format!("/conventions/{cid}/subscriptions/cdap"),
            Some(json!({ "quotas": { "T1": 0 } })),
        )
        .await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (409, Some("quota.below_use"))
    );
    assert!(
        refused["message"].as_str().unwrap().contains(&login),
        "{refused}"
    );
    let (status, sub) = s
        .call(
            &ox,
            "put",
            &format!("/conventions/{cid}/subscriptions/cdap"),
            Some(json!({ "quotas": { "T1": 7 } })),
        )
        .await;
    assert_eq!(status, 200, "{sub}");
    // Account administration goes through account::admin; the fund forces password changes.
    let lea = created["account"]["id"].as_i64().unwrap();
    let (status, d) = s
        .call(
            &ox,
            "post",
            &format!("/accounts/{lea}/disable"),
            Some(json!({ "reason": "départ" })),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["account"]["status"], "disabled");
    let (status, e) = s
        .call(
            &ox,
            "post",
            &format!("/accounts/{lea}/enable"),
            Some(json!({ "reason": "retour" })),
        )
        .await;
    assert_eq!(status, 200, "{e}");
    let (status, r) = s
        .call(
            &ox,
            "post",
            &format!("/accounts/{lea}/reset-password"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (status, _) = s
        .call(
            &pa,
            "post",
            &format!("/partners/{a}/force-password-change"),
            None,
        )
        .await;
    assert_eq!(status, 403, "the fund's supervision");
    let (status, fpc) = s
        .call(
            &ox,
            "post",
            &format!("/partners/{a}/force-password-change"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(fpc["affected_accounts"].as_array().unwrap().len(), 3);
    // Operators list their fund's partners only.
    let (_, partners) = s.call(&ox, "get", "/partners", None).await;
    assert_eq!(partners["total"], 2);
    let (_, me) = s.call(&pa, "get", "/me", None).await;
    assert_eq!(me["roles"][0]["seat"], "principal");
    s.stop().await;
}

/// Benchmark (run with `--ignored --nocapture`): a principal pages through a partner of 5,000
/// accounts, 500 at a time. Figures in docs/delegation.md.
#[tokio::test]
#[ignore = "benchmark"]
async fn bench_listing_a_partner_of_5000_accounts() {
    let s = Server::start().await;
    let db = s.state.db.clone();
    let f = fixture(&db).await;
    let tx = db.begin_write().await.unwrap();
    for i in 0..5000 {
        let login =
            idp::account::login_id::LoginId::parse(&format!("79a69243.bulk{i:04}")).unwrap();
        let subject = idp::secret::random_hex(16);
        idp::store::account::insert(
            &tx,
            T0,
            &idp::store::account::AccountRow {
                subject: &subject,
                fund_id: f.x.fund.id,
                partner_id: Some(f.a.id),
                unit_id: None,
                login: &login,
                given_name: "Agent",
                family_name: "Bulk",
                email: None,
                created_by: None,
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let token = admin_token(&s.state, &f.principal_a).await;
    let start = std::time::Instant::now();
    let mut seen = 0;
    let mut offset = 0;
    loop {
        let (status, page) = s
            .call(
                &token,
                "get",
                &format!("/partners/{}/accounts?limit=500&offset={offset}", f.a.id),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let n = page["items"].as_array().unwrap().len();
        seen += n;
        offset += 500;
        if n < 500 {
            break;
        }
    }
    let all = start.elapsed();
    let start = std::time::Instant::now();
    let (_, page) = s
        .call(
            &token,
            "get",
            &format!("/partners/{}/accounts?limit=50&q=bulk4999", f.a.id),
            None,
        )
        .await;
    let one = start.elapsed();
    assert_eq!(page["total"], 1);
    assert_eq!(seen, 5002);
    println!(
        "listing 5,002 accounts in pages of 500: {:.0} ms in all; one filtered page: {:.0} ms",
        all.as_secs_f64() * 1000.0,
        one.as_secs_f64() * 1000.0
    );
    s.stop().await;
}
