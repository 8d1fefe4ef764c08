//! `GET /login?return_to=…&provider=…`: the one entry point of every browser login.
//!
//! Checks `return_to` (no open redirects, see [`return_to`](crate::login::return_to)), picks
//! the flow and app from the browser and the hint ([`choose`](crate::login::choose)), records the
//! login bound to this browser ([`state`](crate::login::state)), and sends the browser to the
//! platform's page with `302`. The OIDC authorize endpoint sends browsers without a session here
//! with `return_to` = its own URL (path and query).

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use wxgate_store::NewLoginState;

use crate::login::choose::{Browser, Hint, choose};
use crate::login::error::LoginError;
use crate::login::flow::{authorize_url, encode};
use crate::login::state::{browser_nonce, login_cookie, new_nonce};
use crate::state::Gateway;

/// The route.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/login", get(login))
}

/// `/login`'s parameters.
#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    /// Where to go once signed in (default `[login] default_return_to`).
    pub return_to: Option<String>,
    /// `wecom`, `wechat`, `wecom:APP`, `wechat:APP` (see [`Hint`]).
    pub provider: Option<String>,
}

/// The URL that starts a login again with the same `return_to` (and `provider`, if any).
pub fn start_over_url(return_to: &str, provider: Option<&str>) -> String {
    let mut url = format!("/login?return_to={}", encode(return_to));
    if let Some(provider) = provider {
        url.push_str(&format!("&provider={}", encode(provider)));
    }
    url
}

async fn login(
    State(gateway): State<Gateway>,
    headers: HeaderMap,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Response {
    match start(&gateway, &headers, query).await {
        Ok(response) => response,
        Err(e) => e.render(&headers),
    }
}

async fn start(
    gateway: &Gateway,
    headers: &HeaderMap,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Result<Response, LoginError> {
    let Query(query) = query.map_err(|e| {
        LoginError::bad_request(
            "bad_request",
            format!("The login link is malformed: {e}."),
            "Go back to the application and start the login again.",
        )
    })?;
    let raw_return_to = query
        .return_to
        .as_deref()
        .filter(|r| !r.is_empty())
        .unwrap_or(&gateway.config.login.default_return_to);
    let return_to = gateway.login.return_to.check(raw_return_to).map_err(|e| {
        LoginError::bad_request(
            "invalid_return_to",
            format!("The login link asks to return somewhere this gateway does not send browsers: {e}."),
            "Go back to the application and start the login again; if the link came from elsewhere, do not use it.",
        )
    })?;
    let hint = query
        .provider
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(Hint::parse)
        .transpose()?;
    let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let (flow, app) = choose(gateway, Browser::from_user_agent(user_agent), hint.as_ref())?;
    let nonce = browser_nonce(headers).unwrap_or_else(new_nonce);
    let ttl_ms =
        i64::try_from(gateway.config.login.timeout_secs.saturating_mul(1000)).unwrap_or(600_000);
    let state = gateway
        .store
        .start_login(&NewLoginState {
            browser: nonce.clone(),
            flow: flow.as_str().to_owned(),
            app: app.name.clone(),
            return_to,
            ttl_ms,
        })
        .await?;
    let url = authorize_url(gateway, flow, &app, &state)?;
    let location = HeaderValue::from_str(&url).map_err(|_| {
        LoginError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "bad_upstream_url",
            "The platform's login URL could not be built.",
            "An administrator should check [upstream] wechat_open / wecom_login.",
        )
    })?;
    tracing::debug!(flow = %flow, app = %app.name, "login started");
    Ok((
        StatusCode::FOUND,
        [
            (LOCATION, location),
            (SET_COOKIE, login_cookie(gateway, &nonce)),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
    )
        .into_response())
}
