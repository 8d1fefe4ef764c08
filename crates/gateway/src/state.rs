//! The gateway's shared state: configuration, the in-memory app registry, storage, the upstream
//! client and metrics. One [`Gateway`] is cloned into every handler and background task; each
//! feature adds its service as a field of [`Shared`].

use std::ops::Deref;
use std::sync::Arc;

use tokio::sync::{Notify, watch};
use wxgate_client::Client;
use wxgate_config::Config;
use wxgate_store::Store;

use crate::metrics::Metrics;
use crate::registry::Registry;
use crate::token::TokenService;

/// Everything the gateway holds; reached through [`Gateway`] (`gateway.store`, …).
#[derive(Debug)]
pub struct Shared {
    /// The loaded configuration.
    pub config: Arc<Config>,
    /// Apps by name, in memory.
    pub registry: Arc<Registry>,
    /// The database.
    pub store: Store,
    /// The WeCom/WeChat API client.
    pub client: Client,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Flips to `true` when the gateway shuts down; background tasks watch it.
    pub shutdown: watch::Receiver<bool>,
    /// Woken after pending deliveries are written (or redriven), so the webhook worker delivers
    /// without polling. Not woken for events no webhook wants: the worker's claim is a write
    /// transaction, which would contend with the event writer for nothing.
    pub outbox_ready: Arc<Notify>,
    /// Woken (`notify_waiters`) after new events are committed, for the live event stream.
    pub events_committed: Arc<Notify>,
    /// The central token service; hand `gateway.tokens.clone()` to the client as its provider.
    pub tokens: Arc<TokenService>,
    /// The callback services (the batching event writer, the passive-reply client).
    pub callbacks: crate::callback::Callbacks,
    /// The per-client limit of the public JS-SDK signature endpoints.
    pub jssdk_limiter: Arc<crate::jssdk::rate_limit::ClientRateLimiter>,
    /// Browser login: the `return_to` policy and the login rate limiter.
    pub login: crate::login::LoginService,
    /// The OpenID Connect provider's keys and rate limiters.
    pub oidc: crate::oidc::Oidc,
    /// Contacts full syncs: this instance's id, the upstream rate limiter, live progress.
    pub contacts_sync: crate::contacts::sync::SyncService,
    /// The consumers applying queued `change_contact`s, one per directory.
    pub contact_changes: crate::contacts::changes::ChangeConsumers,
}

/// A cheap, cloneable handle on the gateway's state (axum's `State`).
#[derive(Debug, Clone)]
pub struct Gateway {
    inner: Arc<Shared>,
}

impl Gateway {
    /// Wraps the shared state.
    pub fn new(shared: Shared) -> Gateway {
        Gateway {
            inner: Arc::new(shared),
        }
    }
}

impl Deref for Gateway {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.inner
    }
}
