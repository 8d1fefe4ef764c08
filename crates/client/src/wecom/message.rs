//! App messages (`message/send`, `message/recall`; NOTES §3.4). The body of any msgtype is
//! accepted as JSON, with typed helpers for the common ones. Partially invalid recipients still
//! send (they are listed in the answer); all invalid is 81013
//! ([`crate::ErrorKind::AllRecipientsInvalid`]).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::decode::Ack;
use crate::error::ClientError;
use crate::http::Base;
use crate::wecom::WecomApi;

const TOKEN: &str = "access_token";

/// Who receives a message. At least one list must be non-empty; `touser` `["@all"]` means the
/// app's whole visible range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    /// Userids (≤1000).
    pub users: Vec<String>,
    /// Department ids (≤100).
    pub parties: Vec<String>,
    /// Tag ids (≤100).
    pub tags: Vec<String>,
}

impl Recipients {
    /// Some users.
    pub fn users<I: IntoIterator<Item = S>, S: Into<String>>(users: I) -> Self {
        Recipients {
            users: users.into_iter().map(Into::into).collect(),
            ..Default::default()
        }
    }

    /// Everyone in the app's visible range.
    pub fn all() -> Self {
        Self::users(["@all"])
    }
}

/// A `message/send` request: recipients, the app, and a msgtype with its body.
#[derive(Debug, Clone, PartialEq)]
pub struct AppMessage {
    /// Recipients.
    pub to: Recipients,
    /// The sending app's agent id.
    pub agentid: i64,
    /// `text`, `markdown`, `textcard`, `news`, `template_card`, ….
    pub msgtype: String,
    /// The msgtype's object, e.g. `{"content":"hi"}` for text.
    pub content: Value,
    /// Other top-level options (`safe`, `enable_id_trans`, `enable_duplicate_check`,
    /// `duplicate_check_interval`), merged into the body.
    pub options: serde_json::Map<String, Value>,
}

impl AppMessage {
    /// A message of any `msgtype` with its body.
    pub fn new(to: Recipients, agentid: i64, msgtype: impl Into<String>, content: Value) -> Self {
        AppMessage {
            to,
            agentid,
            msgtype: msgtype.into(),
            content,
            options: serde_json::Map::new(),
        }
    }

    /// A text message.
    pub fn text(to: Recipients, agentid: i64, content: &str) -> Self {
        Self::new(to, agentid, "text", json!({ "content": content }))
    }

    /// A markdown message.
    pub fn markdown(to: Recipients, agentid: i64, content: &str) -> Self {
        Self::new(to, agentid, "markdown", json!({ "content": content }))
    }

    /// A text card (title, description, url, button text).
    pub fn textcard(
        to: Recipients,
        agentid: i64,
        title: &str,
        description: &str,
        url: &str,
    ) -> Self {
        Self::new(
            to,
            agentid,
            "textcard",
            json!({ "title": title, "description": description, "url": url }),
        )
    }

    /// Sets a top-level option such as `"safe"` or `"enable_duplicate_check"`.
    pub fn option(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.options.insert(name.to_owned(), value.into());
        self
    }

    /// The JSON body sent to `message/send`.
    pub fn to_body(&self) -> Value {
        let mut body = serde_json::Map::new();
        let join = |v: &[String]| v.join("|");
        if !self.to.users.is_empty() {
            body.insert("touser".into(), join(&self.to.users).into());
        }
        if !self.to.parties.is_empty() {
            body.insert("toparty".into(), join(&self.to.parties).into());
        }
        if !self.to.tags.is_empty() {
            body.insert("totag".into(), join(&self.to.tags).into());
        }
        body.insert("msgtype".into(), self.msgtype.clone().into());
        body.insert("agentid".into(), self.agentid.into());
        body.insert(self.msgtype.clone(), self.content.clone());
        for (k, v) in &self.options {
            body.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(body)
    }
}

/// The answer of `message/send`. Invalid recipients are split on `|` (userids come back
/// lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct SendReceipt {
    /// Userids that could not receive it.
    #[serde(default, deserialize_with = "split_bars")]
    pub invaliduser: Vec<String>,
    /// Departments that could not receive it.
    #[serde(default, deserialize_with = "split_bars")]
    pub invalidparty: Vec<String>,
    /// Tags that could not receive it.
    #[serde(default, deserialize_with = "split_bars")]
    pub invalidtag: Vec<String>,
    /// Users without a licence.
    #[serde(default, deserialize_with = "split_bars")]
    pub unlicenseduser: Vec<String>,
    /// The message id (for `message/recall`).
    #[serde(default)]
    pub msgid: Option<String>,
    /// Code for updating a template card's buttons (valid 72 h, single use).
    #[serde(default)]
    pub response_code: Option<String>,
}

fn split_bars<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let s = Option::<String>::deserialize(d)?.unwrap_or_default();
    Ok(s.split('|')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect())
}

#[derive(Serialize)]
struct Recall<'a> {
    msgid: &'a str,
}

impl WecomApi {
    /// `POST /cgi-bin/message/send`.
    pub async fn message_send(&self, message: &AppMessage) -> Result<SendReceipt, ClientError> {
        let body = message.to_body();
        self.send_message_body(&body).await
    }

    /// `POST /cgi-bin/message/send` with a body built by the caller.
    pub async fn send_message_body(&self, body: &Value) -> Result<SendReceipt, ClientError> {
        self.scope
            .post_json(
                "message/send",
                Base::Wecom,
                "/cgi-bin/message/send",
                TOKEN,
                body,
            )
            .await
    }

    /// `POST /cgi-bin/message/recall`: withdraw a message sent within 24 h.
    pub async fn message_recall(&self, msgid: &str) -> Result<(), ClientError> {
        let _: Ack = self
            .scope
            .post_json(
                "message/recall",
                Base::Wecom,
                "/cgi-bin/message/recall",
                TOKEN,
                &Recall { msgid },
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_body_has_the_documented_shape() {
        let to = Recipients {
            users: vec!["UserID1".into(), "UserID2".into()],
            parties: vec!["PartyID1".into()],
            tags: vec![],
        };
        let body = AppMessage::text(to, 1, "hi").option("safe", 0).to_body();
        assert_eq!(
            body,
            json!({"touser":"UserID1|UserID2","toparty":"PartyID1","msgtype":"text","agentid":1,"text":{"content":"hi"},"safe":0})
        );
        // Options cannot overwrite the message itself.
        let body = AppMessage::text(Recipients::all(), 2, "x")
            .option("msgtype", "evil")
            .to_body();
        assert_eq!(body["msgtype"], "text");
    }

    #[test]
    fn receipt_splits_invalid_lists() {
        let r: SendReceipt = crate::decode::decode(
            "t",
            crate::error::CallContext::TokenBearing,
            br#"{"errcode":0,"errmsg":"ok","invaliduser":"userid1|userid2","invalidparty":"partyid1|partyid2","invalidtag":"tagid1|tagid2","unlicenseduser":"userid3|userid4","msgid":"xxxx","response_code":"xyzxyz"}"#,
        )
        .unwrap();
        assert_eq!(r.invaliduser, ["userid1", "userid2"]);
        assert_eq!(r.unlicenseduser, ["userid3", "userid4"]);
        assert_eq!(
            (r.msgid.as_deref(), r.response_code.as_deref()),
            (Some("xxxx"), Some("xyzxyz"))
        );
        let empty: SendReceipt = serde_json::from_str(r#"{"invaliduser":""}"#).unwrap();
        assert!(empty.invaliduser.is_empty());
    }
}
