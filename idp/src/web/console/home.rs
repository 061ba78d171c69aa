//! `GET /console`: the home page — the person's roles, each with a link to its pages.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::Console;
use super::page::{Frame, Shown, render, role_key};
use crate::authz::{self, Role};
use crate::state::AppState;
use crate::web::api::internal;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(home))
        .route("/console/", get(home))
}

/// A role of the person, as shown.
struct RoleLine {
    key: &'static str,
    /// The fund's or the partner's name.
    of: String,
    href: String,
}

#[derive(Template)]
#[template(path = "console/home.html")]
struct HomePage {
    f: Frame,
    roles: Vec<RoleLine>,
}

async fn home(State(app): State<AppState>, console: Console, uri: OriginalUri) -> Shown {
    let mut roles = Vec::new();
    let fail = |e: &dyn std::fmt::Display| {
        axum::response::IntoResponse::into_response(internal(&e.to_string()))
    };
    for role in &console.caller.principal.roles {
        let line = match role {
            Role::FundOperator { fund_id } => {
                let fund = authz::lookup::fund(&app.db, *fund_id)
                    .await
                    .map_err(|e| fail(&e))?;
                RoleLine {
                    key: role_key(role),
                    of: fund.map(|f| f.name).unwrap_or_default(),
                    href: "/console/fund".to_owned(),
                }
            }
            Role::Administrator { partner_id, .. } | Role::DelegatedManager { partner_id, .. } => {
                let partner = authz::lookup::partner(&app.db, *partner_id)
                    .await
                    .map_err(|e| fail(&e))?;
                RoleLine {
                    key: role_key(role),
                    of: partner.map(|p| p.name).unwrap_or_default(),
                    href: format!("/console/partners/{partner_id}/accounts"),
                }
            }
        };
        roles.push(line);
    }
    let f = Frame::new(&console, &uri.0.to_string());
    Ok(render(StatusCode::OK, &HomePage { f, roles }, console.lang))
}
