//! Accounts over the store: creation of partner agents and fund operators, lookups.
//!
//! Every account is nominative (002 art. 9.2: no shared accounts): it names one person. A new
//! account is `pending` with a random temporary password it must change at first login (000 and
//! 001 art. 4-3, 004 art. 3-2); the password is returned once, as a [`Secret`], and only its
//! Argon2id hash is stored. The login follows the fund's policy: generated from the partner and
//! the name (002 art. 9.1) or the e-mail address (004). Lookups are scoped to a partner: an
//! account of partner B is "not found" for partner A.

use rand::rngs::OsRng;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::email::Email;
use super::login_id::{self, LoginId, LoginIdError};
use super::password::{self, PasswordError};
use super::temporary_password;
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::config::AccountsConfig;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::{Fund, LoginPolicy, clean_name};
use crate::macros::str_enum;
use crate::partner::{Partner, Unit};
use crate::secret::{self, Secret};
use crate::store::account::AccountRow;
use crate::store::credential::StoredPassword;
use crate::store::{self, Conn, Db, StoreError, Tx};

/// Where an account is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    /// Created, temporary password not yet changed.
    Pending,
    /// In use.
    Active,
    /// Locked after failed logins.
    Locked,
    /// Suspended by an administrator.
    Suspended,
    /// Disabled for good (kept for history).
    Disabled,
}
str_enum!(AccountStatus {
    Pending = "pending",
    Active = "active",
    Locked = "locked",
    Suspended = "suspended",
    Disabled = "disabled",
});

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Internal id.
    pub id: i64,
    /// Random opaque OIDC subject.
    pub subject: String,
    /// The fund.
    pub fund_id: i64,
    /// The partner; none for fund staff.
    pub partner_id: Option<i64>,
    /// The partner's unit, if any.
    pub unit_id: Option<i64>,
    /// Login identifier.
    pub login: LoginId,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// E-mail address.
    pub email: Option<Email>,
    /// Status.
    pub status: AccountStatus,
    /// Whether the password must be changed at next login.
    pub must_change_password: bool,
    /// Creation instant.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A person to give an account to.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// E-mail address (required when the fund's logins are e-mail addresses).
    pub email: Option<Email>,
    /// The partner's unit the person works in, if any (agents only).
    pub unit: Option<Unit>,
}

/// Changes to an account's profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    /// New given name.
    pub given_name: Option<String>,
    /// New family name.
    pub family_name: Option<String>,
    /// New e-mail address (not where the address is the login).
    pub email: Option<Email>,
    /// New unit of the partner.
    pub unit: Option<Unit>,
}

/// A created account and its temporary password, to hand over once.
#[derive(Debug, Clone)]
pub struct CreatedAccount {
    /// The account.
    pub account: Account,
    /// The temporary password; never stored nor traced in clear.
    pub temporary_password: Secret,
    /// When the temporary password stops working.
    pub expires_at: OffsetDateTime,
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The e-mail address is the login in this fund: it cannot be edited.
    #[error("the e-mail address is the login in this fund and cannot be changed")]
    EmailIsLogin,
    /// A name is empty, too long or contains control characters.
    #[error("given and family names must be 1 to 200 characters")]
    InvalidName,
    /// The fund's logins are e-mail addresses and none was given.
    #[error("an e-mail address is required: it is the login identifier in this fund")]
    EmailRequired,
    /// The partner is not in this fund's register.
    #[error("the partner is not in this fund's register")]
    ForeignPartner,
    /// The unit belongs to another partner.
    #[error("unit {0} does not belong to this partner")]
    ForeignUnit(String),
    /// The e-mail address cannot serve as a login identifier.
    #[error(transparent)]
    InvalidLogin(#[from] LoginIdError),
    /// The login identifier is already used.
    #[error("login {0} is already taken")]
    LoginTaken(LoginId),
    /// No such account for this partner or fund.
    #[error("no account {0} here")]
    NotFound(String),
    /// The password could not be hashed.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written, so nothing was.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for AccountError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidName
            | Self::EmailRequired
            | Self::EmailIsLogin
            | Self::ForeignPartner
            | Self::ForeignUnit(_) => ErrorKind::Invalid,
            Self::InvalidLogin(_) => ErrorKind::Invalid,
            Self::LoginTaken(_) => ErrorKind::Conflict,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Store(e) => store_kind(e),
            Self::Password(_) | Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InvalidName => "account.name_invalid",
            Self::EmailRequired => "account.email_required",
            Self::EmailIsLogin => "account.email_is_login",
            Self::ForeignPartner => "account.foreign_partner",
            Self::ForeignUnit(_) => "account.foreign_unit",
            Self::InvalidLogin(e) => e.code(),
            Self::LoginTaken(_) => "account.login_taken",
            Self::NotFound(_) => "account.not_found",
            Self::Password(_) | Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::InvalidName => "Le prénom et le nom doivent comporter 1 à 200 caractères.".into(),
            Self::EmailRequired => {
                "L'adresse électronique est obligatoire : elle sert d'identifiant dans cette caisse."
                    .into()
            }
            Self::EmailIsLogin => {
                "Dans cette caisse, l'adresse électronique est l'identifiant : elle ne se modifie pas."
                    .into()
            }
            Self::ForeignPartner => "Ce partenaire n'est pas au registre de cette caisse.".into(),
            Self::ForeignUnit(u) => format!("L'unité {u} n'appartient pas à ce partenaire."),
            Self::InvalidLogin(e) => e.message_fr(),
            Self::LoginTaken(l) => format!("L'identifiant {l} est déjà utilisé."),
            Self::NotFound(l) => format!("Aucun compte {l} ici."),
            Self::Password(_) | Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// A fresh temporary password, its hash and its expiry.
async fn temporary(
    settings: &AccountsConfig,
    now: OffsetDateTime,
) -> Result<(Secret, StoredPassword), AccountError> {
    // 000/001 art. 4-3, 004 art. 3-2: a random password handed over once, changed at first login.
    let clear = Secret::new(temporary_password::generate_from(
        &mut OsRng,
        settings.temporary_password_length,
        settings.temporary_password_alphabet.as_bytes(),
    ));
    let hash = password::Hasher::from_config(settings)?
        .hash(&clear)
        .await?;
    let expires_at = now + Duration::days(i64::from(settings.temporary_password_validity_days));
    Ok((
        clear,
        StoredPassword {
            hash,
            is_temporary: true,
            expires_at: Some(expires_at),
        },
    ))
}

fn names(new: &NewAccount) -> Result<(String, String), AccountError> {
    let given = clean_name(&new.given_name).ok_or(AccountError::InvalidName)?;
    let family = clean_name(&new.family_name).ok_or(AccountError::InvalidName)?;
    Ok((given, family))
}

async fn insert_with_password(
    tx: &Tx,
    now: OffsetDateTime,
    row: &AccountRow<'_>,
    stored: &StoredPassword,
) -> Result<Account, AccountError> {
    let account = store::account::insert(tx, now, row)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => AccountError::LoginTaken(row.login.clone()),
            e => e.into(),
        })?;
    store::credential::insert_password(tx, now, account.id, stored).await?;
    Ok(account)
}

/// A temporary password made before the write transaction that stores it (hashing is slow and
/// must not run while the database is locked for writing).
#[derive(Debug)]
pub struct PreparedPassword {
    clear: Secret,
    stored: StoredPassword,
}

/// Makes the temporary password of an account about to be created with [`create_in`].
pub async fn prepare_password(
    settings: &AccountsConfig,
    now: OffsetDateTime,
) -> Result<PreparedPassword, AccountError> {
    let (clear, stored) = temporary(settings, now).await?;
    Ok(PreparedPassword { clear, stored })
}

fn check_new(
    fund: &Fund,
    partner: &Partner,
    new: &NewAccount,
) -> Result<(String, String), AccountError> {
    let (given, family) = names(new)?;
    if partner.fund_id != fund.id {
        return Err(AccountError::ForeignPartner);
    }
    if let Some(u) = new.unit.as_ref().filter(|u| u.partner_id != partner.id) {
        return Err(AccountError::ForeignUnit(u.code.clone()));
    }
    if fund.login_policy == LoginPolicy::Email && new.email.is_none() {
        return Err(AccountError::EmailRequired);
    }
    Ok((given, family))
}

/// Edits an account's profile (traced with the values before and after; the directory
/// follows). The login never changes: where the fund's logins are e-mail addresses, the address
/// cannot be edited here. History is kept: nothing is deleted.
pub async fn edit(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    partner: &Partner,
    account: &Account,
    patch: AccountPatch,
) -> Result<Account, AccountError> {
    if account.partner_id != Some(partner.id) || partner.fund_id != fund.id {
        return Err(AccountError::ForeignPartner);
    }
    if let Some(u) = patch.unit.as_ref().filter(|u| u.partner_id != partner.id) {
        return Err(AccountError::ForeignUnit(u.code.clone()));
    }
    if patch.email.is_some() && fund.login_policy == LoginPolicy::Email {
        return Err(AccountError::EmailIsLogin);
    }
    let mut after = account.clone();
    if let Some(g) = &patch.given_name {
        after.given_name = clean_name(g).ok_or(AccountError::InvalidName)?;
    }
    if let Some(f) = &patch.family_name {
        after.family_name = clean_name(f).ok_or(AccountError::InvalidName)?;
    }
    if let Some(e) = patch.email {
        after.email = Some(e);
    }
    if let Some(u) = &patch.unit {
        after.unit_id = Some(u.id);
    }
    let tx = db.begin_write().await?;
    store::account::update_profile(&tx, now, &after).await?;
    let view = |a: &Account| {
        serde_json::json!({
            "given_name": a.given_name, "family_name": a.family_name,
            "email": a.email, "unit_id": a.unit_id,
        })
    };
    let event = Event::new(action::ACCOUNT_UPDATE, actor)
        .target("account", &account.login)
        .fund(fund.id)
        .partner(partner.id)
        .details(serde_json::json!({ "before": view(account), "after": view(&after) }));
    audit::record(&tx, now, event).await?;
    let change = crate::directory::Change::Account {
        fund: fund.code.to_string(),
        partner: partner.third_party_number.to_string(),
        login: account.login.to_string(),
    };
    crate::directory::enqueue(&tx, now, &change).await?;
    tx.commit().await?;
    Ok(after)
}

/// Creates the account of a partner's agent (traced), optionally in one of its units, and
/// returns it with its temporary password.
pub async fn create(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    settings: &AccountsConfig,
    fund: &Fund,
    partner: &Partner,
    new: NewAccount,
) -> Result<CreatedAccount, AccountError> {
    check_new(fund, partner, &new)?;
    let password = prepare_password(settings, now).await?;
    let tx = db.begin_write().await?;
    let created = create_in(&tx, now, actor, fund, partner, new, password).await?;
    tx.commit().await?;
    Ok(created)
}

/// [`create`] inside the caller's write transaction (an approved access request creates the
/// account and records the decision atomically): the account, its temporary password, its
/// trace and its directory row are written in `tx`; nothing is committed.
pub async fn create_in(
    tx: &Tx,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    partner: &Partner,
    new: NewAccount,
    password: PreparedPassword,
) -> Result<CreatedAccount, AccountError> {
    let (given, family) = check_new(fund, partner, &new)?;
    let unit = new.unit.as_ref();
    let PreparedPassword { clear, stored } = password;
    let subject = secret::random_hex(16);
    let login = match (fund.login_policy, &new.email) {
        // 004: the e-mail address is the identifier.
        (LoginPolicy::Email, Some(email)) => LoginId::parse(email.as_str())?,
        _ => {
            // 002 art. 9.1: produced automatically; "taken" is answered from the database,
            // inside the write transaction.
            let prefix = format!(
                "{}.",
                partner.third_party_number.as_str().to_ascii_lowercase()
            );
            let taken = store::account::logins_with_prefix(tx, &prefix).await?;
            login_id::generate(&partner.third_party_number, &given, &family, |l| {
                taken.contains(l)
            })
        }
    };
    if store::account::by_login(tx, &login).await?.is_some() {
        return Err(AccountError::LoginTaken(login));
    }
    let row = AccountRow {
        subject: &subject,
        fund_id: fund.id,
        partner_id: Some(partner.id),
        unit_id: unit.map(|u| u.id),
        login: &login,
        given_name: &given,
        family_name: &family,
        email: new.email.as_ref(),
        created_by: actor.account_id(),
    };
    let account = insert_with_password(tx, now, &row, &stored).await?;
    let event = Event::new(action::ACCOUNT_CREATE, actor)
        .target("account", &account.login)
        .fund(fund.id)
        .partner(partner.id)
        .details(serde_json::json!({
            "given_name": account.given_name,
            "family_name": account.family_name,
            "email": account.email,
            "unit": unit.map(|u| &u.code),
            "temporary_password_expires_at": stored.expires_at.map(|t| t.unix_timestamp()),
        }));
    audit::record(tx, now, event).await?;
    let change = crate::directory::Change::Account {
        fund: fund.code.to_string(),
        partner: partner.third_party_number.to_string(),
        login: account.login.to_string(),
    };
    crate::directory::enqueue(tx, now, &change).await?;
    Ok(CreatedAccount {
        account,
        temporary_password: clear,
        expires_at: stored.expires_at.unwrap_or(now),
    })
}

/// Creates the account of a fund operator (traced): fund staff, with no partner, holding the
/// `fund_operator` role of the fund. Fund staff log in with their e-mail address, which is
/// therefore required.
pub async fn create_operator(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    settings: &AccountsConfig,
    fund: &Fund,
    new: NewAccount,
) -> Result<CreatedAccount, AccountError> {
    let (given, family) = names(&new)?;
    let email = new.email.clone().ok_or(AccountError::EmailRequired)?;
    let login = LoginId::parse(email.as_str())?;
    let (clear, stored) = temporary(settings, now).await?;
    let subject = secret::random_hex(16);
    let tx = db.begin_write().await?;
    if store::account::by_login(&tx, &login).await?.is_some() {
        return Err(AccountError::LoginTaken(login));
    }
    let row = AccountRow {
        subject: &subject,
        fund_id: fund.id,
        partner_id: None,
        unit_id: None,
        login: &login,
        given_name: &given,
        family_name: &family,
        email: Some(&email),
        created_by: actor.account_id(),
    };
    let account = insert_with_password(&tx, now, &row, &stored).await?;
    store::admin_role::insert_fund_operator(&tx, now, account.id, fund.id, actor.account_id())
        .await?;
    let event = Event::new(action::OPERATOR_CREATE, actor)
        .target("account", &account.login)
        .fund(fund.id)
        .details(serde_json::json!({
            "given_name": account.given_name,
            "family_name": account.family_name,
            "role": "fund_operator",
            "temporary_password_expires_at": stored.expires_at.map(|t| t.unix_timestamp()),
        }));
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(CreatedAccount {
        account,
        temporary_password: clear,
        expires_at: stored.expires_at.unwrap_or(now),
    })
}

/// The accounts of the given ids (a page's holders, in one query).
pub async fn by_ids(
    db: &impl Conn,
    ids: &std::collections::BTreeSet<i64>,
) -> Result<Vec<Account>, AccountError> {
    Ok(store::account::by_ids(db, ids).await?)
}

/// When the account last logged in, if ever (shown to its administrators).
pub async fn last_login(
    db: &impl Conn,
    account: &Account,
) -> Result<Option<OffsetDateTime>, AccountError> {
    Ok(store::account::last_login_at(db, account.id).await?)
}

/// Finds an account of the partner by login; another partner's account is not found.
pub async fn find_by_login(
    db: &impl Conn,
    partner: &Partner,
    login: &LoginId,
) -> Result<Account, AccountError> {
    store::account::by_login(db, login)
        .await?
        .filter(|a| a.partner_id == Some(partner.id))
        .ok_or_else(|| AccountError::NotFound(login.to_string()))
}

/// Finds a fund staff account (no partner) of the fund by login.
pub async fn find_operator(
    db: &impl Conn,
    fund: &Fund,
    login: &LoginId,
) -> Result<Account, AccountError> {
    store::account::by_login(db, login)
        .await?
        .filter(|a| a.partner_id.is_none() && a.fund_id == fund.id)
        .ok_or_else(|| AccountError::NotFound(login.to_string()))
}

/// A partner's accounts, by login.
pub async fn list_of_partner(
    db: &impl Conn,
    partner: &Partner,
) -> Result<Vec<Account>, AccountError> {
    Ok(store::account::of_partner(db, partner.id).await?)
}

/// One page of a partner's accounts, filtered in the store (status, text, group, role).
pub async fn page_of_partner(
    db: &impl Conn,
    partner: &Partner,
    filter: &crate::listing::ListFilter,
) -> Result<crate::listing::Listed<Account>, AccountError> {
    Ok(store::listing::accounts_of_partner(db, partner.id, filter).await?)
}

#[cfg(test)]
mod tests;
