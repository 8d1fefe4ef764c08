//! JS-SDK signing for pages (see `docs/jssdk.md`): `wx.config` / `wx.agentConfig` /
//! `ww.register` signatures for WeCom apps, suites' authorised corps and Official Accounts, over
//! two public, CORS-limited, rate-limited endpoints, and the drop-in script that uses them.
//!
//! | module | what it is |
//! |---|---|
//! | [`api`] | the two signature endpoints and their preflight |
//! | [`sign`] | the signing service: page URL → ticket → signature |
//! | [`target`] | which ids and tickets sign for an app (and a suite's corp) |
//! | [`page_url`] | the page URL: no fragment, host among the trusted domains |
//! | [`cors`] | the allowed browser origins of an app |
//! | [`rate_limit`] | requests per minute per client address |
//! | [`script`] | `GET /sdk/jssdk.js`, the drop-in script |
//! | [`error`] | [`JssdkError`](error::JssdkError) |

pub mod api;
pub mod cors;
pub mod error;
pub mod page_url;
pub mod rate_limit;
pub mod script;
pub mod sign;
pub mod target;

use axum::Router;
use axum::routing::{get, post};

use crate::state::Gateway;

/// The JS-SDK routes (none needs the admin key).
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route(
            "/api/v1/apps/{name}/jssdk-config",
            post(api::config).options(api::preflight),
        )
        .route(
            "/api/v1/apps/{name}/jssdk-agent-config",
            post(api::agent_config).options(api::preflight),
        )
        .route("/sdk/jssdk.js", get(script::serve))
}
