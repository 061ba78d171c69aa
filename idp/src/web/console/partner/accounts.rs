//! `/console/partners/{id}/accounts`: the partner's users — search and filters (status, role,
//! group) paged in SQL, and account creation with the temporary password shown once.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;

use super::seen;
use crate::account::Account;
use crate::authz::{Operation, decide};
use crate::partner::{self, Unit};
use crate::state::AppState;
use crate::web::api::ListQuery;
use crate::web::api::manage::{NewAccountBody, create_account_as};
use crate::web::console::Console;
use crate::web::console::page::{FieldError, Frame, Pager, Shown, failed, refusal, render};
use crate::web::oidc::field;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/partners/{id}/accounts", get(list))
        .route(
            "/console/partners/{id}/accounts/new",
            get(new_form).post(create),
        )
}

#[derive(Template)]
#[template(path = "console/partner/accounts.html")]
struct ListPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    q: String,
    status: String,
    role: String,
    group: String,
    accounts: Vec<Account>,
    pager: Pager,
    summary: String,
}

/// The list's filters, as typed.
#[derive(Debug, Default, Deserialize)]
struct Filters {
    q: Option<String>,
    status: Option<String>,
    role: Option<String>,
    group: Option<String>,
    offset: Option<usize>,
}

async fn list(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
    Query(q): Query<Filters>,
) -> Shown {
    let (partner, at) = seen(&app, &console, id).await?;
    decide(&console.caller.principal, &Operation::ViewPartner { at }).map_err(|d| failed(&d))?;
    let query = ListQuery {
        offset: q.offset,
        limit: None,
        status: q.status.clone(),
        q: q.q.clone(),
        role: q.role.clone(),
        group: q.group.clone(),
    };
    let filter = query.filter();
    let page = crate::account::manage::page_of_partner(&app.db, &partner, &filter)
        .await
        .map_err(|e| failed(&e))?;
    let (q_, status, role, group) = (
        q.q.unwrap_or_default(),
        q.status.unwrap_or_default(),
        q.role.unwrap_or_default(),
        q.group.unwrap_or_default(),
    );
    let pager = Pager::new(
        &format!("/console/partners/{id}/accounts"),
        &[
            ("q", &q_),
            ("status", &status),
            ("role", &role),
            ("group", &group),
        ],
        usize::try_from(filter.offset).unwrap_or(0),
        usize::try_from(filter.limit).unwrap_or(50),
        page.items.len(),
        usize::try_from(page.total).unwrap_or(0),
    );
    let f = Frame::new(&console, &uri.0.to_string());
    let summary = pager.summary(f.tr);
    let page = ListPage {
        f,
        partner_id: id,
        partner: partner.name,
        q: q_,
        status,
        role,
        group,
        accounts: page.items,
        pager,
        summary,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

#[derive(Template)]
#[template(path = "console/partner/account_new.html")]
struct NewPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    units: Vec<Unit>,
    given_name: String,
    family_name: String,
    email: String,
    unit: String,
}

#[derive(Template)]
#[template(path = "console/partner/account_created.html")]
struct CreatedPage {
    f: Frame,
    partner_id: i64,
    account: Account,
    password: String,
    expires: String,
}

async fn new_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
) -> Shown {
    let (partner, _) = seen(&app, &console, id).await?;
    let units = partner::units(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let page = NewPage {
        f: Frame::new(&console, &uri.0.to_string()),
        partner_id: id,
        partner: partner.name,
        units,
        given_name: String::new(),
        family_name: String::new(),
        email: String::new(),
        unit: String::new(),
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

async fn create(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let (partner, _) = seen(&app, &console, id).await?;
    let value = |name| field(&form, name).unwrap_or("").trim().to_owned();
    let (given_name, family_name, email, unit) = (
        value("given_name"),
        value("family_name"),
        value("email"),
        value("unit"),
    );
    let mut errors = Vec::new();
    let t = crate::web::console::i18n::T::new(console.lang);
    if given_name.is_empty() {
        errors.push(FieldError::new(
            "given_name",
            t.get("account.given_name.required"),
        ));
    }
    if family_name.is_empty() {
        errors.push(FieldError::new(
            "family_name",
            t.get("account.family_name.required"),
        ));
    }
    if errors.is_empty() {
        let body = NewAccountBody {
            given_name: given_name.clone(),
            family_name: family_name.clone(),
            email: (!email.is_empty()).then(|| email.clone()),
            unit: (!unit.is_empty()).then(|| unit.clone()),
        };
        match create_account_as(&app, &console.caller, id, body).await {
            Ok(created) => {
                let page = CreatedPage {
                    f: Frame::new(&console, &format!("/console/partners/{id}/accounts")),
                    partner_id: id,
                    password: created.temporary_password.expose().to_owned(),
                    expires: crate::web::console::page::instant(created.expires_at),
                    account: created.account,
                };
                return Ok(render(StatusCode::OK, &page, console.lang));
            }
            Err(e) => {
                let field = match &e {
                    crate::web::api::ApiError::Web(crate::web::WebError::BadRequest {
                        code,
                        ..
                    }) if code.starts_with("email") => "email",
                    _ => "given_name",
                };
                errors.push(refusal(e, console.lang, field)?);
            }
        }
    }
    let units = partner::units(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let page = NewPage {
        f: Frame::new(&console, &uri.0.to_string()).with_errors(errors),
        partner_id: id,
        partner: partner.name,
        units,
        given_name,
        family_name,
        email,
        unit,
    };
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
        console.lang,
    ))
}
