//! The token HTTP API, all behind the admin key:
//!
//! * `GET /api/v1/apps/{name}/token` (`?kind=provider` for a suite's provider token),
//!   `GET /api/v1/apps/{name}/jsapi-ticket`, `GET /api/v1/apps/{name}/agent-ticket`,
//!   `GET /api/v1/suites/{name}/corps/{corp_id}/token`.
//! * `ANY /api/v1/apps/{name}/proxy/{*path}`: forwards the request to the platform with the
//!   app's token injected (see [`proxy`](self::proxy)).
//!
//! `?refresh=true` is honoured only together with `&invalid=<token>`: the caller proves the
//! token it holds was rejected, the service drops exactly that token (compare-and-delete) and
//! fetches a new one — once, however many callers send the same proof. A blind "refresh now"
//! would let any caller (or a retry loop) hammer the platform's token endpoint into 45009 and,
//! for tokens other services share, invalidate their tokens; it is refused with 400.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde::Deserialize;
use serde_json::{Value, json};
use wxgate_client::{CallContext, PlatformError, TokenKey, TokenKind};

use crate::admin_auth::Admin;
use crate::error::ApiError;
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;
use crate::token::error::TokenError;
use crate::token::keys;
use crate::token::service::Token;

/// The largest request body the proxy forwards.
pub const PROXY_BODY_LIMIT: usize = 10 * 1024 * 1024;

/// The token routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/apps/{name}/token", get(app_token))
        .route("/api/v1/apps/{name}/jsapi-ticket", get(jsapi_ticket))
        .route("/api/v1/apps/{name}/agent-ticket", get(agent_ticket))
        .route(
            "/api/v1/suites/{name}/corps/{corp_id}/token",
            get(auth_corp_token),
        )
        .route("/api/v1/apps/{name}/proxy/{*path}", any(proxy))
}

/// Query of the token endpoints.
#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    /// `provider` for a suite's provider token; default: the app's own access token.
    pub kind: Option<String>,
    /// Force a refresh; requires `invalid`.
    #[serde(default)]
    pub refresh: bool,
    /// The token the platform rejected (proof for `refresh`).
    pub invalid: Option<String>,
}

/// The API error for a token failure.
pub fn api_error(e: TokenError, api: &'static str) -> ApiError {
    match &e {
        TokenError::UnknownKey { .. } => {
            ApiError::new(StatusCode::NOT_FOUND, "unknown_token", e.to_string())
        }
        TokenError::NoSuiteTicket { .. } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_suite_ticket",
            e.to_string(),
        ),
        TokenError::NotAuthorised { .. } => {
            ApiError::new(StatusCode::NOT_FOUND, "not_authorised", e.to_string())
        }
        TokenError::RateLimited { .. } => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.to_string())
        }
        TokenError::Storage { .. } => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage", e.to_string())
        }
        TokenError::Upstream { .. } => ApiError::from(e.to_client_error(api)),
    }
}

fn app(gateway: &Gateway, name: &str) -> Result<std::sync::Arc<AppEntry>, ApiError> {
    gateway
        .registry
        .get(name)
        .ok_or_else(|| ApiError::unknown_app(name))
}

fn wrong_kind(app: &AppEntry, what: &str) -> ApiError {
    ApiError::bad_request(format!(
        "app `{}` is a {} app, which has no {what}",
        app.name,
        app.kind.name()
    ))
}

async fn serve(
    gateway: &Gateway,
    key: TokenKey,
    query: &TokenQuery,
    field: &str,
) -> Result<Json<Value>, ApiError> {
    if query.refresh {
        let Some(invalid) = query.invalid.as_deref().filter(|v| !v.is_empty()) else {
            return Err(ApiError::bad_request(
                "refresh=true needs &invalid=<the token the platform rejected>; blind refreshes are refused so callers cannot hammer the platform",
            ));
        };
        gateway.tokens.invalidate(&key, invalid).await;
    }
    let token: Token = gateway
        .tokens
        .get(&key)
        .await
        .map_err(|e| api_error(e, key.kind().prefix()))?;
    let now = gateway.tokens.clock().now();
    Ok(Json(json!({
        field: token.value,
        "expires_at": token.expires_at,
        "expires_in": (token.expires_at - now).max(0),
    })))
}

async fn app_token(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    Query(query): Query<TokenQuery>,
) -> Result<Json<Value>, ApiError> {
    let app = app(&gateway, &name)?;
    let kind = match query.kind.as_deref() {
        None | Some("") | Some("access_token") => {
            keys::access_token_kind(&app).ok_or_else(|| wrong_kind(&app, "access token"))?
        }
        Some("provider") => TokenKind::ProviderAccessToken,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown kind `{other}`: omit it for the app's access token, or use `provider`"
            )));
        }
    };
    let key = keys::for_app(&app, kind).ok_or_else(|| {
        if kind == TokenKind::ProviderAccessToken {
            wrong_kind(
                &app,
                "provider token (configure provider_corp_id and provider_secret)",
            )
        } else {
            wrong_kind(&app, "access token")
        }
    })?;
    serve(&gateway, key, &query, "access_token").await
}

async fn jsapi_ticket(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    Query(query): Query<TokenQuery>,
) -> Result<Json<Value>, ApiError> {
    let app = app(&gateway, &name)?;
    let key = keys::for_app(&app, TokenKind::WecomJsapiTicket)
        .or_else(|| keys::for_app(&app, TokenKind::MpJsapiTicket))
        .ok_or_else(|| wrong_kind(&app, "jsapi ticket"))?;
    serve(&gateway, key, &query, "ticket").await
}

async fn agent_ticket(
    _: Admin,
    State(gateway): State<Gateway>,
    Path(name): Path<String>,
    Query(query): Query<TokenQuery>,
) -> Result<Json<Value>, ApiError> {
    let app = app(&gateway, &name)?;
    let key = keys::for_app(&app, TokenKind::WecomAgentTicket)
        .ok_or_else(|| wrong_kind(&app, "agent_config ticket"))?;
    serve(&gateway, key, &query, "ticket").await
}

async fn auth_corp_token(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((name, corp_id)): Path<(String, String)>,
    Query(query): Query<TokenQuery>,
) -> Result<Json<Value>, ApiError> {
    let app = app(&gateway, &name)?;
    let AppKind::Suite { suite_id, .. } = &app.kind else {
        return Err(wrong_kind(&app, "authorised corps"));
    };
    if corp_id.is_empty() || corp_id.contains(':') {
        return Err(ApiError::bad_request("corp_id must be a WeCom corp id"));
    }
    serve(
        &gateway,
        TokenKey::auth_corp(suite_id, &corp_id),
        &query,
        "access_token",
    )
    .await
}

/// Headers never forwarded in either direction: hop-by-hop headers (RFC 9110 §7.6.1), the
/// admin credential, and headers the HTTP stacks recompute.
const DROPPED_HEADERS: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "authorization",
    "content-length",
];

/// Query parameters the caller may not set: the proxy injects the token.
const TOKEN_PARAMS: &[&str] = &[
    "access_token",
    "suite_access_token",
    "provider_access_token",
];

fn forwardable(headers: &HeaderMap) -> HeaderMap {
    let connection_listed: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::new();
    for (name, value) in headers {
        let lower = name.as_str();
        if DROPPED_HEADERS.contains(&lower) || connection_listed.iter().any(|c| c == lower) {
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    out
}

fn caller_query(uri: &Uri) -> String {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            !TOKEN_PARAMS.contains(&name)
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn upstream_failed() -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "upstream_unavailable",
        "the platform could not be reached through the proxy; check network access to it",
    )
}

/// `ANY /api/v1/apps/{name}/proxy/{*path}`: forwards method, query (minus any caller-supplied
/// token), headers (minus hop-by-hop ones and `Authorization`) and body (≤ [`PROXY_BODY_LIMIT`])
/// to the app's platform (`[upstream] wecom` for WeCom apps and suites, `[upstream] wechat` for
/// WeChat apps) with the app's token injected (`suite_access_token` for suites,
/// `access_token` otherwise). If the platform answers with an errcode that invalidates the
/// token, the token is invalidated (compare-and-delete) and the request repeated once.
async fn proxy(
    _: Admin,
    State(gateway): State<Gateway>,
    Path((name, path)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let app = app(&gateway, &name)?;
    let kind = keys::access_token_kind(&app).ok_or_else(|| wrong_kind(&app, "access token"))?;
    let key = keys::for_app(&app, kind).ok_or_else(|| wrong_kind(&app, "access token"))?;
    let (base, token_param) = match app.kind {
        AppKind::Suite { .. } => (&gateway.config.upstream.wecom, "suite_access_token"),
        AppKind::WecomApp { .. }
        | AppKind::WecomContacts { .. }
        | AppKind::WecomMiniProgram { .. } => (&gateway.config.upstream.wecom, "access_token"),
        _ => (&gateway.config.upstream.wechat, "access_token"),
    };
    let body = axum::body::to_bytes(body, PROXY_BODY_LIMIT)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the proxy forwards bodies up to {PROXY_BODY_LIMIT} bytes"),
            )
        })?;
    let mut url = reqwest::Url::parse(&format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    ))
    .map_err(|_| ApiError::bad_request("the proxied path is not a valid URL path"))?;
    let query = caller_query(&uri);
    let headers = forwardable(&headers);
    let mut retried = false;
    loop {
        let token = gateway
            .tokens
            .get(&key)
            .await
            .map_err(|e| api_error(e, "proxy"))?;
        url.set_query(if query.is_empty() { None } else { Some(&query) });
        url.query_pairs_mut().append_pair(token_param, &token.value);
        let answer = gateway
            .tokens
            .proxy_http()
            .request(method.clone(), url.clone())
            .headers(headers.clone())
            .body(body.clone())
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(app = %name, error = %e.without_url(), "proxy: upstream unreachable");
                upstream_failed()
            })?;
        let status = answer.status();
        let answer_headers = forwardable(answer.headers());
        let answer_body = answer.bytes().await.map_err(|_| upstream_failed())?;
        if !retried
            && let Some(e) = platform_error(&answer_body)
            && e.invalidates_token()
        {
            tracing::info!(app = %name, errcode = e.errcode, "proxy: token rejected; invalidating and retrying once");
            gateway.tokens.invalidate(&key, &token.value).await;
            retried = true;
            continue;
        }
        let mut response = Response::new(Body::from(answer_body));
        *response.status_mut() = status;
        for (name, value) in &answer_headers {
            if *name != HeaderName::from_static("content-encoding") {
                response.headers_mut().append(name.clone(), value.clone());
            }
        }
        return Ok(response.into_response());
    }
}

/// The platform error in a JSON answer, if it has a non-zero errcode.
fn platform_error(body: &[u8]) -> Option<PlatformError> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let errcode = value.get("errcode")?.as_i64()?;
    (errcode != 0).then(|| PlatformError {
        errcode,
        errmsg: value
            .get("errmsg")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        api: "proxy",
        context: CallContext::TokenBearing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_tokens_and_hop_by_hop_headers_are_not_forwarded() {
        let uri: Uri = "/x?a=1&access_token=evil&b=2&suite_access_token=x"
            .parse()
            .unwrap();
        assert_eq!(caller_query(&uri), "a=1&b=2");
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer admin".parse().unwrap());
        headers.insert("connection", "x-private".parse().unwrap());
        headers.insert("x-private", "1".parse().unwrap());
        headers.insert("content-type", "application/json".parse().unwrap());
        let out = forwardable(&headers);
        assert_eq!(out.len(), 1);
        assert!(out.contains_key("content-type"));
    }

    #[test]
    fn only_token_errcodes_trigger_a_retry() {
        assert!(
            platform_error(br#"{"errcode":42001,"errmsg":"expired"}"#)
                .unwrap()
                .invalidates_token()
        );
        assert!(
            platform_error(br#"{"errcode":40014,"errmsg":"x"}"#)
                .unwrap()
                .invalidates_token()
        );
        assert!(
            !platform_error(br#"{"errcode":60011,"errmsg":"x"}"#)
                .unwrap()
                .invalidates_token()
        );
        assert!(platform_error(br#"{"errcode":0,"errmsg":"ok"}"#).is_none());
        assert!(platform_error(b"not json").is_none());
    }
}
