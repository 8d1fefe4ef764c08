//! The callback hot path: `GET`/`POST /callback/{name}` and the suite data callback
//! `/callback/{suite}/data/{corp_id}`. A request is looked up in the in-memory registry,
//! verified and decrypted ([`open`]), parsed into a typed event ([`event`]), committed with its
//! dedup key and outbox rows by the batching writer ([`ingest`]), and answered `success` or
//! with a passive reply ([`reply`]). No upstream API is called on this path.
//!
//! | module | what it is |
//! |---|---|
//! | [`handler`] | the axum handlers (thin) |
//! | [`open`] | signature, timestamp window, receive id, decryption |
//! | [`event`] | typed parse, event type, dedup key, `source`, the event JSON |
//! | [`ingest`] | the batching writer: one transaction per group, ack after commit |
//! | [`reply`] | passive replies from a business backend |
//! | [`suite_hook`] | the suite-lifecycle extension point |
//! | [`refusal`] | refused callbacks: status, metric outcome, official error name |

pub mod event;
pub mod handler;
pub mod ingest;
pub mod open;
pub mod refusal;
pub mod reply;
pub mod suite_hook;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::sync::Notify;
use wxgate_store::Store;

use crate::state::Gateway;

/// The callback services held in the gateway's state.
#[derive(Debug, Clone)]
pub struct Callbacks {
    /// The batching event writer.
    pub ingest: ingest::Ingestor,
    /// The passive-reply client.
    pub replies: reply::PassiveReplies,
}

impl Callbacks {
    /// Starts the event writer on the current runtime.
    pub fn start(
        store: Store,
        outbox_ready: Arc<Notify>,
        events_committed: Arc<Notify>,
    ) -> Callbacks {
        Callbacks {
            ingest: ingest::Ingestor::spawn(store, outbox_ready, events_committed),
            replies: reply::PassiveReplies::default(),
        }
    }
}

/// `/callback/{name}` and `/callback/{name}/data/{corp_id}`, GET (URL check) and POST.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route(
            "/callback/{name}",
            get(handler::verify_app).post(handler::receive_app),
        )
        .route(
            "/callback/{name}/data/{corp_id}",
            get(handler::verify_suite_data).post(handler::receive_suite_data),
        )
}
