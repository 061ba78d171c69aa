//! The directory layout of the "annuaire des extranautes": the desired-state input types that
//! the idp fills from its database, and [`Layout`], which maps them to [`LdapEntry`] values.
//!
//! 003: "L'agent est répertorié selon son département et le bouquet auquel il est habilité."
//! 000 art. 4-2 and 001 art. 4-2: the partner is registered in the directory "en fonction du
//! bouquet auquel il est habilité".
//!
//! Layout (see docs/directory.md for an example LDIF):
//! ```text
//! <base>                                     organizationalUnit (created when its RDN is ou=…)
//!   ou=<fund code>                           organizationalUnit, description = fund name
//!     ou=roles                               organizationalUnit holding the role groups
//!       cn=<service>-<role>                  groupOfNames, member = the role's current holders
//!     ou=<third-party number>                organizationalUnit + extensibleObject,
//!                                            description = name, uniqueIdentifier = SIRET
//!       uid=<login>                          inetOrgPerson (account)
//!       cn=<group name>                      groupOfNames (partner group)
//! ```
//!
//! Invariants: DNs are built from stable identifiers only (fund code, third-party number,
//! login, group name, service and role codes), so a change of name or e-mail is a modify,
//! never a rename; a `groupOfNames` always has at least one `member` (RFC 4519 §3.5), the base
//! DN standing for "nobody" when the group is empty; `userPassword` is written only when
//! [`Layout::write_passwords`] is on, and otherwise left alone.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{DnError, LayoutError};
use crate::model::{Dn, LdapEntry, names};
use crate::plan::PlanScope;

#[cfg(test)]
mod tests;

/// A fund (Caf, MSA): the top branch of its partners and role groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryFund {
    /// The fund code, e.g. `caf79` (the RDN value).
    pub code: String,
    /// The display name, e.g. `Caf des Deux-Sèvres`.
    pub name: String,
}

/// A partner (tiers) having a convention with a fund.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryPartner {
    /// The fund whose branch holds this partner.
    pub fund_code: String,
    /// The third-party number, e.g. `79A69243` (the RDN value).
    pub third_party_number: String,
    /// The partner's name.
    pub name: String,
    /// The partner's SIRET (14 digits).
    pub siret: String,
}

/// An account (extranaute) of a partner, as listed in one fund's branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryAccount {
    /// The fund whose branch lists this account.
    pub fund_code: String,
    /// The account's partner.
    pub third_party_number: String,
    /// The login identifier (the `uid` and RDN value).
    pub login: String,
    /// First name (may be empty).
    pub given_name: String,
    /// Family name (mandatory: `sn` is required by `person`).
    pub family_name: String,
    /// E-mail address (may be empty).
    pub email: String,
    /// The départements of the agent's territory, as `departmentNumber` values (003).
    pub departements: Vec<String>,
    /// The codes of the services (bouquets) the agent holds a habilitation for (003).
    pub services: Vec<String>,
    /// True when the account is disabled, suspended, withdrawn or its convention ended.
    pub disabled: bool,
    /// The password hash in RFC 3112 form (`{ARGON2}…`, `{SSHA}…`), written only when the
    /// layout writes passwords.
    pub password_hash: Option<String>,
}

/// A group of a partner's accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryGroup {
    /// The fund whose branch lists this group.
    pub fund_code: String,
    /// The group's partner.
    pub third_party_number: String,
    /// The group name (the `cn` and RDN value).
    pub name: String,
    /// The logins of the members, all accounts of the same partner.
    pub member_logins: Vec<String>,
}

/// An account named by the identifiers that make its DN.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AccountRef {
    /// The fund code.
    pub fund_code: String,
    /// The partner's third-party number.
    pub third_party_number: String,
    /// The login.
    pub login: String,
}

/// The holders of one role of one service of a fund, e.g. CDAP `T2` (002 contract art. 2.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryRoleGroup {
    /// The fund offering the service.
    pub fund_code: String,
    /// The service code, e.g. `cdap`.
    pub service_code: String,
    /// The role code, e.g. `T2`.
    pub role_code: String,
    /// The accounts currently holding the role (active habilitations only).
    pub members: Vec<AccountRef>,
}

/// The whole desired state, as read from the idp's database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DesiredState {
    /// Funds.
    pub funds: Vec<DirectoryFund>,
    /// Partners, each under its fund.
    pub partners: Vec<DirectoryPartner>,
    /// Accounts, each under its partner.
    pub accounts: Vec<DirectoryAccount>,
    /// Partner groups.
    pub groups: Vec<DirectoryGroup>,
    /// Role groups.
    pub role_groups: Vec<DirectoryRoleGroup>,
}

/// Value of `employeeType` on an account that may not log in.
pub const DISABLED_MARKER: &str = "disabled";
/// Value of `employeeType` on an account that may log in.
pub const ACTIVE_MARKER: &str = "active";
/// RDN value of the container of a fund's role groups.
pub const ROLES_OU: &str = "roles";

/// Maps the desired state to directory entries under a configurable base DN.
#[derive(Clone, Debug)]
pub struct Layout {
    base_dn: Dn,
    /// Whether `userPassword` is written from [`DirectoryAccount::password_hash`]. When off,
    /// the attribute is neither written nor compared.
    pub write_passwords: bool,
}

impl Layout {
    /// A layout under `base_dn`, e.g. `ou=extranautes,dc=example,dc=fr`, writing no password.
    pub fn new(base_dn: &str) -> Result<Self, LayoutError> {
        let base_dn = Dn::parse(base_dn)?;
        if base_dn.depth() == 0 {
            return Err(LayoutError::BaseDn(DnError::EmptyComponent(String::new())));
        }
        Ok(Self {
            base_dn,
            write_passwords: false,
        })
    }

    /// The base DN.
    pub fn base_dn(&self) -> &Dn {
        &self.base_dn
    }

    /// The DN of a fund's branch.
    pub fn fund_dn(&self, fund_code: &str) -> Dn {
        self.base_dn.child(&names::ou(), fund_code)
    }

    /// The DN of a partner's branch under a fund.
    pub fn partner_dn(&self, fund_code: &str, third_party_number: &str) -> Dn {
        self.fund_dn(fund_code)
            .child(&names::ou(), third_party_number)
    }

    /// The DN of an account.
    pub fn account_dn(&self, fund_code: &str, third_party_number: &str, login: &str) -> Dn {
        self.partner_dn(fund_code, third_party_number)
            .child(&names::uid(), login)
    }

    /// The DN of a partner group.
    pub fn group_dn(&self, fund_code: &str, third_party_number: &str, name: &str) -> Dn {
        self.partner_dn(fund_code, third_party_number)
            .child(&names::cn(), name)
    }

    /// The DN of the container of a fund's role groups.
    pub fn roles_dn(&self, fund_code: &str) -> Dn {
        self.fund_dn(fund_code).child(&names::ou(), ROLES_OU)
    }

    /// The DN of the group of a service role, e.g. `cn=cdap-T2,ou=roles,ou=caf79,<base>`.
    pub fn role_group_dn(&self, fund_code: &str, service_code: &str, role_code: &str) -> Dn {
        self.roles_dn(fund_code)
            .child(&names::cn(), &format!("{service_code}-{role_code}"))
    }

    /// The plan scope matching this layout: the base DN's subtree, `userPassword` ignored unless
    /// passwords are written, unlisted entries deleted and nothing retained.
    pub fn scope(&self) -> PlanScope {
        let mut ignored_attrs = BTreeSet::new();
        if !self.write_passwords {
            ignored_attrs.insert(names::user_password());
        }
        PlanScope {
            root: self.base_dn.clone(),
            ignored_attrs,
            retained: BTreeSet::new(),
            delete_unlisted: true,
        }
    }

    /// The base entry, when Habilis creates it: only when its RDN is `ou=…` (an
    /// `organizationalUnit`); any other base (`dc=…`, `o=…`) must already exist.
    pub fn base_entry(&self) -> Option<LdapEntry> {
        let [ava] = self.base_dn.rdn() else {
            return None;
        };
        if !ava.attr().is("ou") {
            return None;
        }
        let mut entry = LdapEntry::new(self.base_dn.clone(), &["top", "organizationalUnit"]);
        entry.push(&names::ou(), ava.value());
        entry.push(
            &names::description(),
            "Annuaire des extranautes (géré par Habilis)",
        );
        Some(entry)
    }

    /// The entry of a fund's branch.
    pub fn fund_entry(&self, fund: &DirectoryFund) -> Result<LdapEntry, LayoutError> {
        non_empty("fund", &fund.code, "code", &fund.code)?;
        let mut entry = LdapEntry::new(self.fund_dn(&fund.code), &["top", "organizationalUnit"]);
        entry.push(&names::ou(), fund.code.as_str());
        entry.push(&names::description(), fund.name.as_str());
        Ok(entry)
    }

    /// The container of a fund's role groups.
    pub fn roles_entry(&self, fund_code: &str) -> LdapEntry {
        let mut entry = LdapEntry::new(self.roles_dn(fund_code), &["top", "organizationalUnit"]);
        entry.push(&names::ou(), ROLES_OU);
        entry.push(&names::description(), "Groupes des rôles des services");
        entry
    }

    /// The entry of a partner's branch: an `organizationalUnit` whose `description` is the
    /// partner's name and `uniqueIdentifier` (RFC 1274, cosine schema, allowed through the
    /// stock `extensibleObject` class) its SIRET.
    pub fn partner_entry(&self, partner: &DirectoryPartner) -> Result<LdapEntry, LayoutError> {
        let key = &partner.third_party_number;
        non_empty("partner", key, "fund_code", &partner.fund_code)?;
        non_empty("partner", key, "third_party_number", key)?;
        let mut entry = LdapEntry::new(
            self.partner_dn(&partner.fund_code, key),
            &["top", "organizationalUnit", "extensibleObject"],
        );
        entry.push(&names::ou(), key.as_str());
        entry.push(&names::description(), partner.name.as_str());
        entry.push(&names::unique_identifier(), partner.siret.as_str());
        Ok(entry)
    }

    /// The entry of an account: an `inetOrgPerson` with `departmentNumber` for each département,
    /// `businessCategory` for each service bundle, and `employeeType` set to
    /// [`ACTIVE_MARKER`] or [`DISABLED_MARKER`].
    pub fn account_entry(&self, account: &DirectoryAccount) -> Result<LdapEntry, LayoutError> {
        let key = &account.login;
        non_empty("account", key, "login", key)?;
        non_empty("account", key, "fund_code", &account.fund_code)?;
        non_empty(
            "account",
            key,
            "third_party_number",
            &account.third_party_number,
        )?;
        non_empty("account", key, "family_name", &account.family_name)?;
        let mut entry = LdapEntry::new(
            self.account_dn(&account.fund_code, &account.third_party_number, key),
            &["top", "person", "organizationalPerson", "inetOrgPerson"],
        );
        entry.push(&names::uid(), key.as_str());
        let cn = format!("{} {}", account.given_name, account.family_name);
        entry.push(&names::cn(), cn.trim());
        entry.push(&names::sn(), account.family_name.as_str());
        entry.push(&names::given_name(), account.given_name.as_str());
        entry.push(&names::mail(), account.email.as_str());
        for departement in &account.departements {
            entry.push(&names::department_number(), departement.as_str());
        }
        if account.disabled {
            // A disabled account keeps its entry (retention) but lists no bundle: the
            // directory must not say it may use a service.
            entry.push(&names::employee_type(), DISABLED_MARKER);
        } else {
            entry.push(&names::employee_type(), ACTIVE_MARKER);
            for service in &account.services {
                entry.push(&names::business_category(), service.as_str());
            }
        }
        if let (true, Some(hash), false) = (
            self.write_passwords,
            &account.password_hash,
            account.disabled,
        ) {
            entry.push(&names::user_password(), hash.as_str());
        }
        Ok(entry)
    }

    /// The entry of a partner group; members are the accounts of the same partner.
    pub fn group_entry(&self, group: &DirectoryGroup) -> Result<LdapEntry, LayoutError> {
        self.group_entry_with(group, &mut |fund, tpn| self.partner_dn(fund, tpn))
    }

    fn group_entry_with(
        &self,
        group: &DirectoryGroup,
        partner_dn: &mut dyn FnMut(&str, &str) -> Dn,
    ) -> Result<LdapEntry, LayoutError> {
        let key = &group.name;
        non_empty("group", key, "name", key)?;
        non_empty("group", key, "fund_code", &group.fund_code)?;
        non_empty(
            "group",
            key,
            "third_party_number",
            &group.third_party_number,
        )?;
        let partner = partner_dn(&group.fund_code, &group.third_party_number);
        let uid = names::uid();
        let members = group
            .member_logins
            .iter()
            .map(|login| partner.child_strings(&uid, login));
        Ok(self.group_of_names(partner.child(&names::cn(), key), key, members))
    }

    /// The entry of a role group listing the role's current holders.
    pub fn role_group_entry(&self, role: &DirectoryRoleGroup) -> Result<LdapEntry, LayoutError> {
        self.role_group_entry_with(role, &mut |fund, tpn| self.partner_dn(fund, tpn))
    }

    fn role_group_entry_with(
        &self,
        role: &DirectoryRoleGroup,
        partner_dn: &mut dyn FnMut(&str, &str) -> Dn,
    ) -> Result<LdapEntry, LayoutError> {
        let key = format!("{}-{}", role.service_code, role.role_code);
        non_empty("role group", &key, "fund_code", &role.fund_code)?;
        non_empty("role group", &key, "service_code", &role.service_code)?;
        non_empty("role group", &key, "role_code", &role.role_code)?;
        let uid = names::uid();
        let members: Vec<(String, String)> = role
            .members
            .iter()
            .map(|m| partner_dn(&m.fund_code, &m.third_party_number).child_strings(&uid, &m.login))
            .collect();
        Ok(self.group_of_names(
            self.role_group_dn(&role.fund_code, &role.service_code, &role.role_code),
            &key,
            members.into_iter(),
        ))
    }

    /// A `groupOfNames`; `members` yields (comparison key, string form) of each member DN.
    fn group_of_names(
        &self,
        dn: Dn,
        cn: &str,
        members: impl Iterator<Item = (String, String)>,
    ) -> LdapEntry {
        let mut entry = LdapEntry::new(dn, &["top", "groupOfNames"]);
        entry.push(&names::cn(), cn);
        let member = names::member();
        // Deduplicate by DN equality (case-insensitive), not by spelling.
        let members: BTreeMap<String, String> = members.collect();
        if members.is_empty() {
            // RFC 4519 §3.5: groupOfNames MUST have a member; the base DN stands for "nobody".
            entry.push(&member, self.base_dn.to_string());
        }
        for value in members.into_values() {
            entry.push(&member, value);
        }
        entry
    }

    /// Every entry of the desired state, parents before children, checked for dangling
    /// references and duplicate DNs.
    pub fn entries(&self, state: &DesiredState) -> Result<Vec<LdapEntry>, LayoutError> {
        let mut out = Vec::with_capacity(
            1 + state.funds.len() * 2
                + state.partners.len()
                + state.accounts.len()
                + state.groups.len()
                + state.role_groups.len(),
        );
        out.extend(self.base_entry());
        let mut funds = BTreeSet::new();
        for fund in &state.funds {
            out.push(self.fund_entry(fund)?);
            out.push(self.roles_entry(&fund.code));
            funds.insert(self.fund_dn(&fund.code));
        }
        // Partner DNs are built once and shared by their accounts and group members.
        let mut partners: HashMap<(&str, &str), Dn> = HashMap::new();
        for partner in &state.partners {
            if !funds.contains(&self.fund_dn(&partner.fund_code)) {
                return Err(unknown(
                    "partner",
                    &partner.third_party_number,
                    format!("fund {}", partner.fund_code),
                ));
            }
            out.push(self.partner_entry(partner)?);
            let dn = self.partner_dn(&partner.fund_code, &partner.third_party_number);
            partners.insert(
                (
                    partner.fund_code.as_str(),
                    partner.third_party_number.as_str(),
                ),
                dn,
            );
        }
        let partner_of = |entity, key: &str, fund: &str, tpn: &str| {
            if partners.contains_key(&(fund, tpn)) {
                Ok(())
            } else {
                Err(unknown(
                    entity,
                    key,
                    format!("partner {tpn} of fund {fund}"),
                ))
            }
        };
        for account in &state.accounts {
            partner_of(
                "account",
                &account.login,
                &account.fund_code,
                &account.third_party_number,
            )?;
            out.push(self.account_entry(account)?);
        }
        let mut cached = |fund: &str, tpn: &str| {
            partners
                .get(&(fund, tpn))
                .cloned()
                .unwrap_or_else(|| self.partner_dn(fund, tpn))
        };
        for group in &state.groups {
            partner_of(
                "group",
                &group.name,
                &group.fund_code,
                &group.third_party_number,
            )?;
            out.push(self.group_entry_with(group, &mut cached)?);
        }
        for role in &state.role_groups {
            if !funds.contains(&self.fund_dn(&role.fund_code)) {
                let key = format!("{}-{}", role.service_code, role.role_code);
                return Err(unknown(
                    "role group",
                    &key,
                    format!("fund {}", role.fund_code),
                ));
            }
            out.push(self.role_group_entry_with(role, &mut cached)?);
        }
        let mut seen = BTreeSet::new();
        for entry in &out {
            if !seen.insert(&entry.dn) {
                return Err(LayoutError::DuplicateDn(entry.dn.to_string()));
            }
        }
        Ok(out)
    }
}

fn non_empty(
    entity: &'static str,
    key: &str,
    field: &'static str,
    value: &str,
) -> Result<(), LayoutError> {
    if value.trim().is_empty() {
        Err(LayoutError::EmptyField {
            entity,
            key: key.to_owned(),
            field,
        })
    } else {
        Ok(())
    }
}

fn unknown(entity: &'static str, key: &str, missing: String) -> LayoutError {
    LayoutError::UnknownParent {
        entity,
        key: key.to_owned(),
        missing,
    }
}
