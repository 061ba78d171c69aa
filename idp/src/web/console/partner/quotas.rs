//! `/console/partners/{p}/quotas`: the quotas in use — per subscription and role, "7 / 10
//! used" and the holders behind each number (002 service contract art. 2.2.1).

use askama::Template;
use axum::Router;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use super::seen;
use crate::authz::{Operation, decide};
use crate::convention::lifecycle::ConventionStatus;
use crate::state::AppState;
use crate::subscription::in_use::{self, QuotaInUse};
use crate::web::console::Console;
use crate::web::console::page::{Frame, Shown, failed, render};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/console/partners/{p}/quotas", get(quotas))
}

/// One subscription and its quotas.
struct Line {
    convention: String,
    service: String,
    quotas: Vec<QuotaLine>,
}

/// One quota, as shown.
struct QuotaLine {
    /// `T2 Label`, or none for the subscription's total.
    role: Option<String>,
    use_: QuotaInUse,
    /// Percent used, for the meter.
    percent: usize,
}

#[derive(Template)]
#[template(path = "console/partner/quotas.html")]
struct QuotasPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    lines: Vec<Line>,
}

async fn quotas(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
) -> Shown {
    let (partner, at) = seen(&app, &console, p).await?;
    decide(&console.caller.principal, &Operation::ViewPartner { at }).map_err(|d| failed(&d))?;
    let fund = crate::web::api::partners::fund_of(&app, &partner)
        .await
        .map_err(IntoResponse::into_response)?;
    let services = crate::service::list(&app.db, &fund)
        .await
        .map_err(|e| failed(&e))?;
    let conventions = crate::convention::manage::list(&app.db, &fund)
        .await
        .map_err(|e| failed(&e))?;
    let today = app.clock.now().date();
    let mut lines = Vec::new();
    for c in conventions
        .iter()
        .filter(|c| c.partner_id == partner.id && c.status != ConventionStatus::Terminated)
    {
        let subs = crate::subscription::of_convention(&app.db, c)
            .await
            .map_err(|e| failed(&e))?;
        for s in &subs {
            let svc = services.iter().find(|x| x.id == s.service_id);
            let quotas = in_use::of_subscription(&app.db, s, today)
                .await
                .map_err(|e| failed(&e))?;
            lines.push(Line {
                convention: c.number.to_string(),
                service: svc.map_or_else(|| s.service_id.to_string(), |x| x.name.clone()),
                quotas: quotas
                    .into_iter()
                    .map(|q| QuotaLine {
                        role: q.role.as_ref().map(|r| {
                            let label = svc
                                .and_then(|x| x.role(r))
                                .map(|x| x.label.clone())
                                .unwrap_or_default();
                            format!("{r} {label}")
                        }),
                        percent: (q.used() * 100)
                            .checked_div(usize::try_from(q.limit).unwrap_or(1))
                            .unwrap_or(100)
                            .min(100),
                        use_: q,
                    })
                    .collect(),
            });
        }
    }
    let page = QuotasPage {
        f: Frame::new(&console, &uri.0.to_string()),
        partner_id: p,
        partner: partner.name,
        lines,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}
