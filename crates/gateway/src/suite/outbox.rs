//! The internal `suite.*` events, written to the outbox like callback events so that business
//! backends learn about new and departed customers through their webhooks (and the pull API):
//!
//! | type | when | `data` |
//! |---|---|---|
//! | `suite.corp_authorized` | an install's auth code was exchanged (create_auth or redirect) | `corp_id`, `corp_name`, `agent_id`, `install_state`, `auth_user` |
//! | `suite.corp_auth_changed` | change_auth (or an admin refresh) updated the privileges | `corp_id`, `corp_name`, `agent_id`, `privileges` |
//! | `suite.corp_revoked` | cancel_auth: the permanent code and tokens are purged | `corp_id` |
//!
//! `source` is `{"kind":"suite","name","suite_id","corp_id"}`, as for callback events of a
//! suite; `raw` is empty (nothing was received verbatim).

use serde_json::{Value, json};
use wxgate_store::Accepted;

pub(crate) use crate::events::emit::now_ms;
use crate::events::{self, emit::InternalEvent};
use crate::registry::AppEntry;
use crate::state::Gateway;
use crate::suite::SuiteError;

/// A corp authorised the suite.
pub const CORP_AUTHORIZED: &str = "suite.corp_authorized";
/// A corp's authorisation changed.
pub const CORP_AUTH_CHANGED: &str = "suite.corp_auth_changed";
/// A corp removed the suite.
pub const CORP_REVOKED: &str = "suite.corp_revoked";

/// Writes one `suite.*` event (deduplicated by `dedup_key`) with a delivery to every webhook
/// that wants `event_type`, and wakes the webhook worker.
pub async fn emit(
    gateway: &Gateway,
    suite: &AppEntry,
    suite_id: &str,
    corp_id: &str,
    event_type: &str,
    dedup_key: String,
    data: Value,
) -> Result<Accepted, SuiteError> {
    let event = InternalEvent {
        app: suite.name.clone(),
        event_type: event_type.to_owned(),
        source: json!({
            "kind": suite.kind.name(),
            "name": suite.name,
            "suite_id": suite_id,
            "corp_id": corp_id,
        }),
        dedup_key,
        data,
    };
    Ok(events::emit::emit(gateway, event).await?)
}
