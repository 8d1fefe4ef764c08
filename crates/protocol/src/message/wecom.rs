//! WeCom self-built app, contacts-sync and WeCom mini-program callbacks.
//!
//! Ordinary messages (developer.work.weixin.qq.com path/90239 接收普通消息: text, image, voice,
//! video, location, link) carry `MsgId` and `AgentID`; events (path/90240) carry `Event`; contact
//! changes arrive as `Event=change_contact` from `FromUserName=sys`.

use serde_json::{Map, Value};

use super::content::{event_json, unknown_json, unknown_key};
use super::{
    Fields, Header, JsonObject, MessageError, Normalized, UserMessage, WecomEvent, event_key,
    type_segment,
};

/// A decrypted WeCom app callback.
// One value per callback, matched on once: variant size does not matter, plain matching does.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum WecomMessage {
    /// An ordinary message from a member.
    Message(UserMessage),
    /// An event (`MsgType=event`).
    Event {
        /// Header fields.
        header: Header,
        /// The event.
        event: WecomEvent,
        /// Fields not read into the typed ones, as received.
        extra: Map<String, Value>,
    },
    /// A `MsgType` this crate does not know; every field is kept.
    Unknown {
        /// Header fields.
        header: Header,
        /// The `MsgType` as sent.
        msg_type: String,
        /// Every field of the payload, as received.
        fields: Map<String, Value>,
    },
}

/// Parses the decrypted plaintext (XML or JSON) of a WeCom app callback.
pub fn parse_wecom(plaintext: &str) -> Result<WecomMessage, MessageError> {
    let f = Fields::parse(plaintext)?;
    let header = Header::read(&f)?;
    let msg_type = f.required("MsgType")?;
    if msg_type.eq_ignore_ascii_case("event") {
        let name = f.required("Event")?;
        let event = WecomEvent::read(&name, &f)?;
        return Ok(WecomMessage::Event {
            header,
            event,
            extra: f.unread(),
        });
    }
    match UserMessage::read(header.clone(), &msg_type, &f)? {
        Some(message) => Ok(WecomMessage::Message(message)),
        None => Ok(WecomMessage::Unknown {
            header,
            msg_type,
            fields: f.all().clone(),
        }),
    }
}

impl WecomMessage {
    /// The header, whatever the variant.
    pub fn header(&self) -> &Header {
        match self {
            WecomMessage::Message(m) => &m.header,
            WecomMessage::Event { header, .. } | WecomMessage::Unknown { header, .. } => header,
        }
    }
}

impl Normalized for WecomMessage {
    fn event_type(&self) -> String {
        match self {
            WecomMessage::Message(m) => m.event_type("wecom"),
            WecomMessage::Event {
                event: WecomEvent::ChangeContact(change),
                ..
            } => change.event_type("wecom"),
            WecomMessage::Event { event, .. } => {
                format!("wecom.event.{}", type_segment(event.name()))
            }
            WecomMessage::Unknown { msg_type, .. } => {
                format!("wecom.message.{}", type_segment(msg_type))
            }
        }
    }

    fn to_normalized_json(&self) -> Value {
        self.normalized_object().build()
    }

    fn write_normalized_json(&self, out: &mut Vec<u8>) {
        self.normalized_object().write(out)
    }

    fn dedup_key(&self) -> String {
        match self {
            WecomMessage::Message(m) => m.dedup_key(),
            WecomMessage::Event { header, event, .. } => {
                let parts = event.dedup_parts();
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                event_key(header, event.name(), &parts)
            }
            WecomMessage::Unknown {
                header,
                msg_type,
                fields,
            } => unknown_key(header, msg_type, fields),
        }
    }
}

impl WecomMessage {
    /// The normalised JSON object, for both forms of [`Normalized`].
    fn normalized_object(&self) -> JsonObject<'_> {
        match self {
            WecomMessage::Message(m) => m.normalized(),
            WecomMessage::Event {
                header,
                event,
                extra,
            } => event_json(header, extra, |out| event.write(out)),
            WecomMessage::Unknown {
                header,
                msg_type,
                fields,
            } => unknown_json(header, "msg_type", msg_type, fields),
        }
    }
}
