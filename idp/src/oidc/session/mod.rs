//! Browser sessions at the provider: started after a complete login, resumed from the session
//! cookie (which moves the idle deadline), ended by logout, time-out or an administrator.
//!
//! Seed 003 art. 7 ("déconnexion automatique après 30 minutes d'inactivité") sets the idle
//! time-out; the absolute limit (12 hours by default) bounds a session whatever the activity.
//! The cookie holds 32 random bytes; only their SHA-256 is stored, and it is the `sid` claim.
//! Ending a session revokes the refresh tokens issued within it and queues a back-channel
//! logout token for every client that received tokens in it and registered a back-channel URI.

use time::OffsetDateTime;

use super::grant::{Authentication, CodeGrant, Session};
use crate::account::Account;
use crate::actor::Actor;
use crate::audit::{self, Event, Source, action};
use crate::config::SessionConfig;
use crate::secret::{self, Secret};
use crate::store::token::RefreshScope;
use crate::store::{self, Conn, Db, StoreError};

/// Why a session ended (traced, and kept on the session row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The person logged out.
    Logout,
    /// A new login replaced it (`prompt=login`, `max_age`).
    Replaced,
    /// An administrator disabled, suspended or reset the account.
    AccountChanged,
}

impl EndReason {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::Replaced => "replaced",
            Self::AccountChanged => "account_changed",
        }
    }
}

mod redis_store;

/// Where sessions live: both are shared by every node.
#[derive(Clone)]
enum Backend {
    /// The `user_session` table (the default).
    Database,
    /// Redis, when `[redis] url` is set.
    Redis {
        /// The shared connection.
        conn: crate::redis::Redis,
        /// Key prefix.
        prefix: String,
    },
}

/// The session service; every node sees the same sessions.
#[derive(Clone)]
pub struct Sessions {
    settings: SessionConfig,
    backend: Backend,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let backend = match self.backend {
            Backend::Database => "database",
            Backend::Redis { .. } => "redis",
        };
        f.debug_struct("Sessions")
            .field("settings", &self.settings)
            .field("backend", &backend)
            .finish()
    }
}

impl Sessions {
    /// Sessions in the database, with the configured time-outs.
    pub fn new(settings: SessionConfig) -> Self {
        Self {
            settings,
            backend: Backend::Database,
        }
    }

    /// Sessions in Redis when a connection is given (`[redis] url`), else in the database.
    pub fn with_redis(settings: SessionConfig, redis: Option<crate::redis::Redis>) -> Self {
        Self::with_redis_prefix(settings, redis, crate::redis::KEY_PREFIX)
    }

    /// As [`Self::with_redis`] under another key prefix (tests).
    pub fn with_redis_prefix(
        settings: SessionConfig,
        redis: Option<crate::redis::Redis>,
        prefix: &str,
    ) -> Self {
        let backend = match redis {
            Some(conn) => Backend::Redis {
                conn,
                prefix: prefix.to_owned(),
            },
            None => Backend::Database,
        };
        Self { settings, backend }
    }

    /// Whether sessions live in Redis.
    pub fn in_redis(&self) -> bool {
        matches!(self.backend, Backend::Redis { .. })
    }

    async fn insert(&self, db: &impl Conn, s: &Session) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Database => store::session::insert(db, s).await,
            Backend::Redis { conn, prefix } => Ok(redis_store::insert(conn, prefix, s).await?),
        }
    }

    async fn by_id(&self, db: &Db, id: &str) -> Result<Option<Session>, StoreError> {
        match &self.backend {
            Backend::Database => store::session::by_id(db, id).await,
            Backend::Redis { conn, prefix } => Ok(redis_store::by_id(conn, prefix, id).await?),
        }
    }

    async fn store_touch(
        &self,
        db: &Db,
        id: &str,
        now: OffsetDateTime,
        idle: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Database => store::session::touch(db, id, now, idle).await,
            Backend::Redis { conn, prefix } => {
                Ok(redis_store::touch(conn, prefix, id, now, idle).await?)
            }
        }
    }

    async fn store_end(
        &self,
        tx: &crate::store::Tx,
        id: &str,
        now: OffsetDateTime,
        reason: EndReason,
    ) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Database => store::session::end(tx, id, now, reason.as_str()).await,
            Backend::Redis { conn, prefix } => Ok(redis_store::end(conn, prefix, id, now).await?),
        }
    }

    /// The sessions of an account not ended yet, read over `db` (the database, or the caller's
    /// transaction: a caller holding one must not ask the pool for a second connection).
    pub async fn open_sessions(
        &self,
        db: &impl store::Conn,
        account_id: i64,
    ) -> Result<Vec<Session>, StoreError> {
        self.open_of_account(db, account_id).await
    }

    async fn open_of_account(
        &self,
        db: &impl store::Conn,
        account_id: i64,
    ) -> Result<Vec<Session>, StoreError> {
        match &self.backend {
            Backend::Database => store::session::open_of_account(db, account_id).await,
            Backend::Redis { conn, prefix } => {
                Ok(redis_store::open_of_account(conn, prefix, account_id).await?)
            }
        }
    }

    /// The configured time-outs.
    pub fn settings(&self) -> &SessionConfig {
        &self.settings
    }

    /// Starts a session for a completed login; returns the cookie value (to send once) and
    /// the session.
    pub async fn start(
        &self,
        db: &impl Conn,
        now: OffsetDateTime,
        account_id: i64,
        authentication: Authentication,
    ) -> Result<(Secret, Session), StoreError> {
        let cookie = Secret::new(secret::random_hex(32));
        let session = Session {
            id: secret::token_hash(cookie.expose()),
            account_id,
            authentication,
            created_at: now,
            last_seen_at: now,
            idle_expires_at: now + self.settings.idle(),
            absolute_expires_at: now + self.settings.absolute(),
            ended_at: None,
        };
        self.insert(db, &session).await?;
        Ok((cookie, session))
    }

    /// The live session named by a cookie value, its idle deadline moved to now + idle.
    pub async fn resume(
        &self,
        db: &Db,
        now: OffsetDateTime,
        cookie: &str,
    ) -> Result<Option<Session>, StoreError> {
        if cookie.len() != 64 {
            return Ok(None);
        }
        self.touch(db, now, &secret::token_hash(cookie)).await
    }

    /// The live session with this id, its idle deadline moved (a refresh counts as activity).
    pub async fn touch(
        &self,
        db: &Db,
        now: OffsetDateTime,
        id: &str,
    ) -> Result<Option<Session>, StoreError> {
        if matches!(self.backend, Backend::Database) {
            return self.touch_in_database(db, now, id).await;
        }
        let Some(mut s) = self.by_id(db, id).await? else {
            return Ok(None);
        };
        if !s.is_live(now) {
            return Ok(None);
        }
        let idle = (now + self.settings.idle()).min(s.absolute_expires_at);
        if !self.store_touch(db, id, now, idle).await? {
            return Ok(None);
        }
        s.last_seen_at = now;
        s.idle_expires_at = idle;
        Ok(Some(s))
    }

    /// [`Self::touch`] in the database: one conditional update that returns the session, and
    /// a second one only near the absolute limit, which bounds the idle deadline.
    async fn touch_in_database(
        &self,
        db: &Db,
        now: OffsetDateTime,
        id: &str,
    ) -> Result<Option<Session>, StoreError> {
        let idle = now + self.settings.idle();
        // Every SSO authorization and refresh touches its session: on SQLite the update
        // queues with the write transactions instead of retrying in the busy handler.
        let _turn = db.write_turn().await?;
        let Some(mut s) = store::session::touch_returning(db, id, now, idle).await? else {
            return Ok(None);
        };
        if s.idle_expires_at > s.absolute_expires_at {
            let bounded = s.absolute_expires_at;
            if !store::session::touch(db, id, now, bounded).await? {
                return Ok(None);
            }
            s.idle_expires_at = bounded;
        }
        Ok(Some(s))
    }

    /// The session with this id if it is live, without moving its deadline.
    pub async fn peek(
        &self,
        db: &Db,
        now: OffsetDateTime,
        id: &str,
    ) -> Result<Option<Session>, StoreError> {
        Ok(self.by_id(db, id).await?.filter(|s| s.is_live(now)))
    }

    /// The live session with this id and its account (`None` for a deleted account), without
    /// moving its deadline: one query when sessions are in the database.
    pub async fn peek_with_account(
        &self,
        db: &Db,
        now: OffsetDateTime,
        id: &str,
    ) -> Result<Option<(Session, Option<Account>)>, StoreError> {
        let found = match &self.backend {
            Backend::Database => store::session::with_account(db, id).await?,
            Backend::Redis { conn, prefix } => match redis_store::by_id(conn, prefix, id).await? {
                Some(s) => {
                    let account = store::account::by_id(db, s.account_id).await?;
                    Some((s, account))
                }
                None => None,
            },
        };
        Ok(found.filter(|(s, _)| s.is_live(now)))
    }

    /// The authorization code `code_hash`, its account and its session if live, for the code
    /// exchange: one query when sessions are in the database (the code joined with both), the
    /// code and account in one query and the session from Redis otherwise.
    pub async fn code_with_session(
        &self,
        db: &Db,
        now: OffsetDateTime,
        code_hash: &str,
    ) -> Result<Option<(CodeGrant, Option<(Session, Option<Account>)>)>, StoreError> {
        let Some((grant, account, session)) =
            store::token::code_with_session(db, code_hash).await?
        else {
            return Ok(None);
        };
        let session = match &self.backend {
            Backend::Database => session,
            Backend::Redis { conn, prefix } => {
                redis_store::by_id(conn, prefix, &grant.session_id).await?
            }
        };
        // The code's account is its session's: a code is issued in a session of its account.
        let live = session
            .filter(|s| s.is_live(now) && s.account_id == grant.account_id)
            .map(|s| (s, account));
        Ok(Some((grant, live)))
    }

    /// The live session `id` and its account, for an access token `jti` that was not revoked;
    /// none when the session has ended or the token was revoked. On the database backend, one
    /// query answers both (introspection and userinfo check every person's token so).
    pub async fn peek_for_access(
        &self,
        db: &Db,
        now: OffsetDateTime,
        id: &str,
        jti: &str,
    ) -> Result<Option<(Session, Option<Account>)>, StoreError> {
        let found = match &self.backend {
            Backend::Database => store::session::with_account_unless_revoked(db, id, jti).await?,
            Backend::Redis { .. } => {
                if store::token::is_access_revoked(db, jti).await? {
                    return Ok(None);
                }
                return self.peek_with_account(db, now, id).await;
            }
        };
        Ok(found.filter(|(s, _)| s.is_live(now)))
    }

    /// Ends a session (traced): revokes the refresh tokens issued in it and queues the
    /// back-channel logouts. False when it had already ended.
    pub async fn end(
        &self,
        db: &Db,
        now: OffsetDateTime,
        actor: &Actor,
        source: &Source,
        session: &Session,
        reason: EndReason,
    ) -> Result<bool, EndError> {
        let tx = db.begin_write().await?;
        // In Redis the end is immediate and the rest follows in the transaction; a failure of
        // the transaction leaves the session ended and its tokens to the next cascade.
        if !self.store_end(&tx, &session.id, now, reason).await? {
            return Ok(false);
        }
        for (jti, exp) in
            store::token::revoke_refresh(&tx, RefreshScope::Session(&session.id), now, "logout")
                .await?
        {
            store::token::revoke_access(&tx, &jti, exp).await?;
        }
        let clients = store::session::clients_of(&tx, &session.id).await?;
        let mut notified = Vec::new();
        for client_id in clients {
            let Some(client) = store::client::by_id(&tx, client_id).await? else {
                continue;
            };
            if client.backchannel_logout_uri.is_some() {
                store::backchannel::enqueue(
                    &tx,
                    now,
                    client.id,
                    session.account_id,
                    &session.id,
                    reason.as_str(),
                )
                .await?;
                notified.push(client.client_id.to_string());
            }
        }
        let account = store::account::by_id(&tx, session.account_id).await?;
        let mut event = Event::new(action::SESSION_END, actor)
            .source(source.clone())
            .details(serde_json::json!({
                "reason": reason.as_str(),
                // A prefix of the session id joins the trace with the session's tokens.
                "sid": session.id.get(..16),
                "backchannel": notified,
            }));
        if let Some(a) = &account {
            event = event.target("account", &a.login).fund(a.fund_id);
            if let Some(p) = a.partner_id {
                event = event.partner(p);
            }
        }
        audit::record(&tx, now, event).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Ends every open session of an account (after it was disabled, suspended or reset);
    /// returns how many ended.
    pub async fn end_all_of_account(
        &self,
        db: &Db,
        now: OffsetDateTime,
        actor: &Actor,
        account_id: i64,
    ) -> Result<usize, EndError> {
        let mut ended = 0;
        for s in self.open_of_account(db, account_id).await? {
            if self
                .end(
                    db,
                    now,
                    actor,
                    &Source::default(),
                    &s,
                    EndReason::AccountChanged,
                )
                .await?
            {
                ended += 1;
            }
        }
        // Tokens issued outside any live session (refresh tokens of ended sessions are
        // already revoked; this catches the rest).
        let tx = db.begin_write().await?;
        for (jti, exp) in store::token::revoke_refresh(
            &tx,
            RefreshScope::Account(account_id),
            now,
            "account_changed",
        )
        .await?
        {
            store::token::revoke_access(&tx, &jti, exp).await?;
        }
        tx.commit().await?;
        Ok(ended)
    }
}

/// Why a session could not be ended.
#[derive(Debug, thiserror::Error)]
pub enum EndError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The trace could not be written.
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
}

impl EndError {
    /// Whether the database or Redis could not be reached.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Store(s) => s.is_unavailable(),
            Self::Audit(a) => a.is_unavailable(),
        }
    }
}

#[cfg(test)]
mod tests;
