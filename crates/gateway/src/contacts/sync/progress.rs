//! The live progress of a running sync: counts per phase, the department being read, an ETA.
//! The engine updates it as batches complete (cheap: a `watch` channel per job); the progress
//! stream and `GET /api/v1/sync/{id}` read it. What survives a restart is the job row's `counts`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// The phases of a full sync, in order.
pub const PHASES: [&str; 7] = [
    "departments",
    "department_names",
    "member_ids",
    "member_details",
    "tags",
    "apply",
    "done",
];

/// Counts kept with the job (`counts` JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Departments staged.
    pub departments: u64,
    /// Department names fetched / to fetch (`department/get` path).
    pub department_names_done: u64,
    /// See `department_names_done`.
    pub department_names_total: u64,
    /// `user/list_id` pages staged.
    pub member_id_pages: u64,
    /// (member, department) pairs from `user/list_id`.
    pub member_id_pairs: u64,
    /// Detail work items (departments or members) done.
    pub details_done: u64,
    /// Detail work items in all.
    pub details_total: u64,
    /// Members staged with details.
    pub members: u64,
    /// Tags staged.
    pub tags: u64,
    /// Upstream calls made by this job (every attempt).
    pub upstream_calls: u64,
    /// Attempts repeated after −1, timeouts or transport errors.
    pub retries: u64,
    /// 45009 answers (each followed by a pause).
    pub rate_limited: u64,
    /// Non-fatal problems (a department that vanished mid-sync, a member out of range…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Fields this credential cannot read (kept as they were in the store).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub unavailable_fields: BTreeSet<String>,
}

/// At most this many non-fatal errors are kept in the counts.
pub const MAX_ERRORS: usize = 50;

impl Counts {
    /// Records a non-fatal problem (the first [`MAX_ERRORS`]).
    pub fn error(&mut self, message: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(message);
        }
    }
}

/// A snapshot of a job's progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// The job id.
    pub job_id: String,
    /// The directory.
    pub directory: String,
    /// `running`, `done`, `failed`, `cancelled`.
    pub state: String,
    /// One of [`PHASES`].
    pub phase: String,
    /// The counts.
    pub counts: Counts,
    /// The department whose members are being read, if any.
    pub current_department: Option<i64>,
    /// Seconds left, estimated from the current phase's rate.
    pub eta_secs: Option<u64>,
    /// The failure, for a failed job.
    pub error: Option<String>,
}

/// The rate of the current phase, for the ETA.
#[derive(Debug, Clone)]
pub struct PhaseClock {
    started: Instant,
    done_at_start: u64,
}

impl PhaseClock {
    /// Starts timing a phase that has `done` items done already (a resumed phase).
    pub fn start(done: u64) -> PhaseClock {
        PhaseClock {
            started: Instant::now(),
            done_at_start: done,
        }
    }

    /// Seconds left for `total - done` items at the rate seen so far, plus `after` seconds for
    /// what follows the phase; `None` until a rate is known.
    pub fn eta(&self, done: u64, total: u64, after: u64) -> Option<u64> {
        let elapsed = self.started.elapsed().as_secs_f64();
        let progressed = done.saturating_sub(self.done_at_start);
        if progressed == 0 || elapsed <= 0.0 {
            return None;
        }
        let rate = progressed as f64 / elapsed;
        let left = total.saturating_sub(done) as f64 / rate;
        Some(left.ceil() as u64 + after)
    }
}

/// The live progress of every job this instance runs.
#[derive(Debug, Default)]
pub struct LiveJobs {
    jobs: Mutex<HashMap<String, watch::Sender<Progress>>>,
}

impl LiveJobs {
    /// Registers a job this instance starts running.
    pub fn register(&self, progress: Progress) -> watch::Sender<Progress> {
        let (tx, _) = watch::channel(progress.clone());
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(progress.job_id.clone(), tx.clone());
        tx
    }

    /// Forgets a job once it ended (its receivers see the last value and then a closed channel).
    pub fn remove(&self, job_id: &str) {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(job_id);
    }

    /// A receiver of the job's progress, if this instance runs it.
    pub fn watch(&self, job_id: &str) -> Option<watch::Receiver<Progress>> {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(job_id)
            .map(watch::Sender::subscribe)
    }

    /// The job's current progress, if this instance runs it.
    pub fn get(&self, job_id: &str) -> Option<Progress> {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(job_id)
            .map(|tx| tx.borrow().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_needs_a_rate() {
        let clock = PhaseClock::start(10);
        assert_eq!(clock.eta(10, 100, 0), None);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let eta = clock.eta(20, 20, 3).unwrap();
        assert_eq!(eta, 3, "nothing left but what follows");
    }

    #[test]
    fn errors_are_capped() {
        let mut c = Counts::default();
        for i in 0..(MAX_ERRORS + 5) {
            c.error(format!("e{i}"));
        }
        assert_eq!(c.errors.len(), MAX_ERRORS);
    }
}
