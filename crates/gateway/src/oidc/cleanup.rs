//! Hourly housekeeping of the provider's tables: expired authorization codes, expired refresh
//! tokens, revocation entries of access tokens that expired anyway, and signing keys whose
//! publication period is over.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::oidc::now_secs;
use crate::state::Gateway;

/// How often expired rows are deleted.
pub const CLEANUP_INTERVAL: Duration = Duration::from_secs(3600);

/// How long after start the first cleanup runs (not during start-up, when the instance loads
/// its apps and keys).
pub const FIRST_CLEANUP_AFTER: Duration = Duration::from_secs(60);

/// Cleans up [`FIRST_CLEANUP_AFTER`] the start, then every [`CLEANUP_INTERVAL`], until the
/// gateway shuts down.
pub fn spawn(gateway: Gateway) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut shutdown = gateway.shutdown.clone();
        let mut wait = FIRST_CLEANUP_AFTER;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { break },
            }
            if *shutdown.borrow() {
                break;
            }
            wait = CLEANUP_INTERVAL;
            let now = now_secs() * 1000;
            match gateway.store.purge_expired_oidc_rows(now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "purged expired OIDC codes and tokens"),
                Err(e) => tracing::warn!(error = %e, "cannot purge expired OIDC rows"),
            }
            if let Err(e) = gateway.store.delete_expired_signing_keys(now).await {
                tracing::warn!(error = %e, "cannot delete retired signing keys");
            }
        }
    })
}
