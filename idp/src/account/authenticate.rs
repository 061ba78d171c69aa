//! Who is logging in: the password step of a login, and the change of a password by its owner
//! (at first login, seed 002 art. 9.1: "le mot de passe provisoire doit être changé à la
//! première connexion").
//!
//! The login pages (`web::login`) call these functions and know nothing of hashes; the answer to
//! a refused attempt is one class, traced here, and the page shows a single generic message
//! whatever the class (an unauthenticated client never learns whether an account exists).

use time::OffsetDateTime;

use super::login_id::LoginId;
use super::{Account, AccountStatus, password};
use crate::actor::Actor;
use crate::audit::{self, Event, Outcome, Source, action};
use crate::error::{ErrorKind, UserError, store_kind};
use crate::macros::str_enum;
use crate::secret::Secret;
use crate::store::credential::StoredPassword;
use crate::store::{self, Db, StoreError};

#[cfg(test)]
mod tests;

/// Minimum length of a password chosen by its owner (ANSSI PG-078, CNIL 2022-100: 12 characters
/// when no other factor is required).
pub const MIN_LENGTH: usize = 12;
/// Longest password accepted (Argon2 takes any length; this bounds the work per attempt).
pub const MAX_LENGTH: usize = 256;

/// Why a password step was refused (traced; never shown as such to the person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureClass {
    /// No account has this login.
    UnknownLogin,
    /// The password does not match.
    WrongPassword,
    /// The account is suspended, disabled or locked.
    AccountInactive,
    /// The temporary password has expired: an administrator must reset it.
    TemporaryPasswordExpired,
}
str_enum!(FailureClass {
    UnknownLogin = "unknown_login",
    WrongPassword = "wrong_password",
    AccountInactive = "account_inactive",
    TemporaryPasswordExpired = "temporary_password_expired",
});

/// A password step that succeeded.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The account.
    pub account: Account,
    /// The password was a temporary one: the person must choose their own before going on.
    pub must_change_password: bool,
}

/// The answer to a password step.
#[derive(Debug, Clone)]
pub enum PasswordStep {
    /// The password is right and the account may log in.
    Accepted(Accepted),
    /// Refused, for this (traced) reason.
    Refused(FailureClass),
}

/// Why a password step or change could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The current password is wrong.
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    /// The new password and its confirmation differ.
    #[error("the new password and its confirmation differ")]
    ConfirmationMismatch,
    /// The new password is too short.
    #[error("the new password must have at least {0} characters")]
    TooShort(usize),
    /// The new password is too long.
    #[error("the new password must have at most {0} characters")]
    TooLong(usize),
    /// The new password is the current one.
    #[error("the new password must differ from the current one")]
    Unchanged,
    /// No such account, or it may not log in.
    #[error("this account cannot change its password")]
    NotAllowed,
    /// Hashing failed.
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written.
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
}

impl UserError for AuthError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::WrongCurrentPassword
            | Self::ConfirmationMismatch
            | Self::TooShort(_)
            | Self::TooLong(_)
            | Self::Unchanged => ErrorKind::Invalid,
            Self::NotAllowed => ErrorKind::Forbidden,
            Self::Store(e) => store_kind(e),
            Self::Password(_) | Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::WrongCurrentPassword => "password.current_wrong",
            Self::ConfirmationMismatch => "password.confirmation_mismatch",
            Self::TooShort(_) => "password.too_short",
            Self::TooLong(_) => "password.too_long",
            Self::Unchanged => "password.unchanged",
            Self::NotAllowed => "password.not_allowed",
            Self::Password(_) | Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::WrongCurrentPassword => "Le mot de passe actuel est incorrect.".into(),
            Self::ConfirmationMismatch => {
                "Le nouveau mot de passe et sa confirmation sont différents.".into()
            }
            Self::TooShort(n) => {
                format!("Le nouveau mot de passe doit comporter au moins {n} caractères.")
            }
            Self::TooLong(n) => {
                format!("Le nouveau mot de passe doit comporter au plus {n} caractères.")
            }
            Self::Unchanged => "Le nouveau mot de passe doit différer de l'actuel.".into(),
            Self::NotAllowed => "Ce compte ne peut pas changer de mot de passe.".into(),
            Self::Password(_) | Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// The hash of a random password nobody knows, made once per process, verified when the login
/// is unknown so that an unknown login costs the same time as a wrong password.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn dummy_hash() -> Result<&'static str, AuthError> {
    let hash = DUMMY_HASH
        .get_or_try_init(|| async {
            password::hash(&Secret::new(crate::secret::random_hex(16))).await
        })
        .await?;
    Ok(hash.as_str())
}

/// Checks a login and password. Every refusal is traced with its class; the caller traces the
/// success once every factor is checked.
pub async fn password_step(
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    login: &str,
    password: &Secret,
) -> Result<PasswordStep, AuthError> {
    let account = match LoginId::parse(login.trim()) {
        Ok(login) => store::account::by_login(db, &login).await?,
        Err(_) => None,
    };
    let stored = match &account {
        Some(a) => store::credential::password_of(db, a.id).await?,
        None => None,
    };
    let hash = match &stored {
        Some(s) => s.hash.as_str(),
        None => dummy_hash().await?,
    };
    let matches = password.expose().len() <= MAX_LENGTH && password::verify(password, hash).await;
    let (Some(account), Some(stored)) = (account, stored) else {
        refuse(db, now, source, None, FailureClass::UnknownLogin).await?;
        return Ok(PasswordStep::Refused(FailureClass::UnknownLogin));
    };
    let class = if !matches {
        Some(FailureClass::WrongPassword)
    } else if !matches!(
        account.status,
        AccountStatus::Active | AccountStatus::Pending
    ) {
        Some(FailureClass::AccountInactive)
    } else if stored.is_temporary && stored.expires_at.is_some_and(|e| now >= e) {
        Some(FailureClass::TemporaryPasswordExpired)
    } else {
        None
    };
    if let Some(class) = class {
        refuse(db, now, source, Some(&account), class).await?;
        return Ok(PasswordStep::Refused(class));
    }
    let must_change_password = stored.is_temporary || account.must_change_password;
    Ok(PasswordStep::Accepted(Accepted {
        account,
        must_change_password,
    }))
}

async fn refuse(
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: Option<&Account>,
    class: FailureClass,
) -> Result<(), AuthError> {
    let tx = db.begin_write().await?;
    // The typed login of an unknown account is not traced: people type passwords there.
    let mut event = Event::new(action::LOGIN_FAIL, &Actor::Anonymous)
        .source(source.clone())
        .outcome(Outcome::Failure)
        .details(serde_json::json!({ "class": class.as_str() }));
    if let Some(a) = account {
        event = event.target("account", &a.login).fund(a.fund_id);
        if let Some(p) = a.partner_id {
            event = event.partner(p);
        }
    }
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The account's owner replaces their password (the temporary one at first login, or their
/// own). Checks the current one, the confirmation and the length, then stores the new hash;
/// the account becomes `active` with no change pending. Traced, without any password.
pub async fn change_own_password(
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account_id: i64,
    current: &Secret,
    new: &Secret,
    confirmation: &Secret,
) -> Result<Account, AuthError> {
    let account = store::account::by_id(db, account_id)
        .await?
        .filter(|a| matches!(a.status, AccountStatus::Active | AccountStatus::Pending))
        .ok_or(AuthError::NotAllowed)?;
    let stored = store::credential::password_of(db, account.id)
        .await?
        .ok_or(AuthError::NotAllowed)?;
    if !password::verify(current, &stored.hash).await {
        return Err(AuthError::WrongCurrentPassword);
    }
    if !new.ct_eq(confirmation.expose()) {
        return Err(AuthError::ConfirmationMismatch);
    }
    let length = new.expose().chars().count();
    if length < MIN_LENGTH {
        return Err(AuthError::TooShort(MIN_LENGTH));
    }
    if length > MAX_LENGTH {
        return Err(AuthError::TooLong(MAX_LENGTH));
    }
    if new.ct_eq(current.expose()) {
        return Err(AuthError::Unchanged);
    }
    let hash = password::hash(new).await?;
    let tx = db.begin_write().await?;
    let row = StoredPassword {
        hash,
        is_temporary: false,
        expires_at: None,
    };
    store::credential::replace_password(&tx, now, account.id, &row).await?;
    store::account::password_changed(&tx, now, account.id).await?;
    let mut event = Event::new(
        action::PASSWORD_CHANGE,
        &Actor::Account {
            id: account.id,
            login: account.login.to_string(),
        },
    )
    .target("account", &account.login)
    .fund(account.fund_id)
    .source(source.clone())
    .details(serde_json::json!({ "was_temporary": stored.is_temporary }));
    if let Some(p) = account.partner_id {
        event = event.partner(p);
    }
    audit::record(&tx, now, event).await?;
    tx.commit().await?;
    let mut account = account;
    account.status = AccountStatus::Active;
    account.must_change_password = false;
    Ok(account)
}
