//! The plaintext XML of a suite's instruction callbacks (指令回调, NOTES §5.1): suite_ticket,
//! create_auth, change_auth, cancel_auth, reset_permanent_code and the third-party
//! change_contact, pushed to [`CallbackTarget::SuiteInstruction`]. Numbers the samples send bare
//! (`TimeStamp`, `MainDepartment`, `Gender`, `Id`, `ParentId`, `Order`, `TagId`…) stay bare.

use crate::directory::model::Directory;
use crate::directory::{DirectoryChange, VisibleRange, open_userid_for};
use crate::push::CallbackTarget;
use crate::state::SimState;

const BARE: &[&str] = &[
    "TimeStamp",
    "MainDepartment",
    "Mobile",
    "Gender",
    "Status",
    "Id",
    "ParentId",
    "Order",
    "TagId",
];

/// A small XML builder for flat instruction payloads.
#[derive(Debug, Default)]
struct Xml(String);

impl Xml {
    fn field(mut self, name: &str, text: &str) -> Self {
        let bare =
            BARE.contains(&name) && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        if bare {
            self.0.push_str(&format!("<{name}>{text}</{name}>"));
        } else {
            let text = text.replace("]]>", "]]]]><![CDATA[>");
            self.0
                .push_str(&format!("<{name}><![CDATA[{text}]]></{name}>"));
        }
        self
    }

    fn done(self) -> String {
        format!("<xml>{}</xml>", self.0)
    }
}

fn head(suite_id: &str, info_type: &str) -> Xml {
    Xml::default()
        .field("SuiteId", suite_id)
        .field("InfoType", info_type)
}

/// `suite_ticket`: `SuiteId`, `InfoType`, `TimeStamp`, `SuiteTicket`.
pub fn suite_ticket(suite_id: &str, ticket: &str, now: i64) -> String {
    head(suite_id, "suite_ticket")
        .field("TimeStamp", &now.to_string())
        .field("SuiteTicket", ticket)
        .done()
}

/// `create_auth`: `SuiteId`, `AuthCode`, `InfoType`, `TimeStamp`, `State` (the sample's order).
pub fn create_auth(suite_id: &str, auth_code: &str, state: &str, now: i64) -> String {
    Xml::default()
        .field("SuiteId", suite_id)
        .field("AuthCode", auth_code)
        .field("InfoType", "create_auth")
        .field("TimeStamp", &now.to_string())
        .field("State", state)
        .done()
}

/// `change_auth` / `cancel_auth`: `SuiteId`, `InfoType`, `TimeStamp`, `AuthCorpId`.
pub fn auth_changed(suite_id: &str, info_type: &str, corp_id: &str, now: i64) -> String {
    head(suite_id, info_type)
        .field("TimeStamp", &now.to_string())
        .field("AuthCorpId", corp_id)
        .done()
}

/// `reset_permanent_code`: `SuiteId`, `AuthCode`, `InfoType`, `TimeStamp`.
pub fn reset_permanent_code(suite_id: &str, auth_code: &str, now: i64) -> String {
    Xml::default()
        .field("SuiteId", suite_id)
        .field("AuthCode", auth_code)
        .field("InfoType", "reset_permanent_code")
        .field("TimeStamp", &now.to_string())
        .done()
}

/// The third-party `change_contact` for one directory change of `corp_id`: `SuiteId`,
/// `AuthCorpId`, `InfoType`, `TimeStamp`, `ChangeType`, then the change's fields with
/// `OpenUserID` after each `UserID` and `Name` replaced by the id (third-party apps do not
/// receive real names).
pub fn change_contact(suite_id: &str, corp_id: &str, change: &DirectoryChange, now: i64) -> String {
    let mut xml = Xml::default()
        .field("SuiteId", suite_id)
        .field("AuthCorpId", corp_id)
        .field("InfoType", "change_contact")
        .field("TimeStamp", &now.to_string())
        .field("ChangeType", change.change_type());
    let fields = change.event_fields();
    let id_of_name = fields
        .iter()
        .find(|(name, _)| *name == "NewUserID")
        .or_else(|| {
            fields
                .iter()
                .find(|(name, _)| matches!(*name, "UserID" | "Id"))
        })
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    for (name, value) in &fields {
        match *name {
            "Name" => xml = xml.field("Name", &id_of_name),
            "UserID" => {
                xml = xml
                    .field("UserID", value)
                    .field("OpenUserID", &open_userid_for(corp_id, value));
            }
            _ => xml = xml.field(name, value),
        }
    }
    xml.done()
}

/// Whether `change` concerns something inside the visible range a suite was granted, judged on
/// `directory` (the corp's directory after the write). Things the directory no longer holds (a
/// deleted member or department) count as visible.
fn in_range(directory: &Directory, range: &VisibleRange, change: &DirectoryChange) -> bool {
    if range.is_whole_corp() {
        return true;
    }
    let visible = directory.visible(range);
    match change {
        DirectoryChange::CreateUser { member } | DirectoryChange::UpdateUser { member, .. } => {
            visible.contains_user(&member.userid)
        }
        DirectoryChange::CreateParty(party) | DirectoryChange::UpdateParty(party) => {
            visible.contains_department(party.id)
        }
        DirectoryChange::UpdateTag(tag) => visible.contains_tag(tag.tagid),
        DirectoryChange::DeleteUser { .. } | DirectoryChange::DeleteParty { .. } => true,
    }
}

/// Pushes the third-party `change_contact` for a directory edit of `corp_id` to the instruction
/// callback of every suite authorised (and not cancelled) in that corp whose visible range
/// covers the change; returns the push ids. Reads the corp's directory: do not call it while
/// holding that directory's lock (the write path calls [`notify_contact_change_in`]).
pub fn notify_contact_change(
    state: &SimState,
    corp_id: &str,
    change: &DirectoryChange,
) -> Vec<u64> {
    match state.directories.get(corp_id) {
        Some(shared) => {
            let directory = shared.read().unwrap_or_else(|e| e.into_inner());
            notify_contact_change_in(state, corp_id, &directory, change)
        }
        None => notify_with(state, corp_id, change, |_| true),
    }
}

/// [`notify_contact_change`] judged on `directory`, the corp's directory the caller already holds
/// (the directory write path holds its write lock while it publishes: re-locking would deadlock).
pub fn notify_contact_change_in(
    state: &SimState,
    corp_id: &str,
    directory: &Directory,
    change: &DirectoryChange,
) -> Vec<u64> {
    notify_with(state, corp_id, change, |range| {
        in_range(directory, range, change)
    })
}

fn notify_with(
    state: &SimState,
    corp_id: &str,
    change: &DirectoryChange,
    covers: impl Fn(&VisibleRange) -> bool,
) -> Vec<u64> {
    let now = state.clock.now();
    state
        .suites
        .suites_authorised_in(corp_id)
        .into_iter()
        .filter(|suite_id| {
            super::privileges(state, suite_id, corp_id).is_some_and(|range| covers(&range))
        })
        .map(|suite_id| {
            let xml = change_contact(&suite_id, corp_id, change, now);
            state
                .pusher
                .push(CallbackTarget::SuiteInstruction { suite_id }, xml)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::PartyChange;

    #[test]
    fn ticket_matches_the_documented_layout() {
        assert_eq!(
            suite_ticket("ww4asffe99e54c0fxxxx", "asdfasfdasdfasdf", 1403610513),
            "<xml><SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId>\
             <InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>1403610513</TimeStamp>\
             <SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket></xml>"
        );
    }

    #[test]
    fn third_party_party_change_replaces_the_name_by_the_id() {
        let change = DirectoryChange::CreateParty(PartyChange {
            id: 2,
            name: "张三".into(),
            parentid: 1,
            order: 1,
        });
        let xml = change_contact("suite", "wwcorp", &change, 1403610513);
        assert!(xml.starts_with(
            "<xml><SuiteId><![CDATA[suite]]></SuiteId><AuthCorpId><![CDATA[wwcorp]]></AuthCorpId>\
             <InfoType><![CDATA[change_contact]]></InfoType><TimeStamp>1403610513</TimeStamp>\
             <ChangeType><![CDATA[create_party]]></ChangeType><Id>2</Id>"
        ));
        assert!(xml.contains("<Name><![CDATA[2]]></Name><ParentId>1</ParentId><Order>1</Order>"));
        assert!(!xml.contains("张三"));
        let delete = DirectoryChange::DeleteUser {
            userid: "zhangsan".into(),
        };
        let xml = change_contact("suite", "wwcorp", &delete, 1);
        assert!(xml.contains(&format!(
            "<UserID><![CDATA[zhangsan]]></UserID><OpenUserID><![CDATA[{}]]></OpenUserID>",
            open_userid_for("wwcorp", "zhangsan")
        )));
    }
}
