//! Everything a login flow touches, so the gateway's login system can be tested end to end
//! offline: login codes ([`codes`]), simulated WeChat people ([`people`]), the WeCom, third-party
//! and WeChat exchange APIs, the browser login pages ([`pages`]) and the `/sim/identity` control
//! API ([`control`]). See `docs/simulator.md` § Identity.

use axum::Router;

use crate::state::SimState;

pub mod codes;
pub mod control;
pub mod jscode2session;
pub mod mint;
pub mod pages;
pub mod people;
pub mod redirect;
pub mod wechat_oauth;
pub mod wecom_3rd;
pub mod wecom_oauth;

pub use control::control_routes;

/// The WeCom identity APIs (self-built and third-party).
pub fn wecom_routes() -> Router<SimState> {
    Router::new()
        .merge(wecom_oauth::routes())
        .merge(wecom_3rd::routes())
}

/// The WeChat identity APIs (sns OAuth and mini-program login).
pub fn wechat_routes() -> Router<SimState> {
    Router::new()
        .merge(wechat_oauth::routes())
        .merge(jscode2session::routes())
}

/// The browser login pages.
pub fn page_routes() -> Router<SimState> {
    pages::routes()
}
