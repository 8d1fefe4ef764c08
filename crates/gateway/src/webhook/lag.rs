//! Keeps the `outbox_pending` and `outbox_lag_seconds` gauges current, so an alert can fire when
//! deliveries pile up (a webhook down, or the worker stuck).

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::Gateway;
use crate::webhook::worker::now_ms;

/// How often the gauges are refreshed.
pub const LAG_INTERVAL: Duration = Duration::from_secs(5);

/// Refreshes the gauges now and every [`LAG_INTERVAL`] until the gateway shuts down.
pub fn spawn(gateway: Gateway) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut shutdown = gateway.shutdown.clone();
        loop {
            if *shutdown.borrow() {
                break;
            }
            match gateway.store.outbox_lag(now_ms()).await {
                Ok(lag) => {
                    gateway.metrics.outbox_pending.set(lag.pending);
                    gateway
                        .metrics
                        .outbox_lag_seconds
                        .set(lag.oldest_age_ms.unwrap_or(0) as f64 / 1000.0);
                }
                Err(e) => tracing::warn!(error = %e, "cannot measure the outbox lag"),
            }
            tokio::select! {
                _ = tokio::time::sleep(LAG_INTERVAL) => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
    })
}
