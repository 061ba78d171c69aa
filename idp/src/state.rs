//! What every request handler can reach: the database, the clock and the configuration.
//! Cloning is cheap (everything is behind `Arc` or is a pool handle). Nothing here is
//! node-local state that another node would need: sessions, counters and keys live in the
//! database (or Redis).

use std::sync::Arc;

use crate::account::credentials::Credentials;
use crate::clock::Clock;
use crate::config::Config;
use crate::oidc::client::cache::ClientCache;
use crate::oidc::keys::KeyRing;
use crate::store::Db;

/// Shared application state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database pool.
    pub db: Db,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// The validated configuration.
    pub config: Arc<Config>,
    /// Directory sync metrics, when the directory is enabled.
    pub directory: Option<Arc<directory_sync::metrics::Metrics>>,
    /// This node's cache of the token-signing keys.
    pub keys: Arc<KeyRing>,
    /// This node's cache of the registered clients.
    pub clients: Arc<ClientCache>,
    /// Hashing pool, attempt limiting, password policy, TOTP cipher, mailer.
    pub creds: Arc<Credentials>,
    /// The shared Redis connection, when `[redis] url` is set.
    pub redis: Option<crate::redis::Redis>,
}
