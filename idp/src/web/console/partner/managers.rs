//! `/console/partners/{p}/managers`: the delegated managers and their scopes; appointing one
//! (scope: services, roles, groups, units — nothing ticked means all of the partner's; may
//! appoint in turn) and revoking one with a reason after a confirmation. A manager appoints
//! only within their own scope (`authz::decide`, as in the admin API).

use std::collections::BTreeSet;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::{Confirm, seen};
use crate::authz::{Operation, decide};
use crate::delegation::{self, Manager};
use crate::group::Group;
use crate::partner::{Partner, Unit};
use crate::service::Service;
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::manage::{ManagerBody, ScopeBody, appoint_manager_as, revoke_manager_as};
use crate::web::console::Console;
use crate::web::console::i18n::T;
use crate::web::console::page::{FieldError, Frame, Shown, failed, refusal, render};
use crate::web::oidc::field;

pub(super) fn routes() -> Router<AppState> {
    let m = "/console/partners/{p}/managers";
    Router::new().route(m, get(list).post(appoint)).route(
        &format!("{m}/{{m}}/revoke"),
        get(confirm_revoke).post(revoke),
    )
}

/// What a scope may name: the fund's services and their roles, the partner's groups and units.
struct Choices {
    services: Vec<Service>,
    groups: Vec<Group>,
    units: Vec<Unit>,
}

async fn choices(app: &AppState, partner: &Partner) -> Result<Choices, Response> {
    let fund = crate::web::api::partners::fund_of(app, partner)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(Choices {
        services: crate::service::list(&app.db, &fund)
            .await
            .map_err(|e| failed(&e))?,
        groups: crate::group::list_of_partner(&app.db, partner)
            .await
            .map_err(|e| failed(&e))?,
        units: crate::partner::units(&app.db, partner)
            .await
            .map_err(|e| failed(&e))?,
    })
}

/// A manager as listed: the scope in words.
struct Line {
    id: i64,
    account_id: i64,
    name: String,
    login: String,
    services: String,
    roles: String,
    groups: String,
    units: String,
    may_delegate: bool,
    since: String,
}

fn names(ids: Option<&BTreeSet<i64>>, all: &str, name: impl Fn(i64) -> Option<String>) -> String {
    match ids {
        None => all.to_owned(),
        Some(ids) => ids
            .iter()
            .map(|id| name(*id).unwrap_or_else(|| id.to_string()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn line(m: &Manager, c: &Choices, t: T) -> Line {
    let all = t.get("managers.scope.all");
    let s = &m.scope;
    Line {
        id: m.id,
        account_id: m.account.id,
        name: format!("{} {}", m.account.given_name, m.account.family_name),
        login: m.account.login.to_string(),
        services: names(s.services.as_ref(), all, |id| {
            c.services
                .iter()
                .find(|x| x.id == id)
                .map(|x| x.name.clone())
        }),
        roles: names(s.roles.as_ref(), all, |id| {
            c.services
                .iter()
                .flat_map(|x| x.roles.iter())
                .find(|r| r.id == id)
                .map(|r| format!("{} {}", r.code, r.label))
        }),
        groups: names(s.groups.as_ref(), all, |id| {
            c.groups.iter().find(|x| x.id == id).map(|x| x.name.clone())
        }),
        units: names(s.units.as_ref(), all, |id| {
            c.units.iter().find(|x| x.id == id).map(|x| x.name.clone())
        }),
        may_delegate: m.may_delegate,
        since: m.since.date().to_string(),
    }
}

#[derive(Template)]
#[template(path = "console/partner/managers.html")]
struct ListPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    managers: Vec<Line>,
    choices: Choices,
    login: String,
    ticked: BTreeSet<String>,
}

impl ListPage {
    fn ticked(&self, name: &str, id: impl std::borrow::Borrow<i64>) -> bool {
        self.ticked.contains(&format!("{name}:{}", id.borrow()))
    }
}

async fn list_page(
    app: &AppState,
    console: &Console,
    path: &str,
    p: i64,
    typed: (String, BTreeSet<String>),
    errors: Vec<FieldError>,
) -> Shown {
    let (partner, at) = seen(app, console, p).await?;
    decide(&console.caller.principal, &Operation::ViewPartner { at }).map_err(|d| failed(&d))?;
    let all = delegation::managers(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let choices = choices(app, &partner).await?;
    let t = T::new(console.lang);
    let managers = all.iter().map(|m| line(m, &choices, t)).collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ListPage {
        f: Frame::new(console, path).with_errors(errors),
        partner_id: p,
        partner: partner.name,
        managers,
        choices,
        login: typed.0,
        ticked: typed.1,
    };
    Ok(render(status, &page, console.lang))
}

async fn list(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
) -> Shown {
    let path = uri.0.to_string();
    list_page(&app, &console, &path, p, Default::default(), Vec::new()).await
}

/// The ids ticked for `name`; none ticked means "all" (no restriction).
fn ticked_ids(form: &[(String, String)], name: &str) -> Option<Vec<i64>> {
    let ids: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == name)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    (!ids.is_empty()).then_some(ids)
}

async fn appoint(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    seen(&app, &console, p).await?;
    let login = field(&form, "login").unwrap_or("").trim().to_owned();
    let ticked: BTreeSet<String> = form
        .iter()
        .filter(|(k, _)| ["services", "roles", "groups", "units"].contains(&k.as_str()))
        .map(|(k, v)| format!("{k}:{}", v.trim()))
        .collect();
    let t = T::new(console.lang);
    let error = if login.is_empty() {
        FieldError::new("login", t.get("managers.login.required"))
    } else {
        let body = ManagerBody {
            login: login.clone(),
            scope: ScopeBody {
                services: ticked_ids(&form, "services"),
                roles: ticked_ids(&form, "roles"),
                groups: ticked_ids(&form, "groups"),
                units: ticked_ids(&form, "units"),
            },
            may_delegate: field(&form, "may_delegate") == Some("yes"),
        };
        match appoint_manager_as(&app, &console.caller, p, body).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!(
                    "/console/partners/{p}/managers?done=done.manager.appointed"
                ))
                .into_response());
            }
            Err(crate::web::api::ApiError::Web(WebError::NotFound)) => {
                FieldError::new("login", t.get("hab.account.unknown"))
            }
            Err(e) => refusal(e, console.lang, "login")?,
        }
    };
    let path = uri.0.to_string();
    list_page(&app, &console, &path, p, (login, ticked), vec![error]).await
}

/// Manager `m` of partner `p`; another partner's is not found.
async fn the_manager(
    app: &AppState,
    console: &Console,
    p: i64,
    m: i64,
) -> Result<Manager, Response> {
    let (partner, _) = seen(app, console, p).await?;
    delegation::find_manager(&app.db, &partner, m)
        .await
        .map_err(|e| failed(&e))
}

fn revoke_confirm(console: &Console, path: &str, p: i64, m: &Manager) -> Confirm {
    let f = Frame::new(console, path);
    Confirm {
        title: f.t("managers.revoke"),
        intro: f.t("managers.revoke.intro"),
        button: f.t("managers.revoke"),
        f,
        subject: format!(
            "{} {} ({})",
            m.account.given_name, m.account.family_name, m.account.login
        ),
        action: format!("/console/partners/{p}/managers/{}/revoke", m.id),
        back: format!("/console/partners/{p}/managers"),
        ask_reason: true,
        reason: String::new(),
        danger: true,
    }
}

async fn confirm_revoke(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, m)): Path<(i64, i64)>,
) -> Shown {
    let manager = the_manager(&app, &console, p, m).await?;
    let page = revoke_confirm(&console, &uri.0.to_string(), p, &manager);
    Ok(render(StatusCode::OK, &page, console.lang))
}

async fn revoke(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, m)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let manager = the_manager(&app, &console, p, m).await?;
    let reason = field(&form, "reason").unwrap_or("").trim().to_owned();
    let t = T::new(console.lang);
    let error = if reason.is_empty() {
        FieldError::new("reason", t.get("reason.required"))
    } else {
        match revoke_manager_as(&app, &console.caller, m, &reason).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!(
                    "/console/partners/{p}/managers?done=done.manager.revoked"
                ))
                .into_response());
            }
            Err(e) => refusal(e, console.lang, "reason")?,
        }
    };
    let mut page = revoke_confirm(&console, &uri.0.to_string(), p, &manager);
    page.f = page.f.with_errors(vec![error]);
    page.reason = reason;
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
        console.lang,
    ))
}
