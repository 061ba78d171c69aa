//! `GET|POST /userinfo` (OIDC Core §5.3): the claims of the token's scopes, as JSON or, for
//! clients registered so, as a signed JWT (`application/jwt`). The bearer token comes in the
//! `Authorization` header, or in the form body of a POST (RFC 6750 §2.2).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::{checker, failed, field, internal, no_store, pairs, sessions};
use crate::oidc::jwt::{self, Audience, Claims, TokenType};
use crate::oidc::{claims, subject, token::issuer};
use crate::state::AppState;

/// The bearer token of the `Authorization` header.
pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn invalid_token() -> Response {
    let mut r = (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({
            "error": "invalid_token",
            "error_description": "the access token is invalid, expired or revoked"
        })),
    )
        .into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    r
}

pub(super) async fn get(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match bearer(&headers) {
        Some(t) => answer(&state, t).await,
        None => invalid_token(),
    }
}

pub(super) async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = pairs(&body);
    match (bearer(&headers), field(&p, "access_token")) {
        (Some(t), None) | (None, Some(t)) => answer(&state, t).await,
        _ => invalid_token(),
    }
}

async fn answer(state: &AppState, token: &str) -> Response {
    let now = state.clock.now();
    let keys = match state.keys.get(&state.db, now).await {
        Ok(k) => k,
        Err(e) => return failed(&e),
    };
    let sessions = sessions(state);
    let active = match checker(state, &keys, &sessions, now)
        .access(token, None)
        .await
    {
        Ok(Some(a)) => a,
        Ok(None) => return invalid_token(),
        Err(e) => return failed(&e),
    };
    let (Some(account), scopes) = (&active.account, active.scopes()) else {
        return invalid_token();
    };
    if !scopes.iter().any(|s| s == "openid") {
        let mut r = (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({
                "error": "insufficient_scope",
                "error_description": "the openid scope is required"
            })),
        )
            .into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"insufficient_scope\", scope=\"openid\""),
        );
        return r;
    }
    let client = &active.client;
    let mut map = match claims::of_account(&state.db, client, account, &scopes, now).await {
        Ok(m) => m,
        Err(e) => return failed(&e),
    };
    let sub = subject::for_client(client, &account.subject);
    let mut r = if client.userinfo_signed {
        let mut c = Claims::new(
            &issuer(&state.config),
            &sub,
            client.client_id.as_str(),
            now,
            time::Duration::seconds(
                i64::try_from(state.config.oidc.id_token_ttl_secs).unwrap_or(300),
            ),
        );
        c.aud = Audience::One(client.client_id.to_string());
        c.extra = map;
        match jwt::sign(&keys, client.signing_alg, TokenType::UserInfo, &c) {
            Ok(jwt) => (
                StatusCode::OK,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/jwt"),
                )],
                jwt,
            )
                .into_response(),
            Err(e) => return internal(&e),
        }
    } else {
        map.insert("sub".into(), Value::String(sub));
        (StatusCode::OK, axum::Json(Value::Object(map))).into_response()
    };
    no_store(r.headers_mut());
    r
}
