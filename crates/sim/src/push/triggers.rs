//! Control endpoints that make "a user do something" (nested under `/sim`): send a message to a
//! WeCom app, an Official Account or a Mini Program, or trigger an event; or push any plaintext
//! to any target (`/events/raw`). Each builds the plaintext the platform would, queues it with
//! `state.pusher.push` and answers `{"delivery_id":N}` (`?wait=true`: with the outcome).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::control::ControlError;
use crate::identity::people::openid as openid_for;
use crate::push::CallbackTarget;
use crate::push::control::{WaitQuery, parse_body, queued_answer};
use crate::push::payload::{Payload, msg_id, original_id};
use crate::state::SimState;
use crate::world::SimPushFormat;

/// The trigger routes.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/events/wecom/message", post(wecom_message))
        .route("/events/wecom/event", post(wecom_event))
        .route("/events/mp/message", post(mp_message))
        .route("/events/mp/event", post(mp_event))
        .route("/events/mini/message", post(mini_message))
        .route("/events/raw", post(raw))
}

/// `{"app","from","msgtype", …fields}` for the message endpoints.
#[derive(Debug, Deserialize)]
struct MessageRequest {
    app: String,
    from: String,
    msgtype: String,
    /// Mini Programs: the event name when `msgtype` is `event`.
    #[serde(default)]
    event: Option<String>,
    #[serde(flatten)]
    fields: Map<String, Value>,
}

/// `{"app","from","event", …fields}` for the event endpoints (`scene` for MP subscribe/SCAN).
#[derive(Debug, Deserialize)]
struct EventRequest {
    app: String,
    from: String,
    event: String,
    #[serde(default)]
    scene: Option<Value>,
    #[serde(flatten)]
    fields: Map<String, Value>,
}

fn require_from(from: &str) -> Result<(), ControlError> {
    if from.trim().is_empty() {
        return Err(ControlError::new(
            "`from` must name the user (a WeCom userid, or a person id for WeChat)",
        ));
    }
    Ok(())
}

fn fake_media_id() -> String {
    format!("sim-media-{:016x}", rand::random::<u64>())
}

/// Fills the default content of a user message of `msg_type`; `wechat` selects MP/Mini shapes.
fn message_defaults(
    payload: &mut Payload,
    msg_type: &str,
    wechat: bool,
) -> Result<(), ControlError> {
    match msg_type {
        "text" => {
            payload.text("Content", "");
        }
        "image" => {
            payload
                .text("PicUrl", "https://wx.qlogo.cn/sim/image.jpg")
                .text("MediaId", &fake_media_id());
        }
        "voice" => {
            payload
                .text("MediaId", &fake_media_id())
                .text("Format", "amr");
        }
        "video" | "shortvideo" => {
            payload
                .text("MediaId", &fake_media_id())
                .text("ThumbMediaId", &fake_media_id());
        }
        "location" => {
            payload
                .number("Location_X", 23.134521)
                .number("Location_Y", 113.358803)
                .number("Scale", 20)
                .text("Label", "广州市天河区");
        }
        "link" => {
            payload
                .text("Title", "wxgate")
                .text("Description", "a shared link")
                .text("Url", "https://example.com/article");
            if !wechat {
                payload.text("PicUrl", "https://wx.qlogo.cn/sim/link.jpg");
            }
        }
        "file" if !wechat => {
            payload.text("MediaId", &fake_media_id());
        }
        "miniprogrampage" => {
            payload
                .text("Title", "a mini program page")
                .text("AppId", "")
                .text("PagePath", "pages/index/index")
                .text("ThumbUrl", "https://wx.qlogo.cn/sim/thumb.jpg")
                .text("ThumbMediaId", &fake_media_id());
        }
        other => {
            return Err(ControlError::new(format!(
                "unsupported msgtype `{other}`; use text, image, voice, video, location, link{}",
                if wechat { ", shortvideo" } else { " or file" }
            )));
        }
    }
    Ok(())
}

async fn wecom_message(
    State(state): State<SimState>,
    Query(wait): Query<WaitQuery>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let request: MessageRequest = parse_body(
        &body,
        r#"{"app":"acme-app","from":"zhangsan","msgtype":"text","content":"hi"}"#,
    )?;
    require_from(&request.from)?;
    let (corp, app) = wecom_app(&state, &request.app)?;
    if request.msgtype == "miniprogrampage" {
        return Err(ControlError::new(
            "miniprogrampage is a Mini Program message; use /sim/events/mini/message",
        ));
    }
    let mut payload = Payload::new(&corp, &request.from, state.clock.now(), &request.msgtype);
    message_defaults(&mut payload, &request.msgtype, false)?;
    payload.number("MsgId", msg_id());
    if let Some(agent_id) = app {
        payload.number("AgentID", agent_id);
    }
    payload.extra(&request.fields);
    let id = state.pusher.push(
        CallbackTarget::WecomApp { app: request.app },
        payload.to_xml(),
    );
    Ok(queued_answer(&state, id, wait.wait).await)
}

/// The corp id and agent id of the WeCom app `name`.
fn wecom_app(state: &SimState, name: &str) -> Result<(String, Option<u32>), ControlError> {
    state
        .world
        .app_by_name(name)
        .map(|(corp, app)| (corp.corp_id.clone(), app.agent_id))
        .ok_or_else(|| ControlError::new(format!("no WeCom app called `{name}` in the world")))
}

async fn wecom_event(
    State(state): State<SimState>,
    Query(wait): Query<WaitQuery>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let request: EventRequest = parse_body(
        &body,
        r#"{"app":"acme-app","from":"zhangsan","event":"click","event_key":"menu-1"}"#,
    )?;
    require_from(&request.from)?;
    let (corp, agent_id) = wecom_app(&state, &request.app)?;
    let mut payload = Payload::new(&corp, &request.from, state.clock.now(), "event");
    payload.text("Event", &request.event);
    match request.event.to_ascii_lowercase().as_str() {
        "enter_agent" => {
            payload.text("EventKey", "");
        }
        "click" => {
            payload.text("EventKey", "menu");
        }
        "view" => {
            payload.text("EventKey", "https://example.com/");
        }
        "location" => {
            payload
                .number("Latitude", 23.104105)
                .number("Longitude", 113.320107)
                .number("Precision", 65.0);
        }
        "template_card_event" => {
            payload
                .text("EventKey", "button")
                .text("TaskId", &format!("task-{:x}", rand::random::<u32>()))
                .text("CardType", "button_interaction")
                .text("ResponseCode", &format!("{:032x}", rand::random::<u128>()));
        }
        _ => {}
    }
    if let Some(agent_id) = agent_id {
        payload.number("AgentID", agent_id);
    }
    if let Some(scene) = &request.scene {
        payload.extra(&Map::from_iter([("Scene".to_owned(), scene.clone())]));
    }
    payload.extra(&request.fields);
    let id = state.pusher.push(
        CallbackTarget::WecomApp { app: request.app },
        payload.to_xml(),
    );
    Ok(queued_answer(&state, id, wait.wait).await)
}

/// The appid of the Official Account called or with appid `app`.
fn official_account(state: &SimState, app: &str) -> Result<String, ControlError> {
    state
        .world
        .official_accounts
        .iter()
        .find(|a| a.app_id == app || a.name == app)
        .map(|a| a.app_id.clone())
        .ok_or_else(|| ControlError::new(format!("no official account `{app}` (name or appid)")))
}

async fn mp_message(
    State(state): State<SimState>,
    Query(wait): Query<WaitQuery>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let request: MessageRequest = parse_body(
        &body,
        r#"{"app":"wx…","from":"person-1","msgtype":"text","content":"hi"}"#,
    )?;
    require_from(&request.from)?;
    let app_id = official_account(&state, &request.app)?;
    if request.msgtype == "miniprogrampage" {
        return Err(ControlError::new(
            "miniprogrampage is a Mini Program message; use /sim/events/mini/message",
        ));
    }
    let mut payload = Payload::new(
        &original_id(&app_id),
        &openid_for(&app_id, &request.from),
        state.clock.now(),
        &request.msgtype,
    );
    message_defaults(&mut payload, &request.msgtype, true)?;
    payload.number("MsgId", msg_id());
    payload.extra(&request.fields);
    let id = state
        .pusher
        .push(CallbackTarget::OfficialAccount { app_id }, payload.to_xml());
    Ok(queued_answer(&state, id, wait.wait).await)
}

async fn mp_event(
    State(state): State<SimState>,
    Query(wait): Query<WaitQuery>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let request: EventRequest = parse_body(
        &body,
        r#"{"app":"wx…","from":"person-1","event":"subscribe","scene":"123"}"#,
    )?;
    require_from(&request.from)?;
    let app_id = official_account(&state, &request.app)?;
    let mut payload = Payload::new(
        &original_id(&app_id),
        &openid_for(&app_id, &request.from),
        state.clock.now(),
        "event",
    );
    payload.text("Event", &request.event);
    let scene = request.scene.as_ref().map(|s| match s {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let ticket = || format!("gQ{:030x}", rand::random::<u128>());
    match request.event.as_str() {
        "subscribe" => match &scene {
            Some(scene) => {
                payload
                    .text("EventKey", &format!("qrscene_{scene}"))
                    .text("Ticket", &ticket());
            }
            None => {
                payload.text("EventKey", "");
            }
        },
        "unsubscribe" => {
            payload.text("EventKey", "");
        }
        "SCAN" => {
            payload
                .text("EventKey", scene.as_deref().unwrap_or("1"))
                .text("Ticket", &ticket());
        }
        "CLICK" => {
            payload.text("EventKey", "menu");
        }
        "VIEW" => {
            payload.text("EventKey", "https://example.com/");
        }
        "LOCATION" => {
            payload
                .number("Latitude", 23.137466)
                .number("Longitude", 113.352425)
                .number("Precision", 119.385040);
        }
        "TEMPLATESENDJOBFINISH" => {
            payload.number("MsgID", msg_id()).text("Status", "success");
        }
        _ => {}
    }
    payload.extra(&request.fields);
    let id = state
        .pusher
        .push(CallbackTarget::OfficialAccount { app_id }, payload.to_xml());
    Ok(queued_answer(&state, id, wait.wait).await)
}

async fn mini_message(
    State(state): State<SimState>,
    Query(wait): Query<WaitQuery>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let request: MessageRequest = parse_body(
        &body,
        r#"{"app":"wx…","from":"person-1","msgtype":"text","content":"hi"}"#,
    )?;
    require_from(&request.from)?;
    let (app_id, format) = state
        .world
        .miniprograms
        .iter()
        .find(|a| a.app_id == request.app || a.name == request.app)
        .map(|a| (a.app_id.clone(), a.format))
        .ok_or_else(|| {
            ControlError::new(format!("no mini program `{}` (name or appid)", request.app))
        })?;
    let mut payload = Payload::new(
        &original_id(&app_id),
        &openid_for(&app_id, &request.from),
        state.clock.now(),
        &request.msgtype,
    );
    match request.msgtype.as_str() {
        "text" | "image" | "miniprogrampage" => {
            message_defaults(&mut payload, &request.msgtype, true)?;
            if request.msgtype == "miniprogrampage" {
                payload.text("AppId", &app_id);
            }
            payload.number("MsgId", msg_id());
        }
        "event" => {
            let event = request.event.as_deref().unwrap_or("user_enter_tempsession");
            payload.text("Event", event);
            if event == "user_enter_tempsession" {
                payload.text("SessionFrom", "");
            }
        }
        other => {
            return Err(ControlError::new(format!(
                "unsupported Mini Program msgtype `{other}`; use text, image, miniprogrampage or event"
            )));
        }
    }
    payload.extra(&request.fields);
    let plaintext = match format {
        SimPushFormat::Json => payload.to_json(),
        SimPushFormat::Xml => payload.to_xml(),
    };
    let id = state
        .pusher
        .push(CallbackTarget::MiniProgram { app_id }, plaintext);
    Ok(queued_answer(&state, id, wait.wait).await)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    target: CallbackTarget,
    plaintext: String,
}

async fn raw(
    State(state): State<SimState>,
    Query(wait): Query<WaitQuery>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let request: RawRequest = parse_body(
        &body,
        r#"{"target":{"kind":"wecom_app","app":"acme-app"},"plaintext":"<xml>…</xml>"}"#,
    )?;
    let id = state.pusher.push(request.target, request.plaintext);
    Ok(queued_answer(&state, id, wait.wait).await)
}
