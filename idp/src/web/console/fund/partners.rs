//! `/console/fund/partners`: the partners of the funds the person operates, searchable by name
//! or third-party number and by status; a partner's page (identity, units, conventions,
//! administrators), its creation and edition, its units, its suspension and reactivation, and
//! the designation of its principal and deputy administrators.

mod detail;

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;

use crate::authz;
use crate::partner::{self, Partner};
use crate::state::AppState;
use crate::web::console::Console;
use crate::web::console::page::{Frame, Pager, Shown, failed, render};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/fund/partners", get(list))
        .merge(detail::routes())
}

#[derive(Debug, Default, Deserialize)]
struct Filters {
    q: Option<String>,
    status: Option<String>,
    offset: Option<usize>,
}

#[derive(Template)]
#[template(path = "console/fund/partners.html")]
struct ListPage {
    f: Frame,
    q: String,
    status: String,
    partners: Vec<Partner>,
    pager: Pager,
    summary: String,
}

/// Rows per page.
const PAGE: usize = 50;

async fn list(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Query(q): Query<Filters>,
) -> Shown {
    let funds = console.caller.principal.operated_funds();
    if funds.is_empty() {
        return Err(failed(&authz::Denied::Forbidden(
            "only fund operators see this page",
        )));
    }
    let mut all = Vec::new();
    for fund_id in funds {
        if let Some(fund) = authz::lookup::fund(&app.db, fund_id)
            .await
            .map_err(|e| failed(&e))?
        {
            all.extend(
                partner::list(&app.db, &fund)
                    .await
                    .map_err(|e| failed(&e))?,
            );
        }
    }
    let text = q.q.as_deref().unwrap_or("").trim().to_lowercase();
    let status = q.status.clone().unwrap_or_default();
    all.retain(|p| {
        (status.is_empty() || p.status.as_str() == status)
            && (text.is_empty()
                || p.name.to_lowercase().contains(&text)
                || p.third_party_number
                    .to_string()
                    .to_lowercase()
                    .contains(&text))
    });
    all.sort_by_key(|a| a.name.to_lowercase());
    let total = all.len();
    let offset = q.offset.unwrap_or(0).min(total);
    let shown: Vec<Partner> = all.into_iter().skip(offset).take(PAGE).collect();
    let q_ = q.q.unwrap_or_default();
    let pager = Pager::new(
        "/console/fund/partners",
        &[("q", &q_), ("status", &status)],
        offset,
        PAGE,
        shown.len(),
        total,
    );
    let f = Frame::new(&console, &uri.0.to_string());
    let summary = pager.summary(f.tr);
    let page = ListPage {
        f,
        q: q_,
        status,
        partners: shown,
        pager,
        summary,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}
