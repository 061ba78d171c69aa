//! The second factor (issue #4 point 5): TOTP (RFC 6238, SHA-1, 6 digits, 30-second steps, the
//! settings every authenticator app supports) and single-use recovery codes.
//!
//! Invariants: the TOTP secret is stored only encrypted with the node's key-encryption key
//! (bound to the account id); a code is accepted within ±1 step of the server's clock, and
//! each step at most once (RFC 6238 §5.2), enforced by one conditional update of
//! `last_used_step` so that two nodes cannot both accept it; recovery codes are random (60
//! bits), shown once, stored as SHA-256 hashes and used once. Wrong codes count as failures of
//! the attempt limiter, exactly like wrong passwords, and a throttled or locked account is
//! refused without checking the code.

use rand::Rng;
use rand::rngs::OsRng;
use time::OffsetDateTime;

use super::Account;
use super::authenticate::{FailureClass, RefusalError, refuse_attempt};
use super::credentials::{AcrValues, Credentials};
use super::throttle::{Gate, ThrottleError};
use crate::actor::Actor;
use crate::audit::{self, AuditError, Event, Source, action};
use crate::error::{ErrorKind, UserError, store_kind};
use crate::secret::{OpenError, Secret, token_hash};
use crate::store::{self, Conn, Db, StoreError};

#[cfg(test)]
mod tests;

/// Recovery codes given at enrolment.
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Seconds per step.
pub const STEP_SECS: u64 = 30;
/// Accepted steps before and after the current one.
pub const SKEW: u16 = 1;
const DIGITS: usize = 6;
/// 32 symbols without `i l o u` (Crockford): 12 of them make 60 bits.
const RECOVERY_ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
const RECOVERY_LEN: usize = 12;

/// Why a second-factor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    /// The account has no confirmed TOTP.
    #[error("no authenticator app is enrolled for this account")]
    NotEnrolled,
    /// The account already has a confirmed TOTP: an administrator must reset it first.
    #[error("an authenticator app is already enrolled; ask an administrator to reset it")]
    AlreadyEnrolled,
    /// No enrolment was started.
    #[error("no enrolment in progress: start again")]
    NoPendingEnrolment,
    /// The code given to confirm an enrolment is wrong.
    #[error("the code is wrong: check your authenticator app's clock and try again")]
    WrongCode,
    /// The account's login or e-mail cannot be put in an otpauth URI.
    #[error("cannot build the enrolment URI: {0}")]
    Uri(String),
    /// The stored secret does not decrypt.
    #[error(transparent)]
    Open(#[from] OpenError),
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

impl From<RefusalError> for TotpError {
    fn from(e: RefusalError) -> Self {
        match e {
            RefusalError::Store(e) => Self::Store(e),
            RefusalError::Audit(e) => Self::Audit(e),
            RefusalError::Throttle(e) => Self::Throttle(e),
        }
    }
}

impl UserError for TotpError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotEnrolled | Self::NoPendingEnrolment => ErrorKind::NotFound,
            Self::AlreadyEnrolled => ErrorKind::Conflict,
            Self::WrongCode => ErrorKind::Invalid,
            Self::Store(e) => store_kind(e),
            Self::Uri(_) | Self::Open(_) | Self::Throttle(_) | Self::Audit(_) => {
                ErrorKind::Internal
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::NotEnrolled => "totp.not_enrolled",
            Self::AlreadyEnrolled => "totp.already_enrolled",
            Self::NoPendingEnrolment => "totp.no_pending_enrolment",
            Self::WrongCode => "totp.wrong_code",
            Self::Uri(_) | Self::Open(_) | Self::Throttle(_) | Self::Store(_) | Self::Audit(_) => {
                "internal"
            }
        }
    }

    fn message_fr(&self) -> String {
        match self {
            Self::NotEnrolled => "Aucune application d'authentification n'est enregistrée.".into(),
            Self::AlreadyEnrolled => "Une application d'authentification est déjà enregistrée ; \
                                      demandez à un administrateur de la réinitialiser."
                .into(),
            Self::NoPendingEnrolment => "Aucun enrôlement en cours : recommencez.".into(),
            Self::WrongCode => "Le code est incorrect : vérifiez l'heure de votre application \
                                d'authentification et réessayez."
                .into(),
            Self::Uri(_) | Self::Open(_) | Self::Throttle(_) | Self::Store(_) | Self::Audit(_) => {
                "Erreur interne.".into()
            }
        }
    }
}

/// A factor a person proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// Their password.
    Password,
    /// A TOTP code.
    Totp,
    /// A recovery code.
    RecoveryCode,
}

/// What the ID token says of a login: `amr` (RFC 8176) and `acr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assurance {
    /// Authentication methods: `pwd`, `otp`, `mfa`.
    pub amr: Vec<&'static str>,
    /// Authentication context class (ProConnect vocabulary by default).
    pub acr: String,
}

/// The `amr` and `acr` of a login that proved `factors`: `pwd` for a password, `otp` for a TOTP
/// or recovery code (both one-time codes), `mfa` when a password and a second factor were both
/// proved; `acr` is `acr.mfa` with two factors, `acr.password` otherwise.
pub fn assurance(factors: &[Factor], acr: &AcrValues) -> Assurance {
    let pwd = factors.contains(&Factor::Password);
    let otp = factors
        .iter()
        .any(|f| matches!(f, Factor::Totp | Factor::RecoveryCode));
    let mut amr = Vec::new();
    if pwd {
        amr.push("pwd");
    }
    if otp {
        amr.push("otp");
    }
    let mfa = pwd && otp;
    if mfa {
        amr.push("mfa");
    }
    Assurance {
        amr,
        acr: if mfa {
            acr.mfa.clone()
        } else {
            acr.password.clone()
        },
    }
}

/// An enrolment in progress: what the enrolment page shows. Every field holds the secret.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret in base32, for manual entry.
    pub secret_base32: Secret,
    /// The `otpauth://totp/…` URI.
    pub otpauth_uri: Secret,
    /// A QR code of the URI, as an SVG document.
    pub qr_svg: Secret,
}

/// Recovery codes, shown once.
#[derive(Debug, Clone)]
pub struct RecoveryCodes(pub Vec<Secret>);

/// The answer to a second-factor step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactorStep {
    /// Accepted: this factor is proved.
    Accepted(Factor),
    /// Refused for this (traced) reason.
    Refused(FailureClass),
}

fn context(account_id: i64) -> String {
    format!("totp:{account_id}")
}

fn totp_of_secret(
    secret: Vec<u8>,
    issuer: &str,
    account_name: &str,
) -> Result<totp_rs::Totp, TotpError> {
    let issuer = issuer.replace(':', " ");
    let builder = totp_rs::Builder::new()
        .with_secret(secret)
        .with_digits(6)
        .with_skew(SKEW)
        .with_step_duration(STEP_SECS)
        .with_issuer(Some(issuer))
        .with_account_name(account_name.replace(':', " "));
    builder.build().map_err(|e| TotpError::Uri(e.to_string()))
}

fn unix(now: OffsetDateTime) -> u64 {
    u64::try_from(now.unix_timestamp()).unwrap_or(0)
}

/// The step of `code` within ±[`SKEW`] of `now`, if it matches one (digits only; spaces are
/// ignored).
pub fn matching_step(totp: &totp_rs::Totp, code: &str, now: OffsetDateTime) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp.check(&code, unix(now))
        .and_then(|s| i64::try_from(s).ok())
}

/// The code of `secret` at `now` (tests and tools).
pub fn code_at(secret_base32: &str, now: OffsetDateTime) -> Option<String> {
    let bytes = totp_rs::Secret::try_from_base32(secret_base32).ok()?;
    let totp = totp_of_secret(bytes.as_bytes().to_vec(), "x", "").ok()?;
    Some(totp.generate(unix(now)).to_string())
}

async fn load(
    creds: &Credentials,
    db: &Db,
    account: &Account,
) -> Result<Option<(totp_rs::Totp, store::credential::StoredTotp)>, TotpError> {
    let Some(stored) = store::credential::totp_of(db, account.id).await? else {
        return Ok(None);
    };
    let secret = creds
        .cipher
        .open(&context(account.id), &stored.secret_encrypted)?;
    let totp = totp_of_secret(secret, &creds.accounts.totp_issuer, account.login.as_str())?;
    Ok(Some((totp, stored)))
}

/// Starts (or restarts) an enrolment: a new random 160-bit secret, stored encrypted and
/// unconfirmed, returned with its otpauth URI and QR code. Refused when a confirmed TOTP exists.
pub async fn begin_enrolment(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    account: &Account,
) -> Result<Enrolment, TotpError> {
    if store::credential::totp_of(db, account.id)
        .await?
        .is_some_and(|t| t.confirmed)
    {
        return Err(TotpError::AlreadyEnrolled);
    }
    let mut secret = [0u8; 20];
    rand::RngCore::fill_bytes(&mut OsRng, &mut secret);
    let enrolment = enrolment_of(creds, account, &secret)?;
    let sealed = creds.cipher.seal(&context(account.id), &secret);
    let tx = db.begin_write().await?;
    store::credential::put_totp(&tx, now, account.id, &sealed).await?;
    let event = Event::new(action::TOTP_ENROL_BEGIN, &owner(account))
        .target("account", &account.login)
        .fund(account.fund_id);
    audit::record(&tx, now, with_partner(event, account)).await?;
    tx.commit().await?;
    Ok(enrolment)
}

/// What the enrolment page shows for `secret`: manual key, otpauth URI, QR code.
fn enrolment_of(
    creds: &Credentials,
    account: &Account,
    secret: &[u8],
) -> Result<Enrolment, TotpError> {
    let totp = totp_of_secret(
        secret.to_vec(),
        &creds.accounts.totp_issuer,
        account.login.as_str(),
    )?;
    let uri = totp.to_url().map_err(|e| TotpError::Uri(e.to_string()))?;
    let qr = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| TotpError::Uri(e.to_string()))?;
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    let base32 = totp_rs::Secret::from(secret.to_vec()).to_base32();
    Ok(Enrolment {
        secret_base32: Secret::new(base32),
        otpauth_uri: Secret::new(uri),
        qr_svg: Secret::new(svg),
    })
}

/// The enrolment in progress (started, not yet confirmed), to show its page again — after a
/// mistyped code, or a reload — without changing the secret the person already scanned.
/// `None` when there is none (or it was confirmed).
pub async fn pending_enrolment(
    creds: &Credentials,
    db: &Db,
    account: &Account,
) -> Result<Option<Enrolment>, TotpError> {
    let Some(stored) = store::credential::totp_of(db, account.id).await? else {
        return Ok(None);
    };
    if stored.confirmed {
        return Ok(None);
    }
    let secret = creds
        .cipher
        .open(&context(account.id), &stored.secret_encrypted)?;
    Ok(Some(enrolment_of(creds, account, &secret)?))
}

/// What a person's second factor looks like, for their account page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondFactorStatus {
    /// A TOTP app is enrolled and confirmed.
    pub totp: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u64,
}

/// The state of an account's second factor (no secret read).
pub async fn status(db: &impl Conn, account_id: i64) -> Result<SecondFactorStatus, TotpError> {
    let totp = store::credential::totp_of(db, account_id)
        .await?
        .is_some_and(|t| t.confirmed);
    let recovery_codes_left = store::credential::recovery_codes_left(db, account_id).await?;
    Ok(SecondFactorStatus {
        totp,
        recovery_codes_left,
    })
}

fn owner(account: &Account) -> Actor {
    Actor::Account {
        id: account.id,
        login: account.login.to_string(),
    }
}

fn with_partner(event: Event, account: &Account) -> Event {
    match account.partner_id {
        Some(p) => event.partner(p),
        None => event,
    }
}

/// Ends an enrolment with a code from the app: the TOTP becomes active (that step is used) and
/// ten recovery codes are made, returned once.
pub async fn confirm_enrolment(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    code: &Secret,
) -> Result<RecoveryCodes, TotpError> {
    let (totp, stored) = load(creds, db, account)
        .await?
        .ok_or(TotpError::NoPendingEnrolment)?;
    if stored.confirmed {
        return Err(TotpError::AlreadyEnrolled);
    }
    let step = matching_step(&totp, code.expose(), now).ok_or(TotpError::WrongCode)?;
    let (codes, hashes) = new_recovery_codes();
    let tx = db.begin_write().await?;
    if !store::credential::confirm_totp(&tx, now, account.id, step).await? {
        return Err(TotpError::NoPendingEnrolment);
    }
    store::credential::replace_recovery_codes(&tx, account.id, &hashes).await?;
    let event = Event::new(action::TOTP_ENROL, &owner(account))
        .target("account", &account.login)
        .fund(account.fund_id)
        .source(source.clone())
        .details(serde_json::json!({ "recovery_codes": RECOVERY_CODE_COUNT }));
    audit::record(&tx, now, with_partner(event, account)).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Replaces the recovery codes of an enrolled account by ten new ones, returned once.
pub async fn regenerate_recovery_codes(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
) -> Result<RecoveryCodes, TotpError> {
    let (_, stored) = load(creds, db, account)
        .await?
        .ok_or(TotpError::NotEnrolled)?;
    if !stored.confirmed {
        return Err(TotpError::NotEnrolled);
    }
    let (codes, hashes) = new_recovery_codes();
    let tx = db.begin_write().await?;
    store::credential::replace_recovery_codes(&tx, account.id, &hashes).await?;
    let event = Event::new(action::RECOVERY_CODES_REGENERATE, &owner(account))
        .target("account", &account.login)
        .fund(account.fund_id)
        .source(source.clone());
    audit::record(&tx, now, with_partner(event, account)).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Normalises a typed recovery code: lower-case, without spaces or dashes, `o` read as `0` and
/// `i`/`l` as `1`.
pub fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            c => c,
        })
        .collect()
}

fn new_recovery_codes() -> (RecoveryCodes, Vec<String>) {
    let mut codes = Vec::with_capacity(RECOVERY_CODE_COUNT);
    let mut hashes = Vec::with_capacity(RECOVERY_CODE_COUNT);
    for _ in 0..RECOVERY_CODE_COUNT {
        let raw: String = (0..RECOVERY_LEN)
            .filter_map(|_| RECOVERY_ALPHABET.get(OsRng.gen_range(0..RECOVERY_ALPHABET.len())))
            .map(|&b| char::from(b))
            .collect();
        hashes.push(token_hash(&raw));
        let shown = raw
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-");
        codes.push(Secret::new(shown));
    }
    (RecoveryCodes(codes), hashes)
}

/// Refuses when the attempt limiter holds the account back (without checking anything).
async fn gate(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
) -> Result<Option<FailureClass>, TotpError> {
    let class = match creds.throttle.gate(db, account.id, now).await? {
        Gate::Open => return Ok(None),
        Gate::Wait { .. } => FailureClass::Throttled,
        Gate::Locked { .. } => FailureClass::AccountLocked,
    };
    refuse_attempt(creds, db, now, source, Some(account), class, false).await?;
    Ok(Some(class))
}

async fn fail(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
) -> Result<FactorStep, TotpError> {
    let class = FailureClass::WrongSecondFactor;
    refuse_attempt(creds, db, now, source, Some(account), class, true).await?;
    Ok(FactorStep::Refused(class))
}

async fn succeed(creds: &Credentials, db: &Db, account: &Account) -> Result<(), TotpError> {
    if creds.throttle.counter(db, account.id).await? != super::throttle::Counter::default() {
        let tx = db.begin_write().await?;
        creds.throttle.clear(&tx, account.id).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Checks a TOTP code at login (after the password step). A wrong or replayed code is refused,
/// traced and counted; a throttled account is refused unchecked.
pub async fn verify(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    code: &Secret,
) -> Result<FactorStep, TotpError> {
    if let Some(class) = gate(creds, db, now, source, account).await? {
        return Ok(FactorStep::Refused(class));
    }
    let Some((totp, stored)) = load(creds, db, account).await? else {
        return Err(TotpError::NotEnrolled);
    };
    if !stored.confirmed {
        return Err(TotpError::NotEnrolled);
    }
    let accepted = match matching_step(&totp, code.expose(), now) {
        Some(step) => store::credential::use_totp_step(db, account.id, step).await?,
        None => false,
    };
    if !accepted {
        return fail(creds, db, now, source, account).await;
    }
    succeed(creds, db, account).await?;
    Ok(FactorStep::Accepted(Factor::Totp))
}

/// Uses a recovery code at login instead of a TOTP code; each code works once (traced).
pub async fn use_recovery_code(
    creds: &Credentials,
    db: &Db,
    now: OffsetDateTime,
    source: &Source,
    account: &Account,
    code: &Secret,
) -> Result<FactorStep, TotpError> {
    if let Some(class) = gate(creds, db, now, source, account).await? {
        return Ok(FactorStep::Refused(class));
    }
    let hash = token_hash(&normalise_recovery_code(code.expose()));
    let tx = db.begin_write().await?;
    if !store::credential::use_recovery_code(&tx, now, account.id, &hash).await? {
        drop(tx);
        return fail(creds, db, now, source, account).await;
    }
    let event = Event::new(action::RECOVERY_CODE_USE, &owner(account))
        .target("account", &account.login)
        .fund(account.fund_id)
        .source(source.clone());
    audit::record(&tx, now, with_partner(event, account)).await?;
    tx.commit().await?;
    succeed(creds, db, account).await?;
    Ok(FactorStep::Accepted(Factor::RecoveryCode))
}
