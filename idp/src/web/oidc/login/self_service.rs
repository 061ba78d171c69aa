//! The password pages outside a login: the forgotten password (issue #4 point 7; seed 004
//! art. 3-2: the person gives their identifier and receives a new means of logging in) and the
//! change of password by a logged-in person.
//!
//! - `GET|POST /password/forgot`: the login → `account::reset::request`; the answer is the same
//!   whatever happens (unknown login, no address, limits: only the trace tells).
//! - `GET|POST /password/reset?token=…` (the link of the e-mail): new password and confirmation
//!   → `account::reset::complete`, then every session of the person ends (their refresh tokens
//!   are revoked and back-channel logouts queued).
//! - `GET|POST /account/password`: with the session cookie, current, new and confirmation →
//!   `account::authenticate::change_own_password`.
//!
//! CSRF: the forgot and reset forms carry a token derived from a random `habilis_form` cookie
//! (HttpOnly, SameSite): a forging site can neither read the cookie nor compute the token. The
//! self-service form's token is derived from the session cookie, as the logout page's.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;

use super::super::pages::{self, ForgotPage, MessagePage, PasswordFormPage};
use super::super::{
    Peer, cookie, cookie_name, field, internal, pairs, session_cookie, sessions, set_cookie, source,
};
use crate::account::authenticate;
use crate::account::reset::{self, ResetError};
use crate::actor::Actor;
use crate::error::{ErrorKind, UserError};
use crate::oidc::grant::Session;
use crate::secret::{self, Secret};
use crate::state::AppState;
use crate::store;
use crate::web::i18n::Lang;

/// Base name of the cookie the forgot and reset forms' CSRF tokens derive from.
const FORM_COOKIE: &str = "habilis_form";
/// Lifetime of that cookie.
const FORM_COOKIE_SECS: i64 = 3600;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/password/forgot", get(forgot_show).post(forgot_send))
        .route("/password/reset", get(reset_show).post(reset_send))
        .route("/account/password", get(own_show).post(own_send))
}

pub(super) fn lang_of(headers: &HeaderMap, p: &[(String, String)]) -> Lang {
    Lang::pick(field(p, "lang"))
        .or_else(|| Lang::pick(cookie(headers, "habilis_lang")))
        .unwrap_or(Lang::Fr)
}

/// The CSRF token of a form, derived from a cookie value and the form's purpose.
pub(super) fn csrf_of(purpose: &str, cookie_value: &str) -> String {
    secret::token_hash(&format!("{purpose}:{cookie_value}"))
}

/// The browser's form cookie, or a new one (to set with the page).
fn form_cookie(state: &AppState, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, &cookie_name(state, FORM_COOKIE)).filter(|c| c.len() == 64) {
        Some(c) => (c.to_owned(), None),
        None => {
            let c = secret::random_hex(32);
            let set = set_cookie(state, FORM_COOKIE, &c, Some(FORM_COOKIE_SECS));
            (c, Some(set))
        }
    }
}

/// Whether a posted form's token matches the browser's form cookie (constant-time).
fn form_csrf_ok(
    state: &AppState,
    headers: &HeaderMap,
    p: &[(String, String)],
    purpose: &str,
) -> bool {
    let Some(c) = cookie(headers, &cookie_name(state, FORM_COOKIE)).filter(|c| c.len() == 64)
    else {
        return false;
    };
    Secret::new(field(p, "csrf").unwrap_or("")).ct_eq(&csrf_of(purpose, c))
}

fn with_cookie(mut r: Response, set: Option<HeaderValue>) -> Response {
    if let Some(v) = set {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

fn message(
    lang: Lang,
    other_lang_href: String,
    title: &'static str,
    text: &'static str,
    link: Option<(String, &'static str)>,
) -> Response {
    pages::render(
        StatusCode::OK,
        &MessagePage {
            t: lang.texts(),
            other_lang_href,
            title,
            message: text,
            link,
        },
        lang,
    )
}

/// A domain error in the page's language.
fn said(e: &impl UserError, lang: Lang) -> String {
    match lang {
        Lang::En => e.to_string(),
        Lang::Fr => e.message_fr(),
    }
}

// ---- forgotten password ----

fn forgot_page(
    state: &AppState,
    headers: &HeaderMap,
    lang: Lang,
    status: StatusCode,
    sent: bool,
    error: Option<String>,
) -> Response {
    let (c, set) = form_cookie(state, headers);
    let csrf = csrf_of("forgot", &c);
    let r = pages::render(
        status,
        &ForgotPage {
            t: lang.texts(),
            other_lang_href: format!("/password/forgot?lang={}", lang.other().code()),
            csrf: &csrf,
            sent,
            error,
        },
        lang,
    );
    with_cookie(r, set)
}

/// `GET /password/forgot`
async fn forgot_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = pairs(q.unwrap_or_default().as_bytes());
    forgot_page(
        &state,
        &headers,
        lang_of(&headers, &p),
        StatusCode::OK,
        false,
        None,
    )
}

/// `POST /password/forgot`: always the same answer.
async fn forgot_send(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let p = pairs(&body);
    let lang = lang_of(&headers, &p);
    if !form_csrf_ok(&state, &headers, &p, "forgot") {
        let msg = lang.texts().forged_form.to_owned();
        return forgot_page(
            &state,
            &headers,
            lang,
            StatusCode::BAD_REQUEST,
            false,
            Some(msg),
        );
    }
    let login = field(&p, "username").unwrap_or("");
    let now = state.clock.now();
    if let Err(e) = reset::request(&state.creds, &state.db, now, &src, login).await {
        return internal(&e);
    }
    forgot_page(&state, &headers, lang, StatusCode::OK, true, None)
}

// ---- reset link ----

fn reset_href(token: &str, lang: Lang) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("token", token)
        .append_pair("lang", lang.code());
    format!("/password/reset?{}", q.finish())
}

fn reset_invalid(lang: Lang) -> Response {
    let t = lang.texts();
    message(
        lang,
        format!("/password/forgot?lang={}", lang.other().code()),
        t.reset_title,
        t.reset_invalid,
        Some((
            format!("/password/forgot?lang={}", lang.code()),
            t.reset_again,
        )),
    )
}

fn reset_form(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    lang: Lang,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let (c, set) = form_cookie(state, headers);
    let csrf = csrf_of("reset", &c);
    let t = lang.texts();
    let r = pages::render(
        status,
        &PasswordFormPage {
            t,
            other_lang_href: reset_href(token, lang.other()),
            title: t.reset_title,
            intro: t.reset_intro,
            action: "/password/reset",
            csrf: &csrf,
            token: Some(token),
            username: "",
            ask_current: false,
            error,
        },
        lang,
    );
    with_cookie(r, set)
}

/// `GET /password/reset?token=…`: the form, when the link is still good.
async fn reset_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = pairs(q.unwrap_or_default().as_bytes());
    let lang = lang_of(&headers, &p);
    let token = field(&p, "token").unwrap_or("").trim().to_owned();
    let now = state.clock.now();
    match store::credential::reset_account(&state.db, now, &secret::token_hash(&token)).await {
        Ok(Some(_)) => reset_form(&state, &headers, &token, lang, StatusCode::OK, None),
        Ok(None) => reset_invalid(lang),
        Err(e) => internal(&e),
    }
}

/// `POST /password/reset`: sets the password, then ends every session of the person.
async fn reset_send(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let p = pairs(&body);
    let lang = lang_of(&headers, &p);
    let token = field(&p, "token").unwrap_or("").to_owned();
    if !form_csrf_ok(&state, &headers, &p, "reset") {
        let msg = lang.texts().forged_form.to_owned();
        return reset_form(
            &state,
            &headers,
            &token,
            lang,
            StatusCode::BAD_REQUEST,
            Some(msg),
        );
    }
    let get = |name: &str| Secret::new(field(&p, name).unwrap_or(""));
    let now = state.clock.now();
    let done = match reset::complete(
        &state.creds,
        &state.db,
        now,
        &src,
        &Secret::new(token.clone()),
        &get("new"),
        &get("confirm"),
    )
    .await
    {
        Ok(d) => d,
        Err(ResetError::InvalidToken) => return reset_invalid(lang),
        Err(e) if e.kind() == ErrorKind::Internal => return internal(&e),
        Err(e) => {
            let msg = said(&e, lang);
            return reset_form(&state, &headers, &token, lang, StatusCode::OK, Some(msg));
        }
    };
    // Issue #4 point 7: a reset ends the person's sessions (and their refresh tokens).
    let actor = Actor::Account {
        id: done.account.id,
        login: done.account.login.to_string(),
    };
    let sessions = sessions(&state);
    for id in &done.end_sessions_of {
        if let Err(e) = sessions
            .end_all_of_account(&state.db, now, &actor, *id)
            .await
        {
            return internal(&e);
        }
    }
    let t = lang.texts();
    let mut r = message(
        lang,
        format!("/password/forgot?lang={}", lang.other().code()),
        t.reset_title,
        t.reset_done,
        None,
    );
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, session_cookie(&state), "", Some(0)),
    );
    r
}

// ---- change by a logged-in person ----

/// The browser's live session and its cookie value.
pub(super) async fn current(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, Session)>, Response> {
    let Some(c) = cookie(headers, &cookie_name(state, session_cookie(state))) else {
        return Ok(None);
    };
    match sessions(state)
        .resume(&state.db, state.clock.now(), c)
        .await
    {
        Ok(s) => Ok(s.map(|s| (c.to_owned(), s))),
        Err(e) => Err(internal(&e)),
    }
}

fn own_href(lang: Lang) -> String {
    format!("/account/password?lang={}", lang.code())
}

async fn own_form(
    state: &AppState,
    cookie_value: &str,
    session: &Session,
    lang: Lang,
    error: Option<String>,
) -> Response {
    let login = match store::account::by_id(&state.db, session.account_id).await {
        Ok(Some(a)) => a.login.to_string(),
        Ok(None) => String::new(),
        Err(e) => return internal(&e),
    };
    let t = lang.texts();
    let csrf = csrf_of("account-password", cookie_value);
    pages::render(
        StatusCode::OK,
        &PasswordFormPage {
            t,
            other_lang_href: own_href(lang.other()),
            title: t.account_title,
            intro: t.account_intro,
            action: "/account/password",
            csrf: &csrf,
            token: None,
            username: &login,
            ask_current: true,
            error,
        },
        lang,
    )
}

fn login_required(lang: Lang) -> Response {
    login_required_at(lang, own_href(lang.other()), lang.texts().account_title)
}

/// The answer of a self-service page without a session: 401 and a message.
pub(super) fn login_required_at(
    lang: Lang,
    other_lang_href: String,
    title: &'static str,
) -> Response {
    let t = lang.texts();
    let mut r = message(lang, other_lang_href, title, t.account_login_required, None);
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r
}

/// `GET /account/password`
async fn own_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = pairs(q.unwrap_or_default().as_bytes());
    let lang = lang_of(&headers, &p);
    match current(&state, &headers).await {
        Ok(Some((c, s))) => own_form(&state, &c, &s, lang, None).await,
        Ok(None) => login_required(lang),
        Err(r) => r,
    }
}

/// `POST /account/password`
async fn own_send(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let p = pairs(&body);
    let lang = lang_of(&headers, &p);
    let (c, session) = match current(&state, &headers).await {
        Ok(Some(x)) => x,
        Ok(None) => return login_required(lang),
        Err(r) => return r,
    };
    if !Secret::new(field(&p, "csrf").unwrap_or("")).ct_eq(&csrf_of("account-password", &c)) {
        let msg = lang.texts().forged_form.to_owned();
        let mut r = own_form(&state, &c, &session, lang, Some(msg)).await;
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return r;
    }
    let get = |name: &str| Secret::new(field(&p, name).unwrap_or(""));
    let now = state.clock.now();
    match authenticate::change_own_password(
        &state.creds,
        &state.db,
        now,
        &src,
        session.account_id,
        &get("current"),
        &get("new"),
        &get("confirm"),
    )
    .await
    {
        Ok(_) => {
            let t = lang.texts();
            message(
                lang,
                own_href(lang.other()),
                t.account_title,
                t.account_done,
                None,
            )
        }
        Err(e) if e.kind() == ErrorKind::Internal => internal(&e),
        Err(e) => {
            let msg = said(&e, lang);
            own_form(&state, &c, &session, lang, Some(msg)).await
        }
    }
}
