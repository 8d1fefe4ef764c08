//! WeCom contacts (通讯录, issue #6): wxgate's copy of each corp's directory, kept in step by
//! full syncs and `change_contact` callbacks, read through the lookups admin API, and turned
//! into role claims. See `docs/contacts.md`.
//!
//! A *directory* is one corp's contacts as one credential sees them: a `[[wecom]]` corp (named
//! like the corp, read with its contacts secret or an app's secret) or a corp that authorised a
//! `[[suites]]` suite (named `suite-name:corp_id`).
//!
//! | module | what it is |
//! |---|---|
//! | [`sync`] | full syncs: directories, fetch plans, the engine, jobs API, progress stream, schedule |
//! | [`changes`] | incremental updates: `change_contact` callbacks queued and applied in order |
//! | [`lookup_api`] | the lookups admin API: tree, members, leaders, members ↔ users |
//! | [`roles`] | departments as roles in the OIDC `roles` claim |

pub mod changes;
pub mod lookup_api;
pub mod roles;
pub mod sync;

use axum::Router;

use crate::state::Gateway;

/// Every contacts route.
pub fn routes() -> Router<Gateway> {
    Router::new()
        .merge(sync::jobs_api::routes())
        .merge(lookup_api::routes())
}
