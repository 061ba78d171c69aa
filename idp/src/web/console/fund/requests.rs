//! `/console/fund/requests`: the access requests of the partners of the funds the person
//! operates (centralised mode, 002 contract art. 2.2.2), paged in SQL; approve one (an account
//! creation shows its temporary password once) or reject it with a reason.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;

use super::confirm::ConfirmPage;
use super::{done, operated, refused, value};
use crate::access_request::{AccessRequest, Payload, SubjectRef};
use crate::listing::ListFilter;
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::requests::{approve_as, reject_as};
use crate::web::console::Console;
use crate::web::console::page::{FieldError, Frame, Pager, Shown, failed, render};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/fund/requests", get(list))
        .route("/console/fund/requests/{id}/approve", post(approve))
        .route(
            "/console/fund/requests/{id}/reject",
            get(reject_form).post(reject),
        )
}

/// Rows per page.
const PAGE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
struct Filters {
    status: Option<String>,
    offset: Option<u64>,
}

/// A request as listed.
struct Row {
    id: i64,
    partner_id: i64,
    partner: String,
    kind: &'static str,
    what: String,
    reason: String,
    requested_at: String,
    status: &'static str,
    pending: bool,
    decision: String,
}

#[derive(Template)]
#[template(path = "console/fund/requests.html")]
struct ListPage {
    f: Frame,
    status: String,
    rows: Vec<Row>,
    pager: Pager,
    summary: String,
}

/// What a request asks, in a line (names and codes, the same in both languages).
fn what(p: &Payload) -> (String, String) {
    match p {
        Payload::CreateAccount {
            given_name,
            family_name,
            email,
            unit,
        } => {
            let mut s = format!("{given_name} {family_name}");
            for extra in [email, unit].into_iter().flatten() {
                s.push_str(&format!(" — {extra}"));
            }
            (s, String::new())
        }
        Payload::Grant(g) => {
            let who = match &g.subject {
                SubjectRef::Account(l) | SubjectRef::Group(l) => l.clone(),
            };
            (
                format!("{} {} / {} → {who}", g.convention, g.service, g.role),
                g.reason.clone(),
            )
        }
        Payload::Withdraw {
            habilitation,
            reason,
        } => (format!("#{habilitation}"), reason.clone()),
        Payload::Modify {
            habilitation,
            valid_until,
            reason,
        } => (
            format!(
                "#{habilitation} → {}",
                valid_until.map(super::iso).unwrap_or_else(|| "∞".into())
            ),
            reason.clone(),
        ),
    }
}

async fn list_page(
    app: &AppState,
    console: &Console,
    path: &str,
    q: Filters,
    errors: Vec<FieldError>,
) -> Shown {
    let funds = operated(console)?;
    let status = q.status.clone().unwrap_or_else(|| "pending".into());
    let filter = ListFilter::new(q.offset, Some(PAGE), Some(&status), None, None, None);
    let page = crate::access_request::page_of_funds(&app.db, &funds, &filter)
        .await
        .map_err(|e| failed(&e))?;
    let mut names: HashMap<i64, String> = HashMap::new();
    for r in &page.items {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(r.partner_id)
            && let Some(p) = crate::authz::lookup::partner(&app.db, r.partner_id)
                .await
                .map_err(|e| failed(&e))?
        {
            e.insert(p.name);
        }
    }
    let rows = page
        .items
        .iter()
        .map(|r: &AccessRequest| {
            let (what, reason) = what(&r.payload);
            Row {
                id: r.id,
                partner_id: r.partner_id,
                partner: names.get(&r.partner_id).cloned().unwrap_or_default(),
                kind: r.payload.kind(),
                what,
                reason,
                requested_at: crate::web::console::page::instant(r.requested_at),
                status: r.status.as_str(),
                pending: r.status == crate::access_request::RequestStatus::Pending,
                decision: r.decision_reason.clone().unwrap_or_default(),
            }
        })
        .collect();
    let pager = Pager::new(
        "/console/fund/requests",
        &[("status", &status)],
        usize::try_from(filter.offset).unwrap_or(0),
        usize::try_from(filter.limit).unwrap_or(50),
        page.items.len(),
        usize::try_from(page.total).unwrap_or(0),
    );
    let code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    let f = Frame::new(console, path).with_errors(errors);
    let summary = pager.summary(f.tr);
    let page = ListPage {
        f,
        status,
        rows,
        pager,
        summary,
    };
    Ok(render(code, &page, console.lang))
}

async fn list(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Query(q): Query<Filters>,
) -> Shown {
    list_page(&app, &console, &uri.0.to_string(), q, Vec::new()).await
}

#[derive(Template)]
#[template(path = "console/fund/request_approved.html")]
struct ApprovedPage {
    f: Frame,
    login: String,
    password: String,
}

async fn approve(
    State(app): State<AppState>,
    console: Console,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    console.form(&body)?;
    operated(&console)?;
    match approve_as(&app, &console.caller, id).await {
        Ok((out, _)) => match out.temporary_password {
            // An account was created: its temporary password is shown here, once.
            Some(password) => {
                let login = out
                    .request
                    .result
                    .as_ref()
                    .and_then(|r| r.get("login"))
                    .and_then(|l| l.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let page = ApprovedPage {
                    f: Frame::new(&console, "/console/fund/requests"),
                    login,
                    password: password.expose().to_owned(),
                };
                Ok(render(StatusCode::OK, &page, console.lang))
            }
            None => Ok(done("/console/fund/requests", "done.request.approved")),
        },
        Err(e) => {
            let err = refused(e, &console, &[], "requests")?;
            list_page(
                &app,
                &console,
                "/console/fund/requests",
                Filters::default(),
                vec![err],
            )
            .await
        }
    }
}

fn reject_page(console: &Console, id: i64, reason: String) -> ConfirmPage {
    let f = Frame::new(console, "/console/fund/requests");
    ConfirmPage {
        title: f.t("fund.request.reject.title"),
        consequences: f.t("fund.request.reject.consequences"),
        button: f.t("fund.request.reject"),
        f,
        subject: format!("#{id}"),
        action: format!("/console/fund/requests/{id}/reject"),
        back: "/console/fund/requests".into(),
        with_reason: true,
        reason_required: true,
        reason,
        hidden: Vec::new(),
    }
}

async fn reject_form(State(app): State<AppState>, console: Console, Path(id): Path<i64>) -> Shown {
    operated(&console)?;
    // Only a request the person may decide has a page (else not found).
    let partner = crate::access_request::partner_of(&app.db, id)
        .await
        .map_err(|e| failed(&e))?
        .ok_or_else(|| axum::response::IntoResponse::into_response(WebError::NotFound))?;
    super::operated_partner(&app, &console, partner.id).await?;
    Ok(reject_page(&console, id, String::new()).show(&console, Vec::new()))
}

async fn reject(
    State(app): State<AppState>,
    console: Console,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    operated(&console)?;
    let reason = value(&form, "reason");
    match reject_as(&app, &console.caller, id, &reason).await {
        Ok(_) => Ok(done("/console/fund/requests", "done.request.rejected")),
        Err(e) => {
            let err = refused(e, &console, &[], "reason")?;
            Ok(reject_page(&console, id, reason).show(&console, vec![err]))
        }
    }
}
