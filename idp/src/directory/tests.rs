use time::macros::date;

use super::*;

fn snapshot() -> Snapshot {
    let t79 = Territory::parse_list("79").unwrap();
    let mut s = Snapshot {
        funds: vec![(1, "caf-79".into(), "Caf des Deux-Sèvres".into())],
        partners: vec![PartnerRow {
            id: 10,
            fund_id: 1,
            third_party_number: "79A69243".into(),
            name: "Mairie de Niort".into(),
            siret: "21790191700013".into(),
            suspended: false,
        }],
        groups: vec![(30, 10, "accueil".into())],
        memberships: vec![(30, 102)],
        services: vec![(40, 1, "cdap".into())],
        roles: vec![(41, 40, "T1".into()), (42, 40, "T2".into())],
        subscriptions: vec![(50, 60, 40, true)],
        conventions: vec![(60, 10, true, t79)],
        ..Snapshot::default()
    };
    for (id, login, inactive) in [
        (101, "a", false),
        (102, "b", false),
        (103, "c", true),
        (104, "d", false),
    ] {
        s.accounts.push(AccountRow {
            id,
            partner_id: 10,
            login: login.into(),
            given_name: "G".into(),
            family_name: "F".into(),
            email: String::new(),
            inactive,
            password_hash: None,
        });
    }
    let grant = |role_id, account_id, group_id, territory: Option<&str>, until| GrantRow {
        subscription_id: 50,
        role_id,
        account_id,
        group_id,
        territory: territory.map(|t| Territory::parse_list(t).unwrap()),
        valid_from: date!(2026 - 01 - 01),
        valid_until: until,
    };
    s.grants = vec![
        grant(41, Some(101), None, Some("79191"), None),
        grant(42, None, Some(30), None, None),
        grant(42, Some(103), None, None, None),
        grant(41, Some(104), None, None, Some(date!(2026 - 06 - 30))),
    ];
    s
}

fn account<'a>(state: &'a DesiredState, login: &str) -> &'a DirectoryAccount {
    state.accounts.iter().find(|a| a.login == login).unwrap()
}

fn role_members(state: &DesiredState, role: &str) -> Vec<String> {
    let g = state
        .role_groups
        .iter()
        .find(|g| g.role_code == role)
        .unwrap();
    g.members.iter().map(|m| m.login.clone()).collect()
}

#[test]
fn holders_territory_and_bundles_follow_the_grants_in_force() {
    let state = desired_state(&snapshot(), date!(2026 - 11 - 30));
    // A commune counts for its département.
    assert_eq!(account(&state, "a").departements, vec!["79"]);
    assert_eq!(account(&state, "a").services, vec!["cdap"]);
    // Through a group.
    assert_eq!(account(&state, "b").services, vec!["cdap"]);
    // Disabled: listed with the marker, holds nothing.
    assert!(account(&state, "c").disabled);
    assert!(account(&state, "c").services.is_empty());
    // Expired grant: nothing.
    assert!(account(&state, "d").services.is_empty());
    assert_eq!(role_members(&state, "T1"), vec!["a"]);
    assert_eq!(role_members(&state, "T2"), vec!["b"]);
    assert_eq!(state.groups[0].member_logins, vec!["b"]);
    assert_eq!(state.partners[0].siret, "21790191700013");
}

#[test]
fn a_suspended_convention_or_partner_empties_the_role_groups() {
    let mut s = snapshot();
    s.conventions[0].2 = false;
    let state = desired_state(&s, date!(2026 - 11 - 30));
    assert!(role_members(&state, "T1").is_empty());
    assert!(account(&state, "a").services.is_empty());
    assert!(!account(&state, "a").disabled);

    let mut s = snapshot();
    s.partners[0].suspended = true;
    let state = desired_state(&s, date!(2026 - 11 - 30));
    assert!(role_members(&state, "T2").is_empty());
    assert!(
        account(&state, "b").disabled,
        "a suspended partner's accounts are marked"
    );
}

#[test]
fn a_grant_not_yet_valid_does_not_count() {
    let state = desired_state(&snapshot(), date!(2025 - 12 - 31));
    assert!(role_members(&state, "T1").is_empty());
}

#[test]
fn password_hashes_are_passed_in_rfc_3112_form() {
    let mut s = snapshot();
    s.accounts[0].password_hash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
    let state = desired_state(&s, date!(2026 - 11 - 30));
    assert_eq!(
        account(&state, "a").password_hash.as_deref(),
        Some("{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
    );
    assert_eq!(account(&state, "b").password_hash, None);
}
