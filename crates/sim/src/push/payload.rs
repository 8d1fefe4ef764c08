//! The plaintexts users "send": WeCom, Official Account and Mini Program messages and events,
//! with the field names and layout of the official samples (NOTES.md §5.2, §5.3), as XML or as
//! Mini Program JSON. Also the account's original id (`gh_…`), derived deterministically (openids
//! come from [`crate::identity::people::openid`], so a person has the same openid in logins and
//! in pushes).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::push::envelope::cdata;

/// One field of a payload: XML element name and value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Text (CDATA in XML, string in JSON).
    Text(String),
    /// A number (bare in XML, number in JSON).
    Number(Value),
}

/// An ordered payload: `ToUserName`, `FromUserName`, `CreateTime`, `MsgType`, then the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payload {
    fields: Vec<(String, FieldValue)>,
}

impl Payload {
    /// The standard header.
    pub fn new(to: &str, from: &str, create_time: i64, msg_type: &str) -> Self {
        let mut payload = Payload::default();
        payload
            .text("ToUserName", to)
            .text("FromUserName", from)
            .number("CreateTime", create_time)
            .text("MsgType", msg_type);
        payload
    }

    /// Sets a text field (replacing an earlier value of the same name).
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.set(name, FieldValue::Text(value.to_owned()))
    }

    /// Sets a numeric field.
    pub fn number(&mut self, name: &str, value: impl Into<Value>) -> &mut Self {
        self.set(name, FieldValue::Number(value.into()))
    }

    fn set(&mut self, name: &str, value: FieldValue) -> &mut Self {
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name.to_owned(), value)),
        }
        self
    }

    /// Sets the fields of a JSON object given by the caller: numbers stay numbers, strings text;
    /// snake_case convenience keys become their XML names (`event_key` → `EventKey`).
    pub fn extra(&mut self, extra: &Map<String, Value>) -> &mut Self {
        for (key, value) in extra {
            let name = xml_name(key);
            match value {
                Value::Number(_) => self.number(&name, value.clone()),
                Value::String(s) => self.text(&name, s),
                Value::Bool(b) => self.text(&name, if *b { "1" } else { "0" }),
                other => self.text(&name, &other.to_string()),
            };
        }
        self
    }

    /// The XML body, one element per line like the official samples.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<xml>\n");
        for (name, value) in &self.fields {
            let text = match value {
                FieldValue::Text(text) => cdata(text),
                FieldValue::Number(n) => n.to_string(),
            };
            out.push_str(&format!("<{name}>{text}</{name}>\n"));
        }
        out.push_str("</xml>");
        out
    }

    /// The Mini Program JSON body.
    pub fn to_json(&self) -> String {
        let object: Map<String, Value> = self
            .fields
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    FieldValue::Text(text) => Value::String(text.clone()),
                    FieldValue::Number(n) => n.clone(),
                };
                (name.clone(), value)
            })
            .collect();
        Value::Object(object).to_string()
    }
}

/// The XML name of a caller-supplied key: names with capitals are kept, snake_case becomes
/// PascalCase, with the platforms' irregular names spelled out.
pub fn xml_name(key: &str) -> String {
    if key.chars().any(|c| c.is_ascii_uppercase()) {
        return key.to_owned();
    }
    match key {
        "location_x" => "Location_X".into(),
        "location_y" => "Location_Y".into(),
        "agent_id" => "AgentID".into(),
        "msg_id" => "MsgId".into(),
        "app_id" => "AppId".into(),
        "url" => "Url".into(),
        _ => key
            .split('_')
            .map(|part| {
                let mut chars = part.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect(),
    }
}

/// A random 64-bit message id, as the platforms send.
pub fn msg_id() -> u64 {
    rand::random::<u64>()
}

fn digest(parts: &[&str]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher.finalize().into()
}

/// The original id (`gh_` + 12 hex digits) of the account `app_id`, derived deterministically
/// (the world does not configure one).
pub fn original_id(app_id: &str) -> String {
    format!(
        "gh_{}",
        &hex::encode(digest(&["original-id", app_id]))[..12]
    )
}

/// A top-level text field of an XML or JSON plaintext (`None` when absent or unparseable).
pub fn field_of(plaintext: &str, name: &str) -> Option<String> {
    match plaintext.trim_start().as_bytes().first() {
        Some(b'<') => {
            let root =
                wxgate_protocol::xml::parse(plaintext, &wxgate_protocol::xml::Limits::default())
                    .ok()?;
            root.child(name).map(|e| e.text.clone())
        }
        Some(b'{') => {
            let value: Value = serde_json::from_str(plaintext).ok()?;
            match value.get(name)? {
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_render_as_the_samples_do() {
        let mut p = Payload::new("wwcorp", "zhangsan", 1409659813, "text");
        p.text("Content", "hello").number("MsgId", 42u64);
        assert_eq!(
            p.to_xml(),
            "<xml>\n<ToUserName><![CDATA[wwcorp]]></ToUserName>\n<FromUserName><![CDATA[zhangsan]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>42</MsgId>\n</xml>"
        );
        assert_eq!(
            p.to_json(),
            r#"{"Content":"hello","CreateTime":1409659813,"FromUserName":"zhangsan","MsgId":42,"MsgType":"text","ToUserName":"wwcorp"}"#
        );
        assert_eq!(field_of(&p.to_xml(), "FromUserName").unwrap(), "zhangsan");
        assert_eq!(field_of(&p.to_json(), "CreateTime").unwrap(), "1409659813");
    }

    #[test]
    fn names_and_ids() {
        assert_eq!(xml_name("event_key"), "EventKey");
        assert_eq!(xml_name("location_x"), "Location_X");
        assert_eq!(xml_name("SessionFrom"), "SessionFrom");
        assert!(original_id("wxa").starts_with("gh_") && original_id("wxa").len() == 15);
    }
}
