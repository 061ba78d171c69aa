//! The trace in the consoles (issue #8 point 5): a partner's administrators read their
//! partner's events, fund operators their fund's; filters, paging in SQL, CSV export.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::{Duration, OffsetDateTime};
use utoipa::IntoParams;

use super::auth::Caller;
use super::partners::seen_partner;
use super::register::seen_fund;
use super::review::{ChannelSink, download};
use super::{ApiError, ApiResult, internal, invalid_value, object};
use crate::audit::{self, Event, action};
use crate::authz::{Operation, decide};
use crate::state::AppState;
use crate::store::audit::EventQuery;

/// At most this many events in one CSV export.
const CSV_MAX: u64 = 200_000;

/// Filters of a trace query; `format=csv` downloads instead of a page.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct TraceQuery {
    /// Action, exact (`login.fail`) or a family ending with a dot (`login.`).
    action: Option<String>,
    /// The actor's label (a login).
    actor: Option<String>,
    /// Events by or about this account id.
    account: Option<i64>,
    /// First day (`YYYY-MM-DD`, UTC, inclusive).
    from: Option<String>,
    /// Last day (`YYYY-MM-DD`, UTC, inclusive).
    to: Option<String>,
    /// Only this partner (fund trace).
    partner: Option<i64>,
    /// Events to skip (default 0).
    offset: Option<u64>,
    /// Events to return (default 50, at most 500).
    limit: Option<u64>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

fn day(s: Option<&str>) -> ApiResult<Option<OffsetDateTime>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    s.map(|d| {
        time::Date::parse(d.trim(), format)
            .map(|d| d.midnight().assume_utc())
            .map_err(|_| {
                invalid_value(
                    "date.invalid",
                    format!("date {d:?} must be YYYY-MM-DD"),
                    format!("La date {d:?} doit être au format AAAA-MM-JJ."),
                )
            })
    })
    .transpose()
}

impl TraceQuery {
    async fn query(
        &self,
        app: &AppState,
        fund_id: i64,
        partner_id: Option<i64>,
    ) -> ApiResult<EventQuery> {
        // Accounts are traced by id as actors and by login as targets.
        let account = match self.account {
            None => None,
            Some(id) => {
                let a = crate::authz::lookup::account(&app.db, id)
                    .await
                    .map_err(|e| internal(&e))?
                    .filter(|a| a.fund_id == fund_id)
                    .ok_or(crate::web::WebError::NotFound)?;
                Some((a.id, a.login.to_string()))
            }
        };
        Ok(EventQuery {
            fund_id,
            partner_id,
            action: self.action.clone().filter(|a| !a.trim().is_empty()),
            actor: self.actor.clone().filter(|a| !a.trim().is_empty()),
            account,
            from: day(self.from.as_deref())?,
            to: day(self.to.as_deref())?.map(|t| t + Duration::days(1)),
            before_id: None,
        })
    }

    fn csv(&self) -> ApiResult<bool> {
        match self
            .format
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("json") => Ok(false),
            Some("csv") => Ok(true),
            Some(f) => Err(invalid_value(
                "trace.invalid_format",
                format!("format {f:?} must be json or csv"),
                "Le format doit être json ou csv.".into(),
            )),
        }
    }
}

async fn answer(
    app: &AppState,
    caller: &Caller,
    q: &TraceQuery,
    query: EventQuery,
    name: &str,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    if !q.csv()? {
        let page = audit::query::search(
            &app.db,
            &query,
            q.offset.unwrap_or(0),
            q.limit.unwrap_or(50),
        )
        .await
        .map_err(|e| internal(&e))?;
        return Ok(object(&page)?.into_response());
    }
    // Who exported what is itself traced.
    let now = app.clock.now();
    let tx = app.db.begin_write().await.map_err(|e| internal(&e))?;
    let mut ev = Event::new(action::AUDIT_EXPORT, &caller.principal.actor)
        .fund(query.fund_id)
        .details(serde_json::json!({
            "format": "csv",
            "action": query.action,
            "actor": query.actor,
            "account": query.account.as_ref().map(|(id, _)| *id),
            "from": q.from,
            "to": q.to,
        }));
    if let Some(p) = query.partner_id {
        ev = ev.partner(p);
    }
    audit::record(&tx, now, ev)
        .await
        .map_err(|e| internal(&e))?;
    tx.commit().await.map_err(|e| internal(&e))?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let db = app.db.clone();
    tokio::spawn(async move {
        let mut sink = ChannelSink(tx.clone());
        if let Err(e) = audit::query::write_csv(&db, &query, CSV_MAX, &mut sink).await {
            tracing::warn!(error = %e, "trace export interrupted");
            let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
        }
    });
    Ok(download("text/csv; charset=utf-8", name, None, rx))
}

/// A partner's trace (its principal and deputy administrators, and the fund), newest first.
#[utoipa::path(get, path = "/partners/{partner}/traces", tag = "traces",
    params(("partner" = i64, Path, description = "Partner id"), TraceQuery),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404)))]
pub(super) async fn partner_traces(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<TraceQuery>,
) -> Result<Response, ApiError> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewTrace { at })?;
    let query = q.query(&app, partner.fund_id, Some(partner.id)).await?;
    let name = format!("trace-{}.csv", partner.third_party_number);
    answer(&app, &caller, &q, query, &name).await
}

/// The fund's trace (fund operators), newest first; `partner` narrows to one partner.
#[utoipa::path(get, path = "/funds/{fund}/traces", tag = "traces",
    params(("fund" = i64, Path, description = "Fund id"), TraceQuery),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404)))]
pub(super) async fn fund_traces(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<TraceQuery>,
) -> Result<Response, ApiError> {
    let fund = seen_fund(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewFund { fund_id: fund.id })?;
    let query = q.query(&app, fund.id, q.partner).await?;
    let name = format!("trace-{}.csv", fund.code);
    answer(&app, &caller, &q, query, &name).await
}
