//! `contact.synced`: the internal event written when a full sync finished, with the diff summary
//! (created / updated / moved / removed counts and example ids), so business backends learn that
//! the directory copy changed without polling the jobs API.

use serde_json::{Value, json};
use wxgate_store::{Accepted, StoreError};

use crate::contacts::sync::engine::Job;
use crate::events::emit::{InternalEvent, emit as emit_event};
use crate::state::Gateway;

/// The event type.
pub const EVENT_TYPE: &str = "contact.synced";

/// Emits `contact.synced` for `job` (deduplicated by job id).
pub async fn emit(gateway: &Gateway, job: &Job, diff: &Value) -> Result<Accepted, StoreError> {
    let dir = &job.directory;
    emit_event(
        gateway,
        InternalEvent {
            app: dir.owner.clone(),
            event_type: EVENT_TYPE.into(),
            source: json!({
                "kind": "contacts",
                "name": dir.owner,
                "directory": dir.name,
                "corp_id": dir.corp_id,
                "suite_id": dir.suite_id,
            }),
            dedup_key: format!("{EVENT_TYPE}:{}", job.id),
            data: json!({
                "directory": dir.name,
                "corp_id": dir.corp_id,
                "job_id": job.id,
                "credential": dir.credential.kind(),
                "diff": diff,
                "departments": job.counts.departments,
                "members": job.counts.members,
                "unavailable_fields": job.counts.unavailable_fields,
            }),
        },
    )
    .await
}
