//! The caller, partners and conventions: `/me`, `/partners…`, `/conventions/{id}/…`.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::{ApiResult, ListQuery, Page, ReasonBody, fail, internal, invalid_value, object};
use crate::authz::{self, At, Operation, Role, decide};
use crate::convention::lifecycle::ManagementMode;
use crate::fund::Fund;
use crate::partner::{self, Partner, PartnerKind};
use crate::state::AppState;
use crate::supervision::{self, PartnerEdit};
use crate::web::WebError;

/// The partner `id` if the caller may see it, with its decision facts; else 404.
pub(crate) async fn seen_partner(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(Partner, At)> {
    let partner = authz::lookup::partner(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let at = authz::at_partner(&app.db, &partner)
        .await
        .map_err(|e| internal(&e))?;
    if !caller.principal.sees_partner(at.fund_id, at.partner_id) {
        return Err(WebError::NotFound.into());
    }
    Ok((partner, at))
}

/// The fund of a partner.
pub(crate) async fn fund_of(app: &AppState, partner: &Partner) -> ApiResult<Fund> {
    authz::lookup::fund(&app.db, partner.fund_id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or_else(|| internal(&"partner without fund"))
}

/// Who is calling, and their roles.
#[utoipa::path(get, path = "/me", tag = "caller",
    responses((status = 200, description = "The caller's account and roles", body = serde_json::Value)))]
pub(super) async fn me(caller: Caller) -> ApiResult<Json<serde_json::Value>> {
    let roles: Vec<serde_json::Value> = caller
        .principal
        .roles
        .iter()
        .map(|r| match r {
            Role::FundOperator { fund_id } => {
                serde_json::json!({ "role": "fund_operator", "fund": fund_id })
            }
            Role::Administrator {
                partner_id, seat, ..
            } => {
                serde_json::json!({ "role": "administrator", "seat": seat, "partner": partner_id })
            }
            Role::DelegatedManager {
                partner_id,
                scope,
                may_delegate,
                ..
            } => serde_json::json!({
                "role": "delegated_manager", "partner": partner_id, "scope": scope,
                "may_delegate": may_delegate,
            }),
        })
        .collect();
    object(&serde_json::json!({ "account": caller.account, "roles": roles }))
}

/// The partners the caller sees: every partner of the funds they operate, and the partners
/// they administer.
#[utoipa::path(get, path = "/partners", tag = "partners", params(ListQuery),
    responses((status = 200, body = Page)))]
pub(super) async fn list_partners(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page>> {
    let mut out: Vec<Partner> = Vec::new();
    for fund_id in caller.principal.operated_funds() {
        if let Some(fund) = authz::lookup::fund(&app.db, fund_id)
            .await
            .map_err(|e| internal(&e))?
        {
            out.extend(partner::list(&app.db, &fund).await.map_err(|e| fail(&e))?);
        }
    }
    for id in caller.principal.administered_partners() {
        if let Some(p) = authz::lookup::partner(&app.db, id)
            .await
            .map_err(|e| internal(&e))?
            .filter(|p| !out.iter().any(|o| o.id == p.id))
        {
            out.push(p);
        }
    }
    q.page(
        out,
        |p| p.status.as_str().to_owned(),
        |p| format!("{} {}", p.third_party_number, p.name),
    )
}

/// One partner.
#[utoipa::path(get, path = "/partners/{partner}", tag = "partners",
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 404, description = "Not yours")))]
pub(super) async fn get_partner(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    object(&serde_json::json!({ "partner": partner, "centralised": at.centralised }))
}

/// What a fund operator may change about a partner.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PartnerPatch {
    /// New name.
    pub(crate) name: Option<String>,
    /// New SIRET.
    pub(crate) siret: Option<String>,
    /// New kind (`commune`, `departement`, `childcare_operator`, …).
    pub(crate) kind: Option<String>,
    /// New contact e-mail.
    pub(crate) email: Option<String>,
}

fn bad(code: &'static str, what: &str) -> WebError {
    WebError::BadRequest {
        code,
        message: format!("invalid {what}"),
        message_fr: format!("Valeur invalide : {what}."),
    }
}

/// Edits a partner (fund operators).
#[utoipa::path(patch, path = "/partners/{partner}", tag = "partners", request_body = PartnerPatch,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn edit_partner(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<PartnerPatch>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&edit_partner_as(&app, &caller, id, body).await?)
}

/// Edits a partner as `caller` (the API and the console).
pub(crate) async fn edit_partner_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: PartnerPatch,
) -> ApiResult<Partner> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    decide(
        &caller.principal,
        &Operation::ManageRegister {
            fund_id: at.fund_id,
        },
    )?;
    let edit = PartnerEdit {
        name: body.name,
        siret: body
            .siret
            .map(|s| partner::ids::Siret::parse(&s))
            .transpose()
            .map_err(|e| invalid_value(e.code(), e.to_string(), e.message_fr()))?,
        kind: body
            .kind
            .map(|k| PartnerKind::parse(&k).ok_or_else(|| bad("partner.kind_invalid", "kind")))
            .transpose()?,
        email: body
            .email
            .map(|e| crate::account::email::Email::parse(&e))
            .transpose()
            .map_err(|e| invalid_value(e.code(), e.to_string(), e.message_fr()))?,
    };
    let fund = fund_of(app, &partner).await?;
    let now = app.clock.now();
    supervision::edit_partner(&app.db, now, &caller.principal.actor, &fund, &partner, edit)
        .await
        .map_err(|e| fail(&e))
}

/// Suspends (`suspend`) or reactivates a partner as `caller`; a suspension ends the access of
/// every account under it at once (the API and the console).
pub(crate) async fn set_partner_status_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    suspend: bool,
    reason: &str,
) -> ApiResult<supervision::Affected<Partner>> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    decide(&caller.principal, &Operation::SupervisePartner { at })?;
    let fund = fund_of(app, &partner).await?;
    let now = app.clock.now();
    let out = supervision::set_partner_status(
        &app.db,
        now,
        &caller.principal.actor,
        &fund,
        &partner,
        suspend,
        reason,
    )
    .await
    .map_err(|e| fail(&e))?;
    if suspend {
        super::end_access(app, &caller.principal.actor, &out.affected_accounts).await?;
    }
    Ok(out)
}

/// Suspends a partner: every access under it pauses at once (fund operators).
#[utoipa::path(post, path = "/partners/{partner}/suspend", tag = "partners", request_body = ReasonBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, description = "The partner and the affected accounts", body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn suspend_partner(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&set_partner_status_as(&app, &caller, id, true, &body.reason).await?)
}

/// Reactivates a suspended partner (fund operators).
#[utoipa::path(post, path = "/partners/{partner}/reactivate", tag = "partners", request_body = ReasonBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn reactivate_partner(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&set_partner_status_as(&app, &caller, id, false, &body.reason).await?)
}

/// A partner's conventions.
#[utoipa::path(get, path = "/partners/{partner}/conventions", tag = "partners", params(("partner" = i64, Path, description = "Partner id"), ListQuery),
    responses((status = 200, body = Page), (status = 404)))]
pub(super) async fn list_conventions(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page>> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    let fund = fund_of(&app, &partner).await?;
    let all = crate::convention::list(&app.db, &fund)
        .await
        .map_err(|e| fail(&e))?;
    let mine = all
        .into_iter()
        .filter(|c| c.partner_id == partner.id)
        .collect();
    q.page(
        mine,
        |c| c.status.as_str().to_owned(),
        |c| c.number.to_string(),
    )
}

/// The management mode to set.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct ModeBody {
    /// `delegated` or `centralised`.
    mode: String,
    /// Why.
    #[serde(default)]
    reason: String,
}

/// Switches a convention between delegated and centralised management (fund operators).
#[utoipa::path(post, path = "/conventions/{convention}/management-mode", tag = "partners", request_body = ModeBody,
    params(("convention" = i64, Path, description = "Convention id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn set_management_mode(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ModeBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&set_management_mode_as(&app, &caller, id, &body.mode, &body.reason).await?)
}

/// Switches convention `id` to `mode` as `caller` (the API and the console).
pub(crate) async fn set_management_mode_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    mode: &str,
    reason: &str,
) -> ApiResult<crate::convention::Convention> {
    let convention = authz::lookup::convention(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, convention.partner_id).await?;
    decide(&caller.principal, &Operation::SupervisePartner { at })?;
    let mode = ManagementMode::parse(mode)
        .map_err(|e| invalid_value(e.code(), e.to_string(), e.message_fr()))?;
    let fund = fund_of(app, &partner).await?;
    let now = app.clock.now();
    supervision::set_management_mode(
        &app.db,
        now,
        &caller.principal.actor,
        &fund,
        &convention,
        mode,
        reason,
    )
    .await
    .map_err(|e| fail(&e))
}

/// A partner's principal and deputy administrators.
#[utoipa::path(get, path = "/partners/{partner}/administrators", tag = "partners",
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 404)))]
pub(super) async fn list_administrators(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    let list = crate::delegation::administrators(&app.db, &partner)
        .await
        .map_err(|e| fail(&e))?;
    object(&serde_json::json!({ "administrators": list }))
}

/// A seat to fill.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct DesignateBody {
    /// `principal` or `deputy`.
    kind: String,
    /// Login of an account of the partner.
    login: String,
}

/// Designates (or replaces) the partner's principal or deputy administrator (fund operators:
/// 002 contract art. 2.2.2, their rights "sont exclusivement gérés par … la Caf").
#[utoipa::path(post, path = "/partners/{partner}/administrators", tag = "partners", request_body = DesignateBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn designate(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<DesignateBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&designate_as(&app, &caller, id, &body.kind, &body.login).await?)
}

/// Designates the account `login` to the `kind` seat of partner `id` as `caller` (the API and
/// the console).
pub(crate) async fn designate_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    kind: &str,
    login: &str,
) -> ApiResult<crate::delegation::Administrator> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    decide(&caller.principal, &Operation::SupervisePartner { at })?;
    let kind = crate::delegation::AdminKind::parse(kind)
        .ok_or_else(|| bad("admin.kind_invalid", "kind (principal or deputy)"))?;
    let login = crate::account::login_id::LoginId::parse(login)
        .map_err(|e| invalid_value(e.code(), e.to_string(), e.message_fr()))?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    crate::delegation::designate(db, now, actor, &partner, kind, &login)
        .await
        .map_err(|e| fail(&e))
}

/// The quotas of a subscription: per role, and optionally for the service as a whole.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct QuotasBody {
    /// Opening date, YYYY-MM-DD (default today; kept when the subscription exists).
    pub(crate) opened_on: Option<String>,
    /// Cap for the service as a whole.
    pub(crate) total: Option<u32>,
    /// Maximum holders per role code, e.g. `{"T1": 10, "T2": 5}`.
    #[serde(default)]
    pub(crate) quotas: std::collections::BTreeMap<String, u32>,
}

/// Opens a service under a convention or changes its quotas (fund operators). Lowering a quota
/// below its use is refused with the list of holders (`quota.below_use`).
#[utoipa::path(put, path = "/conventions/{convention}/subscriptions/{service}", tag = "partners", request_body = QuotasBody,
    params(("convention" = i64, Path, description = "Convention id"), ("service" = String, Path, description = "Service code")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn set_subscription(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, service)): Path<(i64, String)>,
    Json(body): Json<QuotasBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&set_subscription_as(&app, &caller, id, &service, body).await?)
}

/// Opens service `service` under convention `id`, or changes its quotas, as `caller` (the API
/// and the console).
pub(crate) async fn set_subscription_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    service: &str,
    body: QuotasBody,
) -> ApiResult<crate::subscription::Subscription> {
    let convention = authz::lookup::convention(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, convention.partner_id).await?;
    decide(
        &caller.principal,
        &Operation::ManageRegister {
            fund_id: at.fund_id,
        },
    )?;
    let fund = fund_of(app, &partner).await?;
    let code = crate::service::ServiceCode::parse(service)
        .map_err(|_| bad("service.code_invalid", "service code"))?;
    let service = crate::service::find(&app.db, &fund, &code)
        .await
        .map_err(|e| fail(&e))?;
    let now = app.clock.now();
    let opened_on = match body.opened_on.as_deref() {
        Some(d) => time::Date::parse(
            d.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| bad("date.invalid", "opened_on (YYYY-MM-DD)"))?,
        None => now.date(),
    };
    let input = crate::subscription::SubscriptionInput {
        opened_on,
        total_quota: body.total,
        quotas: body.quotas.into_iter().collect(),
    };
    let (db, actor) = (&app.db, &caller.principal.actor);
    crate::subscription::set(db, now, actor, &convention, &service, input)
        .await
        .map_err(|e| fail(&e))
}
