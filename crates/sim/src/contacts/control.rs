//! The `/sim/directory` control endpoints: look at a corp's directory, export it as a seed file,
//! edit it as an administrator would in the admin console (each edit pushes its `change_contact`
//! callbacks like an API write, and answers with the changes and the delivery ids), or replace it
//! with a freshly generated one (no callbacks).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::publish::{Origin, Published, apply_write};
use super::writes::{created_id, new_department};
use crate::api_error::ApiError;
use crate::control::ControlError;
use crate::directory::{
    Department, DepartmentUpdate, Directory, GenerateOptions, Member, MemberUpdate,
};
use crate::state::SimState;

/// The directory control routes, to be nested under `/sim`.
pub fn control_routes() -> Router<SimState> {
    Router::new()
        .route("/directory/{corp_id}", get(summary))
        .route("/directory/{corp_id}/export", get(export))
        .route("/directory/{corp_id}/regenerate", post(regenerate))
        .route("/directory/{corp_id}/users", post(create_user))
        .route(
            "/directory/{corp_id}/users/{userid}",
            patch(update_user).delete(delete_user),
        )
        .route("/directory/{corp_id}/departments", post(create_department))
        .route(
            "/directory/{corp_id}/departments/{id}",
            patch(update_department).delete(delete_department),
        )
        .route("/directory/{corp_id}/tags", post(create_tag))
        .route(
            "/directory/{corp_id}/tags/{tagid}",
            patch(update_tag).delete(delete_tag),
        )
        .route(
            "/directory/{corp_id}/tags/{tagid}/members",
            post(add_tag_members).delete(remove_tag_members),
        )
}

fn control_error(e: ApiError) -> ControlError {
    ControlError::new(format!("errcode {}: {}", e.errcode, e.errmsg))
}

fn parse<T: serde::de::DeserializeOwned>(body: &Bytes, example: &str) -> Result<T, ControlError> {
    serde_json::from_slice(body)
        .map_err(|e| ControlError::new(format!("expected a JSON body like {example}: {e}")))
}

fn answer<T: serde::Serialize>(value: T, published: Published) -> Json<Value> {
    Json(json!({
        "result": value,
        "changes": published.changes,
        "deliveries": published.deliveries,
    }))
}

fn write<T: serde::Serialize>(
    state: &SimState,
    corp_id: &str,
    f: impl FnOnce(
        &mut Directory,
    ) -> Result<
        (T, Vec<crate::directory::DirectoryChange>),
        crate::directory::DirectoryError,
    >,
) -> Result<Json<Value>, ControlError> {
    if state.directories.get(corp_id).is_none() {
        return Err(ControlError::new(format!(
            "no corp {corp_id:?} has a directory"
        )));
    }
    let (value, published) =
        apply_write(state, corp_id, Origin::Control, f).map_err(control_error)?;
    Ok(answer(value, published))
}

async fn summary(
    State(state): State<SimState>,
    Path(corp_id): Path<String>,
) -> Result<Json<Value>, ControlError> {
    let shared = state
        .directories
        .get(&corp_id)
        .ok_or_else(|| ControlError::new(format!("no corp {corp_id:?} has a directory")))?;
    let dir = shared.read().unwrap_or_else(|e| e.into_inner());
    Ok(Json(json!({
        "corp_id": corp_id,
        "members": dir.member_count(),
        "departments": dir.department_count(),
        "tags": dir.tags().count(),
        "version": dir.version(),
    })))
}

async fn export(
    State(state): State<SimState>,
    Path(corp_id): Path<String>,
) -> Result<Json<Value>, ControlError> {
    let shared = state
        .directories
        .get(&corp_id)
        .ok_or_else(|| ControlError::new(format!("no corp {corp_id:?} has a directory")))?;
    let dir = shared.read().unwrap_or_else(|e| e.into_inner());
    Ok(Json(
        serde_json::to_value(dir.to_seed()).unwrap_or_default(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Regenerate {
    members: usize,
    #[serde(default = "default_departments")]
    departments: usize,
    #[serde(default = "default_seed")]
    seed: u64,
}

fn default_departments() -> usize {
    6
}

fn default_seed() -> u64 {
    1
}

async fn regenerate(
    State(state): State<SimState>,
    Path(corp_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let request: Regenerate = parse(&body, r#"{"members":25000,"departments":300,"seed":7}"#)?;
    if request.members > 1_000_000 {
        return Err(ControlError::new("members must be at most 1000000"));
    }
    let shared = state
        .directories
        .get(&corp_id)
        .ok_or_else(|| ControlError::new(format!("no corp {corp_id:?} has a directory")))?;
    let fresh = Directory::generate(&GenerateOptions {
        corp_id: corp_id.clone(),
        members: request.members,
        departments: request.departments,
        seed: request.seed,
    });
    let (members, departments) = (fresh.member_count(), fresh.department_count());
    *shared.write().unwrap_or_else(|e| e.into_inner()) = fresh;
    Ok(Json(
        json!({ "corp_id": corp_id, "members": members, "departments": departments }),
    ))
}

async fn create_user(
    State(state): State<SimState>,
    Path(corp_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let member: Member = parse(
        &body,
        r#"{"userid":"zhangsan","name":"张三","department":[1],"mobile":"13800000000"}"#,
    )?;
    write(&state, &corp_id, |dir| Ok(((), dir.create_user(member)?)))
}

async fn update_user(
    State(state): State<SimState>,
    Path((corp_id, userid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let update: MemberUpdate = parse(&body, r#"{"new_userid":"zhangsan2","position":"PM"}"#)?;
    write(&state, &corp_id, |dir| {
        Ok(((), dir.update_user(&userid, update)?))
    })
}

async fn delete_user(
    State(state): State<SimState>,
    Path((corp_id, userid)): Path<(String, String)>,
) -> Result<Json<Value>, ControlError> {
    write(&state, &corp_id, |dir| Ok(((), dir.delete_user(&userid)?)))
}

async fn create_department(
    State(state): State<SimState>,
    Path(corp_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let dept: Department = new_department(&body).map_err(control_error)?;
    write(&state, &corp_id, |dir| {
        let changes = dir.create_department(dept)?;
        Ok((json!({ "id": created_id(&changes) }), changes))
    })
}

async fn update_department(
    State(state): State<SimState>,
    Path((corp_id, id)): Path<(String, u32)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let update: DepartmentUpdate = parse(&body, r#"{"name":"R&D","parentid":1}"#)?;
    write(&state, &corp_id, |dir| {
        Ok(((), dir.update_department(id, update)?))
    })
}

async fn delete_department(
    State(state): State<SimState>,
    Path((corp_id, id)): Path<(String, u32)>,
) -> Result<Json<Value>, ControlError> {
    write(&state, &corp_id, |dir| Ok(((), dir.delete_department(id)?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagBody {
    tagname: String,
    #[serde(default)]
    tagid: Option<u32>,
}

async fn create_tag(
    State(state): State<SimState>,
    Path(corp_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let tag: TagBody = parse(&body, r#"{"tagname":"UI","tagid":12}"#)?;
    write(&state, &corp_id, |dir| {
        Ok((
            json!({ "tagid": dir.create_tag(&tag.tagname, tag.tagid)? }),
            Vec::new(),
        ))
    })
}

async fn update_tag(
    State(state): State<SimState>,
    Path((corp_id, tagid)): Path<(String, u32)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    let tag: TagBody = parse(&body, r#"{"tagname":"UI design"}"#)?;
    write(&state, &corp_id, |dir| {
        Ok(((), dir.update_tag(tagid, &tag.tagname)?))
    })
}

async fn delete_tag(
    State(state): State<SimState>,
    Path((corp_id, tagid)): Path<(String, u32)>,
) -> Result<Json<Value>, ControlError> {
    write(&state, &corp_id, |dir| Ok(((), dir.delete_tag(tagid)?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TagMembers {
    #[serde(default)]
    userlist: Vec<String>,
    #[serde(default)]
    partylist: Vec<u32>,
}

fn tag_members(
    state: &SimState,
    corp_id: &str,
    tagid: u32,
    body: &Bytes,
    add: bool,
) -> Result<Json<Value>, ControlError> {
    let members: TagMembers = parse(body, r#"{"userlist":["zhangsan"],"partylist":[2]}"#)?;
    write(state, corp_id, |dir| {
        let outcome = if add {
            dir.add_tag_members(tagid, &members.userlist, &members.partylist)?
        } else {
            dir.remove_tag_members(tagid, &members.userlist, &members.partylist)?
        };
        Ok((
            json!({ "invalid_users": outcome.invalid_users, "invalid_parties": outcome.invalid_parties }),
            outcome.changes,
        ))
    })
}

async fn add_tag_members(
    State(state): State<SimState>,
    Path((corp_id, tagid)): Path<(String, u32)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    tag_members(&state, &corp_id, tagid, &body, true)
}

async fn remove_tag_members(
    State(state): State<SimState>,
    Path((corp_id, tagid)): Path<(String, u32)>,
    body: Bytes,
) -> Result<Json<Value>, ControlError> {
    tag_members(&state, &corp_id, tagid, &body, false)
}
