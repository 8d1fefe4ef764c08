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
//! | [`admin`] | run-time app management (`/api/v1/apps`), `/api/v1/config`, `/api/v1/overview` |
//! | [`token`] | the central token service (中控) and its HTTP API |
//! | [`callback`] | every callback URL: verify, decrypt, parse, store (deduplicated), answer |
//! | [`webhook_id`] | the stable id of a configured webhook |
//! | [`webhook_signature`] | `Wxgate-Signature` on requests to business backends |
//! | [`webhook`] | delivering events to business webhooks; the outbox admin API |
//! | [`events`] | the event JSON, the pull API and the event stream |
//! | [`accounts`] | users, identities, sign-in with merging, browser sessions, the users admin API |
//! | [`login`] | browser login: `/login`, the WeCom / WeChat flows and their callbacks, `/me`, `/logout` |
//! | [`oidc`] | the OpenID Connect provider: discovery, keys, authorize, token, userinfo, logout |
//! | [`mini_login`] | mini-program logins (behind the token exchange) and their open data |
//! | [`suite`] | the third-party suite lifecycle: installs, authorised corps, permanent codes |
//! | [`jssdk`] | JS-SDK signatures for pages, and the drop-in `/sdk/jssdk.js` |
//! | [`messages`] | sending WeCom app, robot, template and subscribe messages; the send record |
//! | [`media`] | media uploads for messages, with the content-hash media_id cache |
//! | [`contacts`] | WeCom directory copies: full syncs with live progress, incremental changes, lookups, departments as roles |

pub mod accounts;
pub mod admin;
pub mod admin_auth;
pub mod callback;
pub mod contacts;
pub mod error;
pub mod events;
pub mod health;
pub mod jssdk;
pub mod login;
pub mod media;
pub mod messages;
pub mod metrics;
pub mod mini_login;
pub mod oidc;
pub mod registry;
pub mod server;
pub mod state;
pub mod suite;
pub mod token;
pub mod webhook;
pub mod webhook_id;
pub mod webhook_signature;

pub use server::{GatewayHandle, GatewayOptions, StartError, build, router, start};
pub use state::Gateway;
