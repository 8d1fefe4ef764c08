//! Internal events: facts wxgate itself establishes (a corp installed a suite, a user signed in,
//! a directory sync finished) rather than callbacks it received. They go through the same outbox
//! as callback events, so business backends get them by webhook, pull API and event stream alike,
//! deduplicated by key and delivered at least once.

use serde_json::Value;
use wxgate_store::{Accepted, NewEvent, StoreError};

use crate::state::Gateway;
use crate::webhook_id::webhook_id;

/// One internal event to write.
#[derive(Debug, Clone)]
pub struct InternalEvent {
    /// The app (or other configured entity) the event belongs to, by name.
    pub app: String,
    /// The event type, e.g. `user.created`.
    pub event_type: String,
    /// Where it comes from (`{"kind": …, "name": …, …}`), as for callback events.
    pub source: Value,
    /// Writing the same key twice stores one event (the first).
    pub dedup_key: String,
    /// The event's data.
    pub data: Value,
}

/// Writes `event` with a delivery to every webhook that wants its type, and wakes the webhook
/// worker. Returns whether it was new or a duplicate of an earlier one with the same key.
pub async fn emit(gateway: &Gateway, event: InternalEvent) -> Result<Accepted, StoreError> {
    let mut accepted = emit_all(gateway, vec![event]).await?;
    accepted
        .pop()
        .ok_or_else(|| StoreError::NotFound("accepted event".into()))
}

/// Writes several internal events in one transaction (see [`emit`]).
pub async fn emit_all(
    gateway: &Gateway,
    events: Vec<InternalEvent>,
) -> Result<Vec<Accepted>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let events = events
        .into_iter()
        .map(|e| NewEvent {
            webhooks: gateway
                .config
                .webhooks
                .iter()
                .filter(|h| h.wants(&e.event_type))
                .map(webhook_id)
                .collect(),
            app: e.app,
            event_type: e.event_type,
            source: e.source.into(),
            dedup_key: e.dedup_key,
            received_at: now,
            data: Some(e.data.into()),
            raw: String::new(),
        })
        .collect();
    let accepted = gateway.store.accept_events(events).await?;
    gateway.outbox_ready.notify_one();
    gateway.events_committed.notify_waiters();
    Ok(accepted)
}

/// The wall clock in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
