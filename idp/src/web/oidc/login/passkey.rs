//! Passkeys in the login flow (issue #4 point 6): the answer of `navigator.credentials.get` at
//! the second-factor step, and of `navigator.credentials.create` at the enrolment step (the
//! phishing-resistant option next to the authenticator app). The options were given with the
//! page (`mfa::second_factor_page`, `mfa::enrol_page`) and their state waits in the database,
//! bound to this interaction; the script `/assets/passkeys.js` posts the answer in `response`.
//!
//! A refused passkey shows one message whatever the reason and counts as a failure of the
//! account, like a wrong TOTP code. A registration proves the authenticator with a fresh,
//! user-verified signature over our challenge, so it completes the login with `hwk`/`swk` and
//! `mfa`, as the confirmation code of an app does.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::super::{Peer, field, internal, source};
use super::mfa::{account_of, authentication, relogin};
use super::{authenticated, expired, form, page};
use crate::account::passkey::{self, Binding, PasskeyError};
use crate::account::totp::{Factor, FactorStep};
use crate::error::{ErrorKind, UserError};
use crate::state::AppState;
use crate::web::i18n::Lang;

/// A domain error in the page's language.
pub(in crate::web::oidc) fn said(e: &PasskeyError, lang: Lang) -> String {
    match lang {
        Lang::En => e.to_string(),
        Lang::Fr => e.message_fr(),
    }
}

/// The HTTP status of a refused passkey operation (the page shows its message).
pub(in crate::web::oidc) fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::Invalid => StatusCode::BAD_REQUEST,
    }
}

/// `POST /login/passkey`: the answer to the authentication started with the second-factor page.
pub(in crate::web::oidc) async fn verify(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let (l, p, lang) = match form(&state, &headers, &body, "second_factor").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let account = match account_of(&state, &l).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = state.clock.now();
    let answer = field(&p, "response").unwrap_or("");
    let binding = Binding::Interaction(&l.id);
    match passkey::verify(
        &state.creds,
        &state.db,
        now,
        &src,
        &account,
        binding,
        answer,
    )
    .await
    {
        Ok(FactorStep::Accepted(f)) => {
            let authn = authentication(
                &state,
                &[Factor::Password, f],
                l.row.auth_time.unwrap_or(now),
            );
            authenticated(&state, &src, &headers, &l, &account, authn, lang).await
        }
        Ok(FactorStep::Refused(_)) => {
            let msg = lang.texts().pk.refused.to_owned();
            let mut r = page(&state, &l, lang, StatusCode::OK, Some(msg), "").await;
            if r.status() == StatusCode::OK {
                *r.status_mut() = StatusCode::BAD_REQUEST;
            }
            r
        }
        Err(PasskeyError::Unavailable) => expired(lang),
        Err(e) => internal(&e),
    }
}

/// `POST /login/passkey/register`: a passkey registered at the enrolment step; the login goes
/// on with it as the second factor.
pub(in crate::web::oidc) async fn register(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let (l, p, lang) = match form(&state, &headers, &body, "enrol_second_factor").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // The app was confirmed meanwhile (its recovery codes are on screen): only "continue".
    if l.row.amr.iter().any(|m| m == "otp") {
        return relogin(&l, lang);
    }
    let account = match account_of(&state, &l).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = state.clock.now();
    let answer = field(&p, "response").unwrap_or("");
    let name = field(&p, "label").unwrap_or("");
    let binding = Binding::Interaction(&l.id);
    let done = passkey::finish_registration(
        &state.creds,
        &state.db,
        now,
        &src,
        &account,
        binding,
        answer,
        name,
    )
    .await;
    match done {
        Ok(reg) => {
            let authn = authentication(
                &state,
                &[Factor::Password, reg.kind.factor()],
                l.row.auth_time.unwrap_or(now),
            );
            authenticated(&state, &src, &headers, &l, &account, authn, lang).await
        }
        Err(e) if e.kind() == ErrorKind::Internal => internal(&e),
        Err(e) => {
            let mut r = page(&state, &l, lang, StatusCode::OK, Some(said(&e, lang)), "").await;
            if r.status() == StatusCode::OK {
                *r.status_mut() = status_of(e.kind());
            }
            r
        }
    }
}
