//! `/console/partners/{p}/habilitations`: the partner's habilitations — filters (service or
//! role text, role, group, status) paged in SQL; the grant form (subject an account or a
//! group; service and role among the partner's subscriptions; territory among the
//! convention's; validity); one habilitation's page with its end date to move; withdrawal with
//! a reason after a confirmation. Quota, territory and rights refusals are shown next to their
//! field, in the person's language.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Confirm, Held, held_lines, seen};
use crate::access_request::Payload;
use crate::group::Group;
use crate::partner::Partner;
use crate::state::AppState;
use crate::web::WebError;
use crate::web::api::manage::{
    EndDateBody, GrantBody, file_request_as, grant_as, on_habilitation, set_end_date_as,
    withdraw_as,
};
use crate::web::api::{ApiError, ListQuery};
use crate::web::console::Console;
use crate::web::console::i18n::T;
use crate::web::console::page::{
    FieldError, Frame, Pager, Shown, failed, refusal, refusal_code, render,
};
use crate::web::oidc::field;

pub(super) fn routes() -> Router<AppState> {
    let h = "/console/partners/{p}/habilitations";
    Router::new()
        .route(h, get(list))
        .route(&format!("{h}/new"), get(new_form).post(grant))
        .route(&format!("{h}/{{h}}"), get(show))
        .route(&format!("{h}/{{h}}/end-date"), post(end_date))
        .route(
            &format!("{h}/{{h}}/withdraw"),
            get(confirm_withdraw).post(withdraw),
        )
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

#[derive(Template)]
#[template(path = "console/partner/habilitations.html")]
struct ListPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    q: String,
    status: String,
    role: String,
    group: String,
    groups: Vec<Group>,
    held: Vec<Held>,
    pager: Pager,
    summary: String,
}

async fn list(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<Filters>,
) -> Shown {
    let (partner, at) = seen(&app, &console, p).await?;
    crate::authz::decide(
        &console.caller.principal,
        &crate::authz::Operation::ViewPartner { at },
    )
    .map_err(|d| failed(&d))?;
    let query = ListQuery {
        offset: q.offset,
        limit: None,
        status: q.status.clone().filter(|s| !s.is_empty()),
        q: q.q.clone().filter(|s| !s.is_empty()),
        role: q.role.clone().filter(|s| !s.is_empty()),
        group: q.group.clone().filter(|s| !s.is_empty()),
    };
    let filter = query.filter();
    let page = crate::habilitation::page_of_partner(&app.db, &partner, &filter)
        .await
        .map_err(|e| failed(&e))?;
    let today = app.clock.now().date();
    let held = held_lines(&app, &partner, page.items, today).await?;
    let groups = crate::group::list_of_partner(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let (q_, status, role, group) = (
        q.q.unwrap_or_default(),
        q.status.unwrap_or_default(),
        q.role.unwrap_or_default(),
        q.group.unwrap_or_default(),
    );
    let pager = Pager::new(
        &format!("/console/partners/{p}/habilitations"),
        &[
            ("q", &q_),
            ("status", &status),
            ("role", &role),
            ("group", &group),
        ],
        usize::try_from(filter.offset).unwrap_or(0),
        usize::try_from(filter.limit).unwrap_or(50),
        held.len(),
        usize::try_from(page.total).unwrap_or(0),
    );
    let f = Frame::new(&console, &uri.0.to_string());
    let summary = pager.summary(f.tr);
    let page = ListPage {
        f,
        partner_id: p,
        partner: partner.name,
        q: q_,
        status,
        role,
        group,
        groups,
        held,
        pager,
        summary,
    };
    Ok(render(StatusCode::OK, &page, console.lang))
}

/// A service and role the partner may grant: one role of an open subscription.
#[derive(Debug, Clone)]
struct Offer {
    /// `convention|service|role`, as the form posts it.
    value: String,
    label: String,
    /// The attribute the role requires of its holders (CDAP T4: the instructor number).
    attribute: Option<crate::service::RequiredAttribute>,
}

/// The roles among `offers` that require an attribute, as the hint of the attribute field
/// says them: "CDAP T4 (Numéro d'instructeur)".
fn attribute_roles(offers: &[Offer]) -> Vec<String> {
    let mut roles: Vec<String> = offers
        .iter()
        .filter_map(|o| {
            let a = o.attribute.as_ref()?;
            let mut parts = o.value.split('|').skip(1);
            let (service, role) = (parts.next()?, parts.next()?);
            Some(format!("{service} {role} ({})", a.label))
        })
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// A convention's territory, as checkboxes.
#[derive(Debug, Clone)]
struct Area {
    convention: String,
    codes: Vec<String>,
}

/// What the partner's subscriptions open: the roles it may grant, and the territory of each
/// convention (the domain checks both again at the grant).
async fn offers(app: &AppState, partner: &Partner) -> Result<(Vec<Offer>, Vec<Area>), Response> {
    let fund = crate::web::api::partners::fund_of(app, partner)
        .await
        .map_err(IntoResponse::into_response)?;
    let services = crate::service::list(&app.db, &fund)
        .await
        .map_err(|e| failed(&e))?;
    let conventions = crate::convention::manage::list(&app.db, &fund)
        .await
        .map_err(|e| failed(&e))?;
    let (mut offers, mut areas) = (Vec::new(), Vec::new());
    for c in conventions.iter().filter(|c| {
        c.partner_id == partner.id
            && c.status == crate::convention::lifecycle::ConventionStatus::Active
    }) {
        let subs = crate::subscription::of_convention(&app.db, c)
            .await
            .map_err(|e| failed(&e))?;
        for s in subs.iter().filter(|s| s.active) {
            let Some(svc) = services.iter().find(|x| x.id == s.service_id) else {
                continue;
            };
            for q in &s.quotas {
                let role = svc.role(q.role.as_str());
                let label = role.map(|r| r.label.clone()).unwrap_or_default();
                offers.push(Offer {
                    value: format!("{}|{}|{}", c.number, svc.code, q.role),
                    label: format!("{} — {} {label} ({})", svc.name, q.role, c.number),
                    attribute: role.and_then(|r| r.required_attribute.clone()),
                });
            }
        }
        areas.push(Area {
            convention: c.number.to_string(),
            codes: c
                .territory
                .to_string()
                .split(", ")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok((offers, areas))
}

#[derive(Template)]
#[template(path = "console/partner/grant.html")]
struct GrantPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    offers: Vec<Offer>,
    /// The roles that require an attribute; the attribute field shows only when there are.
    attribute_roles: Vec<String>,
    areas: Vec<Area>,
    groups: Vec<Group>,
    form: GrantForm,
}

/// The grant form as typed.
#[derive(Debug, Clone, Default)]
struct GrantForm {
    kind: String,
    account: String,
    group: String,
    offer: String,
    /// The value of the attribute the chosen role requires, if it requires one.
    attribute: String,
    territory: Vec<String>,
    valid_from: String,
    valid_until: String,
    reason: String,
}

impl GrantForm {
    fn has_code(&self, code: &str) -> bool {
        self.territory.iter().any(|c| c == code)
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    account: Option<String>,
    group: Option<String>,
}

async fn grant_page(
    app: &AppState,
    console: &Console,
    path: &str,
    partner: Partner,
    form: GrantForm,
    errors: Vec<FieldError>,
) -> Shown {
    let (offers, areas) = offers(app, &partner).await?;
    let groups = crate::group::list_of_partner(&app.db, &partner)
        .await
        .map_err(|e| failed(&e))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = GrantPage {
        f: Frame::new(console, path).with_errors(errors),
        partner_id: partner.id,
        partner: partner.name,
        attribute_roles: attribute_roles(&offers),
        offers,
        areas,
        groups,
        form,
    };
    Ok(render(status, &page, console.lang))
}

async fn new_form(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    Query(q): Query<NewQuery>,
) -> Shown {
    let (partner, _) = seen(&app, &console, p).await?;
    let form = GrantForm {
        kind: if q.group.is_some() {
            "group"
        } else {
            "account"
        }
        .to_owned(),
        account: q.account.unwrap_or_default(),
        group: q.group.unwrap_or_default(),
        ..GrantForm::default()
    };
    grant_page(
        &app,
        &console,
        &uri.0.to_string(),
        partner,
        form,
        Vec::new(),
    )
    .await
}

/// The key of the attribute `role` of `service` requires of its holders, if any (an unknown
/// service or role requires none here: the grant refuses it next to the role field).
async fn required_attribute(
    app: &AppState,
    partner: &Partner,
    service: &str,
    role: &str,
) -> Result<Option<String>, Response> {
    let fund = crate::web::api::partners::fund_of(app, partner)
        .await
        .map_err(IntoResponse::into_response)?;
    let services = crate::service::list(&app.db, &fund)
        .await
        .map_err(|e| failed(&e))?;
    Ok(services
        .iter()
        .find(|s| s.code.to_string() == service)
        .and_then(|s| s.role(role))
        .and_then(|r| r.required_attribute.as_ref())
        .map(|a| a.key.clone()))
}

/// The field a grant refusal belongs next to, by its code.
fn grant_field(code: &str) -> &'static str {
    if code.contains("attribute") {
        "attribute"
    } else if code.starts_with("quota") || code.contains("role") || code.starts_with("subscription")
    {
        "offer"
    } else if code.contains("territory") {
        "territory"
    } else if code.contains("period") || code.starts_with("date") {
        "valid_until"
    } else if code.contains("subject") || code.starts_with("account") || code.contains("login") {
        "account"
    } else if code.contains("reason") {
        "reason"
    } else {
        "offer"
    }
}

async fn grant(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path(p): Path<i64>,
    body: Bytes,
) -> Shown {
    let pairs = console.form(&body)?;
    let (partner, _) = seen(&app, &console, p).await?;
    let value = |name| field(&pairs, name).unwrap_or("").trim().to_owned();
    let form = GrantForm {
        kind: value("kind"),
        account: value("account"),
        group: value("group"),
        offer: value("offer"),
        attribute: value("attribute"),
        territory: pairs
            .iter()
            .filter(|(k, v)| k == "territory" && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect(),
        valid_from: value("valid_from"),
        valid_until: value("valid_until"),
        reason: value("reason"),
    };
    let t = T::new(console.lang);
    let mut errors = Vec::new();
    let by_group = form.kind == "group";
    if by_group && form.group.is_empty() {
        errors.push(FieldError::new("group", t.get("hab.group.required")));
    }
    if !by_group && form.account.is_empty() {
        errors.push(FieldError::new("account", t.get("hab.account.required")));
    }
    let offer: Vec<&str> = form.offer.split('|').collect();
    let [convention, service, role] = offer.as_slice() else {
        errors.push(FieldError::new("offer", t.get("hab.offer.required")));
        return grant_page(&app, &console, &uri.0.to_string(), partner, form, errors).await;
    };
    if form.reason.is_empty() {
        errors.push(FieldError::new("reason", t.get("reason.required")));
    }
    // The subject typed is looked up first, to say plainly which field is wrong (the grant
    // resolves it again under its own rules).
    if by_group && !form.group.is_empty() {
        if crate::group::find(&app.db, &partner, &form.group)
            .await
            .is_err()
        {
            errors.push(FieldError::new("group", t.get("hab.group.unknown")));
        }
    } else if !by_group && !form.account.is_empty() {
        let known = match crate::account::login_id::LoginId::parse(&form.account) {
            Ok(login) => crate::account::find_by_login(&app.db, &partner, &login)
                .await
                .is_ok(),
            Err(_) => false,
        };
        if !known {
            errors.push(FieldError::new("account", t.get("hab.account.unknown")));
        }
    }
    // The role's required attribute, from the value typed (the grant refuses it when missing).
    let mut attributes = std::collections::BTreeMap::new();
    let required = required_attribute(&app, &partner, service, role).await?;
    if let Some(key) = &required {
        if form.attribute.is_empty() {
            errors.push(FieldError::new(
                "attribute",
                t.get("hab.attribute.required"),
            ));
        } else {
            attributes.insert(key.clone(), form.attribute.clone());
        }
    }
    if !errors.is_empty() {
        return grant_page(&app, &console, &uri.0.to_string(), partner, form, errors).await;
    }
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let body = GrantBody {
        convention: (*convention).to_owned(),
        service: (*service).to_owned(),
        role: (*role).to_owned(),
        account: (!by_group).then(|| form.account.clone()),
        group: by_group.then(|| form.group.clone()),
        territory: (!form.territory.is_empty()).then(|| form.territory.join(",")),
        valid_from: opt(&form.valid_from),
        valid_until: opt(&form.valid_until),
        attributes,
        reason: form.reason.clone(),
    };
    if field(&pairs, "file") == Some("request") {
        // Centralised mode: the fund decides; the same form files the request instead.
        let filed = match body.into_request() {
            Ok(req) => file_request_as(&app, &console.caller, p, Payload::Grant(req)).await,
            Err(e) => Err(e),
        };
        return match filed {
            Ok(_) => Ok(Redirect::to(&format!(
                "/console/partners/{p}/requests?done=done.request.filed"
            ))
            .into_response()),
            Err(e) => {
                errors.push(refusal(e, console.lang, "offer")?);
                grant_page(&app, &console, &uri.0.to_string(), partner, form, errors).await
            }
        };
    }
    match grant_as(&app, &console.caller, p, body).await {
        Ok(h) => Ok(Redirect::to(&format!(
            "/console/partners/{p}/habilitations/{}?done=done.hab.granted",
            h.id
        ))
        .into_response()),
        Err(ApiError::Web(WebError::NotFound)) => {
            // The partner is seen: what is not found is the account or the group typed.
            let (f, key) = if by_group {
                ("group", "hab.group.unknown")
            } else {
                ("account", "hab.account.unknown")
            };
            errors.push(FieldError::new(f, t.get(key)));
            grant_page(&app, &console, &uri.0.to_string(), partner, form, errors).await
        }
        Err(e) => {
            let mut at = grant_field(refusal_code(&e));
            if at == "account" && by_group {
                at = "group";
            }
            errors.push(refusal(e, console.lang, at)?);
            grant_page(&app, &console, &uri.0.to_string(), partner, form, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "console/partner/habilitation.html")]
struct ShowPage {
    f: Frame,
    partner_id: i64,
    partner: String,
    h: Held,
    reason: String,
    /// The role attributes the habilitation carries (CDAP T4: the instructor number), as
    /// `key: value`.
    attributes: Vec<(String, String)>,
    valid_until: String,
    end_reason: String,
}

/// Habilitation `h` of partner `p`, if the person may change it (the API's decision); another
/// partner's is not found.
async fn the_habilitation(
    app: &AppState,
    console: &Console,
    p: i64,
    h: i64,
) -> Result<(Partner, crate::habilitation::Habilitation), Response> {
    seen(app, console, p).await?;
    let (partner, hab) = on_habilitation(app, &console.caller, h)
        .await
        .map_err(IntoResponse::into_response)?;
    if partner.id != p {
        return Err(WebError::NotFound.into_response());
    }
    Ok((partner, hab))
}

async fn show_page(
    app: &AppState,
    console: &Console,
    path: &str,
    p: i64,
    h: i64,
    typed: (String, String),
    errors: Vec<FieldError>,
) -> Shown {
    let (partner, hab) = the_habilitation(app, console, p, h).await?;
    let reason = hab.reason.clone();
    let attributes = hab.attributes.clone().into_iter().collect();
    let today = app.clock.now().date();
    let until = hab.valid_until.map(|d| d.to_string()).unwrap_or_default();
    let line = held_lines(app, &partner, vec![hab], today)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| WebError::NotFound.into_response())?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (valid_until, end_reason) = if errors.is_empty() {
        (until, String::new())
    } else {
        typed
    };
    let page = ShowPage {
        f: Frame::new(console, path).with_errors(errors),
        partner_id: p,
        partner: partner.name,
        h: line,
        reason,
        attributes,
        valid_until,
        end_reason,
    };
    Ok(render(status, &page, console.lang))
}

async fn show(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, h)): Path<(i64, i64)>,
) -> Shown {
    let path = uri.0.to_string();
    show_page(&app, &console, &path, p, h, Default::default(), Vec::new()).await
}

async fn end_date(
    State(app): State<AppState>,
    console: Console,
    Path((p, h)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    the_habilitation(&app, &console, p, h).await?;
    let until = field(&form, "valid_until").unwrap_or("").trim().to_owned();
    let reason = field(&form, "end_reason").unwrap_or("").trim().to_owned();
    let path = format!("/console/partners/{p}/habilitations/{h}");
    let t = T::new(console.lang);
    let error = if reason.is_empty() {
        FieldError::new("end_reason", t.get("reason.required"))
    } else {
        let body = EndDateBody {
            valid_until: (!until.is_empty()).then(|| until.clone()),
            reason: reason.clone(),
        };
        match set_end_date_as(&app, &console.caller, h, body).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("{path}?done=done.hab.end_date")).into_response());
            }
            Err(e) => refusal(e, console.lang, "valid_until")?,
        }
    };
    show_page(&app, &console, &path, p, h, (until, reason), vec![error]).await
}

fn withdraw_confirm(console: &Console, path: &str, p: i64, h: &Held) -> Confirm {
    let f = Frame::new(console, path);
    let holder = match (&h.account, &h.group) {
        (Some((_, login)), _) => login.clone(),
        (_, Some((_, name))) => name.clone(),
        _ => String::new(),
    };
    Confirm {
        title: f.t("hab.withdraw"),
        intro: f.t("hab.withdraw.intro"),
        button: f.t("hab.withdraw"),
        f,
        subject: format!("{} {} — {holder}", h.service, h.role),
        action: format!("/console/partners/{p}/habilitations/{}/withdraw", h.id),
        back: format!("/console/partners/{p}/habilitations/{}", h.id),
        ask_reason: true,
        reason: String::new(),
        danger: true,
    }
}

async fn held_one(app: &AppState, console: &Console, p: i64, h: i64) -> Result<Held, Response> {
    let (partner, hab) = the_habilitation(app, console, p, h).await?;
    let today = app.clock.now().date();
    held_lines(app, &partner, vec![hab], today)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| WebError::NotFound.into_response())
}

async fn confirm_withdraw(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, h)): Path<(i64, i64)>,
) -> Shown {
    let line = held_one(&app, &console, p, h).await?;
    let page = withdraw_confirm(&console, &uri.0.to_string(), p, &line);
    Ok(render(StatusCode::OK, &page, console.lang))
}

async fn withdraw(
    State(app): State<AppState>,
    console: Console,
    uri: OriginalUri,
    Path((p, h)): Path<(i64, i64)>,
    body: Bytes,
) -> Shown {
    let form = console.form(&body)?;
    let line = held_one(&app, &console, p, h).await?;
    let reason = field(&form, "reason").unwrap_or("").trim().to_owned();
    let t = T::new(console.lang);
    let error = if reason.is_empty() {
        FieldError::new("reason", t.get("reason.required"))
    } else {
        match withdraw_as(&app, &console.caller, h, &reason).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!(
                    "/console/partners/{p}/habilitations/{h}?done=done.hab.withdrawn"
                ))
                .into_response());
            }
            Err(e) => refusal(e, console.lang, "reason")?,
        }
    };
    let mut page = withdraw_confirm(&console, &uri.0.to_string(), p, &line);
    page.f = page.f.with_errors(vec![error]);
    page.reason = reason;
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
        console.lang,
    ))
}
