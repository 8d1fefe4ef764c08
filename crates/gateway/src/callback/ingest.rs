//! Durable, batched ingestion: every accepted callback goes through one writer task that commits
//! events in groups (one transaction per group, through the store's `EventWriter`) and answers
//! each handler only after the commit, so an acknowledged callback is never lost.
//!
//! Batching is "group commit": the writer takes the first waiting event, then whatever else is
//! queued (up to [`MAX_BATCH`]) after letting the tasks that are ready to run enqueue theirs
//! (it yields while that brings more), never waiting on a timer, so a lone callback pays no
//! extra delay and a burst shares transactions while the previous one commits. After a commit that wrote
//! deliveries (a new event some webhook wants) it wakes the webhook worker through
//! `outbox_ready`, and the live event stream through `events_committed` after any commit with
//! new events. Waking the worker after every commit made it claim (a write transaction
//! contending with this writer for SQLite's lock) even when there was nothing to deliver.

use std::sync::Arc;

use tokio::sync::{Notify, mpsc, oneshot};
use wxgate_store::{Accepted, NewEvent, Store};

/// Most events written in one transaction.
pub const MAX_BATCH: usize = 256;

/// Events waiting for the writer before handlers wait for room (backpressure).
pub const QUEUE_DEPTH: usize = 4096;

/// Why an event could not be stored; the callback is answered 503 and the platform retries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// The transaction failed.
    #[error("storing the event failed ({0}); the platform will retry; check the database")]
    Store(String),
    /// The writer task has stopped (shutdown).
    #[error("the event writer has stopped (shutting down); the platform will retry")]
    Stopped,
}

struct Job {
    event: NewEvent,
    ack: oneshot::Sender<Result<Accepted, IngestError>>,
}

/// The handlers' side of the writer task.
#[derive(Debug, Clone)]
pub struct Ingestor {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("app", &self.event.app).finish()
    }
}

impl Ingestor {
    /// Starts the writer task on the current runtime. It stops when every [`Ingestor`] clone
    /// is dropped, after writing what is queued.
    pub fn spawn(
        store: Store,
        outbox_ready: Arc<Notify>,
        events_committed: Arc<Notify>,
    ) -> Ingestor {
        let (jobs, queue) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(write_batches(store, outbox_ready, events_committed, queue));
        Ingestor { jobs }
    }

    /// Stores `event` (or finds it is a duplicate) and returns after the commit.
    pub async fn accept(&self, event: NewEvent) -> Result<Accepted, IngestError> {
        let (ack, done) = oneshot::channel();
        self.jobs
            .send(Job { event, ack })
            .await
            .map_err(|_| IngestError::Stopped)?;
        done.await.unwrap_or(Err(IngestError::Stopped))
    }
}

async fn write_batches(
    store: Store,
    outbox_ready: Arc<Notify>,
    events_committed: Arc<Notify>,
    mut queue: mpsc::Receiver<Job>,
) {
    // A connection of its own on SQLite: the pages it appends to stay in its cache.
    let mut writer = store.event_writer();
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        take_queued(&mut queue, &mut jobs);
        // The writer is woken by the first event, ahead of the handlers that are about to send
        // theirs. Yield once per round so that every task ready to run gets its turn and the
        // commit carries their events too; stop when a round brings nothing new. Without
        // other work a yield returns at once, so a lone callback is not delayed.
        while jobs.len() < MAX_BATCH {
            let before = jobs.len();
            tokio::task::yield_now().await;
            take_queued(&mut queue, &mut jobs);
            if jobs.len() == before {
                break;
            }
        }
        let (events, acks): (Vec<NewEvent>, Vec<_>) =
            jobs.into_iter().map(|j| (j.event, j.ack)).unzip();
        let size = events.len();
        let wanted: Vec<bool> = events.iter().map(|e| !e.webhooks.is_empty()).collect();
        match writer.accept(events).await {
            Ok(results) => {
                let fresh = results.iter().any(|r| matches!(r, Accepted::New { .. }));
                // Deliveries are written for new events with webhooks, and only for those.
                let delivering = results
                    .iter()
                    .zip(&wanted)
                    .any(|(r, wanted)| *wanted && matches!(r, Accepted::New { .. }));
                for (ack, result) in acks.into_iter().zip(results) {
                    let _ = ack.send(Ok(result));
                }
                if fresh {
                    events_committed.notify_waiters();
                }
                if delivering {
                    outbox_ready.notify_waiters();
                    outbox_ready.notify_one();
                }
            }
            Err(e) => {
                tracing::error!(error = %e, batch = size, "storing callback events failed; answering 503");
                let error = IngestError::Store(e.to_string());
                for ack in acks {
                    let _ = ack.send(Err(error.clone()));
                }
            }
        }
    }
}

/// Moves what is already queued into `jobs`, up to [`MAX_BATCH`], without waiting.
fn take_queued(queue: &mut mpsc::Receiver<Job>, jobs: &mut Vec<Job>) {
    while jobs.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(job) => jobs.push(job),
            Err(_) => break,
        }
    }
}
