//! Authentication of admin API calls: `Authorization: Bearer <access token>` (RFC 6750), an
//! access token Habilis issued (RFC 9068) to a person and still active (`oidc::introspection`:
//! not revoked, session live, account active), for the admin API audience, with the `admin`
//! scope, and — when the fund's policy requires it — from a login with a second factor. The
//! person's roles are loaded once per request into a [`Principal`].

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::{ApiError, internal};
use crate::account::{Account, credentials};
use crate::authz::{self, Principal};
use crate::oidc::client::ADMIN_SCOPE;
use crate::oidc::grant::Session;
use crate::oidc::token::admin_audience;
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
        // The same check as introspection: signature, type, expiry, not revoked, client
        // enabled, session still live, account active. A token of a logged-out or timed-out
        // session, or of a disabled account, acts no more.
        let sessions = crate::web::oidc::sessions(app);
        let active = crate::web::oidc::checker(app, &keys, &sessions, now)
            .access(token, None)
            .await
            .map_err(|e| internal(&e))?
            .ok_or(ApiError::Unauthorized("not an active access token"))?;
        if !active.claims.aud.contains(&admin_audience(&app.config)) {
            return Err(ApiError::Unauthorized(
                "not an access token for the admin API",
            ));
        }
        if !active.scopes().iter().any(|s| s == ADMIN_SCOPE) {
            return Err(ApiError::InsufficientScope);
        }
        let (Some(account), Some(session)) = (active.account, active.session) else {
            return Err(ApiError::Unauthorized(
                "an application cannot act for a person",
            ));
        };
        Self::person(app, account, &session).await
    }
}

impl Caller {
    /// The caller acting as the person of an active account, within a live session: checks
    /// the fund's MFA policy and loads their roles. Shared by the API and the console.
    pub(crate) async fn person(
        app: &AppState,
        account: Account,
        session: &Session,
    ) -> Result<Self, ApiError> {
        // The fund's MFA policy is enforced here too, not only by the login pages: an
        // administrator whose policy requires a second factor acts only from a session that
        // reached the MFA level (CNIL 2022-100, ANSSI PG-078).
        let is_admin = credentials::is_admin(&app.db, account.id)
            .await
            .map_err(|e| internal(&e))?;
        let policy = credentials::mfa_policy_of(&app.db, account.fund_id)
            .await
            .map_err(|e| internal(&e))?;
        if policy.requires(is_admin) && session.authentication.acr != app.config.oidc.acr_mfa {
            return Err(ApiError::Refused {
                code: "authz.mfa_required",
                message: "this action needs a login with a second factor".into(),
                message_fr: "Cette action demande une connexion avec un second facteur.".into(),
            });
        }
        // Likewise the phishing-resistant factor, when the fund requires it of administrators.
        let amr = &session.authentication.amr;
        if is_admin
            && !amr.iter().any(|m| m == "hwk" || m == "swk")
            && app
                .creds
                .admin_passkey_required(&app.db, account.fund_id)
                .await
                .map_err(|e| internal(&e))?
        {
            return Err(ApiError::Refused {
                code: "authz.passkey_required",
                message: "this action needs a login with a passkey".into(),
                message_fr: "Cette action demande une connexion avec une clé d'accès.".into(),
            });
        }
        let principal = authz::load(&app.db, &account)
            .await
            .map_err(|e| internal(&e))?;
        Ok(Self { principal, account })
    }
}
