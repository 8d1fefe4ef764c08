//! Applying one queued `change_contact` to the store, and the per-change event it causes.
//!
//! | change_type | store | event |
//! |---|---|---|
//! | `create_user`, `update_user` | the member's carried fields (`NewUserID` first renames the member and its `wecom_user` identity) | `contact.member.renamed`, then `contact.member.created` / `contact.member.updated` |
//! | `delete_user` | the member is marked inactive (`left_at`), never deleted | `contact.member.removed` |
//! | `create_party`, `update_party` | the department's carried fields | `contact.department.created` / `contact.department.updated` |
//! | `delete_party` | the department is marked inactive (`removed_at`) | `contact.department.removed` |
//! | `update_tag` | tagged members and departments added / removed | `contact.tag.updated` |
//!
//! A member event without a name (the post-2022 shape: only `UserID` and `Department`) is
//! completed with `user/get` when the directory's credential may call it ([`super::fetch`]);
//! whatever stays unknown keeps its stored value. A change that changes nothing emits nothing.

use serde_json::{Map, Value, json};
use wxgate_store::{
    ChangeOutcome, DepartmentPatch, MemberDepartment, MemberPatch, QueuedContactChange, StoreError,
};

use super::fetch;
use crate::events::emit::{InternalEvent, emit};
use crate::state::Gateway;

/// Why a change was not applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The change cannot be applied as it is (recorded on it, not retried).
    #[error("{0}")]
    Refused(String),
    /// The database failed: stop and retry the change later.
    #[error("{0}")]
    Store(StoreError),
}

impl From<StoreError> for ApplyError {
    fn from(e: StoreError) -> ApplyError {
        match e {
            StoreError::Conflict(m) | StoreError::NotFound(m) => ApplyError::Refused(m),
            other => ApplyError::Store(other),
        }
    }
}

fn text(data: &Value, key: &str) -> Option<String> {
    match &data[key] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int(data: &Value, key: &str) -> Option<i64> {
    match &data[key] {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn ints(data: &Value, key: &str) -> Option<Vec<i64>> {
    data[key]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
}

fn texts(data: &Value, key: &str) -> Vec<String> {
    data[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Applies `queued` to `directory` and emits its event.
pub async fn apply(
    gateway: &Gateway,
    directory: &str,
    queued: &QueuedContactChange,
) -> Result<(), ApplyError> {
    let data = &queued.change["data"];
    let change_type = queued.change["change_type"]
        .as_str()
        .or_else(|| data["change_type"].as_str())
        .unwrap_or_default();
    match change_type {
        "create_user" | "update_user" => member_change(gateway, directory, queued, data).await,
        "delete_user" => {
            let userid = required(data, "user_id")?;
            if gateway.store.remove_member(directory, &userid).await? {
                let member = gateway.store.member(directory, &userid).await?;
                announce(
                    gateway,
                    directory,
                    queued,
                    "contact.member.removed",
                    json!({"userid": userid, "member": member}),
                )
                .await?;
            }
            Ok(())
        }
        "create_party" | "update_party" => party_change(gateway, directory, queued, data).await,
        "delete_party" => {
            let id = int(data, "id")
                .ok_or_else(|| ApplyError::Refused("delete_party without Id".into()))?;
            if gateway.store.remove_department(directory, id).await? {
                let department = gateway.store.department(directory, id).await?;
                announce(
                    gateway,
                    directory,
                    queued,
                    "contact.department.removed",
                    json!({"dept_id": id, "department": department}),
                )
                .await?;
            }
            Ok(())
        }
        "update_tag" => {
            let tag_id = int(data, "tag_id")
                .ok_or_else(|| ApplyError::Refused("update_tag without TagId".into()))?;
            let add_users = texts(data, "add_user_items");
            let del_users = texts(data, "del_user_items");
            let add_parties = ints(data, "add_party_items").unwrap_or_default();
            let del_parties = ints(data, "del_party_items").unwrap_or_default();
            let tag = gateway
                .store
                .apply_tag_change(
                    directory,
                    tag_id,
                    None,
                    &add_users,
                    &del_users,
                    &add_parties,
                    &del_parties,
                )
                .await?;
            announce(
                gateway,
                directory,
                queued,
                "contact.tag.updated",
                json!({
                    "tag": tag,
                    "added_userids": add_users, "removed_userids": del_users,
                    "added_dept_ids": add_parties, "removed_dept_ids": del_parties,
                }),
            )
            .await
        }
        other => Err(ApplyError::Refused(format!(
            "change_type `{other}` is not a contact change wxgate applies"
        ))),
    }
}

fn required(data: &Value, key: &str) -> Result<String, ApplyError> {
    text(data, key).ok_or_else(|| ApplyError::Refused(format!("the change has no `{key}`")))
}

async fn member_change(
    gateway: &Gateway,
    directory: &str,
    queued: &QueuedContactChange,
    data: &Value,
) -> Result<(), ApplyError> {
    let mut userid = required(data, "user_id")?;
    if let Some(to) = text(data, "new_user_id").filter(|to| *to != userid) {
        let out = gateway.store.rename_member(directory, &userid, &to).await?;
        if out.renamed {
            announce(
                gateway,
                directory,
                queued,
                "contact.member.renamed",
                json!({
                    "from": userid, "to": to,
                    "user_id": out.identity.as_ref().map(|i| i.user_id.clone()),
                    "member": out.member,
                }),
            )
            .await?;
        }
        userid = to;
    }
    let stored = gateway.store.member(directory, &userid).await?;
    let mut patch = patch_from_event(
        data,
        &userid,
        stored.as_ref().map(|m| m.departments.as_slice()),
    );
    if patch.name.is_none()
        && let Some(fetched) = fetch::member(gateway, directory, &userid).await
    {
        fill_from_user_get(&mut patch, &fetched);
    }
    let (member, outcome) = gateway.store.apply_member_change(directory, patch).await?;
    let event_type = match outcome {
        ChangeOutcome::Created | ChangeOutcome::Reactivated => "contact.member.created",
        ChangeOutcome::Moved | ChangeOutcome::Updated => "contact.member.updated",
        ChangeOutcome::Unchanged => return Ok(()),
    };
    announce(
        gateway,
        directory,
        queued,
        event_type,
        json!({"userid": member.userid, "outcome": outcome, "member": member}),
    )
    .await
}

/// The member fields an event carries; departments keep their stored order (events carry none)
/// and leader flags when the event has no `IsLeaderInDept`.
fn patch_from_event(
    data: &Value,
    userid: &str,
    stored: Option<&[MemberDepartment]>,
) -> MemberPatch {
    let leaders = ints(data, "is_leader_in_dept");
    let departments = ints(data, "department").map(|ids| {
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                let had = stored.and_then(|s| s.iter().find(|d| d.dept_id == *id));
                MemberDepartment {
                    dept_id: *id,
                    is_leader: match &leaders {
                        Some(flags) => flags.get(i).is_some_and(|f| *f == 1),
                        None => had.is_some_and(|d| d.is_leader),
                    },
                    sort_order: had.map_or(0, |d| d.sort_order),
                }
            })
            .collect()
    });
    let mut extra = Map::new();
    for (key, name) in [
        ("telephone", "telephone"),
        ("address", "address"),
        ("ext_attr", "extattr"),
        ("direct_leader", "direct_leader"),
    ] {
        if !data[key].is_null() {
            extra.insert(name.to_owned(), data[key].clone());
        }
    }
    MemberPatch {
        userid: userid.to_owned(),
        open_userid: text(data, "open_user_id"),
        name: text(data, "name"),
        alias: text(data, "alias"),
        mobile: text(data, "mobile"),
        email: text(data, "email"),
        biz_mail: text(data, "biz_mail"),
        avatar: text(data, "avatar"),
        gender: text(data, "gender"),
        position: text(data, "position"),
        status: int(data, "status"),
        main_department: int(data, "main_department"),
        departments,
        extra,
    }
}

/// Fills what the event left out from a `user/get` answer.
fn fill_from_user_get(patch: &mut MemberPatch, m: &wxgate_client::wecom::contacts::Member) {
    fn fill(slot: &mut Option<String>, value: &Option<String>) {
        if slot.is_none() {
            *slot = value.clone().filter(|v| !v.is_empty());
        }
    }
    fill(&mut patch.open_userid, &m.open_userid);
    fill(&mut patch.name, &m.name);
    fill(&mut patch.alias, &m.alias);
    fill(&mut patch.mobile, &m.mobile);
    fill(&mut patch.email, &m.email);
    fill(&mut patch.biz_mail, &m.biz_mail);
    fill(&mut patch.avatar, &m.avatar);
    fill(&mut patch.position, &m.position);
    if patch.gender.is_none() {
        patch.gender = m.gender.map(|g| {
            match g {
                wxgate_client::Gender::Male => "1",
                wxgate_client::Gender::Female => "2",
                wxgate_client::Gender::Unknown => "0",
            }
            .to_owned()
        });
    }
    patch.status = patch.status.or(m.status);
    patch.main_department = patch.main_department.or(m.main_department);
    if !m.department.is_empty() {
        let fetched: Vec<MemberDepartment> = m
            .department
            .iter()
            .enumerate()
            .map(|(i, id)| MemberDepartment {
                dept_id: *id,
                is_leader: m.is_leader_in_dept.get(i).is_some_and(|f| *f == 1),
                sort_order: m.order.get(i).copied().unwrap_or(0),
            })
            .collect();
        patch.departments = Some(fetched);
    }
    for (name, value) in [
        ("telephone", m.telephone.clone().map(Value::from)),
        ("address", m.address.clone().map(Value::from)),
        ("extattr", m.extattr.clone()),
        (
            "direct_leader",
            (!m.direct_leader.is_empty()).then(|| Value::from(m.direct_leader.clone())),
        ),
    ] {
        if let Some(value) = value {
            patch.extra.entry(name.to_owned()).or_insert(value);
        }
    }
}

async fn party_change(
    gateway: &Gateway,
    directory: &str,
    queued: &QueuedContactChange,
    data: &Value,
) -> Result<(), ApplyError> {
    let id =
        int(data, "id").ok_or_else(|| ApplyError::Refused("a party change without Id".into()))?;
    let mut patch = DepartmentPatch {
        dept_id: id,
        parent_id: int(data, "parent_id"),
        name: text(data, "name"),
        sort_order: int(data, "order"),
        ..DepartmentPatch::default()
    };
    let known = gateway.store.department(directory, id).await?;
    if patch.name.is_none()
        && known.as_ref().is_none_or(|d| d.name.is_none())
        && let Some(d) = fetch::department(gateway, directory, id).await
    {
        patch.name = d.name.filter(|n| !n.is_empty());
        patch.name_en = d.name_en.filter(|n| !n.is_empty());
        patch.parent_id = patch.parent_id.or(d.parentid);
        patch.sort_order = patch.sort_order.or(d.order);
        if !d.department_leader.is_empty() {
            patch.leaders = Some(d.department_leader);
        }
    }
    let (department, outcome) = gateway
        .store
        .apply_department_change(directory, patch)
        .await?;
    let event_type = match outcome {
        ChangeOutcome::Created | ChangeOutcome::Reactivated => "contact.department.created",
        ChangeOutcome::Moved | ChangeOutcome::Updated => "contact.department.updated",
        ChangeOutcome::Unchanged => return Ok(()),
    };
    announce(
        gateway,
        directory,
        queued,
        event_type,
        json!({"dept_id": id, "outcome": outcome, "department": department}),
    )
    .await
}

/// Emits one per-change event, filed under the directory's corp or suite, deduplicated per
/// queued change (a change re-applied after a crash does not announce twice).
async fn announce(
    gateway: &Gateway,
    directory: &str,
    queued: &QueuedContactChange,
    event_type: &str,
    mut data: Value,
) -> Result<(), ApplyError> {
    data["directory"] = json!(directory);
    data["change_type"] = queued.change["change_type"].clone();
    data["callback_event_id"] = queued.change["event_id"].clone();
    let owner = directory.split(':').next().unwrap_or(directory).to_owned();
    emit(
        gateway,
        InternalEvent {
            app: owner,
            event_type: event_type.to_owned(),
            source: json!({"kind": "contacts", "directory": directory}),
            dedup_key: format!("{event_type}:{directory}:{}", queued.seq),
            data,
        },
    )
    .await
    .map_err(ApplyError::Store)?;
    Ok(())
}
