//! The fields each `msgtype` must carry (NOTES §3.4, path/90236), checked before anything is
//! sent: 40008 for an unknown msgtype, 44004 for an empty text, 45008 for more than 8 articles,
//! 40058 naming the missing field otherwise.

use serde_json::Value;

use crate::api_error::ApiError;

/// The msgtypes `message/send` accepts.
pub const APP_MSGTYPES: &[&str] = &[
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

/// 40008: the msgtype is not one the API knows.
pub fn invalid_msgtype(msgtype: &str) -> ApiError {
    ApiError::new(40008, format!("invalid message type: {msgtype:?}"))
}

fn text_at<'a>(body: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = body;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str().filter(|s| !s.trim().is_empty())
}

fn require(body: &Value, path: &[&str]) -> Result<(), ApiError> {
    match text_at(body, path) {
        Some(_) => Ok(()),
        None => Err(ApiError::invalid_parameter(&format!(
            "{} is required",
            path.join(".")
        ))),
    }
}

fn articles(body: &Value, msgtype: &str, required: &[&str]) -> Result<(), ApiError> {
    let list = body[msgtype]["articles"]
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiError::invalid_parameter(&format!("{msgtype}.articles must hold 1-8 articles"))
        })?;
    if list.len() > 8 {
        return Err(ApiError::new(
            45008,
            "article size out of limit (at most 8 articles)",
        ));
    }
    for article in list {
        for field in required {
            if text_at(article, &[field]).is_none() {
                return Err(ApiError::invalid_parameter(&format!(
                    "every {msgtype} article needs {field}"
                )));
            }
        }
    }
    Ok(())
}

/// Checks the content of an app message of `msgtype`.
pub fn check_app_content(msgtype: &str, body: &Value) -> Result<(), ApiError> {
    match msgtype {
        "text" => {
            if text_at(body, &["text", "content"]).is_none() {
                return Err(ApiError::new(
                    44004,
                    "empty content: text.content is required",
                ));
            }
            Ok(())
        }
        "image" | "voice" | "file" => require(body, &[msgtype, "media_id"]),
        "video" => require(body, &["video", "media_id"]),
        "textcard" => {
            require(body, &["textcard", "title"])?;
            require(body, &["textcard", "description"])?;
            require(body, &["textcard", "url"])
        }
        "news" => articles(body, "news", &["title", "url"]),
        "mpnews" => articles(body, "mpnews", &["title", "thumb_media_id", "content"]),
        "markdown" => require(body, &["markdown", "content"]),
        "miniprogram_notice" => {
            require(body, &["miniprogram_notice", "appid"])?;
            require(body, &["miniprogram_notice", "title"])
        }
        "template_card" => require(body, &["template_card", "card_type"]),
        other => Err(invalid_msgtype(other)),
    }
}
