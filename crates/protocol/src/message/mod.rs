//! Typed messages and events, from the decrypted plaintext of a callback.
//!
//! The gateway decrypts a callback, then hands the plaintext (XML, or JSON for Mini Programs and
//! some WeCom pushes) to one of the `parse_*` functions below. Each returns a typed value that
//! knows three things the gateway needs, through [`Normalized`]: the event type it is routed and
//! delivered under, a normalised JSON body for business backends, and a key to drop the
//! platform's retries.
//!
//! Unknown message, event, info or change types are not errors: they parse into an `Unknown`
//! variant that keeps every field, so nothing Tencent sends is lost.
//!
//! * [`fields`] — one lenient reader for XML and JSON payloads;
//! * [`content`] — what a user sends (text, image, voice, …), shared by all platforms;
//! * [`contact_change`] — `change_contact` events, shared by self-built apps and suites;
//! * [`wecom`] / [`wecom_event`] — WeCom self-built app and contacts-sync callbacks;
//! * [`suite`] — WeCom third-party (suite) instruction callbacks;
//! * [`mp`] — Official Account messages and events;
//! * [`mini`] — Mini Program customer-service pushes.
//!
//! ```
//! use wxgate_protocol::message::{Normalized, parse_wecom};
//!
//! let plaintext = "<xml><ToUserName><![CDATA[ww1]]></ToUserName>\
//!     <FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1409659813</CreateTime>\
//!     <MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>\
//!     <MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>";
//! let message = parse_wecom(plaintext)?;
//! assert_eq!(message.event_type(), "wecom.message.text");
//! assert_eq!(message.dedup_key(), "msg:4561255354251345929");
//! let body = message.to_normalized_json();
//! assert_eq!(body["msg_id"], "4561255354251345929"); // above 2^53: a string
//! assert_eq!(body["agent_id"], 218); // a number
//! # Ok::<(), wxgate_protocol::message::MessageError>(())
//! ```

pub mod contact_change;
pub mod content;
pub mod fields;
pub mod mini;
pub mod mp;
pub mod suite;
pub mod wecom;
pub mod wecom_event;

pub use contact_change::{ContactChange, PartyChange, TagChange, UserChange};
pub use content::{Content, UserMessage};
pub use fields::Fields;
pub use mini::{MiniEvent, MiniMessage, parse_mini};
pub use mp::{MpEvent, MpMessage, parse_mp};
pub use suite::{AuthCode, SuiteEvent, SuiteTicket, parse_suite};
pub use wecom::{WecomMessage, parse_wecom};
pub use wecom_event::{SelectedItem, WecomEvent};

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::xml::XmlError;

/// What every parsed callback offers the gateway.
pub trait Normalized {
    /// Event type used on the wire to business backends, e.g. "wecom.message.text",
    /// "wecom.event.enter_agent", "wecom.contact.update_user", "suite.create_auth",
    /// "suite.contact.create_party", "mp.message.text", "mp.event.subscribe", "mini.message.text".
    fn event_type(&self) -> String;
    /// Normalised JSON: snake_case keys, integers as JSON numbers (timestamps, agent ids, counts,
    /// department ids), identifiers that may exceed 2^53 (MsgId) as strings, lists as arrays
    /// (e.g. Department `"1,2,3"` -> `[1,2,3]`), unknown fields kept under "extra".
    fn to_normalized_json(&self) -> serde_json::Value;
    /// Appends the normalised JSON to `out` as text: the same as serialising
    /// [`Normalized::to_normalized_json`], but the parsers write it without building the
    /// `Value`.
    fn write_normalized_json(&self, out: &mut Vec<u8>) {
        // Serialising a `Value` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(out, &self.to_normalized_json());
    }
    /// Key used to drop the platform's retries: MsgId for messages; FromUserName+CreateTime+Event
    /// (+ChangeType/+UserID/Id where present) for events; InfoType+TimeStamp+key fields for suite events.
    fn dedup_key(&self) -> String;
}

/// Why a decrypted payload could not be read as a message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MessageError {
    /// The XML was refused by the bounded reader.
    #[error("callback payload is not acceptable XML ({0}); answer `success` and check the sender")]
    Xml(#[from] XmlError),
    /// The JSON did not parse.
    #[error(
        "callback payload is not valid JSON ({0}); check the app's data format setting (XML or JSON)"
    )]
    Json(String),
    /// The JSON is valid but not an object.
    #[error("callback payload must be a JSON object, got {0}")]
    NotAnObject(&'static str),
    /// The payload is neither XML nor JSON.
    #[error(
        "callback payload is neither XML (starting with `<`) nor JSON (starting with `{{`); was it decrypted?"
    )]
    UnknownFormat,
    /// The JSON payload is larger than the XML size cap.
    #[error("callback payload is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A field without which the payload cannot be routed is missing or empty.
    #[error(
        "callback payload lacks the required field `{0}`; is this payload for this kind of endpoint?"
    )]
    MissingField(&'static str),
    /// A field that must be a number is not.
    #[error("callback field `{field}` must be a number, got `{value}`")]
    NotANumber {
        /// The field's name.
        field: String,
        /// The start of the offending value.
        value: String,
    },
}

/// Header fields every WeCom, Official Account and Mini Program message or event carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// `ToUserName`: the corp id (WeCom) or the account's original id `gh_…` (MP, Mini Program).
    pub to_user_name: String,
    /// `FromUserName`: the member's UserID (WeCom; `sys` for contact events) or the user's openid.
    pub from_user_name: String,
    /// `CreateTime`, seconds since the Unix epoch (0 when absent).
    pub create_time: u64,
    /// `AgentID`, WeCom only, absent in contact-sync and MP payloads.
    pub agent_id: Option<u64>,
}

impl Header {
    /// Reads the header; `ToUserName` is required.
    pub fn read(fields: &Fields) -> Result<Header, MessageError> {
        Ok(Header {
            to_user_name: fields.required("ToUserName")?,
            from_user_name: fields.text("FromUserName").unwrap_or_default(),
            create_time: fields.u64("CreateTime")?.unwrap_or(0),
            agent_id: fields.u64("AgentID")?,
        })
    }

    /// Writes the header's normalised keys into `out`.
    pub fn write<'a>(&'a self, out: &mut JsonObject<'a>) {
        out.str("to_user_name", &self.to_user_name);
        out.str("from_user_name", &self.from_user_name);
        out.num("create_time", self.create_time);
        out.opt_num("agent_id", self.agent_id);
    }
}

/// A small builder for normalised JSON objects, skipping absent optional fields.
///
/// It borrows the message's strings and produces the object at the end, either as a `Value`
/// ([`JsonObject::build`]) or straight as JSON text ([`JsonObject::write`]): the callback hot
/// path stores the text, and building a `Value` map (two allocations per field) only to
/// serialise and free it cost more than parsing the message.
#[derive(Debug, Default)]
pub struct JsonObject<'a>(Vec<(&'a str, Field<'a>)>);

/// One value of a [`JsonObject`].
#[derive(Debug)]
enum Field<'a> {
    Str(&'a str),
    Num(u64),
    Value(Value),
    Object(&'a Map<String, Value>),
}

impl Field<'_> {
    fn into_value(self) -> Value {
        match self {
            Field::Str(s) => Value::String(s.to_owned()),
            Field::Num(n) => Value::from(n),
            Field::Value(v) => v,
            Field::Object(map) => Value::Object(map.clone()),
        }
    }
}

impl<'a> JsonObject<'a> {
    /// An empty object.
    pub fn new() -> JsonObject<'a> {
        JsonObject(Vec::with_capacity(12))
    }
    /// Sets a string.
    pub fn str(&mut self, key: &'a str, value: &'a str) -> &mut Self {
        self.0.push((key, Field::Str(value)));
        self
    }
    /// Sets a string when present.
    pub fn opt_str(&mut self, key: &'a str, value: Option<&'a String>) -> &mut Self {
        if let Some(v) = value {
            self.str(key, v);
        }
        self
    }
    /// Sets an unsigned integer.
    pub fn num(&mut self, key: &'a str, value: u64) -> &mut Self {
        self.0.push((key, Field::Num(value)));
        self
    }
    /// Sets an unsigned integer when present.
    pub fn opt_num(&mut self, key: &'a str, value: Option<u64>) -> &mut Self {
        if let Some(v) = value {
            self.num(key, v);
        }
        self
    }
    /// Sets any JSON value when present.
    pub fn opt_value(&mut self, key: &'a str, value: Option<Value>) -> &mut Self {
        if let Some(v) = value {
            self.value(key, v);
        }
        self
    }
    /// Sets any JSON value.
    pub fn value(&mut self, key: &'a str, value: Value) -> &mut Self {
        self.0.push((key, Field::Value(value)));
        self
    }
    /// Sets the `extra` object (always present, possibly empty).
    pub fn extra(&mut self, extra: &'a Map<String, Value>) -> &mut Self {
        self.0.push(("extra", Field::Object(extra)));
        self
    }
    /// The finished object (a key set twice keeps its last value).
    pub fn build(&mut self) -> Value {
        let mut map = Map::new();
        for (key, field) in std::mem::take(&mut self.0) {
            map.insert(key.to_owned(), field.into_value());
        }
        Value::Object(map)
    }
    /// Appends the finished object to `out` as JSON text: exactly what serialising
    /// [`JsonObject::build`]'s `Value` gives (keys sorted as in serde_json's map, a key set twice
    /// with its last value), without building it.
    pub fn write(&mut self, out: &mut Vec<u8>) {
        let mut fields = std::mem::take(&mut self.0);
        // Reversed, then stably sorted: the last value set for a key comes first among equal
        // keys, and `dedup_by` keeps the first of each run.
        fields.reverse();
        fields.sort_by(|a, b| a.0.cmp(b.0));
        fields.dedup_by(|later, kept| later.0 == kept.0);
        out.push(b'{');
        for (i, (key, field)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Writing strings, integers and `Value`s into a `Vec` cannot fail.
            let _ = serde_json::to_writer(&mut *out, key);
            out.push(b':');
            let _ = match field {
                Field::Str(s) => serde_json::to_writer(&mut *out, s),
                Field::Num(n) => serde_json::to_writer(&mut *out, n),
                Field::Value(v) => serde_json::to_writer(&mut *out, v),
                Field::Object(map) => serde_json::to_writer(&mut *out, map),
            };
        }
        out.push(b'}');
    }
}

/// Makes a wire type (`SCAN`, `change_contact`, anything unknown) safe as an event-type segment:
/// lower case, `[a-z0-9_]` only, at most 64 characters, `unknown` when nothing is left. A type
/// that is already safe (the common case: `text`, `subscribe`) is borrowed, not rebuilt.
pub fn type_segment(raw: &str) -> Cow<'_, str> {
    let trimmed = raw.trim();
    if !trimmed.is_empty()
        && trimmed.len() <= 64
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Cow::Borrowed(trimmed);
    }
    let segment: String = trimmed
        .chars()
        .take(64)
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if segment.is_empty() {
        Cow::Borrowed("unknown")
    } else {
        Cow::Owned(segment)
    }
}

/// Dedup key of an event: `event:` FromUserName, CreateTime, Event and the extra parts, joined
/// with `:` (each part escaped by [`key_part`] so parts cannot run into one another).
pub(crate) fn event_key(header: &Header, event: &str, parts: &[&str]) -> String {
    let mut key = format!(
        "event:{}:{}:{}",
        clean(&header.from_user_name),
        header.create_time,
        clean(event)
    );
    for part in parts.iter().filter(|p| !p.is_empty()) {
        key.push(':');
        key.push_str(&clean(part));
    }
    key
}

/// Dedup key of a message: `msg:` MsgId; without a MsgId, an event-style key on the message type.
pub(crate) fn message_key(header: &Header, msg_id: Option<&String>, msg_type: &str) -> String {
    match msg_id {
        Some(id) => format!("msg:{}", clean(id)),
        None => event_key(header, msg_type, &[]),
    }
}

fn clean(part: &str) -> String {
    key_part(part)
}

/// One part of a dedup key: `%` and `:` percent-escaped (so `a:1` and `a1` stay apart), cut to
/// 256 characters.
pub(crate) fn key_part(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars().take(256) {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
    out
}
