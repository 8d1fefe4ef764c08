//! Browser login: one entry point, `GET /login`, runs the WeCom or WeChat login that fits the
//! browser (or the `provider` hint), and ends — after the platform sent the browser back with a
//! code — with a `wxgate_session` cookie and a redirect to `return_to`. See `docs/login.md`.
//!
//! | module | what it is |
//! |---|---|
//! | [`entry`] | `GET /login`: check `return_to`, choose, record the state, go to the platform |
//! | [`callback`] | `GET /login/callback/{flow}/{app}`: check the state, exchange, sign in, session |
//! | [`me`] | `GET /me`, `POST`/`GET /logout` |
//! | [`choose`] | User-Agent and `provider` hint → flow and app |
//! | [`flow`] | the flows by name, their redirect URIs, dispatch to the flow modules |
//! | [`wecom_oauth`] | WeCom in-app OAuth (self-built app; `snsapi_base` / `snsapi_privateinfo`) |
//! | [`wecom_web`] | WeCom web login (`CorpApp`) |
//! | [`wecom_3rd`] | third-party in-app OAuth (`getuserinfo3rd` / `getuserdetail3rd`) |
//! | [`wecom_3rd_web`] | third-party web login through the provider (`ServiceApp`, `get_login_info`) |
//! | [`wecom_member`] | the member check every WeCom flow ends with (visible range, status), guests |
//! | [`wechat_oauth`] | Official Account OAuth (`snsapi_base` / `snsapi_userinfo`) |
//! | [`wechat_qr`] | website QR login (`snsapi_login`) |
//! | [`state`] | the `wxgate_login` cookie binding a state to its browser |
//! | [`return_to`] | where a login or logout may send the browser (no open redirects) |
//! | [`rate_limit`] | per-client-IP token bucket on the login endpoints (429 + `Retry-After`) |
//! | [`error`], [`page`] | failures as HTML pages (or JSON) that say what to do |

pub mod callback;
pub mod choose;
pub mod entry;
pub mod error;
pub mod flow;
pub mod me;
pub mod page;
pub mod rate_limit;
pub mod return_to;
pub mod state;
pub mod wechat_oauth;
pub mod wechat_qr;
pub mod wecom_3rd;
pub mod wecom_3rd_web;
pub mod wecom_member;
pub mod wecom_oauth;
pub mod wecom_web;

pub use error::LoginError;
pub use flow::Flow;

use axum::Router;
use axum::middleware;
use wxgate_config::Config;

use crate::login::rate_limit::LoginRateLimiter;
use crate::login::return_to::ReturnToPolicy;
use crate::state::Gateway;

/// The login system's state in [`crate::state::Shared`].
#[derive(Debug)]
pub struct LoginService {
    /// Where logins and logouts may return to.
    pub return_to: ReturnToPolicy,
    /// The per-IP limit on `/login` and its callbacks.
    pub rate_limiter: LoginRateLimiter,
}

impl LoginService {
    /// Built from `[server] public_url` and `[login]`.
    pub fn new(config: &Config) -> LoginService {
        LoginService {
            return_to: ReturnToPolicy::new(
                &config.server.base_url(),
                &config.login.return_to_origins,
            ),
            rate_limiter: LoginRateLimiter::new(
                config.login.rate_limit_per_minute,
                config.login.rate_limit_burst,
            ),
        }
    }
}

/// The login routes: `/login` and its callbacks (rate limited), `/me`, `/logout`.
pub fn routes(gateway: &Gateway) -> Router<Gateway> {
    Router::new()
        .merge(entry::routes())
        .merge(callback::routes())
        .route_layer(middleware::from_fn_with_state(
            gateway.clone(),
            rate_limit::limit,
        ))
        .merge(me::routes())
}
