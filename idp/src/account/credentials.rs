//! What every credential operation needs, built once per node from the configuration and
//! shared (in `AppState` for the web, in the CLI context for commands): the hasher and its
//! bounded pool, the attempt limiter (database or Redis), the password policy defaults, the
//! cipher of TOTP secrets, the `acr` vocabulary, the mailer and the address of the reset page.
//! Also the lookups every step makes: is this account an administrator, which policy applies.

use std::sync::Arc;

use url::Url;

use super::Account;
use super::passkey::RelyingParty;
use super::password::{Hasher, PasswordError};
use super::policy::{Person, Policy};
use super::throttle::{Throttle, ThrottleSettings};
use crate::config::{AccountsConfig, Config, PasswordPolicyConfig, TemporaryPasswordDelivery};
use crate::mail::{MailError, Mailer};
use crate::redis::Redis;
use crate::secret::SecretCipher;
use crate::store::{self, Conn, StoreError};

/// The `acr` values announced for each level (`[oidc] acr_password`, `acr_mfa`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcrValues {
    /// Password only (ProConnect: `eidas1`).
    pub password: String,
    /// Password and a second factor (ProConnect:
    /// `https://proconnect.gouv.fr/assurance/self-asserted-2fa`).
    pub mfa: String,
}

/// Why the credential context could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The Argon2 parameters are invalid.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// The mail settings are invalid.
    #[error(transparent)]
    Mail(#[from] MailError),
    /// The public URL cannot carry the reset page.
    #[error("server.public_url cannot be joined with the reset page")]
    ResetPage,
    /// The passkey settings contradict the public URL.
    #[error("{0}")]
    Passkeys(String),
}

/// The credential context of a node.
#[derive(Clone)]
pub struct Credentials {
    /// Argon2id hashing on the bounded pool.
    pub hasher: Hasher,
    /// Attempt limiting.
    pub throttle: Throttle,
    /// `[accounts]`.
    pub accounts: AccountsConfig,
    /// `[password_policy]`.
    pub policy: PasswordPolicyConfig,
    /// Encrypts TOTP secrets at rest.
    pub cipher: Arc<dyn SecretCipher>,
    /// `acr` values.
    pub acr: AcrValues,
    /// Outgoing mail.
    pub mailer: Mailer,
    /// The WebAuthn relying party, when passkeys are on and the public URL has a domain name.
    pub passkeys: Option<Arc<RelyingParty>>,
    /// The page a reset link opens (`<public_url>/password/reset`); the token is added as
    /// `?token=…`.
    pub reset_page: Url,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("hasher", &self.hasher)
            .field("throttle", &self.throttle)
            .field("mailer", &self.mailer)
            .field("passkeys", &self.passkeys.is_some())
            .field("reset_page", &self.reset_page.as_str())
            .finish_non_exhaustive()
    }
}

/// Path of the reset page under the public URL.
pub const RESET_PAGE_PATH: &str = "password/reset";

impl Credentials {
    /// Builds the context from the configuration. `cipher` is the node's key-encryption key
    /// (`oidc::kek::KeyEncryptionKey` implements [`SecretCipher`]); `redis` the connection
    /// from [`crate::redis::connect`], when `[redis] url` is set: the counters then live in
    /// Redis under [`crate::redis::KEY_PREFIX`].
    pub fn new(
        config: &Config,
        cipher: Arc<dyn SecretCipher>,
        redis: Option<Redis>,
    ) -> Result<Self, CredentialsError> {
        Self::with_prefix(config, cipher, redis, crate::redis::KEY_PREFIX)
    }

    /// As [`Self::new`], with another Redis key prefix (tests).
    pub fn with_prefix(
        config: &Config,
        cipher: Arc<dyn SecretCipher>,
        redis: Option<Redis>,
        prefix: &str,
    ) -> Result<Self, CredentialsError> {
        let settings = ThrottleSettings::from_config(&config.accounts);
        let throttle = match redis {
            Some(conn) => Throttle::redis(settings, conn, prefix),
            None => Throttle::database(settings),
        };
        let mut base = config.server.public_url.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Ok(Self {
            hasher: Hasher::from_config(&config.accounts)?,
            throttle,
            accounts: config.accounts.clone(),
            policy: config.password_policy.clone(),
            cipher,
            acr: AcrValues {
                password: config.oidc.acr_password.clone(),
                mfa: config.oidc.acr_mfa.clone(),
            },
            mailer: Mailer::from_config(&config.mail)?,
            passkeys: RelyingParty::from_config(config)
                .map_err(CredentialsError::Passkeys)?
                .map(Arc::new),
            reset_page: base
                .join(RESET_PAGE_PATH)
                .map_err(|_| CredentialsError::ResetPage)?,
        })
    }

    /// The policy of a fund: the defaults with the fund's overrides.
    pub async fn policy_of(&self, db: &impl Conn, fund_id: i64) -> Result<Policy, StoreError> {
        let fund = store::credential::fund_policy(db, fund_id).await?;
        Ok(Policy::effective(&self.policy, fund.as_ref()))
    }

    /// Whether a fund's administrators must prove a passkey (the phishing-resistant factor):
    /// the fund's override, else `[passkeys] admins_require`; never where passkeys are not
    /// available (nobody could satisfy it).
    pub async fn admin_passkey_required(
        &self,
        db: &impl Conn,
        fund_id: i64,
    ) -> Result<bool, StoreError> {
        let Some(rp) = &self.passkeys else {
            return Ok(false);
        };
        let fund = store::credential::fund_policy(db, fund_id).await?;
        Ok(fund
            .and_then(|f| f.admin_passkey)
            .unwrap_or(rp.admins_require))
    }

    /// How a fund hands over the temporary password of an administrator's reset.
    pub async fn delivery_of(
        &self,
        db: &impl Conn,
        fund_id: i64,
    ) -> Result<TemporaryPasswordDelivery, StoreError> {
        let fund = store::credential::fund_policy(db, fund_id).await?;
        Ok(fund
            .and_then(|f| f.temporary_password_delivery)
            .unwrap_or(self.accounts.temporary_password_delivery))
    }
}

/// Administrative roles that make an account an administrator for the password policy and
/// the second factor: a fund operator, or a partner's principal or deputy administrator or
/// delegated manager (seed 002 art. 2.2.2: "gestionnaire principal", "suppléant").
pub const ADMIN_KINDS: &[&str] = &[
    "fund_operator",
    "principal_admin",
    "deputy_admin",
    "delegated_manager",
];

/// Whether the account holds an administrative role.
pub async fn is_admin(db: &impl Conn, account_id: i64) -> Result<bool, StoreError> {
    Ok(store::admin_role::active_of_account(db, account_id)
        .await?
        .iter()
        .any(|r| ADMIN_KINDS.contains(&r.kind.as_str())))
}

/// Who the second factor is required of, per fund (`fund.mfa_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaPolicy {
    /// Administrators and fund operators (the default).
    Admins,
    /// Every account.
    Everyone,
    /// Nobody (a second factor enrolled anyway is still asked).
    None,
}

impl MfaPolicy {
    /// Parses the stored value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admins" => Some(Self::Admins),
            "everyone" => Some(Self::Everyone),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admins => "admins",
            Self::Everyone => "everyone",
            Self::None => "none",
        }
    }

    /// Whether a second factor is required of this person.
    pub fn requires(self, is_admin: bool) -> bool {
        match self {
            Self::Admins => is_admin,
            Self::Everyone => true,
            Self::None => false,
        }
    }
}

/// The fund's second-factor policy.
pub async fn mfa_policy_of(db: &impl Conn, fund_id: i64) -> Result<MfaPolicy, StoreError> {
    let s = store::credential::fund_mfa_policy(db, fund_id).await?;
    MfaPolicy::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("fund {fund_id}: mfa_policy")))
}

/// The person behind an account, for the policy's identity rules.
pub fn person(account: &Account, is_admin: bool) -> Person<'_> {
    Person {
        login: account.login.as_str(),
        given_name: &account.given_name,
        family_name: &account.family_name,
        email: account.email.as_ref().map(|e| e.as_str()),
        is_admin,
    }
}
