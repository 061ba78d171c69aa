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
        match body {
            // A string body is a CSV file.
            Some(Value::String(csv)) => req = req.header("content-type", "text/csv").body(csv),
            Some(b) => req = req.json(&b),
            None => {}
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

/// An access token Habilis would issue to `account` with `scope` (RFC 9068): a first-party
/// client, a live session reached with a second factor, signed by the server's current key, for
/// the admin API audience.
async fn token_with(state: &AppState, account: &Account, scope: &str, jti: &str) -> String {
    token_at_level(state, account, scope, jti, &state.config.oidc.acr_mfa).await
}

/// As [`token_with`], from a session at the `acr` level given.
async fn token_at_level(
    state: &AppState,
    account: &Account,
    scope: &str,
    jti: &str,
    acr: &str,
) -> String {
    let (console, _) = idp::oidc::client::create(
        &state.db,
        T0,
        &cli(),
        idp::oidc::client::Owner::FirstParty,
        state.config.oidc.default_signing_alg,
        idp::oidc::client::NewClient {
            name: "Console".into(),
            public: false,
            redirect_uris: vec![
                idp::oidc::client::RedirectUri::parse("https://console.example/cb").unwrap(),
            ],
            post_logout_redirect_uris: vec![],
            backchannel_logout_uri: None,
            signing_alg: None,
            consent_required: false,
            client_credentials: false,
            auth: None,
            jwks: None,
            require_par: false,
            pairwise_sector: None,
            userinfo_signed: false,
        },
    )
    .await
    .unwrap();
    let sessions = idp::oidc::session::Sessions::new(state.config.session.clone());
    let (_, session) = sessions
        .start(
            &state.db,
            T0,
            account.id,
            idp::oidc::grant::Authentication {
                auth_time: T0,
                acr: acr.to_owned(),
                amr: vec!["pwd".into(), "otp".into(), "mfa".into()],
            },
        )
        .await
        .unwrap();
    let console_id = console.client_id.to_string();
    let keys = state.keys.get(&state.db, T0).await.unwrap();
    let iss = idp::oidc::token::issuer(&state.config);
    let mut claims = Claims::new(
        &iss,
        &account.subject,
        &console_id,
        T0,
        Duration::minutes(10),
    )
    .with("jti", jti)
    .with("client_id", console_id.clone())
    .with("scope", scope)
    .with("sid", session.id.clone());
    claims.aud = Audience::Many(vec![
        console_id,
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
    b_campaign: i64,
    b_review: i64,
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
    // Fund Y's reverse-review campaign: B's review is one more object A and X must not reach.
    let opened = idp::review::campaign::open(
        db,
        T0,
        &cli(),
        &y.fund,
        &idp::review::campaign::NewCampaign {
            year: 2026,
            title: "Revue 86".into(),
            due_on: date!(2026 - 12 - 31),
            partners: None,
        },
    )
    .await
    .unwrap();
    Fixture {
        b_campaign: opened.campaign.id,
        b_review: opened.reviews[0].id,
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
        ("get", "/accounts/{account}") => (format!("/accounts/{}", f.agent_b.id), None),
        ("patch", "/accounts/{account}") => (
            format!("/accounts/{}", f.agent_b.id),
            Some(json!({ "given_name": "Pris" })),
        ),
        ("delete", "/groups/{group}/members/{account}") => (
            format!("/groups/{}/members/{}", f.b_group, f.agent_b.id),
            None,
        ),
        ("patch", "/habilitations/{habilitation}") => (
            format!("/habilitations/{}", f.b_habilitation),
            Some(json!({ "valid_until": "2026-12-01", "reason": "x" })),
        ),
        ("post", "/accounts/{account}/unlock") => {
            (format!("/accounts/{}/unlock", f.agent_b.id), None)
        }
        ("post", "/accounts/{account}/reset-second-factor") => (
            format!("/accounts/{}/reset-second-factor", f.agent_b.id),
            None,
        ),
        ("post", "/funds/{fund}/partners") => (
            format!("/funds/{}/partners", f.b.fund_id),
            Some(json!({ "third_party_number": "86Z00009", "name": "Intrus", "kind": "commune" })),
        ),
        ("post", "/funds/{fund}/partners/import") => (
            format!("/funds/{}/partners/import", f.b.fund_id),
            Some(Value::String(
                "third_party_number;name;kind\n86B00001;Pris;commune\n".into(),
            )),
        ),
        ("get", "/partners/{partner}/units") => (format!("/partners/{p}/units"), None),
        ("post", "/partners/{partner}/units") => (
            format!("/partners/{p}/units"),
            Some(json!({ "code": "u1", "name": "Unité" })),
        ),
        ("post", "/partners/{partner}/conventions") => (
            format!("/partners/{p}/conventions"),
            Some(
                json!({ "number": "86-2099-01", "effective_from": "2026-01-01",
                         "territory": "86", "mission": "x" }),
            ),
        ),
        ("get", "/conventions/{convention}") => (format!("/conventions/{}", f.b_convention), None),
        ("post", "/conventions/{convention}/activate") => {
            (format!("/conventions/{}/activate", f.b_convention), reason)
        }
        ("post", "/conventions/{convention}/suspend") => {
            (format!("/conventions/{}/suspend", f.b_convention), reason)
        }
        ("post", "/conventions/{convention}/reactivate") => (
            format!("/conventions/{}/reactivate", f.b_convention),
            reason,
        ),
        ("post", "/conventions/{convention}/terminate") => {
            (format!("/conventions/{}/terminate", f.b_convention), reason)
        }
        ("get", "/conventions/{convention}/subscriptions") => (
            format!("/conventions/{}/subscriptions", f.b_convention),
            None,
        ),
        ("get", "/funds/{fund}/campaigns") => (format!("/funds/{}/campaigns", f.b.fund_id), None),
        ("post", "/funds/{fund}/campaigns") => (
            format!("/funds/{}/campaigns", f.b.fund_id),
            Some(json!({ "year": 2027, "title": "Intrus", "due_on": "2027-12-31" })),
        ),
        ("get", "/campaigns/{campaign}") => (format!("/campaigns/{}", f.b_campaign), None),
        ("get", "/partners/{partner}/reviews") => (format!("/partners/{p}/reviews"), None),
        ("get", "/reviews/{review}") => (format!("/reviews/{}", f.b_review), None),
        ("get", "/reviews/{review}/lines") => (format!("/reviews/{}/lines", f.b_review), None),
        ("post", "/reviews/{review}/decisions") => (
            format!("/reviews/{}/decisions", f.b_review),
            Some(json!({ "decision": "withdraw", "reason": "x" })),
        ),
        ("post", "/reviews/{review}/attestation") => (
            format!("/reviews/{}/attestation", f.b_review),
            Some(json!({ "signer_name": "Intrus" })),
        ),
        ("get", "/reviews/{review}/export") => {
            (format!("/reviews/{}/export?format=json", f.b_review), None)
        }
        ("get", "/partners/{partner}/traces") => (format!("/partners/{p}/traces?format=csv"), None),
        ("get", "/funds/{fund}/traces") => (format!("/funds/{}/traces", f.b.fund_id), None),
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
    // Nothing of B changed: still active, the request pending, the habilitation in force, its
    // review untouched.
    let counts = idp::store::review::counts(&db, f.b_review).await.unwrap();
    assert_eq!((counts.kept, counts.withdrawn), (0, 0));
    let b = idp::store::partner::by_id(&db, f.b.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.status, partner::PartnerStatus::Active);
    assert_eq!(b.name, "Partenaire 86B00001");
    let bc = idp::store::convention::by_id(&db, f.b_convention)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bc.status.as_str(), "active");
    assert!(
        idp::store::partner::units_of(&db, f.b.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        idp::store::partner::of_fund(&db, f.b.fund_id)
            .await
            .unwrap()
            .len(),
        1
    );
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
    // An administrator must have logged in with a second factor (the fund's default policy),
    // whatever the login pages did.
    let acr = s.state.config.oidc.acr_password.clone();
    let weak = token_at_level(&s.state, &f.principal_a, "openid admin", "jti-w", &acr).await;
    let (status, body) = s.call(&weak, "get", &path, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("authz.mfa_required"))
    );
    // A token whose session ended (logout, time-out, cascade) acts no more.
    let t = admin_token(&s.state, &f.principal_a).await;
    assert_eq!(s.call(&t, "get", &path, None).await.0, 200);
    let sessions = idp::oidc::session::Sessions::new(s.state.config.session.clone());
    sessions
        .end_all_of_account(&db, T0, &cli(), f.principal_a.id)
        .await
        .unwrap();
    assert_eq!(s.call(&t, "get", &path, None).await.0, 401);
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
    // The suspension ended every session under the partner, the principal's too.
    let (status, _) = s.call(&pa, "get", "/me", None).await;
    assert_eq!(status, 401, "the principal's token died with its session");
    let pa = admin_token(&s.state, &f.principal_a).await;
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
    // Forcing the change ended the partner's sessions, the principal's too: log in again.
    let pa = admin_token(&s.state, &f.principal_a).await;
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
    let start = std::time::Instant::now();
    let (_, first) = s
        .call(
            &token,
            "get",
            &format!("/partners/{}/accounts?limit=50&offset=2500", f.a.id),
            None,
        )
        .await;
    let fifty = start.elapsed();
    assert_eq!(
        (
            first["total"].as_u64(),
            first["items"].as_array().unwrap().len()
        ),
        (Some(5002), 50)
    );
    assert_eq!(seen, 5002);
    println!(
        "listing 5,002 accounts in pages of 500: {:.0} ms in all; one filtered page: {:.0} ms; \
         one page of 50 at offset 2,500: {:.0} ms",
        all.as_secs_f64() * 1000.0,
        one.as_secs_f64() * 1000.0,
        fifty.as_secs_f64() * 1000.0
    );
    s.stop().await;
}

/// The fund operator's register through the API (issue #5 point 2): partners created and
/// imported, units, conventions created, shown with their term, through their lifecycle, and
/// quotas that cannot go below their use.
#[tokio::test]
async fn the_fund_operator_keeps_the_register() {
    let s = Server::start().await;
    let db = s.state.db.clone();
    let f = fixture(&db).await;
    let ox = admin_token(&s.state, &f.operator_x).await;
    let pa = admin_token(&s.state, &f.principal_a).await;
    let fx = f.x.fund.id;

    // A partner created, then a duplicate refused.
    let body = json!({ "third_party_number": "79N00001", "name": "Mairie de Niort",
                       "kind": "commune", "email": "accueil@niort.example.fr" });
    let (status, p) = s
        .call(
            &ox,
            "post",
            &format!("/funds/{fx}/partners"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["name"], "Mairie de Niort");
    let np = p["id"].as_i64().unwrap();
    let (status, dup) = s
        .call(&ox, "post", &format!("/funds/{fx}/partners"), Some(body))
        .await;
    assert_eq!(status, 409, "{dup}");
    // A partner administrator may not change the register (the rules answer as for a fund
    // that is not theirs to manage).
    let (status, _) = s
        .call(
            &pa,
            "post",
            &format!("/funds/{fx}/partners"),
            Some(json!({ "third_party_number": "79N00002", "name": "X", "kind": "commune" })),
        )
        .await;
    assert!(status == 403 || status == 404, "{status}");

    // CSV import: one new, one updated; a bad line refuses the whole file.
    let csv = "numero_tiers;nom;type;siret\n79N00001;Ville de Niort;commune;\n79N00003;Crèche Les Lutins;childcare_structure;\n";
    let (status, report) = s
        .call(
            &ox,
            "post",
            &format!("/funds/{fx}/partners/import"),
            Some(Value::String(csv.into())),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["import"]["created"], 1);
    assert_eq!(report["import"]["updated"], 1);
    let bad = "numero_tiers;nom;type\n79N00004;Bon;commune\n79N00005;Mauvais;volcan\n";
    let (status, refused) = s
        .call(
            &ox,
            "post",
            &format!("/funds/{fx}/partners/import"),
            Some(Value::String(bad.into())),
        )
        .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"], "partner.csv_invalid");
    let (_, partners) = s.call(&ox, "get", "/partners?limit=500", None).await;
    assert_eq!(partners["total"], 4, "{partners}");

    // Units.
    let (status, u) = s
        .call(
            &ox,
            "post",
            &format!("/partners/{np}/units"),
            Some(json!({ "code": "creche-nord", "name": "Crèche Nord" })),
        )
        .await;
    assert_eq!(status, 200, "{u}");
    let (status, _) = s
        .call(
            &ox,
            "post",
            &format!("/partners/{np}/units"),
            Some(json!({ "code": "creche-nord", "name": "Encore" })),
        )
        .await;
    assert_eq!(status, 409);
    let (_, units) = s
        .call(&ox, "get", &format!("/partners/{np}/units"), None)
        .await;
    assert_eq!(units["units"][0]["code"], "creche-nord");

    // A convention: territory outside the fund refused; created as a draft, then shown with
    // its yearly tacit renewal and 3-month notice (T0 = 2026-11-30).
    let conv = |territory: &str| {
        json!({ "number": "79-2025-07", "effective_from": "2025-03-15", "signed_on": "2025-03-10",
                "territory": territory, "mission": "Accueil des familles" })
    };
    let (status, e) = s
        .call(
            &ox,
            "post",
            &format!("/partners/{np}/conventions"),
            Some(conv("86")),
        )
        .await;
    assert_eq!(status, 400, "{e}");
    let (status, c) = s
        .call(
            &ox,
            "post",
            &format!("/partners/{np}/conventions"),
            Some(conv("79")),
        )
        .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["convention"]["status"], "draft");
    let cid = c["convention"]["id"].as_i64().unwrap();
    let (_, shown) = s
        .call(&ox, "get", &format!("/conventions/{cid}"), None)
        .await;
    assert_eq!(shown["term"]["next_renewal"], "2027-03-15", "{shown}");
    assert_eq!(shown["term"]["notice_deadline"], "2026-12-15");
    assert_eq!(shown["term"]["notice_deadline_passed"], false);
    assert_eq!(shown["term"]["tacit_renewal"], true);
    let (status, _) = s
        .call(
            &ox,
            "post",
            &format!("/conventions/{cid}/suspend"),
            Some(json!({ "reason": "x" })),
        )
        .await;
    assert_eq!(status, 409, "a draft cannot be suspended");
    let (status, act) = s
        .call(&ox, "post", &format!("/conventions/{cid}/activate"), None)
        .await;
    assert_eq!(
        (status, act["convention"]["status"].as_str()),
        (200, Some("active"))
    );

    // Subscriptions: opened with quotas, listed.
    let (status, sub) = s
        .call(
            &ox,
            "put",
            &format!("/conventions/{cid}/subscriptions/cdap"),
            Some(json!({ "quotas": { "T1": 2, "T2": 5 } })),
        )
        .await;
    assert_eq!(status, 200, "{sub}");
    let (_, subs) = s
        .call(
            &ox,
            "get",
            &format!("/conventions/{cid}/subscriptions"),
            None,
        )
        .await;
    assert_eq!(subs["subscriptions"][0]["service"], "cdap");
    assert_eq!(
        subs["subscriptions"][0]["subscription"]["quotas"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Partner A's convention: two holders of T1, then lowering T1 to 1 answers 409 with them.
    let (_, convs) = s
        .call(
            &ox,
            "get",
            &format!("/partners/{}/conventions", f.a.id),
            None,
        )
        .await;
    let ca = convs["items"][0]["id"].as_i64().unwrap();
    for who in [&f.principal_a, &f.agent_a] {
        let (status, g) = s
            .call(
                &pa,
                "post",
                &format!("/partners/{}/habilitations", f.a.id),
                Some(
                    json!({ "convention": "79-2017-19", "service": "cdap", "role": "T1",
                             "account": who.login.to_string(), "reason": "instruction" }),
                ),
            )
            .await;
        assert_eq!(status, 200, "{g}");
    }
    // The role filter is applied by the database, like the paging.
    let (_, holders) = s
        .call(
            &pa,
            "get",
            &format!("/partners/{}/accounts?role=t1&limit=1", f.a.id),
            None,
        )
        .await;
    assert_eq!(
        (
            holders["total"].as_u64(),
            holders["items"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    let (_, t1) = s
        .call(
            &pa,
            "get",
            &format!("/partners/{}/habilitations?role=T1&status=active", f.a.id),
            None,
        )
        .await;
    assert_eq!(t1["total"], 2);
    let (status, e) = s
        .call(
            &ox,
            "put",
            &format!("/conventions/{ca}/subscriptions/cdap"),
            Some(json!({ "quotas": { "T1": 1 } })),
        )
        .await;
    assert_eq!(
        (status, e["error"].as_str()),
        (409, Some("quota.below_use"))
    );
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains(f.principal_a.login.as_str()) && msg.contains(f.agent_a.login.as_str()),
        "{msg}"
    );

    // Suspension pauses (the grants stay), reactivation restores, termination withdraws.
    let (status, _) = s
        .call(
            &ox,
            "post",
            &format!("/conventions/{ca}/suspend"),
            Some(json!({ "reason": "" })),
        )
        .await;
    assert_eq!(status, 400, "a reason is required");
    let (status, out) = s
        .call(
            &ox,
            "post",
            &format!("/conventions/{ca}/suspend"),
            Some(json!({ "reason": "audit" })),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["convention"]["status"], "suspended");
    assert_eq!(out["affected_accounts"], 2);
    // The suspension ended the sessions of the holders; the principal logs in again.
    let pa = admin_token(&s.state, &f.principal_a).await;
    let (_, habs) = s
        .call(
            &pa,
            "get",
            &format!("/partners/{}/habilitations?status=active", f.a.id),
            None,
        )
        .await;
    assert_eq!(habs["total"], 2);
    let (status, _) = s
        .call(&ox, "post", &format!("/conventions/{ca}/reactivate"), None)
        .await;
    assert_eq!(status, 200);
    let (status, out) = s
        .call(
            &ox,
            "post",
            &format!("/conventions/{ca}/terminate"),
            Some(json!({ "reason": "fin" })),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["withdrawn_habilitations"], 2);
    let pa = admin_token(&s.state, &f.principal_a).await;
    let (_, habs) = s
        .call(
            &pa,
            "get",
            &format!("/partners/{}/habilitations?status=active", f.a.id),
            None,
        )
        .await;
    assert_eq!(habs["total"], 0);
    // A partner administrator reads its convention but cannot change it.
    let (status, _) = s
        .call(&pa, "get", &format!("/conventions/{ca}"), None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .call(&pa, "post", &format!("/conventions/{ca}/reactivate"), None)
        .await;
    assert!(status == 403 || status == 404, "{status}");
    s.stop().await;
}

/// Unlocking an account and resetting its second factor (partner administrators and the
/// fund): the failures are forgotten; the TOTP and recovery codes go and the sessions end.
#[tokio::test]
async fn unlock_and_reset_the_second_factor() {
    let s = Server::start().await;
    let db = s.state.db.clone();
    let f = fixture(&db).await;
    let pa = admin_token(&s.state, &f.principal_a).await;
    let ox = admin_token(&s.state, &f.operator_x).await;
    let agent = f.agent_a.id;
    let throttle = &s.state.creds.throttle;
    let tx = db.begin_write().await.unwrap();
    for _ in 0..3 {
        throttle.record_failure(&tx, agent, T0).await.unwrap();
    }
    idp::store::credential::put_totp(&tx, T0, agent, "sealed-secret")
        .await
        .unwrap();
    idp::store::credential::replace_recovery_codes(&tx, agent, &["h1".into(), "h2".into()])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(throttle.counter(&db, agent).await.unwrap().failures, 3);

    let (status, body) = s
        .call(&pa, "post", &format!("/accounts/{agent}/unlock"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(throttle.counter(&db, agent).await.unwrap().failures, 0);

    let (status, body) = s
        .call(
            &ox,
            "post",
            &format!("/accounts/{agent}/reset-second-factor"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["affected_accounts"], json!([agent]));
    assert!(
        idp::store::credential::totp_of(&db, agent)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        idp::store::credential::recovery_codes_left(&db, agent)
            .await
            .unwrap(),
        0
    );
    // An agent is no administrator.
    let agent_token = admin_token(&s.state, &f.agent_a).await;
    let (status, _) = s
        .call(
            &agent_token,
            "post",
            &format!("/accounts/{}/unlock", f.principal_a.id),
            None,
        )
        .await;
    assert_eq!(status, 403);
    s.stop().await;
}

#[tokio::test]
async fn accounts_are_edited_members_removed_and_end_dates_moved() {
    let s = Server::start().await;
    let db = s.state.db.clone();
    let f = fixture(&db).await;
    let pb = admin_token(&s.state, &f.principal_b).await;
    let a = f.agent_b.id;
    let (status, body) = s.call(&pb, "get", &format!("/accounts/{a}"), None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["login"], f.agent_b.login.to_string());

    let (status, body) = s
        .call(
            &pb,
            "patch",
            &format!("/accounts/{a}"),
            Some(json!({ "given_name": "Zoé-Anne", "email": "zoe.bernard@example.fr" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["given_name"], "Zoé-Anne");
    assert_eq!(body["account"]["email"], "zoe.bernard@example.fr");
    assert_eq!(
        body["account"]["login"],
        f.agent_b.login.to_string(),
        "the login stays"
    );
    let (status, body) = s
        .call(
            &pb,
            "patch",
            &format!("/accounts/{a}"),
            Some(json!({ "family_name": " " })),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "account.name_invalid");
    let updates: Vec<String> = idp::store::audit::page(&db, 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "account.update")
        .map(|e| e.details)
        .collect();
    assert_eq!(updates.len(), 1);
    assert!(updates[0].contains("\"before\"") && updates[0].contains("Zoé-Anne"));

    let h = f.b_habilitation;
    let (status, body) = s
        .call(
            &pb,
            "patch",
            &format!("/habilitations/{h}"),
            Some(json!({ "valid_until": "2031-01-31", "reason": "fin de mission" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["habilitation"]["id"], h);
    let (status, _) = s
        .call(
            &pb,
            "patch",
            &format!("/habilitations/{h}"),
            Some(json!({ "valid_until": "2031-01-31", "reason": " " })),
        )
        .await;
    assert_eq!(status, 400, "a reason is required");

    let g = f.b_group;
    let (status, body) = s
        .call(
            &pb,
            "post",
            &format!("/groups/{g}/members"),
            Some(json!({ "login": f.agent_b.login.to_string() })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = s
        .call(&pb, "delete", &format!("/groups/{g}/members/{a}"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = s
        .call(&pb, "delete", &format!("/groups/{g}/members/{a}"), None)
        .await;
    assert_ne!(status, 200, "no longer a member");
}

mod review;

/// The database unreachable: the admin API answers 503 with `Retry-After` (retry later), never a
/// 500 that would read as a defect of the request or of Habilis.
#[tokio::test]
async fn the_database_unreachable_is_503() {
    let s = Server::start().await;
    let db = s.state.db.clone();
    let f = fixture(&db).await;
    let t = admin_token(&s.state, &f.principal_a).await;
    let path = format!("/partners/{}", f.a.id);
    assert_eq!(s.call(&t, "get", &path, None).await.0, 200);
    db.clone().close().await.unwrap();
    for (method, path) in [
        ("get", path.clone()),
        ("get", format!("/partners/{}/accounts", f.a.id)),
        ("get", format!("/partners/{}/traces", f.a.id)),
        ("get", format!("/reviews/{}", f.b_review)),
    ] {
        let (status, body) = s.call(&t, method, &path, None).await;
        assert_eq!(status, 503, "{method} {path}: {body}");
        assert_eq!(body["error"], "unavailable", "{method} {path}");
    }
}
