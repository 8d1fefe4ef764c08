//! The authorisation APIs a suite calls (NOTES §3.5): `get_pre_auth_code`, `set_session_info`,
//! `get_permanent_code` (v1, full shape, and v2, trimmed), and `get_auth_info`, plus
//! [`privileges`], the authorised visible range other API areas resolve access with.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::registry::{Authorisation, CodeProblem, PRE_AUTH_CODE_TTL_SECS, SessionInfo};
use super::tokens::{corp_token, json_object, require_suite, text};
use crate::api_context::ApiCtx;
use crate::api_error::ApiError;
use crate::directory::{VisibleRange, open_userid_for};
use crate::state::SimState;

/// The suite authorisation API routes.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/service/get_pre_auth_code", get(get_pre_auth_code))
        .route("/cgi-bin/service/set_session_info", post(set_session_info))
        .route(
            "/cgi-bin/service/get_permanent_code",
            post(get_permanent_code),
        )
        .route(
            "/cgi-bin/service/v2/get_permanent_code",
            post(get_permanent_code_v2),
        )
        .route("/cgi-bin/service/get_auth_info", post(get_auth_info))
}

/// The visible range `corp_id` granted `suite_id` (privilege allow_party / allow_user /
/// allow_tag), or `None` when the suite is not (or no longer) authorised there.
pub fn privileges(state: &SimState, suite_id: &str, corp_id: &str) -> Option<VisibleRange> {
    state
        .suites
        .active(suite_id, corp_id)
        .map(|auth| auth.visible)
}

async fn get_pre_auth_code(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let suite_id = require_suite(&state, &ctx, &query)?;
    let code = state.suites.new_pre_auth_code(&suite_id, state.clock.now());
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "pre_auth_code": code,
        "expires_in": PRE_AUTH_CODE_TTL_SECS,
    })))
}

async fn set_session_info(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let suite_id = require_suite(&state, &ctx, &query)?;
    let body = json_object(&body)?;
    let code = text(&body, "pre_auth_code").ok_or_else(ApiError::invalid_pre_auth_code)?;
    let session = body.get("session_info").cloned().unwrap_or(Value::Null);
    let auth_type = match session.get("auth_type") {
        None | Some(Value::Null) => 0,
        Some(v) => match v.as_u64() {
            Some(t @ (0 | 1)) => t as u8,
            _ => {
                return Err(ApiError::invalid_parameter(
                    "session_info.auth_type must be 0 (正式授权) or 1 (测试授权)",
                ));
            }
        },
    };
    let appid = match session.get("appid") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|id| id.as_u64().and_then(|id| u32::try_from(id).ok()))
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| {
                ApiError::invalid_parameter("session_info.appid must be a list of numbers")
            })?,
        Some(_) => {
            return Err(ApiError::invalid_parameter(
                "session_info.appid must be a list of numbers",
            ));
        }
    };
    state
        .suites
        .set_session(
            &suite_id,
            code,
            SessionInfo { appid, auth_type },
            state.clock.now(),
        )
        .map_err(pre_auth_error)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}

/// The API error for a refused pre_auth_code.
pub(crate) fn pre_auth_error(problem: CodeProblem) -> ApiError {
    match problem {
        CodeProblem::Invalid => ApiError::invalid_pre_auth_code(),
        CodeProblem::Expired => ApiError::pre_auth_code_expired(),
    }
}

fn corp_name(state: &SimState, corp_id: &str) -> String {
    state
        .world
        .corp(corp_id)
        .map(|c| c.name.clone())
        .or_else(|| state.suites.customer_corp_name(corp_id))
        .unwrap_or_else(|| corp_id.to_owned())
}

fn auth_corp_info(state: &SimState, auth: &Authorisation) -> Value {
    let verified = state.world.corp(&auth.corp_id).is_some();
    let name = corp_name(state, &auth.corp_id);
    json!({
        "corpid": auth.corp_id,
        "corp_name": name,
        "corp_type": if verified { "verified" } else { "unverified" },
        "corp_square_logo_url": format!("https://p.qlogo.cn/bizmail/sim-{}/0", auth.corp_id),
        "corp_user_max": 200,
        "corp_full_name": name,
        "verified_end_time": if verified { auth.installed_at + 365 * 86_400 } else { 0 },
        "subject_type": 1,
        "corp_wxqrcode": format!("https://p.qpic.cn/wwhead/sim-{}/0", auth.corp_id),
        "corp_scale": "1-50人",
        "corp_industry": "IT服务",
        "corp_sub_industry": "计算机软件/硬件/信息服务",
    })
}

fn auth_info(state: &SimState, auth: &Authorisation) -> Value {
    let name = state
        .world
        .suite(&auth.suite_id)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    json!({
        "agent": [{
            "agentid": auth.agentid,
            "name": name,
            "round_logo_url": format!("https://p.qlogo.cn/bizmail/sim-{}/round", auth.suite_id),
            "square_logo_url": format!("https://p.qlogo.cn/bizmail/sim-{}/0", auth.suite_id),
            "auth_mode": 0,
            "is_customized_app": false,
            "auth_from_thirdapp": false,
            "privilege": {
                "level": auth.level,
                "allow_party": auth.visible.departments,
                "allow_user": auth.visible.users,
                "allow_tag": auth.visible.tags,
                "extra_party": [],
                "extra_user": [],
                "extra_tag": [],
            },
        }],
    })
}

fn auth_user_info(state: &SimState, auth: &Authorisation) -> Value {
    let (name, avatar) = state
        .directories
        .get(&auth.corp_id)
        .and_then(|dir| {
            let dir = dir.read().unwrap_or_else(|e| e.into_inner());
            dir.member(&auth.admin_userid)
                .map(|m| (m.name.clone(), m.avatar.clone()))
        })
        .unwrap_or_default();
    json!({
        "userid": auth.admin_userid,
        "open_userid": open_userid_for(&auth.corp_id, &auth.admin_userid),
        "name": name,
        "avatar": avatar,
    })
}

fn exchange(
    state: &SimState,
    ctx: &ApiCtx,
    query: &HashMap<String, String>,
    body: &Bytes,
) -> Result<Authorisation, ApiError> {
    let suite_id = require_suite(state, ctx, query)?;
    let body = json_object(body)?;
    let code = text(&body, "auth_code").ok_or_else(ApiError::missing_auth_code)?;
    let (auth, _) = state
        .suites
        .exchange_auth_code(&suite_id, code, state.clock.now())
        .map_err(|_| ApiError::invalid_auth_code())?;
    Ok(auth)
}

async fn get_permanent_code(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let auth = exchange(&state, &ctx, &query, &body)?;
    let (access_token, expires_in) = corp_token(&state, &auth.suite_id, &auth.corp_id);
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "access_token": access_token,
        "expires_in": expires_in,
        "permanent_code": auth.permanent_code,
        "auth_corp_info": auth_corp_info(&state, &auth),
        "auth_info": auth_info(&state, &auth),
        "auth_user_info": auth_user_info(&state, &auth),
        "state": auth.state,
    })))
}

async fn get_permanent_code_v2(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let auth = exchange(&state, &ctx, &query, &body)?;
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "permanent_code": auth.permanent_code,
        "auth_corp_info": {
            "corpid": auth.corp_id,
            "corp_name": corp_name(&state, &auth.corp_id),
        },
        "auth_user_info": auth_user_info(&state, &auth),
        "state": auth.state,
    })))
}

async fn get_auth_info(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let suite_id = require_suite(&state, &ctx, &query)?;
    let body = json_object(&body)?;
    let corp_id = text(&body, "auth_corpid").ok_or_else(|| ApiError::missing_id("auth_corpid"))?;
    let code = text(&body, "permanent_code").ok_or_else(ApiError::missing_permanent_code)?;
    let auth = state
        .suites
        .by_permanent_code(&suite_id, corp_id, code)
        .ok_or_else(ApiError::invalid_permanent_code)?;
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "auth_corp_info": auth_corp_info(&state, &auth),
        "auth_info": auth_info(&state, &auth),
    })))
}
