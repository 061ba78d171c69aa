//! A partner's conventions for the fund: creation, the convention's page (term, renewal and
//! notice dates, subscriptions with each role's use and holders), its lifecycle (activate,
//! suspend, reactivate, terminate) and management mode, each confirmed with a reason, and the
//! quotas of its subscriptions.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::confirm::ConfirmPage;
use super::{done, iso, operated_convention, operated_partner, refused, value};
use crate::convention::Convention;
use crate::convention::lifecycle::{ConventionAction, ManagementMode, transition};
use crate::partner::Partner;
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::partners::{QuotasBody, set_management_mode_as, set_subscription_as};
use crate::web::api::register::{ConventionBody, convention_lifecycle_as, create_convention_as};
use crate::web::console::Console;
use crate::web::console::page::{FieldError, Frame, Shown, failed, render};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/console/fund/partners/{id}/conventions/new",
            get(new_form).post(create),
        )
        .route("/console/fund/conventions/{id}", get(show))
        .route(
            "/console/fund/conventions/{id}/subscriptions",
            post(set_quota),
        )
        .route(
            "/console/fund/conventions/{id}/holders/{service}/{role}",
            get(holders),
        )
        .route(
            "/console/fund/conventions/{id}/{action}",
            get(confirm_form).post(act),
        )
}

/// Which field a refusal of the convention form concerns.
const CONVENTION_FIELDS: &[(&str, &str)] = &[
    ("convention_number", "number"),
    ("convention.duplicate", "number"),
    ("date", "effective_from"),
    ("departement", "territory"),
    ("commune", "territory"),
    ("convention.no_territory", "territory"),
    ("convention.outside_fund", "territory"),
    ("convention.mission", "mission"),
    ("management_mode", "management_mode"),
];

#[derive(Debug, Default)]
struct ConventionForm {
    number: String,
    effective_from: String,
    signed_on: String,
    management_mode: String,
    territory: String,
    mission: String,
}

#[derive(Template)]
#[template(path = "console/fund/convention_new.html")]
struct NewPage {
    f: Frame,
    partner: Partner,
    v: ConventionForm,
}

async fn new_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
) -> Shown {
    let (partner, _) = operated_partner(&app, &console, id).await?;
    let page = NewPage {
        f: Frame::new(&console, &uri.0.to_string()),
        partner,
        v: ConventionForm {
            management_mode: "delegated".into(),
            ..ConventionForm::default()
        },
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
    let (partner, _) = operated_partner(&app, &console, id).await?;
    let v = ConventionForm {
        number: value(&form, "number"),
        effective_from: value(&form, "effective_from"),
        signed_on: value(&form, "signed_on"),
        management_mode: value(&form, "management_mode"),
        territory: value(&form, "territory"),
        mission: value(&form, "mission"),
    };
    let body = ConventionBody {
        number: v.number.clone(),
        effective_from: v.effective_from.clone(),
        signed_on: (!v.signed_on.is_empty()).then(|| v.signed_on.clone()),
        management_mode: Some(v.management_mode.clone()),
        territory: v.territory.clone(),
        mission: v.mission.clone(),
    };
    let error = match create_convention_as(&app, &console.caller, id, body).await {
        Ok(c) => {
            return Ok(done(
                &format!("/console/fund/conventions/{}", c.id),
                "done.convention.created",
            ));
        }
        Err(e) => {
            // The date refusal names its field: signed_on or effective_from.
            let signed = matches!(&e, crate::web::api::ApiError::Web(WebError::BadRequest { message, .. }) if message.contains("signed_on"));
            let mut err = refused(e, &console, CONVENTION_FIELDS, "number")?;
            if signed {
                err.field = "signed_on";
            }
            err
        }
    };
    let page = NewPage {
        f: Frame::new(&console, &uri.0.to_string()).with_errors(vec![error]),
        partner,
        v,
    };
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
        console.lang,
    ))
}

/// One role of a subscription: its quota and use.
struct RoleUse {
    role: String,
    label: String,
    used: usize,
    max: u32,
    full: bool,
}

/// One subscription as shown.
struct SubView {
    service: String,
    service_name: String,
    opened_on: String,
    active: bool,
    roles: Vec<RoleUse>,
}

/// A service of the fund, for the "open a service" form.
struct ServiceChoice {
    code: String,
    name: String,
    roles: String,
}

#[derive(Template)]
#[template(path = "console/fund/convention.html")]
struct DetailPage {
    f: Frame,
    c: Convention,
    partner: Partner,
    effective_from: String,
    signed_on: String,
    period_start: String,
    period_end: String,
    notice_deadline: String,
    notice_passed: bool,
    actions: Vec<&'static str>,
    subs: Vec<SubView>,
    services: Vec<ServiceChoice>,
    /// The (service, role) row whose quota form was refused.
    failed_row: (String, String),
    typed: QuotaForm,
}

/// The quota form as typed.
#[derive(Debug, Default)]
struct QuotaForm {
    service: String,
    role: String,
    max: String,
    open: bool,
}

async fn detail_page(
    app: &AppState,
    console: &Console,
    path: &str,
    id: i64,
    errors: Vec<FieldError>,
    typed: QuotaForm,
) -> Shown {
    let (c, partner, _) = operated_convention(app, console, id).await?;
    let today = app.clock.now().date();
    let fund = crate::web::api::partners::fund_of(app, &partner)
        .await
        .map_err(IntoResponse::into_response)?;
    let services = crate::service::list(&app.db, &fund)
        .await
        .map_err(|e| failed(&e))?;
    let mut subs = Vec::new();
    for s in crate::subscription::of_convention(&app.db, &c)
        .await
        .map_err(|e| failed(&e))?
    {
        let service = services.iter().find(|x| x.id == s.service_id);
        let usage = crate::subscription::usage(&app.db, &s, today)
            .await
            .map_err(|e| failed(&e))?;
        subs.push(SubView {
            service: service.map(|x| x.code.to_string()).unwrap_or_default(),
            service_name: service.map(|x| x.name.clone()).unwrap_or_default(),
            opened_on: iso(s.opened_on),
            active: s.active,
            roles: usage
                .iter()
                .map(|u| RoleUse {
                    role: u.quota.role.to_string(),
                    label: service
                        .and_then(|x| x.role(u.quota.role.as_str()))
                        .map(|r| r.label.clone())
                        .unwrap_or_default(),
                    used: u.holders.len(),
                    max: u.quota.max_holders,
                    full: u.nearly_full(),
                })
                .collect(),
        });
    }
    let s = c.term.schedule(today);
    let date = |d: Option<time::Date>| d.map(iso).unwrap_or_default();
    let actions = [
        ConventionAction::Activate,
        ConventionAction::Suspend,
        ConventionAction::Reactivate,
        ConventionAction::Terminate,
    ]
    .into_iter()
    .filter(|a| transition(c.status, *a).is_ok())
    .map(|a| a.as_str())
    .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let failed_row = if typed.open {
        (String::new(), String::new())
    } else {
        (typed.service.clone(), typed.role.to_ascii_uppercase())
    };
    let page = DetailPage {
        f: Frame::new(console, path).with_errors(errors),
        effective_from: iso(c.term.effective_from),
        signed_on: c.signed_on.map(iso).unwrap_or_default(),
        period_start: date(s.period_start),
        period_end: date(s.period_end),
        notice_deadline: date(s.notice_deadline),
        notice_passed: s.notice_deadline_passed,
        actions,
        subs,
        services: services
            .iter()
            .map(|x| ServiceChoice {
                code: x.code.to_string(),
                name: x.name.clone(),
                roles: x
                    .roles
                    .iter()
                    .map(|r| r.code.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        failed_row,
        typed,
        c,
        partner,
    };
    Ok(render(status, &page, console.lang))
}

async fn show(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
) -> Shown {
    detail_page(
        &app,
        &console,
        &uri.0.to_string(),
        id,
        Vec::new(),
        QuotaForm::default(),
    )
    .await
}

/// Sets one role's quota of a subscription (opening the subscription if needed).
async fn set_quota(
    State(app): State<AppState>,
    console: Console,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let (c, _, _) = operated_convention(&app, &console, id).await?;
    let typed = QuotaForm {
        service: value(&form, "service"),
        role: value(&form, "role"),
        max: value(&form, "max"),
        open: value(&form, "open") == "1",
    };
    let path = format!("/console/fund/conventions/{}", c.id);
    let t = crate::web::console::i18n::T::new(console.lang);
    let (max_field, role_field) = if typed.open {
        ("open_max", "open_role")
    } else {
        ("max", "max")
    };
    let Ok(max) = typed.max.parse::<u32>() else {
        let err = FieldError::new(max_field, t.get("fund.quota.max.invalid"));
        return detail_page(&app, &console, &path, id, vec![err], typed).await;
    };
    let body = QuotasBody {
        opened_on: None,
        total: None,
        quotas: [(typed.role.clone(), max)].into_iter().collect(),
    };
    match set_subscription_as(&app, &console.caller, id, &typed.service, body).await {
        Ok(_) => Ok(done(&path, "done.quota.set")),
        Err(e) => {
            let err = if matches!(e, crate::web::api::ApiError::Web(WebError::NotFound)) {
                // The convention was found above: what is unknown is the service typed.
                FieldError::new(
                    if typed.open { "open_service" } else { "max" },
                    t.get("fund.quota.service.unknown"),
                )
            } else {
                refused(
                    e,
                    &console,
                    &[
                        ("subscription.unknown_role", role_field),
                        ("service", role_field),
                    ],
                    max_field,
                )?
            };
            detail_page(&app, &console, &path, id, vec![err], typed).await
        }
    }
}

/// A holder of a role.
struct Holder {
    id: i64,
    name: String,
    login: String,
    status: String,
}

#[derive(Template)]
#[template(path = "console/fund/holders.html")]
struct HoldersPage {
    f: Frame,
    c: Convention,
    partner: Partner,
    service: String,
    role: String,
    max: u32,
    holders: Vec<Holder>,
}

async fn holders(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((id, service, role)): Path<(i64, String, String)>,
) -> Shown {
    let (c, partner, _) = operated_convention(&app, &console, id).await?;
    let fund = crate::web::api::partners::fund_of(&app, &partner)
        .await
        .map_err(IntoResponse::into_response)?;
    let code = crate::service::ServiceCode::parse(&service)
        .map_err(|_| WebError::NotFound.into_response())?;
    let svc = crate::service::find(&app.db, &fund, &code)
        .await
        .map_err(|e| failed(&e))?;
    let sub = crate::subscription::find(&app.db, &c, &svc)
        .await
        .map_err(|e| failed(&e))?;
    let today = app.clock.now().date();
    let usage = crate::subscription::usage(&app.db, &sub, today)
        .await
        .map_err(|e| failed(&e))?;
    let u = usage
        .into_iter()
        .find(|u| u.quota.role.matches(&role))
        .ok_or_else(|| WebError::NotFound.into_response())?;
    let page = HoldersPage {
        f: Frame::new(&console, &uri.0.to_string()),
        service: svc.code.to_string(),
        role: u.quota.role.to_string(),
        max: u.quota.max_holders,
        holders: u
            .holders
            .into_iter()
            .map(|a| Holder {
                id: a.id,
                name: format!("{} {}", a.family_name, a.given_name),
                login: a.login.to_string(),
                status: a.status.as_str().to_owned(),
            })
            .collect(),
        c,
        partner,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

/// What a confirmation step is about: a lifecycle action, or the switch of the management
/// mode (`mode`).
#[derive(Debug, Clone, Copy)]
enum Step {
    Lifecycle(ConventionAction),
    Mode(ManagementMode),
}

#[allow(
    clippy::result_large_err,
    reason = "the error is the page to answer, built once on a rare path"
)]
fn step_of(action: &str, c: &Convention) -> Result<Step, Response> {
    if action == "mode" {
        return Ok(Step::Mode(match c.management_mode {
            ManagementMode::Delegated => ManagementMode::Centralised,
            ManagementMode::Centralised => ManagementMode::Delegated,
        }));
    }
    ConventionAction::parse(action)
        .map(Step::Lifecycle)
        .map_err(|_| WebError::NotFound.into_response())
}

fn confirm_page(
    console: &Console,
    path: &str,
    c: &Convention,
    step: Step,
    reason: String,
) -> ConfirmPage {
    let f = Frame::new(console, path);
    let (title, consequences, button, required, hidden) = match step {
        Step::Lifecycle(ConventionAction::Activate) => (
            f.t("fund.conv.activate.title"),
            f.t("fund.conv.activate.consequences"),
            f.t("fund.conv.action.activate"),
            false,
            Vec::new(),
        ),
        Step::Lifecycle(ConventionAction::Suspend) => (
            f.t("fund.conv.suspend.title"),
            f.t("fund.conv.suspend.consequences"),
            f.t("fund.conv.action.suspend"),
            true,
            Vec::new(),
        ),
        Step::Lifecycle(ConventionAction::Reactivate) => (
            f.t("fund.conv.reactivate.title"),
            f.t("fund.conv.reactivate.consequences"),
            f.t("fund.conv.action.reactivate"),
            false,
            Vec::new(),
        ),
        Step::Lifecycle(ConventionAction::Terminate) => (
            f.t("fund.conv.terminate.title"),
            f.t("fund.conv.terminate.consequences"),
            f.t("fund.conv.action.terminate"),
            true,
            Vec::new(),
        ),
        Step::Mode(m) => (
            f.t("fund.conv.mode.title"),
            match m {
                ManagementMode::Centralised => f.t("fund.conv.mode.to_centralised"),
                ManagementMode::Delegated => f.t("fund.conv.mode.to_delegated"),
            },
            f.t("fund.conv.mode.switch"),
            false,
            vec![("mode", m.as_str().to_owned())],
        ),
    };
    let action = match step {
        Step::Lifecycle(a) => a.as_str(),
        Step::Mode(_) => "mode",
    };
    ConfirmPage {
        f,
        title,
        subject: c.number.to_string(),
        consequences,
        action: format!("/console/fund/conventions/{}/{action}", c.id),
        back: format!("/console/fund/conventions/{}", c.id),
        button,
        with_reason: true,
        reason_required: required,
        reason,
        hidden,
    }
}

async fn confirm_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((id, action)): Path<(i64, String)>,
) -> Shown {
    let (c, _, _) = operated_convention(&app, &console, id).await?;
    let step = step_of(&action, &c)?;
    Ok(
        confirm_page(&console, &uri.0.to_string(), &c, step, String::new())
            .show(&console, Vec::new()),
    )
}

async fn act(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let (c, _, _) = operated_convention(&app, &console, id).await?;
    let step = step_of(&action, &c)?;
    let reason = value(&form, "reason");
    let path = format!("/console/fund/conventions/{id}");
    let outcome = match step {
        Step::Lifecycle(a) => convention_lifecycle_as(&app, &console.caller, id, a, &reason)
            .await
            .map(|_| match a {
                ConventionAction::Activate => "done.convention.activated",
                ConventionAction::Suspend => "done.convention.suspended",
                ConventionAction::Reactivate => "done.convention.reactivated",
                ConventionAction::Terminate => "done.convention.terminated",
            }),
        Step::Mode(_) => {
            // The mode posted, not the one computed now: a double submission must not
            // switch back.
            let mode = value(&form, "mode");
            set_management_mode_as(&app, &console.caller, id, &mode, &reason)
                .await
                .map(|_| "done.convention.mode")
        }
    };
    match outcome {
        Ok(key) => Ok(done(&path, key)),
        Err(e) => {
            let err = refused(e, &console, &[], "reason")?;
            Ok(confirm_page(&console, &uri.0.to_string(), &c, step, reason)
                .show(&console, vec![err]))
        }
    }
}
