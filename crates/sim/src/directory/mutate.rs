//! Directory writes as the contacts-management APIs perform them (user/create, user/update,
//! user/delete, department/*, tag/*): validated with the platform's error codes, applied to the
//! records and indexes together, and answered with the `change_contact` events they cause.
//!
//! Side effects the platform performs without an event of their own (documented nowhere, chosen
//! here to keep references valid): renaming or deleting a member also rewrites or drops its userid
//! in tags, `department_leader` lists and other members' `direct_leader`; deleting a department
//! drops it from tags. `department_leader` follows the members' `is_leader_in_dept` flags.

use serde::Deserialize;

use super::change::{DirectoryChange, PartyChange, TagChange};
use super::error::DirectoryError;
use super::model::{Department, Directory, Member, ROOT_DEPARTMENT, Tag, open_userid_for};

/// Deepest allowed department level (81002 部门最多15层); the root is level 1.
const MAX_LEVELS: usize = 15;
/// Most departments a member may be in (the current user/create page).
const MAX_MEMBER_DEPARTMENTS: usize = 100;
/// Most direct leaders a member may have.
const MAX_DIRECT_LEADERS: usize = 5;

/// The `user/update` request: `None` leaves a field unchanged, as the API does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct MemberUpdate {
    /// Rename the member (`NewUserID` in the event).
    pub new_userid: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New department list; orders and leader flags of departments kept are carried over.
    pub department: Option<Vec<u32>>,
    /// New orders, one per department.
    pub order: Option<Vec<u32>>,
    /// New position.
    pub position: Option<String>,
    /// New mobile.
    pub mobile: Option<String>,
    /// New gender, "0", "1" or "2".
    pub gender: Option<String>,
    /// New email.
    pub email: Option<String>,
    /// New corporate mailbox.
    pub biz_mail: Option<String>,
    /// New leader flags, one per department.
    pub is_leader_in_dept: Option<Vec<u8>>,
    /// New direct leaders.
    pub direct_leader: Option<Vec<String>>,
    /// 1 enables a disabled member, 0 disables the member (status 2).
    pub enable: Option<u8>,
    /// New landline.
    pub telephone: Option<String>,
    /// New alias.
    pub alias: Option<String>,
    /// New address.
    pub address: Option<String>,
    /// New main department.
    pub main_department: Option<u32>,
    /// New extended attributes.
    pub extattr: Option<serde_json::Value>,
    /// New English name.
    pub english_name: Option<String>,
    /// Simulator extension (not in the API): set the status directly, e.g. 4 → 1 to simulate
    /// activation or 5 for "left".
    pub status: Option<u8>,
}

/// The `department/update` request: `None` leaves a field unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DepartmentUpdate {
    /// New name.
    pub name: Option<String>,
    /// New English name.
    pub name_en: Option<String>,
    /// New parent (moves the subtree).
    pub parentid: Option<u32>,
    /// New order.
    pub order: Option<u32>,
}

/// What `tag/addtagusers` and `tag/deltagusers` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagMembersOutcome {
    /// The `update_tag` event, if membership changed.
    pub changes: Vec<DirectoryChange>,
    /// Userids that do not exist (`invalidlist`).
    pub invalid_users: Vec<String>,
    /// Department ids that do not exist (`invalidparty`).
    pub invalid_parties: Vec<u32>,
}

/// True for a userid the platform accepts: 1–64 bytes of ASCII letters, digits and `_-@.`,
/// starting with a letter or digit.
pub(crate) fn valid_userid(userid: &str) -> bool {
    let bytes = userid.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_-@.".contains(b))
}

fn valid_mobile(mobile: &str) -> bool {
    mobile.len() <= 32
        && mobile.chars().any(|c| c.is_ascii_digit())
        && mobile
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '))
}

fn valid_email(email: &str) -> bool {
    let ok_len = (6..=64).contains(&email.len());
    match email.split_once('@') {
        Some((local, domain)) => {
            ok_len && !local.is_empty() && domain.contains('.') && !domain.contains('@')
        }
        None => false,
    }
}

fn check_department_name(name: &str) -> Result<(), DirectoryError> {
    let chars = name.chars().count();
    if chars == 0 || chars > 32 {
        return Err(DirectoryError::InvalidDepartmentName(name.to_owned()));
    }
    if name.chars().any(|c| "\\:?*\"<>|“”".contains(c)) {
        return Err(DirectoryError::DepartmentNameIllegalChars(name.to_owned()));
    }
    Ok(())
}

fn check_tag_name(name: &str) -> Result<(), DirectoryError> {
    let chars = name.chars().count();
    if chars == 0 || chars > 32 {
        return Err(DirectoryError::InvalidTagName(name.to_owned()));
    }
    Ok(())
}

/// One past the largest id in use (1 when there is none); `None` when that would overflow.
fn next_free_id(max: Option<u32>) -> Option<u32> {
    max.map_or(Some(1), |m| m.checked_add(1))
}

fn no_free_id(what: &str) -> DirectoryError {
    DirectoryError::InvalidParameter(format!(
        "no {what} id above the largest one is free: pass an explicit id"
    ))
}

fn party(dept: &Department) -> PartyChange {
    PartyChange {
        id: dept.id,
        name: dept.name.clone(),
        parentid: dept.parentid,
        order: dept.order,
    }
}

impl Directory {
    /// `user/create`. Empty `order`/`is_leader_in_dept` default to zeros, `main_department` 0 to
    /// the first department, an empty `open_userid` to the derived one.
    pub fn create_user(
        &mut self,
        mut member: Member,
    ) -> Result<Vec<DirectoryChange>, DirectoryError> {
        if !valid_userid(&member.userid) {
            return Err(DirectoryError::InvalidUserId(member.userid));
        }
        if self.index.userid_by_folded(&member.userid).is_some() {
            return Err(DirectoryError::UserIdExists(member.userid));
        }
        let n = member.department.len();
        if member.order.is_empty() {
            member.order = vec![0; n];
        }
        if member.is_leader_in_dept.is_empty() {
            member.is_leader_in_dept = vec![0; n];
        }
        if member.main_department == 0 {
            member.main_department = member.department.first().copied().unwrap_or(0);
        }
        if member.open_userid.is_empty() {
            member.open_userid = self.fresh_open_userid(&member.userid);
        }
        self.check_member(&member, None)?;
        self.insert_member(member.clone());
        self.version += 1;
        Ok(vec![DirectoryChange::CreateUser { member }])
    }

    /// `user/update`, including a userid rename (`new_userid`). `userid` is matched ignoring case.
    /// No event when nothing changed.
    pub fn update_user(
        &mut self,
        userid: &str,
        update: MemberUpdate,
    ) -> Result<Vec<DirectoryChange>, DirectoryError> {
        let old_id = self
            .index
            .userid_by_folded(userid)
            .cloned()
            .ok_or_else(|| DirectoryError::UserNotFound(userid.to_owned()))?;
        let old = self.members[&old_id].clone();
        let mut new = old.clone();

        if let Some(new_userid) = update.new_userid.filter(|u| *u != old_id) {
            if !valid_userid(&new_userid) {
                return Err(DirectoryError::InvalidUserId(new_userid));
            }
            if self
                .index
                .userid_by_folded(&new_userid)
                .is_some_and(|owner| *owner != old_id)
            {
                return Err(DirectoryError::UserIdExists(new_userid));
            }
            new.userid = new_userid;
        }
        if let Some(department) = update.department {
            new.order = department.iter().map(|d| old.order_in(*d)).collect();
            new.is_leader_in_dept = department
                .iter()
                .map(|d| {
                    old.department
                        .iter()
                        .position(|o| o == d)
                        .and_then(|i| old.is_leader_in_dept.get(i).copied())
                        .unwrap_or(0)
                })
                .collect();
            if !department.contains(&new.main_department) {
                new.main_department = department.first().copied().unwrap_or(0);
            }
            new.department = department;
        }
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = update.$field { new.$field = v; } )* };
        }
        set!(
            name,
            order,
            position,
            mobile,
            gender,
            email,
            biz_mail,
            is_leader_in_dept,
            direct_leader,
            telephone,
            alias,
            address,
            main_department,
            extattr,
            english_name,
            status
        );
        match update.enable {
            Some(0) => new.status = 2,
            Some(1) if new.status == 2 => new.status = 1,
            Some(1) | None => {}
            Some(other) => {
                return Err(DirectoryError::InvalidParameter(format!(
                    "enable must be 0 or 1, got {other}"
                )));
            }
        }
        self.check_member(&new, Some(&old_id))?;
        if new == old {
            return Ok(Vec::new());
        }

        let renamed = new.userid != old_id;
        self.take_member(&old_id);
        self.insert_member(new.clone());
        if renamed {
            self.rename_references(&old_id, Some(&new.userid));
        }
        self.version += 1;
        Ok(vec![DirectoryChange::UpdateUser {
            userid: old_id,
            new_userid: renamed.then(|| new.userid.clone()),
            member: new,
        }])
    }

    /// `user/delete` (userid matched ignoring case).
    pub fn delete_user(&mut self, userid: &str) -> Result<Vec<DirectoryChange>, DirectoryError> {
        let actual = self
            .index
            .userid_by_folded(userid)
            .cloned()
            .ok_or_else(|| DirectoryError::UserNotFound(userid.to_owned()))?;
        self.take_member(&actual);
        self.rename_references(&actual, None);
        self.version += 1;
        Ok(vec![DirectoryChange::DeleteUser { userid: actual }])
    }

    /// `department/create`. An `id` of 0 picks the next free id (read it from the returned
    /// `CreateParty`). `department_leader` is ignored: leaders come from members'
    /// `is_leader_in_dept`.
    pub fn create_department(
        &mut self,
        mut dept: Department,
    ) -> Result<Vec<DirectoryChange>, DirectoryError> {
        check_department_name(&dept.name)?;
        if let Some(name_en) = &dept.name_en {
            check_department_name(name_en)?;
        }
        if dept.id == 0 {
            dept.id = next_free_id(self.departments.keys().next_back().copied())
                .ok_or_else(|| no_free_id("department"))?;
        } else if self.departments.contains_key(&dept.id) {
            return Err(DirectoryError::DepartmentExists(dept.id.to_string()));
        }
        if !self.departments.contains_key(&dept.parentid) {
            return Err(DirectoryError::ParentNotFound(dept.parentid));
        }
        self.check_sibling_name(dept.parentid, &dept.name, None)?;
        if self.ancestors(dept.parentid).len() + 2 > MAX_LEVELS {
            return Err(DirectoryError::TooDeep(dept.id));
        }
        dept.department_leader.clear();
        self.index.add_department(&dept);
        let change = DirectoryChange::CreateParty(party(&dept));
        self.departments.insert(dept.id, dept);
        self.version += 1;
        Ok(vec![change])
    }

    /// `department/update`: rename, re-order, or move under another parent (never into its own
    /// subtree). No event when nothing changed.
    pub fn update_department(
        &mut self,
        id: u32,
        update: DepartmentUpdate,
    ) -> Result<Vec<DirectoryChange>, DirectoryError> {
        let old = self
            .departments
            .get(&id)
            .cloned()
            .ok_or(DirectoryError::DepartmentNotFound(id))?;
        let mut new = old.clone();
        if let Some(name) = update.name {
            check_department_name(&name)?;
            new.name = name;
        }
        if let Some(name_en) = update.name_en {
            check_department_name(&name_en)?;
            new.name_en = Some(name_en);
        }
        if let Some(order) = update.order {
            new.order = order;
        }
        if let Some(parentid) = update.parentid.filter(|p| *p != old.parentid) {
            if id == ROOT_DEPARTMENT {
                return Err(DirectoryError::RootDepartment);
            }
            if !self.departments.contains_key(&parentid) {
                return Err(DirectoryError::ParentNotFound(parentid));
            }
            if parentid == id || self.ancestors(parentid).contains(&id) {
                return Err(DirectoryError::DepartmentCycle { id, parentid });
            }
            if self.ancestors(parentid).len() + 1 + self.subtree_levels(id) > MAX_LEVELS {
                return Err(DirectoryError::TooDeep(id));
            }
            new.parentid = parentid;
        }
        if new.parentid != 0 {
            self.check_sibling_name(new.parentid, &new.name, Some(id))?;
        }
        if new == old {
            return Ok(Vec::new());
        }
        self.index.replace_child(&old, &new);
        let change = DirectoryChange::UpdateParty(party(&new));
        self.departments.insert(id, new);
        self.version += 1;
        Ok(vec![change])
    }

    /// `department/delete`: refused for the root (60007), a department with members (60005) or
    /// with sub-departments (60006).
    pub fn delete_department(&mut self, id: u32) -> Result<Vec<DirectoryChange>, DirectoryError> {
        if id == ROOT_DEPARTMENT {
            return Err(DirectoryError::RootDepartment);
        }
        let Some(dept) = self.departments.get(&id).cloned() else {
            return Err(DirectoryError::DepartmentNotFound(id));
        };
        if self.index.has_members(id) {
            return Err(DirectoryError::DepartmentHasMembers(id));
        }
        if self.index.has_children(id) {
            return Err(DirectoryError::DepartmentHasChildren(id));
        }
        self.index.remove_department(&dept);
        self.departments.remove(&id);
        for tag in self.tags.values_mut() {
            tag.partylist.retain(|p| *p != id);
        }
        self.version += 1;
        Ok(vec![DirectoryChange::DeleteParty { id }])
    }

    /// `tag/create`; returns the tag id (`None` or 0 picks the next free one). Creating a tag
    /// pushes no event.
    pub fn create_tag(&mut self, tagname: &str, tagid: Option<u32>) -> Result<u32, DirectoryError> {
        check_tag_name(tagname)?;
        if self.tags.values().any(|t| t.tagname == tagname) {
            return Err(DirectoryError::TagNameExists(tagname.to_owned()));
        }
        let tagid = match tagid.filter(|id| *id != 0) {
            Some(id) if self.tags.contains_key(&id) => return Err(DirectoryError::TagIdExists(id)),
            Some(id) => id,
            None => next_free_id(self.tags.keys().next_back().copied())
                .ok_or_else(|| no_free_id("tag"))?,
        };
        self.tags.insert(
            tagid,
            Tag {
                tagid,
                tagname: tagname.to_owned(),
                userlist: Vec::new(),
                partylist: Vec::new(),
            },
        );
        self.version += 1;
        Ok(tagid)
    }

    /// `tag/update` (rename). Pushes no event (update_tag reports membership only).
    pub fn update_tag(
        &mut self,
        tagid: u32,
        tagname: &str,
    ) -> Result<Vec<DirectoryChange>, DirectoryError> {
        check_tag_name(tagname)?;
        if !self.tags.contains_key(&tagid) {
            return Err(DirectoryError::TagNotFound(tagid));
        }
        if self
            .tags
            .values()
            .any(|t| t.tagname == tagname && t.tagid != tagid)
        {
            return Err(DirectoryError::TagNameExists(tagname.to_owned()));
        }
        if let Some(tag) = self.tags.get_mut(&tagid)
            && tag.tagname != tagname
        {
            tag.tagname = tagname.to_owned();
            self.version += 1;
        }
        Ok(Vec::new())
    }

    /// `tag/delete`. Pushes no event.
    pub fn delete_tag(&mut self, tagid: u32) -> Result<Vec<DirectoryChange>, DirectoryError> {
        if self.tags.remove(&tagid).is_none() {
            return Err(DirectoryError::TagNotFound(tagid));
        }
        self.version += 1;
        Ok(Vec::new())
    }

    /// `tag/addtagusers`: unknown ids are reported back, not fatal, unless all are unknown (40070).
    pub fn add_tag_members(
        &mut self,
        tagid: u32,
        users: &[String],
        parties: &[u32],
    ) -> Result<TagMembersOutcome, DirectoryError> {
        self.change_tag_members(tagid, users, parties, true)
    }

    /// `tag/deltagusers`: unknown ids are reported back, not fatal, unless all are unknown (40070).
    pub fn remove_tag_members(
        &mut self,
        tagid: u32,
        users: &[String],
        parties: &[u32],
    ) -> Result<TagMembersOutcome, DirectoryError> {
        self.change_tag_members(tagid, users, parties, false)
    }

    fn change_tag_members(
        &mut self,
        tagid: u32,
        users: &[String],
        parties: &[u32],
        add: bool,
    ) -> Result<TagMembersOutcome, DirectoryError> {
        if !self.tags.contains_key(&tagid) {
            return Err(DirectoryError::TagNotFound(tagid));
        }
        if users.is_empty() && parties.is_empty() {
            return Err(DirectoryError::TagItemsInvalid(
                "userlist and partylist cannot both be empty".to_owned(),
            ));
        }
        if users.len() > 1000 || parties.len() > 100 {
            return Err(DirectoryError::TagItemsInvalid(
                "at most 1000 users and 100 departments per call".to_owned(),
            ));
        }
        let mut outcome = TagMembersOutcome::default();
        let mut valid_users = Vec::new();
        for user in users {
            match self.index.userid_by_folded(user) {
                Some(actual) => valid_users.push(actual.clone()),
                None => outcome.invalid_users.push(user.clone()),
            }
        }
        let mut valid_parties = Vec::new();
        for p in parties {
            if self.departments.contains_key(p) {
                valid_parties.push(*p);
            } else {
                outcome.invalid_parties.push(*p);
            }
        }
        if valid_users.is_empty() && valid_parties.is_empty() {
            return Err(DirectoryError::TagItemsAllInvalid);
        }
        let Some(tag) = self.tags.get_mut(&tagid) else {
            return Err(DirectoryError::TagNotFound(tagid));
        };
        let mut change = TagChange {
            tagid,
            ..TagChange::default()
        };
        for user in valid_users {
            let present = tag.userlist.contains(&user);
            if add && !present {
                tag.userlist.push(user.clone());
                change.add_user_items.push(user);
            } else if !add && present {
                tag.userlist.retain(|u| *u != user);
                change.del_user_items.push(user);
            }
        }
        for p in valid_parties {
            let present = tag.partylist.contains(&p);
            if add && !present {
                tag.partylist.push(p);
                change.add_party_items.push(p);
            } else if !add && present {
                tag.partylist.retain(|x| *x != p);
                change.del_party_items.push(p);
            }
        }
        let changed = !(change.add_user_items.is_empty()
            && change.del_user_items.is_empty()
            && change.add_party_items.is_empty()
            && change.del_party_items.is_empty());
        if changed {
            outcome.changes.push(DirectoryChange::UpdateTag(change));
            self.version += 1;
        }
        Ok(outcome)
    }

    /// Checks everything about `member` except its userid; `current` is the userid of the member
    /// being updated (its own mobile and email do not count as taken).
    fn check_member(&self, member: &Member, current: Option<&str>) -> Result<(), DirectoryError> {
        let userid = &member.userid;
        let name_len = member.name.chars().count();
        if name_len == 0 || name_len > 64 {
            return Err(DirectoryError::InvalidMemberName(member.name.clone()));
        }
        let n = member.department.len();
        if n == 0 {
            return Err(DirectoryError::MissingDepartment(userid.clone()));
        }
        if n > MAX_MEMBER_DEPARTMENTS {
            return Err(DirectoryError::TooManyDepartments {
                userid: userid.clone(),
                count: n,
            });
        }
        for (i, dept) in member.department.iter().enumerate() {
            if !self.departments.contains_key(dept) {
                return Err(DirectoryError::DepartmentNotFound(*dept));
            }
            if member.department[..i].contains(dept) {
                return Err(DirectoryError::InvalidParameter(format!(
                    "department {dept} is listed twice"
                )));
            }
        }
        if member.order.len() != n {
            return Err(DirectoryError::InvalidParameter(format!(
                "order has {} entries for {n} departments: give one per department",
                member.order.len()
            )));
        }
        if member.is_leader_in_dept.len() != n {
            return Err(DirectoryError::LeaderFlagsMismatch {
                leaders: member.is_leader_in_dept.len(),
                departments: n,
            });
        }
        if member.is_leader_in_dept.iter().any(|f| *f > 1) {
            return Err(DirectoryError::InvalidParameter(
                "is_leader_in_dept entries must be 0 or 1".to_owned(),
            ));
        }
        if !member.department.contains(&member.main_department) {
            return Err(DirectoryError::InvalidParameter(format!(
                "main_department {} is not one of the member's departments",
                member.main_department
            )));
        }
        if !matches!(member.gender.as_str(), "0" | "1" | "2") {
            return Err(DirectoryError::InvalidParameter(format!(
                "gender must be \"0\", \"1\" or \"2\", got {:?}",
                member.gender
            )));
        }
        if !matches!(member.status, 1 | 2 | 4 | 5) {
            return Err(DirectoryError::InvalidParameter(format!(
                "status must be 1, 2, 4 or 5, got {}",
                member.status
            )));
        }
        fn taken_by_other<'a>(
            owner: Option<&'a String>,
            current: Option<&str>,
        ) -> Option<&'a String> {
            owner.filter(|o| Some(o.as_str()) != current)
        }
        if !member.mobile.is_empty() {
            if !valid_mobile(&member.mobile) {
                return Err(DirectoryError::InvalidMobile(member.mobile.clone()));
            }
            if let Some(owner) = taken_by_other(self.index.mobile_owner(&member.mobile), current) {
                return Err(DirectoryError::MobileExists {
                    mobile: member.mobile.clone(),
                    owner: owner.clone(),
                });
            }
        }
        if !member.email.is_empty() {
            if !valid_email(&member.email) {
                return Err(DirectoryError::InvalidEmail(member.email.clone()));
            }
            if let Some(owner) = taken_by_other(self.index.email_owner(&member.email), current) {
                return Err(DirectoryError::EmailExists {
                    email: member.email.clone(),
                    owner: owner.clone(),
                });
            }
        }
        if member.mobile.is_empty() && member.email.is_empty() {
            return Err(DirectoryError::MissingMobileAndEmail(userid.clone()));
        }
        if member.direct_leader.len() > MAX_DIRECT_LEADERS {
            return Err(DirectoryError::InvalidParameter(format!(
                "{} direct leaders given: at most {MAX_DIRECT_LEADERS} are allowed",
                member.direct_leader.len()
            )));
        }
        // Leaders the member already had are not re-checked: a seed file may name people outside it.
        let previous = current
            .and_then(|c| self.members.get(c))
            .map(|m| m.direct_leader.as_slice())
            .unwrap_or_default();
        for leader in &member.direct_leader {
            let is_self = *leader == member.userid || Some(leader.as_str()) == current;
            if !is_self && !previous.contains(leader) && !self.members.contains_key(leader) {
                return Err(DirectoryError::UserNotFound(leader.clone()));
            }
        }
        if let Some(owner) = self.index.userid_by_open_userid(&member.open_userid)
            && Some(owner.as_str()) != current
        {
            return Err(DirectoryError::InvalidParameter(format!(
                "open_userid {:?} already belongs to {owner:?}",
                member.open_userid
            )));
        }
        Ok(())
    }

    fn check_sibling_name(
        &self,
        parentid: u32,
        name: &str,
        except: Option<u32>,
    ) -> Result<(), DirectoryError> {
        let clash = self
            .index
            .children_of(parentid)
            .filter(|child| Some(*child) != except)
            .filter_map(|child| self.departments.get(&child))
            .any(|d| d.name == name);
        if clash {
            return Err(DirectoryError::DepartmentExists(format!(
                "named {name:?} under {parentid}"
            )));
        }
        Ok(())
    }

    /// The derived open_userid for `userid`, or a variant of it if a renamed member still holds
    /// that one (open_userids survive renames).
    fn fresh_open_userid(&self, userid: &str) -> String {
        let mut candidate = open_userid_for(&self.corp_id, userid);
        let mut n = 1;
        while self.index.userid_by_open_userid(&candidate).is_some() {
            n += 1;
            candidate = open_userid_for(&self.corp_id, &format!("{userid}#{n}"));
        }
        candidate
    }

    /// Levels in the subtree rooted at `id` (1 for a leaf).
    fn subtree_levels(&self, id: u32) -> usize {
        let mut levels = 0;
        let mut frontier = vec![id];
        while !frontier.is_empty() {
            levels += 1;
            frontier = frontier
                .iter()
                .flat_map(|d| self.index.children_of(*d))
                .collect();
        }
        levels
    }

    fn insert_member(&mut self, member: Member) {
        self.index.add_member(&member);
        self.set_leader_entries(&member, true);
        self.members.insert(member.userid.clone(), member);
    }

    fn take_member(&mut self, userid: &str) -> Option<Member> {
        let member = self.members.remove(userid)?;
        self.index.remove_member(&member);
        self.set_leader_entries(&member, false);
        Some(member)
    }

    /// Adds or removes `member` in `department_leader` of the departments it is flagged to lead.
    fn set_leader_entries(&mut self, member: &Member, present: bool) {
        for (dept, flag) in member.department.iter().zip(&member.is_leader_in_dept) {
            if *flag != 1 {
                continue;
            }
            if let Some(d) = self.departments.get_mut(dept) {
                let listed = d.department_leader.contains(&member.userid);
                if present && !listed {
                    d.department_leader.push(member.userid.clone());
                } else if !present && listed {
                    d.department_leader.retain(|u| *u != member.userid);
                }
            }
        }
    }

    /// Rewrites (`Some(new)`) or drops (`None`) references to userid `old` in tags, department
    /// leader lists and direct leaders.
    fn rename_references(&mut self, old: &str, new: Option<&str>) {
        fn apply(list: &mut Vec<String>, old: &str, new: Option<&str>) {
            match new {
                Some(new) => list.iter_mut().filter(|u| *u == old).for_each(|u| {
                    *u = new.to_owned();
                }),
                None => list.retain(|u| u != old),
            }
        }
        for tag in self.tags.values_mut() {
            apply(&mut tag.userlist, old, new);
        }
        for dept in self.departments.values_mut() {
            apply(&mut dept.department_leader, old, new);
        }
        for member in self.members.values_mut() {
            apply(&mut member.direct_leader, old, new);
        }
    }
}
