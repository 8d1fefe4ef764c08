//! The sync jobs API (admin key):
//!
//! * `POST /api/v1/corps/{name}/sync` — starts a full sync of the directory (or returns the one
//!   running): 202 with the job;
//! * `GET /api/v1/corps/{name}/sync` — the directory's latest job;
//! * `GET /api/v1/sync/{id}` — a job: state, phase, counts, errors, ETA, unavailable fields, diff;
//! * `GET /api/v1/sync/{id}/events` — its progress as Server-Sent Events
//!   ([`crate::contacts::sync::progress_stream`]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::admin_auth::Admin;
use crate::contacts::sync::directory::DirectoryError;
use crate::contacts::sync::service::{self, StartError, job_json};
use crate::error::ApiError;
use crate::state::Gateway;

/// The jobs routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/corps/{name}/sync", get(latest).post(start))
        .route("/api/v1/sync/{id}", get(one))
        .route(
            "/api/v1/sync/{id}/events",
            get(crate::contacts::sync::progress_stream::stream),
        )
}

impl From<StartError> for ApiError {
    fn from(e: StartError) -> ApiError {
        match e {
            StartError::Directory(DirectoryError::Storage(e)) | StartError::Storage(e) => {
                ApiError::from(e)
            }
            StartError::Directory(e @ DirectoryError::Unknown(_)) => {
                ApiError::new(StatusCode::NOT_FOUND, "unknown_directory", e.to_string())
            }
            StartError::Directory(e @ DirectoryError::NotAuthorised { .. }) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_authorised", e.to_string())
            }
            StartError::Directory(e @ DirectoryError::NoCredential(_)) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "no_credential",
                e.to_string(),
            ),
        }
    }
}

async fn start(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let (job, started) = service::start(&gateway, &name).await?;
    let mut body = job_json(&gateway, &job);
    body["started"] = json!(started);
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

async fn latest(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let job = gateway.store.latest_sync_job(&name).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_sync",
            format!(
                "the directory `{name}` was never synced; POST /api/v1/corps/{name}/sync starts one"
            ),
        )
    })?;
    Ok(Json(job_json(&gateway, &job)))
}

async fn one(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let job = gateway
        .store
        .sync_job(&id)
        .await?
        .ok_or_else(|| unknown_job(&id))?;
    Ok(Json(job_json(&gateway, &job)))
}

/// 404 for a job id nobody knows.
pub fn unknown_job(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_sync",
        format!("no sync job `{id}`; GET /api/v1/corps/{{name}}/sync gives a directory's latest"),
    )
}
