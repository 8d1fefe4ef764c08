//! The records of a WeCom corporate directory (departments, members, tags) with the field names and
//! types of the contacts APIs (NOTES.md §3.3), and the [`Directory`] that holds and indexes them.
//!
//! Field names are the API's, so a record serialises to what `user/get` or `department/get` put in
//! their responses and a seed file can be pasted from real API output.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::index::Indexes;

/// The id of the root department; its `parentid` is 0.
pub const ROOT_DEPARTMENT: u32 = 1;

/// A department (部门), as `department/get` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Department id; the root is 1.
    pub id: u32,
    /// Display name, unique among siblings. Not returned to third-party apps.
    #[serde(default)]
    pub name: String,
    /// English name, if set. Not returned to third-party apps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Parent id; 0 for the root.
    #[serde(default)]
    pub parentid: u32,
    /// Sort value among siblings: larger first, range [0, 2^32).
    #[serde(default)]
    pub order: u32,
    /// Userids of the department's leaders (负责人).
    #[serde(default)]
    pub department_leader: Vec<String>,
}

/// A member (成员), with every field `user/get` and `user/list` can return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// UserID: 1–64 bytes, unique ignoring case.
    pub userid: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Department ids the member belongs to.
    #[serde(default)]
    pub department: Vec<u32>,
    /// Sort value in each department of `department` (larger first).
    #[serde(default)]
    pub order: Vec<u32>,
    /// Job title (职务).
    #[serde(default)]
    pub position: String,
    /// Mobile number, unique within the corp when non-empty.
    #[serde(default)]
    pub mobile: String,
    /// `"0"` undefined, `"1"` male, `"2"` female — a string, as documented.
    #[serde(default = "default_gender")]
    pub gender: String,
    /// Personal email, unique within the corp when non-empty.
    #[serde(default)]
    pub email: String,
    /// Corporate mailbox (企业邮箱).
    #[serde(default)]
    pub biz_mail: String,
    /// 1 where the member leads the department at the same index of `department`.
    #[serde(default)]
    pub is_leader_in_dept: Vec<u8>,
    /// Userids of the member's direct superiors (at most 5).
    #[serde(default)]
    pub direct_leader: Vec<String>,
    /// Avatar URL.
    #[serde(default)]
    pub avatar: String,
    /// Thumbnail avatar URL.
    #[serde(default)]
    pub thumb_avatar: String,
    /// Landline (座机).
    #[serde(default)]
    pub telephone: String,
    /// Alias (别名).
    #[serde(default)]
    pub alias: String,
    /// Office address.
    #[serde(default)]
    pub address: String,
    /// The id third-party apps see; empty in a seed file means "derive it" (see [`open_userid_for`]).
    #[serde(default)]
    pub open_userid: String,
    /// Main department (主部门).
    #[serde(default)]
    pub main_department: u32,
    /// 1 active, 2 disabled, 4 not activated, 5 left.
    #[serde(default = "default_status")]
    pub status: u8,
    /// English name (older field still returned by `user/list`).
    #[serde(default)]
    pub english_name: String,
    /// Personal QR-code URL.
    #[serde(default)]
    pub qr_code: String,
    /// Extended attributes, `{"attrs":[…]}`.
    #[serde(default = "default_extattr")]
    pub extattr: serde_json::Value,
}

fn default_gender() -> String {
    "0".to_owned()
}

fn default_status() -> u8 {
    1
}

pub(crate) fn default_extattr() -> serde_json::Value {
    serde_json::json!({ "attrs": [] })
}

impl Member {
    /// A member with only the required fields set, in the given departments (order 0, no leader
    /// flags, status 1); set the other public fields directly.
    pub fn new(userid: &str, name: &str, department: Vec<u32>) -> Self {
        let n = department.len();
        Member {
            userid: userid.to_owned(),
            name: name.to_owned(),
            main_department: department.first().copied().unwrap_or(ROOT_DEPARTMENT),
            department,
            order: vec![0; n],
            position: String::new(),
            mobile: String::new(),
            gender: default_gender(),
            email: String::new(),
            biz_mail: String::new(),
            is_leader_in_dept: vec![0; n],
            direct_leader: Vec::new(),
            avatar: String::new(),
            thumb_avatar: String::new(),
            telephone: String::new(),
            alias: String::new(),
            address: String::new(),
            open_userid: String::new(),
            status: default_status(),
            english_name: String::new(),
            qr_code: String::new(),
            extattr: default_extattr(),
        }
    }

    /// The member's sort value in `department` (0 if it is not a member there).
    pub fn order_in(&self, department: u32) -> u32 {
        self.department
            .iter()
            .position(|d| *d == department)
            .and_then(|i| self.order.get(i).copied())
            .unwrap_or(0)
    }
}

/// A tag (标签) and its direct members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tag {
    /// Tag id.
    pub tagid: u32,
    /// Tag name, unique within the corp.
    pub tagname: String,
    /// Tagged userids.
    pub userlist: Vec<String>,
    /// Tagged department ids (their whole subtrees count as tagged).
    pub partylist: Vec<u32>,
}

/// The open_userid the simulator gives `userid` in `corp_id`: `wo` followed by 32 hex digits of
/// SHA-256 over both, so it is stable across runs and differs between corps.
pub fn open_userid_for(corp_id: &str, userid: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(corp_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(userid.as_bytes());
    let digest = hasher.finalize();
    format!("wo{}", hex::encode(&digest[..16]))
}

/// A corporate directory: departments, members and tags, with indexes kept consistent by every
/// mutation.
#[derive(Debug, Clone)]
pub struct Directory {
    pub(crate) corp_id: String,
    pub(crate) departments: BTreeMap<u32, Department>,
    pub(crate) members: BTreeMap<String, Member>,
    pub(crate) tags: BTreeMap<u32, Tag>,
    pub(crate) index: Indexes,
    pub(crate) version: u64,
}

impl Directory {
    /// Assembles a directory from records that are already known to be consistent (ids unique,
    /// parents and departments exist), filling empty `open_userid`s and building the indexes.
    pub(crate) fn from_records(
        corp_id: &str,
        departments: BTreeMap<u32, Department>,
        mut members: BTreeMap<String, Member>,
        tags: BTreeMap<u32, Tag>,
    ) -> Self {
        for member in members.values_mut() {
            if member.open_userid.is_empty() {
                member.open_userid = open_userid_for(corp_id, &member.userid);
            }
        }
        let index = Indexes::build(&departments, &members);
        Directory {
            corp_id: corp_id.to_owned(),
            departments,
            members,
            tags,
            index,
            version: 0,
        }
    }

    /// The corp id the directory belongs to.
    pub fn corp_id(&self) -> &str {
        &self.corp_id
    }

    /// A counter bumped by every successful mutation.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Number of departments, the root included.
    pub fn department_count(&self) -> usize {
        self.departments.len()
    }

    /// Number of members.
    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// The department with this id.
    pub fn department(&self, id: u32) -> Option<&Department> {
        self.departments.get(&id)
    }

    /// All departments, by id.
    pub fn departments(&self) -> impl Iterator<Item = &Department> {
        self.departments.values()
    }

    /// The direct sub-departments of `id`, larger `order` first, then by id.
    pub fn children(&self, id: u32) -> Vec<&Department> {
        self.index
            .children_of(id)
            .filter_map(|child| self.departments.get(&child))
            .collect()
    }

    /// Every department below `id` (not `id` itself), breadth first. Iterative, so deep trees
    /// cannot overflow the stack.
    pub fn descendants(&self, id: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut next = 0;
        out.extend(self.index.children_of(id));
        while next < out.len() {
            let current = out[next];
            next += 1;
            out.extend(self.index.children_of(current));
        }
        out
    }

    /// The ancestors of `id`, nearest first, ending with the root (empty for the root or an
    /// unknown id).
    pub fn ancestors(&self, id: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut current = self.departments.get(&id).map(|d| d.parentid);
        while let Some(parent) = current.filter(|p| *p != 0) {
            if out.contains(&parent) || out.len() > self.departments.len() {
                break;
            }
            out.push(parent);
            current = self.departments.get(&parent).map(|d| d.parentid);
        }
        out
    }

    /// The members of `department` (larger order first, then by userid); with `recursive`, also
    /// the members of every sub-department, each member once.
    pub fn members_of(&self, department: u32, recursive: bool) -> Vec<&Member> {
        let mut departments = vec![department];
        if recursive {
            departments.extend(self.descendants(department));
        }
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for dept in departments {
            for userid in self.index.members_in(dept) {
                if seen.insert(userid)
                    && let Some(member) = self.members.get(userid)
                {
                    out.push(member);
                }
            }
        }
        out
    }

    /// The member with exactly this userid.
    pub fn member(&self, userid: &str) -> Option<&Member> {
        self.members.get(userid)
    }

    /// The member whose userid equals `userid` ignoring ASCII case, as the platform matches them.
    pub fn member_ignoring_case(&self, userid: &str) -> Option<&Member> {
        self.index
            .userid_by_folded(userid)
            .and_then(|actual| self.members.get(actual))
    }

    /// The member with this open_userid.
    pub fn member_by_open_userid(&self, open_userid: &str) -> Option<&Member> {
        self.index
            .userid_by_open_userid(open_userid)
            .and_then(|userid| self.members.get(userid))
    }

    /// All members, by userid.
    pub fn members(&self) -> impl Iterator<Item = &Member> {
        self.members.values()
    }

    /// All tags, by id.
    pub fn tags(&self) -> impl Iterator<Item = &Tag> {
        self.tags.values()
    }

    /// The tag with this id.
    pub fn tag(&self, tagid: u32) -> Option<&Tag> {
        self.tags.get(&tagid)
    }

    /// True when every index equals one rebuilt from the records (used by tests after mutations).
    pub fn indexes_are_consistent(&self) -> bool {
        self.index == Indexes::build(&self.departments, &self.members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_userid_is_stable_and_corp_specific() {
        let a = open_userid_for("wwcorp1", "zhangsan");
        assert_eq!(a, open_userid_for("wwcorp1", "zhangsan"));
        assert_ne!(a, open_userid_for("wwcorp2", "zhangsan"));
        assert_ne!(a, open_userid_for("wwcorp1", "lisi"));
        assert!(a.starts_with("wo"));
        assert_eq!(a.len(), 34);
    }

    #[test]
    fn member_defaults_follow_the_api_types() {
        let m: Member = serde_json::from_str(r#"{"userid":"a","department":[1]}"#).unwrap();
        assert_eq!(m.gender, "0");
        assert_eq!(m.status, 1);
        assert_eq!(m.extattr, serde_json::json!({"attrs": []}));
    }
}
