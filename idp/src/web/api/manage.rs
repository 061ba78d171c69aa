//! A partner's accounts, groups, habilitations and delegated managers.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::partners::{fund_of, seen_partner};
use super::{ApiResult, ListQuery, Page, ReasonBody, fail, internal, invalid_value, object};
use crate::access_request::{self, GrantRequest, SubjectRef};
use crate::account::email::Email;
use crate::account::login_id::LoginId;
use crate::account::{self, NewAccount};
use crate::authz::{self, At, Operation, Population, Scope, decide};
use crate::convention::lifecycle::ManagementMode;
use crate::delegation;
use crate::group;
use crate::habilitation::{self, Subject};
use crate::partner::{self, Partner};
use crate::state::AppState;
use crate::supervision;
use crate::territory::Territory;
use crate::web::WebError;

fn login(s: &str) -> ApiResult<LoginId> {
    LoginId::parse(s).map_err(|e| invalid_value(e.code(), e.to_string(), e.message_fr()))
}

fn date(s: Option<&str>) -> ApiResult<Option<time::Date>> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    s.map(|d| {
        time::Date::parse(d.trim(), format).map_err(|_| {
            invalid_value(
                "date.invalid",
                format!("date {d:?} must be YYYY-MM-DD"),
                format!("La date {d:?} doit être au format AAAA-MM-JJ."),
            )
        })
    })
    .transpose()
}

async fn population(app: &AppState, subject: Subject) -> ApiResult<Population> {
    match subject {
        Subject::Group(g) => Ok(authz::population_of_group(g)),
        Subject::Account(id) => {
            let a = authz::lookup::account(&app.db, id)
                .await
                .map_err(|e| internal(&e))?
                .ok_or(WebError::NotFound)?;
            authz::population_of_account(&app.db, &a)
                .await
                .map_err(|e| internal(&e))
        }
    }
}

/// A partner's accounts (filters `status`, `q` on login and names, `group` name, `role`
/// code held directly or through a group), filtered and paged in SQL.
#[utoipa::path(get, path = "/partners/{partner}/accounts", tag = "accounts",
    params(("partner" = i64, Path, description = "Partner id"), ListQuery),
    responses((status = 200, body = Page), (status = 404)))]
pub(super) async fn list_accounts(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page>> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    let filter = q.filter();
    let page = account::manage::page_of_partner(&app.db, &partner, &filter)
        .await
        .map_err(|e| fail(&e))?;
    ListQuery::listed(&filter, page)
}

/// An account to create.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewAccountBody {
    /// Given name.
    pub(crate) given_name: String,
    /// Family name.
    pub(crate) family_name: String,
    /// E-mail address.
    pub(crate) email: Option<String>,
    /// Code of one of the partner's units.
    pub(crate) unit: Option<String>,
}

/// Creates an agent's account; answers its login and its temporary password, once.
#[utoipa::path(post, path = "/partners/{partner}/accounts", tag = "accounts", request_body = NewAccountBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 403, description = "Forbidden, or centralised mode (`authz.centralised`)"), (status = 404)))]
pub(super) async fn create_account(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<NewAccountBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let created = create_account_as(&app, &caller, id, body).await?;
    object(&serde_json::json!({
        "account": created.account,
        "temporary_password": created.temporary_password.expose(),
        "expires_at": created.expires_at.unix_timestamp(),
    }))
}

/// Creates an agent's account of partner `id` for `caller` (the API and the console): the
/// partner must be seen, the rules allow it, then `account::create`.
pub(crate) async fn create_account_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: NewAccountBody,
) -> ApiResult<account::CreatedAccount> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    let unit = match &body.unit {
        Some(code) => Some(
            partner::units(&app.db, &partner)
                .await
                .map_err(|e| fail(&e))?
                .into_iter()
                .find(|u| u.code.eq_ignore_ascii_case(code.trim()))
                .ok_or(WebError::NotFound)?,
        ),
        None => None,
    };
    let population = Population {
        unit: unit.as_ref().map(|u| u.id),
        groups: BTreeSet::new(),
    };
    decide(
        &caller.principal,
        &Operation::ManageAccount { at, population },
    )?;
    let email = body
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| invalid_value(e.code(), e.to_string(), e.message_fr()))?;
    let new = NewAccount {
        given_name: body.given_name,
        family_name: body.family_name,
        email,
        unit,
    };
    let fund = fund_of(app, &partner).await?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    account::create(db, now, actor, &app.config.accounts, &fund, &partner, new)
        .await
        .map_err(|e| fail(&e))
}

/// Suspends (`suspend`) or reactivates account `id` as `caller`, ending its access at once on
/// suspension (the API and the console).
pub(crate) async fn supervise_account_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    suspend: bool,
    reason: &str,
) -> ApiResult<supervision::Affected<account::Account>> {
    let account = authz::lookup::account(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let partner_id = account.partner_id.ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, partner_id).await?;
    decide(&caller.principal, &Operation::SuperviseAccount { at })?;
    let fund = fund_of(app, &partner).await?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    let out = supervision::set_account_suspended(db, now, actor, &fund, &account, suspend, reason)
        .await
        .map_err(|e| fail(&e))?;
    if suspend {
        super::end_access(app, actor, &out.affected_accounts).await?;
    }
    Ok(out)
}

/// Suspends an account as a precaution (fund operators).
#[utoipa::path(post, path = "/accounts/{account}/suspend", tag = "accounts", request_body = ReasonBody,
    params(("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn suspend_account(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&supervise_account_as(&app, &caller, id, true, &body.reason).await?)
}

/// Reactivates a suspended account (fund operators).
#[utoipa::path(post, path = "/accounts/{account}/reactivate", tag = "accounts", request_body = ReasonBody,
    params(("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn reactivate_account(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&supervise_account_as(&app, &caller, id, false, &body.reason).await?)
}

/// A partner's groups (`q` on the name), filtered and paged in SQL.
#[utoipa::path(get, path = "/partners/{partner}/groups", tag = "groups",
    params(("partner" = i64, Path, description = "Partner id"), ListQuery),
    responses((status = 200, body = Page), (status = 404)))]
pub(super) async fn list_groups(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page>> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    let filter = q.filter();
    let page = group::page_of_partner(&app.db, &partner, &filter)
        .await
        .map_err(|e| fail(&e))?;
    ListQuery::listed(&filter, page)
}

/// A group to create.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewGroupBody {
    /// Name, unique within the partner.
    pub(crate) name: String,
    /// What it is for.
    pub(crate) description: Option<String>,
}

/// Creates a group.
#[utoipa::path(post, path = "/partners/{partner}/groups", tag = "groups", request_body = NewGroupBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn create_group(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<NewGroupBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&create_group_as(&app, &caller, id, body).await?)
}

/// Creates a group of partner `id` for `caller` (the API and the console).
pub(crate) async fn create_group_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: NewGroupBody,
) -> ApiResult<group::Group> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    let op = Operation::ManageGroup {
        at,
        group: None,
        member: None,
    };
    decide(&caller.principal, &op)?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    group::create(
        db,
        now,
        actor,
        &partner,
        &body.name,
        body.description.as_deref(),
    )
    .await
    .map_err(|e| fail(&e))
}

/// An account to add.
#[derive(Debug, Deserialize, ToSchema)]
pub(super) struct MemberBody {
    /// Login of an account of the group's partner.
    login: String,
}

/// Adds an account to a group (checks the quotas of every role the group holds).
#[utoipa::path(post, path = "/groups/{group}/members", tag = "groups", request_body = MemberBody,
    params(("group" = i64, Path, description = "Group id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404), (status = 409, description = "Quota reached")))]
pub(super) async fn add_member(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<MemberBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let (g, member) = add_member_as(&app, &caller, id, &body.login).await?;
    object(&serde_json::json!({ "group": g, "added": member.login }))
}

/// The group `id` of a partner `caller` sees, and the partner's decision facts.
pub(crate) async fn seen_group(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(group::Group, Partner, At)> {
    let g = authz::lookup::group(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, g.partner_id).await?;
    Ok((g, partner, at))
}

/// Adds the account `login` to group `id` for `caller` (the API and the console); answers the
/// group and the member.
pub(crate) async fn add_member_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    login_: &str,
) -> ApiResult<(group::Group, account::Account)> {
    let (g, partner, at) = seen_group(app, caller, id).await?;
    let login = login(login_)?;
    let member = account::find_by_login(&app.db, &partner, &login)
        .await
        .map_err(|e| fail(&e))?;
    let member_pop = authz::population_of_account(&app.db, &member)
        .await
        .map_err(|e| internal(&e))?;
    let op = Operation::ManageGroup {
        at,
        group: Some(g.id),
        member: Some(member_pop),
    };
    decide(&caller.principal, &op)?;
    let now = app.clock.now();
    group::add_member(&app.db, now, &caller.principal.actor, &g, &login)
        .await
        .map_err(|e| fail(&e))?;
    Ok((g, member))
}

/// A partner's habilitations (filters `status`, `role` code, `group` name, `q` on service and
/// role), filtered and paged in SQL.
#[utoipa::path(get, path = "/partners/{partner}/habilitations", tag = "habilitations",
    params(("partner" = i64, Path, description = "Partner id"), ListQuery),
    responses((status = 200, body = Page), (status = 404)))]
pub(super) async fn list_habilitations(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page>> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    let filter = q.filter();
    let page = habilitation::page_of_partner(&app.db, &partner, &filter)
        .await
        .map_err(|e| fail(&e))?;
    ListQuery::listed(&filter, page)
}

/// A habilitation to grant: to `account` (a login) or `group` (a name).
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct GrantBody {
    /// Convention number.
    pub(crate) convention: String,
    /// Service code.
    pub(crate) service: String,
    /// Role code.
    pub(crate) role: String,
    /// Login of the account receiving it.
    pub(crate) account: Option<String>,
    /// Name of the group receiving it.
    pub(crate) group: Option<String>,
    /// Narrower territory: départements and INSEE communes, comma-separated.
    pub(crate) territory: Option<String>,
    /// First day, YYYY-MM-DD (default today).
    pub(crate) valid_from: Option<String>,
    /// Last day, YYYY-MM-DD.
    pub(crate) valid_until: Option<String>,
    /// Role attributes (CDAP T4: `instructor_number`).
    #[serde(default)]
    pub(crate) attributes: BTreeMap<String, String>,
    /// Why (mandatory).
    pub(crate) reason: String,
}

impl GrantBody {
    /// The request this body describes (dates and territory parsed).
    pub(crate) fn into_request(self) -> ApiResult<GrantRequest> {
        let subject = match (self.account, self.group) {
            (Some(l), None) => SubjectRef::Account(l),
            (None, Some(g)) => SubjectRef::Group(g),
            _ => {
                return Err(invalid_value(
                    "habilitation.subject_required",
                    "give exactly one of account and group".into(),
                    "Indiquez soit un compte, soit un groupe.".into(),
                ));
            }
        };
        let territory = self
            .territory
            .as_deref()
            .map(Territory::parse_list)
            .transpose()
            .map_err(|e| invalid_value("territory.invalid", e.to_string(), e.to_string()))?;
        Ok(GrantRequest {
            convention: self.convention,
            service: self.service,
            role: self.role,
            subject,
            territory,
            valid_from: date(self.valid_from.as_deref())?,
            valid_until: date(self.valid_until.as_deref())?,
            attributes: self.attributes,
            reason: self.reason,
        })
    }
}

/// The decision facts of a habilitation under `convention_mode`.
fn grant_at(at: At, mode: ManagementMode) -> At {
    At {
        centralised: mode == ManagementMode::Centralised,
        ..at
    }
}

/// Grants a role to an account or a group (quota, territory and convention rules apply).
#[utoipa::path(post, path = "/partners/{partner}/habilitations", tag = "habilitations", request_body = GrantBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404), (status = 409, description = "Quota reached (`quota.exceeded`, naming the quota and its use)")))]
pub(super) async fn grant(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<GrantBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&grant_as(&app, &caller, id, body).await?)
}

/// Grants a role under partner `id` for `caller` (the API and the console): the request is
/// resolved (convention, service, subject), the rules decide, then `habilitation::grant`
/// checks quota and territory.
pub(crate) async fn grant_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: GrantBody,
) -> ApiResult<habilitation::Habilitation> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    let req = body.into_request()?;
    let fund = fund_of(app, &partner).await?;
    let resolved = access_request::resolve_grant(&app.db, &fund, &partner, &req)
        .await
        .map_err(|e| fail(&e))?;
    let op = Operation::Grant {
        at: grant_at(at, resolved.convention.management_mode),
        service_id: resolved.service.id,
        role_id: resolved.service.role(&req.role).map_or(0, |r| r.id),
        subject: population(app, resolved.subject).await?,
    };
    decide(&caller.principal, &op)?;
    let now = app.clock.now();
    let new = resolved.new_grant(&req, now.date());
    habilitation::grant(&app.db, now, &caller.principal.actor, new)
        .await
        .map_err(|e| fail(&e))
}

/// The decision to change an existing habilitation of `partner`.
pub(crate) async fn on_habilitation(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(Partner, habilitation::Habilitation)> {
    let h = authz::lookup::habilitation(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, h.partner_id).await?;
    let convention = authz::lookup::convention(&app.db, h.convention_id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let fund = fund_of(app, &partner).await?;
    let service = crate::service::find(&app.db, &fund, &h.service)
        .await
        .map_err(|e| fail(&e))?;
    let op = Operation::Grant {
        at: grant_at(at, convention.management_mode),
        service_id: service.id,
        role_id: h.role_id,
        subject: population(app, h.subject).await?,
    };
    decide(&caller.principal, &op)?;
    Ok((partner, h))
}

/// Withdraws a habilitation with a reason; answers it with the accounts whose access ended.
#[utoipa::path(post, path = "/habilitations/{habilitation}/withdraw", tag = "habilitations", request_body = ReasonBody,
    params(("habilitation" = i64, Path, description = "Habilitation id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn withdraw(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let (h, affected) = withdraw_as(&app, &caller, id, &body.reason).await?;
    object(&serde_json::json!({ "habilitation": h, "affected_accounts": affected }))
}

/// Withdraws habilitation `id` for `caller` (the API and the console); answers it with the
/// accounts whose access to the service ended.
pub(crate) async fn withdraw_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> ApiResult<(habilitation::Habilitation, Vec<i64>)> {
    let (partner, _) = on_habilitation(app, caller, id).await?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    let h = habilitation::withdraw(db, now, actor, &partner, id, reason)
        .await
        .map_err(|e| fail(&e))?;
    let affected = habilitation::affected_accounts(db, &h)
        .await
        .map_err(|e| fail(&e))?;
    super::end_service_access(app, h.subscription_id, &affected).await?;
    Ok((h, affected))
}

/// A partner's delegated managers.
#[utoipa::path(get, path = "/partners/{partner}/managers", tag = "managers",
    params(("partner" = i64, Path, description = "Partner id"), ListQuery),
    responses((status = 200, body = Page), (status = 404)))]
pub(super) async fn list_managers(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page>> {
    let (partner, at) = seen_partner(&app, &caller, id).await?;
    decide(&caller.principal, &Operation::ViewPartner { at })?;
    let all = delegation::managers(&app.db, &partner)
        .await
        .map_err(|e| fail(&e))?;
    q.page(all, |_| String::new(), |m| m.account.login.to_string())
}

/// A delegated manager's scope: ids of services, roles, groups and units; a missing list means
/// "all of the partner's".
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct ScopeBody {
    pub(crate) services: Option<Vec<i64>>,
    pub(crate) roles: Option<Vec<i64>>,
    pub(crate) groups: Option<Vec<i64>>,
    pub(crate) units: Option<Vec<i64>>,
}

/// A delegated manager to appoint.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ManagerBody {
    /// Login of an account of the partner.
    pub(crate) login: String,
    /// What they administer.
    #[serde(default)]
    pub(crate) scope: ScopeBody,
    /// Whether they may appoint managers in turn.
    #[serde(default)]
    pub(crate) may_delegate: bool,
}

/// Appoints a delegated manager (only ever within the appointer's own scope).
#[utoipa::path(post, path = "/partners/{partner}/managers", tag = "managers", request_body = ManagerBody,
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn appoint_manager(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ManagerBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&appoint_manager_as(&app, &caller, id, body).await?)
}

/// Appoints a delegated manager of partner `id` for `caller` (the API and the console).
pub(crate) async fn appoint_manager_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: ManagerBody,
) -> ApiResult<delegation::Manager> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    let set = |v: Option<Vec<i64>>| v.map(|v| v.into_iter().collect::<BTreeSet<i64>>());
    let scope = Scope {
        services: set(body.scope.services),
        roles: set(body.scope.roles),
        groups: set(body.scope.groups),
        units: set(body.scope.units),
    };
    let op = Operation::AppointManager {
        at,
        scope: scope.clone(),
        may_delegate: body.may_delegate,
    };
    decide(&caller.principal, &op)?;
    let login = login(&body.login)?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    delegation::appoint_manager(db, now, actor, &partner, &login, &scope, body.may_delegate)
        .await
        .map_err(|e| fail(&e))
}

/// Revokes a delegated manager.
#[utoipa::path(post, path = "/managers/{manager}/revoke", tag = "managers", request_body = ReasonBody,
    params(("manager" = i64, Path, description = "Manager role id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn revoke_manager(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    object(&revoke_manager_as(&app, &caller, id, &body.reason).await?)
}

/// Revokes delegated manager `id` for `caller` (the API and the console).
pub(crate) async fn revoke_manager_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> ApiResult<delegation::Manager> {
    let partner_id = authz::lookup::manager_partner(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let (partner, at) = seen_partner(app, caller, partner_id).await?;
    let manager = delegation::find_manager(&app.db, &partner, id)
        .await
        .map_err(|e| fail(&e))?;
    let op = Operation::AppointManager {
        at,
        scope: manager.scope.clone(),
        may_delegate: manager.may_delegate,
    };
    decide(&caller.principal, &op)?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    delegation::revoke_manager(db, now, actor, &partner, id, reason)
        .await
        .map_err(|e| fail(&e))
}

/// The account `id` of a partner the caller may administer, after deciding `ManageAccount`
/// (the API and the console's account page).
pub(crate) async fn managed_account(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<crate::account::Account> {
    let account = authz::lookup::account(&app.db, id)
        .await
        .map_err(|e| internal(&e))?
        .ok_or(WebError::NotFound)?;
    let partner_id = account.partner_id.ok_or(WebError::NotFound)?;
    let (_, at) = seen_partner(app, caller, partner_id).await?;
    let population = authz::population_of_account(&app.db, &account)
        .await
        .map_err(|e| internal(&e))?;
    decide(
        &caller.principal,
        &Operation::ManageAccount { at, population },
    )?;
    Ok(account)
}

/// Disables an account (its seats are freed, its sessions must end); history is kept.
#[utoipa::path(post, path = "/accounts/{account}/disable", tag = "accounts", request_body = ReasonBody,
    params(("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn disable_account(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let done = disable_account_as(&app, &caller, id, &body.reason).await?;
    object(
        &serde_json::json!({ "account": done.account, "affected_accounts": done.end_sessions_of }),
    )
}

/// Disables account `id` for `caller` and ends its sessions (the API and the console).
pub(crate) async fn disable_account_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> ApiResult<account::admin::Done> {
    let account = managed_account(app, caller, id).await?;
    let now = app.clock.now();
    let done = account::admin::disable(&app.db, now, &caller.principal.actor, &account, reason)
        .await
        .map_err(|e| fail(&e))?;
    super::end_access(app, &caller.principal.actor, &done.end_sessions_of).await?;
    Ok(done)
}

/// Enables a disabled account again.
#[utoipa::path(post, path = "/accounts/{account}/enable", tag = "accounts", request_body = ReasonBody,
    params(("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404), (status = 409)))]
pub(super) async fn enable_account(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ReasonBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let done = enable_account_as(&app, &caller, id, &body.reason).await?;
    object(&serde_json::json!({ "account": done.account }))
}

/// Enables account `id` again for `caller` (quotas re-checked; the API and the console).
pub(crate) async fn enable_account_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    reason: &str,
) -> ApiResult<account::admin::Done> {
    let account = managed_account(app, caller, id).await?;
    let now = app.clock.now();
    account::admin::enable(&app.db, now, &caller.principal.actor, &account, reason)
        .await
        .map_err(|e| fail(&e))
}

/// Ends an account's lock after failed logins and forgets the failures, before the lock
/// expires (traced).
#[utoipa::path(post, path = "/accounts/{account}/unlock", tag = "accounts",
    params(("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn unlock_account(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let done = unlock_account_as(&app, &caller, id).await?;
    object(&serde_json::json!({ "account": done.account }))
}

/// Unlocks account `id` for `caller` (the API and the console).
pub(crate) async fn unlock_account_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<account::admin::Done> {
    let account = managed_account(app, caller, id).await?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    account::admin::unlock(&app.creds, db, now, actor, &account)
        .await
        .map_err(|e| fail(&e))
}

/// Removes an account's second factor (TOTP and recovery codes, e.g. a lost phone): the person
/// enrols again at next login when the fund requires it; their sessions and tokens end.
#[utoipa::path(post, path = "/accounts/{account}/reset-second-factor", tag = "accounts",
    params(("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn reset_second_factor(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let (done, sessions_ended) = reset_second_factor_as(&app, &caller, id).await?;
    object(&serde_json::json!({
        "account": done.account,
        "affected_accounts": done.end_sessions_of,
        "sessions_ended": sessions_ended,
    }))
}

/// Removes account `id`'s second factor for `caller` and ends its sessions (the API and the
/// console); answers the outcome and how many sessions ended.
pub(crate) async fn reset_second_factor_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<(account::admin::Done, usize)> {
    let account = managed_account(app, caller, id).await?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    let done = account::admin::reset_second_factor(db, now, actor, &account)
        .await
        .map_err(|e| fail(&e))?;
    let sessions_ended = super::end_access(app, actor, &done.end_sessions_of).await?;
    Ok((done, sessions_ended))
}

/// Gives an account a new temporary password (shown once, or e-mailed per the fund's policy).
#[utoipa::path(post, path = "/accounts/{account}/reset-password", tag = "accounts",
    params(("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn reset_password(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let r = reset_password_as(&app, &caller, id).await?;
    object(&serde_json::json!({
        "account": r.account,
        "temporary_password": r.temporary_password.as_ref().map(|s| s.expose()),
        "emailed_to": r.emailed_to,
        "expires_at": r.expires_at.unix_timestamp(),
        "affected_accounts": r.end_sessions_of,
    }))
}

/// Gives account `id` a new temporary password for `caller` and ends its sessions (the API
/// and the console).
pub(crate) async fn reset_password_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<account::admin::AdminReset> {
    let account = managed_account(app, caller, id).await?;
    let now = app.clock.now();
    let (creds, db, actor) = (&app.creds, &app.db, &caller.principal.actor);
    let r = account::admin::reset_password(creds, db, now, actor, &account)
        .await
        .map_err(|e| fail(&e))?;
    super::end_access(app, actor, &r.end_sessions_of).await?;
    Ok(r)
}

/// Forces every account of a partner to change its password at next login (fund operators).
#[utoipa::path(post, path = "/partners/{partner}/force-password-change", tag = "accounts",
    params(("partner" = i64, Path, description = "Partner id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn force_password_change(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let ids = force_password_change_as(&app, &caller, id).await?;
    object(&serde_json::json!({ "affected_accounts": ids }))
}

/// Forces every account of partner `id` to change its password at next login and ends their
/// sessions, as `caller` (the API and the console); answers the accounts concerned.
pub(crate) async fn force_password_change_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
) -> ApiResult<Vec<i64>> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    decide(&caller.principal, &Operation::SupervisePartner { at })?;
    let (db, actor, now) = (&app.db, &caller.principal.actor, app.clock.now());
    let ids = account::admin::force_password_change(db, now, actor, &partner)
        .await
        .map_err(|e| fail(&e))?;
    super::end_access(app, actor, &ids).await?;
    Ok(ids)
}

/// One account of a partner the caller administers.
#[utoipa::path(get, path = "/accounts/{account}", tag = "accounts",
    params(("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn get_account(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    let account = managed_account(&app, &caller, id).await?;
    object(&serde_json::json!({ "account": account }))
}

/// Changes to an account's profile; absent fields are left as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct AccountPatchBody {
    /// Given name.
    pub(crate) given_name: Option<String>,
    /// Family name.
    pub(crate) family_name: Option<String>,
    /// E-mail address (not where the address is the login).
    pub(crate) email: Option<String>,
    /// Code of one of the partner's units.
    pub(crate) unit: Option<String>,
}

/// Edits an account's profile (names, e-mail address, unit); the login never changes.
#[utoipa::path(patch, path = "/accounts/{account}", tag = "accounts", request_body = AccountPatchBody,
    params(("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404)))]
pub(super) async fn edit_account(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<AccountPatchBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let edited = edit_account_as(&app, &caller, id, body).await?;
    object(&serde_json::json!({ "account": edited }))
}

/// Edits account `id`'s profile for `caller` (the API and the console).
pub(crate) async fn edit_account_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: AccountPatchBody,
) -> ApiResult<account::Account> {
    let account = managed_account(app, caller, id).await?;
    let partner_id = account.partner_id.ok_or(WebError::NotFound)?;
    let (partner, _) = seen_partner(app, caller, partner_id).await?;
    let unit = match &body.unit {
        Some(code) => Some(
            partner::units(&app.db, &partner)
                .await
                .map_err(|e| fail(&e))?
                .into_iter()
                .find(|u| u.code.eq_ignore_ascii_case(code.trim()))
                .ok_or(WebError::NotFound)?,
        ),
        None => None,
    };
    let email = body
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| invalid_value(e.code(), e.to_string(), e.message_fr()))?;
    let patch = account::AccountPatch {
        given_name: body.given_name,
        family_name: body.family_name,
        email,
        unit,
    };
    let fund = fund_of(app, &partner).await?;
    let (db, actor) = (&app.db, &caller.principal.actor);
    account::edit(db, app.clock.now(), actor, &fund, &partner, &account, patch)
        .await
        .map_err(|e| fail(&e))
}

/// Removes an account from a group (its habilitations through the group end at once).
#[utoipa::path(delete, path = "/groups/{group}/members/{account}", tag = "groups",
    params(("group" = i64, Path, description = "Group id"), ("account" = i64, Path, description = "Account id")),
    responses((status = 200, body = serde_json::Value), (status = 403), (status = 404)))]
pub(super) async fn remove_member(
    State(app): State<AppState>,
    caller: Caller,
    Path((group_id, account_id)): Path<(i64, i64)>,
) -> ApiResult<Json<serde_json::Value>> {
    let (g, member) = remove_member_as(&app, &caller, group_id, account_id).await?;
    object(&serde_json::json!({ "group": g, "removed": member.login }))
}

/// Removes account `account_id` from group `group_id` for `caller` and ends what it held
/// through the group (the API and the console).
pub(crate) async fn remove_member_as(
    app: &AppState,
    caller: &Caller,
    group_id: i64,
    account_id: i64,
) -> ApiResult<(group::Group, account::Account)> {
    let (g, _, at) = seen_group(app, caller, group_id).await?;
    let member = authz::lookup::account(&app.db, account_id)
        .await
        .map_err(|e| internal(&e))?
        .filter(|a| a.partner_id == Some(g.partner_id))
        .ok_or(WebError::NotFound)?;
    let member_pop = authz::population_of_account(&app.db, &member)
        .await
        .map_err(|e| internal(&e))?;
    let op = Operation::ManageGroup {
        at,
        group: Some(g.id),
        member: Some(member_pop),
    };
    decide(&caller.principal, &op)?;
    let now = app.clock.now();
    group::remove_member(&app.db, now, &caller.principal.actor, &g, &member.login)
        .await
        .map_err(|e| fail(&e))?;
    // What the person held through the group ends with the membership.
    super::end_access(app, &caller.principal.actor, &[member.id]).await?;
    Ok((g, member))
}

/// A new last day for a habilitation.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct EndDateBody {
    /// Last day (`YYYY-MM-DD`), or none for no end.
    pub(crate) valid_until: Option<String>,
    /// Why.
    pub(crate) reason: String,
}

/// Moves the last day of a habilitation in force (shortening takes effect at once on tokens).
#[utoipa::path(patch, path = "/habilitations/{habilitation}", tag = "habilitations", request_body = EndDateBody,
    params(("habilitation" = i64, Path, description = "Habilitation id")),
    responses((status = 200, body = serde_json::Value), (status = 400), (status = 403), (status = 404)))]
pub(super) async fn set_end_date(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<EndDateBody>,
) -> ApiResult<Json<serde_json::Value>> {
    let h = set_end_date_as(&app, &caller, id, body).await?;
    object(&serde_json::json!({ "habilitation": h }))
}

/// Moves habilitation `id`'s last day for `caller`; a shortening ends the holders' tokens of
/// the service at once (the API and the console).
pub(crate) async fn set_end_date_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    body: EndDateBody,
) -> ApiResult<habilitation::Habilitation> {
    let (partner, before) = on_habilitation(app, caller, id).await?;
    let until = date(body.valid_until.as_deref())?;
    let now = app.clock.now();
    let (db, actor) = (&app.db, &caller.principal.actor);
    let h = habilitation::set_end_date(db, now, actor, &partner, id, until, &body.reason)
        .await
        .map_err(|e| fail(&e))?;
    let shortened = match (before.valid_until, h.valid_until) {
        (None, Some(_)) => true,
        (Some(a), Some(b)) => b < a,
        _ => false,
    };
    if shortened {
        let affected = habilitation::affected_accounts(db, &h)
            .await
            .map_err(|e| fail(&e))?;
        super::end_service_access(app, h.subscription_id, &affected).await?;
    }
    Ok(h)
}

/// Files an access request of partner `id` for `caller` (centralised mode: the fund decides);
/// the same rule as `POST /partners/{id}/access-requests`.
pub(crate) async fn file_request_as(
    app: &AppState,
    caller: &Caller,
    id: i64,
    payload: access_request::Payload,
) -> ApiResult<access_request::AccessRequest> {
    let (partner, at) = seen_partner(app, caller, id).await?;
    decide(&caller.principal, &Operation::FileRequest { at })?;
    let now = app.clock.now();
    access_request::file(&app.db, now, &caller.principal.actor, &partner, payload)
        .await
        .map_err(|e| fail(&e))
}
