//! The admin API of the outbox: list deliveries (dead letters above all), redrive one, or
//! redrive every dead delivery of a webhook. Every route requires the admin key.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use wxgate_store::{Delivery, DeliveryFilter, DeliveryStatus, StoreError};

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::events::timestamp::rfc3339_utc;
use crate::state::Gateway;

/// Default and largest page size of the list.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// `GET /api/v1/deliveries`, `POST /api/v1/deliveries/{id}/redrive`,
/// `POST /api/v1/webhooks/{webhook}/redrive-dead`.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/deliveries", get(list))
        .route("/api/v1/deliveries/{id}/redrive", post(redrive))
        .route(
            "/api/v1/webhooks/{webhook}/redrive-dead",
            post(redrive_dead),
        )
}

/// The JSON of one delivery in the admin API.
pub fn delivery_json(d: &Delivery) -> Value {
    json!({
        "id": d.id,
        "event_id": d.event_id,
        "webhook": d.webhook,
        "status": d.status.as_str(),
        "attempts": d.attempts,
        "next_attempt_at": (d.status == DeliveryStatus::Pending).then(|| rfc3339_utc(d.next_attempt_at)),
        "last_error": d.last_error,
        "created_at": rfc3339_utc(d.created_at),
        "delivered_at": d.delivered_at.map(rfc3339_utc),
    })
}

/// Maps the store's not-found and conflict to 404/409; the rest stays a storage error.
pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(what) => {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no {what}"))
        }
        StoreError::Conflict(why) => ApiError::new(StatusCode::CONFLICT, "conflict", why),
        other => ApiError::from(other),
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    status: Option<String>,
    webhook: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

async fn list(
    _: Admin,
    State(gateway): State<Gateway>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some("pending") => Some(DeliveryStatus::Pending),
        Some("delivered") => Some(DeliveryStatus::Delivered),
        Some("dead") => Some(DeliveryStatus::Dead),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "status `{other}` is unknown; use pending, delivered or dead"
            )));
        }
    };
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let cursor = match q.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c.parse::<i64>().map_err(|_| {
            ApiError::bad_request("cursor must be a `next_cursor` from a previous page")
        })?,
    };
    let filter = DeliveryFilter {
        status,
        webhook: q.webhook.filter(|w| !w.is_empty()),
    };
    let page = gateway
        .store
        .list_deliveries(&filter, limit, cursor)
        .await?;
    let next_cursor = if page.len() as i64 == limit {
        page.last().map(|d| d.id.to_string())
    } else {
        None
    };
    Ok(Json(json!({
        "deliveries": page.iter().map(delivery_json).collect::<Vec<_>>(),
        "next_cursor": next_cursor,
    })))
}

async fn redrive(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    gateway.store.redrive(id).await.map_err(store_error)?;
    gateway.outbox_ready.notify_waiters();
    Ok(Json(json!({ "redriven": 1 })))
}

async fn redrive_dead(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(webhook): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let n = gateway
        .store
        .redrive_all_dead(&webhook)
        .await
        .map_err(store_error)?;
    gateway.outbox_ready.notify_waiters();
    Ok(Json(json!({ "redriven": n })))
}
