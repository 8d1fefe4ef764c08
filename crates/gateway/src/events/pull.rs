//! The pull alternative to webhooks: `GET /api/v1/events?after=<cursor>&limit=` pages through
//! every stored event in order, and `GET /api/v1/events/{id}` shows one event with its deliveries.
//! Order and completeness come from the store (`events_after` never skips a committed event).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::events::cursor::Cursor;
use crate::events::payload::event_json;
use crate::state::Gateway;
use crate::webhook::admin::{delivery_json, store_error};

/// Default and largest page size.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// `GET /api/v1/events`, `GET /api/v1/events/{id}`.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/events", get(page))
        .route("/api/v1/events/{id}", get(one))
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    after: Option<String>,
    limit: Option<i64>,
}

async fn page(
    _: Admin,
    State(gateway): State<Gateway>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let after = Cursor::parse(q.after.as_deref())?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    let events = gateway.store.events_after(after.0, limit).await?;
    let next = events.last().map(Cursor::after).unwrap_or(after);
    Ok(Json(json!({
        "events": events.iter().map(event_json).collect::<Vec<_>>(),
        "next_cursor": next.to_string(),
    })))
}

async fn one(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let event = gateway.store.get_event(&id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no event `{id}` (it may be older than [server] event_retention_days)"),
        )
    })?;
    let deliveries = gateway
        .store
        .deliveries_of_event(event.seq)
        .await
        .map_err(store_error)?;
    Ok(Json(json!({
        "event": event_json(&event),
        "cursor": Cursor::after(&event).to_string(),
        "deliveries": deliveries.iter().map(delivery_json).collect::<Vec<_>>(),
    })))
}
