//! wxgate's persistence layer, on SQLite (the default, one instance) or PostgreSQL (several
//! instances sharing one database).
//!
//! Everything the gateway must not lose lives here: accepted callback events with their dedup
//! keys and the outbox of webhook deliveries (written in one transaction), the central token
//! service's tokens and cross-instance locks, WeCom suite tickets and authorised corps, the
//! apps added at runtime, the account system (users, identities, roles, sessions, browser
//! logins in progress), the OpenID Connect provider (signing keys, clients, codes, grants,
//! refresh tokens, mini-program session keys), the WeCom directories (departments, members,
//! tags, full-sync jobs and the queue of incremental changes), the record of sent messages (with idempotency
//! keys) and the media cache. Every secret column is sealed with [`SecretBox`] (AES-256-GCM)
//! before it reaches the database.
//!
//! The same SQL runs on both backends wherever the dialects agree; timestamps are integer unix
//! milliseconds and JSON is stored as TEXT, so rows decode identically on both. Everything goes
//! through sqlx except one path: on a SQLite file, the callback writer ([`EventWriter`]) commits
//! its batches on a thread of its own with a `rusqlite` connection (same bundled SQLite).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wxgate_store::StoreError> {
//! use wxgate_store::{Accepted, NewEvent, SecretBox, Store};
//!
//! let (secrets, _key_b64) = SecretBox::generate(); // in production: SecretBox::from_base64(WXGATE_MASTER_KEY)
//! let store = Store::connect("sqlite::memory:", secrets).await?;
//! store.migrate().await?;
//! let event = NewEvent {
//!     app: "hr".into(),
//!     event_type: "message.text".into(),
//!     source: serde_json::json!({"platform": "wecom"}).into(),
//!     dedup_key: "msg:1234567890".into(),
//!     received_at: 1_700_000_000_000,
//!     data: Some(serde_json::json!({"content": "hello"}).into()),
//!     raw: "<xml>…</xml>".into(),
//!     webhooks: vec!["crm".into()],
//! };
//! let first = store.accept_events(vec![event.clone()]).await?;
//! let retry = store.accept_events(vec![event]).await?; // the platform retried
//! assert!(matches!(first[0], Accepted::New { .. }));
//! assert_eq!(retry[0], Accepted::Duplicate { id: first[0].id().to_owned() });
//! # Ok(()) }
//! ```

pub mod accounts;
mod apps;
mod backend;
mod clock;
pub mod contacts;
mod deliveries;
mod error;
mod event_writer;
mod events;
mod json_text;
mod leases;
mod login_states;
mod media_cache;
mod message_sends;
pub mod oidc;
mod pending_auth_codes;
mod retention;
mod secret_box;
mod sqlite_writer;
mod store;
mod suites;
mod tokens;

pub use accounts::{
    Identity, IdentityKey, IdentityKind, Merge, NewSession, Session, SignIn, SignInOutcome, User,
    UserFilter, UserStatus,
};
pub use apps::{AppSource, NewApp, StoredApp};
pub use contacts::{
    ChangeOutcome, ContactDirectory, Department, DepartmentNode, DepartmentPatch, DepartmentPath,
    DiffPart, EntityDiff, FullSyncApply, Member, MemberDepartment, MemberPatch,
    QueuedContactChange, RenameOutcome, SyncDiff, SyncJob, SyncJobState, Tag, UNAVAILABLE_FIELDS,
};
pub use deliveries::{Delivery, DeliveryFilter, DeliveryStatus, DueDelivery, OutboxLag};
pub use error::StoreError;
pub use event_writer::EventWriter;
pub use events::{Accepted, NewEvent, StoredEvent};
pub use json_text::JsonText;
pub use leases::{LEASE_TTL, LockGuard};
pub use login_states::{LoginState, NewLoginState, TakenLogin};
pub use media_cache::CachedMedia;
pub use message_sends::{MessageSend, NewMessageSend, SendClaim, SendFilter, SendStatus};
pub use oidc::{
    Grant, MiniSession, NewCode, NewGrant, NewOidcClient, NewSigningKey, Redeemed, Refreshed,
    StoredCode, StoredOidcClient, StoredSigningKey,
};
pub use pending_auth_codes::{NewPendingAuthCode, PendingAuthCode, PendingAuthCodeStatus};
pub use secret_box::{Secret, SecretBox, SecretError};
pub use store::{Backend, Store};
pub use suites::{AuthCorp, AuthCorpState, NewAuthCorp, SuiteTicket};
pub use tokens::StoredToken;
