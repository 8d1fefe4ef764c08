//! The background refresher: every `refresh_every` it refreshes the tokens used within
//! `keep_warm_for` that are due within the next two refresh periods, so callers almost never
//! wait for a fetch. It goes through the same single flight, store check and cross-instance
//! lock as callers, so N instances still refresh a key once. Stops when the gateway shuts down.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::token::service::TokenService;

/// Starts the refresher; it ends when `shutdown` turns `true`.
pub fn spawn(tokens: Arc<TokenService>, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let every = tokens.options().refresh_every;
        let ahead = i64::try_from(every.as_secs().saturating_mul(2)).unwrap_or(i64::MAX / 4);
        loop {
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => return,
                _ = tokio::time::sleep(every) => {}
            }
            refresh_due(&tokens, ahead).await;
        }
    })
}

/// Refreshes every recently used key due within `ahead` seconds; returns how many were looked at.
pub async fn refresh_due(tokens: &TokenService, ahead: i64) -> usize {
    let keys = tokens.recently_used();
    for key in &keys {
        if let Err(e) = tokens.get_ahead(key, ahead).await {
            tracing::warn!(key = %key, error = %e, "background token refresh failed");
        }
    }
    keys.len()
}
