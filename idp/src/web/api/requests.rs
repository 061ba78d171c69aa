//! Access requests (centralised mode): filed by partner administrators, decided by the fund.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::partners::{fund_of, seen_partner};
use super::{ApiResult, ListQuery, Page, ReasonBody, fail, object};
use crate::access_request::{self, Payload};
use crate::authz::{Operation, decide};
use crate::partner::Partner;
use crate::state::AppState;
use crate::web::WebError;

/// A partner's access requests (filter `status`).
#[utoipa::path(get, path = "/partners/{partner}/access-requests", tag = "access requests",
    params(("partner" = i64, Path, description = "Partner id"), ListQuery),
    responses((status = 200, body = Page), (status = 404)))]
pub(super) async fn list_of_partner(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page>> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    let filter = q.filter();
    let page = access_request::page_of_partner(&app.db, &partner, &filter)
        .await
        .map_err(|e| fail(&e))?;
    ListQuery::listed(&filter, page)
}

/// A request to file: `kind` is `create_account`, `grant`, `withdraw` or `modify`, with its
/// fields (see the documentation, docs/admin-api.md).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub(super) struct RequestBody(Payload);

/// Files an access request of the partner; the caller is the requester.
#[utoipa::path(post, path = "/partners/{partner}/access-requests", tag = "access requests", request_body = RequestBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404)))]
pub(super) async fn file(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(RequestBody(payload)): Json<RequestBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&super::manage::file_request_as(&app, &caller, id, payload).await?)
}

/// The requests of every partner of the funds the caller operates (filter `status`).
#[utoipa::path(get, path = "/access-requests", tag = "access requests", params(ListQuery),
    responses((status = 200, body = Page)))]
pub(super) async fn queue(
    State(app): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page>> {
    let funds: Vec<i64> = caller.principal.operated_funds().into_iter().collect();
    let filter = q.filter();
    let page = access_request::page_of_funds(&app.db, &funds, &filter)
        .await
        .map_err(|e| fail(&e))?;
    ListQuery::listed(&filter, page)
}

async fn to_decide(app: &AppState, caller: &Caller, id: i64) -> ApiResult<Partner> {
    let partner = access_request::partner_of(&app.db, id)
        .await
        .map_err(|e| fail(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, partner.id).await?;
    decide(&caller.principal, &Operation::DecideRequest { at })?;
    Ok(partner)
}

/// Approves a request: applies it with the rules of a direct change, atomically; answers the
/// request, the accounts whose access changed and, for an account creation, its temporary
/// password (once).
#[utoipa::path(post, path = "/access-requests/{request}/approve", tag = "access requests",
    params(("request" = i64, Path, description = "Request id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn approve(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (out, emailed) = approve_as(&app, &caller, id).await?;
    object(&serde_json::json!({
        "request": out.request,
        "affected_accounts": out.affected_accounts,
        "temporary_password": out.temporary_password.as_ref().map(|s| s.expose()),
        "emailed": emailed,
    }))
}

/// Approves request `id` as `caller`, ends the access it withdrew and e-mails the requester;
/// answers the approval and the e-mails sent (the API and the console).
pub(crate) async fn approve_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(access_request::Approved, usize)> {
    let partner = to_decide(app, caller, id).await?;
    let fund = fund_of(app, &partner).await?;
    let now = app.clock.now();
    let (db, actor, settings) = (&app.db, &caller.principal.actor, &app.config.accounts);
    let out = access_request::approve(db, now, actor, settings, &fund, &partner, id)
        .await
        .map_err(|e| fail(&e))?;
    // A withdrawn (or shortened) habilitation ends its holders' tokens at the service at once.
    if let Some(sub) = out
        .subscription_id
        .filter(|_| !out.affected_accounts.is_empty())
    {
        super::end_service_access(app, sub, &out.affected_accounts).await?;
    }
    let emailed = mail_requester(app, out.request.requested_by).await;
    Ok((out, emailed))
}

/// Rejects a request with a reason.
#[utoipa::path(post, path = "/access-requests/{request}/reject", tag = "access requests", request_body = ReasonBody,
    params(("request" = i64, Path, description = "Request id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn reject(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&reject_as(&app, &caller, id, &body.reason).await?)
}

/// Rejects request `id` with `reason` as `caller` and e-mails the requester (the API and the
/// console).
pub(crate) async fn reject_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> ApiResult<access_request::AccessRequest> {
    let partner = to_decide(app, caller, id).await?;
    let now = app.clock.now();
    let r = access_request::reject(&app.db, now, &caller.principal.actor, &partner, id, reason)
        .await
        .map_err(|e| fail(&e))?;
    mail_requester(app, r.requested_by).await;
    Ok(r)
}

/// E-mails the requester the decision, already committed: a failure is logged, never undoes it.
async fn mail_requester(app: &AppState, requester: i64) -> usize {
    let (db, mailer, now) = (&app.db, &app.creds.mailer, app.clock.now());
    access_request::mail_notifications(db, mailer, now, requester)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the requester could not be e-mailed");
            0
        })
}
