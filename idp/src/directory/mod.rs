//! The LDAP "annuaire des extranautes" (seed 003: agents are registered "dans l'annuaire LDAP
//! des extranautes", listed by département and by the service bundle they are entitled to).
//! Habilis is the source of truth: this module turns what the database says into the
//! directory's desired state (`directory_sync::layout::DesiredState`) and asks `directory-sync`
//! to make the directory match it. It never talks LDAP itself.
//!
//! What an account shows: its names and e-mail; `departmentNumber` = the départements of the
//! habilitations it holds today (directly or through a group; a commune counts for its
//! département); its service bundles; and a disabled marker when the account is disabled or
//! suspended or its partner is suspended. Role groups (`cn=<service>-<role>`) list the accounts
//! holding the role today under an active convention. Accounts are never deleted from the
//! directory by Habilis: history is kept (002 service contract art. 5.3.2).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use directory_sync::apply::{Directory, ReconcileReport};
use directory_sync::connection::{BindSecret, DirectoryConfig};
use directory_sync::error::{DirectoryError, LayoutError};
use directory_sync::layout::{
    AccountRef, DesiredState, DirectoryAccount, DirectoryFund, DirectoryGroup, DirectoryPartner,
    DirectoryRoleGroup, Layout,
};
use directory_sync::metrics::Metrics;
use time::Date;

use crate::config::DirectorySettings;

pub mod outbox;
pub mod worker;

use crate::store::{self, Db, StoreError};
use crate::territory::Territory;
pub use outbox::{Change, enqueue, enqueue_partner};
pub use worker::{PassReport, Worker};

/// Everything the directory is computed from, as read from the database.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Funds: id, code, name.
    pub funds: Vec<(i64, String, String)>,
    /// Partners.
    pub partners: Vec<PartnerRow>,
    /// Accounts of partners (fund staff excluded).
    pub accounts: Vec<AccountRow>,
    /// Live groups: id, partner id, name.
    pub groups: Vec<(i64, i64, String)>,
    /// Memberships: group id, account id.
    pub memberships: Vec<(i64, i64)>,
    /// Services: id, fund id, code.
    pub services: Vec<(i64, i64, String)>,
    /// Roles: id, service id, code.
    pub roles: Vec<(i64, i64, String)>,
    /// Subscriptions: id, convention id, service id, active.
    pub subscriptions: Vec<(i64, i64, i64, bool)>,
    /// Conventions: id, partner id, active, territory.
    pub conventions: Vec<(i64, i64, bool, Territory)>,
    /// Habilitations still active (the validity dates are checked here).
    pub grants: Vec<GrantRow>,
}

/// A partner as the directory needs it.
#[derive(Debug, Clone)]
pub struct PartnerRow {
    /// Id.
    pub id: i64,
    /// Fund id.
    pub fund_id: i64,
    /// Third-party number.
    pub third_party_number: String,
    /// Name.
    pub name: String,
    /// SIRET, empty when unknown.
    pub siret: String,
    /// Suspended by the fund.
    pub suspended: bool,
}

/// An account as the directory needs it.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// Id.
    pub id: i64,
    /// Partner id.
    pub partner_id: i64,
    /// Login.
    pub login: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// E-mail, empty when unknown.
    pub email: String,
    /// Disabled or suspended.
    pub inactive: bool,
    /// The Argon2id PHC string of the account's own (not temporary) password, when the
    /// directory is configured to receive password hashes.
    pub password_hash: Option<String>,
}

/// An active habilitation.
#[derive(Debug, Clone)]
pub struct GrantRow {
    /// Subscription id.
    pub subscription_id: i64,
    /// Role id.
    pub role_id: i64,
    /// Direct holder.
    pub account_id: Option<i64>,
    /// Holding group.
    pub group_id: Option<i64>,
    /// Narrower territory, if any.
    pub territory: Option<Territory>,
    /// Start of validity.
    pub valid_from: Date,
    /// End of validity.
    pub valid_until: Option<Date>,
}

/// Why the directory could not be synchronised.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The directory is not enabled in the configuration.
    #[error(
        "the directory is not enabled: set directory.enabled = true and its connection settings"
    )]
    Disabled,
    /// Reading the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The desired state does not fit the layout (e.g. an invalid base DN).
    #[error("directory layout: {0}")]
    Layout(#[from] LayoutError),
    /// The directory failed or refused.
    #[error("directory: {0}")]
    Directory(#[from] DirectoryError),
}

/// The `directory-sync` connection settings from Habilis' configuration.
pub fn connection(settings: &DirectorySettings) -> DirectoryConfig {
    let mut c = DirectoryConfig::new(
        &settings.url,
        &settings.bind_dn,
        BindSecret::new(settings.bind_password.expose()),
        &settings.base_dn,
    );
    c.starttls = settings.starttls;
    c.connect_timeout = Duration::from_secs(settings.connect_timeout_secs);
    c.op_timeout = Duration::from_secs(settings.op_timeout_secs);
    c.pool_size = settings.pool_size;
    c.tls_ca_file = Some(settings.tls_ca_file.trim())
        .filter(|f| !f.is_empty())
        .map(PathBuf::from);
    c
}

/// The layout of the configured subtree.
pub fn layout(settings: &DirectorySettings) -> Result<Layout, SyncError> {
    let mut layout = Layout::new(&settings.base_dn)?;
    layout.write_passwords = settings.write_passwords;
    Ok(layout)
}

/// Compares the whole subtree with the database and repairs the drift (or only counts it with
/// `dry_run`). A second run after a successful one changes nothing.
pub async fn reconcile(
    db: &Db,
    settings: &DirectorySettings,
    today: Date,
    dry_run: bool,
) -> Result<ReconcileReport, SyncError> {
    if !settings.enabled {
        return Err(SyncError::Disabled);
    }
    let snapshot = store::directory::snapshot(db, settings.write_passwords, None).await?;
    let layout = layout(settings)?;
    let entries = layout.entries(&desired_state(&snapshot, today))?;
    let directory = Directory::new(connection(settings), Arc::new(Metrics::new()))?;
    Ok(directory
        .reconcile(&entries, &layout.scope(), dry_run)
        .await?)
}

/// What the directory must hold on `today` (pure).
pub fn desired_state(s: &Snapshot, today: Date) -> DesiredState {
    let fund_code: BTreeMap<i64, &str> =
        s.funds.iter().map(|(id, c, _)| (*id, c.as_str())).collect();
    let partners: BTreeMap<i64, &PartnerRow> = s.partners.iter().map(|p| (p.id, p)).collect();
    let accounts: BTreeMap<i64, &AccountRow> = s.accounts.iter().map(|a| (a.id, a)).collect();
    let conventions: BTreeMap<i64, (i64, bool, &Territory)> = s
        .conventions
        .iter()
        .map(|(id, p, active, t)| (*id, (*p, *active, t)))
        .collect();
    let subscriptions: BTreeMap<i64, (i64, i64, bool)> = s
        .subscriptions
        .iter()
        .map(|(id, c, svc, a)| (*id, (*c, *svc, *a)))
        .collect();
    let services: BTreeMap<i64, (i64, &str)> = s
        .services
        .iter()
        .map(|(id, f, c)| (*id, (*f, c.as_str())))
        .collect();
    let roles: BTreeMap<i64, (i64, &str)> = s
        .roles
        .iter()
        .map(|(id, svc, c)| (*id, (*svc, c.as_str())))
        .collect();
    let mut members: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (g, a) in &s.memberships {
        members.entry(*g).or_default().push(*a);
    }

    // Who holds what today: (account → départements, services) and (role → accounts).
    let mut departements: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let mut bundles: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    let mut holders: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for g in &s.grants {
        let in_dates = g.valid_from <= today && g.valid_until.is_none_or(|u| u >= today);
        let Some(&(convention_id, service_id, sub_active)) = subscriptions.get(&g.subscription_id)
        else {
            continue;
        };
        let Some(&(partner_id, conv_active, conv_territory)) = conventions.get(&convention_id)
        else {
            continue;
        };
        let partner_active = partners.get(&partner_id).is_some_and(|p| !p.suspended);
        if !(in_dates && sub_active && conv_active && partner_active) {
            continue;
        }
        let Some(&(_, service_code)) = services.get(&service_id) else {
            continue;
        };
        let territory = g.territory.as_ref().unwrap_or(conv_territory);
        let mut deps: BTreeSet<String> = territory
            .departements
            .iter()
            .map(|d| d.as_str().to_owned())
            .collect();
        deps.extend(
            territory
                .communes
                .iter()
                .map(|c| c.departement().as_str().to_owned()),
        );
        let subjects: Vec<i64> = match (g.account_id, g.group_id) {
            (Some(a), _) => vec![a],
            (None, Some(group)) => members.get(&group).cloned().unwrap_or_default(),
            (None, None) => Vec::new(),
        };
        for a in subjects {
            let Some(account) = accounts.get(&a) else {
                continue;
            };
            if account.inactive || account.partner_id != partner_id {
                continue;
            }
            departements
                .entry(a)
                .or_default()
                .extend(deps.iter().cloned());
            bundles
                .entry(a)
                .or_default()
                .insert(service_code.to_owned());
            holders.entry(g.role_id).or_default().insert(a);
        }
    }

    let mut state = DesiredState::default();
    for (_, code, name) in &s.funds {
        state.funds.push(DirectoryFund {
            code: code.clone(),
            name: name.clone(),
        });
    }
    for p in &s.partners {
        let Some(fund) = fund_code.get(&p.fund_id) else {
            continue;
        };
        state.partners.push(DirectoryPartner {
            fund_code: (*fund).to_owned(),
            third_party_number: p.third_party_number.clone(),
            name: p.name.clone(),
            siret: p.siret.clone(),
        });
    }
    let account_ref = |id: i64| -> Option<AccountRef> {
        let a = accounts.get(&id)?;
        let p = partners.get(&a.partner_id)?;
        Some(AccountRef {
            fund_code: (*fund_code.get(&p.fund_id)?).to_owned(),
            third_party_number: p.third_party_number.clone(),
            login: a.login.clone(),
        })
    };
    for a in &s.accounts {
        let Some(r) = account_ref(a.id) else { continue };
        let partner_suspended = partners.get(&a.partner_id).is_some_and(|p| p.suspended);
        state.accounts.push(DirectoryAccount {
            fund_code: r.fund_code,
            third_party_number: r.third_party_number,
            login: r.login,
            given_name: a.given_name.clone(),
            family_name: a.family_name.clone(),
            email: a.email.clone(),
            departements: departements
                .remove(&a.id)
                .unwrap_or_default()
                .into_iter()
                .collect(),
            services: bundles
                .remove(&a.id)
                .unwrap_or_default()
                .into_iter()
                .collect(),
            disabled: a.inactive || partner_suspended,
            // RFC 3112 form; OpenLDAP verifies it with its argon2 module (pw-argon2).
            password_hash: a.password_hash.as_ref().map(|h| format!("{{ARGON2}}{h}")),
        });
    }
    for (id, partner_id, name) in &s.groups {
        let Some(p) = partners.get(partner_id) else {
            continue;
        };
        let Some(fund) = fund_code.get(&p.fund_id) else {
            continue;
        };
        let mut logins: Vec<String> = members
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|a| accounts.get(a).filter(|a| a.partner_id == *partner_id))
            .map(|a| a.login.clone())
            .collect();
        logins.sort();
        state.groups.push(DirectoryGroup {
            fund_code: (*fund).to_owned(),
            third_party_number: p.third_party_number.clone(),
            name: name.clone(),
            member_logins: logins,
        });
    }
    for (role_id, (service_id, role_code)) in &roles {
        let Some(&(fund_id, service_code)) = services.get(service_id) else {
            continue;
        };
        let Some(fund) = fund_code.get(&fund_id) else {
            continue;
        };
        let members = holders
            .get(role_id)
            .into_iter()
            .flatten()
            .filter_map(|a| account_ref(*a))
            .collect();
        state.role_groups.push(DirectoryRoleGroup {
            fund_code: (*fund).to_owned(),
            service_code: service_code.to_owned(),
            role_code: (*role_code).to_owned(),
            members,
        });
    }
    state
}

#[cfg(test)]
mod tests;
