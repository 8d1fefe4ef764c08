//! The WeCom service-provider (第三方应用) platform side (NOTES §3.5, §5.1): suite_tickets pushed
//! on a timer, suite / provider / authorised-corp tokens, pre-auth codes and session info, the
//! install page, permanent codes and auth info, and the authorisation lifecycle driven from the
//! control API.
//!
//! - [`registry`]: what the platform remembers (tickets, codes, authorisations).
//! - [`tokens`]: `get_suite_token`, `get_provider_token`, `get_corp_token`.
//! - [`auth`]: pre-auth codes, session info, permanent codes, auth info, [`privileges`].
//! - [`install`]: the `/3rdapp/install` page.
//! - [`instruction`]: the instruction-callback XML, [`notify_contact_change`].
//! - [`control`]: `/sim/suites…` and the ticket timer.

pub mod auth;
pub mod control;
pub mod install;
pub mod instruction;
pub mod registry;
pub mod tokens;

use axum::Router;

use crate::state::SimState;

pub use auth::privileges;
pub use control::{control_routes, push_ticket, spawn_ticket_timer};
pub use install::pages;
pub use instruction::{notify_contact_change, notify_contact_change_in};
pub use registry::SuiteRegistry;

/// The suite platform APIs (WeCom, `/cgi-bin/service/…`).
pub fn routes() -> Router<SimState> {
    tokens::routes().merge(auth::routes())
}
