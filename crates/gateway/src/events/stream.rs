//! `GET /api/v1/events/stream?after=<cursor>`: the event stream as Server-Sent Events, for
//! consumers that want events live without running a webhook endpoint. Each event is sent as
//! `id: <cursor>`, `event: <type>`, `data: <event JSON>`; a reconnecting client resumes from its
//! `Last-Event-ID` (which wins over `after`). New events arrive when `events_committed` fires, or
//! within a second; the stream ends when the gateway shuts down.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use serde::Deserialize;
use wxgate_store::StoredEvent;

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::events::cursor::Cursor;
use crate::events::payload::event_json;
use crate::state::Gateway;

/// Events read from the store per query.
const BATCH: i64 = 100;

/// How often the stream looks for new events when nothing wakes it.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// `GET /api/v1/events/stream`.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/api/v1/events/stream", get(stream))
}

#[derive(Debug, Deserialize)]
struct StreamQuery {
    after: Option<String>,
}

async fn stream(
    _: Admin,
    State(gateway): State<Gateway>,
    headers: HeaderMap,
    Query(q): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty());
    let start = Cursor::parse(last_event_id.or(q.after.as_deref()))?;
    Ok(Sse::new(events_from(gateway, start)).keep_alive(KeepAlive::default()))
}

struct Reader {
    gateway: Gateway,
    cursor: Cursor,
    buffer: VecDeque<StoredEvent>,
}

fn sse_event(event: &StoredEvent) -> Event {
    Event::default()
        .id(Cursor::after(event).to_string())
        .event(event.event_type.replace(['\n', '\r'], " "))
        .data(event_json(event).to_string())
}

/// Every event after `start`, then each new one as it is committed, until shutdown.
fn events_from(gateway: Gateway, start: Cursor) -> impl Stream<Item = Result<Event, Infallible>> {
    let reader = Reader {
        gateway,
        cursor: start,
        buffer: VecDeque::new(),
    };
    futures_util::stream::unfold(reader, |mut reader| async move {
        let mut shutdown = reader.gateway.shutdown.clone();
        loop {
            if let Some(event) = reader.buffer.pop_front() {
                return Some((Ok(sse_event(&event)), reader));
            }
            if *shutdown.borrow() {
                return None;
            }
            let ready = reader.gateway.events_committed.clone();
            let notified = ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match reader
                .gateway
                .store
                .events_after(reader.cursor.0, BATCH)
                .await
            {
                Ok(events) if !events.is_empty() => {
                    if let Some(last) = events.last() {
                        reader.cursor = Cursor::after(last);
                    }
                    reader.buffer.extend(events);
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "event stream: cannot read events"),
            }
            tokio::select! {
                _ = &mut notified => {}
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
                changed = shutdown.changed() => if changed.is_err() { return None },
            }
        }
    })
}
