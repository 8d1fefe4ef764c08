//! Assembles the gateway: connects storage and migrates it, builds the app registry and the
//! upstream client, starts the background tasks, and serves the HTTP surface with graceful
//! shutdown. Each feature area contributes a `routes()` merged in [`router`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use wxgate_client::{Client, ClientConfig};
use wxgate_config::Config;
use wxgate_store::{SecretBox, Store};

use crate::health;
use crate::metrics::Metrics;
use crate::registry::{Registry, RegistryError};
use crate::state::{Gateway, Shared};
use crate::token::{self, TokenOptions, TokenService};

/// How to start a gateway beyond its configuration file.
#[derive(Debug)]
pub struct GatewayOptions {
    /// Seals secrets at rest (from `WXGATE_MASTER_KEY`).
    pub secrets: SecretBox,
    /// Where to listen; `None` uses `[server] listen`.
    pub listen: Option<SocketAddr>,
}

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("storage: {0}")]
    Store(#[from] wxgate_store::StoreError),
    /// An app's callback settings are unusable.
    #[error("{0}")]
    Registry(#[from] RegistryError),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
    /// The listen address is invalid or taken.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The whole HTTP surface as an axum router.
pub fn router(gateway: Gateway) -> Router {
    Router::new()
        .merge(health::routes())
        .merge(crate::admin::routes())
        .merge(token::api::routes())
        .merge(crate::callback::routes())
        .merge(crate::webhook::admin::routes())
        .merge(crate::events::routes())
        .merge(crate::suite::api::routes())
        .merge(crate::jssdk::routes())
        .merge(crate::messages::routes())
        .merge(crate::media::routes())
        .merge(crate::accounts::routes())
        .merge(crate::login::routes(&gateway))
        .merge(crate::oidc::routes())
        .merge(crate::mini_login::routes())
        .merge(crate::contacts::routes())
        .with_state(gateway)
}

/// Builds the gateway's state (storage migrated, registry loaded), without serving.
pub async fn build(
    config: Config,
    secrets: SecretBox,
    shutdown: watch::Receiver<bool>,
) -> Result<Gateway, StartError> {
    let store = Store::connect(&config.storage.url, secrets).await?;
    store.migrate().await?;
    let registry = Arc::new(Registry::from_config(&config)?);
    crate::admin::seed(&store, &config, &registry).await?;
    let metrics = Arc::new(Metrics::default());
    let observer_metrics = metrics.clone();
    let client = Client::with_observer(
        ClientConfig {
            wecom_base: config.upstream.wecom.clone(),
            wechat_base: config.upstream.wechat.clone(),
            ..ClientConfig::default()
        },
        Some(Arc::new(move |api: &'static str, errcode: i64| {
            observer_metrics.upstream_call(api, errcode)
        })),
    )
    .map_err(|e| StartError::Client(e.to_string()))?;
    let tokens = Arc::new(TokenService::new(
        store.clone(),
        client.clone(),
        registry.clone(),
        metrics.clone(),
        TokenOptions::default(),
    ));
    token::refresher::spawn(tokens.clone(), shutdown.clone());
    let outbox_ready = Arc::new(tokio::sync::Notify::new());
    let events_committed = Arc::new(tokio::sync::Notify::new());
    let callbacks = crate::callback::Callbacks::start(
        store.clone(),
        outbox_ready.clone(),
        events_committed.clone(),
    );
    let jssdk_limiter = Arc::new(crate::jssdk::rate_limit::ClientRateLimiter::new(
        config.server.jssdk_requests_per_minute,
        &config.server.trusted_proxies,
    ));
    let login = crate::login::LoginService::new(&config);
    let oidc = crate::oidc::Oidc::new(&config);
    let gateway = Gateway::new(Shared {
        oidc,
        contacts_sync: crate::contacts::sync::SyncService::default(),
        contact_changes: crate::contacts::changes::ChangeConsumers::default(),
        jssdk_limiter,
        login,
        config: Arc::new(config),
        registry,
        store,
        client,
        metrics,
        shutdown: shutdown.clone(),
        outbox_ready,
        events_committed,
        tokens,
        callbacks,
    });
    crate::suite::retry::spawn(gateway.clone(), shutdown);
    Ok(gateway)
}

/// A running gateway.
#[derive(Debug)]
pub struct GatewayHandle {
    /// `http://ADDR` it serves on.
    pub base_url: String,
    /// The bound address.
    pub local_addr: SocketAddr,
    /// Its state, for in-process inspection.
    pub gateway: Gateway,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl GatewayHandle {
    /// Stops accepting, lets in-flight requests and background tasks finish, and returns.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        match self.task.take() {
            Some(task) => task.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for GatewayHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts a gateway for `config` and serves it.
pub async fn start(config: Config, options: GatewayOptions) -> Result<GatewayHandle, StartError> {
    let listen = match options.listen {
        Some(addr) => addr.to_string(),
        None => config.server.listen.clone(),
    };
    let (stop, stopped) = watch::channel(false);
    let gateway = build(config, options.secrets, stopped.clone()).await?;
    crate::admin::spawn_registry_sync(gateway.clone());
    let listener = TcpListener::bind(&listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: listen.clone(),
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: listen.clone(),
        source,
    })?;
    crate::webhook::start_tasks(&gateway);
    crate::oidc::cleanup::spawn(gateway.clone());
    crate::contacts::sync::schedule::spawn(gateway.clone());
    crate::contacts::changes::resume(gateway.clone());
    let app = router(gateway.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let mut stopped_signal = stopped;
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped_signal.wait_for(|stop| *stop).await;
            })
            .await
    });
    tracing::info!(%local_addr, "wxgate gateway listening");
    Ok(GatewayHandle {
        base_url: format!("http://{local_addr}"),
        local_addr,
        gateway,
        stop,
        task: Some(task),
    })
}
