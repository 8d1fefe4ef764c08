//! The axum handlers of the callback URLs. Thin: look the app up, read the bounded body, then
//! [`super::open`], [`super::event`], [`super::ingest`] and
//! [`super::reply`] do the work. Every outcome is counted in
//! `wxgate_callbacks_total{kind,outcome}`; every refusal is logged with its official error name.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use wxgate_protocol::envelope::BodyFormat;
use wxgate_protocol::message::SuiteEvent;
use wxgate_store::{Accepted, NewEvent, StoredEvent};

use super::event::{self, ParsedEvent};
use super::open::{self, CallbackQuery, Inbound, ReplyMode, Target};
use super::refusal::Refusal;
use super::{reply, suite_hook};
use crate::events::payload::event_json;
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;
use crate::webhook_id::webhook_id;

/// What a successful callback is answered with.
struct Answer {
    body: Cow<'static, str>,
    content_type: &'static str,
    outcome: &'static str,
}

impl Answer {
    fn success(outcome: &'static str) -> Answer {
        Answer {
            body: Cow::Borrowed("success"),
            content_type: "text/plain; charset=utf-8",
            outcome,
        }
    }
}

fn now() -> (i64, i64) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as i64, d.as_millis() as i64)
}

fn lookup(gateway: &Gateway, name: &str, target: &Target) -> Result<Arc<AppEntry>, Refusal> {
    let app = gateway
        .registry
        .get(name)
        .ok_or_else(|| Refusal::unknown_app(name))?;
    if matches!(target, Target::SuiteData { .. }) && !matches!(app.kind, AppKind::Suite { .. }) {
        return Err(Refusal::unknown_app(&format!("{name}/data (not a suite)")));
    }
    if app.callback.is_none() {
        return Err(Refusal::no_callback(name));
    }
    Ok(app)
}

fn finish(
    gateway: &Gateway,
    name: &str,
    kind: &'static str,
    result: Result<Answer, Refusal>,
) -> Response {
    match result {
        Ok(answer) => {
            gateway.metrics.callback(kind, answer.outcome);
            (
                StatusCode::OK,
                [(CONTENT_TYPE, answer.content_type)],
                answer.body,
            )
                .into_response()
        }
        Err(refusal) => {
            refusal.log(kind, name);
            gateway.metrics.callback(kind, refusal.outcome);
            refusal.into_response()
        }
    }
}

fn kind_of(gateway: &Gateway, name: &str) -> &'static str {
    gateway
        .registry
        .get(name)
        .map(|a| a.kind.name())
        .unwrap_or("unknown")
}

/// `GET /callback/{name}`: URL verification.
pub async fn verify_app(
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    uri: Uri,
) -> Response {
    let query = CallbackQuery::parse(uri.query().unwrap_or_default());
    verify(gateway, name, Target::App, query)
}

/// `GET /callback/{suite}/data/{corp_id}`: URL verification of a suite's data callback URL.
pub async fn verify_suite_data(
    State(gateway): State<Gateway>,
    Path((name, corp_id)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let query = CallbackQuery::parse(uri.query().unwrap_or_default());
    verify(gateway, name, Target::SuiteData { corp_id }, query)
}

fn verify(gateway: Gateway, name: String, target: Target, query: CallbackQuery<'_>) -> Response {
    let window = gateway.config.server.callback_timestamp_window_secs;
    let result = lookup(&gateway, &name, &target).and_then(|app| {
        open::verify_url(&app, &target, &query, now().0, window).map(|echo| Answer {
            body: Cow::Owned(echo),
            content_type: "text/plain",
            outcome: "verified",
        })
    });
    finish(&gateway, &name, kind_of(&gateway, &name), result)
}

/// `POST /callback/{name}`: a message, event or suite instruction.
///
/// Takes the request whole: the query string is parsed in place and the headers are read where
/// they are (the `Query` and `HeaderMap` extractors copy them into owned maps per request).
pub async fn receive_app(
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    receive(gateway, name, Target::App, request).await
}

/// `POST /callback/{suite}/data/{corp_id}`: a suite's data callback from one authorising corp.
pub async fn receive_suite_data(
    State(gateway): State<Gateway>,
    Path((name, corp_id)): Path<(String, String)>,
    request: Request,
) -> Response {
    receive(gateway, name, Target::SuiteData { corp_id }, request).await
}

async fn receive(gateway: Gateway, name: String, target: Target, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let query = CallbackQuery::parse(parts.uri.query().unwrap_or_default());
    let (kind, result) = match lookup(&gateway, &name, &target) {
        Ok(app) => (
            app.kind.name(),
            handle(
                &gateway,
                &app,
                &target,
                &query,
                &parts.headers,
                body,
                started,
            )
            .await,
        ),
        Err(refusal) => (kind_of(&gateway, &name), Err(refusal)),
    };
    finish(&gateway, &name, kind, result)
}

/// The body, at most `limit` bytes (checked against `Content-Length` first).
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Refusal> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(Refusal::too_large(limit));
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| Refusal::too_large(limit))
}

/// One callback, from the body to the answer.
///
/// Every request's future is allocated whole (axum boxes the handler's future), so it is as
/// large as its largest state: the rare paths (persisting a suite ticket, queueing a contact
/// change, asking the backend for a passive reply) await boxed futures, and the parsed event
/// keeps its rare parts boxed, so that a plain message does not carry their space.
async fn handle(
    gateway: &Gateway,
    app: &Arc<AppEntry>,
    target: &Target,
    query: &CallbackQuery<'_>,
    headers: &HeaderMap,
    body: Body,
    started: Instant,
) -> Result<Answer, Refusal> {
    let server = &gateway.config.server;
    let bytes = read_body(headers, body, server.max_body_bytes).await?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| Refusal::bad_request("the body is not UTF-8"))?;
    let (now_s, now_ms) = now();
    let mut inbound = open::open(
        app,
        target,
        query,
        text,
        now_s,
        server.callback_timestamp_window_secs,
    )?;
    // The plaintext becomes the event's `raw`: moved, not copied.
    let plaintext = std::mem::take(&mut inbound.plaintext);
    let mut parsed = event::parse(app, target, plaintext)?;
    if let (Some(SuiteEvent::SuiteTicket { suite_ticket, .. }), AppKind::Suite { suite_id, .. }) =
        (parsed.suite.as_deref(), &app.kind)
    {
        // The token service reads the newest ticket from the store: persist before answering.
        // (Boxed, like every rare path's future below: see `handle`.)
        Box::pin(
            gateway
                .store
                .put_suite_ticket(suite_id, suite_ticket.expose(), now_ms),
        )
        .await
        .map_err(|e| Refusal::unavailable(format!("storing the suite ticket failed: {e}")))?;
        return Ok(Answer::success("suite_ticket"));
    }
    let webhooks = gateway
        .config
        .webhooks
        .iter()
        .filter(|h| h.wants(&parsed.event_type))
        .map(webhook_id)
        .collect();
    // A directory change is queued after the commit, from the whole parsed event (rare: keep a
    // copy); the hot path (messages) moves the event into the writer below.
    let contact = parsed.contact_change.is_some().then(|| parsed.clone());
    let suite_event = parsed.suite.take();
    // Only a callback that may get a passive reply needs the parsed event after the commit;
    // the others move it into the writer instead of copying it.
    let may_reply = parsed.reply_to.is_some() && server.passive_reply_timeout_ms != 0;
    let (new_event, kept) = if may_reply {
        (
            new_event(app, parsed.clone(), now_ms, webhooks),
            Some(parsed),
        )
    } else {
        (new_event(app, parsed, now_ms, webhooks), None)
    };
    let (id, seq) = match gateway.callbacks.ingest.accept(new_event).await {
        Ok(Accepted::New { id, seq }) => (id, Some(seq)),
        Ok(Accepted::Duplicate { id }) => (id, None),
        Err(e) => return Err(Refusal::unavailable(e.to_string())),
    };
    if let Some(contact) = &contact
        && let Some(change) = &contact.contact_change
    {
        // Queued once per stored event; a redelivery after a failed enqueue queues it then.
        Box::pin(crate::contacts::changes::enqueue::from_callback(
            gateway, app, contact, change, &id, now_ms,
        ))
        .await
        .map_err(|e| Refusal::unavailable(format!("queueing the contact change failed: {e}")))?;
    }
    let Some(seq) = seq else {
        return Ok(Answer::success("duplicate"));
    };
    if let Some(suite_event) = suite_event {
        let (gateway, app) = (gateway.clone(), app.clone());
        tokio::spawn(async move { suite_hook::on_suite_event(&gateway, &app, &suite_event).await });
    }
    let Some(parsed) = kept else {
        return Ok(Answer::success("accepted"));
    };
    // The backend gets the event as the outbox will deliver it: the same JSON, built once.
    let stored = StoredEvent {
        seq,
        id,
        app: app.name.clone(),
        event_type: parsed.event_type.clone(),
        source: parsed.source.to_value(),
        dedup_key: parsed.dedup_key.clone(),
        received_at: now_ms,
        data: Some(parsed.data_text(app).to_value()),
        raw: parsed.raw.clone(),
    };
    Ok(Box::pin(passive_reply(
        gateway, app, &inbound, &parsed, &stored, started,
    ))
    .await
    .unwrap_or_else(|| Answer::success("accepted")))
}

/// The event to store, taken from the parsed callback.
fn new_event(
    app: &AppEntry,
    parsed: ParsedEvent,
    received_at: i64,
    webhooks: Vec<String>,
) -> NewEvent {
    NewEvent {
        app: app.name.clone(),
        event_type: parsed.event_type,
        source: parsed.source,
        dedup_key: parsed.dedup_key,
        received_at,
        data: parsed.data,
        raw: parsed.raw,
        webhooks,
    }
}

async fn passive_reply(
    gateway: &Gateway,
    app: &AppEntry,
    inbound: &Inbound,
    parsed: &ParsedEvent,
    stored: &StoredEvent,
    started: Instant,
) -> Option<Answer> {
    let to = parsed.reply_to.as_ref()?;
    let budget = reply::budget(&gateway.config, started)?;
    let event = event_json(stored);
    let answer = gateway
        .callbacks
        .replies
        .ask(&gateway.config, &parsed.event_type, &event, budget)
        .await?;
    let body = reply::render(&answer, app, to, inbound, now().0 as u64)?;
    let format = match inbound.reply {
        ReplyMode::Plain { format } | ReplyMode::Encrypted { format, .. } => format,
    };
    Some(Answer {
        body: Cow::Owned(body),
        content_type: match format {
            BodyFormat::Xml => "application/xml",
            BodyFormat::Json => "application/json",
        },
        outcome: "replied",
    })
}

#[cfg(test)]
mod tests {
    /// The size of the future that an async fn of three arguments returns, without calling it.
    fn future_size<A, B, C, F: Future>(_: fn(A, B, C) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    #[test]
    fn a_callbacks_future_stays_small() {
        // axum allocates and copies every request's future whole: the rare paths are boxed
        // (see `handle`). Before they were, `receive_app`'s future was 7.3 KB.
        let sizes = [
            future_size(super::receive_app),
            future_size(super::receive_suite_data),
        ];
        for size in sizes {
            assert!(size <= 3 * 1024, "a callback's future grew to {size} bytes");
        }
    }
}
