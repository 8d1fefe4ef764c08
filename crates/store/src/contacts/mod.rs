//! The WeCom directory (contacts) of each corp, as one credential sees it: departments, members,
//! tags, the full-sync jobs that fill them and the queue of incremental `change_contact`s.
//!
//! A *directory* is named like the gateway names it (`acme` for a self-built corp's contacts
//! secret, `crm:{corp_id}` for a suite's authorised corp); every table is keyed by it. Members and
//! departments are never deleted: whoever left is marked inactive, so the wxgate identities linked
//! to them keep resolving.
//!
//! - [`directories`]: one row per directory (corp, suite, fields the credential cannot read);
//! - [`jobs`] and [`staging`]: a full sync as a resumable job with its fetched-so-far rows;
//! - [`apply`]: a full sync's result applied as a diff (order-independent, idempotent);
//! - [`full_sync`]: that apply streamed — members in pages sorted by userid, one transaction;
//! - [`changes`]: the `change_contact` queue and the single-row appliers;
//! - [`lookups`]: reads for the admin API and the OIDC role claims.

pub mod apply;
mod batch;
pub mod changes;
pub mod directories;
pub mod full_sync;
pub mod jobs;
pub mod lookups;
mod model;
pub mod staging;
mod tx;

pub use apply::{DiffPart, EntityDiff, SyncDiff, UNAVAILABLE_FIELDS};
pub use changes::{
    ChangeOutcome, DepartmentPatch, MemberPatch, QueuedContactChange, RenameOutcome,
};
pub use directories::ContactDirectory;
pub use full_sync::FullSyncApply;
pub use jobs::{SyncJob, SyncJobState};
pub use lookups::{DepartmentNode, DepartmentPath};
pub use model::{Department, Member, MemberDepartment, Tag};
