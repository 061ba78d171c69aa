//! What the fund's and the partner's usage pages share: the monthly usage figures of the last
//! twelve months with their server-side SVG chart and CSV (issue #8 point 7, from
//! `stats::export`, the CLI's data), and the dormant-access report with its disabling (point
//! 8, `dormant::report` and `web::api::dormant::disable_dormant_as`).

use std::collections::HashMap;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Console;
use super::i18n::T;
use super::page::{FieldError, Frame, Shown, failed, instant, refusal, render};
use super::traces::Place;
use crate::account::AccountStatus;
use crate::dormant::{self, DEFAULT_MONTHS, DormantAccount, MAX_MONTHS};
use crate::state::AppState;
use crate::stats::{self, Counts, UsageRow};
use crate::web::api::dormant::disable_dormant_as;

/// Months shown on the statistics page.
const MONTHS: u32 = 12;

/// The service chosen on the statistics page (its code; none: every service).
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct StatsForm {
    service: Option<String>,
}

/// One month of the table.
pub(crate) struct MonthLine {
    month: String,
    counts: Counts,
}

#[derive(Template)]
#[template(path = "console/stats.html")]
struct StatsPage {
    f: Frame,
    place: Place,
    /// The fund's services: code, name.
    services: Vec<(String, String)>,
    service: String,
    chart: String,
    lines: Vec<MonthLine>,
    csv: String,
}

/// The selection's rows of the fund's figures: the partner's (or every partner's) and the
/// service's (or every service's), at every level.
fn selected<'a>(
    rows: &'a [UsageRow],
    place: &Place,
    service: Option<&str>,
) -> impl Iterator<Item = &'a UsageRow> {
    let partner = place.partner.as_ref().map(|(_, number, _)| number.clone());
    let service = service.map(str::to_owned);
    rows.iter().filter(move |r| {
        (partner.is_none() || r.partner == partner) && (service.is_none() || r.service == service)
    })
}

/// The chosen service, if it is one of the fund's (else the refusal next to the field).
async fn service_of(
    app: &AppState,
    place: &Place,
    q: &StatsForm,
    tr: T,
) -> Result<(Vec<(String, String)>, Result<Option<String>, FieldError>), Response> {
    let services: Vec<(String, String)> = crate::service::list(&app.db, &place.fund)
        .await
        .map_err(|e| failed(&e))?
        .into_iter()
        .map(|s| (s.code.to_string(), s.name))
        .collect();
    let chosen = q.service.as_deref().map(str::trim).unwrap_or("");
    let service = if chosen.is_empty() {
        Ok(None)
    } else if services.iter().any(|(code, _)| code == chosen) {
        Ok(Some(chosen.to_owned()))
    } else {
        Err(FieldError::new("service", tr.get("stats.service.unknown")))
    };
    Ok((services, service))
}

/// The statistics page of `place`: the last twelve months of the selection, as a table and
/// as a chart whose text alternative is the table.
pub(crate) async fn stats_page(
    app: &AppState,
    console: &Console,
    path: &str,
    place: Place,
    q: StatsForm,
) -> Shown {
    let f = Frame::new(console, path);
    let tr = f.tr;
    let (services, service) = service_of(app, &place, &q, tr).await?;
    let (service, errors) = match service {
        Ok(s) => (s, Vec::new()),
        Err(e) => (None, vec![e]),
    };
    let rows = stats::export(&app.db, &place.fund, None)
        .await
        .map_err(|e| failed(&e))?;
    let partner = place.partner.as_ref().map(|(_, number, _)| number.clone());
    let exact: HashMap<&str, Counts> = rows
        .iter()
        .filter(|r| r.partner == partner && r.service == service)
        .map(|r| (r.month.as_str(), r.counts))
        .collect();
    let now = app.clock.now();
    let lines: Vec<MonthLine> = (0..MONTHS)
        .rev()
        .map(|back| {
            let month = stats::month_of(dormant::months_before(now, back));
            MonthLine {
                counts: exact.get(month.as_str()).copied().unwrap_or_default(),
                month,
            }
        })
        .collect();
    let points: Vec<(String, i64)> = lines
        .iter()
        .map(|l| (l.month.clone(), l.counts.logins))
        .collect();
    let mut title = format!("{} — {}", tr.get("stats.chart.title"), place.subject());
    if let Some(s) = &service {
        title.push_str(&format!(" / {s}"));
    }
    let chart = stats::svg::logins_chart(&title, &points);
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in place.keep() {
        query.append_pair(k, &v);
    }
    if let Some(s) = &service {
        query.append_pair("service", s);
    }
    let csv = format!("{}/stats/export?{}", place.base, query.finish());
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = StatsPage {
        f: f.with_errors(errors),
        place,
        services,
        service: service.unwrap_or_default(),
        chart,
        lines,
        csv,
    };
    Ok(render(status, &page, console.lang))
}

/// The CSV of the selection's figures, every month (`stats::to_csv`, as `idp stats export`).
pub(crate) async fn stats_export(
    app: &AppState,
    console: &Console,
    path: &str,
    place: Place,
    q: StatsForm,
) -> Shown {
    let (_, service) = service_of(app, &place, &q, T::new(console.lang)).await?;
    let Ok(service) = service else {
        return stats_page(app, console, path, place, q).await;
    };
    let rows = stats::export(&app.db, &place.fund, None)
        .await
        .map_err(|e| failed(&e))?;
    let chosen: Vec<UsageRow> = selected(&rows, &place, service.as_deref())
        .cloned()
        .collect();
    let name = match &place.partner {
        Some((_, number, _)) => format!("usage-{}-{number}.csv", place.fund.code),
        None => format!("usage-{}.csv", place.fund.code),
    };
    let mut r = stats::to_csv(&chosen).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// The period of the dormant-access report, as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct DormantForm {
    months: Option<String>,
}

/// A dormant account as a row.
pub(crate) struct DormantRow {
    id: i64,
    partner_id: i64,
    partner: String,
    login: String,
    name: String,
    status: &'static str,
    last_login: Option<String>,
    idle_days: i64,
}

#[derive(Template)]
#[template(path = "console/dormant.html")]
struct DormantPage {
    f: Frame,
    place: Place,
    months: String,
    rows: Vec<DormantRow>,
    disable: Option<String>,
}

#[derive(Template)]
#[template(path = "console/dormant_disable.html")]
struct DisablePage {
    f: Frame,
    place: Place,
    months: u32,
    rows: Vec<DormantRow>,
    reason: String,
    action: String,
    back: String,
}

/// The months typed (default [`DEFAULT_MONTHS`]), or the message next to the field.
fn months(typed: Option<&str>, tr: T) -> Result<u32, FieldError> {
    match typed.map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok(DEFAULT_MONTHS),
        Some(m) => m
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_MONTHS).contains(n))
            .ok_or_else(|| FieldError::new("months", tr.get("dormant.months.invalid"))),
    }
}

fn dormant_rows(place: &Place, report: Vec<DormantAccount>) -> Vec<DormantRow> {
    let names: HashMap<i64, String> = match (&place.partners, &place.partner) {
        (Some(list), _) => list.iter().cloned().collect(),
        (None, Some((id, _, name))) => HashMap::from([(*id, name.clone())]),
        (None, None) => HashMap::new(),
    };
    report
        .into_iter()
        .filter_map(|d| {
            let partner_id = d.account.partner_id?;
            Some(DormantRow {
                id: d.account.id,
                partner_id,
                partner: names.get(&partner_id).cloned().unwrap_or_default(),
                login: d.account.login.to_string(),
                name: format!("{} {}", d.account.family_name, d.account.given_name),
                status: d.account.status.as_str(),
                last_login: d.last_login_at.map(instant),
                idle_days: d.idle_days,
            })
        })
        .collect()
}

/// The query of the dormant pages: the place's and the period.
fn dormant_query(place: &Place, months: u32) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in place.keep() {
        q.append_pair(k, &v);
    }
    q.append_pair("months", &months.to_string());
    q.finish()
}

async fn report(app: &AppState, place: &Place, months: u32) -> Result<Vec<DormantRow>, Response> {
    let partner_id = place.partner.as_ref().map(|(id, _, _)| *id);
    let report = dormant::report(&app.db, app.clock.now(), place.fund.id, partner_id, months)
        .await
        .map_err(|e| failed(&e))?;
    Ok(dormant_rows(place, report))
}

/// The dormant-access report of `place`: accounts with no login for the months asked.
pub(crate) async fn dormant_page(
    app: &AppState,
    console: &Console,
    path: &str,
    place: Place,
    q: DormantForm,
) -> Shown {
    let f = Frame::new(console, path);
    let typed = q.months.clone().unwrap_or_default();
    let (rows, errors, months) = match months(q.months.as_deref(), f.tr) {
        Ok(n) => (report(app, &place, n).await?, Vec::new(), n.to_string()),
        Err(e) => (Vec::new(), vec![e], typed),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    // Only what can be disabled is offered (the report leaves disabled accounts out).
    let disable = (errors.is_empty()
        && rows
            .iter()
            .any(|r| r.status != AccountStatus::Disabled.as_str()))
    .then(|| {
        format!(
            "{}/dormant/disable?{}",
            place.base,
            dormant_query(&place, months.parse().unwrap_or(DEFAULT_MONTHS))
        )
    });
    let page = DormantPage {
        f: f.with_errors(errors),
        place,
        months,
        rows,
        disable,
    };
    Ok(render(status, &page, console.lang))
}

async fn disable_page(
    app: &AppState,
    console: &Console,
    path: &str,
    place: Place,
    months: u32,
    reason: String,
    errors: Vec<FieldError>,
) -> Result<DisablePage, Response> {
    let rows = report(app, &place, months).await?;
    let query = dormant_query(&place, months);
    Ok(DisablePage {
        f: Frame::new(console, path).with_errors(errors),
        action: format!("{}/dormant/disable?{query}", place.base),
        back: format!("{}/dormant?{query}", place.base),
        place,
        months,
        rows,
        reason,
    })
}

/// The confirmation of the disabling: the accounts it concerns, what it does, a reason.
pub(crate) async fn disable_form(
    app: &AppState,
    console: &Console,
    path: &str,
    place: Place,
    q: DormantForm,
) -> Shown {
    let tr = T::new(console.lang);
    let Ok(n) = months(q.months.as_deref(), tr) else {
        return dormant_page(app, console, path, place, q).await;
    };
    let page = disable_page(
        app,
        console,
        path,
        place,
        n,
        dormant::default_reason(n),
        Vec::new(),
    )
    .await?;
    Ok(render(StatusCode::OK, &page, console.lang))
}

/// Disables the dormant accounts of `place` (the admin API's rule on each, the domain's
/// `dormant::disable`, one traced `account.disable` each with the reason); back to the report.
pub(crate) async fn disable(
    app: &AppState,
    console: &Console,
    path: &str,
    place: Place,
    form: &[(String, String)],
) -> Shown {
    let tr = T::new(console.lang);
    let typed = crate::web::oidc::field(form, "months");
    let Ok(n) = months(typed, tr) else {
        let q = DormantForm {
            months: typed.map(str::to_owned),
        };
        return dormant_page(app, console, path, place, q).await;
    };
    let reason = crate::web::oidc::field(form, "reason")
        .unwrap_or("")
        .trim()
        .to_owned();
    let error = if reason.is_empty() {
        FieldError::new("reason", tr.get("reason.required"))
    } else {
        let partner_id = place.partner.as_ref().map(|(id, _, _)| *id);
        match disable_dormant_as(app, &console.caller, place.fund.id, partner_id, n, &reason).await
        {
            Ok(_) => {
                let to = format!(
                    "{}/dormant?{}&done=done.dormant.disabled",
                    place.base,
                    dormant_query(&place, n)
                );
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e) => refusal(e, console.lang, "reason")?,
        }
    };
    let page = disable_page(app, console, path, place, n, reason, vec![error]).await?;
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
        console.lang,
    ))
}
