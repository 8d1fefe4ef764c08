//! Group robots (群机器人): `POST /cgi-bin/webhook/send?key=KEY` on the WeCom base, and media
//! upload for robot `file`/`voice` messages. A robot is authenticated by its webhook key, which
//! is a secret: it is held in [`Secret`] and masked from every error and log.

use serde_json::{Value, json};

use crate::decode::Ack;
use crate::error::{CallContext, ClientError};
use crate::http::{Base, Client};
use crate::redact::Secret;
use crate::wecom::media::{Upload, UploadedMedia};

/// A group robot, addressed by its webhook key.
#[derive(Debug, Clone)]
pub struct RobotApi {
    client: Client,
    key: Secret,
}

/// The kind of a robot media upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RobotMediaType {
    /// Any file, ≤20 MB.
    File,
    /// AMR voice, ≤2 MB, ≤60 s.
    Voice,
}

impl Client {
    /// The group robot with webhook `key` (the `key=` value of its webhook URL).
    pub fn robot(&self, key: impl Into<String>) -> RobotApi {
        RobotApi {
            client: self.clone(),
            key: Secret::new(key.into()),
        }
    }
}

impl RobotApi {
    /// Sends any robot message body (`{"msgtype":"text","text":{…}}`, markdown, image, news,
    /// file, template_card, …).
    pub async fn send(&self, body: &Value) -> Result<(), ClientError> {
        let _: Ack = self
            .client
            .call_with_busy_retry(|| {
                let req = self
                    .client
                    .post(Base::Wecom, "/cgi-bin/webhook/send")
                    .query(&[("key", self.key.expose())])
                    .json(body);
                self.client
                    .execute("webhook/send", CallContext::Unauthenticated, req)
            })
            .await?;
        Ok(())
    }

    /// A text message, optionally @-mentioning userids (`"@all"` for everyone).
    pub async fn send_text(&self, content: &str, mentioned: &[&str]) -> Result<(), ClientError> {
        let mut text = json!({ "content": content });
        if !mentioned.is_empty() {
            text["mentioned_list"] = json!(mentioned);
        }
        self.send(&json!({ "msgtype": "text", "text": text })).await
    }

    /// A markdown message.
    pub async fn send_markdown(&self, content: &str) -> Result<(), ClientError> {
        self.send(&json!({ "msgtype": "markdown", "markdown": { "content": content } }))
            .await
    }

    /// `POST /cgi-bin/webhook/upload_media?key=&type=`: a file for a robot `file`/`voice`
    /// message (multipart field `media`).
    pub async fn upload_media(
        &self,
        media_type: RobotMediaType,
        file: &Upload,
    ) -> Result<UploadedMedia, ClientError> {
        let kind = match media_type {
            RobotMediaType::File => "file",
            RobotMediaType::Voice => "voice",
        };
        self.client
            .call_with_busy_retry(|| {
                let req = self
                    .client
                    .post(Base::Wecom, "/cgi-bin/webhook/upload_media")
                    .query(&[("key", self.key.expose()), ("type", kind)])
                    .multipart(file.form());
                self.client
                    .execute("webhook/upload_media", CallContext::Unauthenticated, req)
            })
            .await
    }
}
