//! Starting, resuming and finishing full syncs. A sync is a job row (at most one running per
//! directory, across instances); the instance that starts or takes over a job runs it in a task,
//! keeps its heartbeat fresh, and when it ends writes the outcome, emits `contact.synced` and
//! wakes the incremental consumer (changes that arrived during the sync are applied after it). A
//! job whose owner stopped (its heartbeat went stale, or it released the job on shutdown) is
//! taken over by the next instance that looks and resumes from its checkpoint.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wxgate_client::{RateLimiter, RateLimits};
use wxgate_store::{SyncJob, SyncJobState};

use crate::contacts::sync::checkpoint::Checkpoint;
use crate::contacts::sync::directory::{self, DirectoryError, SyncDirectory};
use crate::contacts::sync::engine::{Job, SyncError};
use crate::contacts::sync::fetch::{CallCounters, Upstream};
use crate::contacts::sync::progress::{Counts, LiveJobs, Progress};
use crate::contacts::sync::synced_event;
use crate::state::Gateway;

/// How often a running job's heartbeat is written.
pub const HEARTBEAT: Duration = Duration::from_secs(3);
/// A running job whose heartbeat is older than this is taken over.
pub const STALE_AFTER: Duration = Duration::from_secs(15);

/// The sync machinery of one gateway instance.
#[derive(Debug)]
pub struct SyncService {
    /// This instance's id, written as the owner of the jobs it runs.
    pub owner: String,
    /// The client-side limiter every sync's calls go through (per corp and API).
    pub limiter: RateLimiter,
    /// Progress of the jobs this instance runs.
    pub live: LiveJobs,
}

impl Default for SyncService {
    fn default() -> Self {
        SyncService {
            owner: format!("inst_{}", hex::encode(rand::random::<[u8; 8]>())),
            limiter: RateLimiter::new(RateLimits::default()),
            live: LiveJobs::default(),
        }
    }
}

/// Why a sync could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The directory name is unusable.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] wxgate_store::StoreError),
}

/// Starts a full sync of the directory `name`, or returns the one running (taking it over if
/// its owner stopped). `true` when this call started (or took over) the job.
pub async fn start(gateway: &Gateway, name: &str) -> Result<(SyncJob, bool), StartError> {
    let dir = directory::resolve(gateway, name).await?;
    gateway
        .store
        .upsert_directory(&dir.name, &dir.corp_id, dir.suite_id.as_deref())
        .await?;
    let service = &gateway.contacts_sync;
    let (job, started) = gateway
        .store
        .start_sync_job(&dir.name, &service.owner)
        .await?;
    if started {
        spawn(
            gateway,
            job.clone(),
            dir,
            Checkpoint::default(),
            Counts::default(),
        );
        return Ok((job, true));
    }
    if let Some(taken) = take_over(gateway, &job).await? {
        return Ok((taken, true));
    }
    Ok((job, false))
}

/// Takes over `job` if its heartbeat is stale and starts resuming it here.
pub async fn take_over(gateway: &Gateway, job: &SyncJob) -> Result<Option<SyncJob>, StartError> {
    if gateway.contacts_sync.live.get(&job.id).is_some() {
        return Ok(None);
    }
    let Some(job) = gateway
        .store
        .take_over_sync_job(&job.id, &gateway.contacts_sync.owner, stale_after_ms())
        .await?
    else {
        return Ok(None);
    };
    let dir = match directory::resolve(gateway, &job.directory).await {
        Ok(dir) => dir,
        Err(e) => {
            // The directory is gone from the configuration (or revoked): the job cannot go on.
            gateway
                .store
                .finish_sync_job(&job.id, SyncJobState::Failed, None, Some(&e.to_string()))
                .await?;
            return Ok(None);
        }
    };
    let checkpoint: Checkpoint = serde_json::from_value(job.checkpoint.clone()).unwrap_or_default();
    let counts: Counts = serde_json::from_value(job.counts.clone()).unwrap_or_default();
    tracing::info!(job = %job.id, directory = %job.directory, phase = %job.phase, "contacts sync: resuming a job whose owner stopped");
    spawn(gateway, job.clone(), dir, checkpoint, counts);
    Ok(Some(job.clone()))
}

/// Takes over every running job whose owner stopped.
pub async fn resume_stale(gateway: &Gateway) -> Result<usize, StartError> {
    let mut resumed = 0;
    for job in gateway.store.stale_running_jobs(stale_after_ms()).await? {
        if take_over(gateway, &job).await?.is_some() {
            resumed += 1;
        }
    }
    Ok(resumed)
}

fn stale_after_ms() -> i64 {
    i64::try_from(STALE_AFTER.as_millis()).unwrap_or(i64::MAX)
}

fn initial_progress(job: &SyncJob, counts: &Counts) -> Progress {
    Progress {
        job_id: job.id.clone(),
        directory: job.directory.clone(),
        state: "running".into(),
        phase: job.phase.clone(),
        counts: counts.clone(),
        current_department: None,
        eta_secs: None,
        error: None,
    }
}

/// Runs `job` in a task, with its heartbeat.
fn spawn(
    gateway: &Gateway,
    job: SyncJob,
    dir: SyncDirectory,
    checkpoint: Checkpoint,
    counts: Counts,
) {
    let service = &gateway.contacts_sync;
    let progress = service.live.register(initial_progress(&job, &counts));
    let counters = Arc::new(CallCounters::default());
    let upstream = Upstream::new(
        dir.api(gateway),
        service.limiter.clone(),
        &dir.corp_id,
        Duration::from_secs(gateway.config.contacts.rate_limited_pause_secs),
        gateway.shutdown.clone(),
        counters.clone(),
    );
    let row = Arc::new(tokio::sync::Mutex::new(None));
    let mut runner = Job::new(
        gateway.clone(),
        job.id.clone(),
        dir,
        upstream,
        counters,
        checkpoint,
        counts,
        progress,
        row.clone(),
    );
    let heartbeat = tokio::spawn(heartbeat(gateway.clone(), job.id.clone(), row));
    let gateway = gateway.clone();
    tokio::spawn(async move {
        let result = runner.run().await;
        heartbeat.abort();
        finish(&gateway, &mut runner, result).await;
        gateway.contacts_sync.live.remove(&runner.id);
    });
}

/// Keeps the job's heartbeat fresh while it runs (a long 45009 pause writes no progress) by
/// writing its last saved progress again.
async fn heartbeat(gateway: Gateway, job_id: String, row: Arc<tokio::sync::Mutex<SavedRow>>) {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        let row = row.lock().await;
        let Some((phase, counts, checkpoint)) = row.as_ref() else {
            continue;
        };
        if let Err(e) = gateway
            .store
            .update_sync_job_progress(&job_id, phase, counts, checkpoint)
            .await
        {
            tracing::warn!(job = %job_id, error = %e, "contacts sync: heartbeat not written");
        }
    }
}

/// The last progress a job saved (phase, counts, checkpoint), re-written as its heartbeat.
pub type SavedRow = Option<(String, Value, Value)>;

/// Writes the outcome of a job that stopped.
async fn finish(
    gateway: &Gateway,
    job: &mut Job,
    result: Result<wxgate_store::SyncDiff, SyncError>,
) {
    let store = &gateway.store;
    match result {
        Ok(diff) => {
            let diff_json = serde_json::to_value(&diff).unwrap_or(Value::Null);
            job.phase = "done";
            if let Err(e) = job.save().await {
                tracing::warn!(job = %job.id, error = %e, "contacts sync: final counts not saved");
            }
            if let Err(e) = store
                .finish_sync_job(&job.id, SyncJobState::Done, Some(&diff_json), None)
                .await
            {
                tracing::error!(job = %job.id, error = %e, "contacts sync: the job could not be marked done");
                return;
            }
            let mut last = job.progress.borrow().clone();
            last.state = "done".into();
            last.phase = "done".into();
            last.eta_secs = Some(0);
            job.progress.send_replace(last);
            tracing::info!(job = %job.id, directory = %job.directory.name, diff = %diff_json, "contacts sync: done");
            if let Err(e) = synced_event::emit(gateway, job, &diff_json).await {
                tracing::error!(job = %job.id, error = %e, "contacts sync: contact.synced not written");
            }
            crate::contacts::sync::after_full_sync(gateway, &job.directory.name).await;
        }
        Err(e) if e.is_shutdown() => {
            // Not a failure: the next instance (or this one after its restart) resumes it.
            if let Err(e) = store
                .release_sync_job(&job.id, &gateway.contacts_sync.owner)
                .await
            {
                tracing::warn!(job = %job.id, error = %e, "contacts sync: the job could not be released");
            }
            tracing::info!(job = %job.id, "contacts sync: interrupted by shutdown; it resumes later");
        }
        Err(e) => {
            let message = match e.upstream() {
                Some((errcode, errmsg)) => format!("{e} [errcode {errcode}: {errmsg}]"),
                None => e.to_string(),
            };
            tracing::warn!(job = %job.id, directory = %job.directory.name, error = %message, "contacts sync: failed");
            if let Err(e) = store
                .finish_sync_job(&job.id, SyncJobState::Failed, None, Some(&message))
                .await
            {
                tracing::error!(job = %job.id, error = %e, "contacts sync: the job could not be marked failed");
            }
            let mut last = job.progress.borrow().clone();
            last.state = "failed".into();
            last.error = Some(message);
            job.progress.send_replace(last);
        }
    }
}

/// The job as the API shows it: the stored row, with the live view when this instance runs it.
pub fn job_json(gateway: &Gateway, job: &SyncJob) -> Value {
    let live = gateway.contacts_sync.live.get(&job.id);
    let counts = live
        .as_ref()
        .and_then(|p| serde_json::to_value(&p.counts).ok())
        .unwrap_or_else(|| job.counts.clone());
    let unavailable = counts
        .get("unavailable_fields")
        .cloned()
        .unwrap_or_else(|| json!([]));
    json!({
        "id": job.id,
        "directory": job.directory,
        "state": job.state,
        "phase": live.as_ref().map_or(job.phase.clone(), |p| p.phase.clone()),
        "counts": counts,
        "unavailable_fields": unavailable,
        "current_department": live.as_ref().and_then(|p| p.current_department),
        "eta_secs": live.as_ref().and_then(|p| p.eta_secs),
        "diff": job.diff,
        "error": job.error,
        "owner": job.owner,
        "started_at": job.started_at,
        "heartbeat_at": job.heartbeat_at,
        "finished_at": job.finished_at,
    })
}
