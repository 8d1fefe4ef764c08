//! A full sync applied as a stream: the departments, then the members a page at a time, then the
//! tags, compared with what is stored and written inside one transaction that stays open from
//! [`Store::begin_full_sync`] to [`FullSyncApply::finish`].
//!
//! It exists so that a 100 000-member directory is never one `Vec<Member>`: only the page being
//! compared (and the stored rows of its userids) is in memory, plus the set of userids stored as
//! active that no page has listed yet (they have left when the apply finishes). Everything is
//! still all or nothing: a crash, an error or dropping the apply before `finish` rolls the
//! transaction back, and applying the same input again gives the same diff (empty the second
//! time). The diff, its categories and the unavailable-field rules are those of
//! [`crate::contacts::apply`].
//!
//! Pages must come **sorted by userid in byte order** (Rust's `str` order; staging keys sort the
//! same way on both backends): every userid of a page must sort after every userid of the pages
//! before it, so a userid appears in one page only. Within a page any order is fine and a userid
//! listed twice (once per department) is one member with the departments of both listings. A
//! page that breaks the order is refused ([`StoreError::Conflict`]) and so is every later call:
//! drop the apply and start again.
//!
//! On SQLite the transaction is `BEGIN IMMEDIATE`: other writers wait (up to the busy timeout)
//! while an apply is open, so a caller prepares what it can before [`Store::begin_full_sync`].

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::clock::now_ms;
use crate::contacts::apply::{
    SyncDiff, UNAVAILABLE_FIELDS, check_unavailable_fields, department_fields_differ,
    department_upserts, keep_unavailable_department_fields, keep_unavailable_member_fields,
    member_department_replacements, member_fields_differ, member_moved, member_upserts,
    normalise_departments, normalise_tag, tag_changes,
};
use crate::contacts::batch::{Arg, Batching, Stmt, in_list};
use crate::contacts::model::{
    DEPARTMENT_COLUMNS, Department, DepartmentRow, MEMBER_COLUMNS, Member, MemberDepartmentRow,
    MemberRow, Tag, TagMemberRow, assemble_tags, attach_departments,
};
use crate::contacts::staging::staged_page_query;
use crate::contacts::tx::Tx;
use crate::error::StoreError;
use crate::store::Store;

/// A full sync being applied; see the module docs. Dropping it before [`FullSyncApply::finish`]
/// rolls everything back.
#[derive(Debug)]
pub struct FullSyncApply {
    tx: Tx,
    batching: Batching,
    directory: String,
    unavailable_fields: Vec<String>,
    unavailable: HashSet<&'static str>,
    now: i64,
    diff: SyncDiff,
    /// Userids stored as active that no page has listed yet.
    unlisted: HashSet<String>,
    /// The last userid of the pages so far.
    last_userid: Option<String>,
    members: u64,
    departments_applied: bool,
    tags_applied: bool,
    /// Why an earlier call failed (every later call is refused).
    failed: Option<String>,
}

impl Store {
    /// Begins applying a full sync of `directory` (which must exist, see
    /// [`Store::upsert_directory`]) whose credential cannot read `unavailable_fields` (see
    /// [`UNAVAILABLE_FIELDS`]; their stored values are kept). Opens the transaction the whole
    /// apply runs in. Then: [`FullSyncApply::departments`] once, [`FullSyncApply::members`] per
    /// page, [`FullSyncApply::tags`] if the sync read tags, [`FullSyncApply::finish`].
    pub async fn begin_full_sync(
        &self,
        directory: &str,
        unavailable_fields: &[String],
    ) -> Result<FullSyncApply, StoreError> {
        check_unavailable_fields(unavailable_fields)?;
        let mut tx = Tx::begin(self).await?;
        let found: Vec<(String,)> = tx
            .rows(
                "SELECT name FROM contact_directories WHERE name = $1",
                &[Arg::from(directory)],
            )
            .await?;
        if found.is_empty() {
            return Err(StoreError::NotFound(format!(
                "directory {directory}; create it with upsert_directory before applying a sync"
            )));
        }
        let active: Vec<(String,)> = tx
            .rows(
                "SELECT userid FROM contact_members WHERE directory = $1 AND active = 1",
                &[Arg::from(directory)],
            )
            .await?;
        Ok(FullSyncApply {
            tx,
            batching: self.batching(),
            directory: directory.to_owned(),
            unavailable_fields: unavailable_fields.to_vec(),
            unavailable: UNAVAILABLE_FIELDS
                .iter()
                .copied()
                .filter(|f| unavailable_fields.iter().any(|u| u == f))
                .collect(),
            now: now_ms(),
            diff: SyncDiff::default(),
            unlisted: active.into_iter().map(|(u,)| u).collect(),
            last_userid: None,
            members: 0,
            departments_applied: false,
            tags_applied: false,
            failed: None,
        })
    }
}

impl FullSyncApply {
    /// Applies the complete list of departments, in any order (a child before its parent is
    /// fine). Called once per apply; departments stored as active and not listed are marked
    /// removed.
    pub async fn departments(&mut self, departments: Vec<Department>) -> Result<(), StoreError> {
        self.usable()?;
        let result = self.apply_departments(departments).await;
        self.note(result)
    }

    /// Applies one page of members, sorted after every earlier page (see the module docs).
    pub async fn members(&mut self, page: Vec<Member>) -> Result<(), StoreError> {
        self.usable()?;
        let result = self.apply_members(page).await;
        self.note(result)
    }

    /// Applies the complete list of tags (only when the sync read tags: without this call the
    /// stored tags are left as they are). Called at most once.
    pub async fn tags(&mut self, tags: Vec<Tag>) -> Result<(), StoreError> {
        self.usable()?;
        let result = self.apply_tags(tags).await;
        self.note(result)
    }

    /// Up to `limit` items staged of `kind` for job `job_id` after `after_key`, as JSON text
    /// (like [`Store::staged_page_json`]), read on the apply's own connection: while the apply
    /// is open a one-connection pool (`sqlite::memory:`) has no other connection to read with.
    pub async fn staged_page_json(
        &mut self,
        job_id: &str,
        kind: &str,
        after_key: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.usable()?;
        let (sql, args) = staged_page_query(job_id, kind, after_key, limit);
        let result = self.tx.rows(sql, &args).await;
        self.note(result)
    }

    /// How many distinct members the pages listed so far.
    pub fn members_listed(&self) -> u64 {
        self.members
    }

    /// Marks the members no page listed as left (inactive, never deleted), records the
    /// unavailable fields and the sync time on the directory, and commits. Returns the diff.
    pub async fn finish(mut self) -> Result<SyncDiff, StoreError> {
        self.usable()?;
        if !self.departments_applied {
            return Err(StoreError::Conflict(format!(
                "the full sync of {} did not apply its departments; call departments (with every department, even none) before finish",
                self.directory
            )));
        }
        let mut left: Vec<String> = std::mem::take(&mut self.unlisted).into_iter().collect();
        left.sort_unstable();
        for userid in &left {
            self.diff.members.removed.add(userid);
        }
        let mut stmts = in_list(
            self.batching,
            "UPDATE contact_members SET active = 0, left_at = $1, updated_at = $1 WHERE directory = $2 AND userid",
            vec![Arg::from(self.now), Arg::from(&self.directory)],
            left.into_iter().map(Arg::from).collect(),
        );
        stmts.push(Stmt::new(
            "UPDATE contact_directories SET unavailable_fields = $1, last_full_sync_at = $2, updated_at = $2 WHERE name = $3",
            vec![
                Arg::from(serde_json::Value::from(self.unavailable_fields.clone()).to_string()),
                Arg::from(self.now),
                Arg::from(&self.directory),
            ],
        ));
        self.tx.run(stmts).await?;
        self.tx.commit().await?;
        Ok(self.diff)
    }

    fn usable(&self) -> Result<(), StoreError> {
        match &self.failed {
            None => Ok(()),
            Some(why) => Err(StoreError::Conflict(format!(
                "the full sync of {} failed earlier ({why}); drop it (that rolls everything back) and start again",
                self.directory
            ))),
        }
    }

    fn note<T>(&mut self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(e) = &result {
            self.failed = Some(e.to_string());
        }
        result
    }

    async fn apply_departments(&mut self, departments: Vec<Department>) -> Result<(), StoreError> {
        if self.departments_applied {
            return Err(StoreError::Conflict(
                "the departments of a full sync are applied once, all of them in one call".into(),
            ));
        }
        self.departments_applied = true;
        let rows: Vec<DepartmentRow> = self
            .tx
            .rows(
                &format!(
                    "SELECT {DEPARTMENT_COLUMNS} FROM contact_departments WHERE directory = $1"
                ),
                &[Arg::from(&self.directory)],
            )
            .await?;
        let mut stored: HashMap<i64, Department> = rows
            .into_iter()
            .map(|r| Department::try_from(r).map(|d| (d.dept_id, d)))
            .collect::<Result<_, _>>()?;
        let mut incoming: BTreeMap<i64, Department> = BTreeMap::new();
        for mut d in departments {
            d.directory.clone_from(&self.directory);
            d.active = true;
            d.removed_at = None;
            incoming.insert(d.dept_id, d);
        }
        let diff = &mut self.diff.departments;
        let mut writes = Vec::new();
        for (id, mut d) in incoming {
            match stored.remove(&id) {
                None => diff.created.add(id),
                Some(s) => {
                    keep_unavailable_department_fields(&mut d, &s, &self.unavailable);
                    if !s.active {
                        diff.reactivated.add(id);
                    } else if s.parent_id != d.parent_id {
                        diff.moved.add(id);
                    } else if department_fields_differ(&s, &d) {
                        diff.updated.add(id);
                    } else {
                        continue;
                    }
                }
            }
            writes.push(d);
        }
        let mut gone: Vec<Department> = stored.into_values().filter(|d| d.active).collect();
        gone.sort_by_key(|d| d.dept_id);
        for mut d in gone {
            diff.removed.add(d.dept_id);
            d.active = false;
            d.removed_at = Some(self.now);
            writes.push(d);
        }
        let stmts: Vec<Stmt> = department_upserts(self.batching, &writes, self.now).collect();
        self.tx.run(stmts).await?;
        Ok(())
    }

    async fn apply_members(&mut self, page: Vec<Member>) -> Result<(), StoreError> {
        let mut incoming: BTreeMap<String, Member> = BTreeMap::new();
        for mut m in page {
            m.directory.clone_from(&self.directory);
            m.active = true;
            m.left_at = None;
            if let Some(earlier) = incoming.remove(&m.userid) {
                // The same member listed twice (once per department): one member, all departments.
                m.departments.extend(earlier.departments);
            }
            normalise_departments(&mut m);
            incoming.insert(m.userid.clone(), m);
        }
        let (Some(first), Some(last)) = (incoming.keys().next(), incoming.keys().next_back())
        else {
            return Ok(());
        };
        if let Some(before) = &self.last_userid
            && first.as_str() <= before.as_str()
        {
            return Err(StoreError::Conflict(format!(
                "members page out of order: `{first}` does not sort after `{before}`, the last userid of an earlier page; \
                 pass members in pages sorted by userid (byte order), each userid in one page only"
            )));
        }
        self.last_userid = Some(last.clone());
        self.members += incoming.len() as u64;

        let mut stored = self.stored_members(&incoming).await?;
        let diff = &mut self.diff.members;
        let mut writes: Vec<Member> = Vec::new();
        let mut departments_changed: HashSet<String> = HashSet::new();
        for (userid, mut m) in incoming {
            self.unlisted.remove(&userid);
            match stored.remove(&userid) {
                None => {
                    diff.created.add(&userid);
                    departments_changed.insert(userid);
                }
                Some(s) => {
                    keep_unavailable_member_fields(&mut m, &s, &self.unavailable);
                    if !s.active {
                        diff.reactivated.add(&userid);
                    } else if member_moved(&s, &m) {
                        diff.moved.add(&userid);
                    } else if member_fields_differ(&s, &m) {
                        diff.updated.add(&userid);
                    } else {
                        continue;
                    }
                    if s.departments != m.departments {
                        departments_changed.insert(userid);
                    }
                }
            }
            writes.push(m);
        }
        drop(stored);
        let replace: Vec<&Member> = writes
            .iter()
            .filter(|m| departments_changed.contains(&m.userid))
            .collect();
        // Lazily: one statement's values exist at a time.
        let stmts = member_upserts(self.batching, &writes, self.now).chain(
            member_department_replacements(self.batching, &self.directory, &replace),
        );
        self.tx.run(stmts).await?;
        Ok(())
    }

    /// The stored members (active or not) among the page's userids, with their departments, by
    /// userid. SQLite compares TEXT bytewise (BINARY), the order pages come in, so the page is
    /// one range of the primary key (two short statements, prepared once); PostgreSQL's text
    /// order is the database's collation, so there the page's userids go as one array.
    async fn stored_members(
        &mut self,
        page: &BTreeMap<String, Member>,
    ) -> Result<HashMap<String, Member>, StoreError> {
        let (Some(first), Some(last)) = (page.keys().next(), page.keys().next_back()) else {
            return Ok(HashMap::new());
        };
        let member_sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM contact_members m WHERE m.directory = $1 AND m.userid"
        );
        let department_sql = "SELECT userid, dept_id, is_leader, sort_order FROM contact_member_departments WHERE directory = $1 AND userid";
        let directory = Arg::from(&self.directory);
        let (member_stmts, department_stmts) = if self.batching.arrays() {
            let keys: Vec<Arg> = page.keys().map(Arg::from).collect();
            (
                in_list(
                    self.batching,
                    &member_sql,
                    vec![directory.clone()],
                    keys.clone(),
                ),
                in_list(self.batching, department_sql, vec![directory], keys),
            )
        } else {
            let args = vec![directory, Arg::from(first), Arg::from(last)];
            (
                vec![Stmt::new(
                    format!("{member_sql} >= $2 AND m.userid <= $3"),
                    args.clone(),
                )],
                vec![Stmt::new(
                    format!("{department_sql} >= $2 AND userid <= $3"),
                    args,
                )],
            )
        };
        let mut members: Vec<Member> = Vec::with_capacity(page.len());
        for stmt in member_stmts {
            let rows: Vec<MemberRow> = self.tx.rows(&stmt.sql, &stmt.args).await?;
            for row in rows {
                let m = row.into_member()?;
                // A range also holds the stored members no page lists (they are leaving).
                if page.contains_key(&m.userid) {
                    members.push(m);
                }
            }
        }
        if !members.is_empty() {
            let mut department_rows: Vec<MemberDepartmentRow> = Vec::new();
            for stmt in department_stmts {
                let rows: Vec<MemberDepartmentRow> = self.tx.rows(&stmt.sql, &stmt.args).await?;
                department_rows.extend(rows.into_iter().filter(|r| page.contains_key(&r.0)));
            }
            attach_departments(&mut members, department_rows);
        }
        Ok(members.into_iter().map(|m| (m.userid.clone(), m)).collect())
    }

    async fn apply_tags(&mut self, tags: Vec<Tag>) -> Result<(), StoreError> {
        if self.tags_applied {
            return Err(StoreError::Conflict(
                "the tags of a full sync are applied once, all of them in one call".into(),
            ));
        }
        self.tags_applied = true;
        let directory = Arg::from(&self.directory);
        let rows: Vec<(i64, Option<String>)> = self
            .tx
            .rows(
                "SELECT tag_id, name FROM contact_tags WHERE directory = $1",
                std::slice::from_ref(&directory),
            )
            .await?;
        let members: Vec<TagMemberRow> = self
            .tx
            .rows(
                "SELECT tag_id, userid, dept_id FROM contact_tag_members WHERE directory = $1",
                std::slice::from_ref(&directory),
            )
            .await?;
        let mut stored: HashMap<i64, Tag> = assemble_tags(rows, members).into_iter().collect();
        for t in stored.values_mut() {
            normalise_tag(t);
        }
        let stmts = tag_changes(
            self.batching,
            &self.directory,
            stored,
            tags,
            &mut self.diff.tags,
        );
        self.tx.run(stmts).await?;
        Ok(())
    }
}
