//! WeCom group robots (群机器人): `POST /cgi-bin/webhook/send?key=KEY` for keys registered with
//! `POST /sim/robots {"key":"…"}`. msgtypes `text` (content ≤ 2048 bytes), `markdown` (≤ 4096
//! bytes), `image` (base64 ≤ 2 MB whose MD5 must match `md5`), `news` (1–8 articles with title and
//! url), `file`/`voice` (a media_id the same robot uploaded with `webhook/upload_media` less than
//! 3 days ago, else 40007) and `template_card`; at most 20 messages per robot per minute (45009).
//! An unknown key answers 93000 "invalid webhook url".
//!
//! `POST /cgi-bin/webhook/upload_media?key=KEY&type=file|voice` takes the multipart field `media`
//! (file: more than 5 bytes and at most 20 MB; voice: AMR, at most 2 MB) and answers like
//! `media/upload`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::{Value, json};

use super::log::SentMessage;
use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::control::ControlError;
use crate::media::{MediaItem, MediaKind, check_upload};
use crate::state::SimState;

/// Messages per robot per minute.
pub const ROBOT_PER_MINUTE: &[(u64, u64)] = &[(60, 20)];

/// `webhook/send`.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/webhook/send", post(send))
        .route(
            "/cgi-bin/webhook/upload_media",
            post(upload_media).layer(axum::extract::DefaultBodyLimit::max(
                crate::media::MEDIA_BODY_LIMIT,
            )),
        )
}

/// The media scope of a robot's uploads.
fn robot_scope(key: &str) -> String {
    format!("robot:{key}")
}

async fn upload_media(
    State(state): State<SimState>,
    _ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<Value>, ApiError> {
    let key = param(&q, "key")
        .filter(|k| state.messages.has_robot(k))
        .ok_or_else(ApiError::invalid_webhook_url)?
        .to_owned();
    let kind = match param(&q, "type") {
        Some("file") => MediaKind::File,
        Some("voice") => MediaKind::Voice,
        _ => return Err(ApiError::invalid_media_type()),
    };
    let multipart = multipart.map_err(|_| ApiError::media_data_missing())?;
    let (filename, bytes) = crate::media::media_part(multipart).await?;
    let content_type = check_upload(kind, &bytes)?;
    let now = state.clock.now();
    let item = state.media.insert(MediaItem {
        media_id: String::new(),
        scope: robot_scope(&key),
        uploaded_by: "robot".into(),
        kind: Some(kind),
        filename,
        content_type: content_type.to_owned(),
        size: bytes.len(),
        created_at: now,
        bytes,
    });
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "type": kind.as_str(),
        "media_id": item.media_id,
        "created_at": now.to_string(),
    })))
}

fn too_long(field: &str, max: usize) -> ApiError {
    ApiError::invalid_parameter(&format!("{field} is longer than {max} bytes"))
}

fn check_content(state: &SimState, key: &str, msgtype: &str, body: &Value) -> Result<(), ApiError> {
    let text = |a: &str, b: &str| body[a][b].as_str().filter(|s| !s.is_empty());
    match msgtype {
        "text" => {
            let content = text("text", "content")
                .ok_or_else(|| ApiError::new(44004, "empty content: text.content is required"))?;
            if content.len() > 2048 {
                return Err(too_long("text.content", 2048));
            }
        }
        "markdown" => {
            let content = text("markdown", "content")
                .ok_or_else(|| ApiError::invalid_parameter("markdown.content is required"))?;
            if content.len() > 4096 {
                return Err(too_long("markdown.content", 4096));
            }
        }
        "image" => {
            let data = text("image", "base64")
                .ok_or_else(|| ApiError::invalid_parameter("image.base64 is required"))?;
            let md5 = text("image", "md5")
                .ok_or_else(|| ApiError::invalid_parameter("image.md5 is required"))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|_| ApiError::invalid_parameter("image.base64 is not valid base64"))?;
            if bytes.len() > 2 * 1024 * 1024 {
                return Err(ApiError::invalid_file_size());
            }
            if hex::encode(Md5::digest(&bytes)) != md5.to_ascii_lowercase() {
                return Err(ApiError::invalid_parameter(
                    "image.md5 is not the MD5 of the decoded image",
                ));
            }
        }
        "news" => {
            let articles = body["news"]["articles"]
                .as_array()
                .filter(|a| (1..=8).contains(&a.len()))
                .ok_or_else(|| {
                    ApiError::invalid_parameter("news.articles must hold 1-8 articles")
                })?;
            if articles
                .iter()
                .any(|a| a["title"].as_str().is_none() || a["url"].as_str().is_none())
            {
                return Err(ApiError::invalid_parameter(
                    "every news article needs title and url",
                ));
            }
        }
        "file" | "voice" => {
            let media_id = text(msgtype, "media_id").ok_or_else(|| {
                ApiError::invalid_parameter(&format!("{msgtype}.media_id is required"))
            })?;
            state
                .media
                .get(&robot_scope(key), media_id, state.clock.now())
                .ok_or_else(ApiError::invalid_media_id)?;
        }
        "template_card" => {
            text("template_card", "card_type").ok_or_else(|| {
                ApiError::invalid_parameter("template_card.card_type is required")
            })?;
        }
        other => return Err(super::content::invalid_msgtype(other)),
    }
    Ok(())
}

async fn send(
    State(state): State<SimState>,
    _ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let key = param(&q, "key")
        .filter(|k| state.messages.has_robot(k))
        .ok_or_else(ApiError::invalid_webhook_url)?
        .to_owned();
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_parameter(&format!("the body is not JSON: {e}")))?;
    let msgtype = body["msgtype"].as_str().unwrap_or_default().to_owned();
    check_content(&state, &key, &msgtype, &body)?;
    state
        .limits
        .check(&format!("robot:{key}"), ROBOT_PER_MINUTE)?;
    state.messages.record(SentMessage {
        msgid: format!("sim-robot-{:016x}", state.messages.next_number()),
        channel: "wecom_robot".into(),
        sender: key,
        scope: String::new(),
        msgtype,
        delivered: Vec::new(),
        dropped: Vec::new(),
        body,
        sent_at: state.clock.now(),
        recalled: false,
    });
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddRobot {
    key: String,
}

/// `POST /sim/robots {"key":"…"}`: registers a robot key.
pub async fn add_key(
    State(state): State<SimState>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let request: AddRobot = serde_json::from_slice(&body).map_err(|e| {
        ControlError::new(format!(
            r#"expected a JSON body like {{"key":"693a91f6-7xxx"}}: {e}"#
        ))
    })?;
    if request.key.trim().is_empty() {
        return Err(ControlError::new("key must not be empty"));
    }
    state.messages.add_robot(&request.key);
    Ok(Json(json!({ "keys": state.messages.robot_keys() })))
}

/// `GET /sim/robots`: every registered key.
pub async fn list_keys(State(state): State<SimState>) -> Json<Value> {
    Json(json!({ "keys": state.messages.robot_keys() }))
}
