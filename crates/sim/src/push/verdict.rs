//! Whether the gateway's answer to a callback counts as received, judged the way the platforms
//! do (NOTES.md §1.5): HTTP 200 and `success`, an empty body, or a valid passive reply (its
//! signature checked and its ciphertext decrypted for the right receive id). Anything else is a
//! failed attempt with a reason a developer can act on.

use wxgate_protocol::crypto::decrypt;
use wxgate_protocol::signature::msg_signature;
use wxgate_protocol::xml;

use crate::push::target::{MpWireMode, ResolvedTarget, Wire};

/// What an accepted answer contained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// `success` or an empty body.
    Ack,
    /// A passive reply; its plaintext (decrypted when it was encrypted).
    Reply(String),
}

/// Judges the answer `status` + `body` to a callback sent to `target`.
pub fn judge(target: &ResolvedTarget, status: u16, body: &str) -> Result<Accepted, String> {
    if status != 200 {
        return Err(format!(
            "the gateway answered HTTP {status}; the platform only accepts HTTP 200"
        ));
    }
    match &target.wire {
        Wire::Wecom { instruction, .. } => {
            if body == "success" {
                return Ok(Accepted::Ack);
            }
            if *instruction {
                return Err(format!(
                    "a suite instruction callback must be answered with exactly `success`, got {}",
                    quote(body)
                ));
            }
            if body.is_empty() {
                return Ok(Accepted::Ack);
            }
            encrypted_reply(target, body).map(Accepted::Reply)
        }
        Wire::Mp { mode, .. } => {
            if body.is_empty() || body == "success" {
                return Ok(Accepted::Ack);
            }
            match mode {
                MpWireMode::Plaintext => plaintext_reply(body).map(Accepted::Reply),
                MpWireMode::Aes => encrypted_reply(target, body).map(Accepted::Reply),
                MpWireMode::Compat => encrypted_reply(target, body)
                    .or_else(|_| plaintext_reply(body))
                    .map(Accepted::Reply),
            }
        }
    }
}

/// The first 120 characters of `body`, quoted, for reasons.
fn quote(body: &str) -> String {
    let short: String = body.chars().take(120).collect();
    if short.len() < body.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

/// The fields of an encrypted reply, from XML or either JSON casing.
struct ReplyFields {
    encrypt: String,
    signature: String,
    timestamp: String,
    nonce: String,
}

fn normalise(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase()
}

fn reply_fields(body: &str) -> Result<ReplyFields, String> {
    let mut found: [Option<String>; 4] = Default::default();
    let names = ["encrypt", "msgsignature", "timestamp", "nonce"];
    let mut put = |key: &str, value: String| {
        if let Some(i) = names.iter().position(|n| *n == normalise(key)) {
            found[i].get_or_insert(value);
        }
    };
    match body.trim_start().as_bytes().first() {
        Some(b'<') => {
            let root = xml::parse(body, &xml::Limits::default())
                .map_err(|e| format!("the reply is not well-formed XML ({e}): {}", quote(body)))?;
            for child in root.children {
                put(&child.name, child.text);
            }
        }
        Some(b'{') => {
            let value: serde_json::Value = serde_json::from_str(body)
                .map_err(|e| format!("the reply is not valid JSON ({e}): {}", quote(body)))?;
            let object = value
                .as_object()
                .ok_or_else(|| format!("the reply is not a JSON object: {}", quote(body)))?;
            for (key, value) in object {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                put(key, text);
            }
        }
        _ => {
            return Err(format!(
                "the answer is neither `success`, empty, nor a reply envelope: {}",
                quote(body)
            ));
        }
    }
    let [encrypt, signature, timestamp, nonce] = found;
    let missing = |name: &str| format!("the encrypted reply has no {name}: {}", quote(body));
    Ok(ReplyFields {
        encrypt: encrypt.ok_or_else(|| missing("Encrypt"))?,
        signature: signature.ok_or_else(|| missing("MsgSignature"))?,
        timestamp: timestamp.ok_or_else(|| missing("TimeStamp"))?,
        nonce: nonce.ok_or_else(|| missing("Nonce"))?,
    })
}

fn encrypted_reply(target: &ResolvedTarget, body: &str) -> Result<String, String> {
    let fields = reply_fields(body)?;
    let expected = msg_signature(
        &target.token,
        &fields.timestamp,
        &fields.nonce,
        &fields.encrypt,
    );
    if !expected.verify(&fields.signature) {
        return Err(
            "the reply's MsgSignature does not match sha1(sort(token, TimeStamp, Nonce, Encrypt)); sign it with the callback token"
                .to_owned(),
        );
    }
    let key = target
        .key
        .as_ref()
        .ok_or_else(|| "an encrypted reply in plaintext mode".to_owned())?;
    let payload = decrypt(key, &fields.encrypt)
        .map_err(|e| format!("the reply's Encrypt does not decrypt: {e}"))?;
    if payload.receive_id != target.receive_id {
        return Err(format!(
            "the reply is encrypted for receive id `{}`, expected `{}`",
            payload.receive_id, target.receive_id
        ));
    }
    Ok(payload.message)
}

/// A plaintext passive reply: an XML (or JSON) message with ToUserName, FromUserName and MsgType.
fn plaintext_reply(body: &str) -> Result<String, String> {
    let has = |name: &str| crate::push::payload::field_of(body, name).is_some();
    let parses = match body.trim_start().as_bytes().first() {
        Some(b'<') => xml::parse(body, &xml::Limits::default()).is_ok(),
        Some(b'{') => serde_json::from_str::<serde_json::Value>(body).is_ok(),
        _ => false,
    };
    if parses && has("ToUserName") && has("FromUserName") && has("MsgType") {
        Ok(body.to_owned())
    } else {
        Err(format!(
            "the answer is neither `success`, empty, nor a passive reply with ToUserName, FromUserName and MsgType: {}",
            quote(body)
        ))
    }
}

#[cfg(test)]
mod tests {
    use wxgate_protocol::callback::CallbackCrypto;
    use wxgate_protocol::crypto::{AesKey, KeySlot, random_prefix};

    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    fn mp(mode: MpWireMode) -> ResolvedTarget {
        ResolvedTarget {
            url: "http://gw/callback/oa".into(),
            token: "t".into(),
            key: Some(AesKey::from_encoding_aes_key(KEY).unwrap()),
            receive_id: "wxoa".into(),
            verify_receive_id: "wxoa".into(),
            wire: Wire::Mp {
                mode,
                json: false,
                app_id: "wxoa".into(),
            },
        }
    }

    fn sealed(receive_id: &str) -> String {
        CallbackCrypto::single("t", KEY, receive_id)
            .unwrap()
            .seal(
                "<xml><A>1</A></xml>",
                "1",
                "2",
                KeySlot::Current,
                &random_prefix(),
            )
            .to_mp_json()
    }

    const PLAIN_REPLY: &str = "<xml><ToUserName><![CDATA[o1]]></ToUserName><FromUserName><![CDATA[gh_1]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[x]]></Content></xml>";

    #[test]
    fn mp_answers_follow_the_mode() {
        for mode in [MpWireMode::Plaintext, MpWireMode::Aes, MpWireMode::Compat] {
            assert_eq!(judge(&mp(mode), 200, ""), Ok(Accepted::Ack));
            assert_eq!(judge(&mp(mode), 200, "success"), Ok(Accepted::Ack));
            assert!(judge(&mp(mode), 500, "success").is_err());
            assert!(judge(&mp(mode), 200, "success\n").is_err());
        }
        let plain = Accepted::Reply(PLAIN_REPLY.into());
        assert_eq!(
            judge(&mp(MpWireMode::Plaintext), 200, PLAIN_REPLY),
            Ok(plain.clone())
        );
        assert_eq!(judge(&mp(MpWireMode::Compat), 200, PLAIN_REPLY), Ok(plain));
        assert!(judge(&mp(MpWireMode::Aes), 200, PLAIN_REPLY).is_err());
        let decrypted = Accepted::Reply("<xml><A>1</A></xml>".into());
        assert_eq!(
            judge(&mp(MpWireMode::Aes), 200, &sealed("wxoa")),
            Ok(decrypted.clone())
        );
        assert_eq!(
            judge(&mp(MpWireMode::Compat), 200, &sealed("wxoa")),
            Ok(decrypted)
        );
        let wrong = judge(&mp(MpWireMode::Aes), 200, &sealed("wxother")).unwrap_err();
        assert!(wrong.contains("`wxother`"), "{wrong}");
        assert!(judge(&mp(MpWireMode::Plaintext), 200, "<xml><A>1</A></xml>").is_err());
    }
}
