//! The service provider's credentials (NOTES §3.5): `get_suite_token` (checked against the
//! tickets this simulator pushed), `get_provider_token` and `get_corp_token` (an authorised
//! corp's access_token from its permanent code). get_suite_token and get_corp_token answer
//! without `errcode` on success ("因历史原因，该接口在调用失败时才返回errcode").

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::state::SimState;
use crate::tokens::{TokenKind, TokenOwner, require_token};

/// `POST /cgi-bin/service/get_suite_token`, `get_provider_token`, `get_corp_token`.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/service/get_suite_token", post(get_suite_token))
        .route(
            "/cgi-bin/service/get_provider_token",
            post(get_provider_token),
        )
        .route("/cgi-bin/service/get_corp_token", post(get_corp_token))
}

/// The JSON object body of a suite API call (40058 when it is not one).
pub(crate) fn json_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::invalid_parameter(
            "the body must be a JSON object (Content-Type: application/json)",
        )),
    }
}

/// A non-empty string field of a JSON body.
pub(crate) fn text<'a>(body: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
}

/// The suite token check of every `?suite_access_token=` API: returns the calling suite id.
pub(crate) fn require_suite(
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

async fn get_suite_token(
    State(state): State<SimState>,
    ctx: ApiCtx,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_object(&body)?;
    let suite_id = text(&body, "suite_id").ok_or_else(ApiError::missing_suite_id)?;
    let suite = state
        .world
        .suite(suite_id)
        .ok_or_else(ApiError::invalid_suite_id)?;
    ctx.set_caller(&suite.suite_id);
    if !text(&body, "suite_secret").is_some_and(|s| suite.suite_secret.matches(s)) {
        return Err(ApiError::invalid_suite_secret());
    }
    let now = state.clock.now();
    let ticket = text(&body, "suite_ticket").unwrap_or_default();
    if !state.suites.ticket_is_valid(suite_id, ticket, now) {
        return Err(ApiError::invalid_suite_ticket());
    }
    let owner = TokenOwner::Suite {
        suite_id: suite.suite_id.clone(),
    };
    state.faults.check_denied(&owner.names())?;
    let token =
        state
            .tokens
            .current_or_issue(&owner, TokenKind::SuiteToken, now, state.token_ttl());
    Ok(Json(json!({
        "suite_access_token": token.value,
        "expires_in": token.expires_in,
    })))
}

async fn get_provider_token(
    State(state): State<SimState>,
    ctx: ApiCtx,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_object(&body)?;
    let corp_id = text(&body, "corpid").ok_or_else(|| ApiError::missing_id("corpid"))?;
    let secret = text(&body, "provider_secret")
        .ok_or_else(|| ApiError::missing_secret("provider_secret"))?;
    let providers: Vec<_> = state
        .world
        .suites
        .iter()
        .filter(|s| s.provider_corp_id.as_deref() == Some(corp_id))
        .collect();
    if providers.is_empty() {
        return Err(ApiError::invalid_corp_id());
    }
    let secret_ok = providers.iter().any(|s| {
        s.provider_secret
            .as_ref()
            .is_some_and(|p| p.matches(secret))
    });
    ctx.set_caller(corp_id);
    if !secret_ok {
        return Err(ApiError::invalid_credential());
    }
    let owner = TokenOwner::Provider {
        corp_id: corp_id.to_owned(),
    };
    state.faults.check_denied(&owner.names())?;
    let token = state.tokens.current_or_issue(
        &owner,
        TokenKind::ProviderToken,
        state.clock.now(),
        state.token_ttl(),
    );
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "provider_access_token": token.value,
        "expires_in": token.expires_in,
    })))
}

/// Issues (or returns the current) access_token of `corp_id` acting through `suite_id`.
pub(crate) fn corp_token(state: &SimState, suite_id: &str, corp_id: &str) -> (String, i64) {
    let token = state.tokens.current_or_issue(
        &TokenOwner::AuthorisedCorp {
            suite_id: suite_id.to_owned(),
            corp_id: corp_id.to_owned(),
        },
        TokenKind::AuthCorpToken,
        state.clock.now(),
        state.token_ttl(),
    );
    (token.value, token.expires_in)
}

async fn get_corp_token(
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
    let (access_token, expires_in) = corp_token(&state, &suite_id, &auth.corp_id);
    Ok(Json(json!({
        "access_token": access_token,
        "expires_in": expires_in,
    })))
}
