//! The one error type of the HTTP edge and its mapping to responses, done once.
//!
//! A `WebError` becomes a JSON body `{"error": code, "message": …, "message_fr": …}` with a 4xx
//! status; [`render`] (a middleware) turns it into a French HTML page when a browser asked for
//! HTML, and logs the cause of every 5xx. A 5xx body never says more than "internal error": the
//! cause stays in the logs, joined by the request id.

use axum::Json;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The request is malformed or a value is invalid (400).
    #[error("{message}")]
    BadRequest {
        /// Stable machine code, e.g. `siret.checksum`.
        code: &'static str,
        /// English message.
        message: String,
        /// French message.
        message_fr: String,
    },
    /// Nothing here, or nothing the caller may see (404).
    #[error("not found")]
    NotFound,
    /// The caller may not do this (403).
    #[error("forbidden")]
    Forbidden,
    /// The request conflicts with the current state (409).
    #[error("{message}")]
    Conflict {
        /// Stable machine code.
        code: &'static str,
        /// English message.
        message: String,
        /// French message.
        message_fr: String,
    },
    /// The server could not answer: the cause is logged, never shown (500).
    #[error("internal error")]
    Internal(String),
    /// A dependency (the database) is unavailable (503).
    #[error("service unavailable")]
    Unavailable(String),
}

/// The parts of an error the renderer needs, carried as a response extension.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// Machine code.
    pub code: &'static str,
    /// English message.
    pub message: String,
    /// French message.
    pub message_fr: String,
    /// The hidden cause of a 5xx, for the log.
    pub cause: Option<String>,
}

impl WebError {
    fn parts(&self) -> (StatusCode, ErrorInfo) {
        let info = |code, en: &str, fr: &str| ErrorInfo {
            code,
            message: en.to_owned(),
            message_fr: fr.to_owned(),
            cause: None,
        };
        match self {
            Self::BadRequest {
                code,
                message,
                message_fr,
            } => (StatusCode::BAD_REQUEST, info(code, message, message_fr)),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                info("not_found", "Not found.", "Page ou ressource introuvable."),
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                info(
                    "forbidden",
                    "You are not allowed to do this.",
                    "Vous n'avez pas le droit d'effectuer cette action.",
                ),
            ),
            Self::Conflict {
                code,
                message,
                message_fr,
            } => (StatusCode::CONFLICT, info(code, message, message_fr)),
            Self::Internal(cause) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorInfo {
                    cause: Some(cause.clone()),
                    ..info(
                        "internal_error",
                        "Internal error. Please try again later.",
                        "Erreur interne. Veuillez réessayer plus tard.",
                    )
                },
            ),
            Self::Unavailable(cause) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorInfo {
                    cause: Some(cause.clone()),
                    ..info(
                        "unavailable",
                        "Service temporarily unavailable.",
                        "Service momentanément indisponible.",
                    )
                },
            ),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, info) = self.parts();
        let body = json!({
            "error": info.code,
            "message": info.message,
            "message_fr": info.message_fr,
        });
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // The storage is unreachable: worth retrying shortly (RFC 9110 §10.2.3).
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response.extensions_mut().insert(info);
        response
    }
}

/// Middleware: logs the cause of server errors and renders errors as HTML for browsers.
pub async fn render(request: Request, next: Next) -> Response {
    let wants_html = wants_html(&request);
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let status = response.status();
    if let Some(cause) = &info.cause {
        let cause = crate::redact::redact_text(cause);
        tracing::error!(status = status.as_u16(), code = info.code, cause = %cause, "request failed");
    }
    if !wants_html {
        return response;
    }
    let page = html_page(status, &info);
    let mut html = (status, Html(page)).into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            html.headers_mut().insert(name.clone(), value.clone());
        }
    }
    html
}

/// Browsers get pages; API clients (and anything under `/api/`) get JSON.
fn wants_html(request: &Request) -> bool {
    if request.uri().path().starts_with("/api/") {
        return false;
    }
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

fn html_page(status: StatusCode, info: &ErrorInfo) -> String {
    let code = status.as_u16();
    format!(
        "<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Erreur {code} — Habilis</title></head>\
<body><main><h1>Erreur {code}</h1><p>{fr}</p><p lang=\"en\">{en}</p>\
<p><a href=\"/\">Retour à l'accueil</a></p></main></body></html>\n",
        fr = escape_html(&info.message_fr),
        en = escape_html(&info.message),
    )
}

/// Minimal HTML escaping for text nodes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Turns a panic caught by `CatchPanicLayer` into an opaque 500 (the panic is logged).
#[allow(
    clippy::needless_pass_by_value,
    reason = "the signature CatchPanicLayer expects"
)]
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "unknown panic".to_owned());
    tracing::error!(cause = %crate::redact::redact_text(&detail), "handler panicked");
    let mut response = WebError::Internal(format!("panic: {detail}")).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Whether `e`, of whichever error type the handlers meet, says the database or Redis could
/// not be reached — the one test behind every 503 of a server failure (admin API, console,
/// OAuth endpoints and login pages), so that a new error type is added here once.
pub(crate) fn storage_unreachable<E: std::fmt::Display + 'static>(e: &E) -> bool {
    use crate::error::{ErrorKind, UserError};
    let any: &dyn std::any::Any = e;
    /// The kind of a domain error among `types`, if `any` is one of them.
    macro_rules! kind_among {
        ($($t:ty),+) => {
            None$(.or_else(|| any.downcast_ref::<$t>().map(UserError::kind)))+
        };
    }
    if let Some(s) = any.downcast_ref::<crate::store::StoreError>() {
        return s.is_unavailable();
    }
    if let Some(a) = any.downcast_ref::<crate::audit::AuditError>() {
        return a.is_unavailable();
    }
    if let Some(t) = any.downcast_ref::<crate::oidc::token::TokenError>() {
        return t.is_unavailable();
    }
    if let Some(t) = any.downcast_ref::<crate::web::api::ApiError>() {
        return matches!(t, crate::web::api::ApiError::Web(WebError::Unavailable(_)));
    }
    let kind = kind_among!(
        crate::account::authenticate::AuthError,
        crate::account::manage::AccountError,
        crate::account::totp::TotpError,
        crate::account::passkey::PasskeyError,
        crate::account::reset::ResetError,
        crate::account::policy::PolicyError,
        crate::account::admin::AdminError,
        crate::oidc::keys::KeyError,
        crate::oidc::client::ClientError,
        crate::review::ReviewError,
        crate::habilitation::HabilitationError,
        crate::delegation::DelegationError
    );
    kind == Some(ErrorKind::Unavailable)
}
