//! The contacts read APIs: `user/get|list|simplelist|list_id`, `department/list|simplelist|get`,
//! `tag/list|get`. Every answer is cut to the caller's visible range (60011 outside it) and its
//! field view; members' department lists only name visible departments.
//!
//! `user/list` and `user/simplelist` still honour the legacy `fetch_child=1` (members of the whole
//! subtree): the current page no longer lists it, but live servers accept it and older clients
//! send it.

use std::collections::HashMap;
use std::sync::RwLockReadGuard;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::access::{ContactsAccess, resolve_access};
use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::directory::{Directory, FieldView, ROOT_DEPARTMENT, department_json};
use crate::state::SimState;
use crate::tokens::{TokenKind, require_token};

/// The read routes.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/user/get", get(user_get))
        .route("/cgi-bin/user/list", get(user_list))
        .route("/cgi-bin/user/simplelist", get(user_simplelist))
        .route("/cgi-bin/user/list_id", post(user_list_id))
        .route("/cgi-bin/department/list", get(department_list))
        .route("/cgi-bin/department/simplelist", get(department_simplelist))
        .route("/cgi-bin/department/get", get(department_get))
        .route("/cgi-bin/tag/list", get(tag_list))
        .route("/cgi-bin/tag/get", get(tag_get))
}

type Q = Query<HashMap<String, String>>;

/// Checks the token and resolves what its owner may see.
pub(crate) fn caller_access(
    state: &SimState,
    ctx: &ApiCtx,
    query: &HashMap<String, String>,
) -> Result<ContactsAccess, ApiError> {
    let grant = require_token(
        state,
        ctx,
        param(query, "access_token"),
        TokenKind::WECOM_ACCESS,
    )?;
    resolve_access(state, grant.owner())
}

/// Runs `read` on the caller's corp directory under its read lock.
fn with_directory<T>(
    state: &SimState,
    access: &ContactsAccess,
    read: impl FnOnce(&Directory) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let shared = state
        .directories
        .get(&access.corp_id)
        .ok_or_else(ApiError::api_forbidden)?;
    let dir: RwLockReadGuard<'_, Directory> = shared.read().unwrap_or_else(|e| e.into_inner());
    read(&dir)
}

fn number_param(query: &HashMap<String, String>, name: &str) -> Result<Option<u32>, ApiError> {
    match param(query, name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid_parameter(&format!("{name} must be a number"))),
    }
}

fn required_number(query: &HashMap<String, String>, name: &str) -> Result<u32, ApiError> {
    number_param(query, name)?
        .ok_or_else(|| ApiError::invalid_parameter(&format!("{name} is required")))
}

fn ok(fields: Map<String, Value>) -> Json<Value> {
    let mut map = Map::new();
    map.insert("errcode".into(), json!(0));
    map.insert("errmsg".into(), json!("ok"));
    map.extend(fields);
    Json(Value::Object(map))
}

async fn user_get(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    access.check_old_ip_read()?;
    let userid =
        param(&q, "userid").ok_or_else(|| ApiError::invalid_parameter("userid is required"))?;
    with_directory(&state, &access, |dir| {
        let member = dir
            .member_ignoring_case(userid)
            .ok_or_else(ApiError::user_not_found)?;
        let visible = dir.visible(&access.visible);
        if !visible.contains_user(&member.userid) {
            return Err(ApiError::no_privilege());
        }
        match visible.member_json(member, access.view) {
            Value::Object(fields) => Ok(ok(fields)),
            _ => Err(ApiError::system_busy()),
        }
    })
}

/// The members `user/list`/`simplelist` return for `department_id` (and its subtree with
/// `fetch_child=1`), each as the caller sees it.
fn listed_members(
    dir: &Directory,
    access: &ContactsAccess,
    q: &HashMap<String, String>,
) -> Result<Vec<Value>, ApiError> {
    let department = required_number(q, "department_id")?;
    let fetch_child = param(q, "fetch_child") == Some("1");
    if dir.department(department).is_none() {
        return Err(crate::directory::DirectoryError::DepartmentNotFound(department).into());
    }
    let visible = dir.visible(&access.visible);
    if !visible.contains_department(department) {
        return Err(ApiError::no_privilege());
    }
    Ok(dir
        .members_of(department, fetch_child)
        .into_iter()
        .filter(|m| visible.contains_user(&m.userid))
        .map(|m| visible.member_json(m, access.view))
        .collect())
}

async fn user_list(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    access.check_old_ip_read()?;
    with_directory(&state, &access, |dir| {
        let list = listed_members(dir, &access, &q)?;
        let mut fields = Map::new();
        fields.insert("userlist".into(), Value::Array(list));
        Ok(ok(fields))
    })
}

async fn user_simplelist(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    access.check_old_ip_read()?;
    with_directory(&state, &access, |dir| {
        let list: Vec<Value> = listed_members(dir, &access, &q)?
            .into_iter()
            .map(|m| {
                let mut entry = Map::new();
                for key in ["userid", "name", "department", "open_userid"] {
                    if let Some(v) = m.get(key) {
                        entry.insert(key.into(), v.clone());
                    }
                }
                Value::Object(entry)
            })
            .collect();
        let mut fields = Map::new();
        fields.insert("userlist".into(), Value::Array(list));
        Ok(ok(fields))
    })
}

#[derive(Deserialize)]
struct ListIdRequest {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

async fn user_list_id(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    if !access.contacts_sync {
        // "仅支持通过“通讯录同步secret”调用" (path/96067).
        return Err(ApiError::api_forbidden());
    }
    let request: ListIdRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ListIdRequest {
            cursor: None,
            limit: None,
        }
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid_parameter(&format!(
                "body must be {{\"cursor\":\"…\",\"limit\":N}}: {e}"
            ))
        })?
    };
    with_directory(&state, &access, |dir| {
        let page = dir.list_id(
            request.cursor.as_deref(),
            request.limit.unwrap_or(crate::directory::MAX_LIST_ID_LIMIT),
        )?;
        let mut fields = Map::new();
        fields.insert("next_cursor".into(), json!(page.next_cursor));
        fields.insert("dept_user".into(), json!(page.dept_user));
        Ok(ok(fields))
    })
}

/// The visible departments of the subtree under `id` (the whole tree for `None`), in tree order.
fn visible_subtree(
    dir: &Directory,
    access: &ContactsAccess,
    id: Option<u32>,
) -> Result<Vec<u32>, ApiError> {
    let visible = dir.visible(&access.visible);
    let top = match id {
        Some(id) => {
            if dir.department(id).is_none() {
                return Err(crate::directory::DirectoryError::DepartmentNotFound(id).into());
            }
            if !visible.contains_department(id) {
                return Err(ApiError::no_privilege());
            }
            id
        }
        None => ROOT_DEPARTMENT,
    };
    let mut ids = vec![top];
    ids.extend(dir.descendants(top));
    ids.retain(|d| visible.contains_department(*d));
    Ok(ids)
}

async fn department_list(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    access.check_old_ip_read()?;
    let id = number_param(&q, "id")?;
    with_directory(&state, &access, |dir| {
        let list: Vec<Value> = visible_subtree(dir, &access, id)?
            .into_iter()
            .filter_map(|d| dir.department(d))
            .map(|d| department_json(d, access.view))
            .collect();
        let mut fields = Map::new();
        fields.insert("department".into(), Value::Array(list));
        Ok(ok(fields))
    })
}

async fn department_simplelist(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    let id = number_param(&q, "id")?;
    with_directory(&state, &access, |dir| {
        let list: Vec<Value> = visible_subtree(dir, &access, id)?
            .into_iter()
            .filter_map(|d| dir.department(d))
            .map(|d| json!({ "id": d.id, "parentid": d.parentid, "order": d.order }))
            .collect();
        let mut fields = Map::new();
        fields.insert("department_id".into(), Value::Array(list));
        Ok(ok(fields))
    })
}

async fn department_get(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    access.check_old_ip_read()?;
    let id = required_number(&q, "id")?;
    with_directory(&state, &access, |dir| {
        let dept = dir
            .department(id)
            .ok_or(crate::directory::DirectoryError::DepartmentNotFound(id))?;
        if !dir.visible(&access.visible).contains_department(id) {
            return Err(ApiError::no_privilege());
        }
        let mut fields = Map::new();
        fields.insert("department".into(), department_json(dept, access.view));
        Ok(ok(fields))
    })
}

async fn tag_list(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    with_directory(&state, &access, |dir| {
        let visible = dir.visible(&access.visible);
        let list: Vec<Value> = dir
            .tags()
            .filter(|t| visible.contains_tag(t.tagid))
            .map(|t| json!({ "tagid": t.tagid, "tagname": t.tagname }))
            .collect();
        let mut fields = Map::new();
        fields.insert("taglist".into(), Value::Array(list));
        Ok(ok(fields))
    })
}

async fn tag_get(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = caller_access(&state, &ctx, &q)?;
    let tagid = required_number(&q, "tagid")?;
    with_directory(&state, &access, |dir| {
        let tag = dir
            .tag(tagid)
            .ok_or(crate::directory::DirectoryError::TagNotFound(tagid))?;
        let visible = dir.visible(&access.visible);
        if !visible.contains_tag(tagid) {
            return Err(ApiError::no_privilege());
        }
        let users: Vec<Value> = tag
            .userlist
            .iter()
            .filter_map(|u| dir.member(u))
            .map(|m| {
                let name = if access.view == FieldView::ThirdParty {
                    &m.userid
                } else {
                    &m.name
                };
                json!({ "userid": m.userid, "name": name })
            })
            .collect();
        let mut fields = Map::new();
        fields.insert("tagname".into(), json!(tag.tagname));
        fields.insert("userlist".into(), Value::Array(users));
        fields.insert("partylist".into(), json!(tag.partylist));
        Ok(ok(fields))
    })
}
