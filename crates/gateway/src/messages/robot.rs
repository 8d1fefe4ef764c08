//! Group robot messages (`webhook/send`) by configured robot name: text, markdown, image, news,
//! file (and voice, template_card), with the body as the platform defines it. For an image,
//! `md5` may be left out: it is computed from `base64`.

use axum::http::StatusCode;
use base64::Engine;
use md5::{Digest, Md5};
use serde_json::Value;
use wxgate_config::Robot;
use wxgate_store::SendStatus;

use crate::error::ApiError;
use crate::messages::error::upstream;
use crate::messages::record::{self, Outcome, SendSpec};
use crate::state::Gateway;

/// The channel name of robot messages.
pub const CHANNEL: &str = "wecom_robot";

/// The msgtypes of `webhook/send`.
pub const ROBOT_MSGTYPES: [&str; 7] = [
    "text",
    "markdown",
    "image",
    "news",
    "file",
    "voice",
    "template_card",
];

/// The configured robot `name`.
pub fn robot<'a>(gateway: &'a Gateway, name: &str) -> Result<&'a Robot, ApiError> {
    gateway
        .config
        .robots
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_robot",
                format!("no robot named `{name}` is configured; add it under [[robots]]"),
            )
        })
}

/// Checks a robot message body, filling in an image's `md5`.
pub fn prepare(mut body: Value) -> Result<(String, Value), ApiError> {
    let msgtype = body
        .get("msgtype")
        .and_then(Value::as_str)
        .filter(|m| ROBOT_MSGTYPES.contains(m))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "`msgtype` must be one of {}, with its object as in the robot's webhook body",
                ROBOT_MSGTYPES.join(", ")
            ))
        })?
        .to_owned();
    if !body.get(&msgtype).is_some_and(Value::is_object) {
        return Err(ApiError::bad_request(format!(
            "a `{msgtype}` message needs a `{msgtype}` object"
        )));
    }
    if let Some(unknown) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "msgtype" && **k != msgtype))
    {
        return Err(ApiError::bad_request(format!(
            "unknown field `{unknown}`; a robot message has `msgtype` and the `{msgtype}` object"
        )));
    }
    if msgtype == "image" && body["image"].get("md5").is_none() {
        let data = body["image"]["base64"].as_str().ok_or_else(|| {
            ApiError::bad_request(
                "an image message needs `image.base64` (the image, base64-encoded)",
            )
        })?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|_| ApiError::bad_request("`image.base64` is not valid base64"))?;
        body["image"]["md5"] = Value::String(hex::encode(Md5::digest(&bytes)));
    }
    Ok((msgtype, body))
}

/// `POST /api/v1/robots/{name}/messages`.
pub async fn send(
    gateway: &Gateway,
    name: &str,
    body: Value,
    key: Option<String>,
) -> Result<Value, ApiError> {
    let robot = robot(gateway, name)?;
    let (msgtype, body) = prepare(body)?;
    let api = gateway.client.robot(robot.key.expose());
    let spec = SendSpec {
        app: robot.name.clone(),
        channel: CHANNEL,
        msgtype,
        request: body.clone(),
    };
    record::run(gateway, spec, key, || async move {
        match api.send(&body).await {
            Ok(()) => Outcome {
                status: SendStatus::Sent,
                result: serde_json::json!({}),
                error: None,
            },
            Err(e) => {
                let e = upstream(e);
                Outcome {
                    status: SendStatus::Failed,
                    result: serde_json::json!({}),
                    error: Some(e),
                }
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_md5_is_filled_in() {
        let (msgtype, body) =
            prepare(json!({"msgtype": "image", "image": {"base64": "aGVsbG8="}})).unwrap();
        assert_eq!(msgtype, "image");
        assert_eq!(body["image"]["md5"], "5d41402abc4b2a76b9719d911017c592");
        assert!(prepare(json!({"msgtype": "image", "image": {"base64": "!!"}})).is_err());
        assert!(prepare(json!({"msgtype": "text"})).is_err());
        assert!(prepare(json!({"msgtype": "sms", "sms": {}})).is_err());
        assert!(prepare(json!({"msgtype": "text", "text": {"content": "x"}, "txt": 1})).is_err());
    }
}
