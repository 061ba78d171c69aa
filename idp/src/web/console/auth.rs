//! Logging in to the console through Habilis's own authorization endpoint, and the
//! [`Console`] extractor every page uses.
//!
//! - `GET /console/login?next=…`: a new authorization request of the console's client (PKCE
//!   S256, `state`, `nonce`); their values wait in a short-lived HttpOnly cookie.
//! - `GET /console/callback`: checks `state` (constant time) and `iss` (RFC 9207), exchanges the
//!   code with the token endpoint's own [`Issuer`] (client `habilis-console`, the PKCE
//!   verifier), and goes to `next`.
//! - `POST /console/logout`: ends the login session (tokens revoked, back-channel logouts
//!   queued, as `/logout` does).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::Digest;

use super::page;
use crate::actor::Actor;
use crate::oidc::client::{self, CONSOLE_CLIENT_ID, console_redirect_uri};
use crate::oidc::grant::Session;
use crate::oidc::session::EndReason;
use crate::oidc::token::{Issuer, issuer};
use crate::secret::{self, Secret};
use crate::state::AppState;
use crate::store;
use crate::web::api::auth::Caller;
use crate::web::api::{ApiError, internal};
use crate::web::i18n::Lang;
use crate::web::oidc::{
    Peer, cookie, cookie_name, field, pairs, see_other, session_cookie, sessions, set_cookie,
    source,
};

/// Base name of the cookie holding a console login in progress.
const FLOW_COOKIE: &str = "habilis_console_flow";
/// How long a login in progress may take (the login pages' own limit is shorter).
const FLOW_SECS: i64 = 900;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/login", get(login))
        .route("/console/callback", get(callback))
        .route("/console/logout", post(logout))
        .route("/console/bye", get(bye))
}

/// A person using the console: a live login session in which the console obtained tokens, an
/// active account, the fund's MFA policy met, and their roles.
#[derive(Debug, Clone)]
pub(crate) struct Console {
    /// The person and their roles (the same type the admin API acts with).
    pub(crate) caller: Caller,
    /// The login session.
    pub(crate) session: Session,
    /// The CSRF token of this session's forms.
    pub(crate) csrf: String,
    /// The language of the pages.
    pub(crate) lang: Lang,
}

impl Console {
    /// The actor written in traces.
    pub(crate) fn actor(&self) -> &Actor {
        &self.caller.principal.actor
    }

    /// Whether a submitted form carries this session's CSRF token (constant time).
    pub(crate) fn csrf_ok(&self, form: &[(String, String)]) -> bool {
        let sent = field(form, "csrf").unwrap_or("");
        Secret::new(self.csrf.clone()).ct_eq(sent)
    }

    /// Parses a form body and checks its CSRF token; a forged or stale form gets a page that
    /// says so (400), never the action.
    #[allow(
        clippy::result_large_err,
        reason = "the error is the page to answer, built once on a rare path"
    )]
    pub(crate) fn form(&self, body: &Bytes) -> Result<Vec<(String, String)>, Response> {
        let form = pairs(body);
        if self.csrf_ok(&form) {
            Ok(form)
        } else {
            Err(page::message(
                StatusCode::BAD_REQUEST,
                self.lang,
                "form.expired.title",
                "form.expired",
                Some(("/console", "nav.home")),
            ))
        }
    }
}

/// The language of a console request: `lang` in the query, then the `habilis_lang` cookie,
/// then `Accept-Language`; French otherwise.
pub(crate) fn lang_of(parts_uri_query: Option<&str>, headers: &HeaderMap) -> Lang {
    let from_query = parts_uri_query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::pick(Some(&v)))
    });
    from_query
        .or_else(|| Lang::pick(cookie(headers, "habilis_lang")))
        .or_else(|| {
            Lang::pick(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            )
        })
        .unwrap_or(Lang::Fr)
}

/// The CSRF token of a session's console forms, derived from its cookie: a page of another
/// site can neither read the cookie nor compute the token.
fn csrf_of(session_cookie_value: &str) -> String {
    secret::token_hash(&format!("console-csrf:{session_cookie_value}"))
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let lang = lang_of(parts.uri.query(), &parts.headers);
        let again = || {
            // After the login, come back here (a GET page) or to the home page (a form).
            let next = if parts.method == axum::http::Method::GET {
                parts
                    .uri
                    .path_and_query()
                    .map_or("/console", |p| p.as_str())
            } else {
                "/console"
            };
            let mut u = url::form_urlencoded::Serializer::new(String::new());
            u.append_pair("next", next);
            see_other(&format!("/console/login?{}", u.finish()))
        };
        let name = cookie_name(app, session_cookie(app));
        let Some(value) = cookie(&parts.headers, &name).map(str::to_owned) else {
            return Err(again());
        };
        let now = app.clock.now();
        // A console request is activity: it moves the idle deadline (30 minutes by default).
        let Some(session) = sessions(app)
            .resume(&app.db, now, &value)
            .await
            .map_err(|e| internal(&e).into_response())?
        else {
            return Err(again());
        };
        // The session must have logged in to the console itself, and the console be enabled.
        if !store::session::used_enabled_client(&app.db, &session.id, CONSOLE_CLIENT_ID)
            .await
            .map_err(|e| internal(&e).into_response())?
        {
            return Err(again());
        }
        let account = match store::account::by_id(&app.db, session.account_id)
            .await
            .map_err(|e| internal(&e).into_response())?
        {
            Some(a) if a.status == crate::account::AccountStatus::Active => a,
            _ => return Err(again()),
        };
        let caller = match Caller::person(app, account, &session).await {
            Ok(c) => c,
            Err(ApiError::Refused {
                code: "authz.mfa_required",
                ..
            }) => {
                return Err(page::message(
                    StatusCode::FORBIDDEN,
                    lang,
                    "mfa.required.title",
                    "mfa.required",
                    Some(("/console/login?prompt=login", "mfa.required.link")),
                ));
            }
            Err(ApiError::Refused {
                code: "authz.passkey_required",
                ..
            }) => {
                return Err(page::message(
                    StatusCode::FORBIDDEN,
                    lang,
                    "passkey.required.title",
                    "passkey.required",
                    Some(("/console/login?prompt=login", "passkey.required.link")),
                ));
            }
            Err(e) => return Err(e.into_response()),
        };
        Ok(Self {
            caller,
            csrf: csrf_of(&value),
            session,
            lang,
        })
    }
}

/// A safe place to go after the login: a console path, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if (n == "/console" || n.starts_with("/console/") || n.starts_with("/console?"))
                && !n.contains("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/console".to_owned(),
    }
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
    prompt: Option<String>,
}

/// Starts a login: a new authorization request of the console's client.
async fn login(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let lang = Lang::pick(q.lang.as_deref()).unwrap_or_else(|| lang_of(None, &headers));
    let state = secret::random_hex(16);
    let nonce = secret::random_hex(16);
    let verifier = URL_SAFE_NO_PAD.encode(secret::random_bytes::<32>());
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let next = safe_next(q.next.as_deref());
    let flow = format!(
        "{state}.{verifier}.{}",
        URL_SAFE_NO_PAD.encode(next.as_bytes())
    );
    let iss = issuer(&app.config);
    let mut u = url::form_urlencoded::Serializer::new(String::new());
    u.append_pair("response_type", "code")
        .append_pair("client_id", CONSOLE_CLIENT_ID)
        .append_pair("redirect_uri", &console_redirect_uri(&iss))
        .append_pair("scope", "openid profile admin")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("ui_locales", lang.code());
    if q.prompt.as_deref() == Some("login") {
        u.append_pair("prompt", "login");
    }
    let mut r = see_other(&format!("/authorize?{}", u.finish()));
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&app, FLOW_COOKIE, &flow, Some(FLOW_SECS)),
    );
    r
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

/// The end of a login: checks the answer and exchanges the code.
async fn callback(
    State(app): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let lang = lang_of(None, &headers);
    let restart = |status| {
        page::message(
            status,
            lang,
            "login.expired.title",
            "login.expired",
            Some(("/console/login", "login.again")),
        )
    };
    let flow = cookie(&headers, &cookie_name(&app, FLOW_COOKIE)).unwrap_or("");
    let mut bits = flow.split('.');
    let (Some(state), Some(verifier), Some(next)) = (bits.next(), bits.next(), bits.next()) else {
        return restart(StatusCode::BAD_REQUEST);
    };
    let sent_state = q.state.as_deref().unwrap_or("");
    if state.is_empty() || !Secret::new(state.to_owned()).ct_eq(sent_state) {
        return restart(StatusCode::BAD_REQUEST);
    }
    let iss = issuer(&app.config);
    if q.iss.as_deref().is_some_and(|i| i != iss) {
        return restart(StatusCode::BAD_REQUEST);
    }
    let clear = set_cookie(&app, FLOW_COOKIE, "", Some(0));
    if let Some(error) = q.error.as_deref() {
        // The person refused, or the provider could not log them in (RFC 6749 §4.1.2.1).
        let key = if error == "access_denied" {
            "login.denied"
        } else {
            "login.failed"
        };
        let mut r = page::message(
            StatusCode::FORBIDDEN,
            lang,
            "login.failed.title",
            key,
            Some(("/console/login", "login.again")),
        );
        r.headers_mut().append(header::SET_COOKIE, clear);
        return r;
    }
    let Some(code) = q.code.as_deref() else {
        return restart(StatusCode::BAD_REQUEST);
    };
    let next = URL_SAFE_NO_PAD
        .decode(next)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let next = safe_next(next.as_deref());
    let now = app.clock.now();
    let fail = |e: &dyn std::fmt::Display| internal(&e.to_string()).into_response();
    let client = match client::ClientId::parse(CONSOLE_CLIENT_ID) {
        Ok(id) => match client::find_by_client_id(&app.db, &id).await {
            Ok(c) if c.enabled => c,
            Ok(_) => return restart(StatusCode::FORBIDDEN),
            Err(e) => return fail(&e),
        },
        Err(e) => return fail(&e),
    };
    let keys = match app.keys.get(&app.db, now).await {
        Ok(k) => k,
        Err(e) => return fail(&e),
    };
    let sessions = sessions(&app);
    let src = source(&peer, &headers);
    let issuer = Issuer {
        db: &app.db,
        config: &app.config,
        keys: &keys,
        sessions: &sessions,
        now,
        source: &src,
    };
    let redirect = console_redirect_uri(&iss);
    match issuer
        .exchange_code(&client, code, Some(&redirect), Some(verifier))
        .await
    {
        Ok(_) => {
            let mut r = see_other(&next);
            r.headers_mut().append(header::SET_COOKIE, clear);
            r
        }
        Err(e) if e.oauth_code().is_some() => restart(StatusCode::BAD_REQUEST),
        Err(e) => fail(&e),
    }
}

/// Logs out: ends the login session everywhere (as `/logout` does).
async fn logout(
    State(app): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    console: Console,
    body: Bytes,
) -> Response {
    if let Err(r) = console.form(&body) {
        return r;
    }
    let src = source(&peer, &headers);
    if let Err(e) = sessions(&app)
        .end(
            &app.db,
            app.clock.now(),
            console.actor(),
            &src,
            &console.session,
            EndReason::Logout,
        )
        .await
    {
        return internal(&e).into_response();
    }
    let mut r = see_other(&format!("/console/bye?lang={}", console.lang.code()));
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&app, session_cookie(&app), "", Some(0)),
    );
    r
}

/// The page after logging out.
async fn bye(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let lang = Lang::pick(q.lang.as_deref()).unwrap_or_else(|| lang_of(None, &headers));
    page::message(
        StatusCode::OK,
        lang,
        "logout.done.title",
        "logout.done",
        Some(("/console/login", "login.again")),
    )
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_in_the_console() {
        assert_eq!(
            safe_next(Some("/console/fund/partners?q=a")),
            "/console/fund/partners?q=a"
        );
        assert_eq!(safe_next(Some("/console")), "/console");
        for bad in [
            "https://evil.example/console",
            "//evil.example/console",
            "/console//evil",
            "/consolex",
            "/console/\\evil",
            "/login",
        ] {
            assert_eq!(safe_next(Some(bad)), "/console", "{bad}");
        }
        assert_eq!(safe_next(None), "/console");
    }
}
