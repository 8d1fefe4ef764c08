//! WeCom app events (`MsgType=event`), by `Event`.
//!
//! Sources for the field lists: developer.work.weixin.qq.com path/90240 and 96468 (接收事件:
//! subscribe, enter_agent, LOCATION, click, view, template_card_event), path/90973 (异步任务完成通知
//! batch_job_result, fields nested under `<BatchJob>`), and the contact-change pages listed in
//! [`super::contact_change`].

use serde_json::Value;

use super::fields::repeated;
use super::{ContactChange, Fields, JsonObject, MessageError};

/// A WeCom event.
// One value per callback, matched on once: variant size does not matter, plain matching does.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum WecomEvent {
    /// `subscribe`: the member can now use the app.
    Subscribe,
    /// `unsubscribe`.
    Unsubscribe,
    /// `enter_agent`: the member opened the app.
    EnterAgent {
        /// `EventKey` (empty in practice).
        event_key: Option<String>,
    },
    /// `click`: a menu button was pressed.
    Click {
        /// `EventKey`: the button's key.
        event_key: Option<String>,
    },
    /// `view`: a menu link was followed.
    View {
        /// `EventKey`: the URL.
        event_key: Option<String>,
    },
    /// `LOCATION`: the member's reported position.
    Location {
        /// `Latitude`.
        latitude: Option<f64>,
        /// `Longitude`.
        longitude: Option<f64>,
        /// `Precision`.
        precision: Option<f64>,
    },
    /// `batch_job_result`: an asynchronous contacts job finished.
    BatchJobResult {
        /// `JobId`.
        job_id: Option<String>,
        /// `JobType`, e.g. `sync_user`, `replace_user`, `invite_user`, `replace_party`.
        job_type: Option<String>,
        /// `ErrCode` (0 = success).
        err_code: Option<i64>,
        /// `ErrMsg`.
        err_msg: Option<String>,
    },
    /// `template_card_event`: a member used an interactive template card.
    TemplateCardEvent {
        /// `EventKey`: the key of the pressed button.
        event_key: Option<String>,
        /// `TaskId` given when the card was sent.
        task_id: Option<String>,
        /// `CardType`, e.g. `button_interaction`, `vote_interaction`, `multiple_interaction`.
        card_type: Option<String>,
        /// `ResponseCode`: single-use code to update the card (valid 72 h).
        response_code: Option<String>,
        /// `SelectedItems`: the choices made on vote / multiple-choice cards.
        selected_items: Vec<SelectedItem>,
    },
    /// `change_contact`: a member, department or tag changed.
    ChangeContact(ContactChange),
    /// Any other event; its fields stay in the message's `extra`.
    Unknown {
        /// The `Event` as sent.
        event: String,
    },
}

/// One `SelectedItem` of a template card event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SelectedItem {
    /// `QuestionKey`.
    pub question_key: String,
    /// `OptionIds/OptionId`: the chosen options.
    pub option_ids: Vec<String>,
}

impl WecomEvent {
    /// Reads the event named `event` from `f`.
    pub fn read(event: &str, f: &Fields) -> Result<WecomEvent, MessageError> {
        Ok(match event.to_ascii_lowercase().as_str() {
            "subscribe" => WecomEvent::Subscribe,
            "unsubscribe" => WecomEvent::Unsubscribe,
            "enter_agent" => WecomEvent::EnterAgent {
                event_key: f.text("EventKey"),
            },
            "click" => WecomEvent::Click {
                event_key: f.text("EventKey"),
            },
            "view" => WecomEvent::View {
                event_key: f.text("EventKey"),
            },
            "location" => WecomEvent::Location {
                latitude: f.f64("Latitude")?,
                longitude: f.f64("Longitude")?,
                precision: f.f64("Precision")?,
            },
            "batch_job_result" => {
                // The documented shape nests the job under <BatchJob>; accept it flat too.
                let job = f.nested("BatchJob");
                let job = job.as_ref().unwrap_or(f);
                WecomEvent::BatchJobResult {
                    job_id: job.text("JobId"),
                    job_type: job.text("JobType"),
                    err_code: job.i64("ErrCode")?,
                    err_msg: job.text("ErrMsg"),
                }
            }
            "template_card_event" => WecomEvent::TemplateCardEvent {
                event_key: f.text("EventKey"),
                task_id: f.text("TaskId"),
                card_type: f.text("CardType"),
                response_code: f.text("ResponseCode"),
                selected_items: f
                    .value("SelectedItems")
                    .map(|v| selected_items(&v))
                    .unwrap_or_default(),
            },
            "change_contact" => WecomEvent::ChangeContact(ContactChange::read(f)?),
            _ => WecomEvent::Unknown {
                event: event.to_owned(),
            },
        })
    }

    /// The canonical event name: lower case for the known ones, as sent for unknown ones.
    pub fn name(&self) -> &str {
        match self {
            WecomEvent::Subscribe => "subscribe",
            WecomEvent::Unsubscribe => "unsubscribe",
            WecomEvent::EnterAgent { .. } => "enter_agent",
            WecomEvent::Click { .. } => "click",
            WecomEvent::View { .. } => "view",
            WecomEvent::Location { .. } => "location",
            WecomEvent::BatchJobResult { .. } => "batch_job_result",
            WecomEvent::TemplateCardEvent { .. } => "template_card_event",
            WecomEvent::ChangeContact(_) => "change_contact",
            WecomEvent::Unknown { event } => event,
        }
    }

    /// Extra parts of the dedup key beyond sender, time and event.
    pub(crate) fn dedup_parts(&self) -> Vec<String> {
        match self {
            WecomEvent::ChangeContact(change) => change.dedup_parts(),
            WecomEvent::BatchJobResult { job_id, .. } => job_id.iter().cloned().collect(),
            WecomEvent::TemplateCardEvent {
                task_id,
                response_code,
                event_key,
                ..
            } => [task_id, event_key, response_code]
                .into_iter()
                .map(|p| p.clone().unwrap_or_default())
                .collect(),
            WecomEvent::Click { event_key } | WecomEvent::View { event_key } => {
                event_key.iter().cloned().collect()
            }
            _ => Vec::new(),
        }
    }

    /// Writes `event` and the event's normalised fields into `out`.
    pub(crate) fn write<'a>(&'a self, out: &mut JsonObject<'a>) {
        out.str("event", self.name());
        match self {
            WecomEvent::Subscribe | WecomEvent::Unsubscribe | WecomEvent::Unknown { .. } => {}
            WecomEvent::EnterAgent { event_key }
            | WecomEvent::Click { event_key }
            | WecomEvent::View { event_key } => {
                out.opt_str("event_key", event_key.as_ref());
            }
            WecomEvent::Location {
                latitude,
                longitude,
                precision,
            } => {
                out.opt_value("latitude", latitude.map(Value::from));
                out.opt_value("longitude", longitude.map(Value::from));
                out.opt_value("precision", precision.map(Value::from));
            }
            WecomEvent::BatchJobResult {
                job_id,
                job_type,
                err_code,
                err_msg,
            } => {
                out.opt_str("job_id", job_id.as_ref());
                out.opt_str("job_type", job_type.as_ref());
                out.opt_value("err_code", err_code.map(Value::from));
                out.opt_str("err_msg", err_msg.as_ref());
            }
            WecomEvent::TemplateCardEvent {
                event_key,
                task_id,
                card_type,
                response_code,
                selected_items,
            } => {
                out.opt_str("event_key", event_key.as_ref());
                out.opt_str("task_id", task_id.as_ref());
                out.opt_str("card_type", card_type.as_ref());
                out.opt_str("response_code", response_code.as_ref());
                let items = selected_items
                    .iter()
                    .map(|item| {
                        serde_json::json!({
                            "question_key": item.question_key,
                            "option_ids": item.option_ids,
                        })
                    })
                    .collect::<Vec<_>>();
                out.value("selected_items", Value::Array(items));
            }
            WecomEvent::ChangeContact(change) => change.write(out),
        }
    }
}

/// `<SelectedItems><SelectedItem><QuestionKey>…</QuestionKey><OptionIds><OptionId>…</OptionId>…`
/// in either of the shapes `Element::to_json` gives (one item → object, several → array).
fn selected_items(value: &Value) -> Vec<SelectedItem> {
    let items = match value.get("SelectedItem") {
        Some(inner) => repeated(inner),
        None => repeated(value),
    };
    items
        .into_iter()
        .filter_map(|item| {
            let question_key = scalar(item.get("QuestionKey")?)?;
            let option_ids = match item.get("OptionIds") {
                Some(ids) => {
                    let ids = ids.get("OptionId").unwrap_or(ids);
                    repeated(ids).into_iter().filter_map(scalar).collect()
                }
                None => Vec::new(),
            };
            Some(SelectedItem {
                question_key,
                option_ids,
            })
        })
        .collect()
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
