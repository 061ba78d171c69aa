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
//! A refusal never rests on the cache alone: callers that refuse a request because of what the
//! cached client says (a wrong secret, an unregistered redirect URI, a disabled client) ask
//! [`ClientCache::fresh`] first, so that a new secret or redirect URI works at once. Only the
//! withdrawal of a right (disabling a client, replacing its secret) waits for the delay.
//!
//! Unknown client ids are not remembered: only rows of the table enter the cache, which bounds
//! its size by the table's.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Tickets of the counter's reads, so that a slow read never undoes a newer one.
    reads: AtomicU64,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The counter the entries were read under, and when it was read.
    generation: Option<(i64, OffsetDateTime)>,
    /// The ticket of the read that set `generation`.
    applied: u64,
    by_client_id: HashMap<String, Client>,
    by_id: HashMap<i64, String>,
}

impl State {
    fn clear(&mut self) {
        self.by_client_id.clear();
        self.by_id.clear();
    }
}

impl ClientCache {
    /// A cache that compares the counter at most every `max_age` of `clock`; zero (or less)
    /// reads every client from the database.
    pub fn new(max_age: Duration, clock: Arc<dyn Clock>) -> Self {
        Self {
            max_age,
            clock,
            reads: AtomicU64::new(0),
            state: Mutex::new(State::default()),
        }
    }

    fn is_off(&self) -> bool {
        self.max_age <= Duration::ZERO
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The client with this client id, enabled or not.
    pub async fn by_client_id(
        &self,
        db: &impl Conn,
        id: &ClientId,
    ) -> Result<Option<Client>, StoreError> {
        self.by_client_id_at(db, id, self.clock.now()).await
    }

    /// The client with this surrogate id, enabled or not.
    pub async fn by_id(&self, db: &impl Conn, id: i64) -> Result<Option<Client>, StoreError> {
        self.by_id_at(db, id, self.clock.now()).await
    }

    /// The client read from the database now, replacing what the cache held: for a refusal
    /// that the cached client would cause.
    pub async fn fresh(&self, db: &impl Conn, id: &ClientId) -> Result<Option<Client>, StoreError> {
        if self.is_off() {
            return store::client::by_client_id(db, id).await;
        }
        let generation = self.generation(db, self.clock.now()).await?;
        let found = store::client::by_client_id(db, id).await?;
        let mut s = self.lock();
        if let Some(old) = s.by_client_id.remove(id.as_str()) {
            s.by_id.remove(&old.id);
        }
        if let Some(c) = &found {
            keep(&mut s, generation, c);
        }
        Ok(found)
    }

    async fn by_client_id_at(
        &self,
        db: &impl Conn,
        id: &ClientId,
        at: OffsetDateTime,
    ) -> Result<Option<Client>, StoreError> {
        if self.is_off() {
            return store::client::by_client_id(db, id).await;
        }
        let generation = self.generation(db, at).await?;
        if let Some(c) = self.lock().by_client_id.get(id.as_str()) {
            return Ok(Some(c.clone()));
        }
        let found = store::client::by_client_id(db, id).await?;
        if let Some(c) = &found {
            keep(&mut self.lock(), generation, c);
        }
        Ok(found)
    }

    async fn by_id_at(
        &self,
        db: &impl Conn,
        id: i64,
        at: OffsetDateTime,
    ) -> Result<Option<Client>, StoreError> {
        if self.is_off() {
            return store::client::by_id(db, id).await;
        }
        let generation = self.generation(db, at).await?;
        {
            let s = self.lock();
            if let Some(c) = s.by_id.get(&id).and_then(|k| s.by_client_id.get(k)) {
                return Ok(Some(c.clone()));
            }
        }
        let found = store::client::by_id(db, id).await?;
        if let Some(c) = &found {
            keep(&mut self.lock(), generation, c);
        }
        Ok(found)
    }

    /// The counter the cache stands on: the one read less than `max_age` ago, or a new read,
    /// which empties the cache when the counter moved.
    async fn generation(&self, db: &impl Conn, at: OffsetDateTime) -> Result<i64, StoreError> {
        if let Some((g, read_at)) = self.lock().generation
            && at >= read_at
            && at - read_at < self.max_age
        {
            return Ok(g);
        }
        let ticket = self.reads.fetch_add(1, Ordering::Relaxed) + 1;
        let g = store::cache_generation::value(db, store::cache_generation::OIDC_CLIENT).await?;
        let mut s = self.lock();
        // A read that started before the one already applied may have seen an older counter.
        if ticket > s.applied {
            if s.generation.map(|(old, _)| old) != Some(g) {
                s.clear();
            }
            s.generation = Some((g, at));
            s.applied = ticket;
        }
        Ok(g)
    }
}

/// Keeps a client read under counter `generation`, unless the counter has moved meanwhile (the
/// row may predate the change that moved it).
fn keep(s: &mut State, generation: i64, c: &Client) {
    if s.generation.map(|(g, _)| g) == Some(generation) {
        s.by_id.insert(c.id, c.client_id.as_str().to_owned());
        s.by_client_id
            .insert(c.client_id.as_str().to_owned(), c.clone());
    }
}

#[cfg(test)]
mod tests;
