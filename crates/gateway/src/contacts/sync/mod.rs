//! Full syncs of WeCom directories (issue #6): every department, member and tag a credential may
//! read, fetched within the platform's rate limits, staged with checkpoints so a crash or restart
//! resumes, and applied as one diff. A sync is a job with live progress. See `docs/contacts.md`.
//!
//! | module | what it is |
//! |---|---|
//! | [`directory`] | directory names → the credential that reads them; every directory of the schedule |
//! | [`plan`] | which API path the credential allows, found by asking |
//! | [`fetch`] | upstream calls: rate limiter, retries on −1, pauses on 45009 |
//! | [`staged`] | what a sync stages while it fetches |
//! | [`checkpoint`] | how far a sync got, saved after every batch |
//! | [`engine`] | one sync, phase by phase |
//! | [`apply`] | staged data → the store's diff, unavailable fields |
//! | [`service`] | start, take over, resume, finish; the instance's limiter and live jobs |
//! | [`progress`] | counts, ETA, the live progress of running jobs |
//! | [`progress_stream`] | the SSE progress stream |
//! | [`jobs_api`] | the jobs routes |
//! | [`synced_event`] | `contact.synced` |
//! | [`schedule`] | resuming stale jobs, scheduled syncs |

pub mod apply;
pub mod checkpoint;
pub mod directory;
pub mod engine;
pub mod fetch;
pub mod jobs_api;
pub mod plan;
pub mod progress;
pub mod progress_stream;
pub mod schedule;
pub mod service;
pub mod staged;
pub mod synced_event;

pub use service::{SyncService, start};

use crate::state::Gateway;

/// What runs after a full sync of `directory` ended: the incremental consumer applies the
/// `change_contact` callbacks that arrived during the sync, in order.
pub async fn after_full_sync(gateway: &Gateway, directory: &str) {
    crate::contacts::changes::kick(gateway, directory);
}
