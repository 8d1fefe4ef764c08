//! The bodies of `POST /api/v1/apps/{name}/messages`, checked before anything is sent: a WeCom
//! app message (any documented msgtype with its object as the platform defines it, to userids,
//! wxgate users, departments, tags or everyone), an Official Account template message and a Mini
//! Program subscribe message (to openids or wxgate users).

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// The msgtypes of `message/send` (NOTES §3.4).
pub const APP_MSGTYPES: [&str; 11] = [
    "text",
    "image",
    "voice",
    "video",
    "file",
    "textcard",
    "news",
    "mpnews",
    "markdown",
    "miniprogram_notice",
    "template_card",
];

/// The top-level options of `message/send` passed through as given.
pub const APP_OPTIONS: [&str; 4] = [
    "safe",
    "enable_id_trans",
    "enable_duplicate_check",
    "duplicate_check_interval",
];

/// Most recipients of one WeChat send (one call each).
pub const MAX_WECHAT_RECIPIENTS: usize = 1000;

fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let values = Vec::<Value>::deserialize(d)?;
    values
        .into_iter()
        .map(|v| match v {
            Value::Number(n) if n.is_u64() => Ok(n.to_string()),
            Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            other => Err(serde::de::Error::custom(format!(
                "ids are numbers or non-empty strings, got {other}"
            ))),
        })
        .collect()
}

/// Who receives a WeCom app message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomTo {
    /// Userids of the corp.
    #[serde(default)]
    pub users: Vec<String>,
    /// wxgate user ids (`usr_…`), sent to their userid in the corp.
    #[serde(default)]
    pub user_ids: Vec<String>,
    /// Department ids.
    #[serde(default, deserialize_with = "ids")]
    pub parties: Vec<String>,
    /// Tag ids.
    #[serde(default, deserialize_with = "ids")]
    pub tags: Vec<String>,
    /// Everyone in the app's visible range (`touser = @all`).
    #[serde(default)]
    pub all: bool,
}

/// A WeCom app message.
#[derive(Debug, Clone, PartialEq)]
pub struct AppMessageRequest {
    /// The recipients.
    pub to: WecomTo,
    /// For a suite: the authorised corp to send in.
    pub corp_id: Option<String>,
    /// The msgtype.
    pub msgtype: String,
    /// Its object (`{"content": …}` for text).
    pub content: Value,
    /// `safe`, `enable_id_trans`, `enable_duplicate_check`, `duplicate_check_interval`.
    pub options: Map<String, Value>,
}

impl AppMessageRequest {
    /// Parses and checks a request body.
    pub fn parse(body: &Value) -> Result<AppMessageRequest, ApiError> {
        let object = body.as_object().ok_or_else(|| {
            ApiError::bad_request(r#"the body must be a JSON object like {"to":{"users":["zhangsan"]},"msgtype":"text","text":{"content":"hi"}}"#)
        })?;
        let msgtype = object
            .get("msgtype")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`msgtype` is required: one of {}",
                    APP_MSGTYPES.join(", ")
                ))
            })?
            .to_owned();
        if !APP_MSGTYPES.contains(&msgtype.as_str()) {
            return Err(ApiError::bad_request(format!(
                "`{msgtype}` is not a WeCom app msgtype; use one of {}",
                APP_MSGTYPES.join(", ")
            )));
        }
        let content = object
            .get(&msgtype)
            .filter(|c| c.is_object())
            .cloned()
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "a `{msgtype}` message needs a `{msgtype}` object, as in the platform's message/send body"
                ))
            })?;
        let mut options = Map::new();
        for (key, value) in object {
            match key.as_str() {
                "to" | "corp_id" | "msgtype" => {}
                k if k == msgtype => {}
                k if APP_OPTIONS.contains(&k) => {
                    options.insert(key.clone(), value.clone());
                }
                other => {
                    return Err(ApiError::bad_request(format!(
                        "unknown field `{other}`; a message has `to`, `msgtype`, the `{msgtype}` object, `corp_id` (suites) and the options {}",
                        APP_OPTIONS.join(", ")
                    )));
                }
            }
        }
        let to: WecomTo = serde_json::from_value(object.get("to").cloned().unwrap_or(Value::Null))
            .map_err(|e| {
                ApiError::bad_request(format!(
                    r#"`to` must be an object like {{"users":["zhangsan"],"user_ids":["usr_…"],"parties":[2],"tags":[5]}} or {{"all":true}}: {e}"#
                ))
            })?;
        if to.all
            && !(to.users.is_empty()
                && to.user_ids.is_empty()
                && to.parties.is_empty()
                && to.tags.is_empty())
        {
            return Err(ApiError::bad_request(
                "`to.all` sends to everyone in the app's visible range; leave the other lists empty",
            ));
        }
        if !to.all
            && to.users.is_empty()
            && to.user_ids.is_empty()
            && to.parties.is_empty()
            && to.tags.is_empty()
        {
            return Err(ApiError::bad_request(
                "`to` names nobody: give users, user_ids, parties or tags, or `\"all\": true`",
            ));
        }
        if to
            .users
            .iter()
            .any(|u| u.trim().is_empty() || u.contains('|') || u == "@all")
        {
            return Err(ApiError::bad_request(
                "`to.users` holds userids (no empty ones, no `|`); use `\"all\": true` for everyone",
            ));
        }
        let corp_id = match object.get("corp_id") {
            None | Some(Value::Null) => None,
            Some(Value::String(c)) if !c.is_empty() => Some(c.clone()),
            Some(_) => return Err(ApiError::bad_request("`corp_id` must be a corp id string")),
        };
        Ok(AppMessageRequest {
            to,
            corp_id,
            msgtype,
            content,
            options,
        })
    }
}

/// Who receives a WeChat message: openids of the app, or wxgate users (sent to their openid in
/// the app).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatTo {
    /// Openids of the app.
    #[serde(default)]
    pub openids: Vec<String>,
    /// wxgate user ids.
    #[serde(default)]
    pub user_ids: Vec<String>,
}

impl WechatTo {
    fn check(&self) -> Result<(), ApiError> {
        let n = self.openids.len() + self.user_ids.len();
        if n == 0 {
            return Err(ApiError::bad_request(
                "`to` names nobody: give `openids` or `user_ids`",
            ));
        }
        if n > MAX_WECHAT_RECIPIENTS {
            return Err(ApiError::bad_request(format!(
                "at most {MAX_WECHAT_RECIPIENTS} recipients per request (one platform call each); split the audience"
            )));
        }
        Ok(())
    }
}

/// An Official Account template message (`message/template/send`), per recipient.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// `template` (optional).
    #[serde(default)]
    pub msgtype: Option<String>,
    /// The recipients.
    pub to: WechatTo,
    /// The template id.
    pub template_id: String,
    /// The link opened on tap.
    #[serde(default)]
    pub url: Option<String>,
    /// The mini program opened on tap (`{"appid","pagepath"}`).
    #[serde(default)]
    pub miniprogram: Option<Value>,
    /// The template data (`{"keyword1":{"value":"…"}}`).
    pub data: Map<String, Value>,
    /// The platform's own de-duplication id.
    #[serde(default)]
    pub client_msg_id: Option<String>,
}

/// A Mini Program subscribe message (`message/subscribe/send`), per recipient.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscribeRequest {
    /// `subscribe` (optional).
    #[serde(default)]
    pub msgtype: Option<String>,
    /// The recipients.
    pub to: WechatTo,
    /// The template id.
    pub template_id: String,
    /// The page opened on tap.
    #[serde(default)]
    pub page: Option<String>,
    /// The template data (`{"thing1":{"value":"…"}}`).
    pub data: Map<String, Value>,
    /// `developer`, `trial` or `formal`.
    #[serde(default)]
    pub miniprogram_state: Option<String>,
    /// `zh_CN`, `en_US`, `zh_HK` or `zh_TW`.
    #[serde(default)]
    pub lang: Option<String>,
}

fn parse_wechat<T: serde::de::DeserializeOwned>(
    body: &Value,
    example: &str,
    msgtype: &str,
) -> Result<T, ApiError> {
    if let Some(m) = body.get("msgtype").and_then(Value::as_str)
        && m != msgtype
    {
        return Err(ApiError::bad_request(format!(
            "this app sends `{msgtype}` messages, not `{m}`"
        )));
    }
    serde_json::from_value(body.clone())
        .map_err(|e| ApiError::bad_request(format!("the body must be like {example}: {e}")))
}

impl TemplateRequest {
    /// Parses and checks a request body.
    pub fn parse(body: &Value) -> Result<TemplateRequest, ApiError> {
        let r: TemplateRequest = parse_wechat(
            body,
            r#"{"to":{"openids":["o…"]},"template_id":"…","data":{"keyword1":{"value":"…"}}}"#,
            "template",
        )?;
        r.to.check()?;
        if r.template_id.trim().is_empty() {
            return Err(ApiError::bad_request("`template_id` is required"));
        }
        Ok(r)
    }
}

impl SubscribeRequest {
    /// Parses and checks a request body.
    pub fn parse(body: &Value) -> Result<SubscribeRequest, ApiError> {
        let r: SubscribeRequest = parse_wechat(
            body,
            r#"{"to":{"openids":["o…"]},"template_id":"…","page":"pages/index","data":{"thing1":{"value":"…"}}}"#,
            "subscribe",
        )?;
        r.to.check()?;
        if r.template_id.trim().is_empty() {
            return Err(ApiError::bad_request("`template_id` is required"));
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn app_messages_parse_with_their_options() {
        let r = AppMessageRequest::parse(&json!({
            "to": {"users": ["zhangsan"], "parties": [2, "3"], "user_ids": ["usr_1"]},
            "msgtype": "textcard",
            "textcard": {"title": "t", "description": "d", "url": "https://x"},
            "safe": 1,
        }))
        .unwrap();
        assert_eq!(r.to.parties, ["2", "3"]);
        assert_eq!(r.options["safe"], 1);
        assert_eq!(r.content["title"], "t");
    }

    #[test]
    fn app_messages_refuse_what_cannot_be_sent() {
        for body in [
            json!([]),
            json!({"to": {"all": true}, "msgtype": "hologram", "hologram": {}}),
            json!({"to": {"all": true}, "msgtype": "text"}),
            json!({"to": {"all": true}, "msgtype": "text", "text": {"content": "x"}, "sfe": 1}),
            json!({"to": {}, "msgtype": "text", "text": {"content": "x"}}),
            json!({"to": {"all": true, "users": ["a"]}, "msgtype": "text", "text": {"content": "x"}}),
            json!({"to": {"users": ["a|b"]}, "msgtype": "text", "text": {"content": "x"}}),
            json!({"to": {"parties": [-1]}, "msgtype": "text", "text": {"content": "x"}}),
            json!({"to": {"user": ["a"]}, "msgtype": "text", "text": {"content": "x"}}),
        ] {
            let e = AppMessageRequest::parse(&body).unwrap_err();
            assert_eq!(e.status().as_u16(), 400, "{body}");
        }
    }

    #[test]
    fn wechat_messages_need_recipients_and_a_template() {
        let ok = json!({"to": {"openids": ["o1"]}, "template_id": "T", "data": {}});
        assert!(TemplateRequest::parse(&ok).is_ok());
        assert!(SubscribeRequest::parse(&ok).is_ok());
        let nobody = json!({"to": {}, "template_id": "T", "data": {}});
        assert!(TemplateRequest::parse(&nobody).is_err());
        let wrong = json!({"msgtype": "subscribe", "to": {"openids": ["o"]}, "template_id": "T", "data": {}});
        assert!(TemplateRequest::parse(&wrong).is_err());
        let typo = json!({"to": {"openids": ["o"]}, "template_id": "T", "data": {}, "pagee": "x"});
        assert!(SubscribeRequest::parse(&typo).is_err());
    }
}
