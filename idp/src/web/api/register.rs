//! The fund's register through the API (issue #5 point 2, the fund operator): partners
//! (create, CSV import), units, conventions (create, show with the term's dates, lifecycle)
//! and the list of a convention's subscriptions. Editing a partner and setting a subscription's
//! quotas live in `partners`.
//!
//! Every route decides with [`crate::authz::decide`]: `ViewFund`/`ViewPartner` to read,
//! `ManageRegister` to change. A fund the caller neither operates nor belongs to, and a partner
//! or convention they cannot see, answer 404.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::partners::{fund_of, seen_partner};
use super::{ApiResult, ReasonBody, fail, internal, invalid_value, object};
use crate::authz::{self, Operation, decide};
use crate::convention::lifecycle::{ConventionAction, ManagementMode};
use crate::convention::number::ConventionNumber;
use crate::convention::{self, Convention, NewConvention};
use crate::fund::Fund;
use crate::partner::{self, NewPartner, Partner};
use crate::state::AppState;
use crate::territory::Territory;
use crate::web::WebError;

/// The fund `id` if the caller may know it exists (their own fund, or one they operate); 404
/// otherwise.
pub(super) async fn seen_fund(app: &AppState, caller: &Caller, id: i64) -> ApiResult<Fund> {
    let p = &caller.principal;
    if !(p.installation || p.fund_id == Some(id) || p.operated_funds().contains(&id)) {
        return Err(WebError::NotFound.into());
    }
    authz::lookup::fund(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or_else(|| WebError::NotFound.into())
}

/// The convention `id` with its partner if the caller may see the partner; 404 otherwise.
pub(crate) async fn seen_convention(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(Convention, Partner, authz::At)> {
    let convention = authz::lookup::convention(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, convention.partner_id).await?;
    Ok((convention, partner, at))
}

fn bad(e: impl Into<convention::ConventionError>) -> super::ApiError {
    fail(&e.into())
}

fn date(field: &str, value: &str) -> ApiResult<time::Date> {
    time::Date::parse(
        value.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        invalid_value(
            "date.invalid",
            format!("invalid {field} (YYYY-MM-DD)"),
            format!("Date invalide : {field} (AAAA-MM-JJ)."),
        )
    })
}

/// A partner to add to the fund's register.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct PartnerBody {
    /// Number in the fund's third-party register, e.g. `79A69243`.
    pub(crate) third_party_number: String,
    /// Name.
    pub(crate) name: String,
    /// `commune`, `departement`, `childcare_operator`, `childcare_structure`,
    /// `information_point` or `other`.
    pub(crate) kind: String,
    /// SIRET (14 digits).
    pub(crate) siret: Option<String>,
    /// Contact e-mail.
    pub(crate) email: Option<String>,
}

/// Adds a partner to the fund's third-party register (fund operators).
#[utoipa::path(post, path = "/funds/{fund}/partners", tag = "register", request_body = PartnerBody,
    params(("fund" = i64, Path, description = "Fund id")),
    responses((status = 200, description = "The partner created", body = serde_json::Value),
        (status = 400), (status = 403), (status = 404), (status = 409, description = "Number already in the register")))]
pub(super) async fn create_partner(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<PartnerBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&create_partner_as(&app, &caller, id, body).await?)
}

/// Adds a partner to fund `id`'s register as `caller` (the API and the console).
pub(crate) async fn create_partner_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: PartnerBody,
) -> ApiResult<Partner> {
    let fund = seen_fund(app, caller, id).await?;
    decide(
        &caller.principal,
        &Operation::ManageRegister { fund_id: fund.id },
    )?;
    let new = NewPartner::parse(
        &body.third_party_number,
        body.siret.as_deref(),
        &body.name,
        &body.kind,
        body.email.as_deref(),
    )
    .map_err(|e| fail(&e))?;
    let (db, actor) = (&app.db, &caller.principal.actor);
    partner::create(db, app.clock.now(), actor, &fund, new)
        .await
        .map_err(|e| fail(&e))
}

/// Imports the fund's third-party register from a CSV body (`Content-Type: text/csv`, UTF-8,
/// `;` or `,` separated, header naming `third_party_number`, `siret`, `name`, `kind`, `email`
/// or their French names). Every line is checked before anything is written: one bad line
/// refuses the whole file with the list of lines (`partner.csv_invalid`).
#[utoipa::path(post, path = "/funds/{fund}/partners/import", tag = "register",
    request_body(content = String, content_type = "text/csv", description = "The register"),
    params(("fund" = i64, Path, description = "Fund id")),
    responses((status = 200, description = "Created, updated and unchanged counts", body = serde_json::Value),
        (status = 400, description = "Unreadable file or invalid lines"), (status = 403), (status = 404)))]
pub(super) async fn import_partners(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: String,
) -> ApiResult<Json<serde_json::Value>> {
    let fund = seen_fund(&app, &caller, id).await?;
    decide(
        &caller.principal,
        &Operation::ManageRegister { fund_id: fund.id },
    )?;
    let (db, actor) = (&app.db, &caller.principal.actor);
    let report = partner::import_csv(db, app.clock.now(), actor, &fund, body.as_bytes())
        .await
        .map_err(|e| fail(&e))?;
    object(&serde_json::json!({ "import": report }))
}

/// A partner's units.
#[utoipa::path(get, path = "/partners/{partner}/units", tag = "register",
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, description = "`{\"units\": [...]}`", body = serde_json::Value), (status = 404)))]
pub(super) async fn list_units(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    let units = partner::units(&app.db, &partner)
        .await
        .map_err(|e| fail(&e))?;
    object(&serde_json::json!({ "units": units }))
}

/// A unit to create.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct UnitBody {
    /// Code, unique within the partner (letters, digits, `-`, `_`; 1 to 32).
    pub(crate) code: String,
    /// Name.
    pub(crate) name: String,
    /// SIRET of the unit, when it has its own.
    pub(crate) siret: Option<String>,
}

/// Adds a unit to a partner, e.g. one childcare structure of an operator (fund operators).
#[utoipa::path(post, path = "/partners/{partner}/units", tag = "register", request_body = UnitBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn create_unit(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<UnitBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&create_unit_as(&app, &caller, id, body).await?)
}

/// Adds a unit to partner `id` as `caller` (the API and the console).
pub(crate) async fn create_unit_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: UnitBody,
) -> ApiResult<partner::Unit> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    decide(
        &caller.principal,
        &Operation::ManageRegister {
            fund_id: at.fund_id,
        },
    )?;
    let siret = body
        .siret
        .as_deref()
        .map(partner::ids::Siret::parse)
        .transpose()
        .map_err(|e| invalid_value(e.code(), e.to_string(), e.message_fr()))?;
    let (db, actor) = (&app.db, &caller.principal.actor);
    partner::create_unit(
        db,
        app.clock.now(),
        actor,
        &partner,
        &body.code,
        &body.name,
        siret,
    )
    .await
    .map_err(|e| fail(&e))
}

/// A convention to create (as a draft).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ConventionBody {
    /// Number, unique within the fund, e.g. `79-2017-19`.
    pub(crate) number: String,
    /// Effective date, YYYY-MM-DD (002 art. 17.1: from signature).
    pub(crate) effective_from: String,
    /// Signature date, YYYY-MM-DD.
    pub(crate) signed_on: Option<String>,
    /// `delegated` (default) or `centralised`.
    pub(crate) management_mode: Option<String>,
    /// Territory: départements and INSEE commune codes, e.g. `"79"` or `"79, 86001"`; inside
    /// the fund's départements.
    pub(crate) territory: String,
    /// Stated mission (finalité, 002 art. 8).
    pub(crate) mission: String,
}

/// Creates a convention between the fund and a partner, as a draft (fund operators).
#[utoipa::path(post, path = "/partners/{partner}/conventions", tag = "register", request_body = ConventionBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn create_convention(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ConventionBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let c = create_convention_as(&app, &caller, id, body).await?;
    shown(&app, &c)
}

/// Creates a draft convention with partner `id` as `caller` (the API and the console).
pub(crate) async fn create_convention_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: ConventionBody,
) -> ApiResult<Convention> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    decide(
        &caller.principal,
        &Operation::ManageRegister {
            fund_id: at.fund_id,
        },
    )?;
    let new = NewConvention {
        number: ConventionNumber::parse(&body.number).map_err(bad)?,
        signed_on: body
            .signed_on
            .as_deref()
            .map(|d| date("signed_on", d))
            .transpose()?,
        effective_from: date("effective_from", &body.effective_from)?,
        management_mode: ManagementMode::parse(
            body.management_mode.as_deref().unwrap_or("delegated"),
        )
        .map_err(bad)?,
        mission: body.mission,
        territory: Territory::parse_list(&body.territory)
            .map_err(|e| invalid_value(e.code(), e.to_string(), e.message_fr()))?,
    };
    let fund = fund_of(app, &partner).await?;
    let (db, actor) = (&app.db, &caller.principal.actor);
    convention::create(db, app.clock.now(), actor, &fund, &partner, new)
        .await
        .map_err(|e| fail(&e))
}

/// A convention with its term's dates on today: the yearly tacit renewal and the last day a
/// termination letter may be received (002 art. 17).
fn shown(app: &AppState, c: &Convention) -> ApiResult<Json<serde_json::Value>> {
    let term = c.term.schedule(app.clock.now().date());
    object(&serde_json::json!({ "convention": c, "term": term }))
}

/// One convention, with its term: effective date, current period, next tacit renewal and the
/// notice deadline (3 months before the period's end).
#[utoipa::path(get, path = "/conventions/{convention}", tag = "register",
    params(("convention" = i64, Path, description = "Convention id")),
    responses((status = 200, body = serde_json::Value), (status = 404)))]
pub(super) async fn get_convention(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (c, _, at) = seen_convention(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    shown(&app, &c)
}

/// Applies a lifecycle action; suspending or terminating ends the access of every account
/// holding a habilitation under the convention at once (cascade).
async fn lifecycle(
    app: &AppState,
    caller: &Caller,
    id: i64,
    action: ConventionAction,
    reason: &str,
) -> ApiResult<Json<serde_json::Value>> {
    let (out, sessions_ended) = convention_lifecycle_as(app, caller, id, action, reason).await?;
    let term = out.convention.term.schedule(app.clock.now().date());
    object(&serde_json::json!({
        "convention": out.convention,
        "term": term,
        "withdrawn_habilitations": out.withdrawn_habilitations,
        "affected_accounts": out.affected_accounts.len(),
        "sessions_ended": sessions_ended,
    }))
}

/// Applies a lifecycle action to convention `id` as `caller`, then ends the access it paused
/// or ended; answers the outcome and the sessions ended (the API and the console).
pub(crate) async fn convention_lifecycle_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    action: ConventionAction,
    reason: &str,
) -> ApiResult<(convention::LifecycleOutcome, usize)> {
    let (c, partner, at) = seen_convention(app, caller, id).await?;
    decide(
        &caller.principal,
        &Operation::ManageRegister {
            fund_id: at.fund_id,
        },
    )?;
    let fund = fund_of(app, &partner).await?;
    let actor = &caller.principal.actor;
    let reason = Some(reason).filter(|r| !r.trim().is_empty());
    let out = convention::apply(
        &app.db,
        app.clock.now(),
        actor,
        &fund,
        &c.number,
        action,
        reason,
    )
    .await
    .map_err(|e| fail(&e))?;
    let sessions_ended = if matches!(
        action,
        ConventionAction::Suspend | ConventionAction::Terminate
    ) {
        super::end_access(app, actor, &out.affected_accounts).await?
    } else {
        0
    };
    Ok((out, sessions_ended))
}

/// Activates a draft convention (fund operators).
#[utoipa::path(post, path = "/conventions/{convention}/activate", tag = "register", request_body = ReasonBody,
    params(("convention" = i64, Path, description = "Convention id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn activate_convention(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Option<Json<ReasonBody>>,
) -> ApiResult<Json<serde_json::Value>> {
    let reason = body.map(|b| b.0.reason).unwrap_or_default();
    lifecycle(&app, &caller, id, ConventionAction::Activate, &reason).await
}

/// Suspends an active convention with a reason: every access under it pauses at once
/// (sessions end, refresh tokens are revoked, back-channel logouts are sent).
#[utoipa::path(post, path = "/conventions/{convention}/suspend", tag = "register", request_body = ReasonBody,
    params(("convention" = i64, Path, description = "Convention id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn suspend_convention(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    lifecycle(&app, &caller, id, ConventionAction::Suspend, &body.reason).await
}

/// Reactivates a suspended convention: what the suspension paused comes back.
#[utoipa::path(post, path = "/conventions/{convention}/reactivate", tag = "register", request_body = ReasonBody,
    params(("convention" = i64, Path, description = "Convention id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn reactivate_convention(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: Option<Json<ReasonBody>>,
) -> ApiResult<Json<serde_json::Value>> {
    let reason = body.map(|b| b.0.reason).unwrap_or_default();
    lifecycle(&app, &caller, id, ConventionAction::Reactivate, &reason).await
}

/// Terminates a convention with a reason: every habilitation under it is withdrawn (kept for
/// history), its subscriptions close and its accounts' access ends at once. Final.
#[utoipa::path(post, path = "/conventions/{convention}/terminate", tag = "register", request_body = ReasonBody,
    params(("convention" = i64, Path, description = "Convention id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn terminate_convention(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    lifecycle(&app, &caller, id, ConventionAction::Terminate, &body.reason).await
}

/// A convention's subscriptions: the services opened, with their quotas per role.
#[utoipa::path(get, path = "/conventions/{convention}/subscriptions", tag = "register",
    params(("convention" = i64, Path, description = "Convention id")),
    responses((status = 200, description = "`{\"subscriptions\": [{\"service\", \"subscription\"}]}`", body = serde_json::Value), (status = 404)))]
pub(super) async fn list_subscriptions(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (c, partner, at) = seen_convention(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    let fund = fund_of(&app, &partner).await?;
    let subs = crate::subscription::of_convention(&app.db, &c)
        .await
        .map_err(|e| fail(&e))?;
    let services = crate::service::list(&app.db, &fund)
        .await
        .map_err(|e| fail(&e))?;
    let items: Vec<serde_json::Value> = subs
        .iter()
        .map(|s| {
            let code = services
                .iter()
                .find(|x| x.id == s.service_id)
                .map(|x| x.code.to_string());
            serde_json::json!({ "service": code, "subscription": s })
        })
        .collect();
    object(&serde_json::json!({ "subscriptions": items }))
}
