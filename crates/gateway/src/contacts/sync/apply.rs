//! The last phase of a full sync: what was staged, applied as one diff without ever holding the
//! whole directory. Two passes over the staged members, a page at a time:
//!
//! 1. which member fields anybody had (a field nobody had is unavailable to this credential and
//!    keeps its stored values) — read without building members, and stopped as soon as every
//!    field was seen;
//! 2. the store's streamed apply ([`wxgate_store::FullSyncApply`]): the departments, then each
//!    page of members as it is read (staging keys are userids in byte order, the order the
//!    apply takes pages in; one staged row per userid, so a userid is in one page only), then
//!    the tags — one transaction, all or nothing.
//!
//! Members known only by id (`DetailPath::None`) are paged from the `user/list_id` pairs the same
//! way. The job is saved before the transaction begins: on SQLite no other write can run while
//! it is open.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::time::Instant;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use wxgate_store::{Department, Member, MemberDepartment, SyncDiff, Tag};

use crate::contacts::sync::checkpoint::DetailPath;
use crate::contacts::sync::engine::{Job, SyncError};
use crate::contacts::sync::staged::{self, StagedDepartment, StagedMember, StagedTag};

/// Staged members read per query, and applied per page. Measured on a 100 000-member corp
/// (docs/benchmarks.md): on SQLite (in-process, cheap round trips) 2 000-member pages keep the
/// peak memory ~40 MiB lower than 5 000 at the same speed; on PostgreSQL each page costs about
/// nine round trips, and 2 000-member pages made the apply ~3 s slower on a loaded machine.
fn page_size(store: &wxgate_store::Store) -> i64 {
    match store.backend() {
        wxgate_store::Backend::Sqlite => 2_000,
        wxgate_store::Backend::Postgres => 5_000,
    }
}

/// What the first pass reads of a staged member: which fields it has, not their values.
#[derive(Debug, Deserialize)]
struct FieldsOf<'a> {
    #[serde(borrow)]
    userid: Cow<'a, str>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    alias: Option<IgnoredAny>,
    #[serde(default)]
    mobile: Option<IgnoredAny>,
    #[serde(default)]
    email: Option<IgnoredAny>,
    #[serde(default)]
    biz_mail: Option<IgnoredAny>,
    #[serde(default)]
    avatar: Option<IgnoredAny>,
    #[serde(default)]
    gender: Option<IgnoredAny>,
    #[serde(default)]
    position: Option<IgnoredAny>,
    #[serde(default)]
    status: Option<IgnoredAny>,
    #[serde(default)]
    main_department: Option<IgnoredAny>,
    #[serde(default)]
    open_userid: Option<IgnoredAny>,
    #[serde(default)]
    extra: Entries,
}

/// How many entries a JSON object has (its values skipped).
#[derive(Debug, Default)]
struct Entries(usize);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Entries, D::Error> {
        struct Count;
        impl<'de> Visitor<'de> for Count {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut n = 0;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Entries(n))
            }
        }
        d.deserialize_map(Count)
    }
}

/// Which member fields at least one member had (a field nobody had is unavailable).
#[derive(Debug, Default)]
struct Seen {
    fields: BTreeSet<&'static str>,
    members: usize,
}

impl Seen {
    fn note(&mut self, m: &FieldsOf<'_>) {
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
        has("extra", m.extra.0 > 0);
    }

    /// Whether every member field was seen (reading more cannot change the answer).
    fn everything(&self) -> bool {
        self.fields.len() == crate::contacts::sync::plan::MEMBER_FIELDS.len()
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

/// Pass 1: which member fields the staged members had, page by page (stops once every field
/// was seen).
async fn fields_seen(job: &Job) -> Result<Seen, SyncError> {
    let store = &job.gateway.store;
    let page_size = page_size(store);
    let mut seen = Seen::default();
    let mut after: Option<String> = None;
    while !seen.everything() {
        let page = store
            .staged_page_json(&job.id, staged::MEMBER, after.as_deref(), page_size)
            .await?;
        for (key, data) in &page {
            let m: FieldsOf<'_> =
                serde_json::from_str(data).map_err(|e| staged_error(staged::MEMBER, key, e))?;
            seen.note(&m);
        }
        match page.into_iter().next_back() {
            Some((last, _)) => after = Some(last),
            None => break,
        }
    }
    Ok(seen)
}

/// Reads back what the job staged and applies it; records the unavailable fields.
pub async fn apply(job: &mut Job) -> Result<SyncDiff, SyncError> {
    let store = job.gateway.store.clone();
    let directory = job.directory.name.clone();

    // Departments and tags are small: read in full before the transaction.
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

    // Members known by id only: the (userid, departments) pairs, sorted by userid.
    let ids_only = if job.checkpoint.details == Some(DetailPath::None) {
        Some(job.staged_ids().await?)
    } else {
        let started = Instant::now();
        let seen = fields_seen(job).await?;
        tracing::debug!(job = %job.id, members = seen.members, elapsed_ms = started.elapsed().as_millis(), "contacts sync: member fields seen");
        job.counts
            .unavailable_fields
            .extend(seen.unavailable().into_iter().map(str::to_owned));
        None
    };

    let unavailable: Vec<String> = job.counts.unavailable_fields.iter().cloned().collect();
    job.save().await?;
    tracing::info!(
        job = %job.id,
        directory = %directory,
        departments = departments.len(),
        unavailable = ?unavailable,
        "contacts sync: applying"
    );
    let page_size = page_size(&store);
    let started = Instant::now();
    let mut apply = store.begin_full_sync(&directory, &unavailable).await?;
    apply.departments(departments).await?;
    match ids_only {
        Some(ids) => {
            let mut ids = ids.into_iter().peekable();
            while ids.peek().is_some() {
                let page: Vec<Member> = ids
                    .by_ref()
                    .take(usize::try_from(page_size).unwrap_or(1))
                    .map(|(userid, depts)| to_member(StagedMember::from_ids(userid, depts)))
                    .collect();
                apply.members(page).await?;
            }
        }
        None => {
            let mut after: Option<String> = None;
            loop {
                let page = apply
                    .staged_page_json(&job.id, staged::MEMBER, after.as_deref(), page_size)
                    .await?;
                let Some((last, _)) = page.last() else {
                    break;
                };
                after = Some(last.clone());
                let members = page
                    .into_iter()
                    .map(|(key, data)| {
                        serde_json::from_str::<StagedMember>(&data)
                            .map(to_member)
                            .map_err(|e| staged_error(staged::MEMBER, &key, e))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                apply.members(members).await?;
            }
        }
    }
    job.counts.members = apply.members_listed();
    if let Some(tags) = tags {
        apply.tags(tags).await?;
    }
    let diff = apply.finish().await?;
    tracing::info!(
        job = %job.id,
        directory = %directory,
        members = job.counts.members,
        elapsed_ms = started.elapsed().as_millis(),
        "contacts sync: applied"
    );
    Ok(diff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(members: &[&str]) -> Seen {
        let mut seen = Seen::default();
        for json in members {
            seen.note(&serde_json::from_str(json).unwrap());
        }
        seen
    }

    #[test]
    fn the_first_pass_reads_which_fields_are_there() {
        let staged = StagedMember {
            mobile: Some("138".into()),
            name: Some("zhangsan".into()),
            extra: [("telephone".to_owned(), Value::from("020"))]
                .into_iter()
                .collect(),
            ..StagedMember::from_ids("zhangsan".into(), vec![1])
        };
        let json = serde_json::to_string(&staged).unwrap();
        let one = seen(&[&json]);
        assert!(one.fields.contains("mobile") && one.fields.contains("extra"));
        assert!(
            !one.fields.contains("name"),
            "a name equal to the userid is the third-party placeholder"
        );
        let unavailable = one.unavailable();
        assert!(unavailable.contains(&"email") && unavailable.contains(&"name"));
        assert!(!unavailable.contains(&"mobile"));

        let bare = serde_json::to_string(&StagedMember::from_ids("lisi".into(), vec![])).unwrap();
        assert!(
            !seen(&[&bare]).fields.contains("extra"),
            "an empty extra is no field"
        );
        assert!(seen(&[]).unavailable().is_empty(), "no members, no verdict");
        // Escaped strings cannot be borrowed; they still compare.
        let escaped = r#"{"userid":"a\"b","name":"a\"b","departments":[]}"#;
        assert!(!seen(&[escaped]).fields.contains("name"));
    }
}
