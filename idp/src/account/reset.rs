//! Forgotten password, by e-mail (issue #4 point 7; seed 004 art. 3-2: "en cas de perte ou de
//! vol du mot de passe, le lieu d'information doit effectuer une nouvelle demande de mot de
//! passe … il renseigne son identifiant").
//!
//! Invariants: [`request`] answers the same (`Ok(())`) whether or not the login exists, is
//! active or has an address, and whatever the limits say — only the trace tells; a reset link
//! carries a 256-bit random token, stored only as its SHA-256 hash, valid
//! `reset_token_ttl_secs` (15 minutes) and usable once; at most `reset_requests_per_hour` links
//! per account per hour and the per-source rate of `[accounts]`; [`complete`] applies the
//! fund's policy, sets the password, unlocks the account, ends every other link and returns
//! the account whose sessions the caller must end.

use time::{Duration, OffsetDateTime};

use super::authenticate::{AuthError, set_own_password, with_partner};
use super::credentials::{self, Credentials};
use super::login_id::LoginId;
use super::policy::{self, PolicyError};
use super::throttle::ThrottleError;
use super::{Account, AccountStatus};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, Outcome, Source, action};
use crate::error::{ErrorKind, UserError, store_kind};
use crate::mail::Mail;
use crate::secret::{Secret, random_hex, token_hash};
use crate::store::{self, Db, StoreError};

#[cfg(test)]
mod tests;

/// Why a reset could not be done.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// The link is unknown, used or expired.
    #[error("this link is invalid or has expired: ask for a new one")]
    InvalidToken,
    /// The new password and its confirmation differ.
    #[error("the new password and its confirmation differ")]
    ConfirmationMismatch,
    /// The new password breaks a rule of the policy.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// Setting the password failed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Attempt counters failed.
    #[error(transparent)]
    Throttle(#[from] ThrottleError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

impl UserError for ResetError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidToken | Self::ConfirmationMismatch => ErrorKind::Invalid,
            Self::Policy(e) => e.kind(),
            Self::Auth(e) => e.kind(),
            Self::Store(e) => store_kind(e),
            Self::Throttle(_) | Self::Audit(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::InvalidToken => "password_reset.invalid_token",
            Self::ConfirmationMismatch => "password.confirmation_mismatch",
            Self::Policy(e) => e.code(),
            Self::Auth(e) => e.code(),
            Self::Throttle(_) | Self::Store(_) | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::InvalidToken => {
                "Ce lien n'est plus valable (déjà utilisé ou expiré) : demandez-en un nouveau."
                    .into()
            }
            Self::ConfirmationMismatch => {
                "Le nouveau mot de passe et sa confirmation sont différents.".into()
            }
            Self::Policy(e) => e.message_fr(),
            Self::Auth(e) => e.message_fr(),
            Self::Throttle(_) | Self::Store(_) | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// A completed reset.
#[derive(Debug, Clone)]
pub struct ResetDone {
    /// The account, now `active` with its new password.
    pub account: Account,
    /// Accounts whose sessions and tokens must end (the coordinator's session module).
    pub end_sessions_of: Vec<i64>,
}

/// Why a request did not send a link (traced only, never answered).
fn trace_request(source: &Source, account: Option<&Account>, sent: bool, reason: &str) -> Event {
    let mut event = Event::new(action::PASSWORD_RESET_REQUEST, &Actor::Anonymous)
        .source(source.clone())
        .outcome(if sent {
            Outcome::Success
        } else {
            Outcome::Denied
        })
        .details(serde_json::json!({ "sent": sent, "reason": reason }));
    if let Some(a) = account {
        event = with_partner(event.target("account", &a.login).fund(a.fund_id), a);
    }
    event
}

/// Asks for a reset link for `login`. Always `Ok(())` (the same answer for every login); when
/// the account exists, may log in, has an e-mail address and is within the limits, a link is
/// e-mailed to it. Every request is traced with what happened.
pub async fn request(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    login: &str,
) -> Result<(), ResetError> {
    let within_source = creds
        .throttle
        .hit_source(db, "reset", source.ip.as_deref(), now)
        .await?;
    let account = match LoginId::parse(login.trim()) {
        Ok(l) if within_source => store::account::by_login(db, &l).await?,
        _ => None,
    };
    let refusal = match &account {
        _ if !within_source => Some("source_rate_limited"),
        None => Some("unknown_login"),
        Some(a) if !matches!(a.status, AccountStatus::Active | AccountStatus::Pending) => {
            Some("account_inactive")
        }
        Some(a) if a.email.is_none() => Some("no_email"),
        Some(a) => {
            let since = now - Duration::hours(1);
            let recent = store::credential::resets_since(db, a.id, since).await?;
            (recent >= u64::from(creds.accounts.reset_requests_per_hour))
                .then_some("account_rate_limited")
        }
    };
    let (Some(account), None) = (&account, refusal) else {
        let tx = db.begin_write().await?;
        let event = trace_request(source, account.as_ref(), false, refusal.unwrap_or("none"));
        audit::record(&tx, now, event).await?;
        tx.commit().await?;
        return Ok(());
    };
    let token = Secret::new(random_hex(32));
    let ttl = Duration::seconds(i64::try_from(creds.accounts.reset_token_ttl_secs).unwrap_or(900));
    let tx = db.begin_write().await?;
    store::credential::insert_reset(&tx, now, account.id, &token_hash(token.expose()), now + ttl)
        .await?;
    audit::record(&tx, now, trace_request(source, Some(account), true, "sent")).await?;
    tx.commit().await?;
    let mail = reset_mail(creds, account, &token, ttl);
    if let Err(e) = creds.mailer.send(now, &mail).await {
        // The answer stays the same; the operator sees the failure in the logs (no secret).
        tracing::warn!(error = %e, account = account.id, "password-reset mail not sent");
    }
    Ok(())
}

fn reset_mail(creds: &Credentials, account: &Account, token: &Secret, ttl: Duration) -> Mail {
    let mut link = creds.reset_page.clone();
    link.query_pairs_mut().append_pair("token", token.expose());
    let minutes = ttl.whole_minutes();
    let body = format!(
        "Bonjour {given} {family},\n\n\
         Une réinitialisation du mot de passe de votre compte {login} a été demandée.\n\
         Pour choisir un nouveau mot de passe, ouvrez ce lien dans les {minutes} minutes ; \
         il ne sert qu'une fois :\n\n{link}\n\n\
         Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de \
         passe actuel reste valable.\n\n\
         ---\n\n\
         Hello {given} {family},\n\n\
         A password reset was requested for your account {login}. To choose a new password, \
         open this link within {minutes} minutes; it works once:\n\n{link}\n\n\
         If you did not ask for it, ignore this message: your current password still works.\n",
        given = account.given_name,
        family = account.family_name,
        login = account.login,
    );
    Mail {
        to: account
            .email
            .as_ref()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default(),
        subject: "Habilis : réinitialisation de votre mot de passe / password reset".to_owned(),
        body: Secret::new(body),
    }
}

/// Sets a new password with a reset link's token: checks the token (unused, unexpired), the
/// confirmation and the fund's policy, then — in one transaction — uses the token, stores the
/// password, ends the other links, forgets the account's failures and lock, and traces
/// `password.reset`.
pub async fn complete(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    token: &Secret,
    new: &Secret,
    confirmation: &Secret,
) -> Result<ResetDone, ResetError> {
    let hash = token_hash(token.expose().trim());
    let account_id = store::credential::reset_account(db, now, &hash)
        .await?
        .ok_or(ResetError::InvalidToken)?;
    let account = store::account::by_id(db, account_id)
        .await?
        .filter(|a| matches!(a.status, AccountStatus::Active | AccountStatus::Pending))
        .ok_or(ResetError::InvalidToken)?;
    if !new.ct_eq(confirmation.expose()) {
        return Err(ResetError::ConfirmationMismatch);
    }
    let is_admin = credentials::is_admin(db, account.id).await?;
    let rules = creds.policy_of(db, account.fund_id).await?;
    policy::check(&rules, &credentials::person(&account, is_admin), new)?;
    let stored = store::credential::password_of(db, account.id).await?;
    let was_temporary = stored.as_ref().is_some_and(|s| s.is_temporary);
    let new_hash = creds
        .hasher
        .hash(new)
        .await
        .map_err(|e| ResetError::Auth(e.into()))?;
    let tx = db.begin_write().await?;
    if store::credential::consume_reset(&tx, now, &hash)
        .await?
        .is_none_or(|id| id != account.id)
    {
        return Err(ResetError::InvalidToken);
    }
    set_own_password(&tx, now, source, &account, &new_hash, was_temporary, true).await?;
    creds.throttle.clear(&tx, account.id).await?;
    tx.commit().await?;
    let mut account = account;
    account.status = AccountStatus::Active;
    account.must_change_password = false;
    let id = account.id;
    Ok(ResetDone {
        account,
        end_sessions_of: vec![id],
    })
}
