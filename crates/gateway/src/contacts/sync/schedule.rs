//! The background task of the sync: takes over jobs whose owner stopped (every few seconds, and
//! at once on start-up), and starts the scheduled full sync of every directory that is due
//! (`[contacts] sync_interval_minutes` after its last full sync — or after this instance started,
//! for a directory never synced — so a restart does not resync everything).

use std::time::Duration;

use crate::contacts::sync::directory;
use crate::contacts::sync::service;
use crate::events::emit::now_ms;
use crate::state::Gateway;

/// How often stale jobs are looked for.
const RESUME_EVERY: Duration = Duration::from_secs(2);
/// How often due directories are looked for.
const SCHEDULE_EVERY: Duration = Duration::from_secs(60);

/// Whether a directory last synced at `last_sync_ms` (or never) is due at `now_ms`, with the
/// instance started at `started_ms`; never with an interval of 0.
pub fn is_due(
    interval_minutes: u64,
    last_sync_ms: Option<i64>,
    started_ms: i64,
    now_ms: i64,
) -> bool {
    if interval_minutes == 0 {
        return false;
    }
    let interval = i64::try_from(interval_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX);
    let since = last_sync_ms.unwrap_or(started_ms).max(0);
    now_ms.saturating_sub(since) >= interval
}

/// Starts the task; it ends when the gateway shuts down.
pub fn spawn(gateway: Gateway) {
    tokio::spawn(async move {
        let started = now_ms();
        let mut shutdown = gateway.shutdown.clone();
        let mut resume = tokio::time::interval(RESUME_EVERY);
        let mut schedule = tokio::time::interval(SCHEDULE_EVERY);
        schedule.tick().await; // the first tick is immediate: skip it
        loop {
            tokio::select! {
                _ = resume.tick() => {
                    if let Err(e) = service::resume_stale(&gateway).await {
                        tracing::warn!(error = %e, "contacts sync: cannot look for stale jobs");
                    }
                }
                _ = schedule.tick() => {
                    if let Err(e) = start_due(&gateway, started).await {
                        tracing::warn!(error = %e, "contacts sync: scheduled syncs not started");
                    }
                }
                _ = async { shutdown.wait_for(|s| *s).await.map(|_| ()) } => return,
            }
        }
    });
}

/// Starts the full sync of every directory due at this moment, for an instance started at
/// `started_ms` (see [`is_due`]); returns the ids of the jobs started now (a directory whose sync
/// is already running is left to it). The background task calls it every minute.
pub async fn start_due(
    gateway: &Gateway,
    started_ms: i64,
) -> Result<Vec<String>, service::StartError> {
    let interval = gateway.config.contacts.sync_interval_minutes;
    let mut started_jobs = Vec::new();
    if interval == 0 {
        return Ok(started_jobs);
    }
    let now = now_ms();
    for dir in directory::all(gateway).await? {
        let last = gateway
            .store
            .directory(&dir.name)
            .await?
            .and_then(|d| d.last_full_sync_at);
        if is_due(interval, last, started_ms, now) {
            let (job, started_now) = service::start(gateway, &dir.name).await?;
            if started_now {
                tracing::info!(directory = %dir.name, job = %job.id, "contacts sync: scheduled full sync started");
                started_jobs.push(job.id);
            }
        }
    }
    Ok(started_jobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_after_the_interval_from_the_last_sync_or_the_start() {
        let minute = 60_000;
        assert!(!is_due(0, None, 0, 10_000 * minute), "0 = off");
        assert!(
            !is_due(60, None, 0, 59 * minute),
            "never synced: counted from the start"
        );
        assert!(is_due(60, None, 0, 60 * minute));
        assert!(!is_due(60, Some(100 * minute), 0, 159 * minute));
        assert!(is_due(60, Some(100 * minute), 0, 160 * minute));
    }
}
