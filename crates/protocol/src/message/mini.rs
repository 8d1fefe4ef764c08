//! Mini Program customer-service pushes (小程序客服消息), XML or JSON.
//!
//! Source: developers.weixin.qq.com/miniprogram/dev/framework/open-ability/customer-message/receive
//! (接收消息和事件): text, image, miniprogrampage (`Title`, `AppId`, `PagePath`, `ThumbUrl`,
//! `ThumbMediaId`) and the `user_enter_tempsession` event (`SessionFrom`). Every sample there is
//! given in both XML and JSON, with the same PascalCase keys; in JSON `CreateTime` and `MsgId`
//! are numbers. Other pushes on the same URL (e.g. subscription-message events) keep every field
//! in an `Unknown` variant.

use serde_json::{Map, Value};

use super::content::{event_json, unknown_json, unknown_key};
use super::{
    Fields, Header, JsonObject, MessageError, Normalized, UserMessage, event_key, type_segment,
};

/// A decrypted Mini Program push.
// One value per callback, matched on once: variant size does not matter, plain matching does.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum MiniMessage {
    /// A customer-service message from a user.
    Message(UserMessage),
    /// An event (`MsgType=event`).
    Event {
        /// Header fields.
        header: Header,
        /// The event.
        event: MiniEvent,
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

/// A Mini Program event.
#[derive(Debug, Clone, PartialEq)]
pub enum MiniEvent {
    /// `user_enter_tempsession`: the user entered the customer-service session.
    UserEnterTempsession {
        /// `SessionFrom`: the `session-from` set on the contact button.
        session_from: Option<String>,
    },
    /// Any other event; its fields stay in the message's `extra`.
    Unknown {
        /// The `Event` as sent.
        event: String,
    },
}

impl MiniEvent {
    /// The event name, as sent for unknown ones.
    pub fn name(&self) -> &str {
        match self {
            MiniEvent::UserEnterTempsession { .. } => "user_enter_tempsession",
            MiniEvent::Unknown { event } => event,
        }
    }
}

/// Parses the decrypted plaintext (XML or JSON) of a Mini Program push.
pub fn parse_mini(plaintext: &str) -> Result<MiniMessage, MessageError> {
    let f = Fields::parse(plaintext)?;
    let header = Header::read(&f)?;
    let msg_type = f.required("MsgType")?;
    if msg_type.eq_ignore_ascii_case("event") {
        let name = f.required("Event")?;
        let event = match name.as_str() {
            "user_enter_tempsession" => MiniEvent::UserEnterTempsession {
                session_from: f.text("SessionFrom"),
            },
            _ => MiniEvent::Unknown { event: name },
        };
        return Ok(MiniMessage::Event {
            header,
            event,
            extra: f.unread(),
        });
    }
    match UserMessage::read(header.clone(), &msg_type, &f)? {
        Some(message) => Ok(MiniMessage::Message(message)),
        None => Ok(MiniMessage::Unknown {
            header,
            msg_type,
            fields: f.all().clone(),
        }),
    }
}

impl Normalized for MiniMessage {
    fn event_type(&self) -> String {
        match self {
            MiniMessage::Message(m) => m.event_type("mini"),
            MiniMessage::Event { event, .. } => {
                format!("mini.event.{}", type_segment(event.name()))
            }
            MiniMessage::Unknown { msg_type, .. } => {
                format!("mini.message.{}", type_segment(msg_type))
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
            MiniMessage::Message(m) => m.dedup_key(),
            MiniMessage::Event { header, event, .. } => event_key(header, event.name(), &[]),
            MiniMessage::Unknown {
                header,
                msg_type,
                fields,
            } => unknown_key(header, msg_type, fields),
        }
    }
}

impl MiniMessage {
    /// The normalised JSON object, for both forms of [`Normalized`].
    fn normalized_object(&self) -> JsonObject<'_> {
        match self {
            MiniMessage::Message(m) => m.normalized(),
            MiniMessage::Event {
                header,
                event,
                extra,
            } => event_json(header, extra, |out| {
                out.str("event", event.name());
                if let MiniEvent::UserEnterTempsession { session_from } = event {
                    out.opt_str("session_from", session_from.as_ref());
                }
            }),
            MiniMessage::Unknown {
                header,
                msg_type,
                fields,
            } => unknown_json(header, "msg_type", msg_type, fields),
        }
    }
}
