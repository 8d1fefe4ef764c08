//! The record of every message the simulator accepted, robot keys, and the msgid counter.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};

use crate::state::SimState;

/// One accepted message.
#[derive(Debug, Clone, Serialize)]
pub struct SentMessage {
    /// The msgid returned to the sender.
    pub msgid: String,
    /// `wecom_app`, `wecom_robot`, `wechat_template` or `wechat_subscribe`.
    pub channel: String,
    /// Who sent it (app name, robot key, account name).
    pub sender: String,
    /// The corp id or appid it was sent in.
    pub scope: String,
    /// The msgtype (or the template id).
    pub msgtype: String,
    /// The userids / openids it reached (after the per-member limits).
    pub delivered: Vec<String>,
    /// Recipients dropped by the per-member limits (30/min, 1000/h).
    pub dropped: Vec<String>,
    /// The request body as sent.
    pub body: Value,
    /// Simulated unix time of sending.
    pub sent_at: i64,
    /// Whether `message/recall` took it back.
    pub recalled: bool,
}

/// Every accepted message, and the group robots' keys.
#[derive(Debug, Default)]
pub struct MessageLog {
    sent: Mutex<Vec<SentMessage>>,
    robots: Mutex<BTreeSet<String>>,
    counter: AtomicU64,
}

impl MessageLog {
    /// A new msgid: unique within the run.
    pub fn next_number(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Records `message`.
    pub fn record(&self, message: SentMessage) {
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message);
    }

    /// Every recorded message, oldest first.
    pub fn all(&self) -> Vec<SentMessage> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Marks the message `msgid` sent by `sender` in `scope` as recalled; false when there is no
    /// such message, it was recalled already or is older than `oldest`.
    pub fn recall(&self, scope: &str, sender: &str, msgid: &str, oldest: i64) -> bool {
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        match sent.iter_mut().find(|m| {
            m.msgid == msgid && m.scope == scope && m.sender == sender && m.channel == "wecom_app"
        }) {
            Some(m) if !m.recalled && m.sent_at >= oldest => {
                m.recalled = true;
                true
            }
            _ => false,
        }
    }

    /// Registers a group robot key.
    pub fn add_robot(&self, key: &str) {
        self.robots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned());
    }

    /// Whether `key` belongs to a registered robot.
    pub fn has_robot(&self, key: &str) -> bool {
        self.robots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(key)
    }

    /// Forgets every recorded message (control API reset); robot keys stay registered.
    pub fn clear(&self) {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Every robot key.
    pub fn robot_keys(&self) -> Vec<String> {
        self.robots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

/// `GET /sim/messages`.
pub async fn list(State(state): State<SimState>) -> Json<Value> {
    Json(json!({ "messages": state.messages.all() }))
}
