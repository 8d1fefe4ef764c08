//! The contacts write APIs: `user/create|update|delete`, `department/create|update|delete`,
//! `tag/create|update|delete|addtagusers|deltagusers`. Only the contacts-sync secret may write
//! (any other app token: 60011, NOTES §3.7); each write pushes its `change_contact` callbacks
//! (see [`super::publish`]), never back to the contacts-sync app that made it.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::access::ContactsAccess;
use super::publish::{Origin, apply_write};
use super::reads::caller_access;
use crate::api_context::{ApiCtx, param};
use crate::api_error::ApiError;
use crate::directory::{Department, DepartmentUpdate, DirectoryChange, Member, MemberUpdate};
use crate::state::SimState;

/// The write routes.
pub fn routes() -> Router<SimState> {
    Router::new()
        .route("/cgi-bin/user/create", post(user_create))
        .route("/cgi-bin/user/update", post(user_update))
        .route("/cgi-bin/user/delete", get(user_delete))
        .route("/cgi-bin/department/create", post(department_create))
        .route("/cgi-bin/department/update", post(department_update))
        .route("/cgi-bin/department/delete", get(department_delete))
        .route("/cgi-bin/tag/create", post(tag_create))
        .route("/cgi-bin/tag/update", post(tag_update))
        .route("/cgi-bin/tag/delete", get(tag_delete))
        .route("/cgi-bin/tag/addtagusers", post(tag_add_users))
        .route("/cgi-bin/tag/deltagusers", post(tag_del_users))
}

type Q = Query<HashMap<String, String>>;

fn writer(
    state: &SimState,
    ctx: &ApiCtx,
    q: &HashMap<String, String>,
) -> Result<ContactsAccess, ApiError> {
    let access = caller_access(state, ctx, q)?;
    access.check_writer()?;
    Ok(access)
}

fn origin(access: &ContactsAccess) -> Origin<'_> {
    access.app.as_deref().map_or(Origin::Control, Origin::App)
}

/// Parses a JSON body; 40058 naming the problem otherwise.
pub(crate) fn json_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid_parameter(&format!("the body is not the expected JSON: {e}"))
    })
}

fn done(errmsg: &str) -> Json<Value> {
    Json(json!({ "errcode": 0, "errmsg": errmsg }))
}

fn number(q: &HashMap<String, String>, name: &str) -> Result<u32, ApiError> {
    param(q, name)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| ApiError::invalid_parameter(&format!("{name} must be a number")))
}

async fn user_create(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let member: Member = json_body(&body)?;
    apply_write(&state, &access.corp_id, origin(&access), |dir| {
        Ok(((), dir.create_user(member)?))
    })?;
    Ok(done("created"))
}

/// Splits a `user/update` body into the userid and the update.
pub(crate) fn member_update(body: &Bytes) -> Result<(String, MemberUpdate), ApiError> {
    let mut value: Value = json_body(body)?;
    let userid = value
        .as_object_mut()
        .and_then(|m| m.remove("userid"))
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or_else(|| ApiError::invalid_parameter("userid is required"))?;
    let update = serde_json::from_value(value).map_err(|e| {
        ApiError::invalid_parameter(&format!("the body is not the expected JSON: {e}"))
    })?;
    Ok((userid, update))
}

async fn user_update(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let (userid, update) = member_update(&body)?;
    apply_write(&state, &access.corp_id, origin(&access), |dir| {
        Ok(((), dir.update_user(&userid, update)?))
    })?;
    Ok(done("updated"))
}

async fn user_delete(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let userid = param(&q, "userid")
        .ok_or_else(|| ApiError::invalid_parameter("userid is required"))?
        .to_owned();
    apply_write(&state, &access.corp_id, origin(&access), |dir| {
        Ok(((), dir.delete_user(&userid)?))
    })?;
    Ok(done("deleted"))
}

/// Parses a `department/create` body (`id` optional: 0 picks the next free one).
pub(crate) fn new_department(body: &Bytes) -> Result<Department, ApiError> {
    let mut value: Value = json_body(body)?;
    if let Some(map) = value.as_object_mut() {
        map.entry("id").or_insert(json!(0));
        map.entry("parentid").or_insert(json!(1));
    }
    serde_json::from_value(value).map_err(|e| {
        ApiError::invalid_parameter(&format!("the body is not the expected JSON: {e}"))
    })
}

/// The id of the department a change list created.
pub(crate) fn created_id(changes: &[DirectoryChange]) -> u32 {
    changes
        .iter()
        .find_map(|c| match c {
            DirectoryChange::CreateParty(p) => Some(p.id),
            _ => None,
        })
        .unwrap_or(0)
}

async fn department_create(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let dept = new_department(&body)?;
    let (id, _) = apply_write(&state, &access.corp_id, origin(&access), |dir| {
        let changes = dir.create_department(dept)?;
        Ok((created_id(&changes), changes))
    })?;
    Ok(Json(json!({ "errcode": 0, "errmsg": "created", "id": id })))
}

#[derive(Deserialize)]
struct DepartmentUpdateRequest {
    id: u32,
    #[serde(flatten)]
    update: DepartmentUpdate,
}

async fn department_update(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let request: DepartmentUpdateRequest = json_body(&body)?;
    apply_write(&state, &access.corp_id, origin(&access), |dir| {
        Ok(((), dir.update_department(request.id, request.update)?))
    })?;
    Ok(done("updated"))
}

async fn department_delete(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let id = number(&q, "id")?;
    apply_write(&state, &access.corp_id, origin(&access), |dir| {
        Ok(((), dir.delete_department(id)?))
    })?;
    Ok(done("deleted"))
}

#[derive(Deserialize)]
struct TagRequest {
    tagname: String,
    #[serde(default)]
    tagid: Option<u32>,
}

async fn tag_create(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let request: TagRequest = json_body(&body)?;
    let (tagid, _) = apply_write(&state, &access.corp_id, origin(&access), |dir| {
        Ok((dir.create_tag(&request.tagname, request.tagid)?, Vec::new()))
    })?;
    Ok(Json(
        json!({ "errcode": 0, "errmsg": "created", "tagid": tagid }),
    ))
}

async fn tag_update(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let request: TagRequest = json_body(&body)?;
    let tagid = request
        .tagid
        .ok_or_else(|| ApiError::invalid_parameter("tagid is required"))?;
    apply_write(&state, &access.corp_id, origin(&access), |dir| {
        Ok(((), dir.update_tag(tagid, &request.tagname)?))
    })?;
    Ok(done("updated"))
}

async fn tag_delete(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let tagid = number(&q, "tagid")?;
    apply_write(&state, &access.corp_id, origin(&access), |dir| {
        Ok(((), dir.delete_tag(tagid)?))
    })?;
    Ok(done("deleted"))
}

#[derive(Deserialize)]
struct TagUsersRequest {
    tagid: u32,
    #[serde(default)]
    userlist: Vec<String>,
    #[serde(default)]
    partylist: Vec<u32>,
}

async fn tag_users(
    state: SimState,
    ctx: ApiCtx,
    q: HashMap<String, String>,
    body: Bytes,
    add: bool,
) -> Result<Json<Value>, ApiError> {
    let access = writer(&state, &ctx, &q)?;
    let request: TagUsersRequest = json_body(&body)?;
    let (outcome, _) = apply_write(&state, &access.corp_id, origin(&access), |dir| {
        let outcome = if add {
            dir.add_tag_members(request.tagid, &request.userlist, &request.partylist)?
        } else {
            dir.remove_tag_members(request.tagid, &request.userlist, &request.partylist)?
        };
        let changes = outcome.changes.clone();
        Ok((outcome, changes))
    })?;
    let mut body = json!({ "errcode": 0, "errmsg": if add { "ok" } else { "deleted" } });
    if !outcome.invalid_users.is_empty() {
        body["invalidlist"] = json!(outcome.invalid_users.join("|"));
    }
    if !outcome.invalid_parties.is_empty() {
        body["invalidparty"] = json!(outcome.invalid_parties);
    }
    Ok(Json(body))
}

async fn tag_add_users(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    tag_users(state, ctx, q, body, true).await
}

async fn tag_del_users(
    State(state): State<SimState>,
    ctx: ApiCtx,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    tag_users(state, ctx, q, body, false).await
}
