//! Whether a token is active right now (RFC 7662 §2.2): the common check of the userinfo,
//! introspection and revocation endpoints. An access token is active when its signature, type
//! (`at+jwt`), issuer and expiry verify, its `jti` is not revoked, its client is enabled and
//! named in `aud`, and — for a person's token — its session is still live and the account
//! active: logging out, a time-out or a disabled account make it inactive at once.

use time::OffsetDateTime;

use super::client::Client;
use super::client::cache::ClientCache;
use super::grant::{RefreshGrant, Session};
use super::jwt::{self, Claims, Expected, TokenType};
use super::keys::KeySet;
use super::session::Sessions;
use super::token::issuer;
use crate::account::{Account, AccountStatus};
use crate::config::Config;
use crate::secret;
use crate::store::{self, Db, StoreError};

/// Whether a client may still have active tokens (for [`ClientCache::decide`]: a client that
/// the node's cache says is disabled may just have been enabled again).
fn enabled(c: &Client) -> Result<(), ()> {
    if c.enabled { Ok(()) } else { Err(()) }
}

/// An active refresh token.
#[derive(Debug, Clone)]
pub struct ActiveRefresh {
    /// The token's record.
    pub grant: RefreshGrant,
    /// The client it was issued to.
    pub client: Client,
    /// The person.
    pub account: Account,
}

/// An active access token.
#[derive(Debug, Clone)]
pub struct ActiveAccess {
    /// Its claims.
    pub claims: Claims,
    /// The client it was issued to.
    pub client: Client,
    /// The person, for a person's token.
    pub account: Option<Account>,
    /// The session it was issued in.
    pub session: Option<Session>,
}

impl ActiveAccess {
    /// The granted scopes.
    pub fn scopes(&self) -> Vec<String> {
        self.claims
            .extra
            .get("scope")
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// What checking a token reads: the database, this node's caches and configuration, and the
/// time of the request.
#[derive(Debug, Clone, Copy)]
pub struct Checker<'a> {
    /// The database.
    pub db: &'a Db,
    /// The configuration (the issuer).
    pub config: &'a Config,
    /// The signing keys.
    pub keys: &'a KeySet,
    /// The session store.
    pub sessions: &'a Sessions,
    /// This node's cache of clients.
    pub clients: &'a ClientCache,
    /// The time of the request.
    pub now: OffsetDateTime,
}

impl Checker<'_> {
    /// The access token if it is active. `known` is a client this request has already read
    /// and authenticated (introspection): when the token names it, it is not read again.
    pub async fn access(
        &self,
        token: &str,
        known: Option<&Client>,
    ) -> Result<Option<ActiveAccess>, StoreError> {
        let (db, now) = (self.db, self.now);
        let iss = issuer(self.config);
        let expected = Expected {
            issuer: &iss,
            audience: "",
            token_type: Some(TokenType::AccessToken),
            now,
        };
        let Ok(claims) = jwt::verify_any_audience(self.keys, token, &expected) else {
            return Ok(None);
        };
        let Some(jti) = claims.extra.get("jti").and_then(|j| j.as_str()) else {
            return Ok(None);
        };
        let Some(client_id) = claims.extra.get("client_id").and_then(|c| c.as_str()) else {
            return Ok(None);
        };
        let Ok(id) = super::client::ClientId::parse(client_id) else {
            return Ok(None);
        };
        let client = match known.filter(|k| k.client_id == id) {
            Some(k) => k.clone(),
            None => match self.clients.by_client_id(db, &id).await? {
                Some(c) => self.clients.decide(db, c, enabled).await?.0,
                None => return Ok(None),
            },
        };
        if !client.enabled || !claims.aud.contains(client_id) {
            return Ok(None);
        }
        // A person's token: its session, its account and its revocation mark in one read.
        let (account, session) = match claims.extra.get("sid").and_then(|s| s.as_str()) {
            Some(sid) => match self.sessions.peek_for_access(db, now, sid, jti).await? {
                Some((session, Some(a))) if a.status == AccountStatus::Active => {
                    (Some(a), Some(session))
                }
                _ => return Ok(None),
            },
            // A client acting for itself (`client_credentials`).
            None if claims.sub == client_id => {
                if store::token::is_access_revoked(db, jti).await? {
                    return Ok(None);
                }
                (None, None)
            }
            None => return Ok(None),
        };
        Ok(Some(ActiveAccess {
            claims,
            client,
            account,
            session,
        }))
    }

    /// The refresh token if it is active: unused, unrevoked, unexpired, its session live and
    /// its account active (read with the session), its client enabled. `known` is the client
    /// this request has authenticated, used when the token is its own.
    pub async fn refresh(
        &self,
        token: &str,
        known: Option<&Client>,
    ) -> Result<Option<ActiveRefresh>, StoreError> {
        let (db, now) = (self.db, self.now);
        let Some(grant) = store::token::refresh(db, &secret::token_hash(token)).await? else {
            return Ok(None);
        };
        if grant.used_at.is_some() || grant.revoked_at.is_some() || now >= grant.expires_at {
            return Ok(None);
        }
        let Some((_, Some(account))) = self
            .sessions
            .peek_with_account(db, now, &grant.session_id)
            .await?
        else {
            return Ok(None);
        };
        if account.status != AccountStatus::Active || account.id != grant.account_id {
            return Ok(None);
        }
        let client = match known.filter(|k| k.id == grant.client_id) {
            Some(k) => Some(k.clone()),
            None => match self.clients.by_id(db, grant.client_id).await? {
                Some(c) => Some(self.clients.decide(db, c, enabled).await?.0),
                None => None,
            },
        };
        Ok(client.filter(|c| c.enabled).map(|client| ActiveRefresh {
            grant,
            client,
            account,
        }))
    }
}
