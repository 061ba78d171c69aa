//! `GET /console/me`: the person's own account — identity, password and second factor,
//! current session, and the habilitations they hold today with their expiry (issue "Web
//! console" point 4). Changing the password is the provider's own page (`/account/password`).

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use time::{Date, Duration};

use super::Console;
use super::page::{Frame, Shown, render};
use crate::account::totp;
use crate::authz;
use crate::habilitation::{self, Subject};
use crate::service;
use crate::state::AppState;
use crate::web::api::internal;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/console/me", get(me))
}

/// One of the person's open login sessions.
struct OpenSession {
    since: String,
    last_seen: String,
    methods: String,
    /// The session of this page.
    this: bool,
}

/// A habilitation as the person sees it.
struct HeldLine {
    service: String,
    role: String,
    /// The group it comes through, if any.
    group: Option<String>,
    territory: Option<String>,
    from: Date,
    until: Option<Date>,
    /// Ends within 30 days.
    soon: bool,
}

#[derive(Template)]
#[template(path = "console/me.html")]
struct MePage {
    f: Frame,
    email: String,
    partner: Option<String>,
    totp: bool,
    recovery_left: u64,
    passkeys: u64,
    since: String,
    methods: String,
    sessions: Vec<OpenSession>,
    held: Vec<HeldLine>,
}

async fn me(State(app): State<AppState>, console: Console, uri: OriginalUri) -> Shown {
    let fail = |e: &dyn std::fmt::Display| internal(&e.to_string()).into_response();
    let account = &console.caller.account;
    let today = app.clock.now().date();
    let partner = match account.partner_id {
        Some(id) => authz::lookup::partner(&app.db, id)
            .await
            .map_err(|e| fail(&e))?
            .map(|p| p.name),
        None => None,
    };
    let second = totp::status(&app.db, account.id)
        .await
        .map_err(|e| fail(&e))?;
    let passkeys = crate::store::passkey::count_of(&app.db, account.id)
        .await
        .map_err(|e| fail(&e))?;
    let fund = authz::lookup::fund(&app.db, account.fund_id)
        .await
        .map_err(|e| fail(&e))?;
    let services = match &fund {
        Some(f) => service::list(&app.db, f).await.map_err(|e| fail(&e))?,
        None => Vec::new(),
    };
    let held = habilitation::of_account(&app.db, account, today)
        .await
        .map_err(|e| fail(&e))?;
    let mut lines = Vec::with_capacity(held.len());
    for h in held {
        let svc = services.iter().find(|s| s.code == h.service);
        let group = match h.subject {
            Subject::Group(g) => authz::lookup::group(&app.db, g)
                .await
                .map_err(|e| fail(&e))?
                .map(|g| g.name),
            Subject::Account(_) => None,
        };
        lines.push(HeldLine {
            service: svc.map_or_else(|| h.service.as_str().to_owned(), |s| s.name.clone()),
            role: svc
                .and_then(|s| s.role(h.role.as_str()))
                .map_or_else(|| h.role.as_str().to_owned(), |r| r.label.clone()),
            group,
            territory: h.territory.as_ref().map(ToString::to_string),
            from: h.valid_from,
            soon: h
                .valid_until
                .is_some_and(|u| u <= today + Duration::days(30)),
            until: h.valid_until,
        });
    }
    let rfc3339 = super::page::instant;
    let now = app.clock.now();
    let mut sessions: Vec<OpenSession> = crate::web::oidc::sessions(&app)
        .open_sessions(&app.db, account.id)
        .await
        .map_err(|e| fail(&e))?
        .into_iter()
        .filter(|s| s.is_live(now))
        .map(|s| OpenSession {
            since: rfc3339(s.authentication.auth_time),
            last_seen: rfc3339(s.last_seen_at),
            methods: s.authentication.amr.join(", "),
            this: s.id == console.session.id,
        })
        .collect();
    sessions.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
    let auth = &console.session.authentication;
    let page = MePage {
        f: Frame::new(&console, &uri.0.to_string()),
        email: account
            .email
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        partner,
        totp: second.totp,
        recovery_left: second.recovery_codes_left,
        passkeys,
        since: rfc3339(auth.auth_time),
        methods: auth.amr.join(", "),
        sessions,
        held: lines,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}
