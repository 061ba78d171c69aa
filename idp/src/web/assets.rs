//! `GET /assets/habilis.css`: the style sheet of the pages, embedded in the binary. A file of
//! our own rather than an inline `<style>`, because the Content-Security-Policy allows styles from
//! this origin only.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

const CSS: &str = include_str!("../../templates/habilis.css");
const CONSOLE_CSS: &str = include_str!("../../templates/console.css");

/// The asset routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/habilis.css", get(css))
        .route("/assets/console.css", get(console_css))
}

async fn console_css() -> impl IntoResponse {
    stylesheet(CONSOLE_CSS)
}

async fn css() -> impl IntoResponse {
    stylesheet(CSS)
}

fn stylesheet(body: &'static str) -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
}
