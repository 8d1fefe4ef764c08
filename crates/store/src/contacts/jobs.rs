//! Full syncs as jobs: at most one running per directory, with phase, counts and a checkpoint
//! that survive a crash, a heartbeat that tells a dead owner, and the diff once done.

use serde::Serialize;
use serde_json::Value;

use crate::accounts::new_id;
use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

/// Where a sync job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncJobState {
    /// Under way (or its owner died: see [`Store::stale_running_jobs`]).
    Running,
    /// Finished and applied.
    Done,
    /// Gave up with an error.
    Failed,
    /// Stopped on request.
    Cancelled,
}

impl SyncJobState {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncJobState::Running => "running",
            SyncJobState::Done => "done",
            SyncJobState::Failed => "failed",
            SyncJobState::Cancelled => "cancelled",
        }
    }

    /// Parses the stored text.
    pub fn parse(s: &str) -> Option<SyncJobState> {
        Some(match s {
            "running" => SyncJobState::Running,
            "done" => SyncJobState::Done,
            "failed" => SyncJobState::Failed,
            "cancelled" => SyncJobState::Cancelled,
            _ => return None,
        })
    }
}

/// A full sync of one directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncJob {
    /// Its id (`sync_…`, time-ordered).
    pub id: String,
    /// The directory.
    pub directory: String,
    /// Running, done, failed or cancelled.
    pub state: SyncJobState,
    /// The engine's current phase (free text, e.g. `departments`, `members`, `apply`).
    pub phase: String,
    /// Progress counts (JSON object, the engine's own shape).
    pub counts: Value,
    /// Where to resume (JSON, the engine's own shape).
    pub checkpoint: Value,
    /// The applied diff, once done.
    pub diff: Option<Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// The instance running it.
    pub owner: Option<String>,
    /// Last sign of life (unix ms).
    pub heartbeat_at: i64,
    /// Started (unix ms).
    pub started_at: i64,
    /// Finished (unix ms).
    pub finished_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    directory: String,
    state: String,
    phase: String,
    counts: String,
    checkpoint: String,
    diff: Option<String>,
    error: Option<String>,
    owner: Option<String>,
    heartbeat_at: i64,
    started_at: i64,
    finished_at: Option<i64>,
}

impl TryFrom<JobRow> for SyncJob {
    type Error = StoreError;

    fn try_from(r: JobRow) -> Result<SyncJob, StoreError> {
        Ok(SyncJob {
            state: SyncJobState::parse(&r.state).ok_or_else(|| {
                StoreError::Conflict(format!("unknown sync job state {}", r.state))
            })?,
            counts: serde_json::from_str(&r.counts)
                .map_err(StoreError::json("contact_sync_jobs.counts"))?,
            checkpoint: serde_json::from_str(&r.checkpoint)
                .map_err(StoreError::json("contact_sync_jobs.checkpoint"))?,
            diff: r
                .diff
                .map(|d| serde_json::from_str(&d))
                .transpose()
                .map_err(StoreError::json("contact_sync_jobs.diff"))?,
            id: r.id,
            directory: r.directory,
            phase: r.phase,
            error: r.error,
            owner: r.owner,
            heartbeat_at: r.heartbeat_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

const JOB_COLUMNS: &str = "id, directory, state, phase, counts, checkpoint, diff, error, owner, heartbeat_at, started_at, finished_at";

impl Store {
    /// Starts a full sync of `directory` owned by `owner`, or returns the one already running.
    /// The flag says whether this call started it.
    pub async fn start_sync_job(
        &self,
        directory: &str,
        owner: &str,
    ) -> Result<(SyncJob, bool), StoreError> {
        for _ in 0..4 {
            if let Some(running) = self.running_sync_job(directory).await? {
                return Ok((running, false));
            }
            let id = new_id("sync_");
            let now = now_ms();
            let inserted = on_pool!(self, pool => {
                sqlx::query(
                    "INSERT INTO contact_sync_jobs (id, directory, state, phase, owner, heartbeat_at, started_at) \
                     VALUES ($1, $2, 'running', 'starting', $3, $4, $4)",
                )
                .bind(&id)
                .bind(directory)
                .bind(owner)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            });
            match inserted {
                Ok(_) => {
                    let job = self
                        .sync_job(&id)
                        .await?
                        .ok_or_else(|| StoreError::NotFound(format!("sync job {id}")))?;
                    return Ok((job, true));
                }
                // Another instance started one between our read and our insert: return it.
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict(format!(
            "sync jobs of directory {directory} keep starting and finishing; retry"
        )))
    }

    /// Sync job `id`.
    pub async fn sync_job(&self, id: &str) -> Result<Option<SyncJob>, StoreError> {
        let row: Option<JobRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {JOB_COLUMNS} FROM contact_sync_jobs WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(SyncJob::try_from).transpose()
    }

    /// The running sync job of `directory`, if any.
    pub async fn running_sync_job(&self, directory: &str) -> Result<Option<SyncJob>, StoreError> {
        let row: Option<JobRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {JOB_COLUMNS} FROM contact_sync_jobs WHERE directory = $1 AND state = 'running'"
            )))
            .bind(directory)
            .fetch_optional(pool)
            .await?
        });
        row.map(SyncJob::try_from).transpose()
    }

    /// The most recently started sync job of `directory` (running or not).
    pub async fn latest_sync_job(&self, directory: &str) -> Result<Option<SyncJob>, StoreError> {
        let row: Option<JobRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {JOB_COLUMNS} FROM contact_sync_jobs WHERE directory = $1 ORDER BY started_at DESC, id DESC LIMIT 1"
            )))
            .bind(directory)
            .fetch_optional(pool)
            .await?
        });
        row.map(SyncJob::try_from).transpose()
    }

    /// The last `limit` sync jobs of `directory`, newest first.
    pub async fn list_sync_jobs(
        &self,
        directory: &str,
        limit: i64,
    ) -> Result<Vec<SyncJob>, StoreError> {
        let rows: Vec<JobRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {JOB_COLUMNS} FROM contact_sync_jobs WHERE directory = $1 ORDER BY started_at DESC, id DESC LIMIT $2"
            )))
            .bind(directory)
            .bind(limit.clamp(1, 500))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(SyncJob::try_from).collect()
    }

    /// Records progress of running job `id` and beats its heartbeat. Returns false when the job
    /// is no longer running (finished or cancelled elsewhere): the engine should stop.
    pub async fn update_sync_job_progress(
        &self,
        id: &str,
        phase: &str,
        counts: &Value,
        checkpoint: &Value,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE contact_sync_jobs SET phase = $1, counts = $2, checkpoint = $3, heartbeat_at = $4 \
                 WHERE id = $5 AND state = 'running'",
            )
            .bind(phase)
            .bind(counts.to_string())
            .bind(checkpoint.to_string())
            .bind(now_ms())
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    /// Ends running job `id` as `state` (done, failed or cancelled) with its diff or error, and
    /// drops its staged rows. A `done` job becomes the directory's `last_job_id`. Returns the
    /// finished job; [`StoreError::Conflict`] if it was not running.
    pub async fn finish_sync_job(
        &self,
        id: &str,
        state: SyncJobState,
        diff: Option<&Value>,
        error: Option<&str>,
    ) -> Result<SyncJob, StoreError> {
        if state == SyncJobState::Running {
            return Err(StoreError::Conflict(
                "finish a sync job as done, failed or cancelled".into(),
            ));
        }
        let now = now_ms();
        let is_pg = self.is_postgres();
        let n = on_pool!(self, pool => {
            let mut tx = if is_pg { pool.begin().await? } else { pool.begin_with("BEGIN IMMEDIATE").await? };
            let n = sqlx::query(
                "UPDATE contact_sync_jobs SET state = $1, diff = $2, error = $3, finished_at = $4, heartbeat_at = $4 \
                 WHERE id = $5 AND state = 'running'",
            )
            .bind(state.as_str())
            .bind(diff.map(Value::to_string))
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                sqlx::query("DELETE FROM contact_sync_staging WHERE job_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if state == SyncJobState::Done {
                    sqlx::query(
                        "UPDATE contact_directories SET last_job_id = $1, last_full_sync_at = $2, updated_at = $2 \
                         WHERE name = (SELECT directory FROM contact_sync_jobs WHERE id = $1)",
                    )
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            n
        });
        let job = self
            .sync_job(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("sync job {id}")))?;
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "sync job {id} is already {}",
                job.state.as_str()
            )));
        }
        Ok(job)
    }

    /// Beats the heartbeat of running job `id` if `owner` runs it (a long pause, e.g. after
    /// 45009, writes no progress but must not look dead). Returns false if the job is no longer
    /// running or belongs to another owner.
    pub async fn heartbeat_sync_job(&self, id: &str, owner: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE contact_sync_jobs SET heartbeat_at = $1 WHERE id = $2 AND owner = $3 AND state = 'running'")
                .bind(now_ms())
                .bind(id)
                .bind(owner)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Compare-and-set for resuming: `owner` takes running job `id` only if its heartbeat is
    /// before `stale_before_ms` (unix ms). Two instances never both win. Returns whether taken.
    pub async fn claim_sync_job(
        &self,
        id: &str,
        owner: &str,
        stale_before_ms: i64,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE contact_sync_jobs SET owner = $1, heartbeat_at = $2 \
                 WHERE id = $3 AND state = 'running' AND heartbeat_at < $4",
            )
            .bind(owner)
            .bind(now_ms())
            .bind(id)
            .bind(stale_before_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n > 0)
    }

    /// Graceful shutdown: `owner` lets go of running job `id` (heartbeat 0), so another instance
    /// resumes it at once. Returns whether `owner` held it.
    pub async fn release_sync_job(&self, id: &str, owner: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE contact_sync_jobs SET heartbeat_at = 0 WHERE id = $1 AND owner = $2 AND state = 'running'")
                .bind(id)
                .bind(owner)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Running jobs whose heartbeat is older than `older_than_ms`: their owner died mid-sync.
    pub async fn stale_running_jobs(&self, older_than_ms: i64) -> Result<Vec<SyncJob>, StoreError> {
        let before = now_ms() - older_than_ms;
        let rows: Vec<JobRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {JOB_COLUMNS} FROM contact_sync_jobs WHERE state = 'running' AND heartbeat_at < $1 ORDER BY started_at"
            )))
            .bind(before)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(SyncJob::try_from).collect()
    }

    /// Takes over running job `id` for `owner` if its heartbeat is older than `older_than_ms`
    /// (or it is already `owner`'s). Only one instance wins a stale job. Returns the job if taken.
    pub async fn take_over_sync_job(
        &self,
        id: &str,
        owner: &str,
        older_than_ms: i64,
    ) -> Result<Option<SyncJob>, StoreError> {
        let now = now_ms();
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE contact_sync_jobs SET owner = $1, heartbeat_at = $2 \
                 WHERE id = $3 AND state = 'running' AND (heartbeat_at < $4 OR owner = $1)",
            )
            .bind(owner)
            .bind(now)
            .bind(id)
            .bind(now - older_than_ms)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Ok(None);
        }
        self.sync_job(id).await
    }
}
