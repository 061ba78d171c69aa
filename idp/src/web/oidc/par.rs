//! `POST /par` (RFC 9126): a client pushes its authorization request and receives a one-time
//! `request_uri` to send the browser with. The request is validated here with the same rules
//! as `/authorize`; errors are JSON (RFC 9126 §2.3).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::Duration;

use super::authorize::PAR_PREFIX;
use super::token::{client_of, repeated};
use super::{Peer, failed, internal, no_store, oauth_error, pairs};
use crate::oidc::authorize::{self, AuthorizeError};
use crate::secret;
use crate::state::AppState;
use crate::store;

/// `POST /par`
pub(super) async fn push(
    State(state): State<AppState>,
    _peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = pairs(&body);
    if let Some(name) = repeated(&p) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("parameter {name} is repeated"),
        );
    }
    let client = match client_of(&state, &headers, &p, "/par").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut params = match authorize::single_values(&p) {
        Ok(m) => m,
        Err(name) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("parameter {name} is repeated"),
            );
        }
    };
    // Client authentication parameters are not part of the authorization request.
    for k in ["client_secret", "client_assertion", "client_assertion_type"] {
        params.remove(k);
    }
    params.insert("client_id".into(), client.client_id.to_string());
    if params.contains_key("request_uri") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request_uri cannot be pushed",
        );
    }
    if let Err(e) = authorize::validate(&params, Some(&client), true) {
        let (error, description) = match e {
            AuthorizeError::Fatal { code, message, .. } => {
                let code = if code == "unknown_client" {
                    "invalid_client"
                } else {
                    "invalid_request"
                };
                (code, message)
            }
            AuthorizeError::Redirect {
                error, description, ..
            } => (error, description),
        };
        return oauth_error(StatusCode::BAD_REQUEST, error, &description);
    }
    let now = state.clock.now();
    let ttl = state.config.oidc.par_ttl_secs;
    let uri = format!("{PAR_PREFIX}{}", secret::random_hex(32));
    let expires = now + Duration::seconds(i64::try_from(ttl).unwrap_or(90));
    let Ok(value) = serde_json::to_value(&params) else {
        return internal(&"cannot serialise the pushed request");
    };
    if let Err(e) = store::interaction::insert_par(&state.db, &uri, client.id, value, expires).await
    {
        return failed(&e);
    }
    let mut r = (
        StatusCode::CREATED,
        axum::Json(json!({ "request_uri": uri, "expires_in": ttl })),
    )
        .into_response();
    no_store(r.headers_mut());
    r
}
