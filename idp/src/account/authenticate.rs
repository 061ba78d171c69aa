//! Who is logging in: the password step of a login, and the change of a password by its owner
//! (at first login, seed 002 art. 9.1: "le mot de passe provisoire doit être changé à la
//! première connexion").
//!
//! The login pages (`web::login`) call these functions and know nothing of hashes; the answer to
//! a refused attempt is one class, traced here, and the page shows a single generic message
//! whatever the class (an unauthenticated client never learns whether an account exists).
//!
//! Both take the node's [`Credentials`] (built once from the configuration, see
//! `account::credentials`): the hasher on its bounded pool, the attempt limiter, the password
//! policy. A throttled or locked account, or a source over its rate, is refused without the
//! password being checked; wrong passwords are counted in the same transaction as their trace.

use time::{Duration, OffsetDateTime};

use super::credentials::{self, Credentials, MfaPolicy};
use super::login_id::LoginId;
use super::policy::{self, PolicyError};
use super::throttle::{Counter, Gate, ThrottleError};
use super::{Account, AccountStatus, password};
use crate::actor::Actor;
use crate::audit::{self, Event, Outcome, Source, action};
use crate::error::{ErrorKind, UserError, store_kind};
use crate::macros::str_enum;
use crate::secret::Secret;
use crate::store::credential::StoredPassword;
use crate::store::{self, Db, StoreError, Tx};

#[cfg(test)]
mod tests;

/// Longest password accepted at login (Argon2 takes any length; this bounds the work per
/// attempt). The policy's `max_length` bounds new passwords.
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
    /// Too many attempts from this source address: refused unchecked.
    SourceRateLimited,
    /// Too soon after the account's last failures: refused unchecked.
    Throttled,
    /// The account is locked after too many failures: refused unchecked.
    AccountLocked,
    /// The TOTP or recovery code is wrong or was already used.
    WrongSecondFactor,
}
str_enum!(FailureClass {
    UnknownLogin = "unknown_login",
    WrongPassword = "wrong_password",
    AccountInactive = "account_inactive",
    TemporaryPasswordExpired = "temporary_password_expired",
    SourceRateLimited = "source_rate_limited",
    Throttled = "throttled",
    AccountLocked = "account_locked",
    WrongSecondFactor = "wrong_second_factor",
});

/// What the login pages must ask after a right password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// Nothing: the account neither has nor needs a second factor.
    NotRequired,
    /// A TOTP code (or a recovery code) — `account::totp::verify` / `use_recovery_code` — or
    /// a passkey — `account::passkey::verify`.
    Verify {
        /// Unused recovery codes left.
        recovery_codes_left: u64,
        /// An authenticator app is enrolled.
        totp: bool,
        /// Passkeys registered.
        passkeys: u64,
        /// The fund requires this administrator to use a passkey: app and recovery codes are
        /// refused.
        passkey_only: bool,
    },
    /// The fund requires this administrator to use a passkey and the account has none:
    /// register one (`account::passkey::begin_registration`) before going on.
    EnrolPasskey,
    /// The fund's policy requires a second factor the account does not have yet: enrol
    /// (`account::totp::begin_enrolment` then `confirm_enrolment`) before going on.
    Enrol,
}

/// A password step that succeeded.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The account.
    pub account: Account,
    /// The person must choose a new password before going on: the password was a temporary
    /// one, an administrator or the fund forced a change, or an administrator's password
    /// expired.
    pub must_change_password: bool,
    /// The account is an administrator (stricter password policy, second factor by default).
    pub is_admin: bool,
    /// What to ask next.
    pub second_factor: SecondFactor,
}

/// The answer to a password step.
#[allow(
    clippy::large_enum_variant,
    reason = "built once per login and matched at once; a Box would change the login pages' contract"
)]
#[derive(Debug, Clone)]
pub enum PasswordStep {
    /// The password is right and the account may log in.
    Accepted(Accepted),
    /// Refused, for this (traced) reason.
    Refused(FailureClass),
}

/// Why a refusal could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RefusalError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written.
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    /// Attempt counters failed.
    #[error(transparent)]
    Throttle(#[from] ThrottleError),
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
    /// The new password breaks a rule of the policy (which one is in the inner error).
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The new password is the current one.
    #[error("the new password must differ from the current one")]
    Unchanged,
    /// No such account, or it may not log in.
    #[error("this account cannot change its password")]
    NotAllowed,
    /// Too many failed attempts: wait, or ask an administrator to unlock the account.
    #[error("too many failed attempts: try again later")]
    Throttled,
    /// Hashing failed.
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    /// Attempt counters failed.
    #[error(transparent)]
    Throttle(#[from] ThrottleError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written.
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
}

impl From<RefusalError> for AuthError {
    fn from(e: RefusalError) -> Self {
        match e {
            RefusalError::Store(e) => Self::Store(e),
            RefusalError::Audit(e) => Self::Audit(e),
            RefusalError::Throttle(e) => Self::Throttle(e),
        }
    }
}

impl UserError for AuthError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::WrongCurrentPassword | Self::ConfirmationMismatch | Self::Unchanged => {
                ErrorKind::Invalid
            }
            Self::Policy(e) => e.kind(),
            Self::NotAllowed | Self::Throttled => ErrorKind::Forbidden,
            Self::Store(e) => store_kind(e),
            Self::Password(_) | Self::Audit(_) | Self::Throttle(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::WrongCurrentPassword => "password.current_wrong",
            Self::ConfirmationMismatch => "password.confirmation_mismatch",
            Self::Policy(e) => e.code(),
            Self::Unchanged => "password.unchanged",
            Self::NotAllowed => "password.not_allowed",
            Self::Throttled => "password.throttled",
            Self::Password(_) | Self::Store(_) | Self::Audit(_) | Self::Throttle(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::WrongCurrentPassword => "Le mot de passe actuel est incorrect.".into(),
            Self::ConfirmationMismatch => {
                "Le nouveau mot de passe et sa confirmation sont différents.".into()
            }
            Self::Policy(e) => e.message_fr(),
            Self::Unchanged => "Le nouveau mot de passe doit différer de l'actuel.".into(),
            Self::NotAllowed => "Ce compte ne peut pas changer de mot de passe.".into(),
            Self::Throttled => "Trop de tentatives échouées : réessayez plus tard.".into(),
            Self::Password(_) | Self::Store(_) | Self::Audit(_) | Self::Throttle(_) => {
                "Erreur interne.".into()
            }
        }
    }
}

/// The hash of a random password nobody knows, made once per process, verified when the login
/// is unknown so that an unknown login costs the same time as a wrong password.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn dummy_hash(creds: &Credentials) -> Result<&'static str, AuthError> {
    let hash = DUMMY_HASH
        .get_or_try_init(|| async {
            creds
                .hasher
                .hash(&Secret::new(crate::secret::random_hex(16)))
                .await
        })
        .await?;
    Ok(hash.as_str())
}

/// Checks a login and password. Every refusal is traced with its class; the caller traces the
/// success once every factor is checked.
///
/// Order: the source's rate, then the account's throttle (both refuse without checking the
/// password), then the password (against a dummy hash for an unknown login), then the
/// account's state. A success forgets the account's failures and rehashes the password when
/// the Argon2 parameters changed.
pub async fn password_step(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    login: &str,
    password: &Secret,
) -> Result<PasswordStep, AuthError> {
    if !creds
        .throttle
        .hit_source(db, "login", source.ip.as_deref(), now)
        .await?
    {
        let class = FailureClass::SourceRateLimited;
        refuse_attempt(creds, db, now, source, None, class, false).await?;
        return Ok(PasswordStep::Refused(class));
    }
    let found = match LoginId::parse(login.trim()) {
        Ok(login) => {
            store::credential::account_with_password(db, &login, credentials::ADMIN_KINDS).await?
        }
        Err(_) => None,
    };
    let (account, stored, counter, factors) = match found {
        Some((a, p, in_database, factors)) => {
            let counter = creds.throttle.counter_given(a.id, in_database).await?;
            (Some(a), p, counter, Some(factors))
        }
        None => (None, None, Counter::default(), None),
    };
    if let Some(a) = &account {
        let class = match super::throttle::gate(creds.throttle.settings(), &counter, now) {
            Gate::Open => None,
            Gate::Wait { .. } => Some(FailureClass::Throttled),
            Gate::Locked { .. } => Some(FailureClass::AccountLocked),
        };
        if let Some(class) = class {
            refuse_attempt(creds, db, now, source, Some(a), class, false).await?;
            return Ok(PasswordStep::Refused(class));
        }
    }
    let hash = match &stored {
        Some(s) => s.hash.as_str(),
        None => dummy_hash(creds).await?,
    };
    let matches =
        password.expose().len() <= MAX_LENGTH && creds.hasher.verify(password, hash).await;
    let (Some(account), Some(stored), Some(factors)) = (account, stored, factors) else {
        let class = FailureClass::UnknownLogin;
        refuse_attempt(creds, db, now, source, None, class, false).await?;
        return Ok(PasswordStep::Refused(class));
    };
    if !matches {
        let class = FailureClass::WrongPassword;
        refuse_attempt(creds, db, now, source, Some(&account), class, true).await?;
        return Ok(PasswordStep::Refused(class));
    }
    let class = if !matches!(
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
        refuse_attempt(creds, db, now, source, Some(&account), class, false).await?;
        return Ok(PasswordStep::Refused(class));
    }
    if counter != Counter::default() {
        let tx = db.begin_write().await?;
        creds.throttle.clear(&tx, account.id).await?;
        tx.commit().await?;
    }
    if creds.hasher.needs_rehash(&stored.hash) {
        rehash(creds, db, now, source, &account, password, &stored.hash).await?;
    }
    let is_admin = factors.is_admin;
    let expired = is_admin && admin_password_expired(creds, db, now, &account).await?;
    let must_change_password = stored.is_temporary || account.must_change_password || expired;
    let second_factor = decide_second_factor(creds, db, &account, &factors).await?;
    Ok(PasswordStep::Accepted(Accepted {
        account,
        must_change_password,
        is_admin,
        second_factor,
    }))
}

/// What the login pages must ask of this account after its password.
pub async fn second_factor_of(
    creds: &Credentials,
    db: &Db,
    account: &Account,
) -> Result<SecondFactor, StoreError> {
    let factors = login_factors(db, account).await?;
    decide_second_factor(creds, db, account, &factors).await
}

/// Whether the account administers, its second factors and its fund's policy: one query.
async fn login_factors(
    db: &Db,
    account: &Account,
) -> Result<store::credential::LoginFactors, StoreError> {
    store::credential::login_factors(db, account.id, account.fund_id, credentials::ADMIN_KINDS)
        .await
}

/// The step after the password, from the account's [`store::credential::LoginFactors`]; reads
/// more only where it matters (an administrator's passkey rule, the recovery codes left of an
/// account that has a second factor).
async fn decide_second_factor(
    creds: &Credentials,
    db: &Db,
    account: &Account,
    factors: &store::credential::LoginFactors,
) -> Result<SecondFactor, StoreError> {
    let (is_admin, totp, passkeys) = (factors.is_admin, factors.totp_confirmed, factors.passkeys);
    let passkey_only = is_admin && creds.admin_passkey_required(db, account.fund_id).await?;
    if passkey_only && passkeys == 0 {
        return Ok(SecondFactor::EnrolPasskey);
    }
    if totp || passkeys > 0 {
        let recovery_codes_left = store::credential::recovery_codes_left(db, account.id).await?;
        return Ok(SecondFactor::Verify {
            recovery_codes_left,
            totp,
            passkeys,
            passkey_only,
        });
    }
    let policy = MfaPolicy::parse(&factors.mfa_policy)
        .ok_or_else(|| StoreError::Corrupt(format!("fund {}: mfa_policy", account.fund_id)))?;
    Ok(if policy.requires(is_admin) {
        SecondFactor::Enrol
    } else {
        SecondFactor::NotRequired
    })
}

/// Whether an administrator's password is older than the fund's `admin_max_age_days`.
async fn admin_password_expired(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    account: &Account,
) -> Result<bool, StoreError> {
    let policy = creds.policy_of(db, account.fund_id).await?;
    if policy.admin_max_age_days == 0 {
        return Ok(false);
    }
    let changed = store::credential::password_changed_at(db, account.id).await?;
    Ok(changed.is_some_and(|c| now - c >= Duration::days(i64::from(policy.admin_max_age_days))))
}

async fn rehash(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    password: &Secret,
    old: &str,
) -> Result<(), AuthError> {
    let new = creds.hasher.hash(password).await?;
    let tx = db.begin_write().await?;
    if store::credential::rehash_password(&tx, account.id, old, &new).await? {
        let event = Event::new(action::PASSWORD_REHASH, &Actor::System { job: "login" })
            .target("account", &account.login)
            .fund(account.fund_id)
            .source(source.clone());
        audit::record(&tx, now, with_partner(event, account)).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) fn with_partner(event: Event, account: &Account) -> Event {
    match account.partner_id {
        Some(p) => event.partner(p),
        None => event,
    }
}

/// Traces a refused attempt (`login.fail` with its class) and, when `count` is set, counts it
/// as a failure of the account in the same transaction; a failure that locks the account is
/// traced as `account.lock` too. The typed login of an unknown account is never traced.
pub(crate) async fn refuse_attempt(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: Option<&Account>,
    class: FailureClass,
    count: bool,
) -> Result<(), RefusalError> {
    let tx = db.begin_write().await?;
    let mut locked = None;
    if let (Some(a), true) = (account, count) {
        let (counter, now_locked) = creds.throttle.record_failure(&tx, a.id, now).await?;
        if now_locked {
            locked = counter.locked_until;
        }
    }
    let mut event = Event::new(action::LOGIN_FAIL, &Actor::Anonymous)
        .source(source.clone())
        .outcome(Outcome::Failure)
        .details(serde_json::json!({ "class": class.as_str() }));
    if let Some(a) = account {
        event = with_partner(event.target("account", &a.login).fund(a.fund_id), a);
    }
    audit::record(&tx, now, event).await?;
    if let (Some(a), Some(until)) = (account, locked) {
        let event = Event::new(action::ACCOUNT_LOCK, &Actor::System { job: "throttle" })
            .target("account", &a.login)
            .fund(a.fund_id)
            .source(source.clone())
            .details(serde_json::json!({
                "locked_until": until.unix_timestamp(),
                "failures": creds.throttle.settings().failures_before_lock,
            }));
        audit::record(&tx, now, with_partner(event, a)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The account's owner replaces their password (the temporary one at first login, or their
/// own). Checks the throttle, the current password (a wrong one counts as a failure), the
/// confirmation and the fund's policy for this person, then stores the new hash; the account
/// becomes `active` with no change pending, and unused reset links stop working. Traced,
/// without any password.
#[allow(
    clippy::too_many_arguments,
    reason = "the login pages' contract: the seven arguments of round 0 plus the credential context"
)]
pub async fn change_own_password(
    creds: &Credentials,
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
    if creds.throttle.gate(db, account.id, now).await? != Gate::Open {
        return Err(AuthError::Throttled);
    }
    let stored = store::credential::password_of(db, account.id)
        .await?
        .ok_or(AuthError::NotAllowed)?;
    if current.expose().len() > MAX_LENGTH || !creds.hasher.verify(current, &stored.hash).await {
        refuse_attempt(
            creds,
            db,
            now,
            source,
            Some(&account),
            FailureClass::WrongPassword,
            true,
        )
        .await?;
        return Err(AuthError::WrongCurrentPassword);
    }
    if !new.ct_eq(confirmation.expose()) {
        return Err(AuthError::ConfirmationMismatch);
    }
    let is_admin = credentials::is_admin(db, account.id).await?;
    let rules = creds.policy_of(db, account.fund_id).await?;
    policy::check(&rules, &credentials::person(&account, is_admin), new)?;
    if new.ct_eq(current.expose()) {
        return Err(AuthError::Unchanged);
    }
    let hash = creds.hasher.hash(new).await?;
    let tx = db.begin_write().await?;
    set_own_password(
        &tx,
        now,
        source,
        &account,
        &hash,
        stored.is_temporary,
        false,
    )
    .await?;
    tx.commit().await?;
    let mut account = account;
    account.status = AccountStatus::Active;
    account.must_change_password = false;
    Ok(account)
}

/// Stores a password chosen by its owner (after a change or a reset) in `tx`: not temporary,
/// account `active` with no change pending, unused reset links ended, the directory entry
/// queued for refresh (it may show the hash), traced `password.change` (or `password.reset`).
pub(crate) async fn set_own_password(
    tx: &Tx,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    hash: &str,
    was_temporary: bool,
    by_reset: bool,
) -> Result<(), AuthError> {
    let row = StoredPassword {
        hash: hash.to_owned(),
        is_temporary: false,
        expires_at: None,
    };
    store::credential::replace_password(tx, now, account.id, &row).await?;
    store::account::password_changed(tx, now, account.id).await?;
    store::credential::invalidate_resets(tx, now, account.id).await?;
    super::admin::enqueue_account(tx, now, account).await?;
    let act = if by_reset {
        action::PASSWORD_RESET
    } else {
        action::PASSWORD_CHANGE
    };
    let event = Event::new(
        act,
        &Actor::Account {
            id: account.id,
            login: account.login.to_string(),
        },
    )
    .target("account", &account.login)
    .fund(account.fund_id)
    .source(source.clone())
    .details(serde_json::json!({ "was_temporary": was_temporary }));
    audit::record(tx, now, with_partner(event, account)).await?;
    Ok(())
}
