//! Passkeys (issue #4 point 6): WebAuthn credentials as the phishing-resistant second factor.
//! The ceremonies, signature checks, origin and relying-party checks, user verification and
//! signature-counter clone detection are webauthn-rs's (W3C WebAuthn Level 2 §7); here only
//! what Habilis adds: which account, where the state waits, traces, attempt limiting.
//!
//! Invariants:
//! - The state between a ceremony's begin (the options given to the browser) and its finish
//!   lives in `webauthn_ceremony`, keyed by the hash of what it is bound to (the login
//!   interaction, or the session of the self-service page) and its purpose; it is taken once
//!   (deleted when the answer arrives, whatever the answer) and expires after
//!   `[passkeys] ceremony_ttl_secs`. A replayed answer finds no ceremony and is refused.
//! - An authentication ceremony only allows the account's own credentials, and the stored
//!   credential found by id must belong to that account: another person's passkey never passes.
//! - A failed passkey at login counts as a failure of the account, like a wrong TOTP code.
//! - `amr`: a backup-eligible credential (BE flag of the authenticator data) can leave the
//!   authenticator — synced by a platform or a password manager — so its key is held in
//!   software: `swk`; a device-bound one (BE clear: security key, TPM, secure element) is
//!   `hwk` (RFC 8176 §2). Attestation is not requested ("none": browsers anonymise it for
//!   synced passkeys, and no fund maintains a list of authenticator makers), so the flag is the
//!   signal the authenticator gives for every credential.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use webauthn_rs::prelude::{
    Credential, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError,
};

use super::Account;
use super::authenticate::{FailureClass, RefusalError, refuse_attempt, with_partner};
use super::credentials::Credentials;
use super::throttle::{Gate, ThrottleError};
use super::totp::{Factor, FactorStep};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, Source, action};
use crate::config::Config;
use crate::error::{ErrorKind, UserError, store_kind};
use crate::secret::token_hash;
use crate::store::passkey::{StoredCeremony, StoredPasskey};
use crate::store::{self, Db, StoreError};

#[cfg(test)]
mod tests;

/// Longest name of a passkey, in characters.
pub const MAX_LABEL: usize = 64;
/// Most passkeys per account (each is in every authentication's allow-list).
pub const MAX_PER_ACCOUNT: u64 = 10;

/// Why a passkey operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// Passkeys are off, or the public URL has no domain name.
    #[error("passkeys are not available on this server")]
    Unavailable,
    /// No ceremony is waiting for this answer (never started, already used, or expired).
    #[error("the passkey request expired or was already used: start again")]
    NoCeremony,
    /// The answer is not a WebAuthn credential.
    #[error("the answer of the authenticator is malformed")]
    Malformed,
    /// The authenticator's answer failed a check (origin, challenge, signature, verification).
    #[error("the authenticator's answer was refused")]
    Refused,
    /// This authenticator is already registered.
    #[error("this passkey is already registered")]
    AlreadyRegistered,
    /// The account has as many passkeys as allowed.
    #[error("at most {MAX_PER_ACCOUNT} passkeys per account: remove one first")]
    TooMany,
    /// The name is empty, too long or has control characters.
    #[error("the name must have 1 to {MAX_LABEL} printable characters")]
    Label,
    /// The account has no such passkey.
    #[error("no such passkey")]
    NotFound,
    /// webauthn-rs could not start a ceremony.
    #[error("webauthn: {0}")]
    Webauthn(WebauthnError),
    /// A stored state or passkey does not read back.
    #[error("stored passkey data is invalid: {0}")]
    Corrupt(#[from] serde_json::Error),
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

impl From<RefusalError> for PasskeyError {
    fn from(e: RefusalError) -> Self {
        match e {
            RefusalError::Store(e) => Self::Store(e),
            RefusalError::Audit(e) => Self::Audit(e),
            RefusalError::Throttle(e) => Self::Throttle(e),
        }
    }
}

impl UserError for PasskeyError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Unavailable | Self::NotFound => ErrorKind::NotFound,
            Self::NoCeremony | Self::Malformed | Self::Refused | Self::Label => ErrorKind::Invalid,
            Self::AlreadyRegistered | Self::TooMany => ErrorKind::Conflict,
            Self::Store(e) => store_kind(e),
            Self::Webauthn(_) | Self::Corrupt(_) | Self::Throttle(_) | Self::Audit(_) => {
                ErrorKind::Internal
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Unavailable => "passkey.unavailable",
            Self::NoCeremony => "passkey.no_ceremony",
            Self::Malformed => "passkey.malformed",
            Self::Refused => "passkey.refused",
            Self::AlreadyRegistered => "passkey.already_registered",
            Self::TooMany => "passkey.too_many",
            Self::Label => "passkey.label",
            Self::NotFound => "passkey.not_found",
            Self::Webauthn(_)
            | Self::Corrupt(_)
            | Self::Throttle(_)
            | Self::Store(_)
            | Self::Audit(_) => "internal",
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::Unavailable => "Les clés d'accès ne sont pas disponibles sur ce serveur.".into(),
            Self::NoCeremony => "La demande a expiré ou a déjà servi : recommencez.".into(),
            Self::Malformed => "La réponse de l'authentificateur est illisible.".into(),
            Self::Refused => "La réponse de l'authentificateur a été refusée.".into(),
            Self::AlreadyRegistered => "Cette clé d'accès est déjà enregistrée.".into(),
            Self::TooMany => format!(
                "{MAX_PER_ACCOUNT} clés d'accès au plus par compte : supprimez-en une d'abord."
            ),
            Self::Label => {
                format!("Le nom doit compter de 1 à {MAX_LABEL} caractères imprimables.")
            }
            Self::NotFound => "Clé d'accès introuvable.".into(),
            Self::Webauthn(_)
            | Self::Corrupt(_)
            | Self::Throttle(_)
            | Self::Store(_)
            | Self::Audit(_) => "Erreur interne.".into(),
        }
    }
}

/// The WebAuthn relying party of this deployment.
#[derive(Debug)]
pub struct RelyingParty {
    webauthn: Webauthn,
    ttl: Duration,
    /// `[passkeys] admins_require`: the default of every fund.
    pub admins_require: bool,
}

impl RelyingParty {
    /// From `[passkeys]` and the public URL. `Ok(None)` when passkeys are off or the public URL's
    /// host is an IP address (browsers refuse WebAuthn there); an error when the settings
    /// contradict each other (an `rp_id` that is not the host or a parent of it).
    pub fn from_config(config: &Config) -> Result<Option<Self>, String> {
        let p = &config.passkeys;
        let public = &config.server.public_url;
        if !p.enabled {
            return Ok(None);
        }
        let Some(host) = public.domain() else {
            return Ok(None);
        };
        let rp_id = if p.rp_id.is_empty() {
            host.to_owned()
        } else {
            p.rp_id.to_ascii_lowercase()
        };
        let origin = Url::parse(&public.origin().ascii_serialization())
            .map_err(|e| format!("server.public_url: {e}"))?;
        let mut builder = WebauthnBuilder::new(&rp_id, &origin)
            .map_err(|_| format!("passkeys.rp_id {rp_id:?} is not {host} nor a parent of it"))?
            .rp_name(&p.rp_name)
            .timeout(std::time::Duration::from_secs(p.ceremony_ttl_secs));
        for o in &p.extra_origins {
            builder = builder.append_allowed_origin(o);
        }
        let webauthn = builder.build().map_err(|e| format!("passkeys: {e}"))?;
        Ok(Some(Self {
            webauthn,
            ttl: Duration::seconds(i64::try_from(p.ceremony_ttl_secs).unwrap_or(300)),
            admins_require: p.admins_require,
        }))
    }
}

/// What a ceremony is bound to.
#[derive(Debug, Clone, Copy)]
pub enum Binding<'a> {
    /// A login in progress (its interaction id).
    Interaction(&'a str),
    /// A logged-in person's session (its id), on the self-service page.
    Session(&'a str),
}

impl Binding<'_> {
    fn key(self, purpose: &str) -> String {
        match self {
            Self::Interaction(id) => token_hash(&format!("passkey:{purpose}:interaction:{id}")),
            Self::Session(id) => token_hash(&format!("passkey:{purpose}:session:{id}")),
        }
    }
}

const REGISTER: &str = "register";
const AUTHENTICATE: &str = "authenticate";

/// Where a passkey keeps its key, as `amr` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Device-bound (`hwk`).
    Hardware,
    /// Synced or exportable (`swk`).
    Software,
}

impl KeyKind {
    /// From the backup-eligible flag (see the module's comment).
    pub fn of_backup_eligible(backup_eligible: bool) -> Self {
        if backup_eligible {
            Self::Software
        } else {
            Self::Hardware
        }
    }

    /// The factor it proves.
    pub fn factor(self) -> Factor {
        match self {
            Self::Hardware => Factor::HardwareKey,
            Self::Software => Factor::SoftwareKey,
        }
    }
}

/// A passkey as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyInfo {
    /// Its id on the self-service page.
    pub id: i64,
    /// Its name.
    pub label: String,
    /// Synced or device-bound.
    pub kind: KeyKind,
    /// Registration.
    pub created_at: OffsetDateTime,
    /// Last login with it.
    pub last_used_at: Option<OffsetDateTime>,
}

fn relying(creds: &Credentials) -> Result<&RelyingParty, PasskeyError> {
    creds.passkeys.as_deref().ok_or(PasskeyError::Unavailable)
}

fn passkey_of(s: &StoredPasskey) -> Result<Passkey, PasskeyError> {
    Ok(serde_json::from_value(s.passkey.clone())?)
}

/// A credential id as stored (base64url, no padding).
fn b64_id(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

fn kind_of(p: &Passkey) -> KeyKind {
    KeyKind::of_backup_eligible(Credential::from(p.clone()).backup_eligible)
}

/// The WebAuthn user handle of an account: stable and opaque (no login nor personal data,
/// WebAuthn §14.6.1), derived from the account id.
fn user_handle(account: &Account) -> Uuid {
    let digest = Sha256::digest(format!("habilis-webauthn-user:{}", account.id));
    let mut bytes = [0u8; 16];
    for (b, d) in bytes.iter_mut().zip(digest.iter()) {
        *b = *d;
    }
    Uuid::from_bytes(bytes)
}

/// A name given by a person: trimmed, 1 to [`MAX_LABEL`] characters, no control character.
pub fn label(raw: &str) -> Result<String, PasskeyError> {
    let l = raw.trim();
    let n = l.chars().count();
    if n == 0 || n > MAX_LABEL || l.chars().any(char::is_control) {
        return Err(PasskeyError::Label);
    }
    Ok(l.to_owned())
}

fn owner(account: &Account) -> Actor {
    Actor::Account {
        id: account.id,
        login: account.login.to_string(),
    }
}

/// Whether passkeys can be used on this server.
pub fn available(creds: &Credentials) -> bool {
    creds.passkeys.is_some()
}

/// The passkeys of an account, oldest first.
pub async fn list(db: &Db, account: &Account) -> Result<Vec<PasskeyInfo>, PasskeyError> {
    store::passkey::of_account(db, account.id)
        .await?
        .iter()
        .map(|s| {
            Ok(PasskeyInfo {
                id: s.id,
                label: s.label.clone(),
                kind: kind_of(&passkey_of(s)?),
                created_at: s.created_at,
                last_used_at: s.last_used_at,
            })
        })
        .collect()
}

/// Starts a registration: the `PublicKeyCredentialCreationOptions` for
/// `navigator.credentials.create` (JSON), the state kept under `binding`. The account's passkeys
/// are excluded (an authenticator is registered once).
pub async fn begin_registration(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    account: &Account,
    binding: Binding<'_>,
) -> Result<Value, PasskeyError> {
    let rp = relying(creds)?;
    let existing = store::passkey::of_account(db, account.id).await?;
    if existing.len() as u64 >= MAX_PER_ACCOUNT {
        return Err(PasskeyError::TooMany);
    }
    let exclude = existing
        .iter()
        .map(|s| passkey_of(s).map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let name = account.login.as_str();
    let display = format!("{} {}", account.given_name, account.family_name);
    let (options, state) = rp
        .webauthn
        .start_passkey_registration(user_handle(account), name, display.trim(), Some(exclude))
        .map_err(PasskeyError::Webauthn)?;
    let stored = StoredCeremony {
        account_id: account.id,
        state: serde_json::to_value(&state)?,
        expires_at: now + rp.ttl,
    };
    store::passkey::put_ceremony(db, now, &binding.key(REGISTER), REGISTER, &stored).await?;
    Ok(serde_json::to_value(&options)?)
}

/// Takes the ceremony of `purpose` under `binding` for this account, if still valid.
async fn take(
    db: &Db,
    now: OffsetDateTime,
    account: &Account,
    binding: Binding<'_>,
    purpose: &str,
) -> Result<Option<Value>, PasskeyError> {
    let tx = db.begin_write().await?;
    let c = store::passkey::take_ceremony(&tx, &binding.key(purpose), purpose).await?;
    tx.commit().await?;
    Ok(
        c.filter(|c| c.account_id == account.id && now < c.expires_at)
            .map(|c| c.state),
    )
}

/// A registered passkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// Its id.
    pub id: i64,
    /// Synced or device-bound.
    pub kind: KeyKind,
}

/// Finishes a registration with the browser's answer (the JSON of the `PublicKeyCredential`)
/// and stores the passkey under `label` (traced `passkey.register`). The ceremony is used up
/// whatever the outcome.
#[allow(
    clippy::too_many_arguments,
    reason = "the context, the binding, the answer and the name the person typed"
)]
pub async fn finish_registration(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    binding: Binding<'_>,
    answer: &str,
    name: &str,
) -> Result<Registered, PasskeyError> {
    let rp = relying(creds)?;
    let name = label(name)?;
    let Some(state) = take(db, now, account, binding, REGISTER).await? else {
        return Err(PasskeyError::NoCeremony);
    };
    let state: PasskeyRegistration = serde_json::from_value(state)?;
    let answer: RegisterPublicKeyCredential =
        serde_json::from_str(answer).map_err(|_| PasskeyError::Malformed)?;
    let passkey = rp
        .webauthn
        .finish_passkey_registration(&answer, &state)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            PasskeyError::Refused
        })?;
    let kind = kind_of(&passkey);
    let cred_id = b64_id(passkey.cred_id());
    let tx = db.begin_write().await?;
    if store::passkey::count_of(&tx, account.id).await? >= MAX_PER_ACCOUNT {
        return Err(PasskeyError::TooMany);
    }
    let id = match store::passkey::insert(
        &tx,
        now,
        account.id,
        &cred_id,
        serde_json::to_value(&passkey)?,
        &name,
    )
    .await
    {
        Ok(id) => id,
        Err(StoreError::Duplicate(_)) => return Err(PasskeyError::AlreadyRegistered),
        Err(e) => return Err(e.into()),
    };
    let event = Event::new(action::PASSKEY_REGISTER, &owner(account))
        .target("account", &account.login)
        .fund(account.fund_id)
        .source(source.clone())
        .details(serde_json::json!({
            "passkey": id,
            "label": name,
            "synced": kind == KeyKind::Software,
        }));
    audit::record(&tx, now, with_partner(event, account)).await?;
    tx.commit().await?;
    Ok(Registered { id, kind })
}

/// Starts an authentication with the account's passkeys: the
/// `PublicKeyCredentialRequestOptions` for `navigator.credentials.get` (JSON), the state kept
/// under `binding`. `None` when the account has no passkey.
pub async fn begin_authentication(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    account: &Account,
    binding: Binding<'_>,
) -> Result<Option<Value>, PasskeyError> {
    let rp = relying(creds)?;
    let keys = store::passkey::of_account(db, account.id)
        .await?
        .iter()
        .map(passkey_of)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Ok(None);
    }
    let (options, state) = rp
        .webauthn
        .start_passkey_authentication(&keys)
        .map_err(PasskeyError::Webauthn)?;
    let stored = StoredCeremony {
        account_id: account.id,
        state: serde_json::to_value(&state)?,
        expires_at: now + rp.ttl,
    };
    let key = binding.key(AUTHENTICATE);
    store::passkey::put_ceremony(db, now, &key, AUTHENTICATE, &stored).await?;
    Ok(Some(serde_json::to_value(&options)?))
}

async fn refuse(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    class: FailureClass,
    count: bool,
) -> Result<FactorStep, PasskeyError> {
    refuse_attempt(creds, db, now, source, Some(account), class, count).await?;
    Ok(FactorStep::Refused(class))
}

/// Checks the browser's answer to an authentication at login (after the password step). A
/// refused answer — wrong origin, another account's credential, a replay, a cloned
/// authenticator's counter — is traced and counted like a wrong TOTP code; a throttled account
/// is refused unchecked. Success updates the stored counter and flags.
pub async fn verify(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    binding: Binding<'_>,
    answer: &str,
) -> Result<FactorStep, PasskeyError> {
    let rp = relying(creds)?;
    let gate = match creds.throttle.gate(db, account.id, now).await? {
        Gate::Open => None,
        Gate::Wait { .. } => Some(FailureClass::Throttled),
        Gate::Locked { .. } => Some(FailureClass::AccountLocked),
    };
    if let Some(class) = gate {
        return refuse(creds, db, now, source, account, class, false).await;
    }
    let wrong = FailureClass::WrongSecondFactor;
    let Some(state) = take(db, now, account, binding, AUTHENTICATE).await? else {
        return refuse(creds, db, now, source, account, wrong, true).await;
    };
    let state: PasskeyAuthentication = serde_json::from_value(state)?;
    let Ok(answer) = serde_json::from_str::<PublicKeyCredential>(answer) else {
        return refuse(creds, db, now, source, account, wrong, true).await;
    };
    let result = match rp.webauthn.finish_passkey_authentication(&answer, &state) {
        Ok(r) => r,
        Err(e) => {
            tracing::info!(error = %e, "passkey authentication refused");
            return refuse(creds, db, now, source, account, wrong, true).await;
        }
    };
    let cred_id = b64_id(result.cred_id());
    let stored = store::passkey::of_account(db, account.id)
        .await?
        .into_iter()
        .find(|s| s.credential_id == cred_id);
    let Some(stored) = stored else {
        // Removed between begin and finish: the state still listed it.
        return refuse(creds, db, now, source, account, wrong, true).await;
    };
    let mut passkey = passkey_of(&stored)?;
    passkey.update_credential(&result);
    store::passkey::record_use(db, now, stored.id, serde_json::to_value(&passkey)?).await?;
    if creds.throttle.counter(db, account.id).await? != super::throttle::Counter::default() {
        let tx = db.begin_write().await?;
        creds.throttle.clear(&tx, account.id).await?;
        tx.commit().await?;
    }
    let kind = KeyKind::of_backup_eligible(result.backup_eligible());
    Ok(FactorStep::Accepted(kind.factor()))
}

/// Renames a passkey of the account (traced).
pub async fn rename(
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    id: i64,
    name: &str,
) -> Result<(), PasskeyError> {
    let name = label(name)?;
    let tx = db.begin_write().await?;
    if !store::passkey::rename(&tx, account.id, id, &name).await? {
        return Err(PasskeyError::NotFound);
    }
    let event = Event::new(action::PASSKEY_RENAME, &owner(account))
        .target("account", &account.login)
        .fund(account.fund_id)
        .source(source.clone())
        .details(serde_json::json!({ "passkey": id, "label": name }));
    audit::record(&tx, now, with_partner(event, account)).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a passkey of the account, by its owner (traced). Another account's passkey is
/// [`PasskeyError::NotFound`].
pub async fn remove(
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    id: i64,
) -> Result<(), PasskeyError> {
    let tx = db.begin_write().await?;
    let Some(gone) = store::passkey::delete(&tx, account.id, id).await? else {
        return Err(PasskeyError::NotFound);
    };
    let event = Event::new(action::PASSKEY_REMOVE, &owner(account))
        .target("account", &account.login)
        .fund(account.fund_id)
        .source(source.clone())
        .details(serde_json::json!({ "passkey": id, "label": gone.label }));
    audit::record(&tx, now, with_partner(event, account)).await?;
    tx.commit().await?;
    Ok(())
}
