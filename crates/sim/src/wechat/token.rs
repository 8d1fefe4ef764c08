//! WeChat access tokens and tickets (NOTES §4): `/cgi-bin/token` (a new fetch retires the previous
//! token after the documented 5-minute overlap), `/cgi-bin/stable_token` (its own token space,
//! normal and force-refresh modes with their limits) and `/cgi-bin/ticket/getticket`.
//!
//! Token success bodies carry no `errcode` (`{"access_token":…,"expires_in":…}`); ticket bodies
//! do (`{"errcode":0,"errmsg":"ok",…}`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::rate_limit::{MP_STABLE_FORCE_PER_DAY, MP_STABLE_TOKEN, MP_TOKEN_PER_DAY};
use crate::state::SimState;
use crate::tokens::{IssuedToken, TokenKind, TokenOwner, require_token};

/// Both old and new `/cgi-bin/token` tokens work for 5 minutes after a refetch (official doc:
/// "平台会保证在5分钟内，新老 access_token 都可用"); afterwards the old one answers 40001.
pub const OVERLAP_SECS: i64 = 300;
/// Stable tokens are renewed when less than this is left ("普通模式下平台会提前5分钟更新").
pub const STABLE_RENEW_BEFORE_SECS: i64 = 300;
/// Force refreshes closer together than this do not refresh ("请保证调用时间隔至少为30s，否则不会刷新").
pub const FORCE_REFRESH_INTERVAL_SECS: i64 = 30;

/// `GET /cgi-bin/token`, `POST /cgi-bin/stable_token`, `GET /cgi-bin/ticket/getticket`.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/token", get(token))
        .route("/cgi-bin/stable_token", post(stable_token))
        .route("/cgi-bin/ticket/getticket", get(getticket))
}

/// Checks `grant_type`, `appid` and `secret` and returns the account as a token owner.
fn authenticate(
    state: &SimState,
    ctx: &ApiCtx,
    grant_type: Option<&str>,
    app_id: Option<&str>,
    secret: Option<&str>,
) -> Result<TokenOwner, ApiError> {
    if grant_type != Some("client_credential") {
        return Err(ApiError::invalid_grant_type());
    }
    let app_id = app_id.ok_or_else(|| ApiError::missing_id("appid"))?;
    let secret = secret.ok_or_else(|| ApiError::missing_secret("appsecret"))?;
    let account = state
        .world
        .mp_account(app_id)
        .ok_or_else(ApiError::invalid_app_id)?;
    if !account.app_secret.matches(secret) {
        return Err(ApiError::invalid_app_secret());
    }
    ctx.set_caller(account.name);
    let owner = TokenOwner::Mp {
        app_id: account.app_id.to_owned(),
        name: account.name.to_owned(),
        kind: account.kind,
    };
    state.faults.check_denied(&owner.names())?;
    Ok(owner)
}

fn token_body(token: IssuedToken) -> Json<Value> {
    Json(json!({ "access_token": token.value, "expires_in": token.expires_in }))
}

/// `GET /cgi-bin/token?grant_type=client_credential&appid=APPID&secret=APPSECRET`.
async fn token(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let owner = authenticate(
        &state,
        &ctx,
        param(&query, "grant_type"),
        param(&query, "appid"),
        param(&query, "secret"),
    )?;
    let app_id = owner.mp_app_id().unwrap_or_default().to_owned();
    state
        .limits
        .check(&format!("mp-token:{app_id}"), MP_TOKEN_PER_DAY)?;
    let token = state.tokens.issue(
        &owner,
        TokenKind::MpToken,
        state.clock.now(),
        state.token_ttl(),
        Some((40001, OVERLAP_SECS)),
    );
    Ok(token_body(token))
}

/// `POST /cgi-bin/stable_token` with a JSON body
/// `{"grant_type":"client_credential","appid":…,"secret":…,"force_refresh":false}`.
async fn stable_token(
    State(state): State<SimState>,
    ctx: ApiCtx,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::data_format_error(&format!("the body must be a JSON object ({e})"))
    })?;
    let Some(fields) = body.as_object() else {
        return Err(ApiError::data_format_error(
            "the body must be a JSON object",
        ));
    };
    let text = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let force = match fields.get("force_refresh") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(force)) => *force,
        Some(other) => {
            return Err(ApiError::data_format_error(&format!(
                "force_refresh must be a boolean, got {other}"
            )));
        }
    };
    let owner = authenticate(
        &state,
        &ctx,
        text("grant_type"),
        text("appid"),
        text("secret"),
    )?;
    let app_id = owner.mp_app_id().unwrap_or_default().to_owned();
    state
        .limits
        .check(&format!("mp-stable:{app_id}"), MP_STABLE_TOKEN)?;
    let now = state.clock.now();
    let ttl = state.token_ttl();
    let kind = TokenKind::MpStableToken;
    if force {
        state.limits.check(
            &format!("mp-stable-force:{app_id}"),
            MP_STABLE_FORCE_PER_DAY,
        )?;
        let mark = format!("stable-force:{app_id}");
        let too_soon = state
            .tokens
            .last_mark(&mark)
            .is_some_and(|last| now - last < FORCE_REFRESH_INTERVAL_SECS);
        if let Some(current) = too_soon
            .then(|| state.tokens.current(&owner, kind, now))
            .flatten()
        {
            return Ok(token_body(current));
        }
        state.tokens.mark(&mark, now);
        return Ok(token_body(state.tokens.issue(
            &owner,
            kind,
            now,
            ttl,
            Some((40001, 0)),
        )));
    }
    Ok(token_body(state.tokens.current_or_renew(
        &owner,
        kind,
        now,
        ttl,
        STABLE_RENEW_BEFORE_SECS,
    )))
}

/// `GET /cgi-bin/ticket/getticket?access_token=…&type=jsapi|wx_card`.
async fn getticket(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let grant = require_token(
        &state,
        &ctx,
        param(&query, "access_token"),
        TokenKind::MP_ACCESS,
    )?;
    let kind = match param(&query, "type") {
        Some("jsapi") => TokenKind::MpJsapiTicket,
        Some("wx_card") => TokenKind::MpCardTicket,
        Some(other) => {
            return Err(ApiError::invalid_args(&format!(
                "type must be jsapi or wx_card, got {other:?}"
            )));
        }
        None => return Err(ApiError::invalid_args("type is missing (jsapi or wx_card)")),
    };
    let ticket =
        state
            .tokens
            .current_or_issue(grant.owner(), kind, state.clock.now(), state.token_ttl());
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "ticket": ticket.value,
        "expires_in": ticket.expires_in,
    })))
}
