//! The request the platform sends for one callback: the signed query string and the body, in
//! the target's mode (NOTES.md §1.3, §1.4). Crypto and signatures come from `wxgate-protocol`.

use reqwest::Url;
use wxgate_protocol::crypto::{encrypt, random_prefix};
use wxgate_protocol::signature::{msg_signature, plain_signature};

use crate::push::payload::{field_of, original_id};
use crate::push::target::{MpWireMode, ResolvedTarget, Wire};

/// A ready-to-send callback POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The URL with its signed query.
    pub url: String,
    /// The body.
    pub body: String,
    /// `text/xml` or `application/json`.
    pub content_type: &'static str,
}

/// A fresh nonce as the platforms send it (decimal digits).
pub fn fresh_nonce() -> String {
    rand::random::<u32>().to_string()
}

/// Appends `pairs` to `base` as a percent-encoded query.
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> Result<String, String> {
    let mut url = Url::parse(base).map_err(|e| {
        format!("the callback URL `{base}` is not a valid URL ({e}); check the world's gateway_url")
    })?;
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in pairs {
            query.append_pair(key, value);
        }
    }
    Ok(url.to_string())
}

/// `<![CDATA[…]]>` around `text`, splitting any `]]>` inside it.
pub fn cdata(text: &str) -> String {
    format!("<![CDATA[{}]]>", text.replace("]]>", "]]]]><![CDATA[>"))
}

/// Builds the request for `plaintext` at simulated time `now`.
pub fn build(target: &ResolvedTarget, plaintext: &str, now: i64) -> Result<SignedRequest, String> {
    let timestamp = now.to_string();
    let nonce = fresh_nonce();
    let sealed = || {
        target
            .key
            .as_ref()
            .map(|key| encrypt(key, &random_prefix(), plaintext, &target.receive_id))
            .ok_or_else(|| "no EncodingAESKey for an encrypted mode".to_owned())
    };
    match &target.wire {
        Wire::Wecom {
            to_user_name,
            agent_id,
            ..
        } => {
            let encrypted = sealed()?;
            let signature = msg_signature(&target.token, &timestamp, &nonce, &encrypted).to_hex();
            let agent = agent_id.map(|a| a.to_string()).unwrap_or_default();
            let body = format!(
                "<xml><ToUserName>{}</ToUserName><Encrypt>{}</Encrypt><AgentID>{}</AgentID></xml>",
                cdata(to_user_name),
                cdata(&encrypted),
                cdata(&agent)
            );
            let url = with_query(
                &target.url,
                &[
                    ("msg_signature", &signature),
                    ("timestamp", &timestamp),
                    ("nonce", &nonce),
                ],
            )?;
            Ok(SignedRequest {
                url,
                body,
                content_type: "text/xml",
            })
        }
        Wire::Mp { mode, json, app_id } => {
            let signature = plain_signature(&target.token, &timestamp, &nonce).to_hex();
            let openid = field_of(plaintext, "FromUserName").unwrap_or_default();
            let content_type = if *json {
                "application/json"
            } else {
                "text/xml"
            };
            if *mode == MpWireMode::Plaintext {
                let url = with_query(
                    &target.url,
                    &[
                        ("signature", &signature),
                        ("timestamp", &timestamp),
                        ("nonce", &nonce),
                        ("openid", &openid),
                    ],
                )?;
                return Ok(SignedRequest {
                    url,
                    body: plaintext.to_owned(),
                    content_type,
                });
            }
            let encrypted = sealed()?;
            let secure = msg_signature(&target.token, &timestamp, &nonce, &encrypted).to_hex();
            let to_user_name =
                field_of(plaintext, "ToUserName").unwrap_or_else(|| original_id(app_id));
            let body = match (mode, json) {
                (MpWireMode::Compat, false) => compat_xml(plaintext, &encrypted)?,
                (MpWireMode::Compat, true) => compat_json(plaintext, &encrypted)?,
                (_, true) => {
                    serde_json::json!({ "ToUserName": to_user_name, "Encrypt": encrypted })
                        .to_string()
                }
                (_, false) => format!(
                    "<xml><ToUserName>{}</ToUserName><Encrypt>{}</Encrypt></xml>",
                    cdata(&to_user_name),
                    cdata(&encrypted)
                ),
            };
            let url = with_query(
                &target.url,
                &[
                    ("signature", &signature),
                    ("timestamp", &timestamp),
                    ("nonce", &nonce),
                    ("openid", &openid),
                    ("encrypt_type", "aes"),
                    ("msg_signature", &secure),
                ],
            )?;
            Ok(SignedRequest {
                url,
                body,
                content_type,
            })
        }
    }
}

/// 兼容模式 XML: the plaintext fields followed by `<Encrypt>` inside the same `<xml>`.
fn compat_xml(plaintext: &str, encrypted: &str) -> Result<String, String> {
    let trimmed = plaintext.trim_end();
    let head = trimmed.strip_suffix("</xml>").ok_or_else(|| {
        "兼容模式 needs an XML payload ending in </xml>; push a well-formed XML message".to_owned()
    })?;
    Ok(format!(
        "{head}<Encrypt>{}</Encrypt>\n</xml>",
        cdata(encrypted)
    ))
}

/// 兼容模式 JSON: the plaintext object with an `Encrypt` key added.
fn compat_json(plaintext: &str, encrypted: &str) -> Result<String, String> {
    let mut value: serde_json::Value = serde_json::from_str(plaintext)
        .map_err(|e| format!("兼容模式 needs a JSON object payload: {e}"))?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| "兼容模式 needs a JSON object payload".to_owned())?;
    object.insert("Encrypt".into(), encrypted.into());
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdata_splits_its_terminator() {
        assert_eq!(cdata("a]]>b"), "<![CDATA[a]]]]><![CDATA[>b]]>");
    }

    #[test]
    fn compat_bodies_keep_the_plaintext_fields() {
        let xml = compat_xml("<xml><A>1</A></xml>\n", "ENC").unwrap();
        assert_eq!(
            xml,
            "<xml><A>1</A><Encrypt><![CDATA[ENC]]></Encrypt>\n</xml>"
        );
        assert!(compat_xml("{}", "ENC").is_err());
        let json = compat_json(r#"{"A":1}"#, "ENC").unwrap();
        assert_eq!(json, r#"{"A":1,"Encrypt":"ENC"}"#);
    }
}
