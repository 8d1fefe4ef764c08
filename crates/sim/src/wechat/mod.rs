//! The WeChat (`api.weixin.qq.com`) API surface for official accounts, mini programs and website
//! apps. Each area is a module exposing `fn routes() -> Router<SimState>`; [`routes`] merges them
//! and the server wraps the result in the API layer with WeChat's answer style.

use axum::Router;

use crate::state::SimState;

pub mod token;

/// Every WeChat API route.
pub fn routes() -> Router<SimState> {
    Router::new().merge(token::routes())
}
