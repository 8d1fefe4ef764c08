//! The background task that finishes pending auth code exchanges: at start (a crash between a
//! callback's ack and its exchange) and after transient failures, with the backoff recorded on
//! each row, until the code expires. Finished rows are purged a day after they expire.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::Gateway;
use crate::suite::exchange;
use crate::suite::outbox::now_ms;
use crate::suite::suite_by_id;

/// How often the task looks for due codes.
pub const POLL_EVERY: Duration = Duration::from_millis(500);
/// Finished rows are kept this long after expiry (for the redirect page and idempotency).
const KEEP_FINISHED_MS: i64 = 86_400_000;

/// Starts the task; it stops when `shutdown` flips to `true`.
pub fn spawn(gateway: Gateway, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            run_due(&gateway).await;
            tokio::select! {
                _ = tokio::time::sleep(POLL_EVERY) => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
        }
    })
}

/// Exchanges every due pending code once; returns how many were exchanged.
pub async fn run_due(gateway: &Gateway) -> usize {
    let now = now_ms();
    let due = match gateway.store.due_pending_auth_codes(now, 32).await {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(error = %e, "could not read pending auth codes");
            return 0;
        }
    };
    let mut exchanged = 0;
    for row in due {
        let Some(suite) = suite_by_id(gateway, &row.suite_id) else {
            tracing::warn!(suite_id = %row.suite_id, "pending auth code of a suite no longer configured; skipped");
            continue;
        };
        if exchange::exchange(gateway, &suite, &row).await.is_ok() {
            exchanged += 1;
        }
    }
    if let Err(e) = gateway
        .store
        .purge_pending_auth_codes(now - KEEP_FINISHED_MS)
        .await
    {
        tracing::warn!(error = %e, "could not purge finished auth codes");
    }
    exchanged
}
