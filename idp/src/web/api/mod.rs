//! The admin JSON API, under `/api/admin/v1`: every operation of delegated habilitation and
//! fund supervision, for the console and for programs acting with a person's token (002 art.
//! 9.2: "le webservice … doit s'authentifier avec les outils d'identification … de
//! l'utilisateur"). Its OpenAPI 3 document is served at `/api/admin/v1/openapi.json`, generated
//! from the handlers' annotations, so the document and the routes cannot drift apart.
//!
//! Every handler: authenticates the caller ([`auth::Caller`], a Habilis access token with the
//! `admin` scope), loads the object, asks [`crate::authz::decide`], then calls one domain
//! function. Objects of another partner or fund answer 404 with no data; lists only ever hold
//! what the caller may see. Errors are JSON: `{"error": code, "message", "message_fr"}`.

pub mod auth;
pub(crate) mod dormant;
pub(crate) mod manage;
pub(crate) mod partners;
pub(crate) mod register;
pub(crate) mod requests;
pub(crate) mod review;
pub(crate) mod traces;

use axum::Json;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::WebError;
use super::error::ErrorInfo;
use crate::authz::Denied;
use crate::error::{ErrorKind, UserError};
use crate::state::AppState;

/// Where the API lives.
pub const BASE: &str = "/api/admin/v1";

/// The OpenAPI document's header; paths are added from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Habilis admin API",
        description = "Delegated habilitation and fund supervision. Authenticate with \
                       `Authorization: Bearer <access token>` issued by Habilis with the \
                       `admin` scope.",
        version = "1"
    ),
    servers((url = "/api/admin/v1")),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API's routes and its OpenAPI document.
pub fn router_and_doc() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(partners::me))
        .routes(routes!(partners::list_partners))
        .routes(routes!(partners::get_partner, partners::edit_partner))
        .routes(routes!(partners::suspend_partner))
        .routes(routes!(partners::reactivate_partner))
        .routes(routes!(
            partners::list_conventions,
            register::create_convention
        ))
        .routes(routes!(partners::set_management_mode))
        .routes(routes!(partners::list_administrators, partners::designate))
        .routes(routes!(partners::set_subscription))
        .routes(routes!(manage::list_accounts, manage::create_account))
        .routes(routes!(manage::suspend_account))
        .routes(routes!(manage::reactivate_account))
        .routes(routes!(manage::disable_account))
        .routes(routes!(manage::enable_account))
        .routes(routes!(manage::reset_password))
        .routes(routes!(manage::force_password_change))
        .routes(routes!(manage::list_groups, manage::create_group))
        .routes(routes!(manage::add_member))
        .routes(routes!(manage::list_habilitations, manage::grant))
        .routes(routes!(manage::withdraw))
        .routes(routes!(manage::list_managers, manage::appoint_manager))
        .routes(routes!(manage::revoke_manager))
        .routes(routes!(requests::list_of_partner, requests::file))
        .routes(routes!(requests::queue))
        .routes(routes!(requests::approve))
        .routes(routes!(requests::reject))
        .routes(routes!(register::create_partner))
        .routes(routes!(register::import_partners))
        .routes(routes!(register::list_units, register::create_unit))
        .routes(routes!(register::get_convention))
        .routes(routes!(register::activate_convention))
        .routes(routes!(register::suspend_convention))
        .routes(routes!(register::reactivate_convention))
        .routes(routes!(register::terminate_convention))
        .routes(routes!(register::list_subscriptions))
        .routes(routes!(manage::unlock_account))
        .routes(routes!(manage::get_account, manage::edit_account))
        .routes(routes!(manage::remove_member))
        .routes(routes!(manage::set_end_date))
        .routes(routes!(manage::reset_second_factor))
        .routes(routes!(review::list_campaigns, review::open_campaign))
        .routes(routes!(review::campaign_status))
        .routes(routes!(review::list_reviews))
        .routes(routes!(review::get_review))
        .routes(routes!(review::list_lines))
        .routes(routes!(review::decide_review))
        .routes(routes!(review::sign_review))
        .routes(routes!(review::export_review))
        .routes(routes!(traces::partner_traces))
        .routes(routes!(traces::fund_traces))
        .split_for_parts()
}

/// `/api/admin/v1/…` and `/api/admin/v1/openapi.json`.
pub fn routes() -> Router<AppState> {
    let (api, doc) = router_and_doc();
    let json = doc.to_pretty_json().unwrap_or_default();
    let api = api.route(
        "/openapi.json",
        axum::routing::get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], json) }
        }),
    );
    Router::new().nest(BASE, api)
}

/// An API error: a [`WebError`], or one of the two answers it has no variant for — 401 with a
/// `WWW-Authenticate` challenge (RFC 6750 §3) and 403 with a stable code (centralised mode).
#[derive(Debug)]
pub enum ApiError {
    /// Any other error.
    Web(WebError),
    /// The token is missing, invalid, revoked, or its person cannot act.
    Unauthorized(&'static str),
    /// The token lacks the `admin` scope.
    InsufficientScope,
    /// Refused by a rule, with its code.
    Refused {
        /// Stable code.
        code: &'static str,
        /// English message.
        message: String,
        /// French message.
        message_fr: String,
    },
}

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        Self::Web(e)
    }
}

/// Maps a domain error once: its kind decides the status, its code and messages the body. Not
/// found carries no detail (it may be another partner's object).
pub fn fail(e: &(impl UserError + ?Sized)) -> ApiError {
    let (code, message, message_fr) = (e.code(), e.to_string(), e.message_fr());
    match e.kind() {
        ErrorKind::Invalid => ApiError::Web(WebError::BadRequest {
            code,
            message,
            message_fr,
        }),
        ErrorKind::NotFound => ApiError::Web(WebError::NotFound),
        ErrorKind::Conflict => ApiError::Web(WebError::Conflict {
            code,
            message,
            message_fr,
        }),
        ErrorKind::Forbidden => ApiError::Refused {
            code,
            message,
            message_fr,
        },
        ErrorKind::Unavailable => ApiError::Web(WebError::Unavailable(message)),
        ErrorKind::Internal => ApiError::Web(WebError::Internal(message)),
    }
}

impl From<Denied> for ApiError {
    fn from(d: Denied) -> Self {
        fail(&d)
    }
}

fn coded(status: StatusCode, code: &'static str, en: &str, fr: &str) -> Response {
    let info = ErrorInfo {
        code,
        message: en.to_owned(),
        message_fr: fr.to_owned(),
        cause: None,
    };
    let body = serde_json::json!({ "error": code, "message": en, "message_fr": fr });
    let mut r = (status, Json(body)).into_response();
    r.extensions_mut().insert(info);
    r
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Web(e) => e.into_response(),
            Self::Unauthorized(why) => {
                let mut r = coded(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    &format!("Invalid access token: {why}."),
                    "Jeton d'accès invalide.",
                );
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                r
            }
            Self::InsufficientScope => {
                let mut r = coded(
                    StatusCode::FORBIDDEN,
                    "insufficient_scope",
                    "The access token lacks the admin scope.",
                    "Le jeton d'accès ne porte pas la portée « admin ».",
                );
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        "Bearer error=\"insufficient_scope\", scope=\"admin\"",
                    ),
                );
                r
            }
            Self::Refused {
                code,
                message,
                message_fr,
            } => coded(StatusCode::FORBIDDEN, code, &message, &message_fr),
        }
    }
}

/// Handlers' result.
pub type ApiResult<T> = Result<T, ApiError>;

/// Paging and filtering of a list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Items to skip (default 0).
    pub offset: Option<usize>,
    /// Items to return (default 50, at most 500).
    pub limit: Option<usize>,
    /// Only items with this status.
    pub status: Option<String>,
    /// Only items whose text (login, name, role…) contains this, case-insensitively.
    pub q: Option<String>,
    /// Accounts holding this role code (directly or through a group), or habilitations of it.
    pub role: Option<String>,
    /// Accounts member of the group of this name, or habilitations granted to it.
    pub group: Option<String>,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page {
    /// The items of this page.
    pub items: Vec<serde_json::Value>,
    /// How many items match the filters in all.
    pub total: usize,
    /// Items skipped.
    pub offset: usize,
    /// Page size.
    pub limit: usize,
}

impl ListQuery {
    /// The filter handed to the store, which applies it in SQL.
    pub fn filter(&self) -> crate::listing::ListFilter {
        crate::listing::ListFilter::new(
            self.offset.map(|o| o as u64),
            self.limit.map(|l| l as u64),
            self.status.as_deref(),
            self.q.as_deref(),
            self.role.as_deref(),
            self.group.as_deref(),
        )
    }

    /// The answer for a page the store filtered and cut.
    pub fn listed<T: Serialize>(
        filter: &crate::listing::ListFilter,
        listed: crate::listing::Listed<T>,
    ) -> ApiResult<Json<Page>> {
        let items = listed
            .items
            .into_iter()
            .map(|i| serde_json::to_value(i).map_err(|e| WebError::Internal(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        Ok(Json(Page {
            items,
            total: n(listed.total),
            offset: n(filter.offset),
            limit: n(filter.limit),
        }))
    }

    /// Filters `items` by status and text, then cuts the page (short lists only: the long
    /// ones — accounts, habilitations, groups, requests — are filtered by the store).
    pub fn page<T: Serialize>(
        &self,
        items: Vec<T>,
        status: impl Fn(&T) -> String,
        text: impl Fn(&T) -> String,
    ) -> ApiResult<Json<Page>> {
        let want_status = self.status.as_deref().map(str::to_ascii_lowercase);
        let want_text = self.q.as_deref().map(str::to_lowercase);
        let matching: Vec<T> = items
            .into_iter()
            .filter(|i| want_status.as_ref().is_none_or(|s| status(i) == *s))
            .filter(|i| {
                want_text
                    .as_ref()
                    .is_none_or(|q| text(i).to_lowercase().contains(q))
            })
            .collect();
        let offset = self.offset.unwrap_or(0);
        let limit = self.limit.unwrap_or(50).clamp(1, 500);
        let total = matching.len();
        let items = matching
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|i| serde_json::to_value(i).map_err(|e| WebError::Internal(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Json(Page {
            items,
            total,
            offset,
            limit,
        }))
    }
}

/// A JSON object answered by a handler.
pub fn object(v: &impl Serialize) -> ApiResult<Json<serde_json::Value>> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| ApiError::Web(WebError::Internal(e.to_string())))
}

/// A malformed value (identifiers, e-mail addresses, modes: pure types with their own code).
pub fn invalid_value(code: &'static str, message: String, message_fr: String) -> ApiError {
    ApiError::Web(WebError::BadRequest {
        code,
        message,
        message_fr,
    })
}

/// A storage or lookup failure as a 500 (the cause goes to the log only).
/// Ends the sessions and tokens of accounts whose access ended or paused (cascade, issue #5
/// point 6); returns how many sessions ended.
pub async fn end_access(
    app: &AppState,
    actor: &crate::actor::Actor,
    accounts: &[i64],
) -> ApiResult<usize> {
    let sessions = crate::web::oidc::sessions(app);
    crate::oidc::cascade::end_access(&app.db, &sessions, app.clock.now(), actor, accounts)
        .await
        .map_err(|e| internal(&e))
}

/// Revokes the accounts' tokens at the clients of a subscription's service (a withdrawn
/// habilitation); returns how many refresh tokens were revoked.
pub async fn end_service_access(
    app: &AppState,
    subscription_id: i64,
    accounts: &[i64],
) -> ApiResult<usize> {
    let sessions = crate::web::oidc::sessions(app);
    crate::oidc::cascade::revoke_subscription(
        &app.db,
        &sessions,
        app.clock.now(),
        accounts,
        subscription_id,
    )
    .await
    .map_err(|e| internal(&e))
}

/// A failure that is not the caller's: 503 when the storage cannot be reached (the client may
/// retry), else an opaque 500 with the cause logged.
pub fn internal<E: std::fmt::Display + 'static>(e: &E) -> ApiError {
    if crate::web::error::storage_unreachable(e) {
        return ApiError::Web(WebError::Unavailable(e.to_string()));
    }
    ApiError::Web(WebError::Internal(e.to_string()))
}

/// A reason given in a request body.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ReasonBody {
    /// Why (required to suspend, reject or withdraw).
    #[serde(default)]
    pub reason: String,
}

#[cfg(test)]
mod tests;
