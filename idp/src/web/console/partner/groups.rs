//! `/console/partners/{p}/groups`: the partner's groups — list (search in SQL), creation, and
//! one group's page with its members (add by login, remove) and the habilitations the group
//! holds. Adding a member checks the quota of every role the group holds; removing one ends
//! what the person held through the group.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Held, held_lines, seen};
use crate::account::Account;
use crate::authz::{Operation, decide};
use crate::group::{self, Group};
use crate::habilitation::Subject;
use crate::partner::Partner;
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::ListQuery;
use crate::web::api::manage::{
    NewGroupBody, add_member_as, create_group_as, remove_member_as, seen_group,
};
use crate::web::console::Console;
use crate::web::console::i18n::T;
use crate::web::console::page::{FieldError, Frame, Pager, Shown, failed, refusal, render};
use crate::web::oidc::field;

pub(super) fn routes() -> Router<AppState> {
    let g = "/console/partners/{p}/groups";
    Router::new()
        .route(g, get(list).post(create))
        .route(&format!("{g}/{{g}}"), get(show))
        .route(&format!("{g}/{{g}}/members"), post(add))
        .route(&format!("{g}/{{g}}/members/{{a}}/remove"), post(remove))
}

#[derive(Debug, Default, Deserialize)]
struct Filters {
    q: Option<String>,
    offset: Option<usize>,
}

#[derive(Template)]
#[template(path = "console/partner/groups.html")]
struct ListPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    q: String,
    groups: Vec<Group>,
    pager: Pager,
    summary: String,
    name: String,
    description: String,
}

async fn list_page(
    app: &AppState,
    console: &Console,
    path: &str,
    p: i64,
    q: Filters,
    typed: (String, String),
    errors: Vec<FieldError>,
) -> Shown {
    let (partner, at) = seen(app, console, p).await?;
    decide(&console.caller.principal, &Operation::ViewPartner { at }).map_err(|d| failed(&d))?;
    let query = ListQuery {
        offset: q.offset,
        limit: None,
        status: None,
        q: q.q.clone().filter(|s| !s.is_empty()),
        role: None,
        group: None,
    };
    let filter = query.filter();
    let page = group::page_of_partner(&app.db, &partner, &filter)
        .await
        .map_err(|e| failed(&e))?;
    let q_ = q.q.unwrap_or_default();
    let pager = Pager::new(
        &format!("/console/partners/{p}/groups"),
        &[("q", &q_)],
        usize::try_from(filter.offset).unwrap_or(0),
        usize::try_from(filter.limit).unwrap_or(50),
        page.items.len(),
        usize::try_from(page.total).unwrap_or(0),
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let f = Frame::new(console, path).with_errors(errors);
    let summary = pager.summary(f.tr);
    let page = ListPage {
        f,
        partner_id: p,
        partner: partner.name,
        q: q_,
        groups: page.items,
        pager,
        summary,
        name: typed.0,
        description: typed.1,
    };
    Ok(render(status, &page, console.lang))
}

async fn list(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<Filters>,
) -> Shown {
    let path = uri.0.to_string();
    list_page(&app, &console, &path, p, q, Default::default(), Vec::new()).await
}

async fn create(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    seen(&app, &console, p).await?;
    let name = field(&form, "name").unwrap_or("").trim().to_owned();
    let description = field(&form, "description").unwrap_or("").trim().to_owned();
    let t = T::new(console.lang);
    let error = if name.is_empty() {
        FieldError::new("name", t.get("groups.name.required"))
    } else {
        let body = NewGroupBody {
            name: name.clone(),
            description: (!description.is_empty()).then(|| description.clone()),
        };
        match create_group_as(&app, &console.caller, p, body).await {
            Ok(g) => {
                return Ok(Redirect::to(&format!(
                    "/console/partners/{p}/groups/{}?done=done.group.created",
                    g.id
                ))
                .into_response());
            }
            Err(e) => refusal(e, console.lang, "name")?,
        }
    };
    let path = uri.0.to_string();
    let typed = (name, description);
    list_page(
        &app,
        &console,
        &path,
        p,
        Filters::default(),
        typed,
        vec![error],
    )
    .await
}

#[derive(Template)]
#[template(path = "console/partner/group.html")]
struct GroupPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    group: Group,
    members: Vec<Account>,
    held: Vec<Held>,
    login: String,
}

/// Group `g` of partner `p`; another partner's is not found.
async fn the_group(
    app: &AppState,
    console: &Console,
    p: i64,
    g: i64,
) -> Result<(Group, Partner), Response> {
    let (group, partner, at) = seen_group(app, &console.caller, g)
        .await
        .map_err(IntoResponse::into_response)?;
    if partner.id != p {
        return Err(WebError::NotFound.into_response());
    }
    decide(&console.caller.principal, &Operation::ViewPartner { at }).map_err(|d| failed(&d))?;
    Ok((group, partner))
}

async fn group_page(
    app: &AppState,
    console: &Console,
    path: &str,
    p: i64,
    g: i64,
    login: String,
    errors: Vec<FieldError>,
) -> Shown {
    let (group, partner) = the_group(app, console, p, g).await?;
    let members = group::members(&app.db, &group)
        .await
        .map_err(|e| failed(&e))?;
    let all = crate::habilitation::list_of_partner(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let mine = all
        .into_iter()
        .filter(|h| h.subject == Subject::Group(group.id))
        .collect();
    let held = held_lines(app, &partner, mine, app.clock.now().date()).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = GroupPage {
        f: Frame::new(console, path).with_errors(errors),
        partner_id: p,
        partner: partner.name,
        group,
        members,
        held,
        login,
    };
    Ok(render(status, &page, console.lang))
}

async fn show(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, g)): Path<(i64, i64)>,
) -> Shown {
    let path = uri.0.to_string();
    group_page(&app, &console, &path, p, g, String::new(), Vec::new()).await
}

async fn add(
    State(app): State<AppState>,
    console: Console,
    Path((p, g)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    the_group(&app, &console, p, g).await?;
    let login = field(&form, "login").unwrap_or("").trim().to_owned();
    let path = format!("/console/partners/{p}/groups/{g}");
    let t = T::new(console.lang);
    let error = if login.is_empty() {
        FieldError::new("login", t.get("groups.login.required"))
    } else {
        match add_member_as(&app, &console.caller, g, &login).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("{path}?done=done.group.added")).into_response());
            }
            // The group is seen: what is not found is the login typed.
            Err(crate::web::api::ApiError::Web(WebError::NotFound)) => {
                FieldError::new("login", t.get("hab.account.unknown"))
            }
            Err(e) => refusal(e, console.lang, "login")?,
        }
    };
    group_page(&app, &console, &path, p, g, login, vec![error]).await
}

async fn remove(
    State(app): State<AppState>,
    console: Console,
    Path((p, g, a)): Path<(i64, i64, i64)>,
    body: Bytes,
) -> Shown {
    console.form(&body)?;
    the_group(&app, &console, p, g).await?;
    remove_member_as(&app, &console.caller, g, a)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(Redirect::to(&format!(
        "/console/partners/{p}/groups/{g}?done=done.group.removed"
    ))
    .into_response())
}
