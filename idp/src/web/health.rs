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

/// The node can serve requests: its database answers. The directory's state is reported
/// (queue length, lag, failures) but does not make the node unready: logins do not need it,
/// and the outbox keeps every change until it returns.
async fn readyz(State(app): State<AppState>) -> Result<Json<Value>, WebError> {
    app.db
        .ping()
        .await
        .map_err(|e| WebError::Unavailable(format!("database: {e}")))?;
    let directory = match &app.directory {
        None => json!({ "enabled": false }),
        Some(metrics) => {
            let m = metrics.snapshot();
            json!({
                "enabled": true,
                "status": if m.lag.as_secs() > 300 { "lagging" } else { "ok" },
                "queue_length": m.queue_length,
                "lag_seconds": m.lag.as_secs(),
                "operations_applied": m.ops_applied,
                "permanent_failures": m.ops_failed_permanent,
                "transient_failures": m.transient_failures,
            })
        }
    };
    Ok(Json(json!({
        "status": "ready",
        "checks": { "database": "ok", "directory": directory },
    })))
}
