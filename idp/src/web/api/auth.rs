//! Authentication of admin API calls: `Authorization: Bearer <access token>` (RFC 6750), a JWT
//! access token Habilis issued (RFC 9068, `typ: at+jwt`) to a person, for the admin API audience,
//! with the `admin` scope, not revoked, whose person's account is active. The person's roles are
//! loaded once per request into a [`Principal`].

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use serde_json::Value;

use super::{ApiError, internal};
use crate::account::{Account, AccountStatus};
use crate::authz::{self, Principal};
use crate::oidc::client::ADMIN_SCOPE;
use crate::oidc::jwt::{self, Expected, TokenType};
use crate::oidc::token::{admin_audience, issuer};
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Their roles.
    pub principal: Principal,
    /// Their account.
    pub account: Account,
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized("no bearer token"))?;
        let now = app.clock.now();
        let keys = app.keys.get(&app.db, now).await.map_err(|e| internal(&e))?;
        let (iss, aud) = (issuer(&app.config), admin_audience(&app.config));
        let expected = Expected {
            issuer: &iss,
            audience: &aud,
            token_type: Some(TokenType::AccessToken),
            now,
        };
        let claims = jwt::verify(&keys, token, &expected)
            .map_err(|_| ApiError::Unauthorized("not a valid admin access token"))?;
        let jti = claims
            .extra
            .get("jti")
            .and_then(Value::as_str)
            .ok_or(ApiError::Unauthorized("no jti"))?;
        if crate::store::token::is_access_revoked(&app.db, jti)
            .await
            .map_err(|e| internal(&e))?
        {
            return Err(ApiError::Unauthorized("revoked"));
        }
        let scoped = claims
            .extra
            .get("scope")
            .and_then(Value::as_str)
            .is_some_and(|s| s.split(' ').any(|x| x == ADMIN_SCOPE));
        if !scoped {
            return Err(ApiError::InsufficientScope);
        }
        let account = authz::lookup::account_by_subject(&app.db, &claims.sub)
            .await
            .map_err(|e| internal(&e))?
            .filter(|a| a.status == AccountStatus::Active)
            .ok_or(ApiError::Unauthorized("the account cannot act"))?;
        let principal = authz::load(&app.db, &account)
            .await
            .map_err(|e| internal(&e))?;
        Ok(Self { principal, account })
    }
}
