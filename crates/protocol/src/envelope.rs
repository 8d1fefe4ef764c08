//! The envelopes around ciphertext: what an encrypted callback POST body looks like (XML or
//! JSON), and the encrypted reply we send back (NOTES.md §1.3).
//!
//! Inbound, only `Encrypt` is signed; `ToUserName` and `AgentID` are hints for routing and must
//! be confirmed by the decrypted payload. Both key casings seen in official samples are
//! accepted (`tousername/encrypt/agentid` in the Go/Python JSON SDKs, `ToUserName/Encrypt/AgentID`
//! in the PHP JSON sample and all XML), and `AgentID` may be a number or a string.

use serde::Serialize;

use crate::error::CryptoError;
use crate::signature::Signature;
use crate::{flat_xml, xml};

/// The serialisation of a callback body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyFormat {
    /// `<xml>…</xml>`.
    Xml,
    /// `{…}`.
    Json,
}

/// An inbound encrypted callback body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `ToUserName`: corp id, suite id or original id (`gh_…`); unsigned, a routing hint only.
    pub to_user_name: Option<String>,
    /// `Encrypt`: the base64 ciphertext, covered by `msg_signature`.
    pub encrypt: String,
    /// `AgentID` as text, when present and non-empty; unsigned.
    pub agent_id: Option<String>,
}

/// Parses an encrypted callback body, detecting XML or JSON from its first non-blank character.
///
/// Bodies over [`xml::Limits::default`]`.max_bytes` are refused before parsing.
pub fn parse_envelope(body: &str) -> Result<(Envelope, BodyFormat), CryptoError> {
    parse_envelope_with_limits(body, &xml::Limits::default())
}

/// [`parse_envelope`] with explicit limits.
pub fn parse_envelope_with_limits(
    body: &str,
    limits: &xml::Limits,
) -> Result<(Envelope, BodyFormat), CryptoError> {
    if body.len() > limits.max_bytes {
        return Err(parse_error(format!(
            "the body is {} bytes, over the {}-byte limit",
            body.len(),
            limits.max_bytes
        )));
    }
    match body.trim_start().as_bytes().first() {
        Some(b'<') => parse_xml(body, limits).map(|e| (e, BodyFormat::Xml)),
        Some(b'{') => parse_json(body).map(|e| (e, BodyFormat::Json)),
        Some(_) => Err(parse_error(
            "the body is neither XML (`<`) nor a JSON object (`{`)".into(),
        )),
        None => Err(parse_error("the body is empty".into())),
    }
}

fn parse_error(detail: String) -> CryptoError {
    CryptoError::ParseXml { detail }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty())
}

fn parse_xml(body: &str, limits: &xml::Limits) -> Result<Envelope, CryptoError> {
    let (mut to_user_name, mut encrypt, mut agent_id) = (None, None, None);
    // The first occurrence wins, as with `Element::child_ignore_case`.
    let mut keep = |name: &str, text: &mut dyn FnMut() -> String| {
        let slot = if name.eq_ignore_ascii_case("Encrypt") {
            &mut encrypt
        } else if name.eq_ignore_ascii_case("ToUserName") {
            &mut to_user_name
        } else if name.eq_ignore_ascii_case("AgentID") {
            &mut agent_id
        } else {
            return;
        };
        if slot.is_none() {
            *slot = Some(text());
        }
    };
    // The usual envelope is flat: read it without a tree; anything else goes through the tree
    // parser, which makes every check (flat_xml's module doc).
    if let Some(doc) = flat_xml::read(body, limits) {
        for leaf in &doc.leaves {
            keep(leaf.name, &mut || leaf.text.to_owned());
        }
    } else {
        let root = xml::parse(body, limits).map_err(|e| parse_error(e.to_string()))?;
        // Take the texts out of the tree rather than cloning them (Encrypt is most of the body).
        for mut child in root.children {
            keep(&child.name, &mut || std::mem::take(&mut child.text));
        }
    }
    let encrypt = non_empty(encrypt)
        .ok_or_else(|| parse_error("the XML has no non-empty <Encrypt> element".into()))?;
    Ok(Envelope {
        to_user_name: non_empty(to_user_name),
        encrypt,
        agent_id: non_empty(agent_id),
    })
}

fn parse_json(body: &str) -> Result<Envelope, CryptoError> {
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| parse_error(format!("invalid JSON: {e}")))?;
    let object = value
        .as_object()
        .ok_or_else(|| parse_error("the JSON body is not an object".into()))?;
    let field = |name: &str| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    };
    let string = |name: &str| -> Result<Option<String>, CryptoError> {
        match field(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(serde_json::Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(parse_error(format!("`{name}` is not a string or number"))),
        }
    };
    let encrypt = match field("Encrypt") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(parse_error(
                "the JSON has no non-empty string `encrypt`/`Encrypt`".into(),
            ));
        }
    };
    Ok(Envelope {
        to_user_name: non_empty(string("ToUserName")?),
        encrypt,
        agent_id: non_empty(string("AgentID")?),
    })
}

/// An encrypted reply, ready to be rendered in the format the platform expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedReply {
    /// Base64 ciphertext of the reply.
    pub encrypt: String,
    /// sha1(sort(token, timestamp, nonce, encrypt)).
    pub msg_signature: Signature,
    /// The timestamp that was signed (decimal seconds).
    pub timestamp: String,
    /// The nonce that was signed.
    pub nonce: String,
}

impl EncryptedReply {
    /// The official XML template: Encrypt, MsgSignature and Nonce in CDATA, TimeStamp bare.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(self.encrypt.len() + self.nonce.len() + 200);
        out.push_str("<xml>\n<Encrypt><![CDATA[");
        push_cdata(&mut out, &self.encrypt);
        out.push_str("]]></Encrypt>\n<MsgSignature><![CDATA[");
        out.push_str(&self.msg_signature.to_hex());
        out.push_str("]]></MsgSignature>\n<TimeStamp>");
        push_text(&mut out, &self.timestamp);
        out.push_str("</TimeStamp>\n<Nonce><![CDATA[");
        push_cdata(&mut out, &self.nonce);
        out.push_str("]]></Nonce>\n</xml>");
        out
    }

    /// The WeCom JSON-callback reply: `{"encrypt","msgsignature","timestamp","nonce"}`, all
    /// strings (official `WXBizJsonMsgCrypt.py`).
    pub fn to_wecom_json(&self) -> String {
        #[derive(Serialize)]
        struct Body<'a> {
            encrypt: &'a str,
            msgsignature: String,
            timestamp: &'a str,
            nonce: &'a str,
        }
        serde_json::to_string(&Body {
            encrypt: &self.encrypt,
            msgsignature: self.msg_signature.to_hex(),
            timestamp: &self.timestamp,
            nonce: &self.nonce,
        })
        .unwrap_or_default()
    }

    /// The Official Account / Mini Program JSON reply:
    /// `{"Encrypt","MsgSignature","TimeStamp","Nonce"}` with TimeStamp a number (MP
    /// message-push doc); a timestamp that is not a decimal integer is written as a string.
    pub fn to_mp_json(&self) -> String {
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Stamp<'a> {
            Number(u64),
            Text(&'a str),
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Body<'a> {
            encrypt: &'a str,
            msg_signature: String,
            time_stamp: Stamp<'a>,
            nonce: &'a str,
        }
        let time_stamp = match self.timestamp.parse::<u64>() {
            Ok(n) if n.to_string() == self.timestamp => Stamp::Number(n),
            _ => Stamp::Text(&self.timestamp),
        };
        serde_json::to_string(&Body {
            encrypt: &self.encrypt,
            msg_signature: self.msg_signature.to_hex(),
            time_stamp,
            nonce: &self.nonce,
        })
        .unwrap_or_default()
    }
}

/// Appends `text` inside an open CDATA section, splitting any `]]>` across two sections.
fn push_cdata(out: &mut String, text: &str) {
    out.push_str(&text.replace("]]>", "]]]]><![CDATA[>"));
}

/// Appends `text` as escaped XML character data.
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_official_wecom_xml_envelope() {
        // NOTES.md §1.3, official Sample.cpp (whitespace and tabs as in the comment version).
        let body = "<xml>\t<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypE==]]></Encrypt>\n\t<AgentID><![CDATA[218]]></AgentID>\n\t</xml>";
        let (env, format) = parse_envelope(body).unwrap();
        assert_eq!(format, BodyFormat::Xml);
        assert_eq!(env.encrypt, "RypE==");
        assert_eq!(env.to_user_name.as_deref(), Some("wx5823bf96d3bd56c7"));
        assert_eq!(env.agent_id.as_deref(), Some("218"));
    }

    #[test]
    fn parses_both_json_casings_and_numeric_agent_id() {
        // NOTES.md §1.3: Go JSON sample (lower case, string agentid) and PHP JSON sample
        // (PascalCase, numeric AgentID).
        let (env, format) = parse_envelope(
            r#"{"tousername":"wx5823bf96d3bd56c7","encrypt":"abc=","agentid":"218"}"#,
        )
        .unwrap();
        assert_eq!(format, BodyFormat::Json);
        assert_eq!(env.encrypt, "abc=");
        assert_eq!(env.agent_id.as_deref(), Some("218"));
        let (env, _) = parse_envelope(
            r#" { "ToUserName": "wx5823bf96d3bd56c7", "Encrypt": "xyz=", "AgentID": 218 }"#,
        )
        .unwrap();
        assert_eq!(env.encrypt, "xyz=");
        assert_eq!(env.to_user_name.as_deref(), Some("wx5823bf96d3bd56c7"));
        assert_eq!(env.agent_id.as_deref(), Some("218"));
        // MP JSON: no AgentID; third-party 指令回调: empty AgentID.
        let (env, _) =
            parse_envelope(r#"{"ToUserName":"gh_97417a04a28d","Encrypt":"q="}"#).unwrap();
        assert_eq!(env.agent_id, None);
        let (env, _) = parse_envelope(
            "<xml><ToUserName>ww1</ToUserName><Encrypt>e</Encrypt><AgentID></AgentID></xml>",
        )
        .unwrap();
        assert_eq!(env.agent_id, None);
    }

    #[test]
    fn reads_compat_mode_bodies_with_plaintext_fields_beside_encrypt() {
        // NOTES.md §1.4 兼容模式: plaintext fields and <Encrypt> in one body; only Encrypt counts.
        let body = "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><FromUserName><![CDATA[o9Ag]]></FromUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><Encrypt><![CDATA[abc=]]></Encrypt></xml>";
        let (env, _) = parse_envelope(body).unwrap();
        assert_eq!(env.encrypt, "abc=");
        assert_eq!(env.to_user_name.as_deref(), Some("gh_97417a04a28d"));
    }

    #[test]
    fn refuses_bodies_without_encrypt_or_of_unknown_shape() {
        for body in [
            "",
            "   ",
            "hello",
            "<xml><ToUserName>a</ToUserName></xml>",
            "<xml><Encrypt></Encrypt></xml>",
            "<xml><Encrypt>",
            "{\"encrypt\": 5}",
            "{\"encrypt\": \"\"}",
            "[1,2]",
            "{\"Encrypt\":\"a\",\"AgentID\":{}}",
            "{bad json",
        ] {
            let err = parse_envelope(body).unwrap_err();
            assert_eq!(err.code(), -40002, "{body:?}");
        }
        let limits = xml::Limits {
            max_bytes: 16,
            ..xml::Limits::default()
        };
        let err = parse_envelope_with_limits(r#"{"encrypt":"0123456789"}"#, &limits).unwrap_err();
        assert!(err.to_string().contains("limit"), "{err}");
    }

    fn reply(nonce: &str, timestamp: &str) -> EncryptedReply {
        EncryptedReply {
            encrypt: "hE8R6m==".into(),
            msg_signature: Signature([0xab; 20]),
            timestamp: timestamp.into(),
            nonce: nonce.into(),
        }
    }

    #[test]
    fn renders_the_official_templates() {
        let r = reply("415670741", "1713424427");
        let sig = "ab".repeat(20);
        assert_eq!(
            r.to_xml(),
            format!(
                "<xml>\n<Encrypt><![CDATA[hE8R6m==]]></Encrypt>\n<MsgSignature><![CDATA[{sig}]]></MsgSignature>\n<TimeStamp>1713424427</TimeStamp>\n<Nonce><![CDATA[415670741]]></Nonce>\n</xml>"
            )
        );
        assert_eq!(
            r.to_wecom_json(),
            format!(
                r#"{{"encrypt":"hE8R6m==","msgsignature":"{sig}","timestamp":"1713424427","nonce":"415670741"}}"#
            )
        );
        assert_eq!(
            r.to_mp_json(),
            format!(
                r#"{{"Encrypt":"hE8R6m==","MsgSignature":"{sig}","TimeStamp":1713424427,"Nonce":"415670741"}}"#
            )
        );
        assert!(
            reply("n", "0123")
                .to_mp_json()
                .contains(r#""TimeStamp":"0123""#)
        );
    }

    #[test]
    fn escapes_cdata_terminators_and_bare_text() {
        let r = reply("a]]>b", "1<2");
        let xml_text = r.to_xml();
        assert!(xml_text.contains("<Nonce><![CDATA[a]]]]><![CDATA[>b]]></Nonce>"));
        assert!(xml_text.contains("<TimeStamp>1&lt;2</TimeStamp>"));
        let doc = xml::parse(&xml_text, &xml::Limits::default()).unwrap();
        assert_eq!(doc.child_text("Nonce"), Some("a]]>b"));
        assert_eq!(doc.child_text("TimeStamp"), Some("1<2"));
        assert_eq!(doc.child_text("Encrypt"), Some("hE8R6m=="));
    }
}
