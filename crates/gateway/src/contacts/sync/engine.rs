//! One full sync, phase by phase: departments, department names (where only the id list is
//! allowed), member ids (`user/list_id`), member details (`user/list` per department or `user/get`
//! per member), tags, then the diff applied in one go. Each phase stages what it fetched and
//! saves the checkpoint after every batch, so a sync stopped anywhere (crash, restart, shutdown)
//! resumes from its last batch. The path through each phase is chosen from what the credential is
//! allowed to do, by trying the best call first ([`crate::contacts::sync::plan`]).

use std::collections::{BTreeSet, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::watch;
use wxgate_client::ErrorKind;

use crate::contacts::sync::checkpoint::{Checkpoint, DepartmentPath, DetailPath, WorkProgress};
use crate::contacts::sync::directory::SyncDirectory;
use crate::contacts::sync::fetch::{CallCounters, FetchError, Upstream};
use crate::contacts::sync::plan;
use crate::contacts::sync::progress::{Counts, PhaseClock, Progress};
use crate::contacts::sync::staged::{
    self, StagedDepartment, StagedIdPage, StagedMember, StagedTag, key_of_department, key_of_page,
};
use crate::state::Gateway;

/// A batch is staged (and the checkpoint saved) once it holds this many rows…
const FLUSH_ROWS: usize = 2_000;
/// …or this long after the previous one.
const FLUSH_EVERY: Duration = Duration::from_millis(500);
/// Rows staged per store call: each call is one transaction, and binding many values to one
/// SQLite statement costs quadratic time in sqlx, so SQLite gets small chunks and PostgreSQL
/// (one commit each) large ones.
fn stage_chunk(store: &wxgate_store::Store) -> usize {
    match store.backend() {
        wxgate_store::Backend::Sqlite => 200,
        wxgate_store::Backend::Postgres => 2_000,
    }
}

/// Why a sync stopped without finishing.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// An upstream call failed for good.
    #[error("{0}")]
    Fetch(#[from] FetchError),
    /// The database failed.
    #[error("storage: {0}")]
    Storage(#[from] wxgate_store::StoreError),
    /// The credential may read no members at all.
    #[error(
        "this credential may read no members: user/list_id and user/list were refused ({0}); give the app a visible range or configure the contacts-sync secret"
    )]
    NoMembers(String),
    /// Staged data could not be read back.
    #[error("staged {kind} `{key}` is unreadable: {reason}")]
    Staged {
        /// The staging kind.
        kind: &'static str,
        /// Its key.
        key: String,
        /// Why.
        reason: String,
    },
}

impl SyncError {
    /// True when the sync stopped because the gateway shuts down (it resumes later).
    pub fn is_shutdown(&self) -> bool {
        matches!(self, SyncError::Fetch(FetchError::Shutdown))
    }

    /// The platform's errcode and errmsg, when the platform caused it.
    pub fn upstream(&self) -> Option<(i64, String)> {
        match self {
            SyncError::Fetch(FetchError::Upstream(e)) => {
                e.platform().map(|p| (p.errcode, p.errmsg.clone()))
            }
            _ => None,
        }
    }
}

/// Which work list a batch advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkList {
    Names,
    Details,
}

/// The state of one running sync.
pub struct Job {
    pub(crate) gateway: Gateway,
    pub(crate) id: String,
    pub(crate) directory: SyncDirectory,
    pub(crate) upstream: Upstream,
    pub(crate) counters: Arc<CallCounters>,
    pub(crate) concurrency: usize,
    pub(crate) checkpoint: Checkpoint,
    pub(crate) counts: Counts,
    pub(crate) phase: &'static str,
    pub(crate) progress: watch::Sender<Progress>,
    pub(crate) row: Arc<tokio::sync::Mutex<crate::contacts::sync::service::SavedRow>>,
    current_department: Arc<AtomicI64>,
    clock: PhaseClock,
    members_seen: HashSet<String>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("directory", &self.directory.name)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

/// The staged rows of one batch and the work items they complete.
#[derive(Default)]
struct Batch {
    rows: Vec<Row>,
    done: Vec<usize>,
}

impl Job {
    /// A job resuming from `checkpoint` with `counts`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        gateway: Gateway,
        id: String,
        directory: SyncDirectory,
        upstream: Upstream,
        counters: Arc<CallCounters>,
        checkpoint: Checkpoint,
        counts: Counts,
        progress: watch::Sender<Progress>,
        row: Arc<tokio::sync::Mutex<crate::contacts::sync::service::SavedRow>>,
    ) -> Job {
        let concurrency = gateway.config.contacts.concurrency.max(1);
        Job {
            gateway,
            id,
            directory,
            upstream,
            counters,
            concurrency,
            checkpoint,
            counts,
            phase: "departments",
            progress,
            row,
            current_department: Arc::new(AtomicI64::new(0)),
            clock: PhaseClock::start(0),
            members_seen: HashSet::new(),
        }
    }

    /// Runs every phase not done yet, then applies the diff.
    pub(crate) async fn run(&mut self) -> Result<wxgate_store::SyncDiff, SyncError> {
        if self.checkpoint.departments.is_none() {
            self.departments().await?;
        }
        if self.checkpoint.departments == Some(DepartmentPath::SimpleListAndGet)
            && !self.checkpoint.names_done
        {
            self.department_names().await?;
        }
        if self.checkpoint.ids_allowed.is_none()
            || (self.checkpoint.ids_allowed == Some(true) && !self.checkpoint.ids.done)
        {
            self.member_ids().await?;
        }
        if !self.checkpoint.details_done {
            self.member_details().await?;
        }
        if !self.checkpoint.tags_done {
            self.tags().await?;
        }
        self.enter("apply", 0);
        self.save().await?;
        let diff = crate::contacts::sync::apply::apply(self).await?;
        Ok(diff)
    }

    /// The current snapshot for the progress stream.
    fn snapshot(&self, eta_secs: Option<u64>) -> Progress {
        let mut counts = self.counts.clone();
        counts.upstream_calls = self.counters.calls.load(Ordering::Relaxed);
        counts.retries = self.counters.retries.load(Ordering::Relaxed);
        counts.rate_limited = self.counters.rate_limited.load(Ordering::Relaxed);
        let current = self.current_department.load(Ordering::Relaxed);
        Progress {
            job_id: self.id.clone(),
            directory: self.directory.name.clone(),
            state: "running".into(),
            phase: self.phase.into(),
            counts,
            current_department: (current > 0 && self.phase == "member_details").then_some(current),
            eta_secs,
            error: None,
        }
    }

    /// The ETA of the current phase.
    fn eta(&self) -> Option<u64> {
        let apply_secs = (self.counts.members / 20_000) + 1;
        match self.phase {
            "department_names" => self.clock.eta(
                self.counts.department_names_done,
                self.counts.department_names_total,
                apply_secs,
            ),
            "member_details" => self.clock.eta(
                self.counts.details_done,
                self.counts.details_total,
                apply_secs,
            ),
            "apply" => Some(apply_secs),
            _ => None,
        }
    }

    /// Publishes the progress (in memory; the stream throttles what it sends).
    pub(crate) fn publish(&self) {
        let snapshot = self.snapshot(self.eta());
        self.progress.send_replace(snapshot);
    }

    /// Saves phase, counts and checkpoint with the job (also a heartbeat), and publishes.
    pub(crate) async fn save(&mut self) -> Result<(), SyncError> {
        let snapshot = self.snapshot(self.eta());
        let counts = serde_json::to_value(&snapshot.counts).unwrap_or(Value::Null);
        let checkpoint = serde_json::to_value(&self.checkpoint).unwrap_or(Value::Null);
        {
            let mut row = self.row.lock().await;
            self.gateway
                .store
                .update_sync_job_progress(&self.id, self.phase, &counts, &checkpoint)
                .await?;
            *row = Some((self.phase.to_owned(), counts, checkpoint));
        }
        self.progress.send_replace(snapshot);
        Ok(())
    }

    /// Enters `phase` with `done` items already done (a resumed phase).
    fn enter(&mut self, phase: &'static str, done: u64) {
        self.phase = phase;
        self.clock = PhaseClock::start(done);
        tracing::info!(job = %self.id, directory = %self.directory.name, phase, "contacts sync");
        self.publish();
    }

    /// Stages `rows`, [`stage_chunk`] per call.
    async fn stage(&self, kind: &'static str, rows: Vec<Row>) -> Result<(), SyncError> {
        let size = stage_chunk(&self.gateway.store);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Row> = rows.by_ref().take(size).collect();
            self.gateway.store.stage(&self.id, kind, chunk).await?;
        }
        Ok(())
    }

    /// Phase 1: the department tree.
    async fn departments(&mut self) -> Result<(), SyncError> {
        self.enter("departments", 0);
        let (path, staged) = plan::departments(&self.upstream, &mut self.counts).await?;
        self.counts.departments = staged.len() as u64;
        let rows = staged
            .iter()
            .map(|d| (d.key(), to_json(d)))
            .collect::<Vec<_>>();
        self.stage(staged::DEPARTMENT, rows).await?;
        self.checkpoint.departments = Some(path);
        if path == DepartmentPath::SimpleList {
            self.unavailable(&["department_names", "department_leaders"]);
        }
        self.save().await
    }

    fn unavailable(&mut self, fields: &[&str]) {
        self.counts
            .unavailable_fields
            .extend(fields.iter().map(|f| (*f).to_owned()));
    }

    /// The staged department ids, in id order.
    async fn staged_department_ids(&self) -> Result<Vec<i64>, SyncError> {
        let keys = self
            .gateway
            .store
            .staged_keys(&self.id, staged::DEPARTMENT)
            .await?;
        keys.iter()
            .map(|k| {
                k.parse::<i64>().map_err(|e| SyncError::Staged {
                    kind: staged::DEPARTMENT,
                    key: k.clone(),
                    reason: e.to_string(),
                })
            })
            .collect()
    }

    /// Phase 2 (`department/simplelist` path): names and leaders with `department/get`.
    async fn department_names(&mut self) -> Result<(), SyncError> {
        let ids = self.staged_department_ids().await?;
        self.counts.department_names_total = ids.len() as u64;
        self.counts.department_names_done = self.checkpoint.names.done() as u64;
        self.enter("department_names", self.counts.department_names_done);
        let upstream = self.upstream.clone();
        let list = ids.clone();
        self.run_work(
            WorkList::Names,
            staged::DEPARTMENT,
            ids.len(),
            move |i| {
                let upstream = upstream.clone();
                let id = list[i];
                async move { (i, upstream.department_get(id).await) }
            },
            |job, i, result, rows| {
                job.counts.department_names_done += 1;
                match result {
                    Ok(d) => {
                        let d = StagedDepartment::from_full(&d);
                        rows.push((d.key(), to_json(&d)));
                        Ok(())
                    }
                    Err(e) => job.skip_or_fail(&format!("department/get {}", ids[i]), e),
                }
            },
        )
        .await?;
        self.checkpoint.names_done = true;
        self.save().await
    }

    /// A per-item failure that does not stop the sync (the object vanished mid-sync, or is out
    /// of the credential's reach) is recorded; anything else fails it.
    fn skip_or_fail(&mut self, what: &str, e: FetchError) -> Result<(), SyncError> {
        if matches!(e.kind(), Some(ErrorKind::NotFound)) || e.is_refusal() {
            self.counts.error(format!("{what}: {e}"));
            Ok(())
        } else {
            Err(e.into())
        }
    }

    /// Phase 3: `user/list_id` pages (contacts-sync secret only).
    async fn member_ids(&mut self) -> Result<(), SyncError> {
        self.enter("member_ids", 0);
        let mut restarted = false;
        loop {
            if self.checkpoint.ids_allowed == Some(true) && self.checkpoint.ids.done {
                break;
            }
            let cursor = self.checkpoint.ids.cursor.clone();
            let page = match self.upstream.user_list_id(cursor.as_deref()).await {
                Ok(page) => page,
                Err(e) if self.checkpoint.ids_allowed.is_none() && e.is_refusal() => {
                    tracing::info!(job = %self.id, error = %e, "contacts sync: user/list_id not allowed; members come from user/list");
                    self.checkpoint.ids_allowed = Some(false);
                    return self.save().await;
                }
                Err(FetchError::Upstream(e))
                    if cursor.is_some()
                        && !restarted
                        && e.platform().is_some()
                        && !matches!(
                            e.kind(),
                            Some(
                                ErrorKind::NoPermission
                                    | ErrorKind::IpNotAllowed
                                    | ErrorKind::RateLimited
                            )
                        ) =>
                {
                    // A saved cursor the platform no longer accepts (a resumed sync): page again
                    // from the start; the pages are overwritten by number.
                    tracing::info!(job = %self.id, error = %e, "contacts sync: the saved user/list_id cursor was refused; paging from the start");
                    restarted = true;
                    self.checkpoint.ids = Default::default();
                    self.counts.member_id_pages = 0;
                    self.counts.member_id_pairs = 0;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            self.checkpoint.ids_allowed = Some(true);
            let next = page.next().map(str::to_owned);
            let staged_page = StagedIdPage {
                pairs: page
                    .dept_user
                    .into_iter()
                    .map(|p| (p.userid, p.department))
                    .collect(),
            };
            self.counts.member_id_pairs += staged_page.pairs.len() as u64;
            self.counts.member_id_pages += 1;
            self.stage(
                staged::MEMBER_IDS,
                vec![(
                    key_of_page(self.checkpoint.ids.pages),
                    to_json(&staged_page),
                )],
            )
            .await?;
            self.checkpoint.ids.pages += 1;
            self.checkpoint.ids.done = next.is_none();
            self.checkpoint.ids.cursor = next;
            self.save().await?;
        }
        Ok(())
    }

    /// Every (userid, departments) from the staged `user/list_id` pages, sorted by userid.
    /// Pages numbered past the checkpoint's count (left by a listing that restarted) are ignored.
    pub(crate) async fn staged_ids(&self) -> Result<Vec<(String, Vec<i64>)>, SyncError> {
        let mut by_user: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
        let end = key_of_page(self.checkpoint.ids.pages);
        let mut after: Option<String> = None;
        'pages: loop {
            let rows = self
                .gateway
                .store
                .staged_page(&self.id, staged::MEMBER_IDS, after.as_deref(), 2)
                .await?;
            if rows.is_empty() {
                break;
            }
            for (key, data) in rows {
                if key >= end {
                    break 'pages;
                }
                let page: StagedIdPage =
                    serde_json::from_value(data).map_err(|e| SyncError::Staged {
                        kind: staged::MEMBER_IDS,
                        key: key.clone(),
                        reason: e.to_string(),
                    })?;
                for (userid, dept) in page.pairs {
                    by_user.entry(userid).or_default().push(dept);
                }
                after = Some(key);
            }
        }
        Ok(by_user.into_iter().collect())
    }

    /// Phase 4: member details.
    async fn member_details(&mut self) -> Result<(), SyncError> {
        let ids = if self.checkpoint.ids_allowed == Some(true) {
            Some(self.staged_ids().await?)
        } else {
            None
        };
        // Departments to list: those with direct members when the ids are known, else all.
        let departments: Vec<i64> = match &ids {
            Some(ids) => ids
                .iter()
                .flat_map(|(_, d)| d.iter().copied())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            None => self.staged_department_ids().await?,
        };
        self.members_seen = self
            .gateway
            .store
            .staged_keys(&self.id, staged::MEMBER)
            .await?
            .into_iter()
            .collect();
        self.counts.members = self.members_seen.len() as u64;
        if self.checkpoint.details.is_none() {
            self.enter("member_details", 0);
            let path = plan::details(self, &departments, ids.as_deref()).await?;
            self.checkpoint.details = Some(path);
            self.save().await?;
        }
        let path = self.checkpoint.details.unwrap_or(DetailPath::None);
        match path {
            DetailPath::UserList => {
                self.counts.details_total = departments.len() as u64;
                self.counts.details_done = self.checkpoint.details_progress.done() as u64;
                self.enter("member_details", self.counts.details_done);
                self.list_departments(departments).await?;
                if let Some(ids) = &ids {
                    self.missing_members(ids).await?;
                }
            }
            DetailPath::UserGet => {
                let userids: Vec<String> = ids
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(u, _)| u)
                    .collect();
                self.counts.details_total = userids.len() as u64;
                self.counts.details_done = self.checkpoint.details_progress.done() as u64;
                self.enter("member_details", self.counts.details_done);
                self.get_members(userids).await?;
            }
            DetailPath::None => {
                self.unavailable(&plan::MEMBER_FIELDS);
                self.unavailable(&["department_order", "is_leader"]);
                self.counts.members = ids.as_ref().map_or(0, |i| i.len() as u64);
            }
        }
        self.checkpoint.details_done = true;
        // Only the details phase needs to know who was staged (100 000 userids in a large corp).
        self.members_seen = HashSet::new();
        self.save().await
    }

    /// `user/list` of every department not done yet.
    async fn list_departments(&mut self, departments: Vec<i64>) -> Result<(), SyncError> {
        let upstream = self.upstream.clone();
        let current = self.current_department.clone();
        let list = departments.clone();
        self.run_work(
            WorkList::Details,
            staged::MEMBER,
            departments.len(),
            move |i| {
                let upstream = upstream.clone();
                let current = current.clone();
                let id = list[i];
                async move {
                    current.store(id, Ordering::Relaxed);
                    (i, upstream.user_list(id).await)
                }
            },
            |job, i, result, rows| {
                job.counts.details_done += 1;
                match result {
                    Ok(members) => {
                        for m in members {
                            job.push_member(StagedMember::from_upstream(m), rows);
                        }
                        Ok(())
                    }
                    Err(e) => job.skip_or_fail(&format!("user/list {}", departments[i]), e),
                }
            },
        )
        .await
    }

    fn push_member(&mut self, m: StagedMember, rows: &mut Vec<Row>) {
        if self.members_seen.insert(m.userid.clone()) {
            self.counts.members += 1;
        }
        rows.push((m.userid.clone(), to_json(&m)));
    }

    /// `user/get` of every member not done yet.
    async fn get_members(&mut self, userids: Vec<String>) -> Result<(), SyncError> {
        let upstream = self.upstream.clone();
        let list = Arc::new(userids);
        let names = list.clone();
        self.run_work(
            WorkList::Details,
            staged::MEMBER,
            list.len(),
            move |i| {
                let upstream = upstream.clone();
                let list = list.clone();
                async move { (i, upstream.user_get(&list[i]).await) }
            },
            |job, i, result, rows| {
                job.counts.details_done += 1;
                match result {
                    Ok(m) => {
                        job.push_member(StagedMember::from_upstream(m), rows);
                        Ok(())
                    }
                    Err(e) => job.skip_or_fail(&format!("user/get {}", names[i]), e),
                }
            },
        )
        .await
    }

    /// Members `user/list_id` named but no `user/list` answer carried (they joined a department
    /// mid-sync): fetched one by one.
    async fn missing_members(&mut self, ids: &[(String, Vec<i64>)]) -> Result<(), SyncError> {
        let missing: Vec<String> = ids
            .iter()
            .filter(|(u, _)| !self.members_seen.contains(u))
            .map(|(u, _)| u.clone())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        tracing::info!(job = %self.id, count = missing.len(), "contacts sync: fetching members user/list did not return");
        let upstream = self.upstream.clone();
        let mut rows = Vec::new();
        let mut results = futures_util::stream::iter(missing)
            .map(|userid| {
                let upstream = upstream.clone();
                async move {
                    let result = upstream.user_get(&userid).await;
                    (userid, result)
                }
            })
            .buffer_unordered(self.concurrency);
        while let Some((userid, result)) = results.next().await {
            match result {
                Ok(m) => self.push_member(StagedMember::from_upstream(m), &mut rows),
                Err(e) => self.skip_or_fail(&format!("user/get {userid}"), e)?,
            }
        }
        self.stage(staged::MEMBER, rows).await
    }

    /// Phase 5: tags.
    async fn tags(&mut self) -> Result<(), SyncError> {
        self.enter("tags", 0);
        let tags = match self.upstream.tag_list().await {
            Ok(tags) => tags,
            Err(e) if e.is_refusal() => {
                self.checkpoint.tags_allowed = Some(false);
                self.checkpoint.tags_done = true;
                return self.save().await;
            }
            Err(e) => return Err(e.into()),
        };
        let upstream = self.upstream.clone();
        let mut results = futures_util::stream::iter(tags)
            .map(|tag| {
                let upstream = upstream.clone();
                async move {
                    let result = upstream.tag_get(tag.tagid).await;
                    (tag, result)
                }
            })
            .buffer_unordered(self.concurrency);
        let mut rows = Vec::new();
        while let Some((tag, result)) = results.next().await {
            match result {
                Ok(members) => {
                    let staged = StagedTag {
                        tag_id: tag.tagid,
                        name: tag.tagname.or(members.tagname),
                        userids: members.userlist.into_iter().map(|m| m.userid).collect(),
                        dept_ids: members.partylist,
                    };
                    rows.push((key_of_department(staged.tag_id), to_json(&staged)));
                }
                Err(e) => self.skip_or_fail(&format!("tag/get {}", tag.tagid), e)?,
            }
        }
        self.counts.tags = rows.len() as u64;
        self.stage(staged::TAG, rows).await?;
        self.checkpoint.tags_allowed = Some(true);
        self.checkpoint.tags_done = true;
        self.save().await
    }

    fn work_progress(&mut self, which: WorkList) -> &mut WorkProgress {
        match which {
            WorkList::Names => &mut self.checkpoint.names,
            WorkList::Details => &mut self.checkpoint.details_progress,
        }
    }

    /// Runs `fetch` for every item of the work list not done yet, `concurrency` at a time;
    /// `handle` turns each answer into staging rows. A full batch is staged in the background
    /// while fetching goes on (one batch in flight); once staged, its items are marked done and
    /// the checkpoint saved — in that order, so a saved checkpoint never claims more than is
    /// staged.
    async fn run_work<R, F, Fut, H>(
        &mut self,
        which: WorkList,
        kind: &'static str,
        len: usize,
        fetch: F,
        mut handle: H,
    ) -> Result<(), SyncError>
    where
        F: FnMut(usize) -> Fut,
        Fut: Future<Output = (usize, Result<R, FetchError>)>,
        H: FnMut(&mut Job, usize, Result<R, FetchError>, &mut Vec<Row>) -> Result<(), SyncError>,
    {
        let todo = self.work_progress(which).todo(len);
        let mut results = futures_util::stream::iter(todo)
            .map(fetch)
            .buffer_unordered(self.concurrency);
        let mut batch = Batch::default();
        let mut inflight: Option<Staging> = None;
        let mut last_flush = Instant::now();
        loop {
            let step = match inflight.as_mut() {
                Some(staging) => tokio::select! {
                    staged = staging => Step::Staged(staged),
                    next = results.next() => Step::Next(next),
                },
                None => Step::Next(results.next().await),
            };
            let (index, result) = match step {
                Step::Staged(staged) => {
                    inflight = None;
                    self.staged(which, staged?).await?;
                    continue;
                }
                Step::Next(None) => break,
                Step::Next(Some(next)) => next,
            };
            if let Err(FetchError::Shutdown) = &result {
                // Keep what was fetched: the job resumes after it.
                drop(results);
                if let Some(staging) = inflight.take() {
                    self.staged(which, staging.await?).await?;
                }
                self.flush(which, kind, batch).await?;
                return Err(FetchError::Shutdown.into());
            }
            handle(self, index, result, &mut batch.rows)?;
            batch.done.push(index);
            if batch.rows.len() >= FLUSH_ROWS || last_flush.elapsed() >= FLUSH_EVERY {
                if let Some(staging) = inflight.take() {
                    self.staged(which, staging.await?).await?;
                }
                inflight = Some(self.stage_in_background(kind, std::mem::take(&mut batch)));
                last_flush = Instant::now();
            } else {
                self.publish();
            }
        }
        if let Some(staging) = inflight.take() {
            self.staged(which, staging.await?).await?;
        }
        self.flush(which, kind, batch).await
    }

    /// Stages `batch` without holding the job; resolves to the work items it completes.
    fn stage_in_background(&self, kind: &'static str, batch: Batch) -> Staging {
        let store = self.gateway.store.clone();
        let id = self.id.clone();
        let size = stage_chunk(&store);
        Box::pin(async move {
            let mut rows = batch.rows.into_iter().peekable();
            while rows.peek().is_some() {
                let chunk: Vec<Row> = rows.by_ref().take(size).collect();
                store.stage(&id, kind, chunk).await?;
            }
            Ok(batch.done)
        })
    }

    /// Marks staged work items done and saves the checkpoint.
    async fn staged(&mut self, which: WorkList, done: Vec<usize>) -> Result<(), SyncError> {
        let progress = self.work_progress(which);
        for index in done {
            progress.mark(index);
        }
        self.save().await
    }

    async fn flush(
        &mut self,
        which: WorkList,
        kind: &'static str,
        batch: Batch,
    ) -> Result<(), SyncError> {
        if batch.done.is_empty() {
            return Ok(());
        }
        self.stage(kind, batch.rows).await?;
        self.staged(which, batch.done).await
    }
}

/// A batch being staged in the background.
type Staging =
    std::pin::Pin<Box<dyn Future<Output = Result<Vec<usize>, SyncError>> + Send + 'static>>;

/// What the work loop woke up for.
enum Step<R> {
    /// The batch in flight is staged.
    Staged(Result<Vec<usize>, SyncError>),
    /// The next answer (`None`: every item is done).
    Next(Option<(usize, Result<R, FetchError>)>),
}

/// One staging row: the key and the record as JSON text, serialised once when it is fetched (no
/// [`Value`] tree per member in between: a batch of 2 000 members is a few MB of text).
type Row = (String, Box<RawValue>);

/// `value` as JSON text (our own staged types always serialise).
fn to_json<T: serde::Serialize>(value: &T) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).unwrap_or_else(|_| RawValue::NULL.to_owned())
}
