//! `GET|POST /account/passkeys`: a logged-in person's passkeys (issue #4 point 6): the list
//! (name, synced or device-bound, added, last used), rename, remove, and add one — the
//! registration options come with the page, their state waits in the database bound to the
//! session, and `/assets/passkeys.js` posts the authenticator's answer.
//!
//! Authenticated by the session cookie like `/account/password` (401 without it); every form
//! carries a CSRF token derived from that cookie. The account is always the session's: a
//! passkey id of another account is "not found", whatever the id typed.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use time::OffsetDateTime;
use time::macros::format_description;

use super::super::pages::{self, PasskeyRow, PasskeysPage};
use super::super::{Peer, field, internal, pairs, see_other, source};
use super::passkey::{said, status_of};
use super::self_service::{csrf_of, current, lang_of, login_required_at};
use crate::account::passkey::{self, Binding, KeyKind, PasskeyError};
use crate::account::{Account, passkey::PasskeyInfo};
use crate::error::{ErrorKind, UserError};
use crate::oidc::grant::Session;
use crate::secret::Secret;
use crate::state::AppState;
use crate::store;
use crate::web::i18n::Lang;

const PATH: &str = "/account/passkeys";
const PURPOSE: &str = "account-passkeys";

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(show).post(send))
}

fn href(lang: Lang) -> String {
    format!("{PATH}?lang={}", lang.code())
}

fn when(t: OffsetDateTime) -> String {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&f).unwrap_or_default()
}

fn row(k: &PasskeyInfo, lang: Lang) -> PasskeyRow {
    let pk = lang.texts().pk;
    PasskeyRow {
        id: k.id,
        label: k.label.clone(),
        kind: match k.kind {
            KeyKind::Software => pk.kind_synced,
            KeyKind::Hardware => pk.kind_device,
        },
        added: when(k.created_at),
        used: k.last_used_at.map_or_else(|| pk.never.to_owned(), when),
    }
}

/// What a page shows besides the list.
struct Shown {
    status: StatusCode,
    error: Option<String>,
    notice: Option<&'static str>,
}

async fn render(
    state: &AppState,
    cookie_value: &str,
    session: &Session,
    lang: Lang,
    shown: Shown,
) -> Response {
    let account = match store::account::by_id(&state.db, session.account_id).await {
        Ok(Some(a)) => a,
        Ok(None) => return login_required_at(lang, href(lang.other()), lang.texts().pk.page_title),
        Err(e) => return internal(&e),
    };
    let keys = match passkey::list(&state.db, &account).await {
        Ok(k) => k,
        Err(e) => return internal(&e),
    };
    let t = lang.texts();
    let (options, unavailable) = if passkey::available(&state.creds) {
        let now = state.clock.now();
        let binding = Binding::Session(&session.id);
        match passkey::begin_registration(&state.creds, &state.db, now, &account, binding).await {
            Ok(o) => (Some(o.to_string()), String::new()),
            Err(e) if e.kind() == ErrorKind::Internal => return internal(&e),
            Err(e) => (None, said(&e, lang)),
        }
    } else {
        (None, t.pk.unavailable.to_owned())
    };
    let csrf = csrf_of(PURPOSE, cookie_value);
    pages::render(
        shown.status,
        &PasskeysPage {
            t,
            other_lang_href: href(lang.other()),
            login: account.login.as_str(),
            csrf: &csrf,
            keys: keys.iter().map(|k| row(k, lang)).collect(),
            options,
            unavailable,
            error: shown.error,
            notice: shown.notice,
        },
        lang,
    )
}

/// `GET /account/passkeys` (`done=added|renamed|removed` after a change).
async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let p = pairs(q.unwrap_or_default().as_bytes());
    let lang = lang_of(&headers, &p);
    let pk = lang.texts().pk;
    let notice = match field(&p, "done") {
        Some("added") => Some(pk.added),
        Some("renamed") => Some(pk.renamed),
        Some("removed") => Some(pk.removed),
        _ => None,
    };
    match current(&state, &headers).await {
        Ok(Some((c, s))) => {
            let shown = Shown {
                status: StatusCode::OK,
                error: None,
                notice,
            };
            render(&state, &c, &s, lang, shown).await
        }
        Ok(None) => login_required_at(lang, href(lang.other()), pk.page_title),
        Err(r) => r,
    }
}

/// Carries out one form of the page.
async fn apply(
    state: &AppState,
    src: &crate::audit::Source,
    account: &Account,
    session: &Session,
    p: &[(String, String)],
) -> Result<&'static str, PasskeyError> {
    let now = state.clock.now();
    let (db, creds) = (&state.db, &state.creds);
    let id = || {
        field(p, "id")
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or(PasskeyError::NotFound)
    };
    let label = field(p, "label").unwrap_or("");
    match field(p, "action") {
        Some("add") => {
            let answer = field(p, "response").unwrap_or("");
            let binding = Binding::Session(&session.id);
            passkey::finish_registration(creds, db, now, src, account, binding, answer, label)
                .await?;
            Ok("added")
        }
        Some("rename") => {
            passkey::rename(db, now, src, account, id()?, label).await?;
            Ok("renamed")
        }
        Some("remove") => {
            passkey::remove(db, now, src, account, id()?).await?;
            Ok("removed")
        }
        _ => Err(PasskeyError::Malformed),
    }
}

/// `POST /account/passkeys`: `action` = `add` (with `response` and `label`), `rename` (`id`,
/// `label`) or `remove` (`id`); then back to the list (303), or the list with the refusal.
async fn send(
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
        Ok(None) => {
            return login_required_at(lang, href(lang.other()), lang.texts().pk.page_title);
        }
        Err(r) => return r,
    };
    if !Secret::new(field(&p, "csrf").unwrap_or("")).ct_eq(&csrf_of(PURPOSE, &c)) {
        let shown = Shown {
            status: StatusCode::BAD_REQUEST,
            error: Some(lang.texts().forged_form.to_owned()),
            notice: None,
        };
        return render(&state, &c, &session, lang, shown).await;
    }
    let account = match store::account::by_id(&state.db, session.account_id).await {
        Ok(Some(a)) => a,
        Ok(None) => {
            return login_required_at(lang, href(lang.other()), lang.texts().pk.page_title);
        }
        Err(e) => return internal(&e),
    };
    match apply(&state, &src, &account, &session, &p).await {
        Ok(done) => see_other(&format!("{}&done={done}", href(lang))),
        Err(e) if e.kind() == ErrorKind::Internal => internal(&e),
        Err(e) => {
            let shown = Shown {
                status: status_of(e.kind()),
                error: Some(said(&e, lang)),
                notice: None,
            };
            render(&state, &c, &session, lang, shown).await
        }
    }
}
