//! WeCom contacts (通讯录, issue #6): wxgate's copy of each corp's directory — full syncs with
//! live progress ([`sync`]), and the routes of the contacts admin API. See `docs/contacts.md`.
//!
//! | module | what it is |
//! |---|---|
//! | [`sync`] | full syncs: directories, fetch plans, the engine, jobs API, progress stream, schedule |

pub mod sync;

use axum::Router;

use crate::state::Gateway;

/// Every contacts route.
pub fn routes() -> Router<Gateway> {
    Router::new().merge(sync::jobs_api::routes())
}
