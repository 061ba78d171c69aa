//! The OpenID Connect endpoints: discovery, authorization (with the login pages), PAR, token,
//! userinfo, introspection, revocation and logout. Handlers parse the request, call the
//! provider's functions in `crate::oidc`, and answer in the protocol's shapes (RFC 6749 §5.2
//! JSON errors, redirects with `error` and `iss`, HTML pages for people).

mod authorize;
mod discovery;
mod introspect;
mod login;
mod logout;
mod pages;
mod par;
mod token;
mod userinfo;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit::Source;
use crate::oidc::introspection::Checker;
use crate::oidc::keys::KeySet;
use crate::oidc::session::Sessions;
use crate::state::AppState;

/// The routes of the provider.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::configuration),
        )
        .route(
            "/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/par", post(par::push))
        .route("/login", get(login::show).post(login::password))
        .route("/login/password", post(login::change_password))
        .route("/login/consent", post(login::consent))
        .route("/token", post(token::token))
        .route("/userinfo", get(userinfo::get).post(userinfo::post))
        .route("/introspect", post(introspect::introspect))
        .route("/revoke", post(introspect::revoke))
        .route("/logout", get(logout::get).post(logout::post))
        .merge(login::routes())
}

/// The session service of this state: in Redis when it is configured, else the database.
pub(crate) fn sessions(state: &AppState) -> Sessions {
    Sessions::with_redis(state.config.session.clone(), state.redis.clone())
}

/// The token checks of a request at `now`, with this node's keys, sessions and clients.
pub(crate) fn checker<'a>(
    state: &'a AppState,
    keys: &'a KeySet,
    sessions: &'a Sessions,
    now: OffsetDateTime,
) -> Checker<'a> {
    Checker {
        db: &state.db,
        config: &state.config,
        keys,
        sessions,
        clients: &state.clients,
        now,
    }
}

/// The peer address of a request, when the server knows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) Option<SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// The trace source of a request: client address and request id.
pub(crate) fn source(peer: &Peer, headers: &HeaderMap) -> Source {
    Source {
        ip: peer.0.map(|a| a.ip().to_string()),
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// Whether the provider is served over HTTPS (cookies then get `Secure` and `__Host-`).
pub(crate) fn https(state: &AppState) -> bool {
    state.config.server.public_url.scheme() == "https"
}

/// The value of a cookie of the request.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The full name of a cookie (`__Host-` prefixed over HTTPS).
pub(crate) fn cookie_name(state: &AppState, base: &str) -> String {
    if https(state) {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS; `max_age` 0
/// deletes it.
pub(crate) fn set_cookie(
    state: &AppState,
    base: &str,
    value: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut c = format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax",
        cookie_name(state, base)
    );
    if https(state) {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The session cookie's base name.
pub(crate) fn session_cookie(state: &AppState) -> &str {
    &state.config.session.cookie_name
}

/// An OAuth JSON error (RFC 6749 §5.2), never cached.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut r = (
        status,
        axum::Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    no_store(r.headers_mut());
    r
}

/// `Cache-Control: no-store` on token-bearing answers (RFC 6749 §5.1).
fn no_store(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// A server failure in an OAuth endpoint or a login page: when it is the storage being
/// unreachable, the 503 of [`unavailable`]; otherwise logged with its cause and answered as a
/// generic 500.
fn internal<E: std::fmt::Display + 'static>(e: &E) -> Response {
    if crate::web::error::storage_unreachable(e) {
        return unavailable(&e.to_string());
    }
    tracing::error!(error = %crate::redact::redact_text(&e.to_string()), "oidc endpoint failed");
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "internal error",
    )
}

/// The storage is unreachable: 503 with the OAuth error `temporarily_unavailable` (RFC 6749
/// §4.1.2.1) and `Retry-After`, so that relying parties retry instead of treating it as a bug;
/// a browser gets the page « Service momentanément indisponible » (the error middleware renders
/// it from the attached [`crate::web::error::ErrorInfo`]).
fn unavailable(cause: &str) -> Response {
    tracing::warn!(error = %crate::redact::redact_text(cause), "oidc endpoint: storage unavailable");
    let mut r = oauth_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "the service is temporarily unavailable, try again shortly",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    r.extensions_mut().insert(crate::web::error::ErrorInfo {
        code: "temporarily_unavailable",
        message: "Service temporarily unavailable.".to_owned(),
        message_fr: "Service momentanément indisponible.".to_owned(),
        cause: None,
    });
    r
}

/// A server failure of a protocol endpoint that may be the storage being unreachable.
pub(super) trait Failure: std::fmt::Display {
    /// Whether the database or Redis could not be reached.
    fn unavailable(&self) -> bool;
}

impl Failure for crate::store::StoreError {
    fn unavailable(&self) -> bool {
        self.is_unavailable()
    }
}

impl Failure for crate::oidc::keys::KeyError {
    fn unavailable(&self) -> bool {
        use crate::error::UserError;
        self.kind() == crate::error::ErrorKind::Unavailable
    }
}

impl Failure for crate::oidc::token::TokenError {
    fn unavailable(&self) -> bool {
        self.is_unavailable()
    }
}

impl Failure for crate::oidc::client_auth::ClientAuthError {
    fn unavailable(&self) -> bool {
        self.is_unavailable()
    }
}

impl Failure for crate::oidc::client::ClientError {
    fn unavailable(&self) -> bool {
        use crate::error::UserError;
        self.kind() == crate::error::ErrorKind::Unavailable
    }
}

impl Failure for crate::oidc::claims::ClaimsError {
    fn unavailable(&self) -> bool {
        self.is_unavailable()
    }
}

impl Failure for Box<dyn std::error::Error + Send + Sync> {
    fn unavailable(&self) -> bool {
        self.downcast_ref::<crate::store::StoreError>()
            .is_some_and(crate::store::StoreError::is_unavailable)
            || self
                .downcast_ref::<crate::audit::AuditError>()
                .is_some_and(crate::audit::AuditError::is_unavailable)
    }
}

/// A server failure of a protocol endpoint: the 503 of [`unavailable`] when the database or
/// Redis cannot be reached; otherwise a generic 500.
fn failed(e: &dyn Failure) -> Response {
    if e.unavailable() {
        return unavailable(&e.to_string());
    }
    internal(&e.to_string())
}

/// A 303 redirect.
pub(crate) fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => internal(&"invalid redirect location"),
    }
}

/// Form pairs of a body or query, in order (repeated names kept, to be refused).
pub(crate) fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw).into_owned().collect()
}

/// The first value of a form field.
pub(crate) fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}
