//! # wxgate-gateway
//!
//! wxgate's HTTP surface, composed from the lower crates: it terminates every WeChat/WeCom
//! callback, runs the central token service, forwards normalised events to business webhooks,
//! and serves the admin API. Handlers are thin: each area's work lives in a service with plain
//! types, testable without HTTP.
//!
//! | module | what it is |
//! |---|---|
//! | [`server`] | start/stop, and the router every area plugs its routes into |
//! | [`state`] | [`Gateway`], the shared state handed to handlers and tasks |
//! | [`registry`] | every configured app by name, with its callback crypto pre-built |
//! | [`admin_auth`] | the `Authorization: Bearer <admin key>` check |
//! | [`error`] | the JSON error shape of wxgate's own API |
//! | [`health`] | `/healthz`, `/readyz`, `/metrics` |
//! | [`metrics`] | the Prometheus metric families |
//! | [`token`] | the central token service (中控) and its HTTP API |
//! | [`webhook`] | delivering events to business webhooks; the outbox admin API |
//! | [`events`] | the event JSON, the pull API and the event stream |
//! | [`webhook_signature`] | the `Wxgate-Signature` header: sign and verify |
//! | [`webhook_id`] | the name a webhook is known by in the outbox |

pub mod admin_auth;
pub mod error;
pub mod events;
pub mod health;
pub mod metrics;
pub mod registry;
pub mod server;
pub mod state;
pub mod token;
pub mod webhook;
pub mod webhook_id;
pub mod webhook_signature;

pub use server::{GatewayHandle, GatewayOptions, StartError, build, router, start};
pub use state::Gateway;
