//! Sending messages (see `docs/messages.md`): WeCom app messages of every documented msgtype to
//! userids, wxgate users, departments, tags or everyone (split over as many calls as the
//! platform's limits need, answers merged, recall), group robot messages by robot name, Official
//! Account template messages and Mini Program subscribe messages to openids or wxgate users.
//! Every send is recorded and visible through the admin API; an `Idempotency-Key` keeps a retried
//! request from sending twice.
//!
//! | module | what it is |
//! |---|---|
//! | [`api`] | the routes |
//! | [`request`] | the request bodies and their checks |
//! | [`recipients`] | wxgate user ids → the userid/openid the app knows them by |
//! | [`split`] | the audience cut into calls within the platform's limits |
//! | [`merge`] | the calls' answers merged into one result |
//! | [`wecom`] | WeCom app messages and recall |
//! | [`robot`] | group robot messages |
//! | [`wechat`] | template and subscribe messages |
//! | [`record`] | the send record and the idempotency key |
//! | [`error`] | how a failed send is answered |

pub mod api;
pub mod error;
pub mod merge;
pub mod recipients;
pub mod record;
pub mod request;
pub mod robot;
pub mod split;
pub mod wechat;
pub mod wecom;

use axum::Router;
use axum::routing::{get, post};

use crate::state::Gateway;

/// The messaging routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/apps/{name}/messages", post(api::send))
        .route(
            "/api/v1/apps/{name}/messages/recall",
            post(api::recall_msgid),
        )
        .route("/api/v1/robots/{name}/messages", post(api::send_robot))
        .route("/api/v1/messages", get(api::list))
        .route("/api/v1/messages/{id}", get(api::get))
        .route("/api/v1/messages/{id}/recall", post(api::recall_send))
}
