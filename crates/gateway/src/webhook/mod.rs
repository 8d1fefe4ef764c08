//! Forwarding events to business webhooks, durably: the delivery worker (at least once, signed,
//! with backoff and dead letters), the outbox-lag gauges, and the admin API that shows and
//! redrives deliveries. Events are queued by the callbacks side through the store's outbox.

pub mod admin;
pub mod backoff;
pub mod lag;
pub mod worker;

use crate::state::Gateway;

/// Starts the background tasks of event forwarding: the delivery worker, the lag gauges and the
/// daily event purge. Each stops when the gateway shuts down.
pub fn start_tasks(gateway: &Gateway) {
    worker::spawn(gateway.clone());
    lag::spawn(gateway.clone());
    crate::events::retention::spawn(gateway.clone());
}
