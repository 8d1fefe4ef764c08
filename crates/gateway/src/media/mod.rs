//! Media for messages (see `docs/messages.md`): temporary media (image, voice, video, file) and
//! permanent image URLs for WeCom apps and suites, files for group robots — the documented type
//! and size rules checked before upload, and a cache by content hash that reuses a media_id
//! while it lives and uploads the same content again after its 3 days.
//!
//! | module | what it is |
//! |---|---|
//! | [`api`] | the upload routes (multipart) |
//! | [`rules`] | the type and size rules |
//! | [`upload`] | uploading through the content-hash cache |

pub mod api;
pub mod rules;
pub mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;

use crate::state::Gateway;

/// The media routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/api/v1/apps/{name}/media", post(api::upload_app))
        .route("/api/v1/robots/{name}/media", post(api::upload_robot))
        .layer(DefaultBodyLimit::max(api::BODY_LIMIT))
}
