// Case tables are tuples of inputs and expected outputs; naming each tuple type adds nothing.
#![allow(clippy::type_complexity)]

use std::collections::BTreeSet;

use super::*;
use crate::model::AttrName;

const ROOT: &str = "ou=ext,dc=x";

fn scope() -> PlanScope {
    PlanScope {
        root: Dn::parse(ROOT).unwrap(),
        ignored_attrs: [AttrName::parse("userPassword").unwrap()]
            .into_iter()
            .collect(),
        retained: BTreeSet::new(),
        delete_unlisted: true,
    }
}

/// `entry("uid=a", &["inetOrgPerson"], &[("mail", "a@x")])` under ROOT.
fn entry(rdn: &str, classes: &[&str], attrs: &[(&str, &str)]) -> LdapEntry {
    let dn = if rdn.is_empty() {
        ROOT.to_owned()
    } else {
        format!("{rdn},{ROOT}")
    };
    let mut e = LdapEntry::new(Dn::parse(&dn).unwrap(), classes);
    for (name, value) in attrs {
        e.push(&AttrName::parse(name).unwrap(), *value);
    }
    e
}

fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn name(n: &str) -> AttrName {
    AttrName::parse(n).unwrap()
}

#[test]
fn attribute_diffs() {
    let person = ["top", "inetOrgPerson"];
    // (desired attrs, found attrs, expected mods)
    let cases: Vec<(Vec<(&str, &str)>, Vec<(&str, &str)>, Vec<AttrMod>)> = vec![
        // Identical, attribute names in another case.
        (vec![("mail", "a@x")], vec![("MAIL", "a@x")], vec![]),
        // A single-valued change is a replace.
        (
            vec![("mail", "b@x")],
            vec![("mail", "a@x")],
            vec![AttrMod::Replace(name("mail"), set(&["b@x"]))],
        ),
        // New attribute.
        (
            vec![("mail", "a@x"), ("givenName", "A")],
            vec![("mail", "a@x")],
            vec![AttrMod::Add(name("givenName"), set(&["A"]))],
        ),
        // Attribute added by hand is removed as a whole.
        (
            vec![("mail", "a@x")],
            vec![("mail", "a@x"), ("telephoneNumber", "1")],
            vec![AttrMod::Delete(name("telephoneNumber"), set(&[]))],
        ),
        // Ignored attribute: never compared.
        (
            vec![("mail", "a@x")],
            vec![("mail", "a@x"), ("userPassword", "{SSHA}x")],
            vec![],
        ),
        // Small change in a multi-valued attribute: value-level delete and add.
        (
            vec![
                ("departmentNumber", "79"),
                ("departmentNumber", "86"),
                ("departmentNumber", "17"),
            ],
            vec![
                ("departmentNumber", "79"),
                ("departmentNumber", "86"),
                ("departmentNumber", "16"),
            ],
            vec![
                AttrMod::Delete(name("departmentNumber"), set(&["16"])),
                AttrMod::Add(name("departmentNumber"), set(&["17"])),
            ],
        ),
        // Case-only change: the server sees the same value, so replace.
        (
            vec![("sn", "Dupont")],
            vec![("sn", "DUPONT")],
            vec![AttrMod::Replace(name("sn"), set(&["Dupont"]))],
        ),
    ];
    for (i, (want, have, expected)) in cases.into_iter().enumerate() {
        let plan = plan(
            &[entry("uid=a", &person, &want)],
            &[entry("uid=a", &person, &have)],
            &scope(),
        );
        let got: Vec<AttrMod> = plan.modifies.into_iter().flat_map(|m| m.mods).collect();
        assert_eq!(got, expected, "case {i}");
        assert!(plan.adds.is_empty() && plan.deletes.is_empty(), "case {i}");
    }
}

#[test]
fn member_values_compare_as_dns() {
    let g = ["top", "groupOfNames"];
    fn members<'a>(ms: &[&'a str]) -> Vec<(&'static str, &'a str)> {
        ms.iter().map(|m| ("member", *m)).collect()
    }
    let many: Vec<String> = (0..10).map(|i| format!("uid=u{i},{ROOT}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    // Same members spelt differently: nothing to do.
    let spelt = ["UID=U0,OU=EXT,DC=X", "uid=u1,ou=ext,dc=x"];
    let p = plan(
        &[entry("cn=g", &g, &members(&many[..2]))],
        &[entry("cn=g", &g, &members(&spelt))],
        &scope(),
    );
    assert!(p.is_empty(), "{p:?}");
    // One member more among ten: one value add, not a replace of ten.
    let p = plan(
        &[entry("cn=g", &g, &members(&many))],
        &[entry("cn=g", &g, &members(&many[..9]))],
        &scope(),
    );
    assert_eq!(
        p.modifies[0].mods,
        vec![AttrMod::Add(name("member"), set(&[many[9]]))]
    );
}

#[test]
fn adds_parents_first_deletes_children_first() {
    let ou = ["top", "organizationalUnit"];
    let desired = vec![
        entry("uid=a,ou=p1,ou=f", &["inetOrgPerson"], &[]),
        entry("ou=p1,ou=f", &ou, &[]),
        entry("ou=f", &ou, &[]),
        entry("", &ou, &[]),
    ];
    let found = vec![
        entry("", &ou, &[]),
        entry("ou=old,ou=f", &ou, &[]),
        entry("uid=z,ou=old,ou=f", &["inetOrgPerson"], &[]),
        entry("cn=outside", &ou, &[]),
    ];
    let mut found = found;
    found.push(LdapEntry::new(Dn::parse("ou=elsewhere,dc=x").unwrap(), &ou));
    let p = plan(&desired, &found, &scope());
    let adds: Vec<String> = p.adds.iter().map(|e| e.dn.to_string()).collect();
    assert_eq!(
        adds,
        [
            format!("ou=f,{ROOT}"),
            format!("ou=p1,ou=f,{ROOT}"),
            format!("uid=a,ou=p1,ou=f,{ROOT}")
        ]
    );
    let deletes: Vec<String> = p.deletes.iter().map(ToString::to_string).collect();
    assert_eq!(deletes[0], format!("uid=z,ou=old,ou=f,{ROOT}"));
    assert_eq!(
        deletes.len(),
        3,
        "{deletes:?}: entries outside the root are not touched"
    );
    assert_eq!(p.unchanged, 1);
    assert_eq!(p.len(), 6);
}

#[test]
fn retained_and_unlisted_entries() {
    let ou = ["top", "organizationalUnit"];
    let person = ["inetOrgPerson"];
    let desired = vec![entry("", &ou, &[])];
    let found = vec![
        entry("", &ou, &[]),
        entry("ou=p", &ou, &[]),
        entry("uid=kept,ou=p", &person, &[]),
        entry("uid=gone,ou=p", &person, &[]),
    ];
    // (retained, delete_unlisted, expected deletes)
    let kept = Dn::parse(&format!("uid=kept,ou=p,{ROOT}")).unwrap();
    let cases: Vec<(Vec<Dn>, bool, Vec<String>)> = vec![
        (
            vec![],
            true,
            vec![
                format!("uid=gone,ou=p,{ROOT}"),
                format!("uid=kept,ou=p,{ROOT}"),
                format!("ou=p,{ROOT}"),
            ],
        ),
        // The retained account keeps its partner branch.
        (
            vec![kept.clone()],
            true,
            vec![format!("uid=gone,ou=p,{ROOT}")],
        ),
        (vec![kept], false, vec![]),
    ];
    for (retained, delete_unlisted, expected) in cases {
        let scope = PlanScope {
            retained: retained.into_iter().collect(),
            delete_unlisted,
            ..scope()
        };
        let p = plan(&desired, &found, &scope);
        let got: Vec<String> = p.deletes.iter().map(ToString::to_string).collect();
        assert_eq!(
            got, expected,
            "retained {:?}, delete {delete_unlisted}",
            scope.retained
        );
    }
}

#[test]
fn object_class_drift_is_replaced() {
    let want = entry("uid=a", &["top", "inetOrgPerson"], &[]);
    let have = entry("uid=a", &["TOP", "inetorgperson", "extensibleObject"], &[]);
    let p = plan(std::slice::from_ref(&want), &[have], &scope());
    assert_eq!(
        p.modifies[0].mods,
        vec![AttrMod::Replace(
            name("objectClass"),
            want.object_classes.clone()
        )]
    );
    let same = entry("uid=a", &["TOP", "inetorgperson"], &[]);
    assert!(plan(&[want], &[same], &scope()).is_empty());
}

#[test]
fn plan_entry_cases() {
    let a = entry("uid=a", &["inetOrgPerson"], &[("mail", "a@x")]);
    let b = entry("uid=a", &["inetOrgPerson"], &[("mail", "b@x")]);
    let plain = scope();
    let retained = PlanScope {
        retained: [a.dn.clone()].into_iter().collect(),
        ..scope()
    };
    // (desired, found, scope, expected op kinds)
    let cases: Vec<(
        Option<&LdapEntry>,
        Option<&LdapEntry>,
        &PlanScope,
        Vec<&str>,
    )> = vec![
        (None, None, &retained, vec![]),
        (Some(&a), None, &retained, vec!["add"]),
        (None, Some(&a), &retained, vec![]),
        (None, Some(&a), &plain, vec!["delete"]),
        (Some(&a), Some(&a), &retained, vec![]),
        (Some(&b), Some(&a), &retained, vec!["modify"]),
    ];
    for (i, (desired, found, scope, expected)) in cases.into_iter().enumerate() {
        let kinds: Vec<&str> = plan_entry(desired, found, scope)
            .iter()
            .map(|op| match op {
                Op::Add(_) => "add",
                Op::Modify(_) => "modify",
                Op::Delete(_) => "delete",
            })
            .collect();
        assert_eq!(kinds, expected, "case {i}");
    }
}

#[test]
fn second_plan_is_empty() {
    // Applying a plan by hand to the found set gives the desired set: plan(d, d) is empty.
    let desired = vec![
        entry("", &["organizationalUnit"], &[("ou", "ext")]),
        entry(
            "uid=a",
            &["inetOrgPerson"],
            &[("mail", "a@x"), ("departmentNumber", "79")],
        ),
    ];
    assert!(plan(&desired, &desired, &scope()).is_empty());
    assert_eq!(plan(&desired, &desired, &scope()).unchanged, 2);
}
