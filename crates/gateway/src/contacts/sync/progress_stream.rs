//! `GET /api/v1/sync/{id}/events`: a job's progress as Server-Sent Events — counts per phase,
//! the department being read, the ETA — at most [`MAX_PER_SECOND`] events a second however fast
//! the job goes (never one per row). Each event is `event: progress` with the job JSON of
//! `GET /api/v1/sync/{id}`; the last one is `event: done`, `failed` or `cancelled`, then the
//! stream ends. A job run by another instance is followed through its stored row, polled every
//! second.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde_json::Value;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::admin_auth::Admin;
use crate::contacts::sync::jobs_api::unknown_job;
use crate::contacts::sync::progress::Progress;
use crate::contacts::sync::service::job_json;
use crate::error::ApiError;
use crate::state::Gateway;

/// The most progress events sent per second.
pub const MAX_PER_SECOND: u32 = 4;

/// How often a job run elsewhere is read from the store.
const POLL: Duration = Duration::from_secs(1);

/// The handler.
pub async fn stream(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    if gateway.store.sync_job(&id).await?.is_none() {
        return Err(unknown_job(&id));
    }
    Ok(Sse::new(progress_events(gateway, id)).keep_alive(KeepAlive::default()))
}

struct Follower {
    gateway: Gateway,
    id: String,
    live: Option<watch::Receiver<Progress>>,
    last_sent: Option<Instant>,
    last_json: Option<Value>,
    ended: bool,
}

fn event(job: &Value) -> Event {
    let state = job["state"].as_str().unwrap_or("running");
    let name = if state == "running" {
        "progress"
    } else {
        state
    };
    Event::default().event(name).data(job.to_string())
}

impl Follower {
    /// The job JSON now, from the live view or the store; `None` if the job vanished.
    async fn current(&self) -> Option<Value> {
        match self.gateway.store.sync_job(&self.id).await {
            Ok(Some(job)) => Some(job_json(&self.gateway, &job)),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(job = %self.id, error = %e, "sync progress stream: cannot read the job");
                self.last_json.clone()
            }
        }
    }

    /// Waits for the next change worth sending (throttled), and returns it.
    async fn next(&mut self) -> Option<Value> {
        if self.ended {
            return None;
        }
        if let Some(sent) = self.last_sent {
            let gap = Duration::from_secs(1) / MAX_PER_SECOND;
            tokio::time::sleep_until(sent + gap).await;
        }
        let mut shutdown = self.gateway.shutdown.clone();
        loop {
            if *shutdown.borrow() {
                return None;
            }
            let job = self.current().await?;
            let terminal = job["state"] != "running";
            if terminal || self.last_json.as_ref() != Some(&job) {
                self.ended = terminal;
                self.last_sent = Some(Instant::now());
                self.last_json = Some(job.clone());
                return Some(job);
            }
            match self.live.as_mut() {
                Some(rx) => {
                    let closed = tokio::select! {
                        changed = rx.changed() => changed.is_err(),
                        _ = tokio::time::sleep(POLL) => false,
                        _ = shutdown.changed() => false,
                    };
                    if closed {
                        // The job ended here; the store has its outcome.
                        self.live = None;
                    }
                }
                None => {
                    tokio::select! {
                        _ = tokio::time::sleep(POLL) => {}
                        _ = shutdown.changed() => {}
                    }
                    self.live = self.gateway.contacts_sync.live.watch(&self.id);
                }
            }
        }
    }
}

fn progress_events(gateway: Gateway, id: String) -> impl Stream<Item = Result<Event, Infallible>> {
    let live = gateway.contacts_sync.live.watch(&id);
    let follower = Follower {
        gateway,
        id,
        live,
        last_sent: None,
        last_json: None,
        ended: false,
    };
    futures_util::stream::unfold(follower, |mut f| async move {
        let job = f.next().await?;
        Some((Ok(event(&job)), f))
    })
}
