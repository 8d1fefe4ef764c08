//! `GET /cgi-bin/getcallbackip`, served by both platforms on the same path: the addresses the
//! platform pushes callbacks from. It is the first shared path, so it shows how such routes pick
//! their answer style from the token ([`PlatformChoice::ByToken`](crate::api_context::PlatformChoice)).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api_context::{ApiCtx, Platform, param};
use crate::api_error::ApiError;
use crate::state::SimState;
use crate::tokens::{TokenKind, require_token};

/// The simulator pushes callbacks from the loopback address.
pub const CALLBACK_IPS: &[&str] = &["127.0.0.1"];

/// `GET /cgi-bin/getcallbackip`.
pub fn routes() -> Router<SimState> {
    Router::new().route("/cgi-bin/getcallbackip", get(getcallbackip))
}

async fn getcallbackip(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let kinds = [TokenKind::WECOM_ACCESS, TokenKind::MP_ACCESS].concat();
    require_token(&state, &ctx, param(&query, "access_token"), &kinds)?;
    Ok(Json(match ctx.platform() {
        Platform::WeCom => json!({ "ip_list": CALLBACK_IPS, "errcode": 0, "errmsg": "ok" }),
        Platform::WeChat => json!({ "ip_list": CALLBACK_IPS }),
    }))
}
