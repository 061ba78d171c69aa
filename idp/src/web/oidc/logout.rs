//! `GET|POST /logout`: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). With an
//! `id_token_hint` naming the browser's current session, the session ends at once; otherwise
//! the person confirms on a page (CSRF-protected). `post_logout_redirect_uri` must be exactly
//! one the client registered, else nobody is redirected. Ending the session revokes its refresh
//! tokens and queues back-channel logout tokens for its clients.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::pages::{self, LogoutPage};
use super::{
    Peer, cookie, cookie_name, field, internal, pairs, see_other, session_cookie, sessions,
    set_cookie, source,
};
use crate::actor::Actor;
use crate::audit::Source;
use crate::oidc::client::{Client, ClientId};
use crate::oidc::grant::Session;
use crate::oidc::jwt::{self, Expected};
use crate::oidc::session::EndReason;
use crate::oidc::token::issuer;
use crate::secret::{self, Secret};
use crate::state::AppState;
use crate::store;
use crate::web::WebError;
use crate::web::i18n::Lang;

/// What the hint and parameters say, checked.
struct Request {
    client: Option<Client>,
    redirect: Option<String>,
    state: Option<String>,
    hint_sid: Option<String>,
}

fn bad(code: &'static str, en: &str, fr: &str) -> Response {
    WebError::BadRequest {
        code,
        message: en.to_owned(),
        message_fr: fr.to_owned(),
    }
    .into_response()
}

/// Reads `id_token_hint`, `client_id`, `post_logout_redirect_uri` and `state`.
async fn check(state: &AppState, p: &[(String, String)]) -> Result<Request, Response> {
    let now = state.clock.now();
    let mut client_id = field(p, "client_id").map(str::to_owned);
    let mut hint_sid = None;
    if let Some(hint) = field(p, "id_token_hint") {
        let keys = state
            .keys
            .get(&state.db, now)
            .await
            .map_err(|e| internal(&e))?;
        // The hint may have expired (the spec allows it): its signature and issuer are what
        // matter, so it is checked as of its own issue time.
        let iat = unverified_iat(hint).unwrap_or(0);
        let at = time::OffsetDateTime::from_unix_timestamp(iat).unwrap_or(now);
        let iss = issuer(&state.config);
        let expected = Expected {
            issuer: &iss,
            audience: "",
            token_type: None,
            now: at.min(now),
        };
        let Ok(claims) = jwt::verify_any_audience(&keys, hint, &expected) else {
            return Err(bad(
                "logout.hint_invalid",
                "The logout request carries an invalid id_token_hint.",
                "La demande de déconnexion porte un id_token_hint invalide.",
            ));
        };
        let aud = match &claims.aud {
            jwt::Audience::One(a) => Some(a.clone()),
            jwt::Audience::Many(v) => v.first().cloned(),
        };
        if client_id.is_some() && client_id != aud {
            return Err(bad(
                "logout.client_mismatch",
                "client_id does not match the id_token_hint.",
                "client_id ne correspond pas à l'id_token_hint.",
            ));
        }
        client_id = aud;
        hint_sid = claims
            .extra
            .get("sid")
            .and_then(|s| s.as_str())
            .map(str::to_owned);
    }
    let client = match client_id.as_deref().map(ClientId::parse) {
        Some(Ok(id)) => store::client::by_client_id(&state.db, &id)
            .await
            .map_err(|e| internal(&e))?,
        _ => None,
    };
    let redirect = match field(p, "post_logout_redirect_uri") {
        Some(uri) => match &client {
            Some(c) if c.is_post_logout_redirect_uri_registered(uri) => Some(uri.to_owned()),
            _ => {
                return Err(bad(
                    "logout.redirect_uri_invalid",
                    "The address to return to after logout is not registered for this \
                     application.",
                    "L'adresse de retour après déconnexion n'est pas enregistrée pour cette \
                     application.",
                ));
            }
        },
        None => None,
    };
    Ok(Request {
        client,
        redirect,
        state: field(p, "state").map(str::to_owned),
        hint_sid,
    })
}

fn unverified_iat(jwt: &str) -> Option<i64> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("iat")?
        .as_i64()
}

/// The CSRF token of the confirmation form: derived from the session cookie, which a forging
/// site cannot read.
fn csrf_of(cookie: &str) -> String {
    secret::token_hash(&format!("logout:{cookie}"))
}

async fn current(state: &AppState, headers: &HeaderMap) -> Option<(String, Session)> {
    let c = cookie(headers, &cookie_name(state, session_cookie(state)))?;
    let s = sessions(state)
        .peek(&state.db, state.clock.now(), &secret::token_hash(c))
        .await
        .ok()??;
    Some((c.to_owned(), s))
}

async fn finish(
    state: &AppState,
    src: &Source,
    session: Option<&Session>,
    req: &Request,
    lang: Lang,
) -> Response {
    if let Some(s) = session {
        let actor = match store::account::by_id(&state.db, s.account_id).await {
            Ok(Some(a)) => Actor::Account {
                id: a.id,
                login: a.login.to_string(),
            },
            _ => Actor::Anonymous,
        };
        let now = state.clock.now();
        if let Err(e) = sessions(state)
            .end(&state.db, now, &actor, src, s, EndReason::Logout)
            .await
        {
            return internal(&e);
        }
    }
    let mut r = match &req.redirect {
        Some(uri) => match url::Url::parse(uri) {
            Ok(mut u) => {
                if let Some(st) = &req.state {
                    u.query_pairs_mut().append_pair("state", st);
                }
                see_other(u.as_str())
            }
            Err(_) => internal(&"registered URI does not parse"),
        },
        None => pages::render(
            StatusCode::OK,
            &LogoutPage {
                t: lang.texts(),
                other_lang_href: format!("/logout?lang={}", lang.other().code()),
                confirm: false,
                csrf: "",
                post_logout_redirect_uri: None,
                state: None,
                client_id: None,
            },
            lang,
        ),
    };
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, session_cookie(state), "", Some(0)),
    );
    r
}

/// `GET /logout`
pub(super) async fn get(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let src = source(&peer, &headers);
    let p = pairs(q.unwrap_or_default().as_bytes());
    let lang = Lang::pick(field(&p, "lang"))
        .or_else(|| Lang::pick(field(&p, "ui_locales")))
        .or_else(|| Lang::pick(cookie(&headers, "habilis_lang")))
        .unwrap_or(Lang::Fr);
    let req = match check(&state, &p).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some((cookie_value, session)) = current(&state, &headers).await else {
        return finish(&state, &src, None, &req, lang).await;
    };
    if req.hint_sid.as_deref() == Some(session.id.as_str()) {
        return finish(&state, &src, Some(&session), &req, lang).await;
    }
    let csrf = csrf_of(&cookie_value);
    let page = pages::render(
        StatusCode::OK,
        &LogoutPage {
            t: lang.texts(),
            other_lang_href: format!("/logout?lang={}", lang.other().code()),
            confirm: true,
            csrf: &csrf,
            post_logout_redirect_uri: req.redirect.as_deref(),
            state: req.state.as_deref(),
            client_id: req.client.as_ref().map(|c| c.client_id.as_str()),
        },
        lang,
    );
    // The confirmation is answered with the redirect to the registered post-logout URI.
    match req.redirect.as_deref() {
        Some(uri) => pages::allowing_redirect_to(page, uri),
        None => page,
    }
}

/// `POST /logout`: the confirmation.
pub(super) async fn post(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let src = source(&peer, &headers);
    let p = pairs(&body);
    let lang = Lang::pick(field(&p, "lang")).unwrap_or(Lang::Fr);
    let req = match check(&state, &p).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some((cookie_value, session)) = current(&state, &headers).await else {
        return finish(&state, &src, None, &req, lang).await;
    };
    let sent = Secret::new(field(&p, "csrf").unwrap_or(""));
    if !sent.ct_eq(&csrf_of(&cookie_value)) {
        return bad(
            "logout.csrf",
            "This form was not sent from Habilis's logout page.",
            "Ce formulaire n'a pas été envoyé depuis la page de déconnexion de Habilis.",
        );
    }
    finish(&state, &src, Some(&session), &req, lang).await
}
