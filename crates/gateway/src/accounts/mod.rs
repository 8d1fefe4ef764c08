//! The account system: one local user behind a person's many platform identities.
//!
//! Login flows prove identities and call [`service::sign_in`]; it finds, creates, links or merges
//! users (storage in `wxgate_store::accounts`) and emits the `user.*` / `identity.*` events.
//! [`session`] is the browser session every flow ends with; [`profile`] normalises the platforms'
//! spellings of the same facts; [`admin`] is the users admin API.

pub mod admin;
pub mod profile;
pub mod service;
pub mod session;

pub use profile::{Gender, PlatformIds, Profile};
pub use service::{
    LoginProof, SignInError, SignedIn, open_user_scope, sign_in, unionid_scope, wechat_identities,
};
pub use session::{
    ClientInfo, CurrentSession, SESSION_COOKIE, SessionUser, end_session, start_session,
};

use axum::Router;

use crate::state::Gateway;

/// The account system's routes (the users admin API).
pub fn routes() -> Router<Gateway> {
    admin::routes()
}
