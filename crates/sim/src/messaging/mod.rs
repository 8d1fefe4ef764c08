//! Messages the gateway sends through the platforms (NOTES §3.4): WeCom app messages
//! (`message/send`, `message/recall`), WeCom group robots (`webhook/send`), WeChat template and
//! subscribe messages. Nothing is delivered to anyone: every accepted message is recorded in the
//! [`MessageLog`] and listed by `GET /sim/messages`.
//!
//! - [`content`]: the per-`msgtype` required fields.
//! - [`app_message`]: `message/send` recipients, limits and `message/recall`.
//! - [`robot`]: group robots and their keys (`POST /sim/robots`).
//! - [`wechat`]: `message/template/send` and `message/subscribe/send`.
//! - [`log`]: the record of sent messages.

use axum::Router;
use axum::routing::get;

use crate::state::SimState;

pub mod app_message;
pub mod content;
pub mod log;
pub mod robot;
pub mod wechat;

pub use log::{MessageLog, SentMessage};

/// WeCom routes: `message/send`, `message/recall`, `webhook/send`.
pub fn wecom_routes() -> Router<SimState> {
    Router::new()
        .merge(app_message::routes())
        .merge(robot::routes())
}

/// WeChat routes: `message/template/send`, `message/subscribe/send`.
pub fn wechat_routes() -> Router<SimState> {
    wechat::routes()
}

/// `GET /sim/messages`, `GET|POST /sim/robots` (nested under `/sim`).
pub fn control_routes() -> Router<SimState> {
    Router::new()
        .route("/messages", get(log::list))
        .route("/robots", get(robot::list_keys).post(robot::add_key))
}
