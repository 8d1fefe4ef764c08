//! The JSON control API under `/sim/`: what tests and the console use to look inside the simulator
//! and steer it (stats, reset, faults, the clock, token invalidation, the world without secrets).
//! It is not a platform API: no faults, no stats, plain JSON errors with HTTP 400.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::faults::FaultConfig;
use crate::state::SimState;

/// The control routes, to be nested under `/sim`.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/stats", get(stats))
        .route("/reset", post(reset))
        .route("/faults", get(get_faults).post(set_faults))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance_clock))
        .route("/tokens/invalidate", post(invalidate_tokens))
        .route("/world", get(world))
}

/// A refused control request: HTTP 400 `{"error":"…"}`.
#[derive(Debug)]
pub struct ControlError(String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, Json(json!({ "error": self.0 }))).into_response()
    }
}

fn parse<T: DeserializeOwned>(body: &Bytes, example: &str) -> Result<T, ControlError> {
    serde_json::from_slice(body)
        .map_err(|e| ControlError(format!("expected a JSON body like {example}: {e}")))
}

async fn stats(State(state): State<SimState>) -> Json<Value> {
    Json(serde_json::to_value(state.stats.snapshot()).unwrap_or_default())
}

async fn reset(State(state): State<SimState>) -> Json<Value> {
    state.reset();
    Json(json!({ "ok": true }))
}

async fn get_faults(State(state): State<SimState>) -> Json<FaultConfig> {
    Json(state.faults.config())
}

async fn set_faults(
    State(state): State<SimState>,
    body: Bytes,
) -> Result<Json<FaultConfig>, ControlError> {
    let config: FaultConfig = parse(
        &body,
        r#"{"system_error_probability":0.1,"latency_ms":200}"#,
    )?;
    state.faults.set(config).map_err(ControlError)?;
    Ok(Json(state.faults.config()))
}

fn clock_body(state: &SimState) -> Json<Value> {
    Json(json!({
        "now": state.clock.now(),
        "speed": state.clock.speed(),
        "offset_secs": state.clock.offset(),
    }))
}

async fn clock(State(state): State<SimState>) -> Json<Value> {
    clock_body(&state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    secs: i64,
}

async fn advance_clock(
    State(state): State<SimState>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let advance: Advance = parse(&body, r#"{"secs":7201}"#)?;
    state.clock.advance(advance.secs);
    Ok(clock_body(&state))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Invalidate {
    app: String,
    #[serde(default = "default_invalidation_code")]
    errcode: i64,
}

fn default_invalidation_code() -> i64 {
    40014
}

async fn invalidate_tokens(
    State(state): State<SimState>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let request: Invalidate = parse(&body, r#"{"app":"acme-app","errcode":42001}"#)?;
    if ![40001, 40014, 42001].contains(&request.errcode) {
        return Err(ControlError(format!(
            "errcode must be 40001, 40014 or 42001, got {}",
            request.errcode
        )));
    }
    let hit = state
        .tokens
        .invalidate_owner(&request.app, request.errcode, state.clock.now());
    Ok(Json(json!({ "invalidated": hit })))
}

async fn world(State(state): State<SimState>) -> Json<Value> {
    Json(state.world.public_view())
}

impl ControlError {
    /// A refusal with this message (for control routes of feature modules).
    pub fn new(message: impl Into<String>) -> Self {
        ControlError(message.into())
    }
}
