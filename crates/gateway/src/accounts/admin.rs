//! The users admin API (admin key): list and search users, show one with its identities, roles
//! and sessions, disable or re-enable, link and unlink identities, grant and revoke manual roles,
//! and find the user behind an identity.
//!
//! | method | path | |
//! |---|---|---|
//! | GET | `/api/v1/users?q=&status=&after=&limit=` | list / search |
//! | GET | `/api/v1/users/{id}` | user, identities, roles, live sessions |
//! | PATCH | `/api/v1/users/{id}` | `{"status":"disabled"\|"active"}` |
//! | POST | `/api/v1/users/{id}/identities` | link `{"kind","scope","subject"}` |
//! | DELETE | `/api/v1/users/{id}/identities/{identity_id}` | unlink |
//! | PUT / DELETE | `/api/v1/users/{id}/roles/{role}` | grant / revoke a manual role |
//! | DELETE | `/api/v1/users/{id}/sessions` | sign the user out everywhere |
//! | GET | `/api/v1/identities/{kind}/{scope}/{subject}` | the user behind an identity |

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wxgate_store::{IdentityKey, IdentityKind, StoreError, UserFilter, UserStatus};

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::events::emit::{InternalEvent, emit};
use crate::state::Gateway;

/// The users admin routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/users", get(list))
        .route("/api/v1/users/{id}", get(show).patch(update))
        .route("/api/v1/users/{id}/identities", post(link))
        .route(
            "/api/v1/users/{id}/identities/{identity_id}",
            delete(unlink),
        )
        .route("/api/v1/users/{id}/roles/{role}", put(grant).delete(revoke))
        .route("/api/v1/users/{id}/sessions", delete(sign_out_everywhere))
        .route(
            "/api/v1/identities/{kind}/{scope}/{subject}",
            get(by_identity),
        )
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    after: Option<String>,
    limit: Option<i64>,
}

fn parse_status(s: &str) -> Result<UserStatus, ApiError> {
    UserStatus::parse(s).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown status `{s}`: use `active`, `disabled` or `merged`"
        ))
    })
}

fn parse_kind(s: &str) -> Result<IdentityKind, ApiError> {
    IdentityKind::parse(s).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown identity kind `{s}`: use one of {}",
            IdentityKind::ALL.map(IdentityKind::as_str).join(", ")
        ))
    })
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_user",
        format!("no user `{id}`"),
    )
}

fn conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "conflict", message),
        StoreError::NotFound(message) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
        other => other.into(),
    }
}

async fn list(
    _: Admin,
    State(gateway): State<Gateway>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let filter = UserFilter {
        query: q.q.filter(|s| !s.trim().is_empty()),
        status: q.status.as_deref().map(parse_status).transpose()?,
        after: q.after,
        limit: q.limit,
    };
    let users = gateway.store.list_users(&filter).await?;
    let next = if users.len() as i64 == filter.limit.unwrap_or(50).clamp(1, 500) {
        users.last().map(|u| u.id.clone())
    } else {
        None
    };
    Ok(Json(json!({"users": users, "next_after": next})))
}

async fn show(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = gateway
        .store
        .get_user(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let identities = gateway.store.identities_of_user(&id).await?;
    let roles = gateway.store.roles_of_user(&id).await?;
    let sessions = gateway.store.sessions_of_user(&id).await?;
    Ok(Json(json!({
        "user": user,
        "identities": identities,
        "roles": roles,
        "sessions": sessions.iter().map(|s| json!({
            "method": s.method, "created_at": s.created_at, "expires_at": s.expires_at,
            "last_seen_at": s.last_seen_at, "client_ip": s.client_ip, "user_agent": s.user_agent,
        })).collect::<Vec<_>>(),
    })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateBody {
    status: String,
}

async fn update(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
    Json(body): Json<UpdateBody>,
) -> Result<Json<Value>, ApiError> {
    let status = parse_status(&body.status)?;
    gateway
        .store
        .get_user(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let user = gateway
        .store
        .set_user_status(&id, status)
        .await
        .map_err(conflict)?;
    Ok(Json(json!({"user": user})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    kind: String,
    scope: String,
    subject: String,
    #[serde(default)]
    profile: Option<Value>,
}

async fn link(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
    Json(body): Json<LinkBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let kind = parse_kind(&body.kind)?;
    if body.scope.trim().is_empty() || body.subject.trim().is_empty() {
        return Err(ApiError::bad_request(
            "`scope` and `subject` must not be empty",
        ));
    }
    let key = IdentityKey::new(kind, body.scope, body.subject);
    let profile = body.profile.unwrap_or_else(|| json!({}));
    let existed = gateway.store.find_identity(&key).await?.is_some();
    let identity = gateway
        .store
        .link_identity(&id, &key, &profile)
        .await
        .map_err(conflict)?;
    if !existed {
        emit(
            &gateway,
            InternalEvent {
                app: "accounts".into(),
                event_type: "identity.linked".into(),
                source: json!({"kind": "accounts", "method": "admin"}),
                dedup_key: format!("identity.linked:{}", identity.id),
                data: json!({"user_id": identity.user_id, "identity": identity}),
            },
        )
        .await?;
    }
    let status = if existed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(json!({"identity": identity}))))
}

async fn unlink(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((id, identity_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    if gateway.store.unlink_identity(&id, &identity_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_identity",
            format!("user `{id}` has no identity `{identity_id}`"),
        ))
    }
}

async fn grant(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((id, role)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user = gateway
        .store
        .get_user(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    if user.status == UserStatus::Merged {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "merged_user",
            format!(
                "user `{id}` was merged into `{}`; grant the role there",
                user.merged_into.unwrap_or_default()
            ),
        ));
    }
    if role.trim().is_empty() || role.len() > 128 {
        return Err(ApiError::bad_request("a role is 1 to 128 characters"));
    }
    let new = gateway.store.grant_role(&id, &role).await?;
    Ok(if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}

async fn revoke(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((id, role)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    if gateway.store.revoke_role(&id, &role).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_role",
            format!("user `{id}` has no manual role `{role}`"),
        ))
    }
}

async fn sign_out_everywhere(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let revoked = gateway.store.revoke_sessions_of_user(&id).await?;
    Ok(Json(json!({"revoked": revoked})))
}

async fn by_identity(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((kind, scope, subject)): Path<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let key = IdentityKey::new(parse_kind(&kind)?, scope, subject);
    let identity = gateway.store.find_identity(&key).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_identity",
            format!("no user has identity {key}"),
        )
    })?;
    let user = gateway.store.get_user(&identity.user_id).await?;
    Ok(Json(json!({"identity": identity, "user": user})))
}
