//! The media HTTP handlers, shared by both platforms (the answer style follows the token).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::rules::{MediaKind, check_upload};
use super::store::MediaItem;
use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::state::SimState;
use crate::tokens::{TokenGrant, TokenKind, require_token};

/// The largest request body the media routes read: the 20 MB file limit plus multipart overhead.
pub const MEDIA_BODY_LIMIT: usize = 20 * 1024 * 1024 + 64 * 1024;

/// `POST /cgi-bin/media/upload`, `POST /cgi-bin/media/uploadimg`, `GET /cgi-bin/media/get`.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/media/upload", post(upload))
        .route("/cgi-bin/media/uploadimg", post(upload_img))
        .route("/cgi-bin/media/get", get(get_media))
        .layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT))
}

/// `GET /media` (under `/sim`): every upload without its bytes.
pub fn control_routes() -> Router<SimState> {
    Router::new().route("/media", get(list))
}

const ANY_ACCESS: &[TokenKind] = &[
    TokenKind::CorpAppToken,
    TokenKind::AuthCorpToken,
    TokenKind::MpToken,
    TokenKind::MpStableToken,
];

fn scope(grant: &TokenGrant) -> String {
    let owner = grant.owner();
    owner
        .corp_id()
        .or_else(|| owner.mp_app_id())
        .unwrap_or_default()
        .to_owned()
}

/// The `media` part of a multipart body: its filename and bytes. 41005 when it is missing.
pub(crate) async fn media_part(mut multipart: Multipart) -> Result<(String, Bytes), ApiError> {
    loop {
        let field = multipart.next_field().await.map_err(|e| {
            ApiError::invalid_parameter(&format!(
                "the multipart body is malformed or too large: {e}"
            ))
        })?;
        let Some(field) = field else {
            return Err(ApiError::media_data_missing());
        };
        if field.name() == Some("media") {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| ApiError::invalid_file_size())?;
            return Ok((filename, bytes));
        }
    }
}

async fn upload(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<Value>, ApiError> {
    let grant = require_token(&state, &ctx, param(&q, "access_token"), ANY_ACCESS)?;
    let kind = MediaKind::parse(param(&q, "type"))?;
    let multipart = multipart.map_err(|_| ApiError::media_data_missing())?;
    let (filename, bytes) = media_part(multipart).await?;
    let content_type = check_upload(kind, &bytes)?;
    let now = state.clock.now();
    let item = state.media.insert(MediaItem {
        media_id: String::new(),
        scope: scope(&grant),
        uploaded_by: grant.owner().display_name().to_owned(),
        kind: Some(kind),
        filename,
        content_type: content_type.to_owned(),
        size: bytes.len(),
        created_at: now,
        bytes,
    });
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "",
        "type": kind.as_str(),
        "media_id": item.media_id,
        "created_at": now.to_string(),
    })))
}

async fn upload_img(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<Value>, ApiError> {
    let grant = require_token(&state, &ctx, param(&q, "access_token"), ANY_ACCESS)?;
    let multipart = multipart.map_err(|_| ApiError::media_data_missing())?;
    let (filename, bytes) = media_part(multipart).await?;
    // uploadimg takes JPG/PNG up to 2 MB.
    if bytes.len() > 2 * 1024 * 1024 {
        return Err(ApiError::invalid_file_size());
    }
    let content_type = check_upload(MediaKind::Image, &bytes)?;
    let item = state.media.insert(MediaItem {
        media_id: String::new(),
        scope: scope(&grant),
        uploaded_by: grant.owner().display_name().to_owned(),
        kind: None,
        filename,
        content_type: content_type.to_owned(),
        size: bytes.len(),
        created_at: state.clock.now(),
        bytes,
    });
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "url": format!("https://wework.qpic.cn/wwpic/sim/{}/0", item.media_id),
    })))
}

async fn get_media(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let grant = require_token(&state, &ctx, param(&q, "access_token"), ANY_ACCESS)?;
    let media_id = param(&q, "media_id").ok_or_else(ApiError::invalid_media_id)?;
    let item = state
        .media
        .get(&scope(&grant), media_id, state.clock.now())
        .filter(|item| item.kind.is_some())
        .ok_or_else(ApiError::invalid_media_id)?;
    let filename = item.filename.replace(['"', '\r', '\n'], "_");
    Ok((
        [
            (header::CONTENT_TYPE, item.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        item.bytes,
    )
        .into_response())
}

async fn list(State(state): State<SimState>) -> Json<Value> {
    Json(json!({ "media": state.media.list() }))
}
