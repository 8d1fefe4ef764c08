//! The lookup structures a [`Directory`](super::Directory) keeps next to its records, so that
//! children, department members and unique-field checks cost a map lookup instead of a scan.
//!
//! Mutations update them incrementally; [`Indexes::build`] rebuilds them from scratch and the tests
//! compare the two after random mutation sequences.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::model::{Department, Member};

/// Children and members are kept sorted by (larger order first, then id).
type ChildKey = (Reverse<u32>, u32);
type MemberKey = (Reverse<u32>, String);

/// Derived lookups. Every department has an entry in `children` and `dept_members` (possibly
/// empty); unique fields are indexed only when non-empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Indexes {
    children: HashMap<u32, BTreeSet<ChildKey>>,
    dept_members: HashMap<u32, BTreeSet<MemberKey>>,
    folded_userids: HashMap<String, String>,
    open_userids: HashMap<String, String>,
    mobiles: HashMap<String, String>,
    emails: HashMap<String, String>,
}

/// The key userids are compared by for uniqueness (the platform ignores case).
pub(crate) fn fold_userid(userid: &str) -> String {
    userid.to_ascii_lowercase()
}

impl Indexes {
    /// Builds every index from the records.
    pub(crate) fn build(
        departments: &BTreeMap<u32, Department>,
        members: &BTreeMap<String, Member>,
    ) -> Self {
        let mut index = Indexes::default();
        for dept in departments.values() {
            index.children.entry(dept.id).or_default();
            index.dept_members.entry(dept.id).or_default();
        }
        for dept in departments.values() {
            if dept.parentid != 0 {
                index.add_child(dept);
            }
        }
        for member in members.values() {
            index.add_member(member);
        }
        index
    }

    pub(crate) fn add_department(&mut self, dept: &Department) {
        self.children.entry(dept.id).or_default();
        self.dept_members.entry(dept.id).or_default();
        if dept.parentid != 0 {
            self.add_child(dept);
        }
    }

    pub(crate) fn remove_department(&mut self, dept: &Department) {
        self.children.remove(&dept.id);
        self.dept_members.remove(&dept.id);
        self.remove_child(dept);
    }

    fn add_child(&mut self, dept: &Department) {
        self.children
            .entry(dept.parentid)
            .or_default()
            .insert((Reverse(dept.order), dept.id));
    }

    /// Removes `dept` from its parent's children (call with the record as it was indexed).
    pub(crate) fn remove_child(&mut self, dept: &Department) {
        if let Some(set) = self.children.get_mut(&dept.parentid) {
            set.remove(&(Reverse(dept.order), dept.id));
        }
    }

    /// Re-files `dept` under its (possibly new) parent and order.
    pub(crate) fn replace_child(&mut self, old: &Department, new: &Department) {
        self.remove_child(old);
        if new.parentid != 0 {
            self.add_child(new);
        }
    }

    pub(crate) fn add_member(&mut self, member: &Member) {
        for (i, dept) in member.department.iter().enumerate() {
            let order = member.order.get(i).copied().unwrap_or(0);
            self.dept_members
                .entry(*dept)
                .or_default()
                .insert((Reverse(order), member.userid.clone()));
        }
        self.folded_userids
            .insert(fold_userid(&member.userid), member.userid.clone());
        if !member.open_userid.is_empty() {
            self.open_userids
                .insert(member.open_userid.clone(), member.userid.clone());
        }
        if !member.mobile.is_empty() {
            self.mobiles
                .insert(member.mobile.clone(), member.userid.clone());
        }
        if !member.email.is_empty() {
            self.emails
                .insert(member.email.clone(), member.userid.clone());
        }
    }

    /// Removes `member` (as it was indexed) from every index.
    pub(crate) fn remove_member(&mut self, member: &Member) {
        for (i, dept) in member.department.iter().enumerate() {
            let order = member.order.get(i).copied().unwrap_or(0);
            if let Some(set) = self.dept_members.get_mut(dept) {
                set.remove(&(Reverse(order), member.userid.clone()));
            }
        }
        self.folded_userids.remove(&fold_userid(&member.userid));
        self.open_userids.remove(&member.open_userid);
        if !member.mobile.is_empty() {
            self.mobiles.remove(&member.mobile);
        }
        if !member.email.is_empty() {
            self.emails.remove(&member.email);
        }
    }

    pub(crate) fn children_of(&self, id: u32) -> impl Iterator<Item = u32> + '_ {
        self.children
            .get(&id)
            .into_iter()
            .flat_map(|set| set.iter().map(|(_, child)| *child))
    }

    pub(crate) fn has_children(&self, id: u32) -> bool {
        self.children.get(&id).is_some_and(|set| !set.is_empty())
    }

    pub(crate) fn members_in(&self, dept: u32) -> impl Iterator<Item = &str> + '_ {
        self.dept_members
            .get(&dept)
            .into_iter()
            .flat_map(|set| set.iter().map(|(_, userid)| userid.as_str()))
    }

    pub(crate) fn has_members(&self, dept: u32) -> bool {
        self.dept_members
            .get(&dept)
            .is_some_and(|set| !set.is_empty())
    }

    pub(crate) fn userid_by_folded(&self, userid: &str) -> Option<&String> {
        self.folded_userids.get(&fold_userid(userid))
    }

    pub(crate) fn userid_by_open_userid(&self, open_userid: &str) -> Option<&String> {
        self.open_userids.get(open_userid)
    }

    pub(crate) fn mobile_owner(&self, mobile: &str) -> Option<&String> {
        self.mobiles.get(mobile)
    }

    pub(crate) fn email_owner(&self, email: &str) -> Option<&String> {
        self.emails.get(email)
    }
}
