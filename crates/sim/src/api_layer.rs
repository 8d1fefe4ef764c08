//! The layer around every platform API route (not `/sim/*`): it builds the call's [`ApiCtx`],
//! applies the WeCom per-IP limit and fault injection, renders [`ApiError`]s in the serving platform's live style and counts
//! the call in the stats. Feature modules only write handlers; [`api_group`] wraps their routes.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rand::RngExt;

use crate::api_context::{ApiCtx, Platform, PlatformChoice};
use crate::api_error::ApiError;
use crate::rate_limit::WECOM_IP_API;
use crate::state::SimState;

/// Wraps a group of platform routes in the API layer. `routes` must hold at least one route.
pub fn api_group(
    state: SimState,
    choice: PlatformChoice,
    routes: Router<SimState>,
) -> Router<SimState> {
    routes
        .method_not_allowed_fallback(wrong_method)
        .route_layer(middleware::from_fn_with_state(
            state,
            move |state: State<SimState>, request: Request, next: Next| {
                api_layer(state, choice, request, next)
            },
        ))
}

async fn api_layer(
    State(state): State<SimState>,
    choice: PlatformChoice,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    let client_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".to_owned());
    let platform = match choice {
        PlatformChoice::Fixed(platform) => platform,
        PlatformChoice::ByToken => platform_of_token(&state, request.uri().query()),
    };
    let ctx = ApiCtx::new(platform, path, client_ip);
    request.extensions_mut().insert(ctx.clone());

    if platform == Platform::WeCom {
        let key = format!("wecom-ip:{}:{}", ctx.client_ip(), ctx.path());
        if let Err(limited) = state.limits.check(&key, WECOM_IP_API) {
            return finish(&state, &ctx, limited.into_response());
        }
    }
    let decision = state.faults.before_call(ctx.path());
    if !decision.delay.is_zero() {
        tokio::time::sleep(decision.delay).await;
    }
    let response = match decision.answer {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    };
    finish(&state, &ctx, response)
}

/// Renders an error response in the platform's style and records the call.
fn finish(state: &SimState, ctx: &ApiCtx, response: Response) -> Response {
    let Some(error) = response.extensions().get::<ApiError>().cloned() else {
        state
            .stats
            .record(ctx.path(), ctx.caller().as_deref(), None);
        return response;
    };
    state
        .stats
        .record(ctx.path(), ctx.caller().as_deref(), Some(error.errcode));
    let errmsg = live_errmsg(state, ctx, &error);
    let body = serde_json::to_vec(&error.body(&errmsg)).unwrap_or_default();
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// The errmsg with the suffix the live platform adds: WeCom
/// `…, hint: [<id>], from ip: <ip>, more info at https://open.work.weixin.qq.com/devtool/query?e=N`
/// (NOTES §3.7), WeChat `… rid: xxxxxxxx-xxxxxxxx-xxxxxxxx`.
pub fn live_errmsg(state: &SimState, ctx: &ApiCtx, error: &ApiError) -> String {
    let base = error.errmsg_for(ctx.platform());
    let now = state.clock.now();
    let mut rng = rand::rng();
    match ctx.platform() {
        Platform::WeCom => {
            let id: String = (0..32)
                .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
                .collect();
            format!(
                "{base}, hint: [{now}_{}_{id}], from ip: {}, more info at https://open.work.weixin.qq.com/devtool/query?e={}",
                rng.random_range(1..200),
                ctx.client_ip(),
                error.errcode
            )
        }
        Platform::WeChat => format!(
            "{base} rid: {:08x}-{:08x}-{:08x}",
            now as u32,
            rng.random::<u32>(),
            rng.random::<u32>()
        ),
    }
}

fn platform_of_token(state: &SimState, query: Option<&str>) -> Platform {
    let token = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| {
            pair.strip_prefix("access_token=")
                .filter(|value| !value.is_empty())
        });
    match token.and_then(|t| state.tokens.peek(t)) {
        Some(record) if !record.kind.is_wecom() => Platform::WeChat,
        _ => Platform::WeCom,
    }
}

async fn wrong_method(method: Method) -> ApiError {
    if method == Method::GET {
        ApiError::require_post()
    } else {
        ApiError::require_get()
    }
}

/// The answer for a path no module serves: HTTP 404 with `{"errcode":-1,"errmsg":"invalid url: …"}`
/// (see docs/simulator.md for why), counted in the stats.
pub async fn unknown_path(State(state): State<SimState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let error = ApiError::unknown_path(&path);
    if !path.starts_with("/sim/") {
        state.stats.record(&path, None, Some(error.errcode));
    }
    (StatusCode::NOT_FOUND, error).into_response()
}
