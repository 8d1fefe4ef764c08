//! Keeps this instance's registry in step with apps changed on OTHER instances sharing the
//! database: a background task polls [`wxgate_store::Store::apps_version`] (one cheap query) and
//! rebuilds the registry when it moved. Changes made on this instance apply at once, without it.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::admin::apps::reload;
use crate::state::Gateway;

/// How often the apps version is polled.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(2);

/// Starts the poller; it ends when the gateway shuts down.
pub fn spawn_registry_sync(gateway: Gateway) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut shutdown = gateway.shutdown.clone();
        let mut tick = tokio::time::interval(SYNC_INTERVAL);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => break,
                _ = tick.tick() => {}
            }
            // Compared with the version the registry was built from (not one read when this task
            // first ran: a change committed before that would otherwise never be seen).
            match gateway.store.apps_version().await {
                Ok(version) if Some(version) != gateway.registry.version() => {
                    match reload(&gateway.store, &gateway.registry).await {
                        Ok(n) => {
                            tracing::info!(version, apps = n, "apps changed; registry reloaded")
                        }
                        Err(e) => tracing::warn!(error = %e, "registry reload failed; retrying"),
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the apps version; retrying"),
            }
        }
    })
}
