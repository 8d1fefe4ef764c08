//! WeChat messages, one platform call per recipient: Official Account template messages
//! (`message/template/send`) and Mini Program subscribe messages (`message/subscribe/send`), to
//! openids or to wxgate users (sent to their openid in that app). The result lists every
//! recipient with its msgid or its error; some failing makes the send `partially_sent`.

use std::sync::Arc;

use serde_json::{Value, json};
use wxgate_client::wechat::message::{SubscribeMessage, TemplateMessage};
use wxgate_client::{MpApi, TokenKind};
use wxgate_store::{IdentityKind, SendStatus};

use crate::error::ApiError;
use crate::messages::error::upstream;
use crate::messages::recipients::{self, Lookup};
use crate::messages::record::{self, Outcome, SendSpec};
use crate::messages::request::{SubscribeRequest, TemplateRequest, WechatTo};
use crate::registry::AppEntry;
use crate::state::Gateway;
use crate::token::keys;

/// The channel of template messages.
pub const TEMPLATE_CHANNEL: &str = "wechat_template";
/// The channel of subscribe messages.
pub const SUBSCRIBE_CHANNEL: &str = "wechat_subscribe";

/// One recipient: its openid, and the wxgate user it was resolved from.
#[derive(Debug, Clone)]
struct Recipient {
    openid: String,
    user_id: Option<String>,
}

async fn recipients(
    gateway: &Gateway,
    app: &AppEntry,
    to: &WechatTo,
) -> Result<Vec<Recipient>, ApiError> {
    let app_id = app.kind.app_id().unwrap_or_default();
    let lookups = [Lookup::new(IdentityKind::WechatOpenid, app_id)];
    let resolved = recipients::resolve(&gateway.store, &app.name, &to.user_ids, &lookups).await?;
    let mut out: Vec<Recipient> = to
        .openids
        .iter()
        .map(|o| Recipient {
            openid: o.clone(),
            user_id: None,
        })
        .collect();
    for user_id in &to.user_ids {
        if let Some(openid) = resolved.get(user_id) {
            out.push(Recipient {
                openid: openid.clone(),
                user_id: Some(user_id.clone()),
            });
        }
    }
    Ok(out)
}

fn api(gateway: &Gateway, app: &AppEntry) -> Result<MpApi, ApiError> {
    let key = keys::for_app(app, TokenKind::MpAccessToken)
        .ok_or_else(|| ApiError::bad_request("this app has no access token"))?;
    Ok(gateway.client.mp(gateway.tokens.clone(), key))
}

/// Sends to each recipient with `call`, collecting results.
async fn each<F, Fut>(recipients: &[Recipient], call: F) -> Outcome
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>, wxgate_client::ClientError>>,
{
    let mut results = Vec::new();
    let mut sent = 0;
    let mut first_error = None;
    for r in recipients {
        let mut entry = json!({"openid": r.openid});
        if let Some(u) = &r.user_id {
            entry["user_id"] = json!(u);
        }
        match call(r.openid.clone()).await {
            Ok(msgid) => {
                sent += 1;
                entry["msgid"] = json!(msgid);
            }
            Err(e) => {
                let e = upstream(e);
                entry["error"] = e.to_json();
                first_error.get_or_insert(e);
            }
        }
        results.push(entry);
    }
    let status = match (sent, &first_error) {
        (0, _) => SendStatus::Failed,
        (_, Some(_)) => SendStatus::PartiallySent,
        _ => SendStatus::Sent,
    };
    Outcome {
        status,
        result: json!({"results": results, "sent": sent, "failed": recipients.len() - sent}),
        error: if status == SendStatus::Sent {
            None
        } else {
            first_error
        },
    }
}

fn recorded(body: &Value, recipients: &[Recipient]) -> Value {
    let mut recorded = body.clone();
    let resolved: serde_json::Map<String, Value> = recipients
        .iter()
        .filter_map(|r| r.user_id.as_ref().map(|u| (u.clone(), json!(r.openid))))
        .collect();
    if !resolved.is_empty() {
        recorded["resolved_user_ids"] = Value::Object(resolved);
    }
    recorded
}

/// `POST /api/v1/apps/{name}/messages` for an Official Account: template messages.
pub async fn send_template(
    gateway: &Gateway,
    app: Arc<AppEntry>,
    body: &Value,
    key: Option<String>,
) -> Result<Value, ApiError> {
    let request = TemplateRequest::parse(body)?;
    let to = recipients(gateway, &app, &request.to).await?;
    let api = api(gateway, &app)?;
    let spec = SendSpec {
        app: app.name.clone(),
        channel: TEMPLATE_CHANNEL,
        msgtype: "template".into(),
        request: recorded(body, &to),
    };
    record::run(gateway, spec, key, || {
        each(&to, |openid| {
            let message = TemplateMessage {
                touser: openid,
                template_id: request.template_id.clone(),
                url: request.url.clone(),
                miniprogram: request.miniprogram.clone(),
                data: request.data.clone(),
                client_msg_id: request.client_msg_id.clone(),
            };
            let api = api.clone();
            async move { api.template_send(&message).await }
        })
    })
    .await
}

/// `POST /api/v1/apps/{name}/messages` for a Mini Program: subscribe messages.
pub async fn send_subscribe(
    gateway: &Gateway,
    app: Arc<AppEntry>,
    body: &Value,
    key: Option<String>,
) -> Result<Value, ApiError> {
    let request = SubscribeRequest::parse(body)?;
    let to = recipients(gateway, &app, &request.to).await?;
    let api = api(gateway, &app)?;
    let spec = SendSpec {
        app: app.name.clone(),
        channel: SUBSCRIBE_CHANNEL,
        msgtype: "subscribe".into(),
        request: recorded(body, &to),
    };
    record::run(gateway, spec, key, || {
        each(&to, |openid| {
            let message = SubscribeMessage {
                touser: openid,
                template_id: request.template_id.clone(),
                page: request.page.clone(),
                data: request.data.clone(),
                miniprogram_state: request.miniprogram_state.clone(),
                lang: request.lang.clone(),
            };
            let api = api.clone();
            async move { api.subscribe_send(&message).await.map(|()| None) }
        })
    })
    .await
}
