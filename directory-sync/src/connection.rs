//! Connections to the directory: [`DirectoryConfig`], TLS set-up (LDAPS or StartTLS), bind, a
//! small pool of multiplexed connections, and the classification of LDAP failures into
//! transient and permanent [`DirectoryError`]s.
//!
//! Invariants: the bind secret never appears in `Debug` output or logs; every network step
//! (connect, TLS, bind, each operation) runs under a time-out, so a directory that hangs looks
//! like a directory that is down; a connection that failed is dropped from the pool and
//! replaced on next use, so the pool heals when the directory comes back.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};
use tokio::sync::Mutex;

use crate::error::DirectoryError;

/// The bind secret; `Debug` shows `[redacted]`.
#[derive(Clone)]
pub struct BindSecret(String);

impl BindSecret {
    /// Wraps a secret read from configuration (a file or an environment variable).
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret, for the bind request only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BindSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BindSecret([redacted])")
    }
}

/// How to reach and authenticate to the directory.
#[derive(Clone, Debug)]
pub struct DirectoryConfig {
    /// `ldaps://host:636` (LDAPS) or `ldap://host:389` (plain, or StartTLS when `starttls`).
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS (RFC 4513 §3) before binding.
    pub starttls: bool,
    /// The DN Habilis binds as.
    pub bind_dn: String,
    /// The bind secret.
    pub bind_password: BindSecret,
    /// The subtree Habilis manages, e.g. `ou=extranautes,dc=example,dc=fr`.
    pub base_dn: String,
    /// Time-out for TCP connect, TLS handshake and bind.
    pub connect_timeout: Duration,
    /// Time-out for each LDAP operation.
    pub op_timeout: Duration,
    /// Number of connections; operations are multiplexed on each of them.
    pub pool_size: usize,
    /// Write operations in flight at once across the pool during an apply (pipelining hides
    /// the round trip; too many only makes the server's threads contend).
    pub max_in_flight: usize,
    /// PEM file of the CA certificates to trust instead of the system store.
    pub tls_ca_file: Option<PathBuf>,
    /// Accept any server certificate. For tests only; never in production.
    pub insecure_skip_verify: bool,
}

impl DirectoryConfig {
    /// A configuration with the usual defaults (5 s connect, 30 s per operation, 2 connections,
    /// 16 operations in flight, system trust store).
    pub fn new(url: &str, bind_dn: &str, bind_password: BindSecret, base_dn: &str) -> Self {
        Self {
            url: url.to_owned(),
            starttls: false,
            bind_dn: bind_dn.to_owned(),
            bind_password,
            base_dn: base_dn.to_owned(),
            connect_timeout: Duration::from_secs(5),
            op_timeout: Duration::from_secs(30),
            pool_size: 2,
            max_in_flight: 16,
            tls_ca_file: None,
            insecure_skip_verify: false,
        }
    }
}

/// A fixed set of connection slots, each lazily (re)connected. An `ldap3::Ldap` handle
/// multiplexes many operations on its connection, so a slot serves many tasks at once.
pub(crate) struct Pool {
    config: DirectoryConfig,
    settings: LdapConnSettings,
    slots: Vec<Mutex<Option<Ldap>>>,
    next: AtomicUsize,
}

impl Pool {
    pub(crate) fn new(config: DirectoryConfig) -> Result<Self, DirectoryError> {
        if config.pool_size == 0 || config.max_in_flight == 0 {
            return Err(DirectoryError::Config(
                "pool_size and max_in_flight must be at least 1".to_owned(),
            ));
        }
        let settings = settings(&config)?;
        let slots = (0..config.pool_size).map(|_| Mutex::new(None)).collect();
        Ok(Self {
            config,
            settings,
            slots,
            next: AtomicUsize::new(0),
        })
    }

    pub(crate) fn config(&self) -> &DirectoryConfig {
        &self.config
    }

    /// A handle on a live, bound connection, taken round-robin.
    pub(crate) async fn get(&self) -> Result<Ldap, DirectoryError> {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let Some(slot) = self.slots.get(index) else {
            return Err(DirectoryError::Config("empty pool".to_owned()));
        };
        let mut slot = slot.lock().await;
        if let Some(ldap) = slot.as_ref() {
            let mut handle = ldap.clone();
            if !handle.is_closed() {
                return Ok(handle);
            }
        }
        *slot = None;
        let ldap = self.connect().await?;
        *slot = Some(ldap.clone());
        Ok(ldap)
    }

    /// Drops every connection, after a transient failure: the next `get` reconnects.
    pub(crate) async fn invalidate(&self) {
        for slot in &self.slots {
            *slot.lock().await = None;
        }
    }

    async fn connect(&self) -> Result<Ldap, DirectoryError> {
        let timeout = self.config.connect_timeout;
        let open = LdapConnAsync::with_settings(self.settings.clone(), &self.config.url);
        let (conn, mut ldap) = match tokio::time::timeout(timeout, open).await {
            Ok(result) => result.map_err(|e| classify("connect", e))?,
            Err(_) => return Err(transient("connect", "time-out")),
        };
        tokio::spawn(async move {
            if let Err(error) = conn.drive().await {
                tracing::debug!(%error, "directory connection closed");
            }
        });
        let bind = ldap
            .with_timeout(timeout)
            .simple_bind(&self.config.bind_dn, self.config.bind_password.expose())
            .await
            .map_err(|e| classify("bind", e))?;
        match bind.rc {
            0 => Ok(ldap),
            // RFC 4511 §4.1.9: invalidCredentials, inappropriateAuthentication,
            // insufficientAccessRights: only a configuration change helps.
            48..=50 => Err(DirectoryError::Bind {
                bind_dn: self.config.bind_dn.clone(),
                detail: bind.to_string(),
            }),
            rc => Err(from_rc("bind", rc, bind.to_string())),
        }
    }
}

fn settings(config: &DirectoryConfig) -> Result<LdapConnSettings, DirectoryError> {
    let mut settings = LdapConnSettings::new()
        .set_conn_timeout(config.connect_timeout)
        .set_starttls(config.starttls)
        .set_no_tls_verify(config.insecure_skip_verify);
    if let (Some(path), false) = (&config.tls_ca_file, config.insecure_skip_verify) {
        settings = settings.set_config(Arc::new(tls_config(path)?));
    }
    Ok(settings)
}

/// A rustls client configuration trusting only the certificates of `path` (PEM).
fn tls_config(path: &PathBuf) -> Result<rustls::ClientConfig, DirectoryError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let fail = |detail: String| DirectoryError::TlsCa {
        path: path.clone(),
        detail,
    };
    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path).map_err(|e| fail(e.to_string()))?;
    for cert in certs {
        roots
            .add(cert.map_err(|e| fail(e.to_string()))?)
            .map_err(|e| fail(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(fail("no certificate in the file".to_owned()));
    }
    // Name the provider explicitly: other crates of the workspace may enable another rustls
    // provider, and then rustls cannot pick a process default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

pub(crate) fn transient(operation: &str, detail: impl Into<String>) -> DirectoryError {
    DirectoryError::Transient {
        operation: operation.to_owned(),
        detail: detail.into(),
    }
}

/// Classifies a client-side error: IO, time-outs and a dropped connection are transient.
pub(crate) fn classify(operation: &str, error: LdapError) -> DirectoryError {
    match error {
        LdapError::LdapResult { result } => from_rc(operation, result.rc, result.to_string()),
        LdapError::Io { .. }
        | LdapError::Timeout { .. }
        | LdapError::OpSend { .. }
        | LdapError::ResultRecv { .. }
        | LdapError::IdScrubSend { .. }
        | LdapError::MiscSend { .. }
        | LdapError::EndOfStream => transient(operation, error.to_string()),
        other => DirectoryError::Permanent {
            operation: operation.to_owned(),
            rc: None,
            detail: other.to_string(),
        },
    }
}

/// Classifies an LDAP result code (RFC 4511 appendix A): time limit, busy, unavailable, and
/// the client-side codes of RFC 4511's API heritage (serverDown 81, timeout 85, connectError
/// 91) are transient; everything else is the data's or the configuration's fault.
pub(crate) fn from_rc(operation: &str, rc: u32, detail: String) -> DirectoryError {
    match rc {
        3 | 51 | 52 | 81 | 85 | 91 => transient(operation, detail),
        _ => DirectoryError::Permanent {
            operation: operation.to_owned(),
            rc: Some(rc),
            detail,
        },
    }
}
