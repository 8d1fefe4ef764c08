//! The WeCom (`qyapi.weixin.qq.com`) API surface. Each area is a module exposing
//! `fn routes() -> Router<SimState>`; [`routes`] merges them and the server wraps the result in
//! the API layer with WeCom's answer style.

use axum::Router;

use crate::state::SimState;

pub mod token;

/// Every WeCom API route.
pub fn routes() -> Router<SimState> {
    Router::new().merge(token::routes())
}
