//! WeChat template messages (公众号 `message/template/send`) and subscribe messages (小程序
//! `message/subscribe/send`). The recipient must look like an openid the platform issues: `o`
//! followed by 27 characters of `[A-Za-z0-9_-]` (28 in all, as every documented sample); anything
//! else is 40003 "invalid openid". That is the shape [`crate::identity::people::openid`] derives
//! from free-form person ids, which cannot be enumerated, so any well-formed openid is accepted. A missing `template_id` is
//! 40037; a token of the wrong kind of account is 48001.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::log::SentMessage;
use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::state::SimState;
use crate::tokens::{TokenKind, TokenOwner, require_token};
use crate::world::MpKind;

/// `message/template/send`, `message/subscribe/send`.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/message/template/send", post(template_send))
        .route("/cgi-bin/message/subscribe/send", post(subscribe_send))
}

/// Whether `openid` has the shape of an openid the platform issues.
pub fn is_openid(openid: &str) -> bool {
    openid.len() == 28
        && openid.starts_with('o')
        && openid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

async fn deliver(
    state: SimState,
    ctx: ApiCtx,
    q: HashMap<String, String>,
    body: Bytes,
    kind: MpKind,
    channel: &str,
) -> Result<(Value, String), ApiError> {
    let grant = require_token(
        &state,
        &ctx,
        param(&q, "access_token"),
        TokenKind::MP_ACCESS,
    )?;
    let TokenOwner::Mp {
        app_id,
        name,
        kind: owner_kind,
    } = grant.owner()
    else {
        return Err(ApiError::api_unauthorized());
    };
    if *owner_kind != kind {
        return Err(ApiError::api_unauthorized());
    }
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::data_format_error(&format!("the body is not JSON: {e}")))?;
    let touser = body["touser"].as_str().unwrap_or_default();
    if !is_openid(touser) {
        return Err(ApiError::invalid_openid());
    }
    let template_id = body["template_id"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::new(40037, "invalid template_id"))?
        .to_owned();
    let number = state.messages.next_number();
    state.messages.record(SentMessage {
        msgid: number.to_string(),
        channel: channel.into(),
        sender: name.clone(),
        scope: app_id.clone(),
        msgtype: template_id,
        delivered: vec![touser.to_owned()],
        dropped: Vec::new(),
        body,
        sent_at: state.clock.now(),
        recalled: false,
    });
    Ok((json!(number), channel.to_owned()))
}

async fn template_send(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (msgid, _) = deliver(
        state,
        ctx,
        q,
        body,
        MpKind::OfficialAccount,
        "wechat_template",
    )
    .await?;
    Ok(Json(
        json!({ "errcode": 0, "errmsg": "ok", "msgid": msgid }),
    ))
}

async fn subscribe_send(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (msgid, _) = deliver(state, ctx, q, body, MpKind::MiniProgram, "wechat_subscribe").await?;
    Ok(Json(
        json!({ "errcode": 0, "errmsg": "ok", "msgid": msgid }),
    ))
}
