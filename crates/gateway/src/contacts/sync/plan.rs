//! Which path through the contacts APIs a credential allows, found by asking: the best call is
//! tried first and a refusal (48002 no permission, 60011 out of range, 60020 IP not allowed — the
//! 2022-08-15 rule for new IPs of the contacts secret, NOTES §3.3) chooses the next one, instead
//! of failing the sync.
//!
//! - Departments: `department/list` (the tree with names in one call) → else
//!   `department/simplelist`, and `department/get` for names if one probe succeeds → else ids
//!   only (names and leaders unavailable).
//! - Member ids: `user/list_id` (contacts-sync secret) → else none (members come from the
//!   details).
//! - Member details: `user/list` per department → else `user/get` per member (when ids are
//!   known) → else none (every member field unavailable; members known by id and departments).
//!
//! Fields the credential does not receive (the 2022-06-20 privacy rules strip mobile, email,
//! avatar… for newer apps; third-party apps get the userid in place of the name) are found from
//! the answers in [`crate::contacts::sync::apply`] and recorded as unavailable.

use wxgate_client::ErrorKind;

use crate::contacts::sync::checkpoint::{DepartmentPath, DetailPath};
use crate::contacts::sync::engine::{Job, SyncError};
use crate::contacts::sync::fetch::{FetchError, Upstream};
use crate::contacts::sync::progress::Counts;
use crate::contacts::sync::staged::StagedDepartment;

/// Member fields that may be unavailable, by their store column names.
pub const MEMBER_FIELDS: [&str; 12] = [
    "name",
    "alias",
    "mobile",
    "email",
    "biz_mail",
    "avatar",
    "gender",
    "position",
    "status",
    "main_department",
    "open_userid",
    "extra",
];

/// The department tree and the path that read it.
pub async fn departments(
    upstream: &Upstream,
    counts: &mut Counts,
) -> Result<(DepartmentPath, Vec<StagedDepartment>), SyncError> {
    match upstream.department_list().await {
        Ok(list) => {
            return Ok((
                DepartmentPath::List,
                list.iter().map(StagedDepartment::from_full).collect(),
            ));
        }
        Err(e) if e.is_refusal() => {
            counts.error(format!(
                "department/list refused, using department/simplelist: {e}"
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let ids = upstream.department_simplelist().await?;
    let staged: Vec<StagedDepartment> = ids.iter().map(StagedDepartment::from_id).collect();
    let path = match ids.first() {
        None => DepartmentPath::SimpleList,
        Some(first) => match upstream.department_get(first.id).await {
            Ok(_) => DepartmentPath::SimpleListAndGet,
            Err(e) if e.is_refusal() => {
                counts.error(format!(
                    "department/get refused, department names unavailable: {e}"
                ));
                DepartmentPath::SimpleList
            }
            Err(e) => return Err(e.into()),
        },
    };
    Ok((path, staged))
}

/// How member details are read: `user/list` on the first department to list, else `user/get`
/// on the first known member, else none (only possible when `user/list_id` gave the ids).
pub async fn details(
    job: &mut Job,
    departments: &[i64],
    ids: Option<&[(String, Vec<i64>)]>,
) -> Result<DetailPath, SyncError> {
    let mut refused = None;
    // A department deleted mid-sync answers 60003: probe the next one.
    for &department in departments.iter().take(5) {
        match job.upstream.user_list(department).await {
            Ok(_) => return Ok(DetailPath::UserList),
            Err(e) if matches!(e.kind(), Some(ErrorKind::NotFound)) => continue,
            Err(e) if e.is_refusal() => {
                refused = Some(e);
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let Some(refused) = refused else {
        return Ok(DetailPath::UserList);
    };
    let Some((userid, _)) = ids.and_then(<[_]>::first) else {
        return Err(SyncError::NoMembers(refused.to_string()));
    };
    job.counts
        .error(format!("user/list refused, trying user/get: {refused}"));
    match job.upstream.user_get(userid).await {
        Ok(_) => Ok(DetailPath::UserGet),
        Err(e) if e.is_refusal() => {
            job.counts
                .error(format!("user/get refused, member details unavailable: {e}"));
            Ok(DetailPath::None)
        }
        Err(FetchError::Upstream(e)) if e.kind() == Some(ErrorKind::NotFound) => {
            Ok(DetailPath::UserGet)
        }
        Err(e) => Err(e.into()),
    }
}
