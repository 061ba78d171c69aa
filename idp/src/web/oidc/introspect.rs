//! `POST /introspect` (RFC 7662) and `POST /revoke` (RFC 7009). Both authenticate the client;
//! a client only ever learns about, or revokes, its own tokens: another client's token is
//! answered `{"active": false}` and left alone.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::token::client_of;
use super::{Peer, checker, failed, field, no_store, oauth_error, pairs, sessions, source};
use crate::actor::Actor;
use crate::audit::{self, Event, action};
use crate::oidc::token::issuer;
use crate::state::AppState;
use crate::store::{self, token::RefreshScope};

fn inactive() -> Response {
    answer(json!({ "active": false }))
}

fn answer(v: Value) -> Response {
    let mut r = (StatusCode::OK, axum::Json(v)).into_response();
    no_store(r.headers_mut());
    r
}

/// `POST /introspect`
pub(super) async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = pairs(&body);
    let client = match client_of(&state, &headers, &p, "/introspect").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if client.is_public() {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "public clients cannot introspect",
        );
    }
    let Some(token) = field(&p, "token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    let now = state.clock.now();
    let keys = match state.keys.get(&state.db, now).await {
        Ok(k) => k,
        Err(e) => return failed(&e),
    };
    let sessions = sessions(&state);
    let checker = checker(&state, &keys, &sessions, now);
    match checker.access(token, Some(&client)).await {
        Ok(Some(a)) if a.client.id == client.id => {
            let c = &a.claims;
            let mut v = json!({
                "active": true,
                "token_type": "Bearer",
                "scope": c.extra.get("scope"),
                "client_id": a.client.client_id.as_str(),
                "sub": c.sub,
                "aud": c.aud,
                "iss": c.iss,
                "exp": c.exp,
                "iat": c.iat,
                "jti": c.extra.get("jti"),
            });
            if let Some(obj) = v.as_object_mut() {
                if let Some(acc) = &a.account {
                    obj.insert("username".into(), json!(acc.login.as_str()));
                }
                for k in ["sid", "acr", "auth_time"] {
                    if let Some(x) = c.extra.get(k) {
                        obj.insert(k.into(), x.clone());
                    }
                }
            }
            return answer(v);
        }
        Ok(_) => {}
        Err(e) => return failed(&e),
    }
    match checker.refresh(token, Some(&client)).await {
        Ok(Some(a)) if a.client.id == client.id => {
            let (r, owner) = (&a.grant, &a.client);
            let sub = crate::oidc::subject::for_client(owner, &a.account.subject);
            answer(json!({
                "active": true,
                "token_type": "refresh_token",
                "scope": r.scope,
                "client_id": owner.client_id.as_str(),
                "sub": sub,
                "username": a.account.login.as_str(),
                "iss": issuer(&state.config),
                "exp": r.expires_at.unix_timestamp(),
                "iat": r.issued_at.unix_timestamp(),
            }))
        }
        Ok(_) => inactive(),
        Err(e) => failed(&e),
    }
}

/// `POST /revoke`: always 200 for a token the client may not revoke or that is unknown
/// (RFC 7009 §2.2); the client's own access or refresh token is revoked (a refresh token with
/// its whole family and the access tokens issued with them).
pub(super) async fn revoke(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let p = pairs(&body);
    let client = match client_of(&state, &headers, &p, "/revoke").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(token) = field(&p, "token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        );
    };
    let now = state.clock.now();
    let keys = match state.keys.get(&state.db, now).await {
        Ok(k) => k,
        Err(e) => return failed(&e),
    };
    let sessions = sessions(&state);
    let checker = checker(&state, &keys, &sessions, now);
    let mut revoked = None;
    let db = &state.db;
    let result: Result<(), Box<dyn std::error::Error + Send + Sync>> = async {
        if let Some(a) = checker.access(token, Some(&client)).await?
            && a.client.id == client.id
        {
            let jti = a
                .claims
                .extra
                .get("jti")
                .and_then(|j| j.as_str())
                .unwrap_or("");
            let exp = time::OffsetDateTime::from_unix_timestamp(a.claims.exp)?;
            store::token::revoke_access(db, jti, exp).await?;
            revoked = Some("access_token");
        } else if let Some(r) = store::token::refresh(db, &crate::secret::token_hash(token)).await?
            && r.client_id == client.id
        {
            let tx = db.begin_write().await?;
            for (jti, exp) in store::token::revoke_refresh(
                &tx,
                RefreshScope::Family(&r.family_id),
                now,
                "revoked_by_client",
            )
            .await?
            {
                store::token::revoke_access(&tx, &jti, exp).await?;
            }
            tx.commit().await?;
            revoked = Some("refresh_token");
        }
        if let Some(kind) = revoked {
            let tx = db.begin_write().await?;
            let event = Event::new(action::TOKEN_REVOKE, &Actor::System { job: "oidc" })
                .target("client", &client.client_id)
                .source(src.clone())
                .details(json!({ "token_type": kind }));
            audit::record(&tx, now, event).await?;
            tx.commit().await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => answer(json!({})),
        Err(e) => failed(&e),
    }
}
