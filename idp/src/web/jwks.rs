//! `GET /jwks`: the provider's published signing keys (RFC 7517 §5), public members only.
//! Relying parties may cache it for [`JWKS_MAX_AGE_SECS`]; a new key is published longer than
//! that before it signs (see `oidc::keys`).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::WebError;
use crate::oidc::keys::JWKS_MAX_AGE_SECS;
use crate::state::AppState;

/// `/jwks`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/jwks", get(jwks))
}

async fn jwks(State(app): State<AppState>) -> Result<Response, WebError> {
    let now = app.clock.now();
    let keys = app
        .keys
        .get(&app.db, now)
        .await
        .map_err(|e| WebError::Internal(format!("signing keys: {e}")))?;
    let mut response = Json(keys.jwks(now)).into_response();
    let cache = format!("public, max-age={JWKS_MAX_AGE_SECS}");
    if let Ok(value) = HeaderValue::from_str(&cache) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    Ok(response)
}
