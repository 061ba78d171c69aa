//! Storage of accounts.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use super::entity::account;
use super::{Conn, StoreError, Tx};
use crate::account::email::Email;
use crate::account::login_id::LoginId;
use crate::account::{Account, AccountStatus};

/// When an account last logged in, if ever.
pub async fn last_login_at(db: &impl Conn, id: i64) -> Result<Option<OffsetDateTime>, StoreError> {
    let at: Option<Option<OffsetDateTime>> = account::Entity::find_by_id(id)
        .select_only()
        .column(account::Column::LastLoginAt)
        .into_tuple()
        .one(db.c())
        .await?;
    Ok(at.flatten())
}

/// The logins of the given accounts, sorted.
pub async fn logins(db: &impl Conn, ids: &BTreeSet<i64>) -> Result<Vec<String>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(account::Entity::find()
        .select_only()
        .column(account::Column::Login)
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(account::Column::Login)
        .into_tuple()
        .all(db.c())
        .await?)
}

/// What the store needs to insert an account.
#[derive(Debug, Clone)]
pub struct AccountRow<'a> {
    /// Random opaque OIDC subject.
    pub subject: &'a str,
    /// The fund.
    pub fund_id: i64,
    /// The partner (none for fund staff).
    pub partner_id: Option<i64>,
    /// The unit of the partner.
    pub unit_id: Option<i64>,
    /// Login identifier.
    pub login: &'a LoginId,
    /// Given name.
    pub given_name: &'a str,
    /// Family name.
    pub family_name: &'a str,
    /// E-mail address.
    pub email: Option<&'a Email>,
    /// Who creates it.
    pub created_by: Option<i64>,
}

/// Inserts a `pending` account that must change its password at first login.
pub async fn insert(
    tx: &Tx,
    now: OffsetDateTime,
    row: &AccountRow<'_>,
) -> Result<Account, StoreError> {
    let m = account::ActiveModel {
        subject: Set(row.subject.to_owned()),
        fund_id: Set(row.fund_id),
        partner_id: Set(row.partner_id),
        unit_id: Set(row.unit_id),
        login: Set(row.login.as_str().to_owned()),
        given_name: Set(row.given_name.to_owned()),
        family_name: Set(row.family_name.to_owned()),
        email: Set(row.email.map(|e| e.as_str().to_owned())),
        attributes: Set(serde_json::json!({})),
        status: Set(AccountStatus::Pending.as_str().to_owned()),
        must_change_password: Set(true),
        created_by: Set(row.created_by),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(tx.c())
    .await?;
    to_account(m)
}

/// An account by login.
pub async fn by_login(db: &impl Conn, login: &LoginId) -> Result<Option<Account>, StoreError> {
    account::Entity::find()
        .filter(account::Column::Login.eq(login.as_str()))
        .one(db.c())
        .await?
        .map(to_account)
        .transpose()
}

/// An account by id.
pub async fn by_id(db: &impl Conn, id: i64) -> Result<Option<Account>, StoreError> {
    account::Entity::find_by_id(id)
        .one(db.c())
        .await?
        .map(to_account)
        .transpose()
}

/// Accounts by id, in login order.
pub async fn by_ids(db: &impl Conn, ids: &BTreeSet<i64>) -> Result<Vec<Account>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(account::Column::Login)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_account)
        .collect()
}

/// Every login starting with `prefix` (to answer "is this login taken?" while generating).
pub async fn logins_with_prefix(
    db: &impl Conn,
    prefix: &str,
) -> Result<BTreeSet<String>, StoreError> {
    let rows: Vec<String> = account::Entity::find()
        .select_only()
        .column(account::Column::Login)
        .filter(account::Column::Login.starts_with(prefix))
        .into_tuple()
        .all(db.c())
        .await?;
    Ok(rows.into_iter().collect())
}

/// A partner's accounts, by login.
pub async fn of_partner(db: &impl Conn, partner_id: i64) -> Result<Vec<Account>, StoreError> {
    account::Entity::find()
        .filter(account::Column::PartnerId.eq(partner_id))
        .order_by_asc(account::Column::Login)
        .all(db.c())
        .await?
        .into_iter()
        .map(to_account)
        .collect()
}

pub(super) fn to_account(m: account::Model) -> Result<Account, StoreError> {
    let id = m.id;
    let corrupt = |what: &str| StoreError::Corrupt(format!("account {id}: {what}"));
    Ok(Account {
        id,
        subject: m.subject,
        fund_id: m.fund_id,
        partner_id: m.partner_id,
        unit_id: m.unit_id,
        login: LoginId::parse(&m.login).map_err(|_| corrupt("login"))?,
        given_name: m.given_name,
        family_name: m.family_name,
        email: m
            .email
            .as_deref()
            .map(Email::parse)
            .transpose()
            .map_err(|_| corrupt("email"))?,
        status: AccountStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
        must_change_password: m.must_change_password,
        created_at: m.created_at,
    })
}

/// Marks the password of an account as its own: status `active`, no change pending.
pub async fn password_changed(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
) -> Result<(), StoreError> {
    account::ActiveModel {
        id: Set(account_id),
        status: Set(AccountStatus::Active.as_str().to_owned()),
        must_change_password: Set(false),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// Records a successful login.
pub async fn logged_in(tx: &Tx, now: OffsetDateTime, account_id: i64) -> Result<(), StoreError> {
    account::ActiveModel {
        id: Set(account_id),
        last_login_at: Set(Some(now)),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// Sets the status of an account, with the reason shown to administrators.
pub async fn set_status(
    tx: &Tx,
    now: OffsetDateTime,
    account_id: i64,
    status: AccountStatus,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let disabled_at = (status == AccountStatus::Disabled).then_some(now);
    account::ActiveModel {
        id: Set(account_id),
        status: Set(status.as_str().to_owned()),
        status_reason: Set(reason.map(str::to_owned)),
        disabled_at: Set(disabled_at),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}

/// Replaces the profile of an account: names, e-mail address, unit.
pub async fn update_profile(
    tx: &Tx,
    now: OffsetDateTime,
    account: &Account,
) -> Result<(), StoreError> {
    account::ActiveModel {
        id: Set(account.id),
        given_name: Set(account.given_name.clone()),
        family_name: Set(account.family_name.clone()),
        email: Set(account.email.as_ref().map(|e| e.as_str().to_owned())),
        unit_id: Set(account.unit_id),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx.c())
    .await?;
    Ok(())
}
