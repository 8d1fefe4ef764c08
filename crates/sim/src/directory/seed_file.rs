//! Loading a directory from a JSON seed file and exporting one, so a user can describe their own
//! corp — or paste real `department/list`, `user/list` and `tag/get` output — and replay it.
//!
//! Format: `{"departments":[…],"members":[…],"tags":[…]}` with the APIs' field names. Tag
//! `userlist` entries may be userids or `tag/get`'s `{"userid","name"}` objects. Fields an app
//! could not see (privacy views) may be missing. `direct_leader` and `department_leader` may name
//! people outside the file, since pasted output is often one department's worth.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::index::fold_userid;
use super::model::{Department, Directory, Member, ROOT_DEPARTMENT, Tag};
use super::mutate::valid_userid;

/// Why a seed file was refused.
#[derive(Debug, Error)]
pub enum SeedError {
    /// Not JSON of the expected shape.
    #[error(
        "seed file is not valid JSON of the form {{\"departments\":[…],\"members\":[…],\"tags\":[…]}}: {0}"
    )]
    Json(#[from] serde_json::Error),
    /// No department with id 1 and parentid 0.
    #[error("the root department (id 1, parentid 0) is missing: add it to \"departments\"")]
    MissingRoot,
    /// A department or tag has id 0, which the platform never uses.
    #[error("{0} has id 0: ids start at 1")]
    ZeroId(&'static str),
    /// Two departments share an id.
    #[error("department id {0} appears twice: department ids must be unique")]
    DuplicateDepartment(u32),
    /// A department other than the root has parentid 0, or the root has a parent.
    #[error("department {0} has the wrong parent: only department 1 has parentid 0")]
    BadRoot(u32),
    /// A department's parent is not in the file.
    #[error("department {id} has parentid {parentid}, which is not in the file: add the parent")]
    UnknownParent {
        /// The department.
        id: u32,
        /// Its missing parent.
        parentid: u32,
    },
    /// Parent links form a loop that never reaches the root.
    #[error(
        "department {0} is part of a parent cycle: every department must lead up to department 1"
    )]
    Cycle(u32),
    /// Two siblings share a name.
    #[error(
        "departments {first} and {second} have the same name {name:?} under the same parent: rename one"
    )]
    DuplicateSiblingName {
        /// The first department.
        first: u32,
        /// The second department.
        second: u32,
        /// The shared name.
        name: String,
    },
    /// A userid is malformed.
    #[error(
        "userid {0:?} is invalid: use 1-64 letters, digits or _-@. starting with a letter or digit"
    )]
    InvalidUserId(String),
    /// Two members share a userid (ignoring case).
    #[error("userid {0:?} appears twice (ignoring case): userids must be unique")]
    DuplicateUser(String),
    /// A member lists a department that is not in the file.
    #[error(
        "member {userid:?} is in department {department}, which is not in the file: add it or fix the member"
    )]
    UnknownDepartment {
        /// The member.
        userid: String,
        /// The missing department.
        department: u32,
    },
    /// A member lists a department twice.
    #[error("member {userid:?} lists department {department} twice: list each department once")]
    RepeatedDepartment {
        /// The member.
        userid: String,
        /// The repeated department.
        department: u32,
    },
    /// A field holds a value the API never returns.
    #[error("member {userid:?} has {field} {value:?}: {expected}")]
    BadValue {
        /// The member.
        userid: String,
        /// The field.
        field: &'static str,
        /// The value found.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// A member has no department.
    #[error("member {0:?} has no department: give at least one")]
    NoDepartment(String),
    /// `order` or `is_leader_in_dept` is neither empty nor one entry per department.
    #[error(
        "member {userid:?}: {field} has {got} entries for {expected} departments: give one per department or omit it"
    )]
    LengthMismatch {
        /// The member.
        userid: String,
        /// The field.
        field: &'static str,
        /// Its length.
        got: usize,
        /// The number of departments.
        expected: usize,
    },
    /// `main_department` is not one of the member's departments.
    #[error("member {userid:?} has main_department {main}, which is not one of its departments")]
    BadMainDepartment {
        /// The member.
        userid: String,
        /// The given main department.
        main: u32,
    },
    /// A mobile or email is used by two members.
    #[error("{field} {value:?} is used by both {first:?} and {second:?}: it must be unique")]
    DuplicateContact {
        /// "mobile", "email" or "open_userid".
        field: &'static str,
        /// The shared value.
        value: String,
        /// One member.
        first: String,
        /// The other member.
        second: String,
    },
    /// A tag id or tag name appears twice.
    #[error("tag {0:?} appears twice: tag ids and names must be unique")]
    DuplicateTag(String),
    /// A tag refers to an unknown member or department.
    #[error("tag {tagid} refers to {item}, which is not in the file")]
    UnknownTagItem {
        /// The tag.
        tagid: u32,
        /// The missing member or department.
        item: String,
    },
}

/// The seed-file document.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SeedFile {
    /// Departments, as in `department/list`.
    #[serde(default)]
    pub departments: Vec<Department>,
    /// Members, as in `user/list`'s `userlist`.
    #[serde(default)]
    pub members: Vec<Member>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<SeedTag>,
}

/// A tag in a seed file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedTag {
    /// Tag id.
    pub tagid: u32,
    /// Tag name.
    pub tagname: String,
    /// Tagged members.
    #[serde(default)]
    pub userlist: Vec<SeedTagUser>,
    /// Tagged departments.
    #[serde(default)]
    pub partylist: Vec<u32>,
}

/// A tagged member: a bare userid, or `tag/get`'s `{"userid":…,"name":…}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeedTagUser {
    /// A userid.
    Id(String),
    /// An entry copied from `tag/get`.
    Entry {
        /// The userid.
        userid: String,
    },
}

impl SeedTagUser {
    fn userid(&self) -> &str {
        match self {
            SeedTagUser::Id(id) | SeedTagUser::Entry { userid: id } => id,
        }
    }
}

impl Directory {
    /// Parses and validates a seed file.
    pub fn from_seed_json(corp_id: &str, json: &str) -> Result<Directory, SeedError> {
        let seed: SeedFile = serde_json::from_str(json)?;
        Directory::from_seed(corp_id, seed)
    }

    /// Validates a seed document and builds the directory. Missing `order` and
    /// `is_leader_in_dept` default to zeros, a missing `main_department` to the first department.
    pub fn from_seed(corp_id: &str, seed: SeedFile) -> Result<Directory, SeedError> {
        let departments = check_departments(seed.departments)?;
        let members = check_members(seed.members, &departments)?;
        let tags = check_tags(seed.tags, &departments, &members)?;
        Ok(Directory::from_records(corp_id, departments, members, tags))
    }

    /// The seed document describing this directory (records sorted by id, so equal directories
    /// give equal documents).
    pub fn to_seed(&self) -> SeedFile {
        SeedFile {
            departments: self.departments.values().cloned().collect(),
            members: self.members.values().cloned().collect(),
            tags: self
                .tags
                .values()
                .map(|t| SeedTag {
                    tagid: t.tagid,
                    tagname: t.tagname.clone(),
                    userlist: t.userlist.iter().cloned().map(SeedTagUser::Id).collect(),
                    partylist: t.partylist.clone(),
                })
                .collect(),
        }
    }

    /// The seed file for this directory, pretty-printed JSON (the same document as
    /// [`to_seed`](Self::to_seed), written without copying the records).
    pub fn to_seed_json(&self) -> String {
        let borrowed = SeedFileRef {
            departments: self.departments.values().collect(),
            members: self.members.values().collect(),
            tags: self.tags.values().map(SeedTagRef::from).collect(),
        };
        // Serialising plain records with string keys cannot fail.
        serde_json::to_string_pretty(&borrowed).unwrap_or_default()
    }
}

/// [`SeedFile`] over borrowed records, for export.
#[derive(Serialize)]
struct SeedFileRef<'a> {
    departments: Vec<&'a Department>,
    members: Vec<&'a Member>,
    tags: Vec<SeedTagRef<'a>>,
}

/// [`SeedTag`] over a borrowed tag; userids serialise as plain strings, like [`SeedTagUser::Id`].
#[derive(Serialize)]
struct SeedTagRef<'a> {
    tagid: u32,
    tagname: &'a str,
    userlist: &'a [String],
    partylist: &'a [u32],
}

impl<'a> From<&'a Tag> for SeedTagRef<'a> {
    fn from(tag: &'a Tag) -> Self {
        SeedTagRef {
            tagid: tag.tagid,
            tagname: &tag.tagname,
            userlist: &tag.userlist,
            partylist: &tag.partylist,
        }
    }
}

fn check_departments(list: Vec<Department>) -> Result<BTreeMap<u32, Department>, SeedError> {
    let mut departments = BTreeMap::new();
    for dept in list {
        if dept.id == 0 {
            return Err(SeedError::ZeroId("a department"));
        }
        if departments.contains_key(&dept.id) {
            return Err(SeedError::DuplicateDepartment(dept.id));
        }
        departments.insert(dept.id, dept);
    }
    match departments.get(&ROOT_DEPARTMENT) {
        None => return Err(SeedError::MissingRoot),
        Some(root) if root.parentid != 0 => return Err(SeedError::BadRoot(ROOT_DEPARTMENT)),
        Some(_) => {}
    }
    let mut sibling_names: HashMap<(u32, &str), u32> = HashMap::new();
    for dept in departments.values() {
        if dept.id == ROOT_DEPARTMENT {
            continue;
        }
        if dept.parentid == 0 {
            return Err(SeedError::BadRoot(dept.id));
        }
        if !departments.contains_key(&dept.parentid) {
            return Err(SeedError::UnknownParent {
                id: dept.id,
                parentid: dept.parentid,
            });
        }
        // Third-party output has no names; only check names that are present.
        if !dept.name.is_empty()
            && let Some(first) = sibling_names.insert((dept.parentid, dept.name.as_str()), dept.id)
        {
            return Err(SeedError::DuplicateSiblingName {
                first,
                second: dept.id,
                name: dept.name.clone(),
            });
        }
    }
    // Every department must reach the root within as many steps as there are departments.
    for dept in departments.values() {
        let mut current = dept.parentid;
        let mut steps = 0;
        while current != 0 {
            steps += 1;
            if steps > departments.len() {
                return Err(SeedError::Cycle(dept.id));
            }
            current = departments.get(&current).map_or(0, |d| d.parentid);
        }
    }
    Ok(departments)
}

fn check_members(
    list: Vec<Member>,
    departments: &BTreeMap<u32, Department>,
) -> Result<BTreeMap<String, Member>, SeedError> {
    let mut members = BTreeMap::new();
    let mut folded: HashMap<String, String> = HashMap::new();
    let mut mobiles: HashMap<String, String> = HashMap::new();
    let mut emails: HashMap<String, String> = HashMap::new();
    let mut open_userids: HashMap<String, String> = HashMap::new();
    for mut member in list {
        let userid = member.userid.clone();
        if !valid_userid(&userid) {
            return Err(SeedError::InvalidUserId(userid));
        }
        if folded
            .insert(fold_userid(&userid), userid.clone())
            .is_some()
        {
            return Err(SeedError::DuplicateUser(userid));
        }
        if member.department.is_empty() {
            return Err(SeedError::NoDepartment(userid));
        }
        for (i, dept) in member.department.iter().enumerate() {
            if !departments.contains_key(dept) {
                return Err(SeedError::UnknownDepartment {
                    userid,
                    department: *dept,
                });
            }
            if member.department[..i].contains(dept) {
                return Err(SeedError::RepeatedDepartment {
                    userid,
                    department: *dept,
                });
            }
        }
        if !matches!(member.gender.as_str(), "0" | "1" | "2") {
            return Err(SeedError::BadValue {
                userid,
                field: "gender",
                value: member.gender.clone(),
                expected: "use \"0\", \"1\" or \"2\" (a string)",
            });
        }
        if !matches!(member.status, 1 | 2 | 4 | 5) {
            return Err(SeedError::BadValue {
                userid,
                field: "status",
                value: member.status.to_string(),
                expected: "use 1 (active), 2 (disabled), 4 (not activated) or 5 (left)",
            });
        }
        if member.is_leader_in_dept.iter().any(|f| *f > 1) {
            return Err(SeedError::BadValue {
                userid,
                field: "is_leader_in_dept",
                value: format!("{:?}", member.is_leader_in_dept),
                expected: "use 0 or 1 per department",
            });
        }
        let n = member.department.len();
        if member.order.is_empty() {
            member.order = vec![0; n];
        }
        if member.is_leader_in_dept.is_empty() {
            member.is_leader_in_dept = vec![0; n];
        }
        for (field, got) in [
            ("order", member.order.len()),
            ("is_leader_in_dept", member.is_leader_in_dept.len()),
        ] {
            if got != n {
                return Err(SeedError::LengthMismatch {
                    userid,
                    field,
                    got,
                    expected: n,
                });
            }
        }
        if member.main_department == 0 {
            member.main_department = member.department[0];
        } else if !member.department.contains(&member.main_department) {
            return Err(SeedError::BadMainDepartment {
                userid,
                main: member.main_department,
            });
        }
        for (field, value, seen) in [
            ("mobile", &member.mobile, &mut mobiles),
            ("email", &member.email, &mut emails),
            ("open_userid", &member.open_userid, &mut open_userids),
        ] {
            if value.is_empty() {
                continue;
            }
            if let Some(first) = seen.insert(value.clone(), userid.clone()) {
                return Err(SeedError::DuplicateContact {
                    field,
                    value: value.clone(),
                    first,
                    second: userid,
                });
            }
        }
        members.insert(userid, member);
    }
    Ok(members)
}

fn check_tags(
    list: Vec<SeedTag>,
    departments: &BTreeMap<u32, Department>,
    members: &BTreeMap<String, Member>,
) -> Result<BTreeMap<u32, Tag>, SeedError> {
    let mut tags = BTreeMap::new();
    let mut names = std::collections::HashSet::new();
    for tag in list {
        if tag.tagid == 0 {
            return Err(SeedError::ZeroId("a tag"));
        }
        if tags.contains_key(&tag.tagid) {
            return Err(SeedError::DuplicateTag(tag.tagid.to_string()));
        }
        if !names.insert(tag.tagname.clone()) {
            return Err(SeedError::DuplicateTag(tag.tagname));
        }
        let mut userlist = Vec::new();
        for user in &tag.userlist {
            let userid = user.userid();
            if !members.contains_key(userid) {
                return Err(SeedError::UnknownTagItem {
                    tagid: tag.tagid,
                    item: format!("member {userid:?}"),
                });
            }
            if !userlist.iter().any(|u| u == userid) {
                userlist.push(userid.to_owned());
            }
        }
        for party in &tag.partylist {
            if !departments.contains_key(party) {
                return Err(SeedError::UnknownTagItem {
                    tagid: tag.tagid,
                    item: format!("department {party}"),
                });
            }
        }
        tags.insert(
            tag.tagid,
            Tag {
                tagid: tag.tagid,
                tagname: tag.tagname,
                userlist,
                partylist: tag.partylist,
            },
        );
    }
    Ok(tags)
}
