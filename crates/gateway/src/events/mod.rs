//! Accepted events as business backends see them: the event JSON (one shape everywhere), the
//! cursor over the event stream, the pull API and the Server-Sent Events stream (alternatives to
//! webhooks), and the retention task that purges old events.

pub mod cursor;
pub mod emit;
pub mod payload;
pub mod pull;
pub mod retention;
pub mod stream;
pub mod timestamp;

use axum::Router;

use crate::state::Gateway;

/// The pull API and the event stream.
pub fn routes() -> Router<Gateway> {
    Router::new().merge(stream::routes()).merge(pull::routes())
}
