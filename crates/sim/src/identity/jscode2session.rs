//! Mini program login (NOTES §4): `GET /sns/jscode2session` exchanges a `wx.login` code for the
//! person's openid, a fresh session_key (base64 of 16 random bytes, kept until the next login so
//! the control API can produce open data with it) and the unionid when the mini program is bound
//! to an open platform. The body carries no `errcode` on success, as recorded.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::identity::codes::{CodeKind, LoginSubject};
use crate::identity::people;
use crate::identity::wechat_oauth::{check_app, wechat_code_error};
use crate::state::SimState;

/// `GET /sns/jscode2session`.
pub fn routes() -> Router<SimState> {
    Router::new().route("/sns/jscode2session", get(jscode2session))
}

/// `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`.
async fn jscode2session(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let account = check_app(&state, &ctx, &query)?;
    if param(&query, "grant_type") != Some("authorization_code") {
        return Err(ApiError::invalid_grant_type());
    }
    let code = param(&query, "js_code").ok_or_else(ApiError::invalid_code)?;
    let code = state
        .identity
        .redeem(code, &[CodeKind::Mini], account.app_id, state.clock.now())
        .map_err(wechat_code_error)?;
    let LoginSubject::Person { person } = &code.subject else {
        return Err(ApiError::invalid_code());
    };
    let session_key = state
        .identity
        .new_session_key(account.app_id, &code.subject);
    let mut body = json!({
        "openid": people::openid(account.app_id, person),
        "session_key": session_key,
    });
    if let Some(platform) = account.open_platform {
        body["unionid"] = json!(people::unionid(platform, person));
    }
    Ok(Json(body))
}
