//! The login pages of an interaction: password, change of a temporary password, second factor
//! (`mfa`: TOTP or recovery code, or enrolment; `passkey`: a passkey, or its registration),
//! consent; and the pages outside an interaction (`self_service`: forgotten password, change by
//! a logged-in person; `passkeys_page`: a logged-in person's passkeys).
//!
//! Order of the steps after a right password: the change of a temporary (or forced) password
//! first, then the second factor, then consent. Every form carries a CSRF token (a new random one per page, stored hashed with the
//! interaction: the synchronizer-token pattern) and must come from the browser that started the
//! interaction (binding cookie). A refused login shows one generic message whatever the reason.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::authorize::{
    BINDING_COOKIE, code_redirect, issue_code, needs_consent, new_code, redirect_with,
};
use super::pages::{self, ChangePasswordPage, ConsentPage, LoginPage};
use super::{
    Peer, cookie, cookie_name, field, internal, pairs, see_other, sessions, set_cookie, source,
};
mod mfa;
mod passkey;
mod passkeys_page;
mod self_service;

use axum::Router;
use axum::routing::post;

use crate::account::Account;
use crate::account::authenticate::{self, PasswordStep};
use crate::actor::Actor;
use crate::audit::{self, Event, Source, action};
use crate::error::UserError;
use crate::oidc::authorize::AuthRequest;
use crate::oidc::client::Client;
use crate::oidc::grant::Authentication;
use crate::oidc::session::EndReason;
use crate::secret::{self, Secret};
use crate::state::AppState;
use crate::store::{self, interaction::StoredInteraction};
use crate::web::WebError;
use crate::web::i18n::Lang;

/// The routes of the second-factor steps and of the password pages (the password and consent
/// steps are routed in `oidc::routes`).
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/totp", post(mfa::code))
        .route("/login/enrol", post(mfa::enrol))
        .route("/login/continue", post(mfa::proceed))
        .route("/login/passkey", post(passkey::verify))
        .route("/login/passkey/register", post(passkey::register))
        .merge(passkeys_page::routes())
        .merge(self_service::routes())
}

/// The page language: `lang` parameter, then cookie, then the request's `ui_locales`.
pub(super) fn lang_of(headers: &HeaderMap, param: Option<&str>, req: &AuthRequest) -> Lang {
    Lang::pick(param)
        .or_else(|| Lang::pick(cookie(headers, "habilis_lang")))
        .or_else(|| Lang::pick(req.ui_locales.as_deref()))
        .unwrap_or(Lang::Fr)
}

/// A loaded, checked interaction.
struct Loaded {
    row: StoredInteraction,
    req: AuthRequest,
    client: Client,
    id: String,
    /// The CSRF token of this browser's forms for this interaction.
    csrf: String,
}

/// The page shown when the interaction is unknown, expired or not this browser's.
fn expired(_lang: Lang) -> Response {
    // The error renderer picks French for browsers; the JSON body carries both.
    WebError::BadRequest {
        code: "login.expired",
        message: Lang::En.texts().form_expired.to_owned(),
        message_fr: Lang::Fr.texts().form_expired.to_owned(),
    }
    .into_response()
}

/// The CSRF token of the login forms: derived, like the self-service forms' token, from a
/// cookie only this browser holds (the HttpOnly binding cookie) and, as the form's purpose,
/// the interaction id. A page is shown without a database write, any number of times, and a
/// token of another interaction or browser is never valid.
fn csrf_of(binding: &str, interaction: &str) -> String {
    self_service::csrf_of(&format!("login-{interaction}"), binding)
}

/// Loads the interaction `id`; checks expiry, the binding cookie and, for a form, its CSRF
/// token (constant-time).
async fn load(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
    csrf: Option<&str>,
    lang: Lang,
) -> Result<Loaded, Response> {
    let now = state.clock.now();
    let (row, client) =
        match store::interaction::with_client(&state.db, &secret::token_hash(id)).await {
            Ok(Some((r, c))) if r.expires_at > now => (r, c),
            Ok(_) => return Err(expired(lang)),
            Err(e) => return Err(internal(&e)),
        };
    let binding = cookie(headers, &cookie_name(state, BINDING_COOKIE)).unwrap_or("");
    if !Secret::new(secret::token_hash(binding)).ct_eq(&row.binding_hash) {
        return Err(expired(lang));
    }
    let expected = csrf_of(binding, id);
    if let Some(token) = csrf
        && !Secret::new(token).ct_eq(&expected)
    {
        return Err(expired(lang));
    }
    let Ok(req) = serde_json::from_value::<AuthRequest>(row.request.clone()) else {
        return Err(internal(&"corrupt interaction request"));
    };
    let Some(client) = client.filter(|c| c.enabled) else {
        return Err(expired(lang));
    };
    Ok(Loaded {
        row,
        req,
        client,
        id: id.to_owned(),
        csrf: expected,
    })
}

/// The first page of an interaction that `/authorize` has just stored, shown by `/authorize`
/// itself rather than through a redirect to `/login?i=…`: one exchange fewer for the browser
/// and one read fewer for the node (Keycloak answers its authorization endpoint the same way).
/// `binding` is the cookie value the response binds the interaction to.
pub(super) async fn first_page(
    state: &AppState,
    headers: &HeaderMap,
    row: StoredInteraction,
    req: AuthRequest,
    client: Client,
    id: String,
    binding: &str,
) -> Response {
    let l = Loaded {
        csrf: csrf_of(binding, &id),
        row,
        req,
        client,
        id,
    };
    let lang = lang_of(headers, None, &l.req);
    page(state, &l, lang, StatusCode::OK, None, "").await
}

fn other_href(l: &Loaded, lang: Lang) -> String {
    format!("/login?i={}&lang={}", l.id, lang.other().code())
}

/// Renders the page of the interaction's step. Its form may be answered with the redirect to
/// the client (last step), which the page's policy must allow.
async fn page(
    state: &AppState,
    l: &Loaded,
    lang: Lang,
    status: StatusCode,
    error: Option<String>,
    username: &str,
) -> Response {
    let page = step_page(state, l, lang, status, error, username).await;
    pages::allowing_redirect_to(page, &l.req.redirect_uri)
}

async fn step_page(
    state: &AppState,
    l: &Loaded,
    lang: Lang,
    status: StatusCode,
    error: Option<String>,
    username: &str,
) -> Response {
    let csrf = &l.csrf;
    let t = lang.texts();
    let href = other_href(l, lang);
    match l.row.step.as_str() {
        "change_password" => {
            let login = match l.row.account_id {
                Some(id) => match store::account::by_id(&state.db, id).await {
                    Ok(Some(a)) => a.login.to_string(),
                    Ok(None) => return expired(lang),
                    Err(e) => return internal(&e),
                },
                None => return expired(lang),
            };
            pages::render(
                status,
                &ChangePasswordPage {
                    t,
                    other_lang_href: href,
                    interaction: &l.id,
                    csrf,
                    username: &login,
                    error,
                },
                lang,
            )
        }
        "second_factor" => mfa::second_factor_page(state, l, csrf, status, error, lang).await,
        "enrol_second_factor" => mfa::enrol_page(state, l, csrf, status, error, lang).await,
        "consent" => pages::render(
            status,
            &ConsentPage {
                t,
                other_lang_href: href,
                client_name: &l.client.name,
                scopes: &l.req.scopes,
                interaction: &l.id,
                csrf,
            },
            lang,
        ),
        _ => {
            let hint = l.req.login_hint.as_deref().unwrap_or("");
            pages::render(
                status,
                &LoginPage {
                    t,
                    other_lang_href: href,
                    client_name: &l.client.name,
                    interaction: &l.id,
                    csrf,
                    username: if username.is_empty() { hint } else { username },
                    error: error.as_deref(),
                },
                lang,
            )
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ShowQuery {
    i: Option<String>,
    lang: Option<String>,
}

/// `GET /login?i=…`
pub(super) async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ShowQuery>,
) -> Response {
    let fallback = Lang::pick(q.lang.as_deref()).unwrap_or(Lang::Fr);
    let Some(id) = q.i else {
        return expired(fallback);
    };
    let l = match load(&state, &headers, &id, None, fallback).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let lang = lang_of(&headers, q.lang.as_deref(), &l.req);
    page(&state, &l, lang, StatusCode::OK, None, "").await
}

/// Reads the common fields of a login form and loads its interaction.
async fn form(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    step: &str,
) -> Result<(Loaded, Vec<(String, String)>, Lang), Response> {
    let p = pairs(body);
    let fallback = Lang::pick(field(&p, "lang")).unwrap_or(Lang::Fr);
    let id = field(&p, "i").unwrap_or("").to_owned();
    let csrf = field(&p, "csrf").unwrap_or("").to_owned();
    let l = load(state, headers, &id, Some(&csrf), fallback).await?;
    if l.row.step != step {
        return Err(expired(fallback));
    }
    let lang = lang_of(headers, field(&p, "lang"), &l.req);
    Ok((l, p, lang))
}

/// `POST /login`: the password step.
pub(super) async fn password(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let (l, p, lang) = match form(&state, &headers, &body, "login").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let username = field(&p, "username").unwrap_or("").to_owned();
    let password = Secret::new(field(&p, "password").unwrap_or(""));
    let now = state.clock.now();
    let step =
        match authenticate::password_step(&state.creds, &state.db, now, &src, &username, &password)
            .await
        {
            Ok(s) => s,
            Err(e) => return internal(&e),
        };
    match step {
        PasswordStep::Refused(_) => {
            let msg = lang.texts().login_refused.to_owned();
            page(&state, &l, lang, StatusCode::OK, Some(msg), &username).await
        }
        PasswordStep::Accepted(a) if a.must_change_password => {
            let amr = vec!["pwd".to_owned()];
            if let Err(e) = store::interaction::advance(
                &state.db,
                &l.row.id,
                "change_password",
                Some(a.account.id),
                &amr,
                Some(now),
            )
            .await
            {
                return internal(&e);
            }
            see_other(&format!("/login?i={}&lang={}", l.id, lang.code()))
        }
        PasswordStep::Accepted(a) => {
            mfa::after_password(
                &state,
                &src,
                &headers,
                &l,
                &a.account,
                a.second_factor,
                now,
                lang,
            )
            .await
        }
    }
}

/// `POST /login/password`: the first-login change of a temporary password.
pub(super) async fn change_password(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let (l, p, lang) = match form(&state, &headers, &body, "change_password").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(account_id) = l.row.account_id else {
        return expired(lang);
    };
    let get = |name: &str| Secret::new(field(&p, name).unwrap_or(""));
    let now = state.clock.now();
    match authenticate::change_own_password(
        &state.creds,
        &state.db,
        now,
        &src,
        account_id,
        &get("current"),
        &get("new"),
        &get("confirm"),
    )
    .await
    {
        Ok(account) => {
            // Then the second factor (issue #4 point 5): the change of a temporary password
            // comes first, so that a person never enrols an app on a password they did not
            // choose.
            let second =
                match authenticate::second_factor_of(&state.creds, &state.db, &account).await {
                    Ok(s) => s,
                    Err(e) => return internal(&e),
                };
            let auth_time = l.row.auth_time.unwrap_or(now);
            mfa::after_password(
                &state, &src, &headers, &l, &account, second, auth_time, lang,
            )
            .await
        }
        Err(e) if e.kind() == crate::error::ErrorKind::Internal => internal(&e),
        Err(e) => {
            let msg = if lang == Lang::En {
                e.to_string()
            } else {
                e.message_fr()
            };
            page(&state, &l, lang, StatusCode::OK, Some(msg), "").await
        }
    }
}

/// Every factor passed: start the session (replacing the browser's previous one), trace the
/// login, then ask for consent or answer the client.
async fn authenticated(
    state: &AppState,
    src: &Source,
    headers: &HeaderMap,
    l: &Loaded,
    account: &Account,
    authn: Authentication,
    lang: Lang,
) -> Response {
    let account_id = account.id;
    let now = state.clock.now();
    let sessions = sessions(state);
    let cookie_base = super::session_cookie(state).to_owned();
    if let Some(old) = cookie(headers, &cookie_name(state, &cookie_base))
        && let Ok(Some(s)) = sessions.resume(&state.db, now, old).await
        && let Err(e) = sessions
            .end(
                &state.db,
                now,
                &Actor::Anonymous,
                src,
                &s,
                EndReason::Replaced,
            )
            .await
    {
        return internal(&e);
    }
    let consent = match needs_consent(state, &l.client, account_id, &l.req).await {
        Ok(c) => c,
        Err(e) => return internal(&e),
    };
    // What the login leaves is written in one transaction (one commit rather than five): the
    // session, the trace, the interaction's next step or its end, and the code. A session kept
    // in Redis is written there at once, outside the transaction: on a rollback it stays
    // behind, but its cookie is never sent, so nobody can use it and it times out.
    let tx = match state.db.begin_write().await {
        Ok(tx) => tx,
        Err(e) => return internal(&e),
    };
    let ended = login_writes(state, &tx, src, l, account, authn, consent, lang).await;
    let (cookie_value, mut r) = match ended {
        Ok(x) => x,
        Err(r) => {
            if let Err(e) = tx.rollback().await {
                return internal(&e);
            }
            return r;
        }
    };
    if let Err(e) = tx.commit().await {
        return internal(&e);
    }
    let absolute = i64::try_from(state.config.session.absolute_timeout_secs).unwrap_or(43_200);
    let set = set_cookie(state, &cookie_base, cookie_value.expose(), Some(absolute));
    r.headers_mut().append(header::SET_COOKIE, set);
    r
}

/// The writes of [`authenticated`] in its transaction: the session's cookie value and the
/// answer (consent page, code to the client, or the expired page when another request ended
/// the interaction first — the login itself stands); an error is the page to show, and the
/// caller rolls back.
#[allow(
    clippy::too_many_arguments,
    reason = "authenticated's request parts, its transaction and its consent decision"
)]
async fn login_writes(
    state: &AppState,
    tx: &store::Tx,
    src: &Source,
    l: &Loaded,
    account: &Account,
    authn: Authentication,
    consent: bool,
    lang: Lang,
) -> Result<(Secret, Response), Response> {
    let now = state.clock.now();
    let (cookie_value, session) = sessions(state)
        .start(tx, now, account.id, authn)
        .await
        .map_err(|e| internal(&e))?;
    trace_login(tx, now, src, &l.client, account, &session)
        .await
        .map_err(|e| internal(&e))?;
    let r = if consent {
        store::interaction::advance(
            tx,
            &l.row.id,
            "consent",
            Some(account.id),
            &session.authentication.amr,
            Some(session.authentication.auth_time),
        )
        .await
        .map_err(|e| internal(&e))?;
        see_other(&format!("/login?i={}&lang={}", l.id, lang.code()))
    } else if store::interaction::delete(tx, &l.row.id)
        .await
        .map_err(|e| internal(&e))?
    {
        let code = new_code(state, src, tx, &l.client, &l.req, &session).await?;
        code_redirect(state, &l.req, &code)
    } else {
        expired(lang)
    };
    Ok((cookie_value, r))
}

async fn trace_login(
    tx: &store::Tx,
    now: time::OffsetDateTime,
    src: &Source,
    client: &Client,
    account: &Account,
    session: &crate::oidc::grant::Session,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    store::account::logged_in(tx, now, account.id).await?;
    let mut event = Event::new(
        action::LOGIN_SUCCEED,
        &Actor::Account {
            id: account.id,
            login: account.login.to_string(),
        },
    )
    .target("account", &account.login)
    .fund(account.fund_id)
    .source(src.clone())
    .details(json!({
        "client": client.client_id.as_str(),
        "amr": session.authentication.amr,
        "acr": session.authentication.acr,
        "sid": session.id.get(..16),
    }));
    if let Some(p) = account.partner_id {
        event = event.partner(p);
    }
    audit::record(tx, now, event).await?;
    Ok(())
}

/// `POST /login/consent`
pub(super) async fn consent(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let (l, p, lang) = match form(&state, &headers, &body, "consent").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = state.clock.now();
    let sessions = sessions(&state);
    let session = match cookie(
        &headers,
        &cookie_name(&state, super::session_cookie(&state)),
    ) {
        Some(c) => sessions.resume(&state.db, now, c).await.ok().flatten(),
        None => None,
    };
    let Some(session) = session.filter(|s| Some(s.account_id) == l.row.account_id) else {
        return expired(lang);
    };
    match store::interaction::delete(&state.db, &l.row.id).await {
        Ok(true) => {}
        Ok(false) => return expired(lang),
        Err(e) => return internal(&e),
    }
    if field(&p, "decision") != Some("allow") {
        return redirect_with(
            &state,
            &l.req.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "the person refused"),
                ("state", &l.req.state),
            ],
        );
    }
    if let Err(e) = store::interaction::set_consent(
        &state.db,
        session.account_id,
        l.client.id,
        &l.req.scopes,
        now,
    )
    .await
    {
        return internal(&e);
    }
    issue_code(&state, &src, &l.client, &l.req, &session).await
}
