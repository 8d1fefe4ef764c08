//! From a decrypted plaintext to the event wxgate stores and forwards: the typed parse of the
//! app's kind (`parse_wecom`, `parse_suite`, `parse_mp`, `parse_mini`), its event type,
//! normalised JSON, dedup key and `source`. A payload that parses but has no known shape is
//! kept (`*.unknown`); only payloads that are not XML/JSON at all are refused.

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wxgate_protocol::message::{
    ContactChange, Fields, MessageError, MiniMessage, MpMessage, Normalized, SuiteEvent,
    WecomEvent, WecomMessage, parse_mini, parse_mp, parse_suite, parse_wecom,
};

use wxgate_store::JsonText;

use super::open::Target;
use super::refusal::Refusal;
use crate::registry::{AppEntry, AppKind};

/// Who a passive reply goes to: the sender of the message and the account it was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyAddress {
    /// The message's `FromUserName` (the reply's `ToUserName`).
    pub user: String,
    /// The message's `ToUserName` (the reply's `FromUserName`).
    pub account: String,
}

/// A parsed callback, ready to store.
#[derive(Debug, Clone)]
pub struct ParsedEvent {
    /// `wecom.message.text`, `suite.create_auth`, `mp.event.subscribe`, …
    pub event_type: String,
    /// Where it came from (`kind`, `name`, and the kind's ids), as JSON text.
    pub source: JsonText,
    /// The normalised body, as JSON text; `None` when it is derived from `raw` whenever it is
    /// needed ([`derive_data`]) rather than stored: a typed WeCom app, contacts, WeCom mini
    /// program, Official Account or Mini Program callback. Suite callbacks (whose `raw` may be
    /// withheld, and whose data URLs carry WeCom messages under the suite's kind) and payloads
    /// kept as `*.unknown` keep theirs.
    pub data: Option<JsonText>,
    /// The plaintext as received; empty for suite events carrying credentials.
    pub raw: String,
    /// The dedup key (scoped per app by the store).
    pub dedup_key: String,
    /// Set for user messages and events that may get a passive reply.
    pub reply_to: Option<ReplyAddress>,
    /// The typed suite instruction, for suite tickets and the lifecycle hook. Boxed, like
    /// `contact_change`: both are rare and large (~500 bytes each), and a parsed event is moved
    /// several times and held in every callback's future.
    pub suite: Option<Box<SuiteEvent>>,
    /// A `change_contact` (app event or suite instruction), for the contacts change queue.
    pub contact_change: Option<Box<ContactChange>>,
}

impl ParsedEvent {
    /// The normalised body, derived from `raw` if it was not kept (see [`ParsedEvent::data`]).
    pub fn data_text(&self, app: &AppEntry) -> JsonText {
        self.data
            .clone()
            .or_else(|| derive_data(app.kind.name(), &self.raw))
            .unwrap_or_else(|| JsonText::from(Value::Null))
    }
}

/// The normalised `data` of an event stored without it, from its `raw` plaintext and the
/// `kind` of its `source`: the same typed parse and JSON as when it was received (so the same
/// text, byte for byte). `None` for kinds whose data is always stored (suites).
pub fn derive_data(kind: &str, raw: &str) -> Option<JsonText> {
    let typed = match kind {
        "official_account" => parse_mp(raw).map(|m| normalized(&m)),
        "miniprogram" => parse_mini(raw).map(|m| normalized(&m)),
        "wecom_app" | "wecom_contacts" | "wecom_miniprogram" => {
            parse_wecom(raw).map(|m| normalized(&m))
        }
        _ => return None,
    };
    // Only typed payloads are stored without data; anything else reads as it would be kept.
    typed
        .ok()
        .or_else(|| unknown("", raw).ok().map(|(_, data, _)| data))
}

/// The `source` object of an event, in the key order serde_json's maps give (sorted), so the
/// text is what serialising the equivalent `Value` would give.
#[derive(Serialize)]
struct Source<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    corp_id: Option<&'a str>,
    kind: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suite_id: Option<&'a str>,
}

/// The `source` object of an event received by `app` on `target`, as JSON text: `kind`,
/// `name`, and the kind's ids (`corp_id`, `app_id`, `agent_id`; for a suite its `suite_id` and
/// the authorising corp as `corp_id`). On `/callback/{name}` without an authorising corp it is
/// the same for every event of the app: built once, then shared.
pub fn source(app: &AppEntry, target: &Target, auth_corp_id: Option<&str>) -> JsonText {
    if matches!(target, Target::App) && auth_corp_id.is_none() {
        return app
            .event_source
            .get_or_init(|| build_source(app, target, None).into_shared())
            .clone();
    }
    build_source(app, target, auth_corp_id)
}

/// The `source` text, serialised straight from a struct: building a `Value` map per event, then
/// formatting and freeing it, cost more than the rest of the parse.
fn build_source(app: &AppEntry, target: &Target, auth_corp_id: Option<&str>) -> JsonText {
    let mut corp_id = app.kind.corp_id();
    let mut suite_id = None;
    if let AppKind::Suite { suite_id: id, .. } = &app.kind {
        suite_id = Some(id.as_str());
        let corp = match target {
            Target::SuiteData { corp_id } => Some(corp_id.as_str()),
            Target::App => auth_corp_id,
        };
        if corp.is_some() {
            corp_id = corp;
        }
    }
    let source = Source {
        agent_id: app.kind.agent_id(),
        app_id: app.kind.app_id(),
        corp_id,
        kind: app.kind.name(),
        name: &app.name,
        suite_id,
    };
    // Plain strings and integers: serialising cannot fail.
    JsonText::serialize(&source).unwrap_or_else(|_| JsonText::from(Value::Null))
}

fn refuse(e: MessageError) -> Result<(), Refusal> {
    match e {
        MessageError::MissingField(_) | MessageError::NotANumber { .. } => Ok(()),
        other => Err(Refusal::malformed_payload(other.to_string())),
    }
}

/// A payload that is valid XML/JSON but lacks the fields of its kind: kept as `{prefix}.unknown`.
fn unknown(prefix: &str, plaintext: &str) -> Result<(String, JsonText, String), Refusal> {
    let fields = Fields::parse(plaintext).map_err(|e| Refusal::malformed_payload(e.to_string()))?;
    let digest = hex::encode(Sha256::digest(plaintext.as_bytes()));
    Ok((
        format!("{prefix}.unknown"),
        JsonText::from(json!({ "extra": Value::Object(fields.all().clone()) })),
        format!("raw:{digest}"),
    ))
}

/// An `*.unknown` event: its data is kept (it has no typed parse to derive it from).
fn kept(
    (event_type, data, dedup_key): (String, JsonText, String),
) -> (String, Option<JsonText>, String) {
    (event_type, Some(data), dedup_key)
}

/// The normalised body of `message` as JSON text, written straight from the typed message.
fn normalized(message: &impl Normalized) -> JsonText {
    let mut out = Vec::with_capacity(512);
    message.write_normalized_json(&mut out);
    // serde_json writes UTF-8: the fallback cannot happen.
    String::from_utf8(out)
        .map(JsonText::from_serialized)
        .unwrap_or_else(|_| JsonText::from(Value::Null))
}

fn reply_address(to: &str, from: &str) -> Option<ReplyAddress> {
    (!from.is_empty()).then(|| ReplyAddress {
        user: from.to_owned(),
        account: to.to_owned(),
    })
}

/// Parses `plaintext` as the callback kind of `app` on `target`. The plaintext is kept (moved,
/// not copied) as the event's `raw`.
pub fn parse(app: &AppEntry, target: &Target, plaintext: String) -> Result<ParsedEvent, Refusal> {
    let mut reply_to = None;
    let mut suite = None;
    let mut withhold_raw = false;
    let mut auth_corp_id = None;
    let mut contact_change = None;
    let (event_type, data, mut dedup_key) = match (&app.kind, target) {
        (AppKind::Suite { .. }, Target::App) => match parse_suite(&plaintext) {
            Ok(event) => {
                // suite_ticket and AuthCode are credentials: never stored or forwarded in clear.
                if matches!(
                    event,
                    SuiteEvent::SuiteTicket { .. }
                        | SuiteEvent::CreateAuth { .. }
                        | SuiteEvent::ResetPermanentCode { .. }
                ) {
                    withhold_raw = true;
                }
                auth_corp_id = event.header().auth_corp_id.clone();
                if let SuiteEvent::ChangeContact { change, .. } = &event {
                    contact_change = Some(Box::new(change.clone()));
                }
                let out = (
                    event.event_type(),
                    Some(normalized(&event)),
                    event.dedup_key(),
                );
                suite = Some(Box::new(event));
                out
            }
            Err(e) => {
                refuse(e)?;
                kept(unknown("suite", &plaintext)?)
            }
        },
        (AppKind::OfficialAccount { .. }, _) => match parse_mp(&plaintext) {
            Ok(message) => {
                if let MpMessage::Message(m) = &message {
                    reply_to = reply_address(&m.header.to_user_name, &m.header.from_user_name);
                } else if let MpMessage::Event { header, .. } = &message {
                    reply_to = reply_address(&header.to_user_name, &header.from_user_name);
                }
                (message.event_type(), None, message.dedup_key())
            }
            Err(e) => {
                refuse(e)?;
                kept(unknown("mp", &plaintext)?)
            }
        },
        (AppKind::MiniProgram { .. }, _) => match parse_mini(&plaintext) {
            Ok(message) => {
                if let MiniMessage::Message(m) = &message {
                    reply_to = reply_address(&m.header.to_user_name, &m.header.from_user_name);
                } else if let MiniMessage::Event { header, .. } = &message {
                    reply_to = reply_address(&header.to_user_name, &header.from_user_name);
                }
                (message.event_type(), None, message.dedup_key())
            }
            Err(e) => {
                refuse(e)?;
                kept(unknown("mini", &plaintext)?)
            }
        },
        _ => match parse_wecom(&plaintext) {
            Ok(message) => {
                let is_app = matches!(app.kind, AppKind::WecomApp { .. });
                let user_facing = matches!(
                    message,
                    WecomMessage::Message(_) | WecomMessage::Event { .. }
                );
                let header = message.header();
                if is_app && user_facing && header.from_user_name != "sys" {
                    reply_to = reply_address(&header.to_user_name, &header.from_user_name);
                }
                if let WecomMessage::Event {
                    event: WecomEvent::ChangeContact(change),
                    ..
                } = &message
                {
                    contact_change = Some(Box::new(change.clone()));
                }
                // A suite's data URL carries WeCom messages under the suite's kind, which
                // `derive_data` cannot tell from its instructions: keep the data.
                let data = matches!(app.kind, AppKind::Suite { .. }).then(|| normalized(&message));
                (message.event_type(), data, message.dedup_key())
            }
            Err(e) => {
                refuse(e)?;
                kept(unknown("wecom", &plaintext)?)
            }
        },
    };
    if contact_change.is_some() {
        // The platform's key (ChangeType + UserID/Id/TagId within one CreateTime second) would
        // merge two different edits of one member made in the same second; a redelivery is the
        // same plaintext, so its digest keeps retries deduplicated and distinct edits apart.
        let digest = hex::encode(Sha256::digest(plaintext.as_bytes()));
        dedup_key = format!("{dedup_key}:{}", &digest[..16]);
    }
    if let Target::SuiteData { corp_id } = target {
        // One suite serves many corps; ids such as MsgId are only unique within a corp.
        dedup_key = format!("{corp_id}:{dedup_key}");
    }
    Ok(ParsedEvent {
        event_type,
        source: source(app, target, auth_corp_id.as_deref()),
        data,
        raw: if withhold_raw {
            String::new()
        } else {
            plaintext
        },
        dedup_key,
        reply_to,
        suite,
        contact_change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str, kind: AppKind) -> AppEntry {
        AppEntry::bare(name, kind)
    }

    #[test]
    fn typed_data_is_derived_from_raw_not_kept() {
        let wecom = "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]>\
            </FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
            <Content><![CDATA[hi \"you\"]]></Content><MsgId>1</MsgId><AgentID>1000002</AgentID></xml>";
        let mp = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]>\
            </FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
            <Content><![CDATA[hi \"you\"]]></Content><MsgId>2</MsgId></xml>";
        let mini = r#"{"ToUserName":"gh_2","FromUserName":"o2","CreateTime":1700000000,"MsgType":"text","Content":"hi \"you\"","MsgId":3}"#;
        let kinds = [
            (
                AppKind::WecomApp {
                    corp_id: "ww1".into(),
                    agent_id: 1000002,
                },
                wecom,
            ),
            (
                AppKind::WecomContacts {
                    corp_id: "ww1".into(),
                },
                wecom,
            ),
            (
                AppKind::WecomMiniProgram {
                    corp_id: "ww1".into(),
                    app_id: "wx1".into(),
                    agent_id: 1000003,
                },
                wecom,
            ),
            (
                AppKind::OfficialAccount {
                    app_id: "wx2".into(),
                },
                mp,
            ),
            (
                AppKind::MiniProgram {
                    app_id: "wx3".into(),
                    format: wxgate_config::MessageFormat::Json,
                },
                mini,
            ),
        ];
        for (kind, plaintext) in kinds {
            let app = app("a", kind);
            let parsed = parse(&app, &Target::App, plaintext.to_owned()).unwrap();
            assert!(parsed.data.is_none(), "{}", app.kind.name());
            // Derived by the kind in `source`, as a reader of the stored event does.
            let kind = parsed.source.to_value()["kind"]
                .as_str()
                .unwrap()
                .to_owned();
            let data = derive_data(&kind, &parsed.raw).unwrap().to_value();
            assert_eq!(data["content"], "hi \"you\"", "{kind}: {data}");
            assert_eq!(parsed.data_text(&app).to_value(), data);
        }
        // Suites keep theirs: `suite` is both the instructions' kind and the data URL's.
        let suite = app(
            "crm",
            AppKind::Suite {
                suite_id: "ss1".into(),
                provider: None,
            },
        );
        let on_data_url = Target::SuiteData {
            corp_id: "ww1".into(),
        };
        let parsed = parse(&suite, &on_data_url, wecom.to_owned()).unwrap();
        assert_eq!(parsed.data.unwrap().to_value()["content"], "hi \"you\"");
        assert!(derive_data("suite", wecom).is_none());
        // A payload without a typed shape keeps its data too.
        let odd = parse(
            &app(
                "a",
                AppKind::OfficialAccount {
                    app_id: "wx2".into(),
                },
            ),
            &Target::App,
            "<xml><Foo>bar</Foo></xml>".to_owned(),
        )
        .unwrap();
        assert_eq!(odd.event_type, "mp.unknown");
        assert_eq!(odd.data.unwrap().to_value()["extra"]["Foo"], "bar");
    }

    #[test]
    fn source_text_is_the_sorted_object() {
        let wecom = app(
            "hr",
            AppKind::WecomApp {
                corp_id: "ww1".into(),
                agent_id: 1000002,
            },
        );
        let text = source(&wecom, &Target::App, None);
        assert_eq!(
            text.as_str(),
            json!({"kind": "wecom_app", "name": "hr", "corp_id": "ww1", "agent_id": 1000002})
                .to_string()
        );
        let suite = app(
            "sx\"",
            AppKind::Suite {
                suite_id: "ss1".into(),
                provider: None,
            },
        );
        let data = Target::SuiteData {
            corp_id: "wwA".into(),
        };
        assert_eq!(
            source(&suite, &data, Some("wwB")).to_value(),
            json!({"kind": "suite", "name": "sx\"", "suite_id": "ss1", "corp_id": "wwA"})
        );
        assert_eq!(
            source(&suite, &Target::App, Some("wwB")).to_value(),
            json!({"kind": "suite", "name": "sx\"", "suite_id": "ss1", "corp_id": "wwB"})
        );
        assert_eq!(
            source(&suite, &Target::App, None).as_str(),
            r#"{"kind":"suite","name":"sx\"","suite_id":"ss1"}"#
        );
        // The app's own source is built once and shared; an authorising corp still gets its own.
        assert_eq!(
            source(&wecom, &Target::App, None).as_str(),
            source(&wecom, &Target::App, None).as_str()
        );
        assert!(wecom.event_source.get().is_some());
        assert_eq!(
            source(&suite, &Target::App, Some("wwC")).to_value()["corp_id"],
            "wwC"
        );
        assert_eq!(source(&suite, &data, None).to_value()["corp_id"], "wwA");
    }
}
