//! `GET /assets/habilis.css`: the style sheet of the pages, and `GET /assets/passkeys.js`: the
//! script of the passkey ceremonies, both embedded in the binary. Files of our own rather than
//! inline `<style>` or `<script>`, because the Content-Security-Policy allows styles and scripts
//! from this origin only.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

const CSS: &str = include_str!("../../templates/habilis.css");
const PASSKEYS_JS: &str = include_str!("../../templates/passkeys.js");

/// The asset routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/habilis.css", get(css))
        .route("/assets/passkeys.js", get(passkeys_js))
}

async fn css() -> impl IntoResponse {
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
        CSS,
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
