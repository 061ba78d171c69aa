//! `GET|POST /authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2): validates the request, then either
//! answers at once from a live session (SSO) or starts a login interaction and shows its first
//! page (login, or consent): in the answer to a plain GET, through a redirect to `/login?i=…`
//! otherwise. Redirects to the client carry `iss` (RFC 9207).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use time::Duration;

use super::{Peer, cookie, internal, pairs, see_other, sessions, set_cookie, source};
use crate::audit::Source;
use crate::oidc::authorize::{self, AuthRequest, AuthorizeError, Prompt};
use crate::oidc::client::{Client, ClientId};
use crate::oidc::grant::Session;
use crate::oidc::token::{Issuer, issuer};
use crate::secret::{self, Secret};
use crate::state::AppState;
use crate::store::{self, interaction::StoredInteraction};
use crate::web::WebError;

/// Prefix of the `request_uri` values the PAR endpoint hands out (RFC 9126 §2.2).
pub(super) const PAR_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// Base name of the cookie binding a login interaction to the browser that started it.
pub(super) const BINDING_COOKIE: &str = "habilis_login";

pub(super) async fn authorize_get(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let src = source(&peer, &headers);
    let p = pairs(query.unwrap_or_default().as_bytes());
    handle(&state, &src, &headers, &p, FirstPage::Here).await
}

pub(super) async fn authorize_post(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    handle(&state, &src, &headers, &pairs(&body), FirstPage::Redirect).await
}

/// How a new interaction's first page reaches the browser.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FirstPage {
    /// In the answer to `/authorize` itself: one exchange fewer. Only for a plain GET, whose
    /// address the browser can load again (reload, Back) for a new login.
    Here,
    /// Through a redirect to `/login?i=…`: after a POST (a reload would post again) or a
    /// pushed request (its `request_uri` works once, so reloading `/authorize` would fail).
    Redirect,
}

fn fatal_page(code: &'static str, message: String, message_fr: String) -> Response {
    WebError::BadRequest {
        code,
        message,
        message_fr,
    }
    .into_response()
}

async fn handle(
    state: &AppState,
    src: &Source,
    headers: &HeaderMap,
    raw: &[(String, String)],
    first: FirstPage,
) -> Response {
    let mut params = match authorize::single_values(raw) {
        Ok(p) => p,
        Err(name) => {
            return fatal_page(
                "invalid_request",
                format!("The parameter {name} is repeated."),
                format!("Le paramètre {name} est répété."),
            );
        }
    };
    let now = state.clock.now();
    let mut pushed = false;
    if let Some(uri) = params.get("request_uri").cloned()
        && uri.starts_with(PAR_PREFIX)
    {
        let stored = match store::interaction::take_par(&state.db, &uri, now).await {
            Ok(s) => s,
            Err(e) => return internal(&e),
        };
        let Some((client_pk, value)) = stored else {
            return fatal_page(
                "invalid_request_uri",
                "The pushed authorization request is unknown, used or expired.".into(),
                "La demande d'autorisation poussée est inconnue, déjà utilisée ou expirée.".into(),
            );
        };
        let Ok(pushed_params) = serde_json::from_value::<BTreeMap<String, String>>(value) else {
            return internal(&"corrupt pushed request");
        };
        let same_client = match (pushed_params.get("client_id"), params.get("client_id")) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        let owner = match state.clients.by_id(&state.db, client_pk).await {
            Ok(o) => o,
            Err(e) => return internal(&e),
        };
        if !same_client
            || !owner.is_some_and(|c| {
                Some(c.client_id.as_str()) == params.get("client_id").map(String::as_str)
            })
        {
            return fatal_page(
                "invalid_request_uri",
                "The pushed request belongs to another application.".into(),
                "La demande poussée appartient à une autre application.".into(),
            );
        }
        params = pushed_params;
        pushed = true;
    }
    let client = match params.get("client_id").map(|c| ClientId::parse(c)) {
        Some(Ok(id)) => match state.clients.by_client_id(&state.db, &id).await {
            Ok(c) => c,
            Err(e) => return internal(&e),
        },
        _ => None,
    };
    // A refusal never rests on the node's cache alone: a redirect URI registered a moment ago
    // must work, so `decide` reads the client again before refusing.
    let (client, validated) = match client {
        Some(cached) => {
            let decided = state
                .clients
                .decide(&state.db, cached, |c| {
                    authorize::validate(&params, Some(c), pushed)
                })
                .await;
            match decided {
                Ok((c, v)) => (Some(c), v),
                Err(e) => return internal(&e),
            }
        }
        None => (None, authorize::validate(&params, None, pushed)),
    };
    let request = match validated {
        Ok(r) => r,
        Err(e) => return refused(state, e),
    };
    let Some(client) = client else {
        return internal(&"validated request without a client");
    };
    // A pushed request's address works once: its first page must have one that reloads.
    let first = if pushed { FirstPage::Redirect } else { first };
    proceed(state, src, headers, &client, request, first).await
}

/// Answers a refused request: an error page, or the error sent to the redirect URI.
pub(super) fn refused(state: &AppState, e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Fatal {
            code,
            message,
            message_fr,
        } => fatal_page(code, message, message_fr),
        AuthorizeError::Redirect {
            redirect_uri,
            state: st,
            error,
            description,
        } => redirect_with(
            state,
            &redirect_uri,
            &[
                ("error", error),
                ("error_description", &description),
                ("state", st.as_deref().unwrap_or("")),
            ],
        ),
    }
}

/// A redirect to the client with the given parameters and `iss`; empty values are left out.
pub(super) fn redirect_with(
    state: &AppState,
    redirect_uri: &str,
    params: &[(&str, &str)],
) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return internal(&"registered redirect URI does not parse");
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
            q.append_pair(k, v);
        }
        q.append_pair("iss", &issuer(&state.config));
    }
    see_other(url.as_str())
}

fn error_to_client(
    state: &AppState,
    req: &AuthRequest,
    error: &str,
    description: &str,
) -> Response {
    redirect_with(
        state,
        &req.redirect_uri,
        &[
            ("error", error),
            ("error_description", description),
            ("state", &req.state),
        ],
    )
}

/// Whether the client needs the person's consent for these scopes.
pub(super) async fn needs_consent(
    state: &AppState,
    client: &Client,
    account_id: i64,
    req: &AuthRequest,
) -> Result<bool, store::StoreError> {
    if !client.consent_required {
        return Ok(false);
    }
    if req.has_prompt(Prompt::Consent) {
        return Ok(true);
    }
    let given = store::interaction::consent(&state.db, account_id, client.id).await?;
    Ok(req.scopes.iter().any(|s| !given.contains(s)))
}

/// Continues a valid request: from the live session when it satisfies the request, else
/// through the login pages.
async fn proceed(
    state: &AppState,
    src: &Source,
    headers: &HeaderMap,
    client: &Client,
    req: AuthRequest,
    first: FirstPage,
) -> Response {
    let now = state.clock.now();
    let sessions = sessions(state);
    let session = match cookie(
        headers,
        &super::cookie_name(state, super::session_cookie(state)),
    ) {
        Some(c) => match sessions.resume(&state.db, now, c).await {
            Ok(s) => s,
            Err(e) => return internal(&e),
        },
        None => None,
    };
    let fresh_enough = |s: &Session| {
        req.max_age
            .is_none_or(|age| now - s.authentication.auth_time <= Duration::seconds(age))
    };
    // A session reached with a password only does not satisfy a request for the MFA level.
    let acr_mfa = &state.config.oidc.acr_mfa;
    let level_ok =
        |s: &Session| !req.acr_values.contains(acr_mfa) || s.authentication.acr == *acr_mfa;
    let usable =
        session.filter(|s| !req.has_prompt(Prompt::Login) && fresh_enough(s) && level_ok(s));
    if let Some(session) = usable {
        let consent = match needs_consent(state, client, session.account_id, &req).await {
            Ok(c) => c,
            Err(e) => return internal(&e),
        };
        if !consent {
            return issue_code(state, src, client, &req, &session).await;
        }
        if req.has_prompt(Prompt::None) {
            return error_to_client(state, &req, "consent_required", "consent is required");
        }
        return start_interaction(
            state,
            headers,
            client,
            req,
            "consent",
            Some(&session),
            first,
        )
        .await;
    }
    if req.has_prompt(Prompt::None) {
        return error_to_client(state, &req, "login_required", "the person must log in");
    }
    start_interaction(state, headers, client, req, "login", None, first).await
}

/// Issues a code within a live session and sends it to the client.
pub(super) async fn issue_code(
    state: &AppState,
    src: &Source,
    client: &Client,
    req: &AuthRequest,
    session: &Session,
) -> Response {
    match new_code(state, src, &state.db, client, req, session).await {
        Ok(code) => code_redirect(state, req, &code),
        Err(r) => r,
    }
}

/// Issues a code within a live session, written over `conn` (the database, or the caller's
/// transaction: then the signing keys are read through it too, never through a second
/// connection while the transaction holds the write lock); an error is the page to show.
pub(super) async fn new_code(
    state: &AppState,
    src: &Source,
    conn: &impl store::Conn,
    client: &Client,
    req: &AuthRequest,
    session: &Session,
) -> Result<Secret, Response> {
    let keys = state
        .keys
        .get(conn, state.clock.now())
        .await
        .map_err(|e| internal(&e))?;
    let sessions = sessions(state);
    let issuer = Issuer {
        db: &state.db,
        config: &state.config,
        keys: &keys,
        sessions: &sessions,
        now: state.clock.now(),
        source: src,
    };
    issuer
        .code(conn, client, req, session)
        .await
        .map_err(|e| internal(&e))
}

/// Sends a code to the client.
pub(super) fn code_redirect(state: &AppState, req: &AuthRequest, code: &Secret) -> Response {
    redirect_with(
        state,
        &req.redirect_uri,
        &[("code", code.expose()), ("state", &req.state)],
    )
}

/// Stores a login interaction and shows its first page (login or consent), binding the
/// interaction to this browser with a cookie.
async fn start_interaction(
    state: &AppState,
    headers: &HeaderMap,
    client: &Client,
    req: AuthRequest,
    step: &str,
    session: Option<&Session>,
    first: FirstPage,
) -> Response {
    let now = state.clock.now();
    let ttl = i64::try_from(state.config.oidc.login_ttl_secs).unwrap_or(900);
    let binding_name = super::cookie_name(state, BINDING_COOKIE);
    let existing = cookie(headers, &binding_name).filter(|b| b.len() == 64);
    let binding = existing.map_or_else(|| secret::random_hex(32), str::to_owned);
    let id = secret::random_hex(32);
    let Ok(request) = serde_json::to_value(&req) else {
        return internal(&"cannot serialise the request");
    };
    let row = StoredInteraction {
        id: secret::token_hash(&id),
        client_id: client.id,
        request,
        binding_hash: secret::token_hash(&binding),
        step: step.to_owned(),
        account_id: session.map(|s| s.account_id),
        amr: session
            .map(|s| s.authentication.amr.clone())
            .unwrap_or_default(),
        auth_time: session.map(|s| s.authentication.auth_time),
        created_at: now,
        expires_at: now + Duration::seconds(ttl),
    };
    if let Err(e) = store::interaction::insert(&state.db, &row).await {
        return internal(&e);
    }
    let mut r = match first {
        FirstPage::Here => {
            super::login::first_page(state, headers, row, req, client.clone(), id, &binding).await
        }
        FirstPage::Redirect => {
            let lang = super::login::lang_of(headers, None, &req);
            see_other(&format!("/login?i={id}&lang={}", lang.code()))
        }
    };
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, BINDING_COOKIE, &binding, Some(ttl)),
    );
    r
}
