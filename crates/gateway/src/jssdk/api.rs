//! The two public signature endpoints. No admin key (pages call them from the browser), but each
//! request passes, in order: the app lookup (404), the app's CORS origins (403), the per-client
//! rate limit (429), the body (400), the trusted-domain check of the page URL (403).
//!
//! * `POST /api/v1/apps/{name}/jssdk-config {"url", "corp_id"?}` → what `wx.config` needs;
//! * `POST /api/v1/apps/{name}/jssdk-agent-config {"url", "corp_id"?}` → what `wx.agentConfig`
//!   needs;
//! * `OPTIONS` on both: the CORS preflight.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::jssdk::cors;
use crate::jssdk::sign::{self, SignRequest};
use crate::state::Gateway;

/// The largest body the endpoints read (a URL and a few fields).
const MAX_BODY: usize = 16 * 1024;

/// Which signature an endpoint makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Config,
    AgentConfig,
}

fn rate_limited(wait: std::time::Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!(
            "too many signature requests from this address; retry after {secs} s ([server] jssdk_requests_per_minute)"
        ),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(RETRY_AFTER, v);
    }
    response
}

async fn handle(gateway: Gateway, name: String, request: Request, which: Which) -> Response {
    let (parts, body) = request.into_parts();
    let Some(app) = gateway.registry.get(&name) else {
        return ApiError::unknown_app(&name).into_response();
    };
    let origin = match cors::check(&app, &parts.headers) {
        Ok(origin) => origin,
        Err(e) => return e.into_response(),
    };
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(client) = gateway.jssdk_limiter.client(peer, &parts.headers)
        && let Err(wait) = gateway.jssdk_limiter.check(client)
    {
        // With the CORS headers, so the page can read why.
        return cors::allow(rate_limited(wait), origin);
    }
    let answer = async {
        let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
            ApiError::bad_request(format!(
                "the body must be a small JSON object (≤ {MAX_BODY} bytes)"
            ))
        })?;
        let request: SignRequest = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request(format!(
                r#"the body must be JSON like {{"url":"https://app.example.com/page"}}: {e}"#
            ))
        })?;
        Ok::<Response, ApiError>(match which {
            Which::Config => Json(sign::config(&gateway, &name, &request).await?).into_response(),
            Which::AgentConfig => {
                Json(sign::agent_config(&gateway, &name, &request).await?).into_response()
            }
        })
    }
    .await;
    cors::allow(answer.unwrap_or_else(IntoResponse::into_response), origin)
}

/// `POST /api/v1/apps/{name}/jssdk-config`.
pub async fn config(
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    handle(gateway, name, request, Which::Config).await
}

/// `POST /api/v1/apps/{name}/jssdk-agent-config`.
pub async fn agent_config(
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    handle(gateway, name, request, Which::AgentConfig).await
}

/// `OPTIONS` on both endpoints: the preflight of an allowed origin gets 204 with the CORS
/// headers; any other gets 403.
pub async fn preflight(
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let Some(app) = gateway.registry.get(&name) else {
        return ApiError::unknown_app(&name).into_response();
    };
    match cors::check(&app, request.headers()) {
        Ok(Some(origin)) => cors::preflight(origin),
        Ok(None) => {
            ApiError::bad_request("a CORS preflight needs an Origin header").into_response()
        }
        Err(e) => e.into_response(),
    }
}
