//! The delivery worker: takes due deliveries from the outbox and POSTs each event to its webhook,
//! signed, at least once. It wakes when deliveries are written (`gateway.outbox_ready`) or
//! every second, claims rows with a lease (so several instances sharing a PostgreSQL database
//! never send the same row at the same time, and a crashed instance's rows come back when the
//! lease ends), and keeps at most [`MAX_IN_FLIGHT`] requests open. Deliveries of one webhook may
//! overtake each other: ordering is not guaranteed, events carry ids and timestamps.
//!
//! Outcome of an attempt: 2xx → delivered; anything else → retried after the webhook's
//! [`Backoff`], and a dead letter after `max_attempts`; a webhook no longer configured → dead.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::CONTENT_TYPE;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};
use wxgate_config::Webhook;
use wxgate_store::DueDelivery;

use crate::events::payload::event_json;
use crate::metrics::DeliveryLabels;
use crate::state::Gateway;
use crate::webhook::backoff::Backoff;
use crate::webhook_id::webhook_id;
use crate::webhook_signature::{SIGNATURE_HEADER, sign};

/// Most deliveries in flight at once, per gateway instance.
pub const MAX_IN_FLIGHT: usize = 16;

/// How often the worker looks for due retries when nothing wakes it.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Extra lease time on top of the longest webhook timeout, so a claim outlives its request.
const LEASE_MARGIN_MS: i64 = 30_000;

/// Request header: the event's id.
pub const EVENT_ID_HEADER: &str = "Wxgate-Event-Id";
/// Request header: the event's type.
pub const EVENT_TYPE_HEADER: &str = "Wxgate-Event-Type";
/// Request header: the attempt number, from 1.
pub const ATTEMPT_HEADER: &str = "Wxgate-Delivery-Attempt";

/// Unix milliseconds now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Starts the worker; it stops (after finishing the requests in flight) when the gateway
/// shuts down.
pub fn spawn(gateway: Gateway) -> JoinHandle<()> {
    tokio::spawn(run(gateway))
}

async fn run(gateway: Gateway) {
    let http = match reqwest::Client::builder().build() {
        Ok(http) => http,
        Err(e) => {
            tracing::error!(error = %e, "webhook worker: cannot build the HTTP client; no deliveries will be made");
            return;
        }
    };
    let worker_id = format!("wxgate-{:016x}", rand::random::<u64>());
    let lease_ms = gateway
        .config
        .webhooks
        .iter()
        .map(|w| i64::try_from(w.timeout_ms).unwrap_or(i64::MAX))
        .max()
        .unwrap_or(0)
        .saturating_add(LEASE_MARGIN_MS);
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut in_flight = JoinSet::new();
    let mut shutdown = gateway.shutdown.clone();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let notified = gateway.outbox_ready.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        while in_flight.try_join_next().is_some() {}
        let free = permits.available_permits();
        if free > 0 {
            match gateway
                .store
                .claim_due_deliveries(now_ms(), free as i64, &worker_id, lease_ms)
                .await
            {
                Ok(batch) => {
                    for due in batch {
                        let Ok(permit) = permits.clone().acquire_owned().await else {
                            break;
                        };
                        let gateway = gateway.clone();
                        let http = http.clone();
                        in_flight.spawn(async move {
                            deliver(&gateway, &http, due).await;
                            drop(permit);
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "webhook worker: cannot claim deliveries"),
            }
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
    while in_flight.join_next().await.is_some() {}
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The webhook answered 2xx.
    Delivered,
    /// It did not; why.
    Failed(String),
}

/// POSTs `body` (an event's JSON) to `webhook`, signed, with the delivery headers.
pub async fn post_event(
    http: &reqwest::Client,
    webhook: &Webhook,
    event_id: &str,
    event_type: &str,
    attempt: i64,
    body: Vec<u8>,
) -> Attempt {
    let signature = sign(
        webhook.secret.expose().as_bytes(),
        u64::try_from(now_ms() / 1000).unwrap_or(0),
        &body,
    );
    let result = http
        .post(&webhook.url)
        .timeout(Duration::from_millis(webhook.timeout_ms))
        .header(CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header(EVENT_ID_HEADER, event_id)
        .header(EVENT_TYPE_HEADER, event_type)
        .header(ATTEMPT_HEADER, attempt.to_string())
        .body(body)
        .send()
        .await;
    match result {
        Ok(response) if response.status().is_success() => Attempt::Delivered,
        Ok(response) => Attempt::Failed(format!("webhook answered HTTP {}", response.status())),
        Err(e) if e.is_timeout() => Attempt::Failed(format!(
            "no answer within timeout_ms = {}",
            webhook.timeout_ms
        )),
        // Without the URL: a webhook URL may carry a token in its query.
        Err(e) => Attempt::Failed(format!("request failed: {}", e.without_url())),
    }
}

async fn deliver(gateway: &Gateway, http: &reqwest::Client, due: DueDelivery) {
    let delivery = &due.delivery;
    let name = delivery.webhook.as_str();
    let Some(webhook) = gateway
        .config
        .webhooks
        .iter()
        .find(|w| webhook_id(w) == name)
    else {
        let error = format!(
            "webhook `{name}` is no longer configured; add it back to [[webhooks]] and redrive, or leave this dead letter"
        );
        report(
            gateway,
            name,
            "dead",
            gateway.store.mark_dead(delivery.id, &error).await,
        );
        return;
    };
    let attempt = delivery.attempts + 1;
    let body = match serde_json::to_vec(&event_json(&due.event)) {
        Ok(body) => body,
        Err(e) => {
            let error = format!("cannot serialise the event: {e}");
            report(
                gateway,
                name,
                "dead",
                gateway.store.mark_dead(delivery.id, &error).await,
            );
            return;
        }
    };
    let outcome = post_event(
        http,
        webhook,
        &due.event.id,
        &due.event.event_type,
        attempt,
        body,
    )
    .await;
    match outcome {
        Attempt::Delivered => report(
            gateway,
            name,
            "delivered",
            gateway.store.mark_delivered(delivery.id).await,
        ),
        Attempt::Failed(error) if attempt >= i64::from(webhook.max_attempts) => {
            let error = format!(
                "{error} (attempt {attempt} of {}; gave up)",
                webhook.max_attempts
            );
            tracing::warn!(webhook = name, event = %due.event.id, %error, "webhook delivery dead");
            report(
                gateway,
                name,
                "dead",
                gateway.store.mark_dead(delivery.id, &error).await,
            );
        }
        Attempt::Failed(error) => {
            let failed = u32::try_from(attempt).unwrap_or(u32::MAX);
            let delay = Backoff::new(webhook.retry_base_ms).random_delay_ms(failed);
            let next = now_ms().saturating_add(i64::try_from(delay).unwrap_or(i64::MAX));
            tracing::info!(webhook = name, event = %due.event.id, attempt, %error, retry_in_ms = delay, "webhook delivery failed");
            report(
                gateway,
                name,
                "failed",
                gateway.store.mark_failed(delivery.id, &error, next).await,
            );
        }
    }
}

fn report(
    gateway: &Gateway,
    webhook: &str,
    outcome: &str,
    recorded: Result<(), wxgate_store::StoreError>,
) {
    gateway
        .metrics
        .deliveries
        .get_or_create(&DeliveryLabels {
            webhook: webhook.to_owned(),
            outcome: outcome.to_owned(),
        })
        .inc();
    if let Err(e) = recorded {
        // The lease ran out and another worker took the row, or it was purged: the outcome of
        // this attempt is dropped, which at worst causes one more delivery.
        tracing::warn!(webhook, outcome, error = %e, "cannot record a webhook delivery outcome");
    }
}
