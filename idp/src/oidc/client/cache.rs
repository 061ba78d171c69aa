//! A node's cache of OIDC clients.
//!
//! Every token, introspection, revocation, PAR, userinfo and authorization request needs its
//! client, and clients change a few times a year: reading the row each time was one SQL
//! statement of the two an introspection makes. The cache keeps each client read, and compares
//! the `cache_generation` counter of `oidc_client` — moved by database triggers on every insert,
//! update or delete, whoever makes it — at most every `oidc.client_cache_ms`. A changed counter
//! empties the cache, so a change made on another node, with `idp client …` or by hand in SQL
//! reaches every node within that delay; `0` turns the cache off.
//!
//! A refusal never rests on the cache alone: callers decide on a client through
//! [`ClientCache::decide`], which, when the cached client is refused (a wrong secret, an
//! unregistered redirect URI, a disabled client), decides again on the stored client if it
//! differs, so that a new secret or redirect URI works at once. Only the withdrawal of a right
//! (disabling a client, replacing its secret) waits for the delay.
//!
//! Unknown client ids are not remembered: only rows of the table enter the cache, which bounds
//! its size by the table's (a few hundred clients: looking one up by surrogate id scans them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use time::{Duration, OffsetDateTime};

use super::{Client, ClientId};
use crate::clock::Clock;
use crate::store::{self, Conn, StoreError};

/// A node's cache of clients (see the module's documentation).
#[derive(Debug)]
pub struct ClientCache {
    max_age: Duration,
    /// The node's clock (a test's controllable one), as for the signing keys' cache.
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The counter the clients were read under, and when that read started.
    generation: Option<(i64, OffsetDateTime)>,
    /// By client id.
    clients: HashMap<String, Client>,
}

impl State {
    /// Takes the counter `g` of a read started at `at`, emptying the cache when it moved. A
    /// read that started before the last one taken only counts if it saw a higher counter (the
    /// triggers only add): a slow read must not bring an older counter back.
    fn observe(&mut self, g: i64, at: OffsetDateTime) {
        let current = self.generation.map(|(c, _)| c);
        let read_at = self.generation.map(|(_, r)| r);
        let newest = read_at.is_none_or(|r| at >= r);
        if !newest && current.is_some_and(|c| g <= c) {
            return;
        }
        if current != Some(g) {
            self.clients.clear();
        }
        self.generation = Some((g, read_at.map_or(at, |r| r.max(at))));
    }

    /// Keeps a client read under counter `g`, unless the counter has moved meanwhile (the row
    /// may predate the change that moved it).
    fn keep(&mut self, g: i64, c: &Client) {
        if self.generation.map(|(current, _)| current) == Some(g) {
            self.clients
                .insert(c.client_id.as_str().to_owned(), c.clone());
        }
    }
}

impl ClientCache {
    /// A cache that compares the counter at most every `max_age` of `clock`; zero (or less)
    /// reads every client from the database.
    pub fn new(max_age: Duration, clock: Arc<dyn Clock>) -> Self {
        Self {
            max_age,
            clock,
            state: Mutex::new(State::default()),
        }
    }

    fn is_off(&self) -> bool {
        self.max_age <= Duration::ZERO
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `decision` on `cached`; when it refuses, on the client as stored now if that differs
    /// (which then replaces it in the cache). The client decided on, and the decision.
    pub async fn decide<T, E>(
        &self,
        db: &impl Conn,
        cached: Client,
        decision: impl Fn(&Client) -> Result<T, E>,
    ) -> Result<(Client, Result<T, E>), StoreError> {
        let first = decision(&cached);
        if first.is_ok() {
            return Ok((cached, first));
        }
        Ok(match self.changed(db, &cached).await? {
            Some(stored) => {
                let again = decision(&stored);
                (stored, again)
            }
            None => (cached, first),
        })
    }

    /// The client as stored now when it differs from `cached`, which the caller is about to
    /// refuse; the stored one replaces it in the cache. `None`: unchanged (or deleted), the
    /// refusal stands.
    async fn changed(&self, db: &impl Conn, cached: &Client) -> Result<Option<Client>, StoreError> {
        let generation = self.generation(db).await?;
        let stored = store::client::by_client_id(db, &cached.client_id).await?;
        if let Some(g) = generation {
            let mut s = self.lock();
            s.clients.remove(cached.client_id.as_str());
            if let Some(c) = &stored {
                s.keep(g, c);
            }
        }
        Ok(stored.filter(|c| c != cached))
    }

    /// The client with this client id, enabled or not.
    pub async fn by_client_id(
        &self,
        db: &impl Conn,
        id: &ClientId,
    ) -> Result<Option<Client>, StoreError> {
        let generation = self.generation(db).await?;
        if generation.is_some()
            && let Some(c) = self.lock().clients.get(id.as_str())
        {
            return Ok(Some(c.clone()));
        }
        let found = store::client::by_client_id(db, id).await?;
        Ok(self.kept(generation, found))
    }

    /// The client with this surrogate id, enabled or not.
    pub async fn by_id(&self, db: &impl Conn, id: i64) -> Result<Option<Client>, StoreError> {
        let generation = self.generation(db).await?;
        if generation.is_some()
            && let Some(c) = self.lock().clients.values().find(|c| c.id == id)
        {
            return Ok(Some(c.clone()));
        }
        let found = store::client::by_id(db, id).await?;
        Ok(self.kept(generation, found))
    }

    /// `found`, kept in the cache when it is on.
    fn kept(&self, generation: Option<i64>, found: Option<Client>) -> Option<Client> {
        if let (Some(g), Some(c)) = (generation, &found) {
            self.lock().keep(g, c);
        }
        found
    }

    /// The counter the cache stands on — the one read less than `max_age` ago, or a new read,
    /// which empties the cache when the counter moved — or none when the cache is off.
    async fn generation(&self, db: &impl Conn) -> Result<Option<i64>, StoreError> {
        if self.is_off() {
            return Ok(None);
        }
        let at = self.clock.now();
        if let Some((g, read_at)) = self.lock().generation
            && at >= read_at
            && at - read_at < self.max_age
        {
            return Ok(Some(g));
        }
        let g = store::cache_generation::value(db, store::cache_generation::OIDC_CLIENT).await?;
        self.lock().observe(g, at);
        Ok(Some(g))
    }
}

#[cfg(test)]
mod tests;
