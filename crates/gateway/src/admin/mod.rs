//! The admin API's app management: apps are seeded from the configuration file into the
//! database, added, changed and removed at run time through `/api/v1/apps`, and every instance's
//! in-memory registry follows (at once on the instance that made the change, within
//! [`sync::SYNC_INTERVAL`] on the others). Also the console's `/api/v1/config` and
//! `/api/v1/overview`. The HTTP reference is `docs/api.md`.

pub mod apps;
pub mod definition;
pub mod overview;
pub mod sync;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

pub use apps::{AppView, AppsError, seed};
pub use definition::{AppDefinition, DefinitionError};
pub use sync::spawn_registry_sync;

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::state::Gateway;

/// `/api/v1/apps[/{name}]`, `/api/v1/config`, `/api/v1/overview`; all need the admin key.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/apps", get(list_apps))
        .route(
            "/api/v1/apps/{name}",
            get(get_app).put(put_app).delete(delete_app),
        )
        .route("/api/v1/config", get(config))
        .route("/api/v1/overview", get(overview))
}

async fn list_apps(_: Admin, State(gateway): State<Gateway>) -> Result<Json<Value>, ApiError> {
    let apps = apps::list(&gateway).await?;
    Ok(Json(json!({ "apps": apps })))
}

async fn get_app(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
) -> Result<Json<AppView>, ApiError> {
    Ok(Json(apps::get(&gateway, &name).await?))
}

async fn put_app(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not JSON ({e}); send the app's TOML section as a JSON object"
        ))
    })?;
    let (view, created) = apps::put(&gateway, &name, body).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)).into_response())
}

async fn delete_app(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    apps::delete(&gateway, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn config(_: Admin, State(gateway): State<Gateway>) -> Result<Json<Value>, ApiError> {
    Ok(Json(overview::effective_config(&gateway).await?))
}

async fn overview(_: Admin, State(gateway): State<Gateway>) -> Json<Value> {
    Json(overview::overview(&gateway))
}
