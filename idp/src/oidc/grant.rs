//! What the provider remembers between requests of a flow: browser sessions, authorization
//! codes and refresh tokens. Plain data; the rules live in `session`, `code` and `refresh`.

use time::OffsetDateTime;

/// How a person authenticated: when, at which level, with which methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authentication {
    /// When the first factor passed (`auth_time`).
    pub auth_time: OffsetDateTime,
    /// Authentication context class (`acr`).
    pub acr: String,
    /// Methods (`amr`, RFC 8176).
    pub amr: Vec<String>,
}

/// A browser session at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value; also the `sid` claim.
    pub id: String,
    /// The account.
    pub account_id: i64,
    /// How the person logged in.
    pub authentication: Authentication,
    /// Creation.
    pub created_at: OffsetDateTime,
    /// Last activity.
    pub last_seen_at: OffsetDateTime,
    /// End by inactivity unless touched.
    pub idle_expires_at: OffsetDateTime,
    /// End whatever the activity.
    pub absolute_expires_at: OffsetDateTime,
    /// When it was ended (logout, time-out noticed, account disabled).
    pub ended_at: Option<OffsetDateTime>,
}

impl Session {
    /// Whether the session is still usable at `now`.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.ended_at.is_none() && now < self.idle_expires_at && now < self.absolute_expires_at
    }
}

/// An authorization code, as stored (the code itself only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeGrant {
    /// SHA-256 of the code.
    pub code_hash: String,
    /// Internal id of the client.
    pub client_id: i64,
    /// The account.
    pub account_id: i64,
    /// The session.
    pub session_id: String,
    /// The redirect URI of the request (must be repeated at the token endpoint).
    pub redirect_uri: String,
    /// Granted scope, space-separated.
    pub scope: String,
    /// The request's nonce.
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// How the person authenticated.
    pub authentication: Authentication,
    /// Expiry.
    pub expires_at: OffsetDateTime,
    /// First use.
    pub consumed_at: Option<OffsetDateTime>,
    /// The access token issued for it, to revoke on replay.
    pub access_token: Option<(String, OffsetDateTime)>,
}

/// A refresh token, as stored (the token itself only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshGrant {
    /// Row id.
    pub id: i64,
    /// SHA-256 of the token.
    pub token_hash: String,
    /// Rotation family.
    pub family_id: String,
    /// The token it replaced.
    pub parent_id: Option<i64>,
    /// Internal id of the client.
    pub client_id: i64,
    /// The account.
    pub account_id: i64,
    /// The session.
    pub session_id: String,
    /// Granted scope.
    pub scope: String,
    /// How the person authenticated.
    pub authentication: Authentication,
    /// Issue.
    pub issued_at: OffsetDateTime,
    /// Expiry.
    pub expires_at: OffsetDateTime,
    /// When it was exchanged.
    pub used_at: Option<OffsetDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
    /// The code its family started from.
    pub code_hash: Option<String>,
    /// The access token issued with it.
    pub access_token: Option<(String, OffsetDateTime)>,
}
