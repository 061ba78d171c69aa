//! What administrators do to someone else's credentials (issue #4 point 8): reset a password,
//! force every account of a partner to change its password (the fund's supervision, seed 002
//! art. 2.2.1: "la Caf peut … forcer la modification des mots de passe utilisateurs"), disable
//! and enable an account, unlock it after failed logins, reset its second factor, and set a
//! fund's credential rules.
//!
//! Each function takes the acting [`Actor`] and traces it; who may act on which account is
//! decided before (the delegation rules); here only the change and its trace, in one
//! transaction, with the directory refresh where the directory shows the change. Functions
//! that must end the person's sessions return the affected account ids (`end_sessions_of`):
//! the caller hands them to the session module.

use std::collections::BTreeSet;

use rand::rngs::OsRng;
use time::{Duration, OffsetDateTime};

use super::authenticate::with_partner;
use super::credentials::{Credentials, MfaPolicy};
use super::password::PasswordError;
use super::policy::{FundPolicy, PolicyError};
use super::temporary_password;
use super::throttle::ThrottleError;
use super::{Account, AccountStatus};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, action};
use crate::config::TemporaryPasswordDelivery;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::fund::Fund;
use crate::mail::Mail;
use crate::partner::Partner;
use crate::secret::Secret;
use crate::store::credential::StoredPassword;
use crate::store::{self, Db, StoreError, Tx};

#[cfg(test)]
mod tests;

/// Why an administrator's action failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The account is disabled: enable it first.
    #[error("account {0} is disabled: enable it first")]
    Disabled(String),
    /// The account already has this status.
    #[error("account {0} is already {1}")]
    AlreadyInStatus(String, &'static str),
    /// A reason is required.
    #[error("a reason is required (1 to 500 characters)")]
    ReasonRequired,
    /// The policy override is out of bounds.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// Hashing failed.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// Attempt counters failed.
    #[error(transparent)]
    Throttle(#[from] ThrottleError),
    /// Re-enabling would put a role over its quota (issue 5 point 4).
    #[error(transparent)]
    Quota(#[from] crate::habilitation::HabilitationError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for AdminError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Disabled(_) | Self::AlreadyInStatus(..) => ErrorKind::Conflict,
            Self::ReasonRequired => ErrorKind::Invalid,
            Self::Policy(e) => e.kind(),
            Self::Quota(e) => e.kind(),
            Self::Store(e) => store_kind(e),
            Self::Password(_) | Self::Throttle(_) | Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Disabled(_) => "account.disabled",
            Self::AlreadyInStatus(..) => "account.status_unchanged",
            Self::ReasonRequired => "account.reason_required",
            Self::Policy(e) => e.code(),
            Self::Quota(e) => e.code(),
            Self::Password(_) | Self::Throttle(_) | Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::Disabled(l) => format!("Le compte {l} est désactivé : réactivez-le d'abord."),
            Self::AlreadyInStatus(l, s) => format!("Le compte {l} est déjà dans l'état {s}."),
            Self::ReasonRequired => "Un motif est obligatoire (1 à 500 caractères).".into(),
            Self::Policy(e) => e.message_fr(),
            Self::Quota(e) => e.message_fr(),
            Self::Password(_) | Self::Throttle(_) | Self::Store(_) | Self::Audit(_) => {
                "Erreur interne.".into()
            }
        }
    }
}

/// The outcome of an action on one account.
#[derive(Debug, Clone)]
pub struct Done {
    /// The account after the action.
    pub account: Account,
    /// Accounts whose sessions and tokens must end.
    pub end_sessions_of: Vec<i64>,
}

/// The outcome of a password reset by an administrator.
#[derive(Debug, Clone)]
pub struct AdminReset {
    /// The account, which must change its password at next login.
    pub account: Account,
    /// The temporary password, when the fund's policy is to show it (or the e-mail could not
    /// be sent): hand it over once.
    pub temporary_password: Option<Secret>,
    /// The address it was e-mailed to, when it was.
    pub emailed_to: Option<String>,
    /// When the temporary password stops working.
    pub expires_at: OffsetDateTime,
    /// Accounts whose sessions and tokens must end.
    pub end_sessions_of: Vec<i64>,
}

/// Queues the directory refresh of an account of a partner (fund staff are not in the
/// directory).
pub(crate) async fn enqueue_account(
    tx: &Tx,
    now: OffsetDateTime,
    account: &Account,
) -> Result<(), StoreError> {
    let Some(partner_id) = account.partner_id else {
        return Ok(());
    };
    let partner = store::partner::by_id(tx, partner_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("partner {partner_id} vanished")))?;
    let fund = store::catalogue::fund_by_id(tx, account.fund_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("fund {} vanished", account.fund_id)))?;
    let change = crate::directory::Change::Account {
        fund: fund.code.to_string(),
        partner: partner.third_party_number.to_string(),
        login: account.login.to_string(),
    };
    crate::directory::enqueue(tx, now, &change).await
}

fn event(act: audit::Action, actor: &Actor, account: &Account) -> Event {
    with_partner(
        Event::new(act, actor)
            .target("account", &account.login)
            .fund(account.fund_id),
        account,
    )
}

fn clean_reason(reason: &str) -> Result<String, AdminError> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 500 || r.chars().any(char::is_control) {
        return Err(AdminError::ReasonRequired);
    }
    Ok(r.to_owned())
}

/// Gives an account a new temporary password (seed 004 art. 3-2: "un nouveau mot de passe …
/// doit à nouveau être personnalisé lors de la première connexion"): the old password stops
/// working, a change is forced at next login, failures and lock are forgotten, unused reset
/// links end, the directory entry is refreshed (it never shows a temporary password). The
/// fund's policy decides whether the password is e-mailed or returned to be shown once.
pub async fn reset_password(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    account: &Account,
) -> Result<AdminReset, AdminError> {
    if account.status == AccountStatus::Disabled {
        return Err(AdminError::Disabled(account.login.to_string()));
    }
    let clear = Secret::new(temporary_password::generate_from(
        &mut OsRng,
        creds.accounts.temporary_password_length,
        creds.accounts.temporary_password_alphabet.as_bytes(),
    ));
    let hash = creds.hasher.hash(&clear).await?;
    let expires_at =
        now + Duration::days(i64::from(creds.accounts.temporary_password_validity_days));
    let delivery = creds.delivery_of(db, account.fund_id).await?;
    let email = match delivery {
        TemporaryPasswordDelivery::Email => account.email.as_ref().map(|e| e.as_str().to_owned()),
        TemporaryPasswordDelivery::Show => None,
    };
    let tx = db.begin_write().await?;
    let row = StoredPassword {
        hash,
        is_temporary: true,
        expires_at: Some(expires_at),
    };
    store::credential::replace_password(&tx, now, account.id, &row).await?;
    store::credential::force_password_change(&tx, now, &BTreeSet::from([account.id])).await?;
    store::credential::invalidate_resets(&tx, now, account.id).await?;
    creds.throttle.clear(&tx, account.id).await?;
    enqueue_account(&tx, now, account).await?;
    let ev = event(action::PASSWORD_ADMIN_RESET, actor, account).details(serde_json::json!({
        "delivery": if email.is_some() { "email" } else { "show" },
        "temporary_password_expires_at": expires_at.unix_timestamp(),
    }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    let mut emailed_to = None;
    if let Some(to) = email {
        let mail = temporary_password_mail(account, &to, &clear, expires_at);
        match creds.mailer.send(now, &mail).await {
            Ok(()) => emailed_to = Some(to),
            Err(e) => {
                tracing::warn!(error = %e, account = account.id, "temporary password mail not sent; shown instead")
            }
        }
    }
    let mut account = account.clone();
    account.must_change_password = true;
    let id = account.id;
    Ok(AdminReset {
        account,
        temporary_password: emailed_to.is_none().then_some(clear),
        emailed_to,
        expires_at,
        end_sessions_of: vec![id],
    })
}

fn temporary_password_mail(
    account: &Account,
    to: &str,
    clear: &Secret,
    expires_at: OffsetDateTime,
) -> Mail {
    let date = expires_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let body = format!(
        "Bonjour {given} {family},\n\n\
         Un administrateur a réinitialisé le mot de passe de votre compte {login}.\n\
         Mot de passe provisoire : {password}\n\
         Il est valable jusqu'au {date} et devra être changé à la première connexion.\n\n\
         ---\n\n\
         Hello {given} {family},\n\n\
         An administrator reset the password of your account {login}.\n\
         Temporary password: {password}\n\
         It works until {date} and must be changed at first login.\n",
        given = account.given_name,
        family = account.family_name,
        login = account.login,
        password = clear.expose(),
    );
    Mail {
        to: to.to_owned(),
        subject: "Habilis : mot de passe provisoire / temporary password".to_owned(),
        body: Secret::new(body),
    }
}

/// Forces every account of a partner to change its password at next login (the fund's
/// supervision; who may call it — the fund only — is decided by the caller). Returns the
/// affected accounts, whose sessions must end.
pub async fn force_password_change(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    partner: &Partner,
) -> Result<Vec<i64>, AdminError> {
    let accounts = store::account::of_partner(db, partner.id).await?;
    let ids: BTreeSet<i64> = accounts
        .iter()
        .filter(|a| a.status != AccountStatus::Disabled)
        .map(|a| a.id)
        .collect();
    let tx = db.begin_write().await?;
    store::credential::force_password_change(&tx, now, &ids).await?;
    let ev = Event::new(action::PASSWORD_FORCE_CHANGE, actor)
        .target("partner", &partner.third_party_number)
        .fund(partner.fund_id)
        .partner(partner.id)
        .details(serde_json::json!({ "accounts": ids.len() }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    Ok(ids.into_iter().collect())
}

/// Disables an account (with a reason shown to administrators): it can no longer log in, and
/// the directory shows it disabled. Its sessions must end.
pub async fn disable(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    account: &Account,
    reason: &str,
) -> Result<Done, AdminError> {
    let reason = clean_reason(reason)?;
    if account.status == AccountStatus::Disabled {
        return Err(AdminError::AlreadyInStatus(
            account.login.to_string(),
            "disabled",
        ));
    }
    set_status(
        db,
        now,
        actor,
        account,
        AccountStatus::Disabled,
        &reason,
        action::ACCOUNT_DISABLE,
    )
    .await
}

/// Enables a disabled or suspended account again: `pending` while its password is still a
/// temporary one, `active` otherwise.
pub async fn enable(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    account: &Account,
    reason: &str,
) -> Result<Done, AdminError> {
    let reason = clean_reason(reason)?;
    if !matches!(
        account.status,
        AccountStatus::Disabled | AccountStatus::Suspended | AccountStatus::Locked
    ) {
        return Err(AdminError::AlreadyInStatus(
            account.login.to_string(),
            "enabled",
        ));
    }
    let temporary = store::credential::password_of(db, account.id)
        .await?
        .is_none_or(|p| p.is_temporary);
    let status = if temporary {
        AccountStatus::Pending
    } else {
        AccountStatus::Active
    };
    let mut done = set_status(
        db,
        now,
        actor,
        account,
        status,
        &reason,
        action::ACCOUNT_ENABLE,
    )
    .await?;
    done.end_sessions_of.clear();
    Ok(done)
}

async fn set_status(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    account: &Account,
    status: AccountStatus,
    reason: &str,
    act: audit::Action,
) -> Result<Done, AdminError> {
    let tx = db.begin_write().await?;
    if act == action::ACCOUNT_ENABLE {
        // A disabled account freed its seats: coming back, it must fit the quotas again.
        crate::habilitation::check_reenable_in(&tx, account.id, now.date()).await?;
    }
    store::account::set_status(&tx, now, account.id, status, Some(reason)).await?;
    enqueue_account(&tx, now, account).await?;
    let ev = event(act, actor, account).details(serde_json::json!({
        "from": account.status.as_str(),
        "to": status.as_str(),
        "reason": reason,
    }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    let mut account = account.clone();
    account.status = status;
    let id = account.id;
    Ok(Done {
        account,
        end_sessions_of: vec![id],
    })
}

/// Ends the lock and forgets the failures of an account before the lock expires (traced).
pub async fn unlock(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    account: &Account,
) -> Result<Done, AdminError> {
    let before = creds.throttle.counter(db, account.id).await?;
    let tx = db.begin_write().await?;
    creds.throttle.clear(&tx, account.id).await?;
    let ev = event(action::ACCOUNT_UNLOCK, actor, account).details(serde_json::json!({
        "failures": before.failures,
        "was_locked": before.locked_until.is_some_and(|u| now < u),
    }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    Ok(Done {
        account: account.clone(),
        end_sessions_of: Vec::new(),
    })
}

/// Removes an account's TOTP, recovery codes and passkeys (a lost phone or key): at next
/// login the person enrols again if the fund's policy requires it. Traced; the person's
/// sessions must end.
pub async fn reset_second_factor(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    account: &Account,
) -> Result<Done, AdminError> {
    let tx = db.begin_write().await?;
    let had_totp = store::credential::delete_totp(&tx, account.id).await?;
    let codes = store::credential::delete_recovery_codes(&tx, account.id).await?;
    let passkeys = store::passkey::delete_all_of(&tx, account.id).await?;
    let ev = event(action::SECOND_FACTOR_RESET, actor, account).details(serde_json::json!({
        "had_totp": had_totp,
        "recovery_codes_removed": codes,
        "passkeys_removed": passkeys,
    }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    Ok(Done {
        account: account.clone(),
        end_sessions_of: vec![account.id],
    })
}

/// Sets a fund's credential rules: overrides of the default policy (replacing the previous
/// ones) and, when given, its second-factor policy. Traced with the before and after values.
pub async fn set_fund_policy(
    db: &Db,
    now: OffsetDateTime,
    actor: &Actor,
    fund: &Fund,
    policy: &FundPolicy,
    mfa: Option<MfaPolicy>,
) -> Result<(), AdminError> {
    policy.validate()?;
    let before = store::credential::fund_policy(db, fund.id).await?;
    let before_mfa = store::credential::fund_mfa_policy(db, fund.id).await?;
    let tx = db.begin_write().await?;
    store::credential::set_fund_policy(&tx, now, fund.id, policy).await?;
    if let Some(m) = mfa {
        store::credential::set_fund_mfa_policy(&tx, fund.id, m.as_str()).await?;
    }
    let ev = Event::new(action::PASSWORD_POLICY_SET, actor)
        .target("fund", &fund.code)
        .fund(fund.id)
        .details(serde_json::json!({
            "before": before,
            "after": policy,
            "mfa_before": before_mfa,
            "mfa_after": mfa.map(MfaPolicy::as_str),
        }));
    audit::record(&tx, now, ev).await?;
    tx.commit().await?;
    Ok(())
}
