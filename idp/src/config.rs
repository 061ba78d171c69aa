//! Configuration: typed, layered, validated once at start-up, then passed around in `AppState`.
//!
//! Layers, lowest first: `config/default.toml` (embedded in the binary), an optional file given
//! with `--config`, then `HABILIS_*` environment variables (`__` separates nested keys, and a
//! `_FILE` suffix reads the value from a file, for secrets). Every struct denies unknown fields,
//! so a misspelt key stops start-up with its name instead of being silently ignored.
//! There is no global configuration: whoever needs a setting receives it.

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::oidc::keys::SigningAlg;
use crate::secret::Secret;

/// The defaults, embedded so that the binary runs with no file at all.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");

/// Environment variable prefix of every setting.
pub const ENV_PREFIX: &str = "HABILIS_";

/// The whole configuration of an `idp` node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// HTTP server settings.
    pub server: ServerConfig,
    /// Database settings.
    pub database: DatabaseConfig,
    /// Log settings.
    pub log: LogConfig,
    /// Account and credential settings.
    pub accounts: AccountsConfig,
    /// LDAP directory synchronisation.
    pub directory: DirectorySettings,
    /// OpenID Connect provider settings: signing keys and token lifetimes.
    pub oidc: OidcConfig,
    /// Browser sessions.
    pub session: SessionConfig,
    /// Rules for the passwords people choose (defaults; a fund may override some).
    pub password_policy: PasswordPolicyConfig,
    /// Outgoing e-mail (temporary passwords, password-reset links).
    pub mail: MailConfig,
    /// Redis, shared by every node for counters and sessions when set.
    pub redis: RedisConfig,
    /// How long traces are kept (002 service contract art. 5.3.2).
    pub retention: RetentionConfig,
    /// Monthly usage statistics (003 art. 7).
    pub stats: StatsConfig,
    /// Passkeys (WebAuthn) as a second factor.
    pub passkeys: PasskeysConfig,
    /// The yearly reverse review: reminders and the late policy (002 contract art. 2.2.2).
    pub review: ReviewConfig,
    /// The trace: periodic verification of its hash chain.
    pub audit: AuditConfig,
}

/// Passkeys (WebAuthn relying-party settings).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasskeysConfig {
    /// Offer passkeys at all.
    pub enabled: bool,
    /// Relying-party id: a domain name, the public URL's host or a parent of it; empty: the
    /// public URL's host.
    pub rp_id: String,
    /// Name shown by authenticators.
    pub rp_name: String,
    /// Origins accepted besides the public URL's (another host name of the same service).
    pub extra_origins: Vec<url::Url>,
    /// Seconds a person has between the options and the answer of a ceremony.
    pub ceremony_ttl_secs: u64,
    /// Administrators must prove a passkey (the phishing-resistant factor), not an app code;
    /// a fund may say otherwise (`idp account policy set --admin-passkey`).
    pub admins_require: bool,
}

/// HTTP server settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the server binds.
    pub listen: SocketAddr,
    /// Public base URL; the OpenID Connect issuer.
    pub public_url: Url,
    /// Whether to send Strict-Transport-Security.
    pub hsts: bool,
    /// Request time-out in seconds.
    pub request_timeout_secs: u64,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Grace period for in-flight requests at shutdown, in seconds.
    pub shutdown_grace_secs: u64,
}

/// Database settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// SQLite or PostgreSQL URL. A secret: it may carry a password.
    pub url: Secret,
    /// Pool size; unset, [`DatabaseConfig::pool_size`] picks one for the backend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
    /// SQLite busy timeout in milliseconds.
    pub busy_timeout_ms: u64,
    /// Whether `serve` runs pending migrations at start-up.
    pub migrate_on_start: bool,
    /// Whether every SQL statement is logged (at `info`, target `sqlx::query`: its text and
    /// duration, never its bound values).
    pub log_statements: bool,
}

/// Log settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// Output format.
    pub format: LogFormat,
    /// Default level filter (an `EnvFilter` directive).
    pub level: String,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Account and credential settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsConfig {
    /// Length of generated temporary passwords.
    pub temporary_password_length: usize,
    /// Validity of a temporary password, in days.
    pub temporary_password_validity_days: u32,
    /// Characters temporary passwords are drawn from (upper-case, lower-case and digits needed).
    pub temporary_password_alphabet: String,
    /// How a temporary password made by an administrator's reset reaches its owner: `show`
    /// (printed once to the administrator) or `email` (sent to the account's address).
    pub temporary_password_delivery: TemporaryPasswordDelivery,
    /// Argon2id memory cost, in KiB.
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    pub argon2_time_cost: u32,
    /// Argon2id lanes.
    pub argon2_parallelism: u32,
    /// Hashes computed at once on this node (0: the number of CPUs); memory budget =
    /// `argon2_memory_kib` × this.
    pub max_concurrent_hashes: usize,
    /// Consecutive failures of an account after which each attempt waits a growing delay.
    pub failures_before_delay: u32,
    /// Longest delay between two attempts on one account, in seconds.
    pub max_delay_secs: u64,
    /// Consecutive failures of an account after which it is locked.
    pub failures_before_lock: u32,
    /// How long a lock lasts, in seconds.
    pub lock_secs: u64,
    /// Login attempts allowed from one source address per window.
    pub source_attempts_per_window: u32,
    /// The window of the per-source limit, in seconds.
    pub source_window_secs: u64,
    /// Issuer shown by authenticator apps.
    pub totp_issuer: String,
    /// Lifetime of a password-reset link, in seconds.
    pub reset_token_ttl_secs: u64,
    /// Reset links sent to one account per hour at most.
    pub reset_requests_per_hour: u32,
}

/// How a temporary password reaches its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TemporaryPasswordDelivery {
    /// Shown once to the administrator.
    Show,
    /// E-mailed to the account's address (shown when it has none).
    Email,
}

/// Default password policy (ANSSI PG-078, CNIL délibération 2022-100).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicyConfig {
    /// Minimum length for agents.
    pub min_length_agent: usize,
    /// Minimum length for administrators and fund operators.
    pub min_length_admin: usize,
    /// Maximum length.
    pub max_length: usize,
    /// Below this length, the password needs `min_classes` character classes.
    pub composition_below: usize,
    /// Classes (lower, upper, digit, other) needed below `composition_below`.
    pub min_classes: usize,
    /// Refuse the passwords of the embedded list of common and breached passwords.
    pub refuse_common: bool,
    /// Days after which an administrator's password expires (0: never).
    pub admin_max_age_days: u32,
}

/// Outgoing e-mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// `spool` (write .eml files to `spool_dir`) or `smtp`.
    pub transport: MailTransportKind,
    /// Folder of the spool transport.
    pub spool_dir: String,
    /// `smtp://host:25`, `smtp://host:587?tls=required`, `smtps://user:pass@host:465`.
    pub smtp_url: Secret,
    /// SMTP time-out in seconds.
    pub smtp_timeout_secs: u64,
    /// The From header.
    pub from: String,
}

/// Which mail transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    /// Files in a folder.
    Spool,
    /// An SMTP relay.
    Smtp,
}

/// Redis.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    /// `redis://host:6379/0` (or `rediss://`); empty: no Redis, the database is used.
    pub url: Secret,
}

/// LDAP directory synchronisation settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectorySettings {
    /// Whether Habilis writes the directory.
    pub enabled: bool,
    /// `ldap://` or `ldaps://` URL.
    pub url: String,
    /// StartTLS on an `ldap://` URL.
    pub starttls: bool,
    /// Bind DN.
    pub bind_dn: String,
    /// Bind password.
    pub bind_password: Secret,
    /// Subtree Habilis owns.
    pub base_dn: String,
    /// CA certificate file, empty for the system roots.
    pub tls_ca_file: String,
    /// Connection time-out in seconds.
    pub connect_timeout_secs: u64,
    /// Operation time-out in seconds.
    pub op_timeout_secs: u64,
    /// Connection pool size.
    pub pool_size: usize,
    /// Seconds between two passes of the outbox worker.
    pub sync_interval_secs: u64,
    /// Whether to write password hashes.
    pub write_passwords: bool,
}

/// OpenID Connect provider settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// Base64 of the 32-byte AES-256-GCM key that encrypts the private signing keys at rest.
    /// Empty: a `key-encryption.key` file beside the SQLite database (refused with PostgreSQL).
    pub key_encryption_key: Secret,
    /// Algorithm of clients that do not choose one.
    pub default_signing_alg: SigningAlg,
    /// Lifetime of access tokens, in seconds.
    pub access_token_ttl_secs: u64,
    /// Lifetime of ID tokens, in seconds.
    pub id_token_ttl_secs: u64,
    /// How long a retired key stays published after the last token it may have signed expired.
    pub key_rotation_overlap_secs: u64,
    /// Lifetime of authorization codes, in seconds (at most 60).
    pub code_ttl_secs: u64,
    /// Lifetime of a pushed authorization request's `request_uri`, in seconds.
    pub par_ttl_secs: u64,
    /// Time given to a person to finish the login pages, in seconds.
    pub login_ttl_secs: u64,
    /// `acr` of a login with a password only.
    pub acr_password: String,
    /// `acr` of a login with a password and a second factor.
    pub acr_mfa: String,
    /// How long a node trusts its memory of the clients before checking whether any changed,
    /// in milliseconds; 0 reads every client from the database (`oidc::client::cache`).
    pub client_cache_ms: u64,
}

/// Browser sessions at the provider (seed 003 art. 7: 30 minutes without activity).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Seconds without activity after which a session ends.
    pub idle_timeout_secs: u64,
    /// Seconds after the login after which a session ends whatever the activity.
    pub absolute_timeout_secs: u64,
    /// Name of the session cookie (prefixed `__Host-` when the public URL is HTTPS).
    pub cookie_name: String,
}

impl SessionConfig {
    /// The idle time-out.
    pub fn idle(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.idle_timeout_secs).unwrap_or(i64::MAX))
    }

    /// The absolute time-out.
    pub fn absolute(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.absolute_timeout_secs).unwrap_or(i64::MAX))
    }
}

impl OidcConfig {
    /// The longest lifetime of a token signed with a signing key: a retired key must stay
    /// published at least this long after it stopped signing.
    pub fn max_token_ttl(&self) -> time::Duration {
        let secs = self.access_token_ttl_secs.max(self.id_token_ttl_secs);
        time::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX))
    }

    /// [`Self::key_rotation_overlap_secs`] as a duration.
    pub fn rotation_overlap(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.key_rotation_overlap_secs).unwrap_or(i64::MAX))
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or parsed, or a key is unknown or of the wrong type; figment's
    /// message names the key and the layer it came from.
    #[error("configuration error: {0}")]
    Load(#[from] Box<figment::Error>),
    /// A `*_FILE` variable names a file that cannot be read.
    #[error("configuration error: cannot read {var}={path}: {source}")]
    SecretFile {
        /// The environment variable.
        var: String,
        /// The file it names.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A value parsed but is not acceptable.
    #[error("configuration error: `{key}` {problem}")]
    Invalid {
        /// Dotted key path, e.g. `server.public_url`.
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

impl Config {
    /// The embedded defaults alone, ignoring files and the environment (tests that must not
    /// depend on the process environment, which other tests may be changing).
    pub fn defaults() -> Result<Self, ConfigError> {
        let config: Config = Figment::from(Toml::string(DEFAULT_TOML))
            .extract()
            .map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    /// Loads the configuration from the embedded defaults, an optional file and the process
    /// environment, then validates it.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            figment = figment.merge(Toml::file_exact(path));
        }
        for (var, path) in std::env::vars() {
            if var.starts_with(ENV_PREFIX) && var.ends_with("_FILE") {
                let content =
                    std::fs::read_to_string(&path).map_err(|source| ConfigError::SecretFile {
                        var: var.clone(),
                        path: path.clone(),
                        source,
                    })?;
                let value = content.trim_end_matches(['\n', '\r']).to_owned();
                figment = figment.merge((file_key_path(&var), value));
            }
        }
        // `HABILIS_TEST_*` variables belong to the test suites, not to a node; `*_FILE` ones
        // were read above.
        let env = Env::prefixed(ENV_PREFIX)
            .filter(|k| {
                let k = k.as_str().to_ascii_lowercase();
                !k.starts_with("test_") && !k.ends_with("_file")
            })
            .split("__");
        let config: Config = figment.merge(env).extract().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.server.public_url;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("server.public_url", "must be an http or https URL"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid(
                "server.public_url",
                "must not have a query or fragment (it is the OpenID Connect issuer)",
            ));
        }
        if self.server.request_timeout_secs == 0 {
            return Err(invalid("server.request_timeout_secs", "must be at least 1"));
        }
        let db = self.database.url.expose();
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres://")
            || db.starts_with("postgresql://"))
        {
            return Err(invalid(
                "database.url",
                "must start with sqlite:, postgres:// or postgresql://",
            ));
        }
        if self.database.max_connections == Some(0) {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        if self
            .log
            .level
            .parse::<tracing_subscriber::EnvFilter>()
            .is_err()
        {
            return Err(invalid(
                "log.level",
                "is not a valid filter (try `info` or `idp=debug,info`)",
            ));
        }
        let len = self.accounts.temporary_password_length;
        if !(12..=128).contains(&len) {
            return Err(invalid(
                "accounts.temporary_password_length",
                "must be between 12 and 128",
            ));
        }
        let dir = &self.directory;
        if dir.enabled {
            if !(dir.url.starts_with("ldap://") || dir.url.starts_with("ldaps://")) {
                return Err(invalid(
                    "directory.url",
                    "must start with ldap:// or ldaps://",
                ));
            }
            if dir.base_dn.trim().is_empty() || dir.bind_dn.trim().is_empty() {
                return Err(invalid(
                    "directory.base_dn",
                    "and directory.bind_dn must be set when the directory is enabled",
                ));
            }
            if dir.pool_size == 0
                || dir.op_timeout_secs == 0
                || dir.connect_timeout_secs == 0
                || dir.sync_interval_secs == 0
            {
                return Err(invalid(
                    "directory.pool_size",
                    "and the directory time-outs must be at least 1",
                ));
            }
        }
        if self.accounts.temporary_password_validity_days == 0 {
            return Err(invalid(
                "accounts.temporary_password_validity_days",
                "must be at least 1",
            ));
        }
        self.validate_accounts()?;
        if self.passkeys.ceremony_ttl_secs == 0 || self.passkeys.ceremony_ttl_secs > 3600 {
            return Err(invalid(
                "passkeys.ceremony_ttl_secs",
                "must be between 1 and 3600",
            ));
        }
        self.validate_oidc()
    }

    fn validate_accounts(&self) -> Result<(), ConfigError> {
        let a = &self.accounts;
        let alphabet = &a.temporary_password_alphabet;
        if !(alphabet.chars().any(|c| c.is_ascii_uppercase())
            && alphabet.chars().any(|c| c.is_ascii_lowercase())
            && alphabet.chars().any(|c| c.is_ascii_digit())
            && alphabet.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(invalid(
                "accounts.temporary_password_alphabet",
                "must be ASCII letters and digits, with upper-case, lower-case and digits",
            ));
        }
        if argon2::Params::new(
            a.argon2_memory_kib,
            a.argon2_time_cost,
            a.argon2_parallelism,
            None,
        )
        .is_err()
        {
            return Err(invalid(
                "accounts.argon2_memory_kib",
                "argon2_memory_kib, argon2_time_cost and argon2_parallelism are not valid Argon2 \
                 parameters (memory ≥ 8 × parallelism KiB, time ≥ 1, parallelism 1 to 2^24-1)",
            ));
        }
        if a.failures_before_lock == 0 || a.failures_before_delay == 0 {
            return Err(invalid(
                "accounts.failures_before_lock",
                "and accounts.failures_before_delay must be at least 1",
            ));
        }
        if a.source_attempts_per_window == 0 || a.source_window_secs == 0 {
            return Err(invalid(
                "accounts.source_attempts_per_window",
                "and accounts.source_window_secs must be at least 1",
            ));
        }
        if !(60..=86_400).contains(&a.reset_token_ttl_secs) {
            return Err(invalid(
                "accounts.reset_token_ttl_secs",
                "must be between 60 and 86400 seconds",
            ));
        }
        let p = &self.password_policy;
        if p.min_length_agent < 8 || p.min_length_admin < p.min_length_agent {
            return Err(invalid(
                "password_policy.min_length_agent",
                "must be at least 8, and min_length_admin at least min_length_agent",
            ));
        }
        if p.max_length < p.min_length_admin || p.max_length > 1024 {
            return Err(invalid(
                "password_policy.max_length",
                "must be at least min_length_admin and at most 1024",
            ));
        }
        if p.min_classes > 4 {
            return Err(invalid("password_policy.min_classes", "must be 0 to 4"));
        }
        if self.mail.from.trim().is_empty() {
            return Err(invalid("mail.from", "must not be empty"));
        }
        if self.mail.transport == MailTransportKind::Smtp && self.mail.smtp_url.is_empty() {
            return Err(invalid(
                "mail.smtp_url",
                "must be set when mail.transport = \"smtp\"",
            ));
        }
        let redis = self.redis.url.expose();
        if !(redis.is_empty() || redis.starts_with("redis://") || redis.starts_with("rediss://")) {
            return Err(invalid(
                "redis.url",
                "must be empty or start with redis:// or rediss://",
            ));
        }
        self.validate_review()?;
        Ok(())
    }

    fn validate_oidc(&self) -> Result<(), ConfigError> {
        let oidc = &self.oidc;
        if oidc.key_encryption_key.is_empty() {
            if !self.is_sqlite() {
                return Err(invalid(
                    "oidc.key_encryption_key",
                    "must be set with PostgreSQL, so that every node decrypts the same signing \
                     keys: base64 of 32 random bytes (`openssl rand -base64 32`), e.g. from \
                     HABILIS_OIDC__KEY_ENCRYPTION_KEY_FILE",
                ));
            }
        } else if crate::oidc::kek::KeyEncryptionKey::parse(oidc.key_encryption_key.expose())
            .is_err()
        {
            return Err(invalid(
                "oidc.key_encryption_key",
                "must be the base64 of exactly 32 bytes (`openssl rand -base64 32`)",
            ));
        }
        // RFC 9700 §2.2.1 / §4.14: access tokens are short-lived; one hour is a generous ceiling.
        for (key, ttl) in [
            ("oidc.access_token_ttl_secs", oidc.access_token_ttl_secs),
            ("oidc.id_token_ttl_secs", oidc.id_token_ttl_secs),
        ] {
            if !(10..=3600).contains(&ttl) {
                return Err(invalid(key, "must be between 10 and 3600 seconds"));
            }
        }
        if oidc.key_rotation_overlap_secs > 90 * 86_400 {
            return Err(invalid(
                "oidc.key_rotation_overlap_secs",
                "must be at most 7776000 (90 days)",
            ));
        }
        // RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is
        // RECOMMENDED"; the issue asks for at most 60 seconds.
        if !(5..=60).contains(&oidc.code_ttl_secs) {
            return Err(invalid(
                "oidc.code_ttl_secs",
                "must be between 5 and 60 seconds",
            ));
        }
        if !(10..=600).contains(&oidc.par_ttl_secs) {
            return Err(invalid(
                "oidc.par_ttl_secs",
                "must be between 10 and 600 seconds",
            ));
        }
        if !(60..=3600).contains(&oidc.login_ttl_secs) {
            return Err(invalid(
                "oidc.login_ttl_secs",
                "must be between 60 and 3600 seconds",
            ));
        }
        if oidc.client_cache_ms > 60_000 {
            return Err(invalid(
                "oidc.client_cache_ms",
                "must be between 0 and 60000 milliseconds",
            ));
        }
        for (key, value) in [
            ("oidc.acr_password", &oidc.acr_password),
            ("oidc.acr_mfa", &oidc.acr_mfa),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(key, "must not be empty"));
            }
        }
        let session = &self.session;
        if !(60..=86_400).contains(&session.idle_timeout_secs) {
            return Err(invalid(
                "session.idle_timeout_secs",
                "must be between 60 and 86400 seconds",
            ));
        }
        if session.absolute_timeout_secs < session.idle_timeout_secs
            || session.absolute_timeout_secs > 7 * 86_400
        {
            return Err(invalid(
                "session.absolute_timeout_secs",
                "must be at least the idle time-out and at most 604800 seconds (7 days)",
            ));
        }
        if session.cookie_name.is_empty()
            || !session
                .cookie_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(invalid(
                "session.cookie_name",
                "must be letters, digits, `_` or `-`",
            ));
        }
        Ok(())
    }

    /// The effective configuration as TOML, secrets redacted (for `idp check-config`), with
    /// the pool size the node will use.
    pub fn to_redacted_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string_pretty(&self.effective())
    }

    /// This configuration with what the node derives filled in (the pool size), as
    /// `idp check-config` shows it.
    pub fn effective(&self) -> Self {
        let mut shown = self.clone();
        shown.database.max_connections = Some(self.database.pool_size());
        shown
    }

    /// Whether the database is SQLite (the embedded default).
    pub fn is_sqlite(&self) -> bool {
        self.database.is_sqlite()
    }
}

/// Pool size on SQLite when `max_connections` is unset: one connection per CPU, at least 2
/// (a writer and a reader) and at most 8. SQLite runs one writer at a time, each pooled
/// connection is a thread of its own whose statements use a CPU, and each keeps a page cache
/// that any other connection's commit empties (WAL): more connections than CPUs only add
/// hand-offs, page reads and memory. Measured in docs/accounts.md, "Ninth reading".
pub fn sqlite_pool() -> u32 {
    let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    u32::try_from(cpus.clamp(2, 8)).unwrap_or(2)
}
/// Pool size on PostgreSQL when `max_connections` is unset.
pub const POSTGRES_POOL: u32 = 10;

impl DatabaseConfig {
    /// The pool size: `max_connections`, or the backend's default ([`sqlite_pool`],
    /// [`POSTGRES_POOL`]); always 1 for an in-memory SQLite database, which lives in its one
    /// connection.
    pub fn pool_size(&self) -> u32 {
        if self.is_in_memory() {
            return 1;
        }
        self.max_connections.unwrap_or_else(|| {
            if self.is_sqlite() {
                sqlite_pool()
            } else {
                POSTGRES_POOL
            }
        })
    }

    /// Whether the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.url.expose().starts_with("sqlite:")
    }

    /// Whether the database is an in-memory SQLite one, which lives in its one connection.
    pub fn is_in_memory(&self) -> bool {
        let url = self.url.expose();
        url.contains(":memory:") || url.contains("mode=memory")
    }

    /// The SQLite database file, when the URL names one (not for `:memory:` or PostgreSQL):
    /// `sqlite://data/habilis.sqlite?mode=rwc` → `data/habilis.sqlite`.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        let url = self.url.expose();
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or(rest);
        if path.is_empty() || self.is_in_memory() {
            return None;
        }
        Some(std::path::PathBuf::from(path))
    }
}

fn invalid(key: &'static str, problem: &str) -> ConfigError {
    ConfigError::Invalid {
        key,
        problem: problem.to_owned(),
    }
}

/// `HABILIS_DATABASE__URL_FILE` → `database.url`.
fn file_key_path(var: &str) -> String {
    let k = var.strip_prefix(ENV_PREFIX).unwrap_or(var);
    let k = k.strip_suffix("_FILE").unwrap_or(k);
    k.to_ascii_lowercase().replace("__", ".")
}

#[cfg(test)]
mod tests;

/// How long traces are kept (002 service contract art. 5.3.2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days connection traces (logins, attempts, tokens, sessions, a person's own password
    /// steps) are kept.
    pub connection_days: u32,
    /// Years the history of a habilitation is kept after its withdrawal.
    pub habilitation_years: u32,
    /// Whether `serve` runs the purge once a day.
    pub daily_purge: bool,
}

/// Monthly usage statistics (003 art. 7).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsConfig {
    /// Seconds between two passes of `serve` over new traces (0: never; `idp stats refresh`).
    pub refresh_interval_secs: u64,
}

/// The yearly reverse review (002 contract art. 2.2.2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewConfig {
    /// Days before the due date on which principal administrators of unsigned reviews are
    /// reminded by e-mail (e.g. `[30, 7, 1]`; empty: no reminder before the due date).
    pub reminder_days_before: Vec<u32>,
    /// Whether a last reminder goes out the day after the due date, to late partners.
    pub remind_when_late: bool,
    /// A partner late by this many days is moved to centralised mode (0: never).
    pub late_policy_days: u32,
    /// Seconds between two passes of `serve`'s reminder and late-policy job (0: never; `idp
    /// review remind` runs it by hand).
    pub job_interval_secs: u64,
}

/// The trace's periodic verification.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Seconds between two verifications of the whole chain by `serve` (0: never); the last
    /// result is shown by `/readyz`. Nodes share the interval through the stored result.
    pub verify_interval_secs: u64,
}

impl Config {
    fn validate_review(&self) -> Result<(), ConfigError> {
        if self
            .review
            .reminder_days_before
            .iter()
            .any(|d| *d == 0 || *d > 365)
        {
            return Err(invalid(
                "review.reminder_days_before",
                "each must be 1 to 365 days",
            ));
        }
        if self.review.late_policy_days > 365 {
            return Err(invalid("review.late_policy_days", "must be 0 to 365"));
        }
        if self.retention.connection_days == 0 {
            return Err(invalid("retention.connection_days", "must be at least 1"));
        }
        if self.retention.habilitation_years == 0 {
            return Err(invalid(
                "retention.habilitation_years",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}
