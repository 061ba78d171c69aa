//! `GET /assets/habilis.css` and `/assets/console.css`: the style sheets of the pages, and
//! `GET /assets/passkeys.js`: the script of the passkey ceremonies, all embedded in the binary.
//! Files of our own rather than inline `<style>` or `<script>`, because the
//! Content-Security-Policy allows styles and scripts from this origin only.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

const CSS: &str = include_str!("../../templates/habilis.css");
const CONSOLE_CSS: &str = include_str!("../../templates/console.css");
const PASSKEYS_JS: &str = include_str!("../../templates/passkeys.js");

/// The asset routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/habilis.css", get(css))
        .route("/assets/console.css", get(console_css))
        .route("/assets/passkeys.js", get(passkeys_js))
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

async fn passkeys_js() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        PASSKEYS_JS,
    )
}
