//! WeCom third-party identity (NOTES §3.2 / §3.5): `service/auth/getuserinfo3rd`,
//! `service/auth/getuserdetail3rd`, `service/get_login_info` (ServiceApp web login with the
//! provider token) and `service/miniprogram/jscode2session`.
//!
//! `get_login_info` answers like the recorded fixture: no `errcode` on success (the provider APIs
//! "return errcode only on failure"). Every member logs in as `usertype` 5 (成员): the simulated
//! directory has no admin roles, so `agent` and `auth_info.department` are empty.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::directory::open_userid_for;
use crate::identity::codes::{CodeKind, LoginSubject, USER_TICKET_TTL_SECS};
use crate::identity::people;
use crate::identity::wecom_oauth::{body_field, member_detail, wecom_code_error};
use crate::state::SimState;
use crate::tokens::{TokenKind, TokenOwner, require_token};

/// The third-party identity routes.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/service/auth/getuserinfo3rd", get(getuserinfo3rd))
        .route(
            "/cgi-bin/service/auth/getuserdetail3rd",
            post(getuserdetail3rd),
        )
        .route("/cgi-bin/service/get_login_info", post(get_login_info))
        .route(
            "/cgi-bin/service/miniprogram/jscode2session",
            get(service_jscode2session),
        )
}

fn suite_id(
    state: &SimState,
    ctx: &ApiCtx,
    query: &HashMap<String, String>,
) -> Result<String, ApiError> {
    let grant = require_token(
        state,
        ctx,
        param(query, "suite_access_token"),
        &[TokenKind::SuiteToken],
    )?;
    match grant.owner() {
        TokenOwner::Suite { suite_id } => Ok(suite_id.clone()),
        _ => Err(ApiError::invalid_suite_token()),
    }
}

/// `GET /cgi-bin/service/auth/getuserinfo3rd?suite_access_token=…&code=CODE`.
async fn getuserinfo3rd(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let suite_id = suite_id(&state, &ctx, &query)?;
    let code = param(&query, "code").ok_or_else(ApiError::invalid_code)?;
    let now = state.clock.now();
    let code = state
        .identity
        .redeem(code, &[CodeKind::Wecom3rd], &suite_id, now)
        .map_err(wecom_code_error)?;
    let mut body = json!({ "errcode": 0, "errmsg": "ok" });
    match &code.subject {
        LoginSubject::Member { corp_id, userid } => {
            body["corpid"] = json!(corp_id);
            body["userid"] = json!(userid);
            if code.scope == "snsapi_privateinfo" {
                let ticket = state
                    .identity
                    .issue_user_ticket(corp_id, userid, &suite_id, now);
                body["user_ticket"] = json!(ticket);
                body["expires_in"] = json!(USER_TICKET_TTL_SECS);
            }
            body["open_userid"] = json!(open_userid_for(corp_id, userid));
        }
        LoginSubject::NonMember { corp_id, person } => {
            body["openid"] = json!(people::corp_openid(corp_id, person));
        }
        LoginSubject::Person { .. } => return Err(ApiError::invalid_code()),
    }
    Ok(Json(body))
}

/// `POST /cgi-bin/service/auth/getuserdetail3rd?suite_access_token=…` with `{"user_ticket"}`;
/// `name` is the userid (third-party apps no longer get names, since 2020-06-30).
async fn getuserdetail3rd(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let suite_id = suite_id(&state, &ctx, &query)?;
    let ticket = body_field(&body, "user_ticket")?;
    let record = state
        .identity
        .user_ticket(&ticket, &suite_id, state.clock.now())
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "user_ticket is invalid or expired (valid 1800 s, for the suite that got it)",
            )
        })?;
    let detail = member_detail(&state, &record.corp_id, &record.userid)?;
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "corpid": record.corp_id,
        "userid": record.userid,
        "name": record.userid,
        "gender": detail["gender"],
        "avatar": detail["avatar"],
        "qr_code": detail["qr_code"],
    })))
}

/// `POST /cgi-bin/service/get_login_info?access_token=PROVIDER_ACCESS_TOKEN` with `{"auth_code"}`.
async fn get_login_info(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let grant = require_token(
        &state,
        &ctx,
        param(&query, "access_token"),
        &[TokenKind::ProviderToken],
    )?;
    let TokenOwner::Provider { corp_id: provider } = grant.owner() else {
        return Err(ApiError::invalid_access_token());
    };
    let auth_code = body_field(&body, "auth_code")?;
    let code = state
        .identity
        .redeem(
            &auth_code,
            &[CodeKind::Wecom3rd],
            provider,
            state.clock.now(),
        )
        .map_err(wecom_code_error)?;
    let LoginSubject::Member { corp_id, userid } = &code.subject else {
        return Err(ApiError::invalid_code());
    };
    let (name, avatar) = state
        .directories
        .get(corp_id)
        .and_then(|dir| {
            let dir = dir.read().unwrap_or_else(|e| e.into_inner());
            dir.member(userid)
                .map(|m| (m.name.clone(), m.avatar.clone()))
        })
        .ok_or_else(ApiError::user_not_found)?;
    Ok(Json(json!({
        "usertype": 5,
        "user_info": {
            "userid": userid,
            "open_userid": open_userid_for(corp_id, userid),
            "name": name,
            "avatar": avatar,
        },
        "corp_info": { "corpid": corp_id },
        "agent": [],
        "auth_info": { "department": [] },
    })))
}

/// `GET /cgi-bin/service/miniprogram/jscode2session?suite_access_token=…&js_code=…&grant_type=…`.
async fn service_jscode2session(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let suite_id = suite_id(&state, &ctx, &query)?;
    if param(&query, "grant_type") != Some("authorization_code") {
        return Err(ApiError::invalid_parameter(
            "grant_type must be authorization_code",
        ));
    }
    let code = param(&query, "js_code").ok_or_else(ApiError::invalid_code)?;
    let code = state
        .identity
        .redeem(code, &[CodeKind::WecomMini], &suite_id, state.clock.now())
        .map_err(wecom_code_error)?;
    let LoginSubject::Member { corp_id, userid } = &code.subject else {
        return Err(ApiError::invalid_code());
    };
    let session_key = state.identity.new_session_key(&suite_id, &code.subject);
    Ok(Json(json!({
        "corpid": corp_id,
        "userid": userid,
        "session_key": session_key,
        "open_userid": open_userid_for(corp_id, userid),
        "errcode": 0,
        "errmsg": "ok",
    })))
}
