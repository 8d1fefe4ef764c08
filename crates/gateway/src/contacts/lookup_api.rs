//! The contacts lookups admin API (admin key): the department tree with member counts, members of
//! a department (recursive or not) and its leaders, a member by userid, open_userid, mobile or
//! email, and the links between directory members and wxgate users, both ways.
//!
//! | method | path | |
//! |---|---|---|
//! | GET | `/api/v1/corps/{name}/departments` | the active departments as trees, with `direct_members` / `total_members` |
//! | GET | `/api/v1/corps/{name}/departments/{id}/members?recursive=true` | active members, each once |
//! | GET | `/api/v1/corps/{name}/departments/{id}/leaders` | `department_leader` ∪ `is_leader_in_dept` |
//! | GET | `/api/v1/corps/{name}/members/{userid}` | one member (also one who left: `active: false`) |
//! | GET | `/api/v1/corps/{name}/members?open_userid=\|mobile=\|email=` | members found by one key |
//! | GET | `/api/v1/corps/{name}/members/{userid}/user` | the wxgate user behind a member |
//! | GET | `/api/v1/users/{id}/members` | the directory members behind a wxgate user |
//!
//! `{name}` is a directory: a `[[wecom]]` corp name or `suite-name:corp_id`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wxgate_store::ContactDirectory;

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::state::Gateway;

/// The lookups routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/corps/{name}/departments", get(tree))
        .route(
            "/api/v1/corps/{name}/departments/{id}/members",
            get(department_members),
        )
        .route(
            "/api/v1/corps/{name}/departments/{id}/leaders",
            get(department_leaders),
        )
        .route("/api/v1/corps/{name}/members", get(find_members))
        .route("/api/v1/corps/{name}/members/{userid}", get(member))
        .route(
            "/api/v1/corps/{name}/members/{userid}/user",
            get(member_user),
        )
        .route("/api/v1/users/{id}/members", get(user_members))
}

async fn directory(gateway: &Gateway, name: &str) -> Result<ContactDirectory, ApiError> {
    gateway.store.directory(name).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_directory",
            format!(
                "no directory `{name}` has been synced: use a [[wecom]] corp name or `suite-name:corp_id`, and run a sync (POST /api/v1/corps/{name}/sync)"
            ),
        )
    })
}

fn dept_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::bad_request(format!("department id `{raw}` is not a positive integer"))
    })
}

async fn tree(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let dir = directory(&gateway, &name).await?;
    let tree = gateway.store.department_tree(&name).await?;
    Ok(Json(json!({
        "directory": name,
        "unavailable_fields": dir.unavailable_fields,
        "last_full_sync_at": dir.last_full_sync_at,
        "departments": tree,
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembersQuery {
    #[serde(default)]
    recursive: Option<bool>,
    /// Page size: [`DEFAULT_MEMBERS_PAGE`] when absent, at most [`MAX_MEMBERS_PAGE`].
    limit: Option<usize>,
    /// The `next_after` of the previous page.
    after: Option<String>,
}

/// Members per page of a department listing when the request names no `limit`.
pub const DEFAULT_MEMBERS_PAGE: usize = 1_000;

/// The largest `limit` a department listing accepts.
pub const MAX_MEMBERS_PAGE: usize = 10_000;

async fn department_members(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((name, id)): Path<(String, String)>,
    Query(q): Query<MembersQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = dept_id(&id)?;
    let limit = q.limit.unwrap_or(DEFAULT_MEMBERS_PAGE);
    if !(1..=MAX_MEMBERS_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "`limit` must be between 1 and {MAX_MEMBERS_PAGE}"
        )));
    }
    directory(&gateway, &name).await?;
    let department = gateway
        .store
        .department(&name, id)
        .await?
        .ok_or_else(|| unknown_department(&name, id))?;
    let recursive = q.recursive.unwrap_or(false);
    // One more than asked tells whether another page follows.
    let mut members = gateway
        .store
        .department_members(&name, id, recursive, q.after.as_deref(), Some(limit + 1))
        .await?;
    let next_after = if members.len() > limit {
        members.truncate(limit);
        members.last().map(|m| m.userid.clone())
    } else {
        None
    };
    Ok(Json(json!({
        "department": department,
        "recursive": recursive,
        "members": members,
        "next_after": next_after,
    })))
}

async fn department_leaders(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((name, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let id = dept_id(&id)?;
    directory(&gateway, &name).await?;
    let department = gateway
        .store
        .department(&name, id)
        .await?
        .ok_or_else(|| unknown_department(&name, id))?;
    let leaders = gateway.store.department_leaders(&name, id).await?;
    Ok(Json(json!({"department": department, "leaders": leaders})))
}

fn unknown_department(name: &str, id: i64) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_department",
        format!("directory `{name}` has no department {id}"),
    )
}

fn unknown_member(name: &str, userid: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_member",
        format!("directory `{name}` has no member `{userid}`"),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindQuery {
    open_userid: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
}

async fn find_members(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    Query(q): Query<FindQuery>,
) -> Result<Json<Value>, ApiError> {
    let given = [&q.open_userid, &q.mobile, &q.email]
        .iter()
        .filter(|v| v.as_ref().is_some_and(|s| !s.trim().is_empty()))
        .count();
    if given != 1 {
        return Err(ApiError::bad_request(
            "give exactly one of `open_userid`, `mobile` or `email` (to list a department, use /departments/{id}/members)",
        ));
    }
    let dir = directory(&gateway, &name).await?;
    let (field, members) = if let Some(open_userid) = q.open_userid {
        let found = gateway
            .store
            .member_by_open_userid(&name, open_userid.trim())
            .await?;
        ("open_userid", found.into_iter().collect::<Vec<_>>())
    } else if let Some(mobile) = q.mobile {
        (
            "mobile",
            gateway
                .store
                .members_by_mobile(&name, mobile.trim())
                .await?,
        )
    } else {
        let email = q.email.unwrap_or_default();
        (
            "email",
            gateway.store.members_by_email(&name, email.trim()).await?,
        )
    };
    let mut body = json!({"members": members});
    // A lookup by a field this directory cannot read finds only what an older sync stored.
    if members_empty(&body) && dir.unavailable_fields.iter().any(|f| f == field) {
        body["note"] = json!(format!(
            "directory `{name}` cannot read `{field}` with its credential; lookups by it find only values stored earlier"
        ));
    }
    Ok(Json(body))
}

fn members_empty(body: &Value) -> bool {
    body["members"].as_array().is_some_and(Vec::is_empty)
}

async fn member(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((name, userid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    directory(&gateway, &name).await?;
    let member = gateway
        .store
        .member(&name, &userid)
        .await?
        .ok_or_else(|| unknown_member(&name, &userid))?;
    Ok(Json(json!({"member": member})))
}

async fn member_user(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((name, userid)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    directory(&gateway, &name).await?;
    gateway
        .store
        .member(&name, &userid)
        .await?
        .ok_or_else(|| unknown_member(&name, &userid))?;
    let user = match gateway.store.member_user(&name, &userid).await? {
        Some(id) => gateway.store.resolve_user(&id).await?,
        None => None,
    };
    Ok(Json(
        json!({"directory": name, "userid": userid, "user": user}),
    ))
}

async fn user_members(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = gateway.store.resolve_user(&id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_user",
            format!("no user `{id}`"),
        )
    })?;
    let members = gateway.store.user_members(&user.id).await?;
    Ok(Json(json!({"user_id": user.id, "members": members})))
}
