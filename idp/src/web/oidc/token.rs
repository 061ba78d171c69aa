//! `POST /token` (RFC 6749 §3.2): authenticates the client, then runs the grant.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{Peer, failed, field, no_store, oauth_error, pairs, sessions, source};
use crate::oidc::client::Client;
use crate::oidc::client_auth::{self, ClientAuthError, Presented};
use crate::oidc::token::{Issuer, TokenError, issuer};
use crate::state::AppState;

/// What a request presented to authenticate its client.
pub(super) fn presented(headers: &HeaderMap, p: &[(String, String)]) -> Presented {
    Presented {
        basic: headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(client_auth::parse_basic),
        client_id: field(p, "client_id").map(str::to_owned),
        client_secret: field(p, "client_secret").map(str::to_owned),
        assertion_type: field(p, "client_assertion_type").map(str::to_owned),
        assertion: field(p, "client_assertion").map(str::to_owned),
    }
}

/// Authenticates the client of an endpoint, or the `invalid_client` answer (401, with
/// `WWW-Authenticate` when the client tried HTTP Basic, RFC 6749 §5.2).
pub(super) async fn client_of(
    state: &AppState,
    headers: &HeaderMap,
    p: &[(String, String)],
    endpoint: &str,
) -> Result<Client, Response> {
    let presented = presented(headers, p);
    let iss = issuer(&state.config);
    let endpoint_url = format!("{iss}{endpoint}");
    let token_url = format!("{iss}/token");
    let audiences = [iss.as_str(), endpoint_url.as_str(), token_url.as_str()];
    match client_auth::authenticate(
        &state.db,
        &state.clients,
        state.clock.now(),
        &audiences,
        &presented,
    )
    .await
    {
        Ok(c) => Ok(c),
        Err(e) if e.is_internal() => Err(failed(&e)),
        Err(e) => {
            tracing::info!(reason = %e, endpoint, "client authentication failed");
            let description = match e {
                ClientAuthError::WrongMethod(_) => e.to_string(),
                _ => "client authentication failed".to_owned(),
            };
            let mut r = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &description);
            if headers.contains_key(header::AUTHORIZATION) {
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"habilis\""),
                );
            }
            Err(r)
        }
    }
}

/// `POST /token`
pub(super) async fn token(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let p = pairs(&body);
    if let Some(name) = repeated(&p) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("parameter {name} is repeated"),
        );
    }
    let client = match client_of(&state, &headers, &p, "/token").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let keys = match state.keys.get(&state.db, state.clock.now()).await {
        Ok(k) => k,
        Err(e) => return failed(&e),
    };
    let sessions = sessions(&state);
    let issuer = Issuer {
        db: &state.db,
        config: &state.config,
        keys: &keys,
        sessions: &sessions,
        now: state.clock.now(),
        source: &src,
    };
    let result = match field(&p, "grant_type") {
        Some("authorization_code") => {
            let Some(code) = field(&p, "code") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code is required",
                );
            };
            issuer
                .exchange_code(
                    &client,
                    code,
                    field(&p, "redirect_uri"),
                    field(&p, "code_verifier"),
                )
                .await
        }
        Some("refresh_token") => {
            let Some(token) = field(&p, "refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            issuer.refresh(&client, token, field(&p, "scope")).await
        }
        Some("client_credentials") => issuer.client_credentials(&client, field(&p, "scope")).await,
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "supported: authorization_code, refresh_token, client_credentials",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    };
    match result {
        Ok(t) => {
            let mut body = serde_json::Map::new();
            body.insert("access_token".into(), json!(t.access_token.expose()));
            body.insert("token_type".into(), json!(t.token_type));
            body.insert("expires_in".into(), json!(t.expires_in));
            body.insert("scope".into(), json!(t.scope));
            if let Some(id) = &t.id_token {
                body.insert("id_token".into(), json!(id.expose()));
            }
            if let Some(r) = &t.refresh_token {
                body.insert("refresh_token".into(), json!(r.expose()));
            }
            let mut r = (StatusCode::OK, axum::Json(body)).into_response();
            no_store(r.headers_mut());
            r
        }
        Err(e) => token_error(&e),
    }
}

fn token_error(e: &TokenError) -> Response {
    match e.oauth_code() {
        Some(code) => oauth_error(StatusCode::BAD_REQUEST, code, e.description()),
        None => failed(e),
    }
}

/// The name of a parameter given twice (RFC 6749 §3.2: parameters MUST NOT repeat).
pub(super) fn repeated(p: &[(String, String)]) -> Option<&str> {
    p.iter()
        .enumerate()
        .find(|(i, (k, _))| p.iter().skip(i + 1).any(|(k2, _)| k2 == k))
        .map(|(_, (k, _))| k.as_str())
}
