//! The trace in the consoles (issue #8 point 5): a partner's administrators read their
//! partner's events, fund operators their fund's; filters, paging in SQL, CSV export.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::Duration;
use utoipa::IntoParams;

use super::auth::Caller;
use super::partners::seen_partner;
use super::register::seen_fund;
use super::review::{ChannelSink, download};
use super::{ApiError, ApiResult, internal, invalid_value, object};
use crate::account::Account;
use crate::account::login_id::LoginId;
use crate::audit::{self, Event, action};
use crate::authz::{At, Operation, decide};
use crate::fund::Fund;
use crate::partner::Partner;
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

/// The filters of a trace as typed, shared by the API and the console (which names the
/// account by login rather than by id).
#[derive(Debug, Clone, Default)]
pub(crate) struct Filters {
    /// Action, exact or a family ending with a dot.
    pub(crate) action: Option<String>,
    /// The actor's label.
    pub(crate) actor: Option<String>,
    /// Events by or about this account.
    pub(crate) account: Option<AccountRef>,
    /// First day, `YYYY-MM-DD`.
    pub(crate) from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub(crate) to: Option<String>,
}

/// An account named in a filter.
#[derive(Debug, Clone)]
pub(crate) enum AccountRef {
    /// By id (the API).
    Id(i64),
    /// By login (the console).
    Login(String),
}

/// A refused filter: the field it concerns (`action`, `account`, `from`, `to`) and why.
pub(crate) type FilterError = (&'static str, ApiError);

fn day(field: &'static str, s: Option<&str>) -> Result<Option<time::Date>, FilterError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let s = s.map(str::trim).filter(|s| !s.is_empty());
    s.map(|d| {
        time::Date::parse(d, format).map_err(|_| {
            (
                field,
                invalid_value(
                    "date.invalid",
                    format!("date {d:?} must be YYYY-MM-DD"),
                    format!("La date « {d} » doit être au format AAAA-MM-JJ."),
                ),
            )
        })
    })
    .transpose()
}

/// Whether `a` names a traced action or a family of them (`login.`).
pub(crate) fn known_action(a: &str) -> bool {
    action::ALL
        .iter()
        .any(|x| x.as_str() == a || (a.ends_with('.') && x.as_str().starts_with(a)))
}

/// The account a filter names, if it exists.
async fn named_account(app: &AppState, r: &AccountRef) -> ApiResult<Option<Account>> {
    match r {
        AccountRef::Id(id) => crate::authz::lookup::account(&app.db, *id)
            .await
            .map_err(|e| internal(&e)),
        AccountRef::Login(l) => match LoginId::parse(l.trim()) {
            Err(_) => Ok(None),
            Ok(login) => crate::authz::lookup::account_by_login(&app.db, &login)
                .await
                .map_err(|e| internal(&e)),
        },
    }
}

/// The query of a trace of fund `fund_id` (of one partner, when given) with the filters
/// `f`: every refused filter with its field. An account outside that scope is not found.
pub(crate) async fn event_query(
    app: &AppState,
    fund_id: i64,
    partner_id: Option<i64>,
    f: &Filters,
) -> Result<EventQuery, Vec<FilterError>> {
    let mut errors = Vec::new();
    let action = f.action.clone().filter(|a| !a.trim().is_empty());
    if let Some(a) = action.as_deref().filter(|a| !known_action(a)) {
        errors.push((
            "action",
            invalid_value(
                "trace.action",
                format!("{a:?} is neither a traced action nor a family such as login."),
                format!("« {a} » n'est ni une action tracée ni une famille comme « login. »."),
            ),
        ));
    }
    // Accounts are traced by id as actors and by login as targets. Within a partner's trace,
    // an account of the partner or of the fund's staff (who act on the partner).
    let named = f
        .account
        .as_ref()
        .filter(|r| !matches!(r, AccountRef::Login(l) if l.trim().is_empty()));
    let account = match named {
        None => None,
        Some(r) => {
            let found = named_account(app, r)
                .await
                .map_err(|e| vec![("account", e)])?
                .filter(|a| {
                    a.fund_id == fund_id
                        && (partner_id.is_none()
                            || a.partner_id.is_none()
                            || a.partner_id == partner_id)
                });
            match (found, r) {
                (Some(a), _) => Some((a.id, a.login.to_string())),
                (None, AccountRef::Login(l)) => {
                    errors.push((
                        "account",
                        invalid_value(
                            "trace.account",
                            format!("no account {l:?} here"),
                            format!("Aucun compte « {l} » ici."),
                        ),
                    ));
                    None
                }
                (None, AccountRef::Id(_)) => {
                    errors.push(("account", crate::web::WebError::NotFound.into()));
                    None
                }
            }
        }
    };
    let from = day("from", f.from.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = day("to", f.to.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        errors.push((
            "to",
            invalid_value(
                "trace.period",
                format!("the last day {b} is before the first day {a}"),
                format!("Le dernier jour ({b}) précède le premier ({a})."),
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(EventQuery {
        fund_id,
        partner_id,
        action,
        actor: f.actor.clone().filter(|a| !a.trim().is_empty()),
        account,
        from: from.map(|d| d.midnight().assume_utc()),
        to: to.map(|d| d.midnight().assume_utc() + Duration::days(1)),
        before_id: None,
    })
}

impl TraceQuery {
    fn filters(&self) -> Filters {
        Filters {
            action: self.action.clone(),
            actor: self.actor.clone(),
            account: self.account.map(AccountRef::Id),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    async fn query(
        &self,
        app: &AppState,
        fund_id: i64,
        partner_id: Option<i64>,
    ) -> ApiResult<EventQuery> {
        event_query(app, fund_id, partner_id, &self.filters())
            .await
            .map_err(|mut e| e.remove(0).1)
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
    export_csv_as(app, caller, &q.filters(), query, name).await
}

/// Streams the events `query` selects as CSV (at most [`CSV_MAX`]), after tracing the
/// download (`audit.export`, with its filters as typed): the API and the console.
pub(crate) async fn export_csv_as(
    app: &AppState,
    caller: &Caller,
    filters: &Filters,
    query: EventQuery,
    name: &str,
) -> Result<Response, ApiError> {
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
            "from": filters.from,
            "to": filters.to,
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
    Ok(download("text/csv; charset=utf-8", name, None, None, rx))
}

/// Partner `id` whose trace the caller may read (its principal and deputy administrators,
/// the fund's operators); else not found or forbidden, as the API answers.
pub(crate) async fn traced_partner(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(Partner, At)> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    decide(&caller.principal, &Operation::ViewTrace { at })?;
    Ok((partner, at))
}

/// Fund `id` whose trace the caller may read (its operators).
pub(crate) async fn traced_fund(app: &AppState, caller: &Caller, id: i64) -> ApiResult<Fund> {
    let fund = seen_fund(app, caller, id).await?;
    decide(&caller.principal, &Operation::ViewFund { fund_id: fund.id })?;
    Ok(fund)
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
    let (partner, _) = traced_partner(&app, &caller, id).await?;
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
    let fund = traced_fund(&app, &caller, id).await?;
    let query = q.query(&app, fund.id, q.partner).await?;
    let name = format!("trace-{}.csv", fund.code);
    answer(&app, &caller, &q, query, &name).await
}
