//! The central token service (中控): one refresh per token per expiry window, however many
//! callers and gateway instances ask, with tokens persisted in the store and shared over HTTP
//! with other services. See `docs/tokens.md`.
//!
//! | module | what it is |
//! |---|---|
//! | [`service`] | [`TokenService`]: memory → single flight → store → cross-instance lock → fetch |
//! | [`keys`] | the cache key of every token kind, and which app a key belongs to |
//! | [`fetch`] | how each kind is fetched upstream (one place) |
//! | [`single_flight`] | concurrent callers of one key await one fetch |
//! | [`breaker`] | 45009 on a fetch opens a per-key circuit breaker |
//! | [`refresher`] | the background task refreshing recently used tokens before they expire |
//! | [`clock`] | the service's clock (unix seconds), advanceable in tests |
//! | [`error`] | [`TokenError`] |
//! | [`api`] | `GET /api/v1/apps/{name}/token`, tickets, authorised-corp tokens, the proxy |

pub mod api;
pub mod breaker;
pub mod clock;
pub mod error;
pub mod fetch;
pub mod keys;
pub mod refresher;
pub mod service;
pub mod single_flight;

pub use clock::TokenClock;
pub use error::TokenError;
pub use service::{Token, TokenOptions, TokenService};
