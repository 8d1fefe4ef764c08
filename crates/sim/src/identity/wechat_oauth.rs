//! WeChat web authorisation (NOTES §4): `sns/oauth2/access_token`, `sns/oauth2/refresh_token`,
//! `sns/userinfo` and `sns/auth`, for official accounts (OAuth) and website apps (QR login).
//!
//! Success bodies carry no `errcode` (as recorded). `unionid` is added when the app is bound to an
//! open platform and the scope is not `snsapi_base` (the official api_snsaccesstoken page: unionid
//! "只有当scope为snsapi_userinfo时返回"); `is_snapshotuser` is never sent (the simulator has no 快照页 users). A code
//! exchanged twice answers 40163 "code been used".

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::identity::codes::{
    CodeKind, CodeProblem, LoginSubject, SNS_TOKEN_TTL_SECS, SnsGrant, SnsTokenProblem,
};
use crate::identity::people;
use crate::state::SimState;
use crate::world::MpAccount;

/// The WeChat sns routes.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/sns/oauth2/access_token", get(access_token))
        .route("/sns/oauth2/refresh_token", get(refresh_token))
        .route("/sns/userinfo", get(userinfo))
        .route("/sns/auth", get(auth))
}

/// WeChat's answer for a code that cannot be exchanged: 40163 when used, else 40029.
pub fn wechat_code_error(problem: CodeProblem) -> ApiError {
    match problem {
        CodeProblem::Used => ApiError::code_been_used(),
        CodeProblem::Invalid => ApiError::invalid_code(),
    }
}

/// Checks `appid` and `secret` like `/cgi-bin/token` does (41002 / 41004 / 40013 / 40125).
pub fn check_app<'a>(
    state: &'a SimState,
    ctx: &ApiCtx,
    query: &HashMap<String, String>,
) -> Result<MpAccount<'a>, ApiError> {
    let account = app_only(state, ctx, query)?;
    let secret = param(query, "secret").ok_or_else(|| ApiError::missing_secret("appsecret"))?;
    if !account.app_secret.matches(secret) {
        return Err(ApiError::invalid_app_secret());
    }
    Ok(account)
}

fn app_only<'a>(
    state: &'a SimState,
    ctx: &ApiCtx,
    query: &HashMap<String, String>,
) -> Result<MpAccount<'a>, ApiError> {
    let app_id = param(query, "appid").ok_or_else(|| ApiError::missing_id("appid"))?;
    let account = state
        .world
        .mp_account(app_id)
        .ok_or_else(ApiError::invalid_app_id)?;
    ctx.set_caller(account.name);
    state.faults.check_denied(&[account.name, account.app_id])?;
    Ok(account)
}

fn token_body(account: &MpAccount<'_>, access: &str, refresh: &str, grant: &SnsGrant) -> Value {
    json!({
        "access_token": access,
        "expires_in": SNS_TOKEN_TTL_SECS,
        "refresh_token": refresh,
        "openid": people::openid(account.app_id, &grant.person),
        "scope": grant.scope,
    })
}

/// `GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`.
async fn access_token(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let account = check_app(&state, &ctx, &query)?;
    if param(&query, "grant_type") != Some("authorization_code") {
        return Err(ApiError::invalid_grant_type());
    }
    let code = param(&query, "code").ok_or_else(ApiError::invalid_code)?;
    let now = state.clock.now();
    let code = state
        .identity
        .redeem(
            code,
            &[CodeKind::WechatOauth, CodeKind::WechatQr],
            account.app_id,
            now,
        )
        .map_err(wechat_code_error)?;
    let LoginSubject::Person { person } = code.subject else {
        return Err(ApiError::invalid_code());
    };
    let grant = SnsGrant {
        app_id: account.app_id.to_owned(),
        person,
        scope: code.scope,
        expires_at: 0,
    };
    let (access, refresh) = state.identity.issue_sns(&grant, now);
    let mut body = token_body(&account, &access, &refresh, &grant);
    // The unionid comes only with a consented scope: "只有当scope为snsapi_userinfo时返回"
    // (api_snsaccesstoken); website QR login's snsapi_login is consented by the scan.
    if let Some(platform) = account.open_platform
        && grant.scope != "snsapi_base"
    {
        body["unionid"] = json!(people::unionid(platform, &grant.person));
    }
    Ok(Json(body))
}

/// `GET /sns/oauth2/refresh_token?appid&grant_type=refresh_token&refresh_token=…`: a new
/// access_token; the refresh_token itself is returned unchanged (valid 30 days from issue).
async fn refresh_token(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let account = app_only(&state, &ctx, &query)?;
    if param(&query, "grant_type") != Some("refresh_token") {
        return Err(ApiError::invalid_grant_type());
    }
    let refresh = param(&query, "refresh_token").ok_or_else(ApiError::invalid_refresh_token)?;
    let (access, grant) = state
        .identity
        .refresh_sns(refresh, account.app_id, state.clock.now())
        .ok_or_else(ApiError::invalid_refresh_token)?;
    Ok(Json(token_body(&account, &access, refresh, &grant)))
}

/// The sns grant behind `access_token`, checked against `openid`.
fn sns_grant(state: &SimState, query: &HashMap<String, String>) -> Result<SnsGrant, ApiError> {
    let token = param(query, "access_token").ok_or_else(ApiError::missing_access_token)?;
    let grant =
        state
            .identity
            .sns_token(token, state.clock.now())
            .map_err(|problem| match problem {
                SnsTokenProblem::Unknown => ApiError::invalid_credential(),
                SnsTokenProblem::Expired => ApiError::access_token_expired(),
            })?;
    let openid = param(query, "openid").ok_or_else(ApiError::invalid_openid)?;
    if openid != people::openid(&grant.app_id, &grant.person) {
        return Err(ApiError::invalid_openid());
    }
    Ok(grant)
}

/// `GET /sns/userinfo?access_token&openid&lang`: only for snsapi_userinfo / snsapi_login grants
/// (else 48001); `sex` is a number.
async fn userinfo(
    State(state): State<SimState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let grant = sns_grant(&state, &query)?;
    if !matches!(grant.scope.as_str(), "snsapi_userinfo" | "snsapi_login") {
        return Err(ApiError::api_unauthorized());
    }
    let open_platform = state
        .world
        .mp_account(&grant.app_id)
        .and_then(|a| a.open_platform);
    Ok(Json(people::sns_userinfo(
        &grant.app_id,
        open_platform,
        &grant.person,
    )))
}

/// `GET /sns/auth?access_token&openid`: `{"errcode":0,"errmsg":"ok"}` while the token is valid.
async fn auth(
    State(state): State<SimState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    sns_grant(&state, &query)?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}
