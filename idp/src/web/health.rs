//! Liveness and readiness probes for load balancers and orchestrators.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::WebError;
use crate::state::AppState;

/// `/healthz` and `/readyz`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up and serving HTTP.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The node can serve requests: its database answers.
async fn readyz(State(app): State<AppState>) -> Result<Json<Value>, WebError> {
    app.db
        .ping()
        .await
        .map_err(|e| WebError::Unavailable(format!("database: {e}")))?;
    Ok(Json(
        json!({ "status": "ready", "checks": { "database": "ok" } }),
    ))
}
