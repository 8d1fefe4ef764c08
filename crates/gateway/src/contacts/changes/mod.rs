//! Incremental contact updates: every accepted `change_contact` (a self-built corp's contacts or
//! app callback, or a suite's `InfoType=change_contact` instruction) is queued in arrival order
//! ([`enqueue`]), and one consumer per directory applies the queue in order ([`apply`]) whenever
//! no full sync of that directory is running. Changes that arrive during a sync wait in the queue
//! and are applied after it (the sync calls [`kick`] when it ends), none dropped.
//!
//! The consumer holds the lock `contacts-changes:{directory}` while it drains, so on PostgreSQL
//! only one instance applies a directory's changes. It wakes on [`kick`] and polls every
//! [`POLL`] as a safety net (e.g. while another instance holds the lock or a sync runs); after
//! [`IDLE_EXIT`] with nothing queued it ends, and the next [`kick`] starts it again, so a
//! gateway serving many suite corps does not keep one polling task per corp.

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

/// How long a consumer with an empty queue waits for a kick before it ends.
pub const IDLE_EXIT: Duration = Duration::from_secs(60);

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
    let mut idle_since = tokio::time::Instant::now();
    loop {
        if *shutdown.borrow() {
            return;
        }
        match drain(&gateway, &directory).await {
            Ok(true) => idle_since = tokio::time::Instant::now(),
            Ok(false) if idle_since.elapsed() >= IDLE_EXIT => {
                retire(&gateway, &directory).await;
                return;
            }
            Ok(false) => {}
            Err(e) => {
                idle_since = tokio::time::Instant::now();
                tracing::warn!(%directory, error = %e, "applying contact changes failed; retrying");
            }
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

/// Ends an idle consumer: forgets it, then looks at the queue once more, so a change queued
/// while it was ending starts a new consumer instead of waiting for the next kick.
async fn retire(gateway: &Gateway, directory: &str) {
    gateway
        .contact_changes
        .running
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .remove(directory);
    match gateway.store.pending_contact_changes(directory, 1).await {
        Ok(pending) if pending.is_empty() => {}
        _ => kick(gateway, directory),
    }
}

/// Applies the queued changes of `directory` in order until the queue is empty or a full sync of
/// it is running. Returns whether changes remain queued (a sync runs, or another instance holds
/// the directory's lock) or were applied: either way the consumer is not idle.
pub async fn drain(gateway: &Gateway, directory: &str) -> Result<bool, StoreError> {
    let Some(_lock) = gateway
        .store
        .try_lock(&format!("contacts-changes:{directory}"))
        .await?
    else {
        return Ok(true);
    };
    let mut busy = false;
    loop {
        let pending = gateway
            .store
            .pending_contact_changes(directory, BATCH)
            .await?;
        if pending.is_empty() {
            return Ok(busy);
        }
        busy = true;
        for change in pending {
            if gateway.store.running_sync_job(directory).await?.is_some() {
                tracing::debug!(%directory, "full sync running; contact changes wait for it");
                return Ok(true);
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
