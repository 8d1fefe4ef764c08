//! Incremental contact updates: every accepted `change_contact` (a self-built corp's contacts or
//! app callback, or a suite's `InfoType=change_contact` instruction) is queued in arrival order
//! ([`enqueue`]), and one consumer per directory applies the queue in order ([`apply`]) whenever
//! no full sync of that directory is running. Changes that arrive during a sync wait in the queue
//! and are applied after it (the sync calls [`kick`] when it ends), none dropped.
//!
//! The consumer holds the lock `contacts-changes:{directory}` while it drains, so on PostgreSQL
//! only one instance applies a directory's changes. It wakes on [`kick`] and polls every
//! [`POLL`] as a safety net (e.g. while another instance holds the lock or a sync runs).

pub mod apply;
pub mod enqueue;
pub mod fetch;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use wxgate_store::StoreError;

use self::apply::ApplyError;
use crate::state::Gateway;

/// How often an idle consumer looks at its queue without being kicked.
pub const POLL: Duration = Duration::from_secs(5);

/// Changes applied per read of the queue.
const BATCH: i64 = 100;

/// The running consumers of this gateway, by directory.
#[derive(Debug, Clone, Default)]
pub struct ChangeConsumers {
    running: Arc<Mutex<HashMap<String, Arc<Notify>>>>,
}

/// Wakes the consumer of `directory` (starting it on first use): call it after queueing a change
/// and after a full sync of the directory ends.
pub fn kick(gateway: &Gateway, directory: &str) {
    let notify = {
        let mut running = gateway
            .contact_changes
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match running.get(directory) {
            Some(n) => n.clone(),
            None => {
                let n = Arc::new(Notify::new());
                running.insert(directory.to_owned(), n.clone());
                tokio::spawn(consume(gateway.clone(), directory.to_owned(), n.clone()));
                n
            }
        }
    };
    notify.notify_one();
}

/// Starts the consumers of every directory with changes still queued (after a restart).
pub fn resume(gateway: Gateway) {
    tokio::spawn(async move {
        match gateway.store.directories_with_pending_changes().await {
            Ok(directories) => {
                for directory in directories {
                    kick(&gateway, &directory);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot list queued contact changes"),
        }
    });
}

async fn consume(gateway: Gateway, directory: String, notify: Arc<Notify>) {
    let mut shutdown = gateway.shutdown.clone();
    loop {
        if *shutdown.borrow() {
            return;
        }
        if let Err(e) = drain(&gateway, &directory).await {
            tracing::warn!(%directory, error = %e, "applying contact changes failed; retrying");
        }
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(POLL) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// Applies the queued changes of `directory` in order until the queue is empty or a full sync of
/// it is running.
pub async fn drain(gateway: &Gateway, directory: &str) -> Result<(), StoreError> {
    let Some(_lock) = gateway
        .store
        .try_lock(&format!("contacts-changes:{directory}"))
        .await?
    else {
        return Ok(());
    };
    loop {
        let pending = gateway
            .store
            .pending_contact_changes(directory, BATCH)
            .await?;
        if pending.is_empty() {
            return Ok(());
        }
        for change in pending {
            if gateway.store.running_sync_job(directory).await?.is_some() {
                tracing::debug!(%directory, "full sync running; contact changes wait for it");
                return Ok(());
            }
            match apply::apply(gateway, directory, &change).await {
                Ok(()) => {
                    gateway
                        .store
                        .mark_contact_change_applied(change.seq, None)
                        .await?
                }
                Err(ApplyError::Refused(why)) => {
                    tracing::warn!(%directory, seq = change.seq, error = %why, "contact change not applied");
                    gateway
                        .store
                        .mark_contact_change_applied(change.seq, Some(&why))
                        .await?
                }
                Err(ApplyError::Store(e)) => return Err(e),
            }
        }
    }
}
