//! From an accepted `change_contact` callback to a queued change of the right directory: a
//! self-built corp's contacts (or app) callback names the corp's directory, a suite instruction
//! the directory `suite-name:AuthCorpId`.

use serde_json::json;
use wxgate_protocol::message::ContactChange;
use wxgate_store::StoreError;

use crate::callback::event::ParsedEvent;
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;

/// Which directory a change received by `app` belongs to: `(name, corp_id, suite_id)`.
pub fn directory_of(
    gateway: &Gateway,
    app: &AppEntry,
    parsed: &ParsedEvent,
) -> Option<(String, String, Option<String>)> {
    match &app.kind {
        AppKind::WecomContacts { corp_id } | AppKind::WecomApp { corp_id, .. } => gateway
            .config
            .wecom
            .iter()
            .find(|c| &c.corp_id == corp_id)
            .map(|c| (c.name.clone(), corp_id.clone(), None)),
        AppKind::Suite { suite_id, .. } => {
            let corp_id = parsed
                .suite
                .as_ref()
                .and_then(|e| e.header().auth_corp_id.clone())
                .or_else(|| {
                    parsed.source.to_value()["auth_corp_id"]
                        .as_str()
                        .map(str::to_owned)
                })
                .filter(|c| !c.is_empty())?;
            Some((
                format!("{}:{corp_id}", app.name),
                corp_id,
                Some(suite_id.clone()),
            ))
        }
        _ => None,
    }
}

/// Queues `change` (stored as event `event_id`) for its directory and wakes the directory's
/// consumer. Idempotent per event: a redelivered callback queues nothing new. The directory row
/// is created on first sight, so a change before the first full sync is kept too.
pub async fn from_callback(
    gateway: &Gateway,
    app: &AppEntry,
    parsed: &ParsedEvent,
    change: &ContactChange,
    event_id: &str,
    received_at: i64,
) -> Result<(), StoreError> {
    let Some((directory, corp_id, suite_id)) = directory_of(gateway, app, parsed) else {
        tracing::debug!(app = %app.name, "change_contact for no known directory; not queued");
        return Ok(());
    };
    if gateway.store.directory(&directory).await?.is_none() {
        gateway
            .store
            .upsert_directory(&directory, &corp_id, suite_id.as_deref())
            .await?;
    }
    let queued = json!({
        "event_id": event_id,
        "app": app.name,
        "change_type": change.change_type(),
        "data": parsed.data_text(app).to_value(),
    });
    let seq = gateway
        .store
        .enqueue_contact_change_once(&directory, event_id, received_at, &queued)
        .await?;
    if let Some(seq) = seq {
        tracing::debug!(%directory, seq, change_type = change.change_type(), "contact change queued");
    }
    super::kick(gateway, &directory);
    Ok(())
}
