//! WeCom access tokens and JS-SDK tickets (NOTES §3.1): `gettoken`, the corp `get_jsapi_ticket`
//! and the app `ticket/get?type=agent_config`, with the documented codes and ticket limits.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::rate_limit::{WECOM_TICKETS_PER_APP, WECOM_TICKETS_PER_CORP};
use crate::state::SimState;
use crate::tokens::{TokenKind, TokenOwner, require_token};
use crate::world::CorpSecretMismatch;

/// `GET /cgi-bin/gettoken`, `GET /cgi-bin/get_jsapi_ticket`, `GET /cgi-bin/ticket/get`.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/gettoken", get(gettoken))
        .route("/cgi-bin/get_jsapi_ticket", get(get_jsapi_ticket))
        .route("/cgi-bin/ticket/get", get(get_agent_ticket))
}

/// `GET /cgi-bin/gettoken?corpid=ID&corpsecret=SECRET`: the app's token, the same one while it
/// is valid ("有效期内重复获取返回相同结果") with the remaining lifetime as `expires_in`.
async fn gettoken(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let corp_id = param(&query, "corpid").ok_or_else(|| ApiError::missing_id("corpid"))?;
    let secret =
        param(&query, "corpsecret").ok_or_else(|| ApiError::missing_secret("corpsecret"))?;
    let (corp, app) = state
        .world
        .corp_app_by_secret(corp_id, secret)
        .map_err(|mismatch| match mismatch {
            CorpSecretMismatch::UnknownCorp => ApiError::invalid_corp_id(),
            CorpSecretMismatch::SecretOfAnotherCorp => ApiError::secret_invalid(),
            CorpSecretMismatch::UnknownSecret => ApiError::invalid_credential(),
        })?;
    ctx.set_caller(&app.name);
    let owner = TokenOwner::CorpApp {
        corp_id: corp.corp_id.clone(),
        app: app.name.clone(),
    };
    state.faults.check_denied(&owner.names())?;
    state.limits.check_wecom_corp(&corp.corp_id, ctx.path())?;
    let token = state.tokens.current_or_issue(
        &owner,
        TokenKind::CorpAppToken,
        state.clock.now(),
        state.token_ttl(),
    );
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "access_token": token.value,
        "expires_in": token.expires_in,
    })))
}

/// `GET /cgi-bin/get_jsapi_ticket?access_token=…`: the corp's jsapi_ticket (wx.config).
async fn get_jsapi_ticket(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let grant = require_token(
        &state,
        &ctx,
        param(&query, "access_token"),
        TokenKind::WECOM_ACCESS,
    )?;
    let ticket_owner = match grant.owner() {
        TokenOwner::CorpApp { corp_id, .. } => TokenOwner::Corp {
            corp_id: corp_id.clone(),
        },
        other => other.clone(),
    };
    issue_ticket(
        &state,
        grant.owner(),
        ticket_owner,
        TokenKind::CorpJsapiTicket,
    )
}

/// `GET /cgi-bin/ticket/get?access_token=…&type=agent_config`: the app's ticket (wx.agentConfig).
async fn get_agent_ticket(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let grant = require_token(
        &state,
        &ctx,
        param(&query, "access_token"),
        TokenKind::WECOM_ACCESS,
    )?;
    match param(&query, "type") {
        Some("agent_config") => {}
        Some(other) => {
            return Err(ApiError::invalid_parameter(&format!(
                "type must be agent_config, got {other:?}"
            )));
        }
        None => {
            return Err(ApiError::invalid_parameter(
                "type is missing (agent_config)",
            ));
        }
    }
    let owner = grant.owner().clone();
    issue_ticket(&state, &owner, owner.clone(), TokenKind::AgentTicket)
}

/// Applies the ticket limits (400/h per corp, 100/h per app, both ticket kinds together) and
/// returns the owner's current ticket, or a new one.
fn issue_ticket(
    state: &SimState,
    caller: &TokenOwner,
    ticket_owner: TokenOwner,
    kind: TokenKind,
) -> Result<Json<Value>, ApiError> {
    if let Some(corp_id) = caller.corp_id() {
        state.limits.check(
            &format!("wecom-ticket-corp:{corp_id}"),
            WECOM_TICKETS_PER_CORP,
        )?;
        state.limits.check(
            &format!("wecom-ticket-app:{corp_id}:{}", caller.display_name()),
            WECOM_TICKETS_PER_APP,
        )?;
    }
    let ticket =
        state
            .tokens
            .current_or_issue(&ticket_owner, kind, state.clock.now(), state.token_ttl());
    Ok(Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "ticket": ticket.value,
        "expires_in": ticket.expires_in,
    })))
}
