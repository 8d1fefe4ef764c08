//! WeCom app messages (`message/send`) for a self-built app or a suite's authorised corp:
//! wxgate users resolved to userids, the audience split into calls within the platform's limits,
//! the calls made one after another and their answers merged (81013 on one call only marks that
//! call's recipients invalid), and recall of every call's msgid.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use wxgate_client::{ErrorKind, TokenKey, TokenKind, WecomApi};
use wxgate_store::{AuthCorpState, IdentityKind, SendStatus};

use crate::error::ApiError;
use crate::messages::error::upstream;
use crate::messages::merge::AppSendResult;
use crate::messages::recipients::{self, Lookup};
use crate::messages::record::{self, Outcome, SendSpec};
use crate::messages::request::AppMessageRequest;
use crate::messages::split::{self, Chunk};
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;
use crate::token::keys;

/// The channel name of WeCom app messages.
pub const CHANNEL: &str = "wecom_app";

/// Who sends: the token, the agent id, and where its users' identities are.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The corp access token.
    pub token: TokenKey,
    /// The corp.
    pub corp_id: String,
    /// The sending app's agent id.
    pub agent_id: i64,
    /// Where a wxgate user's userid for this sender is found.
    pub lookups: Vec<Lookup>,
}

impl Sender {
    /// The API handle of this sender.
    pub fn api(&self, gateway: &Gateway) -> WecomApi {
        gateway
            .client
            .wecom(gateway.tokens.clone(), self.token.clone())
    }
}

/// The sender of `app` (for a suite: in authorised corp `corp_id`).
pub async fn sender(
    gateway: &Gateway,
    app: &AppEntry,
    corp_id: Option<&str>,
) -> Result<Sender, ApiError> {
    match &app.kind {
        AppKind::WecomApp { corp_id, agent_id } => Ok(Sender {
            token: keys::for_app(app, TokenKind::WecomApp)
                .ok_or_else(|| ApiError::bad_request("this app has no access token"))?,
            corp_id: corp_id.clone(),
            agent_id: *agent_id,
            lookups: vec![Lookup::new(IdentityKind::WecomUser, corp_id.clone())],
        }),
        AppKind::Suite { suite_id, .. } => {
            let corp_id = corp_id.filter(|c| !c.is_empty() && !c.contains(':')).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "app `{}` is a suite: add `corp_id`, the corp that installed it, to send there",
                    app.name
                ))
            })?;
            let corp = gateway
                .store
                .get_auth_corp(suite_id, corp_id)
                .await?
                .filter(|c| c.state == AuthCorpState::Active)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        "not_authorised",
                        format!(
                            "corp `{corp_id}` has no active authorisation of suite `{}`",
                            app.name
                        ),
                    )
                })?;
            let agent_id = corp.agent_id.ok_or_else(|| {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "no_agent",
                    format!(
                        "corp `{corp_id}` authorised suite `{}` without an app agent; refresh the authorisation (POST /api/v1/suites/{}/corps/{corp_id}/refresh)",
                        app.name, app.name
                    ),
                )
            })?;
            Ok(Sender {
                token: TokenKey::auth_corp(suite_id, corp_id),
                corp_id: corp_id.to_owned(),
                agent_id,
                lookups: vec![
                    Lookup::new(IdentityKind::WecomUser, corp_id),
                    Lookup::new(IdentityKind::WecomOpenUser, suite_id.clone()),
                ],
            })
        }
        other => Err(crate::messages::error::wrong_kind(&app.name, other.name())),
    }
}

/// The `message/send` body of one call.
fn body(request: &AppMessageRequest, agent_id: i64, chunk: &Chunk) -> Value {
    let mut body: Map<String, Value> = request.options.clone();
    if !chunk.users.is_empty() {
        body.insert("touser".into(), chunk.users.join("|").into());
    }
    if !chunk.parties.is_empty() {
        body.insert("toparty".into(), chunk.parties.join("|").into());
    }
    if !chunk.tags.is_empty() {
        body.insert("totag".into(), chunk.tags.join("|").into());
    }
    body.insert("msgtype".into(), request.msgtype.clone().into());
    body.insert("agentid".into(), agent_id.into());
    body.insert(request.msgtype.clone(), request.content.clone());
    Value::Object(body)
}

/// Makes the calls of one send and merges their answers.
async fn deliver(
    api: &WecomApi,
    request: &AppMessageRequest,
    agent_id: i64,
    chunks: &[Chunk],
) -> Outcome {
    let mut result = AppSendResult::default();
    let mut error = None;
    for (index, chunk) in chunks.iter().enumerate() {
        match api.send_message_body(&body(request, agent_id, chunk)).await {
            Ok(receipt) => result.accepted(receipt),
            Err(e) if e.kind() == Some(ErrorKind::AllRecipientsInvalid) => {
                result.all_invalid(chunk);
                if error.is_none() {
                    error = Some(upstream(e));
                }
            }
            Err(e) => {
                let e = upstream(e);
                result.failed(index, e.to_json());
                error = Some(e);
                break;
            }
        }
    }
    let status = match (result.accepted_calls, &result.failed_call) {
        (0, _) => SendStatus::Failed,
        (_, Some(_)) => SendStatus::PartiallySent,
        _ => SendStatus::Sent,
    };
    let error = match status {
        SendStatus::Sent => None,
        _ => error,
    };
    Outcome {
        status,
        result: serde_json::to_value(&result).unwrap_or_default(),
        error,
    }
}

/// `POST /api/v1/apps/{name}/messages` for a WeCom app or suite.
pub async fn send(
    gateway: &Gateway,
    app: Arc<AppEntry>,
    body: &Value,
    key: Option<String>,
) -> Result<Value, ApiError> {
    let request = AppMessageRequest::parse(body)?;
    let sender = sender(gateway, &app, request.corp_id.as_deref()).await?;
    let resolved = recipients::resolve(
        &gateway.store,
        &app.name,
        &request.to.user_ids,
        &sender.lookups,
    )
    .await?;
    let chunks = if request.to.all {
        vec![Chunk {
            users: vec!["@all".into()],
            ..Chunk::default()
        }]
    } else {
        let mut users = request.to.users.clone();
        users.extend(
            request
                .to
                .user_ids
                .iter()
                .filter_map(|id| resolved.get(id).cloned()),
        );
        split::split(&users, &request.to.parties, &request.to.tags)
    };
    let mut recorded = body.clone();
    if !resolved.is_empty() {
        recorded["resolved_user_ids"] = json!(resolved);
    }
    let spec = SendSpec {
        app: app.name.clone(),
        channel: CHANNEL,
        msgtype: request.msgtype.clone(),
        request: recorded,
    };
    let api = sender.api(gateway);
    record::run(gateway, spec, key, || {
        deliver(&api, &request, sender.agent_id, &chunks)
    })
    .await
}

/// Recalls `msgids` sent by `app` (in suite corp `corp_id`); the first failure is returned.
pub async fn recall(
    gateway: &Gateway,
    app: &AppEntry,
    corp_id: Option<&str>,
    msgids: &[String],
) -> Result<(), ApiError> {
    let sender = sender(gateway, app, corp_id).await?;
    let api = sender.api(gateway);
    for msgid in msgids {
        api.message_recall(msgid).await.map_err(upstream)?;
    }
    Ok(())
}
