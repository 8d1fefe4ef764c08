//! Callbacks the platforms push to the gateway under test: a queue that every feature (directory
//! edits, suite installs, user messages, the suite_ticket timer) feeds with plaintext payloads,
//! and a delivery worker that encrypts them with the target's credentials, posts them to the
//! gateway's callback URL, checks the answer the way WeChat does and retries.
//!
//! | module | what it is |
//! |---|---|
//! | [`target`] | a [`CallbackTarget`] resolved in the world: URL, token, key, receive id, wire mode |
//! | [`envelope`] | the signed request the platform sends (query + XML/JSON/plaintext body) |
//! | [`verdict`] | whether the gateway's answer counts as received (and the decrypted reply) |
//! | [`record`] | the delivery log behind `GET /sim/callbacks` |
//! | [`worker`] | the delivery worker: per-target order, timeouts, retries |
//! | [`verify`] | the GET URL check (`echostr`) |
//! | [`payload`] | the messages and events users "send" (XML / JSON plaintexts) |
//! | [`control`] | `/sim/callbacks…` control endpoints |
//! | [`triggers`] | `/sim/events/…` endpoints that make a user do something |

pub mod control;
pub mod envelope;
pub mod payload;
pub mod record;
pub mod target;
pub mod triggers;
pub mod verdict;
pub mod verify;
pub mod worker;

pub use worker::spawn_worker;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::state::SimState;

/// The push feature's control routes (`/callbacks…`, `/events/…`), to be nested under `/sim`.
pub fn control_routes() -> Router<SimState> {
    control::routes().merge(triggers::routes())
}

/// Where a callback goes; the URL is `{gateway}/callback/{name}` (suite data callbacks:
/// `{gateway}/callback/{suite name}/data/{corp_id}`), the receive id follows NOTES.md §1.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallbackTarget {
    /// A WeCom app of a configured corp (self-built, contacts-sync or mini-program app), by
    /// app name; receive id = corp id.
    WecomApp {
        /// The app's name in the world.
        app: String,
    },
    /// A suite's instruction callback (指令回调); receive id = suite id.
    SuiteInstruction {
        /// The suite id.
        suite_id: String,
    },
    /// A suite's data callback (数据回调) for one authorised corp; receive id = that corp id.
    SuiteData {
        /// The suite id.
        suite_id: String,
        /// The authorising corp.
        corp_id: String,
    },
    /// An Official Account (plaintext or encrypted as configured); receive id = appid.
    OfficialAccount {
        /// The account's appid.
        app_id: String,
    },
    /// A Mini Program message push (XML or JSON as configured); receive id = appid.
    MiniProgram {
        /// The mini program's appid.
        app_id: String,
    },
}

/// One callback waiting to be delivered.
#[derive(Debug, Clone, Serialize)]
pub struct PushJob {
    /// Delivery id, unique within this simulator run.
    pub id: u64,
    /// Where it goes.
    pub target: CallbackTarget,
    /// The decrypted payload, already in the target's format (XML, or JSON for Mini Programs
    /// configured for JSON).
    pub plaintext: String,
}

/// The push queue: features call [`Pusher::push`]; the delivery worker takes the receiving end
/// once with [`Pusher::take_queue`].
#[derive(Debug)]
pub struct Pusher {
    next_id: AtomicU64,
    sender: mpsc::UnboundedSender<PushJob>,
    queue: Mutex<Option<mpsc::UnboundedReceiver<PushJob>>>,
}

impl Default for Pusher {
    fn default() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Pusher {
            next_id: AtomicU64::new(1),
            sender,
            queue: Mutex::new(Some(receiver)),
        }
    }
}

impl Pusher {
    /// Queues `plaintext` for `target` and returns its delivery id.
    pub fn push(&self, target: CallbackTarget, plaintext: impl Into<String>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        // The receiver lives as long as the simulator; a send can only fail during shutdown.
        let _ = self.sender.send(PushJob {
            id,
            target,
            plaintext: plaintext.into(),
        });
        id
    }

    /// The receiving end of the queue, for the delivery worker (`None` once taken).
    pub fn take_queue(&self) -> Option<mpsc::UnboundedReceiver<PushJob>> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}
