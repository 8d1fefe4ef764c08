//! An app's visible range (可见范围: allow_party / allow_user / allow_tag) resolved against the
//! directory, so the HTTP layer can answer 60011 for members and departments outside it and
//! expand `@all`.
//!
//! Rules (60011 排查方法 in the global error list): an app sees the departments in its range,
//! those in its tags' partylists, and all their sub-departments; it sees the members listed in its
//! range or its tags, and every member of a visible department. An empty range is the whole corp.

use std::collections::HashSet;

use serde_json::Value;

use super::model::{Directory, Member};
use super::views::{FieldView, member_json};

/// An app's configured visible range; all three empty means the whole corp.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisibleRange {
    /// `allow_party`: department ids (their subtrees are included).
    pub departments: Vec<u32>,
    /// `allow_user`: userids.
    pub users: Vec<String>,
    /// `allow_tag`: tag ids (their users and departments are included).
    pub tags: Vec<u32>,
}

impl VisibleRange {
    /// True when nothing is configured, meaning the whole corp.
    pub fn is_whole_corp(&self) -> bool {
        self.departments.is_empty() && self.users.is_empty() && self.tags.is_empty()
    }
}

/// A [`VisibleRange`] resolved against one directory state.
#[derive(Debug)]
pub struct Visible<'a> {
    directory: &'a Directory,
    whole_corp: bool,
    departments: HashSet<u32>,
    users: HashSet<String>,
    tags: HashSet<u32>,
}

impl Directory {
    /// Resolves `range` against the current directory. Unknown ids in the range are ignored.
    pub fn visible(&self, range: &VisibleRange) -> Visible<'_> {
        let mut visible = Visible {
            directory: self,
            whole_corp: range.is_whole_corp(),
            departments: HashSet::new(),
            users: HashSet::new(),
            tags: HashSet::new(),
        };
        if visible.whole_corp {
            return visible;
        }
        let mut roots: Vec<u32> = range.departments.clone();
        for user in &range.users {
            if let Some(member) = self.member_ignoring_case(user) {
                visible.users.insert(member.userid.clone());
            }
        }
        for tagid in &range.tags {
            if let Some(tag) = self.tag(*tagid) {
                visible.tags.insert(tag.tagid);
                roots.extend(&tag.partylist);
                visible.users.extend(tag.userlist.iter().cloned());
            }
        }
        for root in roots {
            if self.department(root).is_none() || visible.departments.contains(&root) {
                continue;
            }
            visible.departments.insert(root);
            visible.departments.extend(self.descendants(root));
        }
        visible
    }
}

impl Visible<'_> {
    /// True when the app may see department `id` (it or an ancestor is in range).
    pub fn contains_department(&self, id: u32) -> bool {
        if self.whole_corp {
            return self.directory.department(id).is_some();
        }
        self.departments.contains(&id)
    }

    /// True when the app may see member `userid` (matched ignoring case): listed, tagged, or in
    /// a visible department.
    pub fn contains_user(&self, userid: &str) -> bool {
        match self.directory.member_ignoring_case(userid) {
            Some(member) => self.contains_member(member),
            None => false,
        }
    }

    /// True when the app may see tag `tagid` (whole-corp apps see every tag).
    pub fn contains_tag(&self, tagid: u32) -> bool {
        if self.whole_corp {
            return self.directory.tag(tagid).is_some();
        }
        self.tags.contains(&tagid)
    }

    fn contains_member(&self, member: &Member) -> bool {
        self.whole_corp
            || self.users.contains(&member.userid)
            || member
                .department
                .iter()
                .any(|d| self.departments.contains(d))
    }

    /// `member` as this app's `user/get` or `user/list` shows it: `department`, `order` and
    /// `is_leader_in_dept` list only visible departments ("仅返回该应用有查看权限的部门id").
    pub fn member_json(&self, member: &Member, view: FieldView) -> Value {
        let mut value = member_json(member, view);
        if self.whole_corp {
            return value;
        }
        let keep: Vec<bool> = member
            .department
            .iter()
            .map(|d| self.departments.contains(d))
            .collect();
        for field in ["department", "order", "is_leader_in_dept"] {
            if let Some(Value::Array(items)) = value.get_mut(field) {
                let mut flags = keep.iter();
                items.retain(|_| flags.next().copied().unwrap_or(false));
            }
        }
        value
    }

    /// Every visible member, by userid (what `@all` reaches).
    pub fn members(&self) -> impl Iterator<Item = &Member> + '_ {
        self.directory
            .members()
            .filter(move |m| self.contains_member(m))
    }
}
