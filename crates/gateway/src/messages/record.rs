//! Every send is recorded, and an `Idempotency-Key` makes it happen once: the send is claimed in
//! the store before anything goes upstream, its outcome written after. A retry with the same key
//! and the same request answers with the recorded send (`"replayed": true`) instead of sending
//! again; while the first is still under way it gets 409 (`in_progress`, or `outcome_unknown`
//! once it has been pending for [`STALE_PENDING_MS`]: the gateway stopped mid-send); the same key
//! with a different request gets 422. A send that reached nobody (`failed`) is sent again on
//! retry.

use std::future::Future;

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wxgate_store::{MessageSend, NewMessageSend, SendClaim, SendStatus};

use crate::error::ApiError;
use crate::state::Gateway;

/// A send still pending after this long was abandoned (the gateway stopped while sending).
pub const STALE_PENDING_MS: i64 = 5 * 60 * 1000;

/// The wall clock in unix milliseconds (the store's timestamps).
fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The idempotency header.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// What one send ended with.
#[derive(Debug)]
pub struct Outcome {
    /// `sent`, `partially_sent` or `failed`.
    pub status: SendStatus,
    /// What the platform answered (merged).
    pub result: Value,
    /// Why it did not (fully) go out.
    pub error: Option<ApiError>,
}

/// What is about to be sent.
#[derive(Debug, Clone)]
pub struct SendSpec {
    /// The app or robot name.
    pub app: String,
    /// `wecom_app`, `wecom_robot`, `wechat_template`, `wechat_subscribe`.
    pub channel: &'static str,
    /// The msgtype.
    pub msgtype: String,
    /// The request, as it will be recorded.
    pub request: Value,
}

/// The caller's idempotency key, if any: 1–255 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key.to_owned()))
        }
        _ => Err(ApiError::bad_request(
            "Idempotency-Key must be 1–255 visible ASCII characters, e.g. a UUID",
        )),
    }
}

/// A digest of the request (keys sorted), telling a retry from another request.
pub fn request_hash(spec: &SendSpec) -> String {
    let canonical = json!([spec.app, spec.channel, spec.request]).to_string();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// A send record as the API shows it.
pub fn record_json(send: &MessageSend, replayed: bool) -> Value {
    json!({
        "id": send.id,
        "app": send.app,
        "channel": send.channel,
        "msgtype": send.msgtype,
        "status": send.status.as_str(),
        "idempotency_key": send.idempotency_key,
        "request": send.request,
        "result": send.result,
        "error": send.error,
        "created_at": send.created_at,
        "updated_at": send.updated_at,
        "replayed": replayed,
    })
}

/// Claims the send, runs `send` unless the key says it ran already, records the outcome, and
/// answers with the record (or the failure).
pub async fn run<F, Fut>(
    gateway: &Gateway,
    spec: SendSpec,
    key: Option<String>,
    send: F,
) -> Result<Value, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Outcome>,
{
    let claim = gateway
        .store
        .claim_message_send(&NewMessageSend {
            request_hash: request_hash(&spec),
            app: spec.app,
            channel: spec.channel.to_owned(),
            msgtype: spec.msgtype,
            idempotency_key: key,
            request: spec.request,
        })
        .await?;
    let claimed = match claim {
        SendClaim::Claimed(send) => send,
        SendClaim::Replay(send) => return Ok(record_json(&send, true)),
        SendClaim::InProgress(send) if wall_ms() - send.updated_at > STALE_PENDING_MS => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "outcome_unknown",
                format!(
                    "send {} with this Idempotency-Key started at {} (unix ms) and never finished — the gateway probably stopped while sending it, so some recipients may have it; check GET /api/v1/messages/{} and use a new key to send again",
                    send.id, send.updated_at, send.id
                ),
            ));
        }
        SendClaim::InProgress(send) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "in_progress",
                format!(
                    "send {} with this Idempotency-Key is still in progress; retry in a moment to get its result",
                    send.id
                ),
            ));
        }
        SendClaim::Mismatch(send) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                format!(
                    "this Idempotency-Key was used for a different request (send {}); use a new key for a new message",
                    send.id
                ),
            ));
        }
    };
    let outcome = send().await;
    let error = outcome.error.as_ref().map(ApiError::to_json);
    let finished = gateway
        .store
        .finish_message_send(
            &claimed.id,
            outcome.status,
            Some(&outcome.result),
            error.as_ref(),
        )
        .await?;
    gateway
        .metrics
        .message(&finished.channel, finished.status.as_str());
    match (outcome.status, outcome.error) {
        (SendStatus::Failed, Some(e)) => Err(e.prefixed(&format!("send {} failed: ", finished.id))),
        _ => Ok(record_json(&finished, false)),
    }
}
