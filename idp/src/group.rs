//! Groups of accounts within a partner, to grant a role to several agents at once.
//!
//! Invariants: a group and its members belong to one partner (a group or an account of partner
//! B is "not found" for partner A); adding a member to a group that holds habilitations in force
//! never pushes any of those roles — or the subscription's total — over its quota (002 contract
//! art. 2.2.1), checked inside the write transaction after locking the subscriptions.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::OffsetDateTime;

use crate::account::login_id::LoginId;
use crate::account::{Account, AccountStatus};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::clean_name;
use crate::partner::Partner;
use crate::quota::{self, QuotaExceeded, QuotaUse};
use crate::store::{self, Conn, Db, StoreError, Tx};

#[cfg(test)]
mod tests;

/// A group of a partner's accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Internal id.
    pub id: i64,
    /// The partner.
    pub partner_id: i64,
    /// Name, unique within the partner.
    pub name: String,
    /// What the group is for.
    pub description: Option<String>,
}

/// Why a group operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    /// The name is empty or too long.
    #[error("group name must be 1 to 200 characters")]
    InvalidName,
    /// The partner already has a group with this name.
    #[error("a group named {0:?} already exists for this partner")]
    Duplicate(String),
    /// No such group at this partner.
    #[error("no group {0:?} at this partner")]
    NotFound(String),
    /// No such account at the group's partner.
    #[error("no account {0} at this partner")]
    AccountNotFound(LoginId),
    /// The account is disabled.
    #[error("account {0} is disabled")]
    AccountDisabled(LoginId),
    /// The account is already a member.
    #[error("account {0} is already a member of the group")]
    AlreadyMember(LoginId),
    /// The account is not a member.
    #[error("account {0} is not a member of the group")]
    NotMember(LoginId),
    /// The group holds a role whose quota is reached.
    #[error(transparent)]
    Quota(#[from] QuotaExceeded),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for GroupError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidName => ErrorKind::Invalid,
            Self::NotFound(_) | Self::AccountNotFound(_) => ErrorKind::NotFound,
            Self::Duplicate(_)
            | Self::AccountDisabled(_)
            | Self::AlreadyMember(_)
            | Self::NotMember(_)
            | Self::Quota(_) => ErrorKind::Conflict,
            Self::Store(e) => store_kind(e),
            Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InvalidName => "group.name_invalid",
            Self::Duplicate(_) => "group.duplicate",
            Self::NotFound(_) => "group.not_found",
            Self::AccountNotFound(_) => "account.not_found",
            Self::AccountDisabled(_) => "account.disabled",
            Self::AlreadyMember(_) => "group.already_member",
            Self::NotMember(_) => "group.not_member",
            Self::Quota(e) => e.code(),
            Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::InvalidName => "Le nom du groupe doit comporter 1 à 200 caractères.".into(),
            Self::Duplicate(n) => {
                format!("Un groupe nommé « {n} » existe déjà pour ce partenaire.")
            }
            Self::NotFound(n) => format!("Aucun groupe « {n} » chez ce partenaire."),
            Self::AccountNotFound(l) => format!("Aucun compte {l} chez ce partenaire."),
            Self::AccountDisabled(l) => format!("Le compte {l} est désactivé."),
            Self::AlreadyMember(l) => format!("Le compte {l} est déjà membre du groupe."),
            Self::NotMember(l) => format!("Le compte {l} n'est pas membre du groupe."),
            Self::Quota(e) => e.message_fr(),
            Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// Creates a group of the partner (traced).
pub async fn create(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
    name: &str,
    description: Option<&str>,
) -> Result<Group, GroupError> {
    let name = clean_name(name).ok_or(GroupError::InvalidName)?;
    let description = description.map(str::trim).filter(|d| !d.is_empty());
    let tx = db.begin_write().await?;
    let group = store::group::insert(&tx, now, partner.id, &name, description)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => GroupError::Duplicate(name.clone()),
            e => e.into(),
        })?;
    let event = Event::new(action::GROUP_CREATE, actor)
        .target("group", group.id)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({ "name": group.name, "description": group.description }));
    audit::record(&tx, now, event).await?;
    crate::directory::enqueue_partner(&tx, now, partner.id).await?;
    tx.commit().await?;
    Ok(group)
}

/// Finds a group of the partner by name.
pub async fn find(db: &impl Conn, partner: &Partner, name: &str) -> Result<Group, GroupError> {
    store::group::by_name(db, partner.id, name.trim())
        .await?
        .ok_or_else(|| GroupError::NotFound(name.trim().to_owned()))
}

/// The account `login` if it belongs to the group's partner.
async fn member_account(tx: &Tx, group: &Group, login: &LoginId) -> Result<Account, GroupError> {
    store::account::by_login(tx, login)
        .await?
        .filter(|a| a.partner_id == Some(group.partner_id))
        .ok_or_else(|| GroupError::AccountNotFound(login.clone()))
}

/// Adds an account of the group's partner to the group (traced), unless it would push a role
/// the group holds over its quota.
pub async fn add_member(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    group: &Group,
    login: &LoginId,
) -> Result<(), GroupError> {
    let today = now.date();
    let tx = db.begin_write().await?;
    let account = member_account(&tx, group, login).await?;
    if account.status == AccountStatus::Disabled {
        return Err(GroupError::AccountDisabled(login.clone()));
    }
    // 002 art. 2.2.1: every role the group holds gains a holder; lock the subscriptions
    // first so that concurrent grants and additions queue, then count.
    let held = store::habilitation::in_force_of_group(&tx, group.id, today).await?;
    let mut by_subscription: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for h in &held {
        by_subscription
            .entry(h.subscription_id)
            .or_default()
            .insert(h.role_id);
    }
    let newcomer = BTreeSet::from([account.id]);
    for (subscription_id, roles) in &by_subscription {
        store::subscription::lock_quotas(&tx, *subscription_id).await?;
        let Some(sub) = store::subscription::by_id(&tx, *subscription_id).await? else {
            continue;
        };
        for q in sub.quotas.iter().filter(|q| roles.contains(&q.role_id)) {
            let holders =
                store::habilitation::holders(&tx, *subscription_id, Some(q.role_id), today).await?;
            let use_ = QuotaUse {
                role: q.role.to_string(),
                limit: q.max_holders,
                holders,
            };
            quota::check_grant(&use_, &newcomer)?;
        }
        if let Some(total) = sub.total_quota {
            let holders = store::habilitation::holders(&tx, *subscription_id, None, today).await?;
            let use_ = QuotaUse {
                role: "total".to_owned(),
                limit: total,
                holders,
            };
            quota::check_grant(&use_, &newcomer)?;
        }
    }
    store::group::add_member(&tx, now, group.id, account.id, actor.account_id())
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => GroupError::AlreadyMember(login.clone()),
            e => e.into(),
        })?;
    let event = Event::new(action::GROUP_ADD_MEMBER, actor)
        .target("group", group.id)
        .fund(account.fund_id)
        .partner(group.partner_id)
        .details(serde_json::json!({ "group": group.name, "account": account.login }));
    audit::record(&tx, now, event).await?;
    crate::directory::enqueue_partner(&tx, now, group.partner_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes an account from the group (traced); the roles it held through the group go with it.
pub async fn remove_member(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    group: &Group,
    login: &LoginId,
) -> Result<(), GroupError> {
    let tx = db.begin_write().await?;
    let account = member_account(&tx, group, login).await?;
    if !remove_member_in(&tx, now, actor, group, &account).await? {
        return Err(GroupError::NotMember(login.clone()));
    }
    tx.commit().await?;
    Ok(())
}

/// [`remove_member`] inside an open write transaction (the reverse review withdraws a line
/// held through a group this way); false, and nothing traced, when the account was not a member.
pub async fn remove_member_in(
    tx: &Tx,
    now: OffsetDateTime,
    actor: &Actor,
    group: &Group,
    account: &Account,
) -> Result<bool, GroupError> {
    if account.partner_id != Some(group.partner_id)
        || !store::group::remove_member(tx, group.id, account.id).await?
    {
        return Ok(false);
    }
    let event = Event::new(action::GROUP_REMOVE_MEMBER, actor)
        .target("group", group.id)
        .fund(account.fund_id)
        .partner(group.partner_id)
        .details(serde_json::json!({ "group": group.name, "account": account.login }));
    audit::record(tx, now, event).await?;
    crate::directory::enqueue_partner(tx, now, group.partner_id).await?;
    Ok(true)
}

/// The partner's groups, by name.
pub async fn list_of_partner(db: &impl Conn, partner: &Partner) -> Result<Vec<Group>, GroupError> {
    Ok(store::group::of_partner(db, partner.id).await?)
}

/// One page of a partner's groups, filtered in the store (text in the name).
pub async fn page_of_partner(
    db: &impl Conn,
    partner: &Partner,
    filter: &crate::listing::ListFilter,
) -> Result<crate::listing::Listed<Group>, GroupError> {
    Ok(store::listing::groups_of_partner(db, partner.id, filter).await?)
}

/// The group's members, by login.
pub async fn members(db: &impl Conn, group: &Group) -> Result<Vec<Account>, GroupError> {
    let ids = store::group::member_ids(db, group.id).await?;
    Ok(store::account::by_ids(db, &ids).await?)
}

/// The groups of the partner an account is a member of, by name.
pub async fn of_account(
    db: &impl Conn,
    partner: &Partner,
    account: &Account,
) -> Result<Vec<Group>, GroupError> {
    let ids = store::group::groups_of_account(db, account.id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut groups: Vec<Group> = list_of_partner(db, partner)
        .await?
        .into_iter()
        .filter(|g| ids.contains(&g.id))
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(groups)
}
