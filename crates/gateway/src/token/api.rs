//! The token HTTP API (all behind the admin key): tokens and tickets for other services, and the
//! transparent proxy that injects the app's token.

use axum::Router;

use crate::state::Gateway;

/// The token routes.
pub fn routes() -> Router<Gateway> {
    Router::new()
}
