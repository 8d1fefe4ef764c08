//! `POST /cgi-bin/message/send` and `POST /cgi-bin/message/recall` (NOTES §3.4, path/90236).
//!
//! Recipients: `touser` split by `|` (`@all` = the app's visible range), `toparty`, `totag`.
//! Unknown or invisible ones are returned in `invaliduser` (lower-cased) / `invalidparty` /
//! `invalidtag` and the rest is still sent; when none is valid → 81013. More than 1000 users or
//! 100 parties/tags → 40058 (the page states the limits but no code; see docs/simulator.md).
//! Each member receives at most 30 messages per minute and 1000 per hour from one app; the excess
//! is dropped silently (recorded as `dropped` in `GET /sim/messages`). A media_id in the body
//! (`image`/`voice`/`video`/`file`, and `mpnews` thumbnails) must name media of the corp that is
//! less than 3 days old, else 40007.

use std::collections::{BTreeSet, HashMap};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::content::check_app_content;
use super::log::SentMessage;
use crate::api_context::ApiCtx;
use crate::api_error::ApiError;
use crate::contacts::reads::caller_access;
use crate::state::SimState;

/// Most userids in `touser`.
pub const MAX_USERS: usize = 1000;
/// Most ids in `toparty` and in `totag`.
pub const MAX_PARTIES_OR_TAGS: usize = 100;
/// Per app and member: 30 per minute and 1000 per hour.
pub const PER_MEMBER_LIMITS: &[(u64, u64)] = &[(60, 30), (3_600, 1_000)];
/// `message/recall` works for 24 hours.
pub const RECALL_WINDOW_SECS: i64 = 86_400;

/// `message/send`, `message/recall`.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/message/send", post(send))
        .route("/cgi-bin/message/recall", post(recall))
}

fn ids(value: &Value) -> Vec<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    text.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn agentid(body: &Value) -> Option<u32> {
    match &body["agentid"] {
        Value::Number(n) => n.as_u64().and_then(|v| u32::try_from(v).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// 40007 unless every media_id the body refers to is usable media of `scope` (the corp).
fn check_media_ids(
    state: &SimState,
    scope: &str,
    msgtype: &str,
    body: &Value,
) -> Result<(), ApiError> {
    let mut ids: Vec<&str> = Vec::new();
    match msgtype {
        "image" | "voice" | "video" | "file" => ids.extend(body[msgtype]["media_id"].as_str()),
        "mpnews" => ids.extend(
            body["mpnews"]["articles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["thumb_media_id"].as_str()),
        ),
        _ => {}
    }
    let now = state.clock.now();
    for id in ids {
        if state.media.get(scope, id, now).is_none() {
            return Err(ApiError::invalid_media_id());
        }
    }
    Ok(())
}

/// The recipients of one message, resolved against the directory.
#[derive(Debug, Default)]
struct Recipients {
    members: BTreeSet<String>,
    invalid_users: Vec<String>,
    invalid_parties: Vec<String>,
    invalid_tags: Vec<String>,
}

async fn send(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_parameter(&format!("the body is not JSON: {e}")))?;
    let sent_agent =
        agentid(&body).ok_or_else(|| ApiError::invalid_parameter("agentid is required"))?;
    if let Some(own) = access.agent_id
        && own != sent_agent
    {
        return Err(ApiError::new(
            40056,
            format!(
                "invalid agentid: {sent_agent} is not the agentid of the app whose token was sent"
            ),
        ));
    }
    if access.agent_id.is_none() && access.app.is_some() {
        // The contacts-sync secret has no agent: it cannot send app messages.
        return Err(ApiError::api_forbidden());
    }
    let msgtype = body["msgtype"].as_str().unwrap_or_default().to_owned();
    check_app_content(&msgtype, &body)?;
    check_media_ids(&state, &access.corp_id, &msgtype, &body)?;
    let users = ids(&body["touser"]);
    let parties = ids(&body["toparty"]);
    let tags = ids(&body["totag"]);
    if users.len() > MAX_USERS {
        return Err(ApiError::invalid_parameter(
            "touser holds more than 1000 userids",
        ));
    }
    if parties.len() > MAX_PARTIES_OR_TAGS || tags.len() > MAX_PARTIES_OR_TAGS {
        return Err(ApiError::invalid_parameter(
            "toparty or totag holds more than 100 ids",
        ));
    }
    let recipients = {
        let shared = state
            .directories
            .get(&access.corp_id)
            .ok_or_else(ApiError::all_recipients_invalid)?;
        let dir = shared.read().unwrap_or_else(|e| e.into_inner());
        let visible = dir.visible(&access.visible);
        let mut r = Recipients::default();
        for user in &users {
            if user == "@all" {
                r.members
                    .extend(visible.members().map(|m| m.userid.clone()));
                continue;
            }
            match dir.member_ignoring_case(user) {
                Some(m) if visible.contains_user(&m.userid) => {
                    r.members.insert(m.userid.clone());
                }
                _ => r.invalid_users.push(user.to_lowercase()),
            }
        }
        for party in &parties {
            match party.parse::<u32>() {
                Ok(id) if visible.contains_department(id) => r.members.extend(
                    dir.members_of(id, true)
                        .into_iter()
                        .filter(|m| visible.contains_user(&m.userid))
                        .map(|m| m.userid.clone()),
                ),
                _ => r.invalid_parties.push(party.clone()),
            }
        }
        for tag in &tags {
            match tag.parse::<u32>().ok().and_then(|id| dir.tag(id)) {
                Some(t) if visible.contains_tag(t.tagid) => {
                    r.members.extend(
                        t.userlist
                            .iter()
                            .filter(|u| visible.contains_user(u))
                            .cloned(),
                    );
                    for party in &t.partylist {
                        r.members.extend(
                            dir.members_of(*party, true)
                                .into_iter()
                                .filter(|m| visible.contains_user(&m.userid))
                                .map(|m| m.userid.clone()),
                        );
                    }
                }
                _ => r.invalid_tags.push(tag.clone()),
            }
        }
        r
    };
    let any_valid = users.len() > recipients.invalid_users.len()
        || parties.len() > recipients.invalid_parties.len()
        || tags.len() > recipients.invalid_tags.len();
    if !any_valid {
        return Err(ApiError::all_recipients_invalid());
    }
    let sender = access.app.clone().unwrap_or_else(|| access.corp_id.clone());
    let (mut delivered, mut dropped) = (Vec::new(), Vec::new());
    for member in recipients.members {
        let key = format!("message:{}:{sender}:{member}", access.corp_id);
        if state.limits.check(&key, PER_MEMBER_LIMITS).is_ok() {
            delivered.push(member);
        } else {
            dropped.push(member);
        }
    }
    let msgid = format!("sim-msg-{:016x}", state.messages.next_number());
    state.messages.record(SentMessage {
        msgid: msgid.clone(),
        channel: "wecom_app".into(),
        sender,
        scope: access.corp_id.clone(),
        msgtype: msgtype.clone(),
        delivered,
        dropped,
        body,
        sent_at: state.clock.now(),
        recalled: false,
    });
    let mut answer = json!({
        "errcode": 0,
        "errmsg": "ok",
        "invaliduser": recipients.invalid_users.join("|"),
        "invalidparty": recipients.invalid_parties.join("|"),
        "invalidtag": recipients.invalid_tags.join("|"),
        "unlicenseduser": "",
        "msgid": msgid,
    });
    if msgtype == "template_card" {
        answer["response_code"] = json!(format!("sim-rc-{}", state.messages.next_number()));
    }
    Ok(Json(answer))
}

async fn recall(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    let body: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid_parameter(&format!("the body is not JSON: {e}")))?;
    let msgid = body["msgid"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid_parameter("msgid is required"))?;
    let sender = access.app.clone().unwrap_or_else(|| access.corp_id.clone());
    let oldest = state.clock.now() - RECALL_WINDOW_SECS;
    if !state
        .messages
        .recall(&access.corp_id, &sender, msgid, oldest)
    {
        return Err(ApiError::invalid_parameter(
            "msgid: no message of this app with this msgid can be recalled (unknown, recalled already or older than 24 h)",
        ));
    }
    Ok(Json(json!({ "errcode": 0, "errmsg": "ok" })))
}
