//! `change_contact`: member, department and tag changes.
//!
//! The same `ChangeType`s and fields reach self-built / contacts-sync apps (as
//! `MsgType=event, Event=change_contact`) and third-party suites (as `InfoType=change_contact`,
//! with `AuthCorpId` and `OpenUserID`). Since 2022 many fields are only sent to older callback
//! configurations (contacts-sync URLs set after 2022-08-15 get only `UserID`/`Department` and
//! `Id`/`ParentId`), so every field but the key is optional.

use serde_json::Value;

use super::{Fields, JsonObject, MessageError, type_segment};

/// One contact change, by `ChangeType`.
// One value per callback, matched on once: variant size does not matter, plain matching does.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ContactChange {
    /// `create_user`.
    CreateUser(UserChange),
    /// `update_user` (`NewUserID` when the UserID itself changed).
    UpdateUser(UserChange),
    /// `delete_user` (only `UserID`, and `OpenUserID` for suites).
    DeleteUser(UserChange),
    /// `create_party`.
    CreateParty(PartyChange),
    /// `update_party`.
    UpdateParty(PartyChange),
    /// `delete_party` (only `Id`).
    DeleteParty(PartyChange),
    /// `update_tag`.
    UpdateTag(TagChange),
    /// Any other `ChangeType`; its fields stay in the payload's `extra`.
    Unknown {
        /// The `ChangeType` as sent.
        change_type: String,
    },
}

/// A member change (`create_user`, `update_user`, `delete_user`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserChange {
    /// `UserID` (required).
    pub user_id: String,
    /// `OpenUserID` (suites).
    pub open_user_id: Option<String>,
    /// `NewUserID` (update_user, when the UserID changed).
    pub new_user_id: Option<String>,
    /// `Name`.
    pub name: Option<String>,
    /// `Department`, e.g. `"1,2,3"` → `[1, 2, 3]`.
    pub department: Option<Vec<u32>>,
    /// `MainDepartment`.
    pub main_department: Option<u64>,
    /// `IsLeaderInDept`, one flag per department, e.g. `"1,0,0"` → `[1, 0, 0]`.
    pub is_leader_in_dept: Option<Vec<u32>>,
    /// `DirectLeader`, e.g. `"lisi,wangwu"`.
    pub direct_leader: Option<Vec<String>>,
    /// `Position`.
    pub position: Option<String>,
    /// `Mobile`.
    pub mobile: Option<String>,
    /// `Gender` (1 male, 2 female, 0 unknown).
    pub gender: Option<u64>,
    /// `Email`.
    pub email: Option<String>,
    /// `BizMail`.
    pub biz_mail: Option<String>,
    /// `Status` (1 active, 2 disabled, 4 not activated, 5 left).
    pub status: Option<u64>,
    /// `Avatar` URL.
    pub avatar: Option<String>,
    /// `Alias`.
    pub alias: Option<String>,
    /// `Telephone`.
    pub telephone: Option<String>,
    /// `Address`.
    pub address: Option<String>,
    /// `ExtAttr`, kept as sent (a structure of `Item`s).
    pub ext_attr: Option<Value>,
}

/// A department change (`create_party`, `update_party`, `delete_party`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartyChange {
    /// `Id`.
    pub id: u64,
    /// `Name` (not sent to third-party apps).
    pub name: Option<String>,
    /// `ParentId`.
    pub parent_id: Option<u64>,
    /// `Order`.
    pub order: Option<u64>,
}

/// A tag change (`update_tag`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagChange {
    /// `TagId`.
    pub tag_id: u64,
    /// `AddUserItems`: members added.
    pub add_user_items: Vec<String>,
    /// `DelUserItems`: members removed.
    pub del_user_items: Vec<String>,
    /// `AddPartyItems`: departments added.
    pub add_party_items: Vec<u32>,
    /// `DelPartyItems`: departments removed.
    pub del_party_items: Vec<u32>,
}

impl ContactChange {
    /// Reads the change named by `ChangeType` (which must be present).
    pub fn read(f: &Fields) -> Result<ContactChange, MessageError> {
        let change_type = f.required("ChangeType")?;
        Ok(match change_type.as_str() {
            "create_user" => ContactChange::CreateUser(UserChange::read(f)?),
            "update_user" => ContactChange::UpdateUser(UserChange::read(f)?),
            "delete_user" => ContactChange::DeleteUser(UserChange::read(f)?),
            "create_party" => ContactChange::CreateParty(PartyChange::read(f)?),
            "update_party" => ContactChange::UpdateParty(PartyChange::read(f)?),
            "delete_party" => ContactChange::DeleteParty(PartyChange::read(f)?),
            "update_tag" => ContactChange::UpdateTag(TagChange::read(f)?),
            _ => ContactChange::Unknown { change_type },
        })
    }

    /// The wire `ChangeType`.
    pub fn change_type(&self) -> &str {
        match self {
            ContactChange::CreateUser(_) => "create_user",
            ContactChange::UpdateUser(_) => "update_user",
            ContactChange::DeleteUser(_) => "delete_user",
            ContactChange::CreateParty(_) => "create_party",
            ContactChange::UpdateParty(_) => "update_party",
            ContactChange::DeleteParty(_) => "delete_party",
            ContactChange::UpdateTag(_) => "update_tag",
            ContactChange::Unknown { change_type } => change_type,
        }
    }

    /// `{prefix}.contact.{change_type}`.
    pub fn event_type(&self, prefix: &str) -> String {
        format!("{prefix}.contact.{}", type_segment(self.change_type()))
    }

    /// The key fields for deduplication: ChangeType and the UserID, Id or TagId.
    pub fn dedup_parts(&self) -> Vec<String> {
        let id = match self {
            ContactChange::CreateUser(u)
            | ContactChange::UpdateUser(u)
            | ContactChange::DeleteUser(u) => u.user_id.clone(),
            ContactChange::CreateParty(p)
            | ContactChange::UpdateParty(p)
            | ContactChange::DeleteParty(p) => p.id.to_string(),
            ContactChange::UpdateTag(t) => t.tag_id.to_string(),
            ContactChange::Unknown { .. } => String::new(),
        };
        vec![self.change_type().to_owned(), id]
    }

    /// Writes `change_type` and the change's normalised fields into `out`.
    pub fn write<'a>(&'a self, out: &mut JsonObject<'a>) {
        out.str("change_type", self.change_type());
        match self {
            ContactChange::CreateUser(u)
            | ContactChange::UpdateUser(u)
            | ContactChange::DeleteUser(u) => u.write(out),
            ContactChange::CreateParty(p)
            | ContactChange::UpdateParty(p)
            | ContactChange::DeleteParty(p) => p.write(out),
            ContactChange::UpdateTag(t) => t.write(out),
            ContactChange::Unknown { .. } => {}
        }
    }
}

impl UserChange {
    fn read(f: &Fields) -> Result<UserChange, MessageError> {
        Ok(UserChange {
            user_id: f.required("UserID")?,
            open_user_id: f.text("OpenUserID"),
            new_user_id: f.text("NewUserID"),
            name: f.text("Name"),
            department: f.u32_list("Department")?,
            main_department: f.u64("MainDepartment")?,
            is_leader_in_dept: f.u32_list("IsLeaderInDept")?,
            direct_leader: f.string_list("DirectLeader"),
            position: f.text("Position"),
            mobile: f.text("Mobile"),
            gender: f.u64("Gender")?,
            email: f.text("Email"),
            biz_mail: f.text("BizMail"),
            status: f.u64("Status")?,
            avatar: f.text("Avatar"),
            alias: f.text("Alias"),
            telephone: f.text("Telephone"),
            address: f.text("Address"),
            ext_attr: f
                .value("ExtAttr")
                .filter(|v| v != &Value::String(String::new())),
        })
    }

    fn write<'a>(&'a self, out: &mut JsonObject<'a>) {
        out.str("user_id", &self.user_id);
        out.opt_str("open_user_id", self.open_user_id.as_ref());
        out.opt_str("new_user_id", self.new_user_id.as_ref());
        out.opt_str("name", self.name.as_ref());
        out.opt_value(
            "department",
            self.department.as_ref().map(|d| Value::from(d.clone())),
        );
        out.opt_num("main_department", self.main_department);
        out.opt_value(
            "is_leader_in_dept",
            self.is_leader_in_dept
                .as_ref()
                .map(|d| Value::from(d.clone())),
        );
        out.opt_value(
            "direct_leader",
            self.direct_leader.as_ref().map(|d| Value::from(d.clone())),
        );
        out.opt_str("position", self.position.as_ref());
        out.opt_str("mobile", self.mobile.as_ref());
        out.opt_num("gender", self.gender);
        out.opt_str("email", self.email.as_ref());
        out.opt_str("biz_mail", self.biz_mail.as_ref());
        out.opt_num("status", self.status);
        out.opt_str("avatar", self.avatar.as_ref());
        out.opt_str("alias", self.alias.as_ref());
        out.opt_str("telephone", self.telephone.as_ref());
        out.opt_str("address", self.address.as_ref());
        out.opt_value("ext_attr", self.ext_attr.clone());
    }
}

impl PartyChange {
    fn read(f: &Fields) -> Result<PartyChange, MessageError> {
        Ok(PartyChange {
            id: f.u64("Id")?.ok_or(MessageError::MissingField("Id"))?,
            name: f.text("Name"),
            parent_id: f.u64("ParentId")?,
            order: f.u64("Order")?,
        })
    }

    fn write<'a>(&'a self, out: &mut JsonObject<'a>) {
        out.num("id", self.id);
        out.opt_str("name", self.name.as_ref());
        out.opt_num("parent_id", self.parent_id);
        out.opt_num("order", self.order);
    }
}

impl TagChange {
    fn read(f: &Fields) -> Result<TagChange, MessageError> {
        Ok(TagChange {
            tag_id: f.u64("TagId")?.ok_or(MessageError::MissingField("TagId"))?,
            add_user_items: f.string_list("AddUserItems").unwrap_or_default(),
            del_user_items: f.string_list("DelUserItems").unwrap_or_default(),
            add_party_items: f.u32_list("AddPartyItems")?.unwrap_or_default(),
            del_party_items: f.u32_list("DelPartyItems")?.unwrap_or_default(),
        })
    }

    fn write<'a>(&'a self, out: &mut JsonObject<'a>) {
        out.num("tag_id", self.tag_id);
        out.value("add_user_items", Value::from(self.add_user_items.clone()));
        out.value("del_user_items", Value::from(self.del_user_items.clone()));
        out.value("add_party_items", Value::from(self.add_party_items.clone()));
        out.value("del_party_items", Value::from(self.del_party_items.clone()));
    }
}
