//! Applies a directory write and pushes the `change_contact` callbacks it causes (NOTES §5.2).
//!
//! Who is called back: every app of the corp with callbacks configured (token and
//! EncodingAESKey). The contacts-sync app gets every change, except those its own API calls
//! caused ("通讯录同步助手自身的API调用不会回调", §5.2); self-built and mini-program apps get the
//! changes that touch their visible range before or after the write (the whole corp: all).
//! A contacts-sync app flagged `new_ip` stands for a callback URL configured after 2022-08-15 and
//! gets the reduced events: `UserID`/`NewUserID`/`Department` for members, `Id`/`ParentId` for
//! departments, and `update_party` only when the parent changed.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::api_error::ApiError;
use crate::directory::{Directory, DirectoryChange, DirectoryError, VisibleRange};
use crate::push::CallbackTarget;
use crate::state::SimState;
use crate::world::{SimApp, SimAppKind};

/// What a write did: the changes (as `{"change_type", …event fields}`) and the delivery ids of the
/// callbacks pushed for them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Published {
    /// One entry per `change_contact` event, with its fields.
    pub changes: Vec<Value>,
    /// Delivery ids from the push queue.
    pub deliveries: Vec<u64>,
}

/// Where callbacks for a change may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin<'a> {
    /// The control API (or the simulator itself).
    Control,
    /// An API call by this app (never called back to itself).
    App(&'a str),
}

fn subscribed(app: &SimApp) -> bool {
    app.token.is_some() && app.encoding_aes_key.is_some()
}

/// Applies `write` to `corp_id`'s directory and pushes the callbacks for its changes.
pub fn apply_write<T>(
    state: &SimState,
    corp_id: &str,
    origin: Origin<'_>,
    write: impl FnOnce(&mut Directory) -> Result<(T, Vec<DirectoryChange>), DirectoryError>,
) -> Result<(T, Published), ApiError> {
    let shared = state
        .directories
        .get(corp_id)
        .ok_or_else(ApiError::invalid_corp_id)?;
    let mut dir = shared.write().unwrap_or_else(|e| e.into_inner());
    let apps: Vec<&SimApp> = state
        .world
        .corp(corp_id)
        .map(|c| c.apps.iter().filter(|a| subscribed(a)).collect())
        .unwrap_or_default();
    let needs_before = apps.iter().any(|a| {
        (a.kind == SimAppKind::Contacts && a.new_ip)
            || (a.kind != SimAppKind::Contacts && !a.visible.is_whole_corp())
    });
    let before = needs_before.then(|| dir.clone());
    let (value, changes) = write(&mut dir)?;
    let published = publish_changes(state, corp_id, origin, before.as_ref(), &dir, &changes);
    Ok((value, published))
}

/// Pushes the callbacks for `changes` (already applied: `after` is the directory now, `before`
/// the one before, when a subscriber needs it) and describes them.
pub fn publish_changes(
    state: &SimState,
    corp_id: &str,
    origin: Origin<'_>,
    before: Option<&Directory>,
    after: &Directory,
    changes: &[DirectoryChange],
) -> Published {
    let mut published = Published::default();
    let now = state.clock.now();
    let apps: Vec<&SimApp> = state
        .world
        .corp(corp_id)
        .map(|c| c.apps.iter().filter(|a| subscribed(a)).collect())
        .unwrap_or_default();
    for change in changes {
        published.changes.push(describe(change));
        for app in &apps {
            if origin == Origin::App(&app.name) {
                continue;
            }
            let payload = if app.kind == SimAppKind::Contacts {
                if app.new_ip {
                    match reduced_xml(change, corp_id, now, before) {
                        Some(xml) => xml,
                        None => continue,
                    }
                } else {
                    change.to_xml(corp_id, now.max(0) as u64)
                }
            } else {
                if !touches(change, &app.visible, before, after) {
                    continue;
                }
                change.to_xml(corp_id, now.max(0) as u64)
            };
            let id = state.pusher.push(
                CallbackTarget::WecomApp {
                    app: app.name.clone(),
                },
                payload,
            );
            published.deliveries.push(id);
        }
        // Suites installed in this corp hear of it on their instruction callback (third-party
        // change_contact, filtered by each install's authorised range).
        published
            .deliveries
            .extend(crate::suite::notify_contact_change_in(
                state, corp_id, after, change,
            ));
    }
    published
}

/// `{"change_type": "...", "UserID": "...", ...}` for the control API.
pub fn describe(change: &DirectoryChange) -> Value {
    let mut map = Map::new();
    map.insert("change_type".into(), json!(change.change_type()));
    for (name, value) in change.event_fields() {
        map.insert(name.into(), json!(value));
    }
    Value::Object(map)
}

/// Whether `change` touches `range` before or after the write.
fn touches(
    change: &DirectoryChange,
    range: &VisibleRange,
    before: Option<&Directory>,
    after: &Directory,
) -> bool {
    if range.is_whole_corp() {
        return true;
    }
    let (users, depts, tag): (Vec<&str>, Vec<u32>, Option<u32>) = match change {
        DirectoryChange::CreateUser { member } => (vec![&member.userid], vec![], None),
        DirectoryChange::UpdateUser { userid, member, .. } => {
            (vec![userid.as_str(), &member.userid], vec![], None)
        }
        DirectoryChange::DeleteUser { userid } => (vec![userid.as_str()], vec![], None),
        DirectoryChange::CreateParty(p) | DirectoryChange::UpdateParty(p) => {
            (vec![], vec![p.id], None)
        }
        DirectoryChange::DeleteParty { id } => (vec![], vec![*id], None),
        DirectoryChange::UpdateTag(t) => (vec![], vec![], Some(t.tagid)),
    };
    let seen = |dir: &Directory| {
        let visible = dir.visible(range);
        users.iter().any(|u| visible.contains_user(u))
            || depts.iter().any(|d| visible.contains_department(*d))
            || tag.is_some_and(|t| visible.contains_tag(t))
    };
    seen(after) || before.is_some_and(seen)
}

fn element(out: &mut String, name: &str, text: &str, bare: bool) {
    if bare {
        out.push_str(&format!("<{name}>{text}</{name}>"));
    } else {
        let text = text.replace("]]>", "]]]]><![CDATA[>");
        out.push_str(&format!("<{name}><![CDATA[{text}]]></{name}>"));
    }
}

/// The reduced event of a contacts-sync callback configured after 2022-08-15; `None` when no
/// event is sent (update_party without a parent change).
fn reduced_xml(
    change: &DirectoryChange,
    corp_id: &str,
    now: i64,
    before: Option<&Directory>,
) -> Option<String> {
    let keep: &[&str] = match change {
        DirectoryChange::CreateUser { .. }
        | DirectoryChange::UpdateUser { .. }
        | DirectoryChange::DeleteUser { .. } => &["UserID", "NewUserID", "Department"],
        DirectoryChange::UpdateParty(p) => {
            let old_parent = before.and_then(|d| d.department(p.id)).map(|d| d.parentid);
            if old_parent == Some(p.parentid) {
                return None;
            }
            &["Id", "ParentId"]
        }
        DirectoryChange::CreateParty(_) | DirectoryChange::DeleteParty { .. } => {
            &["Id", "ParentId"]
        }
        DirectoryChange::UpdateTag(_) => {
            return Some(change.to_xml(corp_id, now.max(0) as u64));
        }
    };
    let mut out = String::from("<xml>");
    element(&mut out, "ToUserName", corp_id, false);
    element(&mut out, "FromUserName", "sys", false);
    element(&mut out, "CreateTime", &now.to_string(), true);
    element(&mut out, "MsgType", "event", false);
    element(&mut out, "Event", "change_contact", false);
    element(&mut out, "ChangeType", change.change_type(), true);
    for (name, value) in change.event_fields() {
        if keep.contains(&name) {
            element(&mut out, name, &value, name == "Id");
        }
    }
    out.push_str("</xml>");
    Some(out)
}
