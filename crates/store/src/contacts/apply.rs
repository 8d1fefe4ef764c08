//! A full sync's result applied as a diff: what the directory holds now versus what is stored.
//!
//! The input is the complete directory (a child department before its parent is fine: parents
//! are plain ids). Every row is compared with its stored version and only what differs is
//! written, in one transaction, so applying the same input twice gives an empty diff the second
//! time. Members absent from the input are marked inactive (`left_at`), never deleted, and the
//! identities linked to them are untouched; absent departments likewise (`removed_at`). Fields
//! the credential cannot read (`unavailable_fields`, see [`UNAVAILABLE_FIELDS`]) keep their
//! stored values.
//!
//! Each changed row is counted once, in the first category that fits: created, reactivated
//! (was inactive), moved (member: set of departments changed; department: parent changed),
//! updated (anything else), removed.
//!
//! This module holds the diff, the comparison rules and the statements that write a change; the
//! apply itself is streamed ([`crate::contacts::full_sync`]: members in pages, one transaction).
//! [`Store::apply_full_sync`] is that apply with everything in memory, for small directories and
//! tests.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::contacts::batch::{Arg, Batching, Stmt, in_list, multi_insert};
use crate::contacts::model::{Department, Member, Tag};
use crate::error::StoreError;
use crate::store::Store;

/// The field names `unavailable_fields` may list, and what each keeps:
///
/// - member columns: `open_userid`, `name`, `alias`, `mobile`, `email`, `biz_mail`, `avatar`,
///   `gender`, `position`, `status`, `main_department`, `extra`;
/// - `departments`: a member's set of departments (moves are then not detected);
/// - `is_leader`: whether a member leads each of its departments;
/// - `department_order`: a member's `sort_order` in each of its departments;
/// - `department_names`: a department's `name` and `name_en`;
/// - `department_leaders`: a department's `leaders`.
///
/// A department's parent and order always come with its id (`department/simplelist`), so they
/// are always overwritten.
pub const UNAVAILABLE_FIELDS: &[&str] = &[
    "open_userid",
    "name",
    "alias",
    "mobile",
    "email",
    "biz_mail",
    "avatar",
    "gender",
    "position",
    "status",
    "main_department",
    "extra",
    "departments",
    "is_leader",
    "department_order",
    "department_names",
    "department_leaders",
];

/// Refuses names not in [`UNAVAILABLE_FIELDS`] (a typo would silently blank a column).
pub(crate) fn check_unavailable_fields(fields: &[String]) -> Result<(), StoreError> {
    for f in fields {
        if !UNAVAILABLE_FIELDS.contains(&f.as_str()) {
            return Err(StoreError::Conflict(format!(
                "unknown unavailable field `{f}`; known: {}",
                UNAVAILABLE_FIELDS.join(", ")
            )));
        }
    }
    Ok(())
}

/// Members per page when [`Store::apply_full_sync`] streams its input.
const COMPARE_PAGE: usize = 5_000;

/// How many example ids a [`DiffPart`] keeps.
pub const DIFF_EXAMPLES: usize = 20;

/// One category of change: how many, and the first few ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffPart {
    /// How many rows.
    pub count: u64,
    /// Up to [`DIFF_EXAMPLES`] of their ids (userid, department id, tag id).
    pub examples: Vec<String>,
}

impl DiffPart {
    pub(crate) fn add(&mut self, id: impl ToString) {
        self.count += 1;
        if self.examples.len() < DIFF_EXAMPLES {
            self.examples.push(id.to_string());
        }
    }
}

/// What changed in one kind of row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityDiff {
    /// New rows.
    pub created: DiffPart,
    /// Rows with changed fields.
    pub updated: DiffPart,
    /// Members whose departments changed; departments whose parent changed.
    pub moved: DiffPart,
    /// Rows gone from the directory (marked inactive; tags are deleted).
    pub removed: DiffPart,
    /// Inactive rows that are back.
    pub reactivated: DiffPart,
}

impl EntityDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        [
            &self.created,
            &self.updated,
            &self.moved,
            &self.removed,
            &self.reactivated,
        ]
        .iter()
        .all(|p| p.count == 0)
    }
}

/// What a full sync changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncDiff {
    /// Departments.
    pub departments: EntityDiff,
    /// Members.
    pub members: EntityDiff,
    /// Tags (only when the sync read tags).
    pub tags: EntityDiff,
}

impl SyncDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.departments.is_empty() && self.members.is_empty() && self.tags.is_empty()
    }
}

const DEPARTMENT_UPSERT_HEAD: &str = "contact_departments (directory, dept_id, parent_id, name, name_en, sort_order, leaders, active, removed_at, updated_at)";
const DEPARTMENT_UPSERT_TAIL: &str = "ON CONFLICT (directory, dept_id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, \
     name_en = excluded.name_en, sort_order = excluded.sort_order, leaders = excluded.leaders, active = excluded.active, \
     removed_at = excluded.removed_at, updated_at = excluded.updated_at";

pub(crate) fn department_row(d: &Department, now: i64) -> Vec<Arg> {
    vec![
        Arg::from(&d.directory),
        Arg::from(d.dept_id),
        Arg::from(d.parent_id),
        Arg::from(&d.name),
        Arg::from(&d.name_en),
        Arg::from(d.sort_order),
        Arg::from(serde_json::Value::from(d.leaders.clone()).to_string()),
        Arg::from(d.active),
        Arg::from(d.removed_at),
        Arg::from(now),
    ]
}

/// Upserts of whole department rows.
pub(crate) fn department_upserts(
    batching: Batching,
    rows: &[Department],
    now: i64,
) -> impl Iterator<Item = Stmt> + Send + '_ {
    multi_insert(
        batching,
        DEPARTMENT_UPSERT_HEAD,
        DEPARTMENT_UPSERT_TAIL,
        10,
        rows,
        move |d| department_row(d, now),
    )
}

const MEMBER_UPSERT_HEAD: &str = "contact_members (directory, userid, open_userid, name, alias, mobile, email, biz_mail, avatar, gender, position, status, main_department, extra, active, left_at, updated_at)";
const MEMBER_UPSERT_TAIL: &str = "ON CONFLICT (directory, userid) DO UPDATE SET open_userid = excluded.open_userid, name = excluded.name, \
     alias = excluded.alias, mobile = excluded.mobile, email = excluded.email, biz_mail = excluded.biz_mail, avatar = excluded.avatar, \
     gender = excluded.gender, position = excluded.position, status = excluded.status, main_department = excluded.main_department, \
     extra = excluded.extra, active = excluded.active, left_at = excluded.left_at, updated_at = excluded.updated_at";

fn member_row(m: &Member, now: i64) -> Vec<Arg> {
    vec![
        Arg::from(&m.directory),
        Arg::from(&m.userid),
        Arg::from(&m.open_userid),
        Arg::from(&m.name),
        Arg::from(&m.alias),
        Arg::from(&m.mobile),
        Arg::from(&m.email),
        Arg::from(&m.biz_mail),
        Arg::from(&m.avatar),
        Arg::from(&m.gender),
        Arg::from(&m.position),
        Arg::from(m.status),
        Arg::from(m.main_department),
        Arg::from(m.extra.to_string()),
        Arg::from(m.active),
        Arg::from(m.left_at),
        Arg::from(now),
    ]
}

/// Upserts of whole member rows (not their departments).
pub(crate) fn member_upserts(
    batching: Batching,
    rows: &[Member],
    now: i64,
) -> impl Iterator<Item = Stmt> + Send + '_ {
    multi_insert(
        batching,
        MEMBER_UPSERT_HEAD,
        MEMBER_UPSERT_TAIL,
        17,
        rows,
        move |m| member_row(m, now),
    )
}

/// Replaces the department rows of `members` with their `departments`.
pub(crate) fn member_department_replacements<'a>(
    batching: Batching,
    directory: &'a str,
    members: &'a [&'a Member],
) -> impl Iterator<Item = Stmt> + Send + 'a {
    let deletes = in_list(
        batching,
        "DELETE FROM contact_member_departments WHERE directory = $1 AND userid",
        vec![Arg::from(directory)],
        members.iter().map(|m| Arg::from(&m.userid)).collect(),
    );
    let pairs: Vec<(&'a str, i64, bool, i64)> = members
        .iter()
        .flat_map(|m| {
            m.departments
                .iter()
                .map(|d| (m.userid.as_str(), d.dept_id, d.is_leader, d.sort_order))
        })
        .collect();
    let inserts: Vec<Stmt> = multi_insert(
        batching,
        "contact_member_departments (directory, userid, dept_id, is_leader, sort_order)",
        "",
        5,
        &pairs,
        |(userid, dept_id, is_leader, sort_order)| {
            vec![
                Arg::from(directory),
                Arg::from(*userid),
                Arg::from(*dept_id),
                Arg::from(*is_leader),
                Arg::from(*sort_order),
            ]
        },
    )
    .collect();
    deletes.into_iter().chain(inserts)
}

/// Sorts a member's departments by id and drops duplicates (the first of an id wins).
pub(crate) fn normalise_departments(m: &mut Member) {
    m.departments.sort_by_key(|d| d.dept_id);
    m.departments.dedup_by_key(|d| d.dept_id);
}

/// Keeps the stored values of the fields the credential cannot read.
pub(crate) fn keep_unavailable_member_fields(
    m: &mut Member,
    stored: &Member,
    unavailable: &HashSet<&str>,
) {
    macro_rules! keep {
        ($($field:ident),*) => {
            $(if unavailable.contains(stringify!($field)) {
                m.$field = stored.$field.clone();
            })*
        };
    }
    keep!(
        open_userid,
        name,
        alias,
        mobile,
        email,
        biz_mail,
        avatar,
        gender,
        position,
        status,
        main_department,
        extra,
        departments
    );
    let keep_leader = unavailable.contains("is_leader");
    let keep_order = unavailable.contains("department_order");
    if keep_leader || keep_order {
        for d in &mut m.departments {
            let had = stored.departments.iter().find(|s| s.dept_id == d.dept_id);
            if keep_leader {
                d.is_leader = had.is_some_and(|s| s.is_leader);
            }
            if keep_order {
                d.sort_order = had.map_or(0, |s| s.sort_order);
            }
        }
    }
}

/// Keeps the stored name and leaders of a department when the credential cannot read them.
pub(crate) fn keep_unavailable_department_fields(
    d: &mut Department,
    stored: &Department,
    unavailable: &HashSet<&str>,
) {
    if unavailable.contains("department_names") {
        d.name = stored.name.clone();
        d.name_en = stored.name_en.clone();
    }
    if unavailable.contains("department_leaders") {
        d.leaders = stored.leaders.clone();
    }
}

/// Whether two members differ in anything but their directory and activity.
pub(crate) fn member_fields_differ(a: &Member, b: &Member) -> bool {
    a.open_userid != b.open_userid
        || a.name != b.name
        || a.alias != b.alias
        || a.mobile != b.mobile
        || a.email != b.email
        || a.biz_mail != b.biz_mail
        || a.avatar != b.avatar
        || a.gender != b.gender
        || a.position != b.position
        || a.status != b.status
        || a.main_department != b.main_department
        || a.extra != b.extra
        || a.departments != b.departments
}

/// Whether the member's set of departments differs.
pub(crate) fn member_moved(a: &Member, b: &Member) -> bool {
    let ids = |m: &Member| m.departments.iter().map(|d| d.dept_id).collect::<Vec<_>>();
    ids(a) != ids(b)
}

/// Whether two departments differ in anything but their directory and activity.
pub(crate) fn department_fields_differ(a: &Department, b: &Department) -> bool {
    a.parent_id != b.parent_id
        || a.name != b.name
        || a.name_en != b.name_en
        || a.sort_order != b.sort_order
        || a.leaders != b.leaders
}

/// Sorts a tag's userids and department ids and drops duplicates.
pub(crate) fn normalise_tag(t: &mut Tag) {
    t.userids.sort();
    t.userids.dedup();
    t.dept_ids.sort_unstable();
    t.dept_ids.dedup();
}

/// Rewrites the rows of `tags` (tag and tag members).
pub(crate) fn tag_replacements(batching: Batching, directory: &str, tags: &[Tag]) -> Vec<Stmt> {
    let mut stmts: Vec<Stmt> = multi_insert(
        batching,
        "contact_tags (directory, tag_id, name)",
        "ON CONFLICT (directory, tag_id) DO UPDATE SET name = excluded.name",
        3,
        tags,
        |t| {
            vec![
                Arg::from(directory),
                Arg::from(t.tag_id),
                Arg::from(&t.name),
            ]
        },
    )
    .collect();
    stmts.extend(in_list(
        batching,
        "DELETE FROM contact_tag_members WHERE directory = $1 AND tag_id",
        vec![Arg::from(directory)],
        tags.iter().map(|t| Arg::from(t.tag_id)).collect(),
    ));
    let items: Vec<(i64, String, i64)> = tags
        .iter()
        .flat_map(|t| {
            t.userids
                .iter()
                .map(|u| (t.tag_id, u.clone(), 0))
                .chain(t.dept_ids.iter().map(|d| (t.tag_id, String::new(), *d)))
        })
        .collect();
    stmts.extend(multi_insert(
        batching,
        "contact_tag_members (directory, tag_id, userid, dept_id)",
        "ON CONFLICT (directory, tag_id, userid, dept_id) DO NOTHING",
        4,
        &items,
        |(tag_id, userid, dept_id)| {
            vec![
                Arg::from(directory),
                Arg::from(*tag_id),
                Arg::from(userid),
                Arg::from(*dept_id),
            ]
        },
    ));
    stmts
}

/// The tag rows to write for `incoming` tags against `stored` ones (normalised), counting the
/// changes in `diff`: created, updated (name or what it tags), removed (deleted with its rows).
pub(crate) fn tag_changes(
    batching: Batching,
    directory: &str,
    mut stored: HashMap<i64, Tag>,
    tags: Vec<Tag>,
    diff: &mut EntityDiff,
) -> Vec<Stmt> {
    let mut incoming: BTreeMap<i64, Tag> = BTreeMap::new();
    for mut t in tags {
        normalise_tag(&mut t);
        incoming.insert(t.tag_id, t);
    }
    let mut writes = Vec::new();
    for (id, t) in incoming {
        match stored.remove(&id) {
            None => diff.created.add(id),
            Some(s) if s != t => diff.updated.add(id),
            Some(_) => continue,
        }
        writes.push(t);
    }
    let mut stmts = tag_replacements(batching, directory, &writes);
    let mut gone: Vec<i64> = stored.into_keys().collect();
    gone.sort_unstable();
    for id in &gone {
        diff.removed.add(id);
    }
    let gone: Vec<Arg> = gone.into_iter().map(Arg::from).collect();
    stmts.extend(in_list(
        batching,
        "DELETE FROM contact_tag_members WHERE directory = $1 AND tag_id",
        vec![Arg::from(directory)],
        gone.clone(),
    ));
    stmts.extend(in_list(
        batching,
        "DELETE FROM contact_tags WHERE directory = $1 AND tag_id",
        vec![Arg::from(directory)],
        gone,
    ));
    stmts
}

impl Store {
    /// Applies a full sync of `directory` (which must exist, see [`Store::upsert_directory`])
    /// held in memory: the complete list of departments and members (and tags, when the sync
    /// read them; `None` leaves tags alone), in any order, a member listed twice merged. The
    /// streamed apply ([`Store::begin_full_sync`]) with the members sorted and paged here: writes
    /// only what differs, in one transaction, and records `unavailable_fields` and the sync time
    /// on the directory. See the module docs.
    pub async fn apply_full_sync(
        &self,
        directory: &str,
        departments: Vec<Department>,
        members: Vec<Member>,
        tags: Option<Vec<Tag>>,
        unavailable_fields: &[String],
    ) -> Result<SyncDiff, StoreError> {
        let mut apply = self.begin_full_sync(directory, unavailable_fields).await?;
        apply.departments(departments).await?;
        // Sorted by userid, a member's listings side by side (one page holds them all).
        let mut members = members;
        members.sort_by(|a, b| a.userid.cmp(&b.userid));
        let mut members = members.into_iter().peekable();
        while members.peek().is_some() {
            let mut page: Vec<Member> = members.by_ref().take(COMPARE_PAGE).collect();
            while let (Some(last), Some(next)) = (page.last(), members.peek())
                && last.userid == next.userid
            {
                page.extend(members.next());
            }
            apply.members(page).await?;
        }
        if let Some(tags) = tags {
            apply.tags(tags).await?;
        }
        apply.finish().await
    }
}
