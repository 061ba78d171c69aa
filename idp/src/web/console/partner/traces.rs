//! `/console/partners/{p}/traces`, `…/stats`, `…/dormant`: the partner's trace, its monthly
//! usage figures and its dormant accounts, for its principal and deputy administrators (and
//! the fund's operators) — `authz` operation `ViewTrace`: delegated managers and agents are
//! refused, another partner is not found (issue #8 points 5, 7, 8). The pages are the shared
//! ones of `console::{traces, usage}`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;
use crate::web::api::partners::fund_of;
use crate::web::api::traces::traced_partner;
use crate::web::console::Console;
use crate::web::console::page::Shown;
use crate::web::console::traces::{Place, TraceForm, trace_export, trace_page};
use crate::web::console::usage::{self, DormantForm, StatsForm};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/partners/{p}/traces", get(traces))
        .route("/console/partners/{p}/traces/export", get(traces_export))
        .route("/console/partners/{p}/stats", get(stats))
        .route("/console/partners/{p}/stats/export", get(stats_export))
        .route("/console/partners/{p}/dormant", get(dormant))
        .route(
            "/console/partners/{p}/dormant/disable",
            get(disable_form).post(disable),
        )
}

/// Partner `p` if the person may read its trace (the same decision as the admin API's).
async fn place(app: &AppState, console: &Console, p: i64) -> Result<Place, Response> {
    let (partner, _) = traced_partner(app, &console.caller, p)
        .await
        .map_err(IntoResponse::into_response)?;
    let fund = fund_of(app, &partner)
        .await
        .map_err(IntoResponse::into_response)?;
    Ok(Place {
        fund,
        partner: Some((
            partner.id,
            partner.third_party_number.as_str().to_owned(),
            partner.name,
        )),
        base: format!("/console/partners/{p}"),
        partners: None,
        funds: Vec::new(),
    })
}

async fn traces(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<TraceForm>,
) -> Shown {
    let place = place(&app, &console, p).await?;
    trace_page(&app, &console, &uri.0.to_string(), place, q).await
}

async fn traces_export(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<TraceForm>,
) -> Shown {
    let place = place(&app, &console, p).await?;
    trace_export(&app, &console, &uri.0.to_string(), place, q).await
}

async fn stats(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<StatsForm>,
) -> Shown {
    let place = place(&app, &console, p).await?;
    usage::stats_page(&app, &console, &uri.0.to_string(), place, q).await
}

async fn stats_export(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<StatsForm>,
) -> Shown {
    let place = place(&app, &console, p).await?;
    usage::stats_export(&app, &console, &uri.0.to_string(), place, q).await
}

async fn dormant(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<DormantForm>,
) -> Shown {
    let place = place(&app, &console, p).await?;
    usage::dormant_page(&app, &console, &uri.0.to_string(), place, q).await
}

async fn disable_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<DormantForm>,
) -> Shown {
    let place = place(&app, &console, p).await?;
    usage::disable_form(&app, &console, &uri.0.to_string(), place, q).await
}

async fn disable(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let place = place(&app, &console, p).await?;
    usage::disable(&app, &console, &uri.0.to_string(), place, &form).await
}
