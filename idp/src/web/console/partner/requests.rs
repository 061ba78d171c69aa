//! `/console/partners/{p}/requests`: the partner's access requests and their status. In
//! centralised mode the fund decides: the grant form files a request instead of acting
//! (`habilitations::grant` with "file a request"), and this page follows it.

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;

use super::seen;
use crate::access_request::{self, AccessRequest, Payload, SubjectRef};
use crate::authz::{Operation, decide};
use crate::state::AppState;
use crate::web::api::ListQuery;
use crate::web::console::Console;
use crate::web::console::i18n::T;
use crate::web::console::page::{Frame, Pager, Shown, failed, render};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/console/partners/{p}/requests", get(list))
}

#[derive(Debug, Default, Deserialize)]
struct Filters {
    status: Option<String>,
    offset: Option<usize>,
}

/// A request as listed.
struct Line {
    id: i64,
    kind: &'static str,
    what: String,
    status: &'static str,
    status_label: &'static str,
    requested_at: String,
    decision: Option<String>,
}

fn what(r: &AccessRequest) -> String {
    match &r.payload {
        Payload::CreateAccount {
            given_name,
            family_name,
            ..
        } => format!("{given_name} {family_name}"),
        Payload::Grant(g) => {
            let who = match &g.subject {
                SubjectRef::Account(l) | SubjectRef::Group(l) => l,
            };
            format!("{} {} — {who}", g.service, g.role)
        }
        Payload::Withdraw { habilitation, .. } | Payload::Modify { habilitation, .. } => {
            format!("#{habilitation}")
        }
    }
}

#[derive(Template)]
#[template(path = "console/partner/requests.html")]
struct ListPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    status: String,
    lines: Vec<Line>,
    pager: Pager,
    summary: String,
}

async fn list(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<Filters>,
) -> Shown {
    let (partner, at) = seen(&app, &console, p).await?;
    decide(&console.caller.principal, &Operation::ViewPartner { at }).map_err(|d| failed(&d))?;
    let query = ListQuery {
        offset: q.offset,
        limit: None,
        status: q.status.clone().filter(|s| !s.is_empty()),
        q: None,
        role: None,
        group: None,
    };
    let filter = query.filter();
    let page = access_request::page_of_partner(&app.db, &partner, &filter)
        .await
        .map_err(|e| failed(&e))?;
    let status = q.status.unwrap_or_default();
    let pager = Pager::new(
        &format!("/console/partners/{p}/requests"),
        &[("status", &status)],
        usize::try_from(filter.offset).unwrap_or(0),
        usize::try_from(filter.limit).unwrap_or(50),
        page.items.len(),
        usize::try_from(page.total).unwrap_or(0),
    );
    let t = T::new(console.lang);
    let lines = page
        .items
        .iter()
        .map(|r| Line {
            id: r.id,
            kind: t.get(&format!("requests.kind.{}", r.payload.kind())),
            what: what(r),
            status: r.status.as_str(),
            status_label: t.get(&format!("requests.status.{}", r.status.as_str())),
            requested_at: r.requested_at.date().to_string(),
            decision: r.decision_reason.clone(),
        })
        .collect();
    let f = Frame::new(&console, &uri.0.to_string());
    let summary = pager.summary(f.tr);
    let page = ListPage {
        f,
        partner_id: p,
        partner: partner.name,
        status,
        lines,
        pager,
        summary,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}
