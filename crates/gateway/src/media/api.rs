//! The media routes, behind the admin key, taking `multipart/form-data` with the file in the
//! part `media` (or `file`), up to 20 MB:
//!
//! * `POST /api/v1/apps/{name}/media?type=image|voice|video|file[&corp_id=…]` — temporary media
//!   of a WeCom app (or a suite in an authorised corp) → `media_id`, valid 3 days;
//! * `POST /api/v1/apps/{name}/media?type=image&permanent=true` — `uploadimg` → a permanent URL
//!   for message bodies;
//! * `POST /api/v1/robots/{name}/media?type=file|voice` — a file for a robot `file`/`voice`
//!   message.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use serde::Deserialize;

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::media::rules::{MAX_UPLOAD, MediaKind};
use crate::media::upload::{self, Incoming, Uploaded, Uploader};
use crate::messages::{robot, wecom};
use crate::state::Gateway;

/// The request body limit of the media routes: the largest file plus multipart overhead.
pub const BODY_LIMIT: usize = MAX_UPLOAD + 64 * 1024;

/// Query of the media routes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaQuery {
    /// `image`, `voice`, `video` or `file`.
    #[serde(rename = "type")]
    pub media_type: Option<String>,
    /// `true` with `type=image`: a permanent URL (`uploadimg`).
    #[serde(default)]
    pub permanent: bool,
    /// For a suite: the authorised corp.
    pub corp_id: Option<String>,
}

/// The file of a multipart body (part `media` or `file`).
async fn incoming(multipart: Result<Multipart, MultipartRejection>) -> Result<Incoming, ApiError> {
    let mut multipart = multipart.map_err(|e| {
        ApiError::bad_request(format!(
            "send the file as multipart/form-data in a part named `media`: {e}"
        ))
    })?;
    loop {
        let field = multipart.next_field().await.map_err(|e| {
            ApiError::bad_request(format!(
                "the multipart body is malformed or larger than {BODY_LIMIT} bytes: {e}"
            ))
        })?;
        let Some(field) = field else {
            return Err(ApiError::bad_request(
                "no file: send it in a multipart part named `media` with a filename",
            ));
        };
        if matches!(field.name(), Some("media" | "file")) {
            let filename = field
                .file_name()
                .filter(|f| !f.is_empty())
                .unwrap_or("upload")
                .replace(['"', '\r', '\n', '/', '\\'], "_");
            let bytes = field.bytes().await.map_err(|e| {
                ApiError::bad_request(format!(
                    "the file could not be read (larger than {BODY_LIMIT} bytes?): {e}"
                ))
            })?;
            return Ok(Incoming {
                filename,
                bytes: bytes.to_vec(),
            });
        }
    }
}

/// `POST /api/v1/apps/{name}/media`.
pub async fn upload_app(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    Query(query): Query<MediaQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<Uploaded>, ApiError> {
    let app = gateway
        .registry
        .get(&name)
        .ok_or_else(|| ApiError::unknown_app(&name))?;
    let kind = MediaKind::parse(query.media_type.as_deref(), query.permanent)?;
    let sender = wecom::sender(&gateway, &app, query.corp_id.as_deref())
        .await
        .map_err(|e| e.prefixed("media: "))?;
    let uploader = Uploader::Wecom {
        api: sender.api(&gateway),
        corp_id: sender.corp_id.clone(),
        app: app.name.clone(),
    };
    let file = incoming(multipart).await?;
    Ok(Json(upload::upload(&gateway, &uploader, kind, file).await?))
}

/// `POST /api/v1/robots/{name}/media`.
pub async fn upload_robot(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    Query(query): Query<MediaQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<Uploaded>, ApiError> {
    let robot = robot::robot(&gateway, &name)?;
    let kind = match query.media_type.as_deref() {
        Some("file") if !query.permanent => MediaKind::File,
        Some("voice") if !query.permanent => MediaKind::Voice,
        _ => {
            return Err(ApiError::bad_request(
                "robots take `?type=file` or `?type=voice` (images go inline as base64)",
            ));
        }
    };
    let uploader = Uploader::Robot {
        api: gateway.client.robot(robot.key.expose()),
        name: robot.name.clone(),
    };
    let file = incoming(multipart).await?;
    Ok(Json(upload::upload(&gateway, &uploader, kind, file).await?))
}
