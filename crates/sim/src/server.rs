//! Assembles the simulator's HTTP server: the WeCom and WeChat API groups (each wrapped in the API
//! layer), the paths both platforms serve, the `/sim` control API and the answer for unknown paths,
//! and runs it on a socket with graceful shutdown.
//!
//! A new feature area adds its module's `routes()` to `wecom_routes`, `wechat_routes` or
//! `shared_routes` (paths both platforms serve, e.g. `/cgi-bin/media/upload`; the handler sees
//! the platform of the presented token in `ApiCtx::platform`), and browser pages are merged in
//! [`router`] next to the control API.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api_context::{Platform, PlatformChoice};
use crate::api_layer::{api_group, unknown_path};
use crate::identity;
use crate::state::{SimOptions, SimState};
use crate::world::World;
use crate::{callback_ip, control, wechat, wecom};
use crate::{contacts, media, messaging};

/// Routes only WeCom serves.
fn wecom_routes() -> Router<SimState> {
    wecom::routes()
        .merge(identity::wecom_routes())
        .merge(crate::suite::routes())
        .merge(contacts::routes())
        .merge(messaging::wecom_routes())
}

/// Routes only WeChat serves.
fn wechat_routes() -> Router<SimState> {
    wechat::routes()
        .merge(identity::wechat_routes())
        .merge(messaging::wechat_routes())
}

/// Paths both platforms serve; the answer style follows the presented token.
fn shared_routes() -> Router<SimState> {
    callback_ip::routes().merge(media::routes())
}

/// The whole simulator as an axum router (for in-process use, e.g. with `tower::ServiceExt`).
pub fn router(state: SimState) -> Router {
    Router::new()
        .merge(api_group(
            state.clone(),
            PlatformChoice::Fixed(Platform::WeCom),
            wecom_routes(),
        ))
        .merge(api_group(
            state.clone(),
            PlatformChoice::Fixed(Platform::WeChat),
            wechat_routes(),
        ))
        .merge(api_group(
            state.clone(),
            PlatformChoice::ByToken,
            shared_routes(),
        ))
        .nest("/sim", control::routes())
        .nest("/sim", identity::control_routes())
        .merge(identity::page_routes())
        .nest("/sim", crate::push::control_routes())
        .merge(Router::new().nest("/sim", crate::suite::control_routes()))
        .merge(crate::suite::pages())
        .nest("/sim", contacts::control_routes())
        .nest("/sim", media::control_routes())
        .nest("/sim", messaging::control_routes())
        .fallback(unknown_path)
        .with_state(state)
}

/// A running simulator. Dropping it shuts the server down too; [`SimHandle::shutdown`] waits
/// for in-flight requests to finish.
#[derive(Debug)]
pub struct SimHandle {
    /// `http://127.0.0.1:PORT` — the base URL for both platforms' APIs and the control API.
    pub base_url: String,
    /// The address actually bound (useful after binding port 0).
    pub local_addr: SocketAddr,
    /// The simulator's state (clock, tokens, faults, stats…) for direct inspection in tests.
    pub state: SimState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl SimHandle {
    /// Stops accepting connections, lets in-flight requests finish and waits for the server.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the simulator for `world` on `listen` (`127.0.0.1:0` picks a free port).
pub async fn start(
    world: World,
    options: SimOptions,
    listen: SocketAddr,
) -> std::io::Result<SimHandle> {
    let state = SimState::try_new(world, options)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind(listen).await?;
    let local_addr = listener.local_addr()?;
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    crate::suite::spawn_ticket_timer(&state);
    let (stop, stopped) = oneshot::channel::<()>();
    if state.options.deliver_callbacks {
        crate::push::spawn_worker(state.clone());
    }
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    let host = match local_addr.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    tracing::info!(%local_addr, "wxgate simulator listening");
    Ok(SimHandle {
        base_url: format!("http://{host}:{}", local_addr.port()),
        local_addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}
