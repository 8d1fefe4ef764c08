//! The last phase of a full sync: the staged departments, members and tags read back (members in
//! pages, so a 100 000-member corp is never one big JSON value), the fields the credential did
//! not receive worked out from the answers, and everything handed to the store's
//! `apply_full_sync`, which writes the diff in one go (order of input irrelevant: children before
//! parents is fine) and keeps unavailable fields as they were.

use std::collections::BTreeSet;

use serde_json::Value;
use wxgate_store::{Department, Member, MemberDepartment, SyncDiff, Tag};

use crate::contacts::sync::checkpoint::DetailPath;
use crate::contacts::sync::engine::{Job, SyncError};
use crate::contacts::sync::staged::{self, StagedDepartment, StagedMember, StagedTag};

/// Staged members read per query.
const PAGE: i64 = 5_000;

/// Which member fields at least one member had (a field nobody had is unavailable).
#[derive(Debug, Default)]
struct Seen {
    fields: BTreeSet<&'static str>,
    members: usize,
}

impl Seen {
    fn note(&mut self, m: &StagedMember) {
        self.members += 1;
        let mut has = |field: &'static str, present: bool| {
            if present {
                self.fields.insert(field);
            }
        };
        // Third-party apps receive the userid in place of the name (NOTES §3.3).
        has("name", m.name.as_deref().is_some_and(|n| n != m.userid));
        has("alias", m.alias.is_some());
        has("mobile", m.mobile.is_some());
        has("email", m.email.is_some());
        has("biz_mail", m.biz_mail.is_some());
        has("avatar", m.avatar.is_some());
        has("gender", m.gender.is_some());
        has("position", m.position.is_some());
        has("status", m.status.is_some());
        has("main_department", m.main_department.is_some());
        has("open_userid", m.open_userid.is_some());
        has("extra", !m.extra.is_empty());
    }

    /// The member fields nobody had, when there were members to judge by.
    fn unavailable(&self) -> Vec<&'static str> {
        if self.members == 0 {
            return Vec::new();
        }
        crate::contacts::sync::plan::MEMBER_FIELDS
            .iter()
            .copied()
            .filter(|f| !self.fields.contains(f))
            .collect()
    }
}

fn staged_error(kind: &'static str, key: &str, e: serde_json::Error) -> SyncError {
    SyncError::Staged {
        kind,
        key: key.to_owned(),
        reason: e.to_string(),
    }
}

/// A staged department as the store takes it.
pub fn to_department(directory: &str, d: StagedDepartment) -> Department {
    Department {
        directory: directory.to_owned(),
        dept_id: d.id,
        parent_id: d.parent_id,
        name: d.name,
        name_en: d.name_en,
        sort_order: d.order,
        leaders: d.leaders.unwrap_or_default(),
        active: true,
        removed_at: None,
    }
}

/// A staged member as the store takes it (the store fills in the directory: one string fewer
/// per member of a 100 000-member corp).
pub fn to_member(m: StagedMember) -> Member {
    Member {
        directory: String::new(),
        // The third-party view's "name" is the userid (see `Seen::note`).
        name: m.name.filter(|n| *n != m.userid),
        userid: m.userid,
        open_userid: m.open_userid,
        alias: m.alias,
        mobile: m.mobile,
        email: m.email,
        biz_mail: m.biz_mail,
        avatar: m.avatar,
        gender: m.gender,
        position: m.position,
        status: m.status,
        main_department: m.main_department,
        departments: m
            .departments
            .into_iter()
            .map(|d| MemberDepartment {
                dept_id: d.dept_id,
                is_leader: d.is_leader.unwrap_or(false),
                sort_order: d.order.unwrap_or(0),
            })
            .collect(),
        extra: Value::Object(m.extra),
        active: true,
        left_at: None,
    }
}

/// Reads back what the job staged and applies it; records the unavailable fields.
pub async fn apply(job: &mut Job) -> Result<SyncDiff, SyncError> {
    let store = job.gateway.store.clone();
    let directory = job.directory.name.clone();

    let mut departments = Vec::new();
    let mut any_name = false;
    for (key, data) in store.staged(&job.id, staged::DEPARTMENT).await? {
        let d: StagedDepartment =
            serde_json::from_value(data).map_err(|e| staged_error(staged::DEPARTMENT, &key, e))?;
        any_name |= d.name.is_some();
        departments.push(to_department(&directory, d));
    }
    if !any_name && !departments.is_empty() {
        job.counts
            .unavailable_fields
            .insert("department_names".into());
    }

    let mut members = Vec::new();
    if job.checkpoint.details == Some(DetailPath::None) {
        for (userid, depts) in job.staged_ids().await? {
            members.push(to_member(StagedMember::from_ids(userid, depts)));
        }
    } else {
        let mut seen = Seen::default();
        let mut after: Option<String> = None;
        loop {
            let page = store
                .staged_page(&job.id, staged::MEMBER, after.as_deref(), PAGE)
                .await?;
            let Some((last, _)) = page.last() else {
                break;
            };
            after = Some(last.clone());
            for (key, data) in page {
                let m: StagedMember = serde_json::from_value(data)
                    .map_err(|e| staged_error(staged::MEMBER, &key, e))?;
                seen.note(&m);
                members.push(to_member(m));
            }
        }
        let fields = seen.unavailable();
        job.counts
            .unavailable_fields
            .extend(fields.into_iter().map(str::to_owned));
    }
    job.counts.members = members.len() as u64;

    let tags = if job.checkpoint.tags_allowed == Some(true) {
        let mut tags = Vec::new();
        for (key, data) in store.staged(&job.id, staged::TAG).await? {
            let t: StagedTag =
                serde_json::from_value(data).map_err(|e| staged_error(staged::TAG, &key, e))?;
            tags.push(Tag {
                tag_id: t.tag_id,
                name: t.name,
                userids: t.userids,
                dept_ids: t.dept_ids,
            });
        }
        Some(tags)
    } else {
        None
    };

    let unavailable: Vec<String> = job.counts.unavailable_fields.iter().cloned().collect();
    job.save().await?;
    tracing::info!(
        job = %job.id,
        directory = %directory,
        departments = departments.len(),
        members = members.len(),
        unavailable = ?unavailable,
        "contacts sync: applying"
    );
    let diff = store
        .apply_full_sync(&directory, departments, members, tags, &unavailable)
        .await?;
    Ok(diff)
}
