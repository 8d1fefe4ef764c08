//! What a directory mutation tells subscribers: one [`DirectoryChange`] per `change_contact` event
//! the platform would push (NOTES.md §5.2), with the fields that event carries.
//!
//! [`DirectoryChange::event_fields`] lists the XML elements after `<Event>change_contact</Event>`
//! in documented order, so whoever renders the callback does not need to know the member model.

use super::model::Member;

/// A `change_contact` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectoryChange {
    /// `create_user`, carrying the new member.
    CreateUser {
        /// The member as created.
        member: Member,
    },
    /// `update_user`: `userid` is the id before the change, `new_userid` is set when it changed.
    UpdateUser {
        /// The userid before the update.
        userid: String,
        /// The new userid, when the update renamed the member (`NewUserID`).
        new_userid: Option<String>,
        /// The member after the update.
        member: Member,
    },
    /// `delete_user`.
    DeleteUser {
        /// The deleted userid.
        userid: String,
    },
    /// `create_party`.
    CreateParty(PartyChange),
    /// `update_party`.
    UpdateParty(PartyChange),
    /// `delete_party`.
    DeleteParty {
        /// The deleted department id.
        id: u32,
    },
    /// `update_tag`: tag membership changed.
    UpdateTag(TagChange),
}

/// The fields of `create_party`/`update_party`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyChange {
    /// `Id`.
    pub id: u32,
    /// `Name`.
    pub name: String,
    /// `ParentId`.
    pub parentid: u32,
    /// `Order`.
    pub order: u32,
}

/// The fields of `update_tag`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TagChange {
    /// `TagId`.
    pub tagid: u32,
    /// `AddUserItems`.
    pub add_user_items: Vec<String>,
    /// `DelUserItems`.
    pub del_user_items: Vec<String>,
    /// `AddPartyItems`.
    pub add_party_items: Vec<u32>,
    /// `DelPartyItems`.
    pub del_party_items: Vec<u32>,
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn member_fields(out: &mut Vec<(&'static str, String)>, member: &Member) {
    out.push(("Name", member.name.clone()));
    out.push(("Department", join(&member.department)));
    out.push(("MainDepartment", member.main_department.to_string()));
    out.push(("IsLeaderInDept", join(&member.is_leader_in_dept)));
    out.push(("DirectLeader", member.direct_leader.join(",")));
    out.push(("Position", member.position.clone()));
    out.push(("Mobile", member.mobile.clone()));
    out.push(("Gender", member.gender.clone()));
    out.push(("Email", member.email.clone()));
    out.push(("BizMail", member.biz_mail.clone()));
    out.push(("Status", member.status.to_string()));
    out.push(("Avatar", member.avatar.clone()));
    out.push(("Alias", member.alias.clone()));
    out.push(("Telephone", member.telephone.clone()));
    out.push(("Address", member.address.clone()));
}

impl DirectoryChange {
    /// The `ChangeType` value: `create_user`, `update_user`, `delete_user`, `create_party`,
    /// `update_party`, `delete_party` or `update_tag`.
    pub fn change_type(&self) -> &'static str {
        match self {
            DirectoryChange::CreateUser { .. } => "create_user",
            DirectoryChange::UpdateUser { .. } => "update_user",
            DirectoryChange::DeleteUser { .. } => "delete_user",
            DirectoryChange::CreateParty(_) => "create_party",
            DirectoryChange::UpdateParty(_) => "update_party",
            DirectoryChange::DeleteParty { .. } => "delete_party",
            DirectoryChange::UpdateTag(_) => "update_tag",
        }
    }

    /// The event's elements after `ChangeType`, as (element name, text) in documented order.
    /// List values are comma-joined as in the samples; fields with empty values are left out.
    /// `ExtAttr` is nested XML: [`to_xml`](Self::to_xml) renders it from the member.
    pub fn event_fields(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        match self {
            DirectoryChange::CreateUser { member } => {
                out.push(("UserID", member.userid.clone()));
                member_fields(&mut out, member);
            }
            DirectoryChange::UpdateUser {
                userid,
                new_userid,
                member,
            } => {
                out.push(("UserID", userid.clone()));
                if let Some(new_userid) = new_userid {
                    out.push(("NewUserID", new_userid.clone()));
                }
                member_fields(&mut out, member);
            }
            DirectoryChange::DeleteUser { userid } => out.push(("UserID", userid.clone())),
            DirectoryChange::CreateParty(party) | DirectoryChange::UpdateParty(party) => {
                out.push(("Id", party.id.to_string()));
                out.push(("Name", party.name.clone()));
                out.push(("ParentId", party.parentid.to_string()));
                out.push(("Order", party.order.to_string()));
            }
            DirectoryChange::DeleteParty { id } => out.push(("Id", id.to_string())),
            DirectoryChange::UpdateTag(tag) => {
                out.push(("TagId", tag.tagid.to_string()));
                out.push(("AddUserItems", tag.add_user_items.join(",")));
                out.push(("DelUserItems", tag.del_user_items.join(",")));
                out.push(("AddPartyItems", join(&tag.add_party_items)));
                out.push(("DelPartyItems", join(&tag.del_party_items)));
            }
        }
        out.retain(|(_, value)| !value.is_empty());
        out
    }
}
