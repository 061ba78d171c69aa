//! The authorisation rules as a table: actor role × operation × object → allowed or refused.

use super::*;

const FUND_X: i64 = 1;
const FUND_Y: i64 = 2;
const PARTNER_A: i64 = 10; // of fund X, delegated mode
const PARTNER_C: i64 = 11; // of fund X, centralised mode
const PARTNER_B: i64 = 20; // of fund Y
const CDAP: i64 = 100;
const QF: i64 = 101;
const T1: i64 = 1000;
const T2: i64 = 1001;
const T4: i64 = 1002;
const GROUP_ACCUEIL: i64 = 500;
const GROUP_OTHER: i64 = 501;
const UNIT_CRECHE: i64 = 700;
const UNIT_OTHER: i64 = 701;

fn at(partner: i64) -> At {
    match partner {
        PARTNER_A => At {
            fund_id: FUND_X,
            partner_id: PARTNER_A,
            centralised: false,
        },
        PARTNER_C => At {
            fund_id: FUND_X,
            partner_id: PARTNER_C,
            centralised: true,
        },
        _ => At {
            fund_id: FUND_Y,
            partner_id: PARTNER_B,
            centralised: false,
        },
    }
}

fn set(ids: &[i64]) -> Option<BTreeSet<i64>> {
    Some(ids.iter().copied().collect())
}

fn person(partner: Option<i64>, fund: i64, roles: Vec<Role>) -> Principal {
    Principal {
        actor: Actor::Account {
            id: 1,
            login: "someone".into(),
        },
        account_id: Some(1),
        fund_id: Some(fund),
        partner_id: partner,
        roles,
        installation: false,
    }
}

fn operator_x() -> Principal {
    person(None, FUND_X, vec![Role::FundOperator { fund_id: FUND_X }])
}

fn admin(partner: i64, seat: AdminKind) -> Principal {
    let fund_id = at(partner).fund_id;
    person(
        Some(partner),
        fund_id,
        vec![Role::Administrator {
            fund_id,
            partner_id: partner,
            seat,
        }],
    )
}

/// A manager of partner A for CDAP T1/T2, over group "accueil" and unit "crèche".
fn manager_a(may_delegate: bool) -> Principal {
    person(
        Some(PARTNER_A),
        FUND_X,
        vec![Role::DelegatedManager {
            fund_id: FUND_X,
            partner_id: PARTNER_A,
            scope: narrow_scope(),
            may_delegate,
        }],
    )
}

fn narrow_scope() -> Scope {
    Scope {
        services: set(&[CDAP]),
        roles: set(&[T1, T2]),
        groups: set(&[GROUP_ACCUEIL]),
        units: set(&[UNIT_CRECHE]),
    }
}

fn agent_a() -> Principal {
    person(Some(PARTNER_A), FUND_X, Vec::new())
}

fn in_unit(u: i64) -> Population {
    Population {
        unit: Some(u),
        groups: BTreeSet::new(),
    }
}

fn in_group(g: i64) -> Population {
    Population {
        unit: None,
        groups: BTreeSet::from([g]),
    }
}

fn grant(partner: i64, service: i64, role: i64, subject: Population) -> Operation {
    Operation::Grant {
        at: at(partner),
        service_id: service,
        role_id: role,
        subject,
    }
}

fn account(partner: i64, population: Population) -> Operation {
    Operation::ManageAccount {
        at: at(partner),
        population,
    }
}

fn appoint(partner: i64, scope: Scope) -> Operation {
    Operation::AppointManager {
        at: at(partner),
        scope,
        may_delegate: false,
    }
}

/// The expected outcome, as a short code.
fn outcome(r: &Result<(), Denied>) -> &'static str {
    match r {
        Ok(()) => "allowed",
        Err(Denied::NotFound) => "not_found",
        Err(Denied::Forbidden(_)) => "forbidden",
        Err(Denied::Centralised) => "centralised",
    }
}

#[test]
fn the_rules_as_a_table() {
    let principal = || admin(PARTNER_A, AdminKind::Principal);
    let deputy = || admin(PARTNER_A, AdminKind::Deputy);
    let admin_c = || admin(PARTNER_C, AdminKind::Principal);
    let anyone = || in_unit(UNIT_OTHER);
    let cases: Vec<(&str, Principal, Operation, &str)> = vec![
        // Fund operator: everything of their fund, nothing of another.
        (
            "operator views own fund",
            operator_x(),
            Operation::ViewFund { fund_id: FUND_X },
            "allowed",
        ),
        (
            "operator views other fund",
            operator_x(),
            Operation::ViewFund { fund_id: FUND_Y },
            "not_found",
        ),
        (
            "operator manages register",
            operator_x(),
            Operation::ManageRegister { fund_id: FUND_X },
            "allowed",
        ),
        (
            "operator manages other register",
            operator_x(),
            Operation::ManageRegister { fund_id: FUND_Y },
            "not_found",
        ),
        (
            "operator suspends partner",
            operator_x(),
            Operation::SupervisePartner { at: at(PARTNER_A) },
            "allowed",
        ),
        (
            "operator suspends other fund's partner",
            operator_x(),
            Operation::SupervisePartner { at: at(PARTNER_B) },
            "not_found",
        ),
        (
            "operator suspends account",
            operator_x(),
            Operation::SuperviseAccount { at: at(PARTNER_C) },
            "allowed",
        ),
        (
            "operator decides request",
            operator_x(),
            Operation::DecideRequest { at: at(PARTNER_C) },
            "allowed",
        ),
        (
            "operator decides other fund's request",
            operator_x(),
            Operation::DecideRequest { at: at(PARTNER_B) },
            "not_found",
        ),
        (
            "operator grants in delegated mode",
            operator_x(),
            grant(PARTNER_A, QF, T4, anyone()),
            "allowed",
        ),
        (
            "operator grants in centralised mode",
            operator_x(),
            grant(PARTNER_C, QF, T4, anyone()),
            "allowed",
        ),
        (
            "operator grants at other fund",
            operator_x(),
            grant(PARTNER_B, CDAP, T1, anyone()),
            "not_found",
        ),
        (
            "operator signs review",
            operator_x(),
            Operation::SignReview { at: at(PARTNER_A) },
            "forbidden",
        ),
        (
            "operator files request",
            operator_x(),
            Operation::FileRequest { at: at(PARTNER_C) },
            "forbidden",
        ),
        // Principal and deputy: full partner powers.
        (
            "principal views own partner",
            principal(),
            Operation::ViewPartner { at: at(PARTNER_A) },
            "allowed",
        ),
        (
            "principal views sibling partner",
            principal(),
            Operation::ViewPartner { at: at(PARTNER_C) },
            "not_found",
        ),
        (
            "principal views other fund's partner",
            principal(),
            Operation::ViewPartner { at: at(PARTNER_B) },
            "not_found",
        ),
        (
            "principal creates account",
            principal(),
            account(PARTNER_A, anyone()),
            "allowed",
        ),
        (
            "principal grants anything",
            principal(),
            grant(PARTNER_A, QF, T4, anyone()),
            "allowed",
        ),
        (
            "principal grants at other partner",
            principal(),
            grant(PARTNER_B, CDAP, T1, anyone()),
            "not_found",
        ),
        (
            "principal manages groups",
            principal(),
            Operation::ManageGroup {
                at: at(PARTNER_A),
                group: None,
                member: None,
            },
            "allowed",
        ),
        (
            "principal appoints any manager",
            principal(),
            appoint(PARTNER_A, Scope::default()),
            "allowed",
        ),
        (
            "principal signs review",
            principal(),
            Operation::SignReview { at: at(PARTNER_A) },
            "allowed",
        ),
        (
            "principal files request",
            principal(),
            Operation::FileRequest { at: at(PARTNER_A) },
            "allowed",
        ),
        (
            "principal may not supervise",
            principal(),
            Operation::SupervisePartner { at: at(PARTNER_A) },
            "forbidden",
        ),
        (
            "principal may not suspend accounts",
            principal(),
            Operation::SuperviseAccount { at: at(PARTNER_A) },
            "forbidden",
        ),
        (
            "principal may not decide requests",
            principal(),
            Operation::DecideRequest { at: at(PARTNER_A) },
            "forbidden",
        ),
        (
            "principal may not view the fund",
            principal(),
            Operation::ViewFund { fund_id: FUND_X },
            "not_found",
        ),
        (
            "deputy grants",
            deputy(),
            grant(PARTNER_A, CDAP, T4, anyone()),
            "allowed",
        ),
        (
            "deputy appoints",
            deputy(),
            appoint(PARTNER_A, narrow_scope()),
            "allowed",
        ),
        (
            "deputy does not sign review",
            deputy(),
            Operation::SignReview { at: at(PARTNER_A) },
            "forbidden",
        ),
        // Centralised mode: requests instead of changes.
        (
            "centralised admin views",
            admin_c(),
            Operation::ViewPartner { at: at(PARTNER_C) },
            "allowed",
        ),
        (
            "centralised admin cannot create accounts",
            admin_c(),
            account(PARTNER_C, anyone()),
            "centralised",
        ),
        (
            "centralised admin cannot grant",
            admin_c(),
            grant(PARTNER_C, CDAP, T1, anyone()),
            "centralised",
        ),
        (
            "centralised admin cannot change groups",
            admin_c(),
            Operation::ManageGroup {
                at: at(PARTNER_C),
                group: Some(GROUP_OTHER),
                member: None,
            },
            "centralised",
        ),
        (
            "centralised admin files requests",
            admin_c(),
            Operation::FileRequest { at: at(PARTNER_C) },
            "allowed",
        ),
        (
            "centralised admin signs review",
            admin_c(),
            Operation::SignReview { at: at(PARTNER_C) },
            "allowed",
        ),
        // Delegated manager: only inside the scope.
        (
            "manager grants T1 of CDAP in group",
            manager_a(false),
            grant(PARTNER_A, CDAP, T1, in_group(GROUP_ACCUEIL)),
            "allowed",
        ),
        (
            "manager grants to an account of the unit",
            manager_a(false),
            grant(PARTNER_A, CDAP, T2, in_unit(UNIT_CRECHE)),
            "allowed",
        ),
        (
            "manager grants a role outside scope",
            manager_a(false),
            grant(PARTNER_A, CDAP, T4, in_unit(UNIT_CRECHE)),
            "forbidden",
        ),
        (
            "manager grants a service outside scope",
            manager_a(false),
            grant(PARTNER_A, QF, T1, in_unit(UNIT_CRECHE)),
            "forbidden",
        ),
        (
            "manager grants outside population",
            manager_a(false),
            grant(PARTNER_A, CDAP, T1, in_unit(UNIT_OTHER)),
            "forbidden",
        ),
        (
            "manager grants to a group outside",
            manager_a(false),
            grant(PARTNER_A, CDAP, T1, in_group(GROUP_OTHER)),
            "forbidden",
        ),
        (
            "manager at another partner",
            manager_a(false),
            grant(PARTNER_B, CDAP, T1, in_unit(UNIT_CRECHE)),
            "not_found",
        ),
        (
            "manager creates account in unit",
            manager_a(false),
            account(PARTNER_A, in_unit(UNIT_CRECHE)),
            "allowed",
        ),
        (
            "manager creates account elsewhere",
            manager_a(false),
            account(PARTNER_A, in_unit(UNIT_OTHER)),
            "forbidden",
        ),
        (
            "manager adds member to own group",
            manager_a(false),
            Operation::ManageGroup {
                at: at(PARTNER_A),
                group: Some(GROUP_ACCUEIL),
                member: Some(in_unit(UNIT_CRECHE)),
            },
            "allowed",
        ),
        (
            "manager adds outsider to own group",
            manager_a(false),
            Operation::ManageGroup {
                at: at(PARTNER_A),
                group: Some(GROUP_ACCUEIL),
                member: Some(in_unit(UNIT_OTHER)),
            },
            "forbidden",
        ),
        (
            "manager creates a group (restricted to groups)",
            manager_a(false),
            Operation::ManageGroup {
                at: at(PARTNER_A),
                group: None,
                member: None,
            },
            "forbidden",
        ),
        (
            "manager without may_delegate appoints",
            manager_a(false),
            appoint(PARTNER_A, narrow_scope()),
            "forbidden",
        ),
        (
            "manager delegates a subset",
            manager_a(true),
            appoint(
                PARTNER_A,
                Scope {
                    roles: set(&[T1]),
                    units: None,
                    ..narrow_scope()
                },
            ),
            "allowed",
        ),
        (
            "manager delegates the same scope",
            manager_a(true),
            appoint(PARTNER_A, narrow_scope()),
            "allowed",
        ),
        (
            "manager delegates a wider role set",
            manager_a(true),
            appoint(
                PARTNER_A,
                Scope {
                    roles: set(&[T1, T4]),
                    ..narrow_scope()
                },
            ),
            "forbidden",
        ),
        (
            "manager delegates every service",
            manager_a(true),
            appoint(
                PARTNER_A,
                Scope {
                    services: None,
                    ..narrow_scope()
                },
            ),
            "forbidden",
        ),
        (
            "manager delegates the whole partner",
            manager_a(true),
            appoint(
                PARTNER_A,
                Scope {
                    groups: None,
                    units: None,
                    ..narrow_scope()
                },
            ),
            "forbidden",
        ),
        (
            "manager delegates another unit",
            manager_a(true),
            appoint(
                PARTNER_A,
                Scope {
                    units: set(&[UNIT_OTHER]),
                    ..narrow_scope()
                },
            ),
            "forbidden",
        ),
        (
            "manager signs review",
            manager_a(true),
            Operation::SignReview { at: at(PARTNER_A) },
            "forbidden",
        ),
        (
            "manager supervises",
            manager_a(true),
            Operation::SuperviseAccount { at: at(PARTNER_A) },
            "forbidden",
        ),
        (
            "manager files request",
            manager_a(false),
            Operation::FileRequest { at: at(PARTNER_A) },
            "allowed",
        ),
        // Agent: nothing.
        (
            "agent views own partner",
            agent_a(),
            Operation::ViewPartner { at: at(PARTNER_A) },
            "forbidden",
        ),
        (
            "agent grants",
            agent_a(),
            grant(PARTNER_A, CDAP, T1, anyone()),
            "forbidden",
        ),
        (
            "agent creates account",
            agent_a(),
            account(PARTNER_A, anyone()),
            "forbidden",
        ),
        (
            "agent at another partner",
            agent_a(),
            Operation::ViewPartner { at: at(PARTNER_B) },
            "not_found",
        ),
        (
            "agent views fund",
            agent_a(),
            Operation::ViewFund { fund_id: FUND_X },
            "not_found",
        ),
        // The installation administrator at the server's command line.
        (
            "installation",
            Principal::installation(Actor::cli()),
            Operation::DecideRequest { at: at(PARTNER_B) },
            "allowed",
        ),
    ];
    let mut failures = Vec::new();
    for (name, who, op, expected) in &cases {
        let got = outcome(&decide(who, op));
        if got != *expected {
            failures.push(format!("{name}: expected {expected}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases.len() >= 60);
}

#[test]
fn several_roles_combine_and_the_most_telling_refusal_wins() {
    // Principal at A and manager at C: A's powers, C's scope.
    let both = person(
        Some(PARTNER_A),
        FUND_X,
        vec![
            Role::Administrator {
                fund_id: FUND_X,
                partner_id: PARTNER_A,
                seat: AdminKind::Deputy,
            },
            Role::DelegatedManager {
                fund_id: FUND_X,
                partner_id: PARTNER_C,
                scope: Scope::default(),
                may_delegate: false,
            },
        ],
    );
    assert_eq!(
        decide(&both, &grant(PARTNER_A, QF, T4, in_unit(UNIT_OTHER))),
        Ok(())
    );
    assert_eq!(
        decide(&both, &grant(PARTNER_C, QF, T4, in_unit(UNIT_OTHER))),
        Err(Denied::Centralised)
    );
    assert_eq!(
        decide(&both, &grant(PARTNER_B, QF, T4, in_unit(UNIT_OTHER))),
        Err(Denied::NotFound)
    );
    assert!(both.sees_partner(FUND_X, PARTNER_C));
    assert!(!both.sees_partner(FUND_Y, PARTNER_B));
}

#[test]
fn scopes_nest() {
    let outer = narrow_scope();
    assert!(outer.is_subset_of(&Scope::default()));
    assert!(!Scope::default().is_subset_of(&outer));
    let only_group = Scope {
        units: None,
        ..outer.clone()
    };
    assert!(only_group.is_subset_of(&outer));
    assert!(outer.covers(&in_group(GROUP_ACCUEIL)));
    assert!(outer.covers(&in_unit(UNIT_CRECHE)));
    assert!(!outer.covers(&in_unit(UNIT_OTHER)));
    assert!(Scope::default().covers(&in_unit(UNIT_OTHER)));
    // An empty list restricts to nothing.
    let nothing = Scope {
        groups: set(&[]),
        units: None,
        ..outer.clone()
    };
    assert!(!nothing.covers(&in_group(GROUP_ACCUEIL)));
    assert!(nothing.is_subset_of(&outer));
}

#[test]
fn refusals_speak_french_and_english_with_stable_codes() {
    assert_eq!(Denied::Centralised.code(), "authz.centralised");
    assert_eq!(Denied::Centralised.kind(), ErrorKind::Forbidden);
    assert!(Denied::Centralised.message_fr().contains("demande d'accès"));
    assert!(Denied::Centralised.to_string().contains("access request"));
    assert_eq!(Denied::NotFound.kind(), ErrorKind::NotFound);
    assert_eq!(Denied::Forbidden("x").code(), "authz.forbidden");
}

#[test]
fn the_reverse_review_rules() {
    let principal = admin(PARTNER_A, AdminKind::Principal);
    let deputy = admin(PARTNER_A, AdminKind::Deputy);
    let admin_c = admin(PARTNER_C, AdminKind::Principal);
    let manager = manager_a(true);
    let agent = person(Some(PARTNER_A), FUND_X, Vec::new());
    let operator = operator_x();
    let prepare = |p| Operation::PrepareReview { at: at(p) };
    let trace = |p| Operation::ViewTrace { at: at(p) };
    let run = |f| Operation::RunCampaign { fund_id: f };
    let cases: Vec<(&str, &Principal, Operation, &str)> = vec![
        (
            "principal prepares",
            &principal,
            prepare(PARTNER_A),
            "allowed",
        ),
        ("deputy prepares", &deputy, prepare(PARTNER_A), "allowed"),
        // Withdrawing is what the review is for, whatever the mode (contract art. 2.2.2).
        (
            "centralised principal prepares",
            &admin_c,
            prepare(PARTNER_C),
            "allowed",
        ),
        (
            "manager does not prepare",
            &manager,
            prepare(PARTNER_A),
            "forbidden",
        ),
        (
            "agent does not prepare",
            &agent,
            prepare(PARTNER_A),
            "forbidden",
        ),
        (
            "operator does not prepare",
            &operator,
            prepare(PARTNER_A),
            "forbidden",
        ),
        (
            "principal of A, review of B",
            &principal,
            prepare(PARTNER_B),
            "not_found",
        ),
        (
            "operator of X, review of B",
            &operator,
            prepare(PARTNER_B),
            "not_found",
        ),
        (
            "operator runs own campaign",
            &operator,
            run(FUND_X),
            "allowed",
        ),
        (
            "operator runs other fund's",
            &operator,
            run(FUND_Y),
            "not_found",
        ),
        (
            "principal runs no campaign",
            &principal,
            run(FUND_X),
            "not_found",
        ),
        (
            "principal reads partner trace",
            &principal,
            trace(PARTNER_A),
            "allowed",
        ),
        (
            "deputy reads partner trace",
            &deputy,
            trace(PARTNER_A),
            "allowed",
        ),
        (
            "operator reads partner trace",
            &operator,
            trace(PARTNER_A),
            "allowed",
        ),
        (
            "manager reads no trace",
            &manager,
            trace(PARTNER_A),
            "forbidden",
        ),
        (
            "agent reads no trace",
            &agent,
            trace(PARTNER_A),
            "forbidden",
        ),
        (
            "principal of A, trace of B",
            &principal,
            trace(PARTNER_B),
            "not_found",
        ),
        (
            "operator of X, trace of B",
            &operator,
            trace(PARTNER_B),
            "not_found",
        ),
    ];
    let mut failures = Vec::new();
    for (name, who, op, expected) in &cases {
        let got = outcome(&decide(who, op));
        if got != *expected {
            failures.push(format!("{name}: expected {expected}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
