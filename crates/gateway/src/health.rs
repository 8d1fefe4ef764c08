//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers
//! too), and `/metrics` for Prometheus.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::Gateway;

/// `/healthz`, `/readyz`, `/metrics`.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
}

async fn ready(State(gateway): State<Gateway>) -> impl IntoResponse {
    match gateway.store.apps_version().await {
        Ok(_) => (StatusCode::OK, "ready".to_owned()),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: storage: {e}"),
        ),
    }
}

async fn metrics(State(gateway): State<Gateway>) -> impl IntoResponse {
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        gateway.metrics.render(),
    )
}
