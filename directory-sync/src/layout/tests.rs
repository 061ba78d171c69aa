// Case tables are tuples of inputs and expected outputs; naming each tuple type adds nothing.
#![allow(clippy::type_complexity)]

use super::*;

fn layout() -> Layout {
    Layout::new("ou=extranautes,dc=habilis,dc=test").unwrap()
}

fn account(login: &str, disabled: bool) -> DirectoryAccount {
    DirectoryAccount {
        fund_code: "caf79".into(),
        third_party_number: "79A69243".into(),
        login: login.into(),
        given_name: "Jeanne".into(),
        family_name: "Dupont".into(),
        email: "jeanne.dupont@niort.fr".into(),
        departements: vec!["79".into(), "86".into()],
        services: vec!["cdap".into(), "qf".into()],
        disabled,
        password_hash: Some("{SSHA}abc".into()),
    }
}

fn values(entry: &LdapEntry, attr: &str) -> Vec<String> {
    entry.values(attr).map(str::to_owned).collect()
}

#[test]
fn account_entries() {
    // (disabled, write_passwords, employeeType, businessCategory, userPassword)
    let cases: &[(bool, bool, &[&str], &[&str], &[&str])] = &[
        (false, false, &["active"], &["cdap", "qf"], &[]),
        (false, true, &["active"], &["cdap", "qf"], &["{SSHA}abc"]),
        (true, false, &["disabled"], &[], &[]),
        (true, true, &["disabled"], &[], &[]),
    ];
    for (disabled, write_passwords, employee_type, bundles, password) in cases {
        let mut layout = layout();
        layout.write_passwords = *write_passwords;
        let entry = layout
            .account_entry(&account("jdupont", *disabled))
            .unwrap();
        assert_eq!(
            entry.dn.to_string(),
            "uid=jdupont,ou=79A69243,ou=caf79,ou=extranautes,dc=habilis,dc=test"
        );
        assert!(entry.has_class("inetOrgPerson"));
        assert_eq!(
            values(&entry, "employeeType"),
            *employee_type,
            "{disabled} {write_passwords}"
        );
        assert_eq!(values(&entry, "businessCategory"), *bundles);
        assert_eq!(values(&entry, "userPassword"), *password);
        assert_eq!(values(&entry, "departmentNumber"), ["79", "86"]);
        assert_eq!(values(&entry, "cn"), ["Jeanne Dupont"]);
        assert_eq!(values(&entry, "sn"), ["Dupont"]);
        assert_eq!(values(&entry, "uid"), ["jdupont"]);
    }
}

#[test]
fn scope_ignores_passwords_unless_written() {
    let mut layout = layout();
    assert!(
        layout
            .scope()
            .ignored_attrs
            .iter()
            .any(|a| a.is("userPassword"))
    );
    layout.write_passwords = true;
    assert!(layout.scope().ignored_attrs.is_empty());
}

#[test]
fn groups_never_empty() {
    let layout = layout();
    // (member logins, expected member values)
    let base = "ou=extranautes,dc=habilis,dc=test";
    let cases: &[(&[&str], Vec<String>)] = &[
        (&[], vec![base.to_owned()]),
        (
            &["b", "a", "A"],
            vec![
                format!("uid=a,ou=79A69243,ou=caf79,{base}"),
                format!("uid=b,ou=79A69243,ou=caf79,{base}"),
            ],
        ),
    ];
    for (logins, expected) in cases {
        let group = DirectoryGroup {
            fund_code: "caf79".into(),
            third_party_number: "79A69243".into(),
            name: "Accueil".into(),
            member_logins: logins.iter().map(|l| (*l).to_owned()).collect(),
        };
        let entry = layout.group_entry(&group).unwrap();
        let mut members = values(&entry, "member");
        members.sort();
        assert_eq!(members.len(), expected.len(), "{logins:?}");
        for (got, want) in members.iter().zip(expected) {
            assert_eq!(Dn::parse(got).unwrap(), Dn::parse(want).unwrap());
        }
    }
    let role = DirectoryRoleGroup {
        fund_code: "caf79".into(),
        service_code: "cdap".into(),
        role_code: "T2".into(),
        members: vec![],
    };
    let entry = layout.role_group_entry(&role).unwrap();
    assert_eq!(
        entry.dn.to_string(),
        format!("cn=cdap-T2,ou=roles,ou=caf79,{base}")
    );
    assert_eq!(values(&entry, "member"), [base]);
}

#[test]
fn base_entry_only_for_ou() {
    let cases = [
        ("ou=extranautes,dc=x", true),
        ("dc=x", false),
        ("o=Habilis", false),
    ];
    for (base, created) in cases {
        assert_eq!(
            Layout::new(base).unwrap().base_entry().is_some(),
            created,
            "{base}"
        );
    }
    assert!(Layout::new("").is_err());
    assert!(Layout::new("ou=,,").is_err());
}

fn state() -> DesiredState {
    DesiredState {
        funds: vec![DirectoryFund {
            code: "caf79".into(),
            name: "Caf des Deux-Sèvres".into(),
        }],
        partners: vec![DirectoryPartner {
            fund_code: "caf79".into(),
            third_party_number: "79A69243".into(),
            name: "Ville de Niort".into(),
            siret: "21790191200019".into(),
        }],
        accounts: vec![account("jdupont", false)],
        groups: vec![],
        role_groups: vec![],
    }
}

#[test]
fn entries_check_references() {
    let layout = layout();
    let ok = layout.entries(&state()).unwrap();
    // base, fund, roles container, partner, account; parents first.
    assert_eq!(ok.len(), 5);
    assert!(ok.windows(2).all(|w| w[0].dn.depth() <= w[1].dn.depth()));
    let partner = &ok[3];
    assert_eq!(values(partner, "uniqueIdentifier"), ["21790191200019"]);
    assert_eq!(values(partner, "description"), ["Ville de Niort"]);

    let mut orphan = state();
    orphan.accounts[0].third_party_number = "00X".into();
    let mut duplicate = state();
    duplicate.accounts.push(account("JDUPONT", true));
    let mut empty_sn = state();
    empty_sn.accounts[0].family_name = " ".into();
    let mut unknown_fund = state();
    unknown_fund.role_groups.push(DirectoryRoleGroup {
        fund_code: "msa".into(),
        service_code: "rsacg".into(),
        role_code: "consultation".into(),
        members: vec![],
    });
    let cases = [
        (orphan, "unknown"),
        (duplicate, "share the DN"),
        (empty_sn, "family_name"),
        (unknown_fund, "fund msa"),
    ];
    for (input, message) in cases {
        let error = layout.entries(&input).unwrap_err().to_string();
        assert!(error.contains(message), "{error} should mention {message}");
    }
}
