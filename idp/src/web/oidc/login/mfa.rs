//! The second factor in the login flow (issue #4 point 5, issue #3 point 3): after the password
//! (and its change), a TOTP code or a recovery code when the account has an authenticator app;
//! otherwise, when the fund's policy requires one or the client asked for the MFA `acr`, the
//! enrolment: QR code and manual key, a code to confirm, the ten recovery codes shown once, then
//! the login goes on.
//!
//! The interaction remembers where the person is: step `second_factor` or
//! `enrol_second_factor`, with `amr` `["pwd"]` until the second factor is proved; a confirmed
//! enrolment sets `amr` to `["pwd","otp"]` on the interaction (server-side), which is what lets
//! the "continue" form after the recovery codes finish the login. Whether the client asked for
//! the MFA `acr` is read from the request stored in the interaction.
//!
//! A wrong or reused code counts as a failure of the account (the attempt limiter: delay after
//! 5, lock after 10) and always shows the same message, whatever the reason — throttled,
//! locked, reused or wrong. A wrong code at enrolment is not counted: there is no secret to
//! guess there, the person is reading it.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use time::OffsetDateTime;

use super::super::pages::{self, EnrolPage, RecoveryCodesPage, SecondFactorPage};
use super::super::{Peer, field, internal, see_other, source};
use super::{Loaded, authenticated, expired, form, other_href, page};
use crate::account::Account;
use crate::account::authenticate::SecondFactor;
use crate::account::credentials::{self, AcrValues};
use crate::account::passkey::{self, Binding};
use crate::account::totp::{self, Enrolment, Factor, FactorStep, TotpError};
use crate::audit::Source;
use crate::error::{ErrorKind, UserError};
use crate::oidc::authorize::AuthRequest;
use crate::oidc::grant::Authentication;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store;
use crate::web::i18n::Lang;

/// The `amr` value an interaction carries once the second factor is enrolled or proved.
const OTP: &str = "otp";

/// Whether the client asked for the MFA level: `acr_values` names `[oidc] acr_mfa` (then even
/// an agent whose fund does not require a second factor must prove, or enrol, one).
pub(super) fn mfa_requested(req: &AuthRequest, acr: &AcrValues) -> bool {
    req.acr_values.contains(&acr.mfa)
}

/// What comes after the password step, given what the account needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    /// Ask a TOTP or recovery code.
    Verify,
    /// Enrol an authenticator app (or a passkey).
    Enrol,
    /// Register a passkey: the fund requires one of its administrators.
    EnrolPasskey,
    /// Done: the password is enough.
    Done,
}

/// The next step: an enrolled factor is always asked; a missing one is enrolled when the
/// fund's policy or the client's `acr_values` requires it.
pub(super) fn next_step(second: SecondFactor, mfa_requested: bool) -> Next {
    match second {
        SecondFactor::Verify { .. } => Next::Verify,
        SecondFactor::Enrol => Next::Enrol,
        SecondFactor::EnrolPasskey => Next::EnrolPasskey,
        SecondFactor::NotRequired if mfa_requested => Next::Enrol,
        SecondFactor::NotRequired => Next::Done,
    }
}

/// The session's authentication for the factors proved (`amr`/`acr` from `totp::assurance`).
pub(super) fn authentication(
    state: &AppState,
    factors: &[Factor],
    auth_time: OffsetDateTime,
) -> Authentication {
    let a = totp::assurance(factors, &state.creds.acr);
    Authentication {
        auth_time,
        acr: a.acr,
        amr: a.amr.into_iter().map(str::to_owned).collect(),
    }
}

pub(super) fn relogin(l: &Loaded, lang: Lang) -> Response {
    see_other(&format!("/login?i={}&lang={}", l.id, lang.code()))
}

/// After a right password (and its change, if one was due): the second factor, or the end of
/// the login with `amr` `["pwd"]`.
#[allow(
    clippy::too_many_arguments,
    reason = "the request's parts, the interaction and what the password step found"
)]
pub(super) async fn after_password(
    state: &AppState,
    src: &Source,
    headers: &HeaderMap,
    l: &Loaded,
    account: &Account,
    second: SecondFactor,
    auth_time: OffsetDateTime,
    lang: Lang,
) -> Response {
    let pwd = vec!["pwd".to_owned()];
    let step = match next_step(second, mfa_requested(&l.req, &state.creds.acr)) {
        Next::Done => {
            let authn = authentication(state, &[Factor::Password], auth_time);
            return authenticated(state, src, headers, l, account, authn, lang).await;
        }
        Next::Verify => "second_factor",
        Next::Enrol => {
            // A new secret for each login that reaches this step (a secret someone else may
            // have seen in an abandoned login is never offered again); the page shows this
            // one until it is confirmed.
            let now = state.clock.now();
            if let Err(e) = totp::begin_enrolment(&state.creds, &state.db, now, account).await {
                return internal(&e);
            }
            "enrol_second_factor"
        }
        // No app secret drawn: the enrolment page offers the passkey only.
        Next::EnrolPasskey => "enrol_second_factor",
    };
    if let Err(e) = store::interaction::advance(
        &state.db,
        &l.row.id,
        step,
        Some(account.id),
        &pwd,
        Some(auth_time),
    )
    .await
    {
        return internal(&e);
    }
    relogin(l, lang)
}

/// Whether this account must prove a passkey: an administrator of a fund that requires the
/// phishing-resistant factor (`[passkeys] admins_require`, or the fund's `--admin-passkey`).
/// Checked by every handler that would accept an app code, not only by the pages.
pub(super) async fn passkey_only(state: &AppState, account: &Account) -> Result<bool, Response> {
    let is_admin = credentials::is_admin(&state.db, account.id)
        .await
        .map_err(|e| internal(&e))?;
    if !is_admin {
        return Ok(false);
    }
    state
        .creds
        .admin_passkey_required(&state.db, account.fund_id)
        .await
        .map_err(|e| internal(&e))
}

/// The answer to an app or recovery code from an account that must use a passkey: 403, with
/// the page saying so.
async fn passkey_required(state: &AppState, l: &Loaded, lang: Lang) -> Response {
    let msg = lang.texts().pk.required.to_owned();
    let mut r = page(state, l, lang, StatusCode::OK, Some(msg), "").await;
    if r.status() == StatusCode::OK {
        *r.status_mut() = StatusCode::FORBIDDEN;
    }
    r
}

/// The page of step `second_factor`: the TOTP code when the account has an app, a recovery
/// code when it has some left, and "use my passkey" when it has passkeys (a new challenge each
/// time the page is shown, bound to the interaction).
pub(super) async fn second_factor_page(
    state: &AppState,
    l: &Loaded,
    csrf: &str,
    status: StatusCode,
    error: Option<String>,
    lang: Lang,
) -> Response {
    let account = match account_of(state, l).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let only = match passkey_only(state, &account).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let (totp, recovery) = match (
        store::credential::totp_of(&state.db, account.id).await,
        store::credential::recovery_codes_left(&state.db, account.id).await,
    ) {
        (Ok(t), Ok(n)) => (!only && t.is_some_and(|t| t.confirmed), !only && n > 0),
        (Err(e), _) | (_, Err(e)) => return internal(&e),
    };
    let passkey_options = if passkey::available(&state.creds) {
        let now = state.clock.now();
        let binding = Binding::Interaction(&l.id);
        match passkey::begin_authentication(&state.creds, &state.db, now, &account, binding).await {
            Ok(o) => o.map(|o| o.to_string()),
            Err(e) => return internal(&e),
        }
    } else {
        None
    };
    pages::render(
        status,
        &SecondFactorPage {
            t: lang.texts(),
            other_lang_href: other_href(l, lang),
            interaction: &l.id,
            csrf,
            error,
            totp,
            recovery,
            passkey_options,
        },
        lang,
    )
}

/// The manual key in groups of four, as authenticator apps show it.
fn grouped(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The SVG element of the QR code, without its XML declaration (inlined in HTML).
fn svg_element(svg: &str) -> &str {
    svg.find("<svg").and_then(|i| svg.get(i..)).unwrap_or("")
}

pub(super) async fn account_of(state: &AppState, l: &Loaded) -> Result<Account, Response> {
    let Some(id) = l.row.account_id else {
        return Err(expired(Lang::Fr));
    };
    match store::account::by_id(&state.db, id).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(expired(Lang::Fr)),
        Err(e) => Err(internal(&e)),
    }
}

/// The page of step `enrol_second_factor`: the enrolment in progress, or — once confirmed and
/// its recovery codes shown — only the "continue" button.
pub(super) async fn enrol_page(
    state: &AppState,
    l: &Loaded,
    csrf: &str,
    status: StatusCode,
    error: Option<String>,
    lang: Lang,
) -> Response {
    if l.row.amr.iter().any(|m| m == OTP) {
        return codes_page(l, csrf, &[], lang);
    }
    let account = match account_of(state, l).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let only = match passkey_only(state, &account).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let enrolment = if only {
        None
    } else {
        let enrolment = match totp::pending_enrolment(&state.creds, &state.db, &account).await {
            Ok(Some(e)) => Ok(e),
            Ok(None) => {
                totp::begin_enrolment(&state.creds, &state.db, state.clock.now(), &account).await
            }
            Err(e) => Err(e),
        };
        match enrolment {
            Ok(e) => Some(e),
            Err(e) => return internal(&e),
        }
    };
    // The phishing-resistant option next to the app (issue #4 point 6), bound to this login.
    let passkey_options = if passkey::available(&state.creds) {
        let now = state.clock.now();
        let binding = Binding::Interaction(&l.id);
        match passkey::begin_registration(&state.creds, &state.db, now, &account, binding).await {
            Ok(o) => Some(o.to_string()),
            Err(e) if e.kind() != ErrorKind::Internal => None,
            Err(e) => return internal(&e),
        }
    } else {
        None
    };
    pages::render(
        status,
        &EnrolPage {
            t: lang.texts(),
            other_lang_href: other_href(l, lang),
            interaction: &l.id,
            csrf,
            qr_svg: enrolment
                .as_ref()
                .map_or("", |e: &Enrolment| svg_element(e.qr_svg.expose())),
            manual_key: enrolment
                .as_ref()
                .map(|e| grouped(e.secret_base32.expose())),
            error,
            passkey_options,
        },
        lang,
    )
}

/// The recovery codes, with the "continue" form that ends the login with the redirect to the
/// client (allowed by the page's policy).
fn codes_page(l: &Loaded, csrf: &str, codes: &[Secret], lang: Lang) -> Response {
    let page = pages::render(
        StatusCode::OK,
        &RecoveryCodesPage {
            t: lang.texts(),
            other_lang_href: other_href(l, lang),
            interaction: &l.id,
            csrf,
            codes: codes.iter().map(Secret::expose).collect(),
        },
        lang,
    );
    pages::allowing_redirect_to(page, &l.req.redirect_uri)
}

/// `POST /login/totp`: a TOTP code (`code`) or a recovery code (`recovery`).
pub(super) async fn code(
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
    match passkey_only(&state, &account).await {
        Ok(false) => {}
        Ok(true) => return passkey_required(&state, &l, lang).await,
        Err(r) => return r,
    }
    let now = state.clock.now();
    let (creds, db) = (&state.creds, &state.db);
    let step = match field(&p, "recovery") {
        Some(rc) => totp::use_recovery_code(creds, db, now, &src, &account, &Secret::new(rc)).await,
        None => {
            let code = Secret::new(field(&p, "code").unwrap_or(""));
            totp::verify(creds, db, now, &src, &account, &code).await
        }
    };
    match step {
        Ok(FactorStep::Accepted(f)) => {
            let authn = authentication(
                &state,
                &[Factor::Password, f],
                l.row.auth_time.unwrap_or(now),
            );
            authenticated(&state, &src, &headers, &l, &account, authn, lang).await
        }
        Ok(FactorStep::Refused(_)) => {
            let msg = lang.texts().code_refused.to_owned();
            page(&state, &l, lang, StatusCode::OK, Some(msg), "").await
        }
        // An administrator removed the app meanwhile: start the login again.
        Err(TotpError::NotEnrolled) => expired(lang),
        Err(e) => internal(&e),
    }
}

/// `POST /login/enrol`: the code confirming an enrolment; answers with the recovery codes,
/// shown this once.
pub(super) async fn enrol(
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
    if l.row.amr.iter().any(|m| m == OTP) {
        return relogin(&l, lang);
    }
    let account = match account_of(&state, &l).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match passkey_only(&state, &account).await {
        Ok(false) => {}
        Ok(true) => return passkey_required(&state, &l, lang).await,
        Err(r) => return r,
    }
    let now = state.clock.now();
    let code = Secret::new(field(&p, "code").unwrap_or(""));
    match totp::confirm_enrolment(&state.creds, &state.db, now, &src, &account, &code).await {
        Ok(codes) => {
            let amr = vec!["pwd".to_owned(), OTP.to_owned()];
            if let Err(e) = store::interaction::advance(
                &state.db,
                &l.row.id,
                "enrol_second_factor",
                Some(account.id),
                &amr,
                l.row.auth_time,
            )
            .await
            {
                return internal(&e);
            }
            codes_page(&l, &l.csrf, &codes.0, lang)
        }
        Err(TotpError::WrongCode) => {
            let msg = lang.texts().enrol_wrong.to_owned();
            page(&state, &l, lang, StatusCode::OK, Some(msg), "").await
        }
        Err(TotpError::NoPendingEnrolment) => {
            page(&state, &l, lang, StatusCode::OK, None, "").await
        }
        // Enrolled meanwhile (another tab): prove it like any enrolled account.
        Err(TotpError::AlreadyEnrolled) => {
            let pwd = vec!["pwd".to_owned()];
            if let Err(e) = store::interaction::advance(
                &state.db,
                &l.row.id,
                "second_factor",
                Some(account.id),
                &pwd,
                l.row.auth_time,
            )
            .await
            {
                return internal(&e);
            }
            relogin(&l, lang)
        }
        Err(e) => internal(&e),
    }
}

/// `POST /login/continue`: after the recovery codes, the login goes on with the second factor
/// proved by the enrolment's code.
pub(super) async fn proceed(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let (l, _, lang) = match form(&state, &headers, &body, "enrol_second_factor").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (Some(account_id), true) = (l.row.account_id, l.row.amr.iter().any(|m| m == OTP)) else {
        return expired(lang);
    };
    let account = match store::account::by_id(&state.db, account_id).await {
        Ok(Some(a)) => a,
        Ok(None) => return expired(lang),
        Err(e) => return internal(&e),
    };
    let now = state.clock.now();
    let authn = authentication(
        &state,
        &[Factor::Password, Factor::Totp],
        l.row.auth_time.unwrap_or(now),
    );
    authenticated(&state, &src, &headers, &l, &account, authn, lang).await
}

#[cfg(test)]
mod tests;
