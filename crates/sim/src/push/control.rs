//! Control endpoints for callback deliveries, nested under `/sim`:
//! `GET /callbacks` (newest first, `?target=&status=&limit=`), `GET /callbacks/{id}`,
//! `POST /callbacks/{id}/redeliver`, `POST /callbacks/verify` (the GET URL check) and
//! `POST /callbacks/compat` (兼容模式 for an Official Account / Mini Program).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::control::ControlError;
use crate::push::CallbackTarget;
use crate::push::record::DeliveryStatus;
use crate::push::target::resolve;
use crate::push::verify::verify_url;
use crate::push::worker::platform_client;
use crate::state::SimState;

/// The delivery routes.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/callbacks", get(list))
        .route("/callbacks/verify", post(verify))
        .route("/callbacks/compat", post(compat))
        .route("/callbacks/{id}", get(one))
        .route("/callbacks/{id}/redeliver", post(redeliver))
}

/// Parses a control body, saying what was expected.
pub fn parse_body<T: DeserializeOwned>(body: &Bytes, example: &str) -> Result<T, ControlError> {
    serde_json::from_slice(body)
        .map_err(|e| ControlError::new(format!("expected a JSON body like {example}: {e}")))
}

/// `?wait=true`.
#[derive(Debug, Default, Deserialize)]
pub struct WaitQuery {
    /// Wait for the final outcome before answering.
    #[serde(default)]
    pub wait: bool,
}

/// The answer of every endpoint that queues a callback: `{"delivery_id":N}`, and with `wait`
/// the delivery once it is over (`"delivery"`, `null` if the worker is not running).
pub async fn queued_answer(state: &SimState, id: u64, wait: bool) -> Json<Value> {
    if !wait {
        return Json(json!({ "delivery_id": id }));
    }
    let per_attempt = state.options.callback_timeout_ms.saturating_add(1000);
    let budget = per_attempt
        .saturating_mul(u64::from(state.options.callback_attempts.max(1)))
        .saturating_add(5000);
    let delivery = state
        .deliveries
        .wait(id, Duration::from_millis(budget))
        .await;
    Json(json!({ "delivery_id": id, "delivery": delivery }))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    target: Option<String>,
    status: Option<String>,
    limit: Option<usize>,
}

async fn list(
    State(state): State<SimState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ControlError> {
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(text) => Some(DeliveryStatus::parse(text).ok_or_else(|| {
            ControlError::new(format!(
                "status must be queued, delivering, delivered or failed, got `{text}`"
            ))
        })?),
    };
    let limit = query.limit.unwrap_or(50).min(1000);
    let target = query.target.as_deref().filter(|t| !t.is_empty());
    let deliveries = state.deliveries.list(target, status, limit);
    Ok(Json(json!({ "deliveries": deliveries })))
}

fn known(state: &SimState, id: u64) -> Result<crate::push::record::Delivery, ControlError> {
    state.deliveries.get(id).ok_or_else(|| {
        ControlError::new(format!(
            "no delivery {id} in the log (unknown, not yet taken by the worker, or forgotten)"
        ))
    })
}

async fn one(
    State(state): State<SimState>,
    Path(id): Path<u64>,
) -> Result<Json<Value>, ControlError> {
    Ok(Json(json!(known(&state, id)?)))
}

async fn redeliver(
    State(state): State<SimState>,
    Path(id): Path<u64>,
    Query(wait): Query<WaitQuery>,
) -> Result<Json<Value>, ControlError> {
    let original = known(&state, id)?;
    let new_id = state.pusher.push(original.target, original.plaintext);
    state.deliveries.note_redelivery(new_id, id);
    Ok(queued_answer(&state, new_id, wait.wait).await)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    target: CallbackTarget,
}

async fn verify(State(state): State<SimState>, body: Bytes) -> Result<Json<Value>, ControlError> {
    let request: VerifyRequest =
        parse_body(&body, r#"{"target":{"kind":"wecom_app","app":"acme-app"}}"#)?;
    let target = resolve(&state.world, &request.target, false)
        .map_err(|e| ControlError::new(e.to_string()))?;
    let result = verify_url(
        &platform_client(),
        &target,
        state.clock.now(),
        Duration::from_millis(state.options.callback_timeout_ms),
    )
    .await;
    Ok(Json(json!(result)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompatRequest {
    app_id: String,
    enabled: bool,
}

async fn compat(State(state): State<SimState>, body: Bytes) -> Result<Json<Value>, ControlError> {
    let request: CompatRequest = parse_body(&body, r#"{"app_id":"wx…","enabled":true}"#)?;
    let known = state
        .world
        .official_accounts
        .iter()
        .any(|a| a.app_id == request.app_id)
        || state
            .world
            .miniprograms
            .iter()
            .any(|a| a.app_id == request.app_id);
    if !known {
        return Err(ControlError::new(format!(
            "no official account or mini program has appid `{}`",
            request.app_id
        )));
    }
    state
        .deliveries
        .set_compat(&request.app_id, request.enabled);
    Ok(Json(
        json!({ "app_id": request.app_id, "compat_mode": request.enabled }),
    ))
}
