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
/// and the outbox keeps every change until it returns. Likewise the last periodic verification of
/// the trace chain (`audit.verify_interval_secs`).
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
    // The trace's last periodic verification: shown, never a reason to be unready (a broken
    // chain needs an investigation, not a node taken out of the pool).
    let audit_chain = match crate::audit::query::last_verification(&app.db).await {
        Ok(Some(v)) => json!({
            "status": if v.intact { "intact" } else { "broken" },
            "verified_at": v.ran_at.format(&time::format_description::well_known::Rfc3339).ok(),
            "events_checked": v.checked,
            "broken_at": v.broken_at,
            "reason": v.reason,
            "duration_ms": v.duration_ms,
            "interval_secs": app.config.audit.verify_interval_secs,
        }),
        Ok(None) => json!({
            "status": "not_verified_yet",
            "interval_secs": app.config.audit.verify_interval_secs,
        }),
        Err(e) => json!({ "status": "unknown", "error": e.to_string() }),
    };
    Ok(Json(json!({
        "status": "ready",
        "checks": { "database": "ok", "directory": directory, "audit_chain": audit_chain },
    })))
}
