//! The WeCom contacts APIs (通讯录, NOTES §3.3) over the live directory of each corp: reads with
//! the caller's visible range and field view, writes with the contacts-sync secret, the
//! `change_contact` callbacks every write causes, and the `/sim/directory` control endpoints.
//!
//! - [`access`]: who may see what (token owner → corp, [`FieldView`](crate::directory::FieldView),
//!   visible range).
//! - [`reads`] and [`writes`]: the `user/*`, `department/*` and `tag/*` routes.
//! - [`publish`]: applies a directory write and pushes its `change_contact` callbacks.
//! - [`control`]: the `/sim/directory/{corp_id}/…` endpoints.

use axum::Router;

use crate::api_error::ApiError;
use crate::directory::DirectoryError;
use crate::state::SimState;

pub mod access;
pub mod control;
pub mod publish;
pub mod reads;
pub mod writes;

pub use access::{ContactsAccess, resolve_access};
pub use control::control_routes;
pub use publish::{Published, publish_changes};

/// Every WeCom contacts route (reads and writes).
pub fn routes() -> Router<SimState> {
    Router::new().merge(reads::routes()).merge(writes::routes())
}

impl From<DirectoryError> for ApiError {
    fn from(error: DirectoryError) -> Self {
        ApiError::new(error.errcode(), error.errmsg())
    }
}
