//! The simulated WeCom corporate directory (通讯录): an in-memory model with the contacts APIs'
//! exact field shapes, so the simulator can serve `user/*`, `department/*` and `tag/*` and push
//! `change_contact` events without any HTTP or storage of its own.
//!
//! - [`model`]: departments, members, tags and the indexed [`Directory`].
//! - [`views`]: the JSON bodies the read APIs return, per [`FieldView`] (privacy rules).
//! - [`generate`]: a deterministic generator of realistic corps of any size.
//! - [`seed_file`]: load a directory from JSON (API field names), export one.
//! - [`mutate`] and [`change`]: writes with the platform's errcodes, and the events they cause.
//! - [`visibility`]: an app's visible range, for 60011 and `@all`.
//! - [`paging`]: `user/list_id` cursor paging.
//! - [`error`]: [`DirectoryError`], carrying the WeCom errcode.

pub mod change;
pub mod error;
pub mod generate;
mod index;
pub mod model;
pub mod mutate;
mod names;
pub mod paging;
pub mod seed_file;
pub mod views;
pub mod visibility;

#[cfg(test)]
mod tests;

pub use change::{DirectoryChange, PartyChange, TagChange};
pub use error::DirectoryError;
pub use generate::GenerateOptions;
pub use model::{Department, Directory, Member, ROOT_DEPARTMENT, Tag, open_userid_for};
pub use mutate::{DepartmentUpdate, MemberUpdate, TagMembersOutcome};
pub use paging::{DeptUser, ListIdPage, MAX_LIST_ID_LIMIT};
pub use seed_file::{SeedError, SeedFile, SeedTag, SeedTagUser};
pub use views::{FieldView, department_json, member_json};
pub use visibility::{Visible, VisibleRange};
