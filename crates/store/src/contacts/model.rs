//! The directory's rows as plain values (departments, members with their departments, tags) and
//! their decoding from database rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::StoreError;

fn yes() -> bool {
    true
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// A department of a directory.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Department {
    /// The directory it belongs to (filled in by the store on input).
    #[serde(default)]
    pub directory: String,
    /// WeCom's department id (the root is 1).
    pub dept_id: i64,
    /// The parent's id (0 for the root).
    #[serde(default)]
    pub parent_id: i64,
    /// Name, when the credential may read it.
    #[serde(default)]
    pub name: Option<String>,
    /// English name, when set and readable.
    #[serde(default)]
    pub name_en: Option<String>,
    /// The platform's `order` among siblings.
    #[serde(default)]
    pub sort_order: i64,
    /// Userids of the department's leaders (`department_leader`), as the platform lists them.
    #[serde(default)]
    pub leaders: Vec<String>,
    /// False once the department disappeared from the directory (ignored on input).
    #[serde(default = "yes")]
    pub active: bool,
    /// When it disappeared (unix ms; ignored on input).
    #[serde(default)]
    pub removed_at: Option<i64>,
}

/// One department of a member.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemberDepartment {
    /// The department.
    pub dept_id: i64,
    /// Whether the member leads it (`is_leader_in_dept`).
    #[serde(default)]
    pub is_leader: bool,
    /// The member's `order` within it.
    #[serde(default)]
    pub sort_order: i64,
}

/// A member of a directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// The directory it belongs to (filled in by the store on input).
    #[serde(default)]
    pub directory: String,
    /// The userid as this directory's credential sees it.
    pub userid: String,
    /// The open_userid (suites, or `userid_to_openuserid`), when known.
    #[serde(default)]
    pub open_userid: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Alias.
    #[serde(default)]
    pub alias: Option<String>,
    /// Mobile, where the privacy rules allow it.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Email, where allowed.
    #[serde(default)]
    pub email: Option<String>,
    /// Corporate email, where allowed.
    #[serde(default)]
    pub biz_mail: Option<String>,
    /// Avatar URL, where allowed.
    #[serde(default)]
    pub avatar: Option<String>,
    /// Gender as the platform gives it (`"0"` unknown, `"1"` male, `"2"` female).
    #[serde(default)]
    pub gender: Option<String>,
    /// Position.
    #[serde(default)]
    pub position: Option<String>,
    /// The platform's status: 1 active, 2 disabled, 4 not activated, 5 quit.
    #[serde(default)]
    pub status: Option<i64>,
    /// The main department.
    #[serde(default)]
    pub main_department: Option<i64>,
    /// Departments, sorted by id.
    #[serde(default)]
    pub departments: Vec<MemberDepartment>,
    /// Every other field the platform gave (telephone, direct_leader, extattr, …).
    #[serde(default = "empty_object")]
    pub extra: Value,
    /// False once the member left the directory (ignored on input).
    #[serde(default = "yes")]
    pub active: bool,
    /// When the member left (unix ms; ignored on input).
    #[serde(default)]
    pub left_at: Option<i64>,
}

impl Member {
    /// A member with only a userid (every other field unknown), active.
    pub fn new(userid: impl Into<String>) -> Member {
        Member {
            directory: String::new(),
            userid: userid.into(),
            open_userid: None,
            name: None,
            alias: None,
            mobile: None,
            email: None,
            biz_mail: None,
            avatar: None,
            gender: None,
            position: None,
            status: None,
            main_department: None,
            departments: Vec::new(),
            extra: empty_object(),
            active: true,
            left_at: None,
        }
    }
}

/// A tag with what it tags.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tag {
    /// WeCom's tag id.
    pub tag_id: i64,
    /// Name, when known.
    #[serde(default)]
    pub name: Option<String>,
    /// Tagged members, sorted.
    #[serde(default)]
    pub userids: Vec<String>,
    /// Tagged departments, sorted.
    #[serde(default)]
    pub dept_ids: Vec<i64>,
}

pub(crate) const DEPARTMENT_COLUMNS: &str =
    "directory, dept_id, parent_id, name, name_en, sort_order, leaders, active, removed_at";

#[derive(sqlx::FromRow)]
pub(crate) struct DepartmentRow {
    directory: String,
    dept_id: i64,
    parent_id: i64,
    name: Option<String>,
    name_en: Option<String>,
    sort_order: i64,
    leaders: String,
    active: i64,
    removed_at: Option<i64>,
}

impl TryFrom<DepartmentRow> for Department {
    type Error = StoreError;

    fn try_from(r: DepartmentRow) -> Result<Department, StoreError> {
        Ok(Department {
            leaders: serde_json::from_str(&r.leaders)
                .map_err(StoreError::json("contact_departments.leaders"))?,
            directory: r.directory,
            dept_id: r.dept_id,
            parent_id: r.parent_id,
            name: r.name,
            name_en: r.name_en,
            sort_order: r.sort_order,
            active: r.active != 0,
            removed_at: r.removed_at,
        })
    }
}

pub(crate) const MEMBER_COLUMNS: &str = "directory, userid, open_userid, name, alias, mobile, email, biz_mail, avatar, gender, position, status, main_department, extra, active, left_at";

#[derive(sqlx::FromRow)]
pub(crate) struct MemberRow {
    directory: String,
    userid: String,
    open_userid: Option<String>,
    name: Option<String>,
    alias: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
    biz_mail: Option<String>,
    avatar: Option<String>,
    gender: Option<String>,
    position: Option<String>,
    status: Option<i64>,
    main_department: Option<i64>,
    extra: String,
    active: i64,
    left_at: Option<i64>,
}

impl MemberRow {
    /// The member, with `departments` left empty (filled from `contact_member_departments`).
    pub(crate) fn into_member(self) -> Result<Member, StoreError> {
        Ok(Member {
            extra: serde_json::from_str(&self.extra)
                .map_err(StoreError::json("contact_members.extra"))?,
            directory: self.directory,
            userid: self.userid,
            open_userid: self.open_userid,
            name: self.name,
            alias: self.alias,
            mobile: self.mobile,
            email: self.email,
            biz_mail: self.biz_mail,
            avatar: self.avatar,
            gender: self.gender,
            position: self.position,
            status: self.status,
            main_department: self.main_department,
            departments: Vec::new(),
            active: self.active != 0,
            left_at: self.left_at,
        })
    }
}

/// `(userid, dept_id, is_leader, sort_order)` rows of `contact_member_departments`.
pub(crate) type MemberDepartmentRow = (String, i64, i64, i64);

/// Attaches department rows to their members (departments sorted by id).
pub(crate) fn attach_departments(members: &mut [Member], rows: Vec<MemberDepartmentRow>) {
    let mut by_user: BTreeMap<String, Vec<MemberDepartment>> = BTreeMap::new();
    for (userid, dept_id, is_leader, sort_order) in rows {
        by_user.entry(userid).or_default().push(MemberDepartment {
            dept_id,
            is_leader: is_leader != 0,
            sort_order,
        });
    }
    for m in members {
        if let Some(mut d) = by_user.remove(&m.userid) {
            d.sort_by_key(|d| d.dept_id);
            m.departments = d;
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TagMemberRow {
    pub(crate) tag_id: i64,
    pub(crate) userid: String,
    pub(crate) dept_id: i64,
}

/// Tags put together from their rows (`tag_id`, `name`) and their member rows (a userid, or a
/// department when the userid is empty), by id; a member row whose tag has no row still makes the
/// tag (without a name).
pub(crate) fn assemble_tags(
    tags: Vec<(i64, Option<String>)>,
    members: Vec<TagMemberRow>,
) -> BTreeMap<i64, Tag> {
    let mut by_id: BTreeMap<i64, Tag> = tags
        .into_iter()
        .map(|(tag_id, name)| {
            (
                tag_id,
                Tag {
                    tag_id,
                    name,
                    ..Tag::default()
                },
            )
        })
        .collect();
    for m in members {
        let tag = by_id.entry(m.tag_id).or_insert_with(|| Tag {
            tag_id: m.tag_id,
            ..Tag::default()
        });
        if m.userid.is_empty() {
            tag.dept_ids.push(m.dept_id);
        } else {
            tag.userids.push(m.userid);
        }
    }
    by_id
}
