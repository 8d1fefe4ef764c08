//! WeCom identity for self-built apps (NOTES §3.2): `auth/getuserinfo`, `auth/getuserdetail`, the
//! legacy `user/getuserinfo` (capitalised keys) and the WeCom mini program's
//! `miniprogram/jscode2session`.
//!
//! A user_ticket is issued only for scope `snsapi_privateinfo` and a member inside the calling
//! app's visible range; outside the range `getuserinfo` still answers the userid, without ticket
//! (path/96442: "user_ticket … 仅在用户在应用可见范围内时返回"). A disabled member can only get a
//! code through the control API; exchanging it answers the userid like for anyone else.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::identity::codes::{
    CodeKind, CodeProblem, LoginCode, LoginSubject, USER_TICKET_TTL_SECS,
};
use crate::identity::people;
use crate::state::SimState;
use crate::tokens::{TokenKind, TokenOwner, require_token};

/// The WeCom identity routes of self-built apps.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/auth/getuserinfo", get(getuserinfo))
        .route("/cgi-bin/auth/getuserdetail", post(getuserdetail))
        .route("/cgi-bin/user/getuserinfo", get(legacy_getuserinfo))
        .route(
            "/cgi-bin/miniprogram/jscode2session",
            get(miniprogram_jscode2session),
        )
}

/// WeCom answers 40029 for unknown, expired and used codes alike.
pub fn wecom_code_error(_problem: CodeProblem) -> ApiError {
    ApiError::invalid_code()
}

/// Whether `userid` is inside the visible range of the app `app_name` of `corp_id` (apps of
/// installed suites see the whole corp in the simulator).
pub fn member_visible(
    state: &SimState,
    corp_id: &str,
    app_name: Option<&str>,
    userid: &str,
) -> bool {
    let Some(directory) = state.directories.get(corp_id) else {
        return false;
    };
    let directory = directory.read().unwrap_or_else(|e| e.into_inner());
    let range = app_name
        .and_then(|name| state.world.corp_app(corp_id, name))
        .map(|app| app.visible.clone())
        .unwrap_or_default();
    directory.visible(&range).contains_user(userid)
}

/// A string field of a JSON object body, or 40058 naming it.
pub fn body_field(body: &Bytes, name: &str) -> Result<String, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::invalid_parameter(&format!("the body must be JSON with {name}")))?;
    value
        .get(name)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ApiError::invalid_parameter(&format!("{name} is missing")))
}

struct Exchanged {
    code: LoginCode,
    corp_id: String,
    app: Option<String>,
}

fn exchange(
    state: &SimState,
    ctx: &ApiCtx,
    query: &HashMap<String, String>,
) -> Result<Exchanged, ApiError> {
    let grant = require_token(
        state,
        ctx,
        param(query, "access_token"),
        TokenKind::WECOM_ACCESS,
    )?;
    let code = param(query, "code").ok_or_else(ApiError::invalid_code)?;
    let (corp_id, app) = match grant.owner() {
        TokenOwner::CorpApp { corp_id, app } => (corp_id.clone(), Some(app.clone())),
        other => (other.corp_id().unwrap_or_default().to_owned(), None),
    };
    let code = state
        .identity
        .redeem(
            code,
            &[CodeKind::WecomOauth, CodeKind::WecomWeb],
            &corp_id,
            state.clock.now(),
        )
        .map_err(wecom_code_error)?;
    Ok(Exchanged { code, corp_id, app })
}

/// The user_ticket for a member, when the scope and visibility allow one.
fn ticket_for(state: &SimState, ex: &Exchanged, userid: &str) -> Option<String> {
    let audience = ex.app.as_deref()?;
    (ex.code.scope == "snsapi_privateinfo"
        && member_visible(state, &ex.corp_id, Some(audience), userid))
    .then(|| {
        state
            .identity
            .issue_user_ticket(&ex.corp_id, userid, audience, state.clock.now())
    })
}

/// `GET /cgi-bin/auth/getuserinfo?access_token=…&code=CODE`.
async fn getuserinfo(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let ex = exchange(&state, &ctx, &query)?;
    let mut body = json!({ "errcode": 0, "errmsg": "ok" });
    match &ex.code.subject {
        LoginSubject::Member { userid, .. } => {
            body["userid"] = json!(userid);
            if let Some(ticket) = ticket_for(&state, &ex, userid) {
                body["user_ticket"] = json!(ticket);
            }
        }
        LoginSubject::NonMember { corp_id, person } => {
            body["openid"] = json!(people::corp_openid(corp_id, person));
            body["external_userid"] = json!(people::external_userid(corp_id, person));
        }
        LoginSubject::Person { .. } => return Err(ApiError::invalid_code()),
    }
    Ok(Json(body))
}

/// A stable simulated device id for a member or person.
fn device_id(seed: &str) -> String {
    people::external_userid("device", seed)
        .trim_start_matches("wm")
        .to_owned()
}

/// `GET /cgi-bin/user/getuserinfo?access_token=…&code=CODE` (legacy, capitalised keys; the
/// user_ticket comes with `expires_in`, the ticket's real lifetime of 1800 s).
async fn legacy_getuserinfo(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let ex = exchange(&state, &ctx, &query)?;
    let mut body = json!({ "errcode": 0, "errmsg": "ok" });
    match &ex.code.subject {
        LoginSubject::Member { userid, corp_id } => {
            body["UserId"] = json!(userid);
            body["DeviceId"] = json!(device_id(&format!("{corp_id}/{userid}")));
            if let Some(ticket) = ticket_for(&state, &ex, userid) {
                body["user_ticket"] = json!(ticket);
                body["expires_in"] = json!(USER_TICKET_TTL_SECS);
            }
        }
        LoginSubject::NonMember { corp_id, person } => {
            body["OpenId"] = json!(people::corp_openid(corp_id, person));
            body["DeviceId"] = json!(device_id(person));
        }
        LoginSubject::Person { .. } => return Err(ApiError::invalid_code()),
    }
    Ok(Json(body))
}

/// The sensitive fields of a member, per the directory (all consented under snsapi_privateinfo).
pub fn member_detail(state: &SimState, corp_id: &str, userid: &str) -> Result<Value, ApiError> {
    let directory = state
        .directories
        .get(corp_id)
        .ok_or_else(ApiError::user_not_found)?;
    let directory = directory.read().unwrap_or_else(|e| e.into_inner());
    let member = directory
        .member(userid)
        .ok_or_else(ApiError::user_not_found)?;
    Ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "userid": member.userid,
        "gender": member.gender,
        "avatar": member.avatar,
        "qr_code": member.qr_code,
        "mobile": member.mobile,
        "email": member.email,
        "biz_mail": member.biz_mail,
        "address": member.address,
    }))
}

/// `POST /cgi-bin/auth/getuserdetail?access_token=…` with `{"user_ticket":"…"}`.
async fn getuserdetail(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let grant = require_token(
        &state,
        &ctx,
        param(&query, "access_token"),
        TokenKind::WECOM_ACCESS,
    )?;
    let ticket = body_field(&body, "user_ticket")?;
    let audience = grant.owner().display_name().to_owned();
    let record = state
        .identity
        .user_ticket(&ticket, &audience, state.clock.now())
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "user_ticket is invalid or expired (valid 1800 s, for the app that got it)",
            )
        })?;
    Ok(Json(member_detail(
        &state,
        &record.corp_id,
        &record.userid,
    )?))
}

/// `GET /cgi-bin/miniprogram/jscode2session?access_token=…&js_code=…&grant_type=authorization_code`:
/// the token must be the linked mini-program app's; the member must be in its visible range
/// (else 60011).
async fn miniprogram_jscode2session(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let grant = require_token(
        &state,
        &ctx,
        param(&query, "access_token"),
        &[TokenKind::CorpAppToken],
    )?;
    let TokenOwner::CorpApp { corp_id, app } = grant.owner() else {
        return Err(ApiError::api_forbidden());
    };
    let mini_app_id = match state.world.corp_app(corp_id, app).map(|a| &a.kind) {
        Some(crate::world::SimAppKind::MiniProgram { app_id }) => app_id.clone(),
        _ => return Err(ApiError::api_forbidden()),
    };
    if param(&query, "grant_type") != Some("authorization_code") {
        return Err(ApiError::invalid_parameter(
            "grant_type must be authorization_code",
        ));
    }
    let code = param(&query, "js_code").ok_or_else(ApiError::invalid_code)?;
    let code = state
        .identity
        .redeem(
            code,
            &[CodeKind::WecomMini],
            &mini_app_id,
            state.clock.now(),
        )
        .map_err(wecom_code_error)?;
    let LoginSubject::Member { userid, .. } = &code.subject else {
        return Err(ApiError::invalid_code());
    };
    if !member_visible(&state, corp_id, Some(app), userid) {
        return Err(ApiError::no_privilege());
    }
    let session_key = state.identity.new_session_key(&mini_app_id, &code.subject);
    Ok(Json(json!({
        "corpid": corp_id,
        "userid": userid,
        "session_key": session_key,
        "errcode": 0,
        "errmsg": "ok",
    })))
}
