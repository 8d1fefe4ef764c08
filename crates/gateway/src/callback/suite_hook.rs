//! The extension point of the suite lifecycle: create_auth, change_auth, cancel_auth,
//! reset_permanent_code (and every other instruction except suite_ticket) are stored as events
//! like any callback AND handed to [`on_suite_event`] once committed.
//!
//! The callback handler runs the hook in a spawned task after the event is stored, so the hook
//! never delays the `success` answer (create_auth must be answered within 1000 ms). A failure in
//! the hook therefore cannot make the platform retry: the stored event is the durable record to
//! recover from. The hook logs, counts, and runs the suite lifecycle
//! ([`crate::suite::lifecycle`]: AuthCode exchange, privileges, revocation).

use wxgate_protocol::message::SuiteEvent;

use crate::registry::AppEntry;
use crate::state::Gateway;

/// Called once per newly stored suite instruction (not for duplicates, not for suite_ticket).
pub async fn on_suite_event(gateway: &Gateway, suite: &AppEntry, event: &SuiteEvent) {
    let header = event.header();
    tracing::info!(
        suite = %suite.name,
        info_type = event.info_type(),
        auth_corp_id = header.auth_corp_id.as_deref().unwrap_or(""),
        "suite instruction received"
    );
    gateway.metrics.callback(suite.kind.name(), "suite_hook");
    if let Err(e) = crate::suite::lifecycle::handle_instruction(gateway, suite, event).await {
        tracing::warn!(suite = %suite.name, info_type = event.info_type(), error = %e, "suite lifecycle step failed");
    }
}
