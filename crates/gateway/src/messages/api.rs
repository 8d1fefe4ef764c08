//! The messaging routes, all behind the admin key:
//!
//! * `POST /api/v1/apps/{name}/messages` — a WeCom app message (self-built app, or a suite with
//!   `corp_id`), an Official Account template message or a Mini Program subscribe message,
//!   depending on the app; optional `Idempotency-Key` header;
//! * `POST /api/v1/apps/{name}/messages/recall` `{"msgid","corp_id"?}` — recall one msgid;
//! * `POST /api/v1/robots/{name}/messages` — a group robot message;
//! * `GET /api/v1/messages` (`?app=&channel=&status=&before=&limit=`), `GET /api/v1/messages/{id}`
//!   — the record of sends, newest first;
//! * `POST /api/v1/messages/{id}/recall` — recall every message of a recorded WeCom send.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use wxgate_store::{SendFilter, SendStatus};

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::messages::record::{idempotency_key, record_json};
use crate::messages::{error, robot, wechat, wecom};
use crate::registry::AppKind;
use crate::state::Gateway;

/// Runs a send in its own task: a caller that disconnects (or times out) mid-send does not cancel
/// it half way, so the platform's answers are always recorded.
async fn detached<F>(send: F) -> Result<Value, ApiError>
where
    F: std::future::Future<Output = Result<Value, ApiError>> + Send + 'static,
{
    tokio::spawn(send).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a message send task failed");
        Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the send stopped unexpectedly; look at GET /api/v1/messages before retrying",
        ))
    })
}

fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))
}

/// `POST /api/v1/apps/{name}/messages`.
pub async fn send(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let app = gateway
        .registry
        .get(&name)
        .ok_or_else(|| error::unknown_app(&name))?;
    let key = idempotency_key(&headers)?;
    let body = json_body(&body)?;
    let answer = detached(async move {
        match app.kind {
            AppKind::WecomApp { .. } | AppKind::Suite { .. } => {
                wecom::send(&gateway, app, &body, key).await
            }
            AppKind::OfficialAccount { .. } => {
                wechat::send_template(&gateway, app, &body, key).await
            }
            AppKind::MiniProgram { .. } => wechat::send_subscribe(&gateway, app, &body, key).await,
            ref other => Err(error::wrong_kind(&name, other.name())),
        }
    })
    .await?;
    Ok(Json(answer))
}

/// `POST /api/v1/robots/{name}/messages`.
pub async fn send_robot(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let key = idempotency_key(&headers)?;
    let body = json_body(&body)?;
    let answer = detached(async move { robot::send(&gateway, &name, body, key).await }).await?;
    Ok(Json(answer))
}

/// Body of `…/messages/recall`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecallRequest {
    /// The msgid `message/send` returned.
    pub msgid: String,
    /// For a suite: the corp it was sent in.
    #[serde(default)]
    pub corp_id: Option<String>,
}

/// `POST /api/v1/apps/{name}/messages/recall`.
pub async fn recall_msgid(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    Json(request): Json<RecallRequest>,
) -> Result<Json<Value>, ApiError> {
    let app = gateway
        .registry
        .get(&name)
        .ok_or_else(|| error::unknown_app(&name))?;
    wecom::recall(
        &gateway,
        &app,
        request.corp_id.as_deref(),
        std::slice::from_ref(&request.msgid),
    )
    .await?;
    Ok(Json(json!({"recalled": [request.msgid]})))
}

/// Query of `GET /api/v1/messages`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this app's or robot's sends.
    pub app: Option<String>,
    /// Only this channel.
    pub channel: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Sends older than this id (the previous page's `next`).
    pub before: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<i64>,
}

/// `GET /api/v1/messages`.
pub async fn list(
    _: Admin,
    State(gateway): State<Gateway>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => Some(SendStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unknown status `{s}`; use pending, sent, partially_sent, failed or recalled"
            ))
        })?),
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 500"));
    }
    let sends = gateway
        .store
        .list_message_sends(
            &SendFilter {
                app: query.app,
                channel: query.channel,
                status,
                before: query.before,
            },
            limit,
        )
        .await?;
    let next = (sends.len() as i64 == limit)
        .then(|| sends.last().map(|s| s.id.clone()))
        .flatten();
    Ok(Json(json!({
        "messages": sends.iter().map(|s| record_json(s, false)).collect::<Vec<_>>(),
        "next": next,
    })))
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_message",
        format!("no send has the id `{id}`; GET /api/v1/messages lists them"),
    )
}

/// `GET /api/v1/messages/{id}`.
pub async fn get(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let send = gateway
        .store
        .get_message_send(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(record_json(&send, false)))
}

/// `POST /api/v1/messages/{id}/recall`: recalls every msgid of a WeCom app send.
pub async fn recall_send(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let send = gateway
        .store
        .get_message_send(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    if send.channel != wecom::CHANNEL {
        return Err(ApiError::bad_request(format!(
            "send `{id}` went out through {}, which has no recall; only WeCom app messages can be recalled",
            send.channel
        )));
    }
    if !matches!(send.status, SendStatus::Sent | SendStatus::PartiallySent) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_recallable",
            format!(
                "send `{id}` is {}; only sent messages can be recalled",
                send.status.as_str()
            ),
        ));
    }
    let app = gateway
        .registry
        .get(&send.app)
        .ok_or_else(|| error::unknown_app(&send.app))?;
    let mut result = send.result.clone().unwrap_or_else(|| json!({}));
    let msgids: Vec<String> = result["msgids"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let corp_id = send.request["corp_id"].as_str();
    wecom::recall(&gateway, &app, corp_id, &msgids).await?;
    result["recalled_msgids"] = json!(msgids);
    let recalled = gateway
        .store
        .finish_message_send(
            &id,
            SendStatus::Recalled,
            Some(&result),
            send.error.as_ref(),
        )
        .await?;
    Ok(Json(record_json(&recalled, false)))
}
