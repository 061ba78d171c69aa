//! Pure planning: from the desired entries and the entries found in the directory, the minimal
//! LDAP operations that make the directory match.
//!
//! Invariants:
//! - `plan(d, f)` applied to `f` gives `d` within the scope, and `plan(d, d)` is empty: a second
//!   reconciliation changes nothing.
//! - Adds are ordered parents before children, deletes children before parents; an entry that
//!   must stay (desired or retained) keeps its ancestors, whatever the input says.
//! - Modifications are attribute-level and minimal: untouched attributes are not sent; a
//!   multi-valued attribute with a small change gets value adds and deletes rather than a
//!   replace of all its values (a role group may hold thousands of members).
//! - Attributes in [`PlanScope::ignored_attrs`] are never read into a change.
//!
//! No IO here; `apply` executes plans.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{AttrName, Dn, LdapEntry, fold_value, names};

#[cfg(test)]
mod tests;

/// What the plan may touch and how it treats entries that are found but not desired.
#[derive(Clone, Debug)]
pub struct PlanScope {
    /// The subtree managed; entries found outside it are ignored.
    pub root: Dn,
    /// Attributes never compared nor written (e.g. `userPassword` when passwords are not synced).
    pub ignored_attrs: BTreeSet<AttrName>,
    /// Entries kept as found when they are not desired: accounts withdrawn but still within
    /// their retention period (002 contract art. 5.3.2), when the caller chooses not to list
    /// them as disabled entries.
    pub retained: BTreeSet<Dn>,
    /// Whether found entries that are neither desired nor retained are deleted (true for
    /// reconciliation; false to only add and update).
    pub delete_unlisted: bool,
}

/// One attribute-level change inside a modify operation (RFC 4511 §4.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrMod {
    /// Adds these values (the attribute may be absent).
    Add(AttrName, BTreeSet<String>),
    /// Deletes these values; an empty set deletes the whole attribute.
    Delete(AttrName, BTreeSet<String>),
    /// Replaces every value with these.
    Replace(AttrName, BTreeSet<String>),
}

/// A modify operation on one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modify {
    /// The entry.
    pub dn: Dn,
    /// The changes, applied in order by the server as one atomic operation.
    pub mods: Vec<AttrMod>,
}

/// One operation, for the incremental path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Creates the entry.
    Add(LdapEntry),
    /// Changes attributes of an existing entry.
    Modify(Modify),
    /// Deletes a leaf entry.
    Delete(Dn),
}

impl Op {
    /// The entry the operation targets.
    pub fn dn(&self) -> &Dn {
        match self {
            Self::Add(entry) => &entry.dn,
            Self::Modify(modify) => &modify.dn,
            Self::Delete(dn) => dn,
        }
    }
}

/// The operations that bring the directory to the desired state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Entries to create, parents before children.
    pub adds: Vec<LdapEntry>,
    /// Entries to change, in DN order.
    pub modifies: Vec<Modify>,
    /// Entries to delete, children before parents.
    pub deletes: Vec<Dn>,
    /// Desired entries found identical.
    pub unchanged: usize,
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.adds.is_empty() && self.modifies.is_empty() && self.deletes.is_empty()
    }

    /// The number of operations.
    pub fn len(&self) -> usize {
        self.adds.len() + self.modifies.len() + self.deletes.len()
    }
}

/// Attributes whose values are DNs, compared by DN equality rather than by spelling.
const DN_VALUED: [&str; 5] = ["member", "uniqueMember", "owner", "seeAlso", "manager"];

/// Plans the whole subtree: desired versus found.
pub fn plan(desired: &[LdapEntry], found: &[LdapEntry], scope: &PlanScope) -> Plan {
    let found: BTreeMap<&Dn, &LdapEntry> = found
        .iter()
        .filter(|e| e.dn.is_within(&scope.root))
        .map(|e| (&e.dn, e))
        .collect();
    let desired: BTreeMap<&Dn, &LdapEntry> = desired
        .iter()
        .filter(|e| e.dn.is_within(&scope.root))
        .map(|e| (&e.dn, e))
        .collect();

    let mut plan = Plan::default();
    for (dn, want) in &desired {
        match found.get(dn) {
            None => plan.adds.push((*want).clone()),
            Some(have) => {
                let mods = diff(want, have, &scope.ignored_attrs);
                if mods.is_empty() {
                    plan.unchanged += 1;
                } else {
                    plan.modifies.push(Modify {
                        dn: have.dn.clone(),
                        mods,
                    });
                }
            }
        }
    }
    // Stable sort: within one depth the input order is kept.
    plan.adds.sort_by_key(|e| e.dn.depth());

    let unlisted = found
        .keys()
        .any(|dn| !desired.contains_key(*dn) && !scope.retained.contains(*dn));
    if scope.delete_unlisted && unlisted {
        // Every entry that stays keeps all its ancestors (a non-leaf cannot be deleted, and
        // deleting it would orphan what we keep).
        let kept: Vec<&Dn> = desired
            .keys()
            .copied()
            .chain(
                found
                    .keys()
                    .copied()
                    .filter(|dn| scope.retained.contains(*dn)),
            )
            .collect();
        let mut protected: BTreeSet<Dn> = BTreeSet::new();
        for dn in kept {
            let mut cursor = Some(dn.clone());
            while let Some(current) = cursor {
                if !current.is_within(&scope.root) || !protected.insert(current.clone()) {
                    break;
                }
                cursor = current.parent();
            }
        }
        plan.deletes = found
            .keys()
            .filter(|dn| !protected.contains(**dn))
            .map(|dn| (*dn).clone())
            .collect();
        plan.deletes.sort_by_key(|dn| std::cmp::Reverse(dn.depth()));
    }
    plan
}

/// Plans one entry, for the incremental path: add, modify, delete or nothing.
pub fn plan_entry(
    desired: Option<&LdapEntry>,
    found: Option<&LdapEntry>,
    scope: &PlanScope,
) -> Vec<Op> {
    match (desired, found) {
        (None, None) => Vec::new(),
        (Some(want), None) => vec![Op::Add(want.clone())],
        (None, Some(have)) => {
            if scope.retained.contains(&have.dn) {
                Vec::new()
            } else {
                vec![Op::Delete(have.dn.clone())]
            }
        }
        (Some(want), Some(have)) => {
            let mods = diff(want, have, &scope.ignored_attrs);
            if mods.is_empty() {
                Vec::new()
            } else {
                vec![Op::Modify(Modify {
                    dn: have.dn.clone(),
                    mods,
                })]
            }
        }
    }
}

/// The attribute changes that turn `have` into `want`.
fn diff(want: &LdapEntry, have: &LdapEntry, ignored: &BTreeSet<AttrName>) -> Vec<AttrMod> {
    let mut mods = Vec::new();
    let classes = |e: &LdapEntry| -> BTreeSet<String> {
        e.object_classes
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    if classes(want) != classes(have) {
        mods.push(AttrMod::Replace(
            names::object_class(),
            want.object_classes.clone(),
        ));
    }
    let empty = BTreeSet::new();
    let names: BTreeSet<&AttrName> = want.attrs.keys().chain(have.attrs.keys()).collect();
    for name in names {
        if ignored.contains(name) || name.is("objectClass") {
            continue;
        }
        let wanted = want.attrs.get(name).unwrap_or(&empty);
        let had = have.attrs.get(name).unwrap_or(&empty);
        mods.extend(diff_values(name, wanted, had));
    }
    mods
}

fn diff_values(name: &AttrName, want: &BTreeSet<String>, have: &BTreeSet<String>) -> Vec<AttrMod> {
    if want == have {
        return Vec::new();
    }
    if want.is_empty() {
        return vec![AttrMod::Delete(name.clone(), BTreeSet::new())];
    }
    if have.is_empty() {
        return vec![AttrMod::Add(name.clone(), want.clone())];
    }
    let dn_valued = DN_VALUED.iter().any(|a| name.is(a));
    let key = |v: &String| -> String {
        if dn_valued {
            Dn::parse(v).map_or_else(|_| fold_value(v), |dn| dn.normalized().to_owned())
        } else {
            v.clone()
        }
    };
    let want_keys: BTreeMap<String, &String> = want.iter().map(|v| (key(v), v)).collect();
    let have_keys: BTreeMap<String, &String> = have.iter().map(|v| (key(v), v)).collect();
    let to_add: BTreeSet<String> = want_keys
        .iter()
        .filter(|(k, _)| !have_keys.contains_key(*k))
        .map(|(_, v)| (*v).clone())
        .collect();
    let to_delete: BTreeSet<String> = have_keys
        .iter()
        .filter(|(k, _)| !want_keys.contains_key(*k))
        .map(|(_, v)| (*v).clone())
        .collect();
    if to_add.is_empty() && to_delete.is_empty() {
        // Same values up to DN spelling: the server already considers them equal.
        return Vec::new();
    }
    // A value differing only in case (`Dupont` for `dupont`) is the same value for the
    // server's caseIgnoreMatch: adding it would fail with attributeOrValueExists, so such
    // changes, and changes touching most values, are sent as one replace.
    let have_folded: BTreeSet<String> = have.iter().map(|v| fold_value(v)).collect();
    let collides = !dn_valued && to_add.iter().any(|v| have_folded.contains(&fold_value(v)));
    if collides || to_add.len() + to_delete.len() >= want.len() {
        return vec![AttrMod::Replace(name.clone(), want.clone())];
    }
    let mut mods = Vec::new();
    if !to_delete.is_empty() {
        mods.push(AttrMod::Delete(name.clone(), to_delete));
    }
    if !to_add.is_empty() {
        mods.push(AttrMod::Add(name.clone(), to_add));
    }
    mods
}
