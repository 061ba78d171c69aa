//! The HTTP edge: the only module that knows axum and HTML. Handlers are thin: they parse
//! input into domain types, call one domain function and map the result.

pub mod api;
pub mod assets;
pub mod console;
pub mod error;
pub mod headers;
pub mod health;
pub mod home;
pub mod i18n;
pub mod jwks;
pub mod oidc;
pub mod request_id;

use axum::Router;

use crate::state::AppState;

pub use error::WebError;

/// Every route of the server.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(assets::routes())
        .merge(health::routes())
        .merge(home::routes())
        .merge(jwks::routes())
        .merge(api::routes())
        .merge(oidc::routes())
        .merge(console::routes().layer(axum::middleware::from_fn(console::problems)))
        .fallback(not_found)
}

async fn not_found() -> WebError {
    WebError::NotFound
}
