//! One partner for the fund: its page, creation, edition, units, suspension and reactivation,
//! and the designation of its administrators.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::super::confirm::ConfirmPage;
use super::super::{done, operated, operated_partner, refused, value};
use crate::convention::Convention;
use crate::delegation::Administrator;
use crate::partner::{Partner, PartnerStatus, Unit};
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::ApiError;
use crate::web::api::partners::{
    PartnerPatch, designate_as, edit_partner_as, set_partner_status_as,
};
use crate::web::api::register::{PartnerBody, UnitBody, create_partner_as, create_unit_as};
use crate::web::console::Console;
use crate::web::console::page::{FieldError, Frame, Shown, failed, render};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/fund/partners/new", get(new_form).post(create))
        .route("/console/fund/partners/{id}", get(show))
        .route(
            "/console/fund/partners/{id}/edit",
            get(edit_form).post(edit),
        )
        .route(
            "/console/fund/partners/{id}/units",
            axum::routing::post(add_unit),
        )
        .route(
            "/console/fund/partners/{id}/administrators",
            axum::routing::post(designate),
        )
        .route(
            "/console/fund/partners/{id}/suspend",
            get(suspend_form).post(suspend),
        )
        .route(
            "/console/fund/partners/{id}/reactivate",
            get(reactivate_form).post(reactivate),
        )
}

/// The kinds of partner, as stored.
const KINDS: [&str; 6] = [
    "commune",
    "departement",
    "childcare_operator",
    "childcare_structure",
    "information_point",
    "other",
];

/// Which field a refusal of the partner form concerns.
const PARTNER_FIELDS: &[(&str, &str)] = &[
    ("third_party_number", "third_party_number"),
    ("partner.duplicate", "third_party_number"),
    ("siret", "siret"),
    ("email", "email"),
    ("partner.kind", "kind"),
    ("partner.name", "name"),
];

/// The partner form's values.
#[derive(Debug, Default)]
struct PartnerForm {
    fund: String,
    third_party_number: String,
    name: String,
    kind: String,
    siret: String,
    email: String,
}

impl PartnerForm {
    fn read(form: &[(String, String)]) -> Self {
        Self {
            fund: value(form, "fund"),
            third_party_number: value(form, "third_party_number"),
            name: value(form, "name"),
            kind: value(form, "kind"),
            siret: value(form, "siret"),
            email: value(form, "email"),
        }
    }
}

/// A fund the person operates, for the creation form's choice.
struct FundChoice {
    id: i64,
    name: String,
}

#[derive(Template)]
#[template(path = "console/fund/partner_form.html")]
struct FormPage {
    f: Frame,
    /// `None` to create, the partner to edit.
    partner: Option<Partner>,
    funds: Vec<FundChoice>,
    kinds: [&'static str; 6],
    v: PartnerForm,
}

async fn choices(
    app: &AppState,
    console: &Console,
) -> Result<Vec<FundChoice>, axum::response::Response> {
    let mut out = Vec::new();
    for id in operated(console)? {
        if let Some(fund) = crate::authz::lookup::fund(&app.db, id)
            .await
            .map_err(|e| failed(&e))?
        {
            out.push(FundChoice {
                id: fund.id,
                name: fund.name,
            });
        }
    }
    Ok(out)
}

async fn new_form(State(app): State<AppState>, console: Console, uri: OriginalUri) -> Shown {
    let funds = choices(&app, &console).await?;
    let page = FormPage {
        f: Frame::new(&console, &uri.0.to_string()),
        partner: None,
        v: PartnerForm {
            kind: "commune".into(),
            ..PartnerForm::default()
        },
        funds,
        kinds: KINDS,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

async fn create(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let funds = choices(&app, &console).await?;
    let v = PartnerForm::read(&form);
    // One fund: no choice to make; several: the chosen one (the operation checks it).
    let fund_id = match (funds.as_slice(), v.fund.parse::<i64>()) {
        ([only], _) => only.id,
        (_, Ok(id)) => id,
        _ => {
            return Err(axum::response::IntoResponse::into_response(
                WebError::NotFound,
            ));
        }
    };
    let body = PartnerBody {
        third_party_number: v.third_party_number.clone(),
        name: v.name.clone(),
        kind: v.kind.clone(),
        siret: (!v.siret.is_empty()).then(|| v.siret.clone()),
        email: (!v.email.is_empty()).then(|| v.email.clone()),
    };
    let error = match create_partner_as(&app, &console.caller, fund_id, body).await {
        Ok(p) => {
            return Ok(done(
                &format!("/console/fund/partners/{}", p.id),
                "done.partner.created",
            ));
        }
        Err(e) => refused(e, &console, PARTNER_FIELDS, "name")?,
    };
    let page = FormPage {
        f: Frame::new(&console, &uri.0.to_string()).with_errors(vec![error]),
        partner: None,
        funds,
        kinds: KINDS,
        v,
    };
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
        console.lang,
    ))
}

async fn edit_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
) -> Shown {
    let (partner, _) = operated_partner(&app, &console, id).await?;
    let v = PartnerForm {
        fund: String::new(),
        third_party_number: partner.third_party_number.to_string(),
        name: partner.name.clone(),
        kind: partner.kind.as_str().to_owned(),
        siret: partner
            .siret
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        email: partner
            .email
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    };
    let page = FormPage {
        f: Frame::new(&console, &uri.0.to_string()),
        partner: Some(partner),
        funds: Vec::new(),
        kinds: KINDS,
        v,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

async fn edit(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let (partner, _) = operated_partner(&app, &console, id).await?;
    let v = PartnerForm::read(&form);
    // An empty optional field leaves the value as it is (the register keeps what it knew).
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let patch = PartnerPatch {
        name: Some(v.name.clone()),
        siret: some(&v.siret),
        kind: some(&v.kind),
        email: some(&v.email),
    };
    let error = match edit_partner_as(&app, &console.caller, id, patch).await {
        Ok(_) => {
            return Ok(done(
                &format!("/console/fund/partners/{id}"),
                "done.partner.edited",
            ));
        }
        Err(e) => refused(e, &console, PARTNER_FIELDS, "name")?,
    };
    let page = FormPage {
        f: Frame::new(&console, &uri.0.to_string()).with_errors(vec![error]),
        partner: Some(partner),
        funds: Vec::new(),
        kinds: KINDS,
        v,
    };
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
        console.lang,
    ))
}

#[derive(Template)]
#[template(path = "console/fund/partner.html")]
struct DetailPage {
    f: Frame,
    partner: Partner,
    suspended: bool,
    units: Vec<Unit>,
    conventions: Vec<Convention>,
    administrators: Vec<Administrator>,
    unit_code: String,
    unit_name: String,
    unit_siret: String,
    seat: String,
    login: String,
}

/// What the forms of the partner's page hold when it is shown again with an error.
#[derive(Default)]
struct Typed {
    unit_code: String,
    unit_name: String,
    unit_siret: String,
    seat: String,
    login: String,
}

async fn detail_page(
    app: &AppState,
    console: &Console,
    path: &str,
    id: i64,
    errors: Vec<FieldError>,
    typed: Typed,
) -> Shown {
    let (partner, _) = operated_partner(app, console, id).await?;
    let units = crate::partner::units(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let fund = crate::web::api::partners::fund_of(app, &partner)
        .await
        .map_err(axum::response::IntoResponse::into_response)?;
    let mut conventions: Vec<Convention> = crate::convention::list(&app.db, &fund)
        .await
        .map_err(|e| failed(&e))?
        .into_iter()
        .filter(|c| c.partner_id == partner.id)
        .collect();
    conventions.sort_by_key(|c| c.number.to_string());
    let administrators = crate::delegation::administrators(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = DetailPage {
        f: Frame::new(console, path).with_errors(errors),
        suspended: partner.status == PartnerStatus::Suspended,
        partner,
        units,
        conventions,
        administrators,
        unit_code: typed.unit_code,
        unit_name: typed.unit_name,
        unit_siret: typed.unit_siret,
        seat: if typed.seat.is_empty() {
            "principal".into()
        } else {
            typed.seat
        },
        login: typed.login,
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
        Typed::default(),
    )
    .await
}

async fn add_unit(
    State(app): State<AppState>,
    console: Console,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let typed = Typed {
        unit_code: value(&form, "unit_code"),
        unit_name: value(&form, "unit_name"),
        unit_siret: value(&form, "unit_siret"),
        ..Typed::default()
    };
    let body = UnitBody {
        code: typed.unit_code.clone(),
        name: typed.unit_name.clone(),
        siret: (!typed.unit_siret.is_empty()).then(|| typed.unit_siret.clone()),
    };
    let path = format!("/console/fund/partners/{id}");
    match create_unit_as(&app, &console.caller, id, body).await {
        Ok(_) => Ok(done(&path, "done.unit.created")),
        Err(e) => {
            let err = refused(e, &console, &[("siret", "unit_siret")], "unit_code")?;
            detail_page(&app, &console, &path, id, vec![err], typed).await
        }
    }
}

async fn designate(
    State(app): State<AppState>,
    console: Console,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let (_partner, _) = operated_partner(&app, &console, id).await?;
    let typed = Typed {
        seat: value(&form, "seat"),
        login: value(&form, "login"),
        ..Typed::default()
    };
    let path = format!("/console/fund/partners/{id}");
    match designate_as(&app, &console.caller, id, &typed.seat, &typed.login).await {
        Ok(_) => Ok(done(&path, "done.admin.designated")),
        Err(e) => {
            // The partner was found above: "not found" here is the login typed.
            let err = if matches!(e, ApiError::Web(WebError::NotFound)) {
                let t = crate::web::console::i18n::T::new(console.lang);
                FieldError::new("login", t.get("fund.admin.login.unknown"))
            } else {
                refused(e, &console, &[("admin.kind", "seat")], "login")?
            };
            detail_page(&app, &console, &path, id, vec![err], typed).await
        }
    }
}

/// The confirmation page of a suspension (`suspend`) or reactivation.
fn status_page(
    console: &Console,
    uri: &str,
    partner: &Partner,
    suspend: bool,
    reason: String,
) -> ConfirmPage {
    let f = Frame::new(console, uri);
    let id = partner.id;
    let (title, consequences, button, action) = if suspend {
        (
            f.t("fund.partner.suspend.title"),
            f.t("fund.partner.suspend.consequences"),
            f.t("fund.partner.suspend"),
            "suspend",
        )
    } else {
        (
            f.t("fund.partner.reactivate.title"),
            f.t("fund.partner.reactivate.consequences"),
            f.t("fund.partner.reactivate"),
            "reactivate",
        )
    };
    ConfirmPage {
        f,
        title,
        subject: partner.name.clone(),
        consequences,
        action: format!("/console/fund/partners/{id}/{action}"),
        back: format!("/console/fund/partners/{id}"),
        button,
        with_reason: true,
        reason_required: suspend,
        reason,
        hidden: Vec::new(),
    }
}

async fn status_form(
    app: AppState,
    console: Console,
    uri: OriginalUri,
    id: i64,
    suspend: bool,
) -> Shown {
    let (partner, _) = operated_partner(&app, &console, id).await?;
    Ok(status_page(
        &console,
        &uri.0.to_string(),
        &partner,
        suspend,
        String::new(),
    )
    .show(&console, Vec::new()))
}

async fn set_status(
    app: AppState,
    console: Console,
    uri: OriginalUri,
    id: i64,
    suspend: bool,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let (partner, _) = operated_partner(&app, &console, id).await?;
    let reason = value(&form, "reason");
    match set_partner_status_as(&app, &console.caller, id, suspend, &reason).await {
        Ok(_) => Ok(done(
            &format!("/console/fund/partners/{id}"),
            if suspend {
                "done.partner.suspended"
            } else {
                "done.partner.reactivated"
            },
        )),
        Err(e) => {
            let err = refused(e, &console, &[], "reason")?;
            Ok(
                status_page(&console, &uri.0.to_string(), &partner, suspend, reason)
                    .show(&console, vec![err]),
            )
        }
    }
}

async fn suspend_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
) -> Shown {
    status_form(app, console, uri, id, true).await
}

async fn reactivate_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
) -> Shown {
    status_form(app, console, uri, id, false).await
}

async fn suspend(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    set_status(app, console, uri, id, true, body).await
}

async fn reactivate(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(id): Path<i64>,
    body: Bytes,
) -> Shown {
    set_status(app, console, uri, id, false, body).await
}
