//! The simulated WeCom corporate directory (通讯录): an in-memory model with the contacts APIs'
//! exact field shapes, so the simulator can serve `user/*`, `department/*` and `tag/*` and push
//! `change_contact` events without any HTTP or storage of its own.
//!
//! - [`model`]: departments, members, tags and the indexed [`Directory`].
//! - [`views`]: the JSON bodies the read APIs return, per [`FieldView`] (privacy rules).
//! - [`generate`]: a deterministic generator of realistic corps of any size.
//! - [`seed_file`]: load a directory from JSON (API field names), export one.
//! - [`mutate`] and [`change`]: writes with the platform's errcodes, and the `change_contact`
//!   events they cause ([`DirectoryChange::to_xml`] renders the callback plaintext).
//! - [`visibility`]: an app's visible range, for 60011 and `@all`.
//! - [`paging`]: `user/list_id` cursor paging.
//! - [`error`]: [`DirectoryError`], carrying the WeCom errcode.
//!
//! ```
//! use wxgate_sim::directory::{Directory, FieldView, GenerateOptions, MemberUpdate, VisibleRange};
//!
//! let mut dir = Directory::generate(&GenerateOptions { members: 50, departments: 8, ..Default::default() });
//! let userid = dir.members().next().unwrap().userid.clone();
//!
//! // What user/get returns to an app created after 2022-06-20: no mobile.
//! let body = dir.user_get_json(&userid, FieldView::PrivacyRestricted)?;
//! assert_eq!(body["errcode"], 0);
//! assert!(body.get("mobile").is_none());
//!
//! // A rename, and the change_contact event the platform would push for it.
//! let update = MemberUpdate { new_userid: Some("renamed".into()), ..Default::default() };
//! let changes = dir.update_user(&userid, update)?;
//! assert_eq!(changes[0].change_type(), "update_user");
//! assert!(changes[0].to_xml("wwcorp", 1_700_000_000).contains("<NewUserID><![CDATA[renamed]]></NewUserID>"));
//!
//! // Visibility (60011) and user/list_id paging.
//! assert!(dir.visible(&VisibleRange::default()).contains_user("renamed"));
//! let page = dir.list_id(None, 10_000)?;
//! assert_eq!(page.next_cursor, "");
//! assert_eq!(dir.user_get_json("nobody", FieldView::Full).unwrap_err().errcode(), 60111);
//! # Ok::<(), wxgate_sim::directory::DirectoryError>(())
//! ```

pub mod change;
pub mod error;
mod event_xml;
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
