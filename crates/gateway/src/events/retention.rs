//! Deletes events older than `[server] event_retention_days` once a day (at start, then every
//! 24 h). Their dedup keys go with them, so the dedup window equals the retention. Events with a
//! pending delivery are kept until it is delivered or dead.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::Gateway;
use crate::webhook::worker::now_ms;

/// How often old events are purged.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// The cutoff (unix ms) for `retention_days` at `now_ms`.
pub fn cutoff_ms(now_ms: i64, retention_days: u32) -> i64 {
    now_ms.saturating_sub(i64::from(retention_days) * 86_400_000)
}

/// Purges now and every [`PURGE_INTERVAL`] until the gateway shuts down.
pub fn spawn(gateway: Gateway) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut shutdown = gateway.shutdown.clone();
        loop {
            if *shutdown.borrow() {
                break;
            }
            let cutoff = cutoff_ms(now_ms(), gateway.config.server.event_retention_days);
            match gateway.store.purge_events_older_than(cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "purged events past their retention"),
                Err(e) => tracing::warn!(error = %e, "cannot purge old events"),
            }
            tokio::select! {
                _ = tokio::time::sleep(PURGE_INTERVAL) => {}
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_is_days_before_now() {
        assert_eq!(cutoff_ms(10 * 86_400_000, 7), 3 * 86_400_000);
    }
}
