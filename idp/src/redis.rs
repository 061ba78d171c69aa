//! Redis, when `[redis] url` is set: one auto-reconnecting connection per node, shared by
//! whoever needs counters or state common to every node (attempt limiting, sessions).
//!
//! Keys are namespaced by their user (`habilis:throttle:…`, `habilis:session:…`); tests use a
//! random prefix so that they never see each other's keys.

use crate::config::RedisConfig;

/// A multiplexed connection that reconnects by itself; cheap to clone.
pub type Redis = redis::aio::ConnectionManager;

/// The prefix of every key Habilis writes.
pub const KEY_PREFIX: &str = "habilis:";

/// Why Redis could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// The URL is malformed or the server does not answer (the URL, which may carry a
    /// password, is never part of the message).
    #[error("redis is unreachable: {0}")]
    Connect(String),
}

/// Connects when `[redis] url` is set; `None` when it is empty.
pub async fn connect(config: &RedisConfig) -> Result<Option<Redis>, RedisError> {
    if config.url.is_empty() {
        return Ok(None);
    }
    connect_url(config.url.expose()).await.map(Some)
}

/// Connects to `url` (tests, tools).
pub async fn connect_url(url: &str) -> Result<Redis, RedisError> {
    let client = redis::Client::open(url).map_err(|e| RedisError::Connect(e.kind_name()))?;
    redis::aio::ConnectionManager::new(client)
        .await
        .map_err(|e| RedisError::Connect(e.kind_name()))
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for redis::RedisError {
    /// The error's category and the server's message, never the URL.
    fn kind_name(&self) -> String {
        format!(
            "{:?}: {}",
            self.kind(),
            self.detail().unwrap_or("no detail")
        )
    }
}
