//! Messages sent with an MP / Mini Program access_token: 公众号 template messages
//! (`cgi-bin/message/template/send`) and Mini Program subscribe messages
//! (`cgi-bin/message/subscribe/send`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::decode::Ack;
use crate::error::ClientError;
use crate::http::Base;
use crate::wechat::MpApi;

const TOKEN: &str = "access_token";

/// A 公众号 template message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateMessage {
    /// Recipient openid.
    pub touser: String,
    /// Template id.
    pub template_id: String,
    /// Link opened on tap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Mini Program to open instead (`{"appid":…,"pagepath":…}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub miniprogram: Option<Value>,
    /// Template data: `{"keyword1":{"value":"…"}}`.
    pub data: Map<String, Value>,
    /// Idempotency id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
}

/// A Mini Program subscribe message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscribeMessage {
    /// Recipient openid.
    pub touser: String,
    /// Template id.
    pub template_id: String,
    /// Page opened on tap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Template data: `{"thing1":{"value":"…"}}`.
    pub data: Map<String, Value>,
    /// `developer`, `trial` or `formal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub miniprogram_state: Option<String>,
    /// `zh_CN`, `en_US`, `zh_HK`, `zh_TW`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

#[derive(Deserialize)]
struct TemplateReceipt {
    #[serde(default)]
    msgid: Option<Value>,
}

impl MpApi {
    /// `POST /cgi-bin/message/template/send`; returns the msgid.
    pub async fn template_send(
        &self,
        message: &TemplateMessage,
    ) -> Result<Option<String>, ClientError> {
        let receipt: TemplateReceipt = self
            .scope
            .post_json(
                "message/template/send",
                Base::Wechat,
                "/cgi-bin/message/template/send",
                TOKEN,
                message,
            )
            .await?;
        Ok(receipt.msgid.map(|id| match id {
            Value::String(s) => s,
            other => other.to_string(),
        }))
    }

    /// `POST /cgi-bin/message/subscribe/send`.
    pub async fn subscribe_send(&self, message: &SubscribeMessage) -> Result<(), ClientError> {
        let _: Ack = self
            .scope
            .post_json(
                "message/subscribe/send",
                Base::Wechat,
                "/cgi-bin/message/subscribe/send",
                TOKEN,
                message,
            )
            .await?;
        Ok(())
    }
}
