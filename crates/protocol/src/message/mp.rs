//! Official Account (公众号) messages and events.
//!
//! Sources: the Official Account message docs (developers.weixin.qq.com/doc/offiaccount,
//! 接收普通消息 and 接收事件推送; samples mirrored in wechatpy `tests/test_parser.py`):
//! text, image, voice (`Recognition` when speech recognition is on), video, shortvideo,
//! location, link; events subscribe (with `EventKey=qrscene_…` and `Ticket` when subscribing by
//! scanning a parametric QR code), unsubscribe, SCAN, LOCATION, CLICK, VIEW,
//! TEMPLATESENDJOBFINISH. Official Accounts push XML only.

use serde_json::{Map, Value};

use super::content::{event_json, unknown_json, unknown_key};
use super::{
    Fields, Header, JsonObject, MessageError, Normalized, UserMessage, event_key, type_segment,
};

/// A decrypted Official Account push.
// One value per callback, matched on once: variant size does not matter, plain matching does.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum MpMessage {
    /// An ordinary message from a user.
    Message(UserMessage),
    /// An event (`MsgType=event`).
    Event {
        /// Header fields (no `AgentID`).
        header: Header,
        /// The event.
        event: MpEvent,
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

/// An Official Account event.
#[derive(Debug, Clone, PartialEq)]
pub enum MpEvent {
    /// `subscribe`; with `scene`/`ticket` when the user subscribed by scanning a parametric QR
    /// code (`EventKey=qrscene_{scene}`).
    Subscribe {
        /// `EventKey` as sent (`qrscene_123`, or absent/empty).
        event_key: Option<String>,
        /// The QR scene value: `EventKey` without its `qrscene_` prefix.
        scene: Option<String>,
        /// `Ticket` of the QR code.
        ticket: Option<String>,
    },
    /// `unsubscribe`.
    Unsubscribe,
    /// `SCAN`: an already subscribed user scanned a parametric QR code.
    Scan {
        /// `EventKey`: the scene value (no prefix).
        event_key: Option<String>,
        /// `Ticket` of the QR code.
        ticket: Option<String>,
    },
    /// `LOCATION`: the user's reported position.
    Location {
        /// `Latitude`.
        latitude: Option<f64>,
        /// `Longitude`.
        longitude: Option<f64>,
        /// `Precision`.
        precision: Option<f64>,
    },
    /// `CLICK`: a menu button was pressed.
    Click {
        /// `EventKey`: the button's key.
        event_key: Option<String>,
    },
    /// `VIEW`: a menu link was followed.
    View {
        /// `EventKey`: the URL.
        event_key: Option<String>,
        /// `MenuId`, when sent.
        menu_id: Option<String>,
    },
    /// `TEMPLATESENDJOBFINISH`: delivery report of a template message.
    TemplateSendJobFinish {
        /// `MsgID` of the template message (kept as text).
        msg_id: Option<String>,
        /// `Status`: `success`, `failed:user block`, `failed: system failed`.
        status: Option<String>,
    },
    /// Any other event; its fields stay in the message's `extra`.
    Unknown {
        /// The `Event` as sent.
        event: String,
    },
}

/// Parses the decrypted plaintext (XML, or JSON) of an Official Account push.
pub fn parse_mp(plaintext: &str) -> Result<MpMessage, MessageError> {
    let f = Fields::parse(plaintext)?;
    let header = Header::read(&f)?;
    let msg_type = f.required("MsgType")?;
    if msg_type.eq_ignore_ascii_case("event") {
        let name = f.required("Event")?;
        let event = MpEvent::read(&name, &f)?;
        return Ok(MpMessage::Event {
            header,
            event,
            extra: f.unread(),
        });
    }
    match UserMessage::read(header.clone(), &msg_type, &f)? {
        Some(message) => Ok(MpMessage::Message(message)),
        None => Ok(MpMessage::Unknown {
            header,
            msg_type,
            fields: f.all().clone(),
        }),
    }
}

impl MpEvent {
    fn read(event: &str, f: &Fields) -> Result<MpEvent, MessageError> {
        Ok(match event.to_ascii_lowercase().as_str() {
            "subscribe" => {
                let event_key = f.text("EventKey");
                let scene = event_key
                    .as_deref()
                    .and_then(|k| k.strip_prefix("qrscene_"))
                    .map(str::to_owned);
                MpEvent::Subscribe {
                    event_key,
                    scene,
                    ticket: f.text("Ticket"),
                }
            }
            "unsubscribe" => MpEvent::Unsubscribe,
            "scan" => MpEvent::Scan {
                event_key: f.text("EventKey"),
                ticket: f.text("Ticket"),
            },
            "location" => MpEvent::Location {
                latitude: f.f64("Latitude")?,
                longitude: f.f64("Longitude")?,
                precision: f.f64("Precision")?,
            },
            "click" => MpEvent::Click {
                event_key: f.text("EventKey"),
            },
            "view" => MpEvent::View {
                event_key: f.text("EventKey"),
                menu_id: f.text("MenuId"),
            },
            "templatesendjobfinish" => MpEvent::TemplateSendJobFinish {
                msg_id: f.text("MsgID"),
                status: f.text("Status"),
            },
            _ => MpEvent::Unknown {
                event: event.to_owned(),
            },
        })
    }

    /// The event name in lower case (`scan`, `templatesendjobfinish`), as sent for unknown ones.
    pub fn name(&self) -> &str {
        match self {
            MpEvent::Subscribe { .. } => "subscribe",
            MpEvent::Unsubscribe => "unsubscribe",
            MpEvent::Scan { .. } => "scan",
            MpEvent::Location { .. } => "location",
            MpEvent::Click { .. } => "click",
            MpEvent::View { .. } => "view",
            MpEvent::TemplateSendJobFinish { .. } => "templatesendjobfinish",
            MpEvent::Unknown { event } => event,
        }
    }

    fn write<'a>(&'a self, out: &mut JsonObject<'a>) {
        out.str("event", self.name());
        match self {
            MpEvent::Subscribe {
                event_key,
                scene,
                ticket,
            } => {
                out.opt_str("event_key", event_key.as_ref());
                out.opt_str("scene", scene.as_ref());
                out.opt_str("ticket", ticket.as_ref());
            }
            MpEvent::Scan { event_key, ticket } => {
                out.opt_str("event_key", event_key.as_ref());
                out.opt_str("ticket", ticket.as_ref());
            }
            MpEvent::Location {
                latitude,
                longitude,
                precision,
            } => {
                out.opt_value("latitude", latitude.map(Value::from));
                out.opt_value("longitude", longitude.map(Value::from));
                out.opt_value("precision", precision.map(Value::from));
            }
            MpEvent::Click { event_key } => {
                out.opt_str("event_key", event_key.as_ref());
            }
            MpEvent::View { event_key, menu_id } => {
                out.opt_str("event_key", event_key.as_ref());
                out.opt_str("menu_id", menu_id.as_ref());
            }
            MpEvent::TemplateSendJobFinish { msg_id, status } => {
                out.opt_str("msg_id", msg_id.as_ref());
                out.opt_str("status", status.as_ref());
            }
            MpEvent::Unsubscribe | MpEvent::Unknown { .. } => {}
        }
    }
}

impl Normalized for MpMessage {
    fn event_type(&self) -> String {
        match self {
            MpMessage::Message(m) => m.event_type("mp"),
            MpMessage::Event { event, .. } => format!("mp.event.{}", type_segment(event.name())),
            MpMessage::Unknown { msg_type, .. } => format!("mp.message.{}", type_segment(msg_type)),
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
            MpMessage::Message(m) => m.dedup_key(),
            MpMessage::Event { header, event, .. } => match event {
                MpEvent::TemplateSendJobFinish { msg_id, .. } => {
                    event_key(header, event.name(), &[msg_id.as_deref().unwrap_or("")])
                }
                _ => event_key(header, event.name(), &[]),
            },
            MpMessage::Unknown {
                header,
                msg_type,
                fields,
            } => unknown_key(header, msg_type, fields),
        }
    }
}

impl MpMessage {
    /// The normalised JSON object, for both forms of [`Normalized`].
    fn normalized_object(&self) -> JsonObject<'_> {
        match self {
            MpMessage::Message(m) => m.normalized(),
            MpMessage::Event {
                header,
                event,
                extra,
            } => event_json(header, extra, |out| event.write(out)),
            MpMessage::Unknown {
                header,
                msg_type,
                fields,
            } => unknown_json(header, "msg_type", msg_type, fields),
        }
    }
}
