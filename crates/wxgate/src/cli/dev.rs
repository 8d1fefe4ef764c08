//! `wxgate dev`: the one-command tour. It runs, in one process, the WeChat + WeCom simulator,
//! the gateway on SQLite in a local data folder, and a webhook sink that pretty-prints every
//! event the gateway forwards, with a demo configuration covering every kind of app. It prints
//! the configuration's location and what to try next.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use clap::Args;
use wxgate_config::Config;
use wxgate_gateway::GatewayOptions;
use wxgate_sim::{SimOptions, World};
use wxgate_store::SecretBox;

/// Arguments of `wxgate dev`.
#[derive(Args)]
pub struct DevArgs {
    /// Folder for the database, the master key and the generated configuration.
    #[arg(long, default_value = ".wxgate")]
    data_dir: PathBuf,
    /// Use this configuration instead of the generated demo one.
    #[arg(long, short)]
    config: Option<PathBuf>,
}

/// The demo configuration: the example file, with storage in the data folder.
fn demo_config(data_dir: &Path) -> String {
    let db = data_dir.join("wxgate.db");
    wxgate_config::EXAMPLE.replace("sqlite://wxgate.db", &format!("sqlite://{}", db.display()))
}

/// The master key sealing secrets at rest: `WXGATE_MASTER_KEY`, else one generated once and
/// kept in the data folder (readable by the owner only).
fn dev_master_key(data_dir: &Path) -> anyhow::Result<SecretBox> {
    if std::env::var(super::serve::MASTER_KEY_ENV).is_ok() {
        return super::serve::master_key();
    }
    let path = data_dir.join("master.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return SecretBox::from_base64(text.trim())
            .with_context(|| format!("{} is not a valid master key", path.display()));
    }
    let (secrets, encoded) = SecretBox::generate();
    std::fs::write(&path, format!("{encoded}\n"))
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("restricting {}", path.display()))?;
    }
    Ok(secrets)
}

/// Runs the simulator, the gateway and the sink until Ctrl-C.
pub async fn run(args: DevArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let config_path = match &args.config {
        Some(path) => path.clone(),
        None => {
            let path = args.data_dir.join("wxgate.toml");
            if !path.exists() {
                std::fs::write(&path, demo_config(&args.data_dir))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            path
        }
    };
    let config =
        Config::load(&config_path).with_context(|| format!("loading {}", config_path.display()))?;

    let sim_addr: SocketAddr = config
        .sim
        .listen
        .parse()
        .with_context(|| format!("[sim] listen `{}`", config.sim.listen))?;
    let sim = wxgate_sim::start(
        World::from_config(&config),
        SimOptions::from_config(&config),
        sim_addr,
    )
    .await
    .with_context(|| format!("starting the simulator on {sim_addr} (is the port free?)"))?;

    let mut sinks = Vec::new();
    for webhook in &config.webhooks {
        if let Some(addr) = local_sink_addr(&webhook.url) {
            let path = url_path(&webhook.url);
            let secret = webhook.secret.expose().to_owned();
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
                format!("starting the webhook sink on {addr} (is the port free?)")
            })?;
            let app = Router::new().route(
                &path,
                post(move |headers: HeaderMap, body: Bytes| {
                    let secret = secret.clone();
                    async move { print_event(&secret, headers, body) }
                }),
            );
            sinks.push(tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            }));
        }
    }

    let gateway = wxgate_gateway::start(
        config.clone(),
        GatewayOptions {
            secrets: dev_master_key(&args.data_dir)?,
            listen: None,
        },
    )
    .await
    .context("starting the gateway")?;

    // One initial full sync of the demo corp, so the directory lookups have data at once.
    if let Some(corp) = config.wecom.first() {
        match wxgate_gateway::contacts::sync::start(&gateway.gateway, &corp.name).await {
            Ok((job, _)) => eprintln!(
                "wxgate dev: syncing the `{}` directory (job {}; progress: GET {}/api/v1/sync/{}/events)",
                corp.name, job.id, gateway.base_url, job.id
            ),
            Err(e) => eprintln!(
                "wxgate dev: no initial directory sync of `{}`: {e}",
                corp.name
            ),
        }
    }

    let member = config
        .wecom
        .first()
        .and_then(|corp| sim.state.directories.get(&corp.corp_id))
        .and_then(|dir| {
            let dir = dir.read().ok()?;
            dir.members()
                .find(|m| m.status == 1)
                .map(|m| m.userid.clone())
        })
        .unwrap_or_else(|| "zhangsan".into());
    print_tour(
        &config,
        &config_path,
        &gateway.base_url,
        &sim.base_url,
        &member,
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    eprintln!("wxgate dev: shutting down");
    gateway.shutdown().await.ok();
    sim.shutdown().await.ok();
    for sink in sinks {
        sink.abort();
    }
    Ok(())
}

/// The socket of a webhook URL on this machine (`http://127.0.0.1:3000/…`), if it is one.
fn local_sink_addr(url: &str) -> Option<SocketAddr> {
    let rest = url.strip_prefix("http://")?;
    let authority = rest.split('/').next()?;
    let addr: SocketAddr = authority.replace("localhost", "127.0.0.1").parse().ok()?;
    addr.ip().is_loopback().then_some(addr)
}

fn url_path(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or_default();
    match rest.find('/') {
        Some(i) => rest[i..].to_owned(),
        None => "/".to_owned(),
    }
}

/// The sink: verifies the `Wxgate-Signature` as a business backend must, then prints each
/// event, pretty, with its type and id.
fn print_event(secret: &str, headers: HeaderMap, body: Bytes) -> &'static str {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?")
            .to_owned()
    };
    let pretty = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let signature = match wxgate_gateway::webhook_signature::verify(
        secret.as_bytes(),
        &header(wxgate_gateway::webhook_signature::SIGNATURE_HEADER),
        &body,
        now,
        300,
    ) {
        Ok(()) => "signature ok".to_owned(),
        Err(e) => format!("SIGNATURE INVALID: {e}"),
    };
    println!(
        "── webhook event {} ({}), attempt {}, {signature} ──\n{pretty}",
        header("wxgate-event-type"),
        header("wxgate-event-id"),
        header("wxgate-delivery-attempt"),
    );
    "ok"
}

fn print_tour(config: &Config, config_path: &Path, gateway: &str, sim: &str, member: &str) {
    let admin = config
        .server
        .admin_keys
        .first()
        .map(|k| k.expose().to_owned())
        .unwrap_or_default();
    let app = config
        .wecom
        .first()
        .and_then(|c| c.apps.first())
        .map(|a| a.name.clone())
        .unwrap_or_else(|| "acme-oa".into());
    eprintln!(
        "\nwxgate dev is running.\n\
         \n  gateway    {gateway}\
         \n  simulator  {sim}   (WeCom + WeChat APIs, login pages, control API under /sim)\
         \n  config     {}   (copy it to start your own)\
         \n  webhooks   printed below as they arrive\
         \n\nTry next:\
         \n  # a member of the simulated corp sends a message to the app; the event prints here\
         \n  curl -s -XPOST {sim}/sim/events/wecom/message -H 'content-type: application/json' \\\
         \n       -d '{{\"app\":\"{app}\",\"from\":\"{member}\",\"msgtype\":\"text\",\"content\":\"你好\"}}'\
         \n  # an access token from the central token service (any language can call this)\
         \n  curl -s -H 'Authorization: Bearer {admin}' {gateway}/api/v1/apps/{app}/token\
         \n  # log in as a member: open this in a browser, pick someone on the simulated WeCom page\
         \n  {gateway}/login?provider=wecom\
         \n  # what the simulator saw\
         \n  curl -s {sim}/sim/stats\
         \n  # configured apps and their callback URLs\
         \n  wxgate check-config -c {}\n",
        config_path.display(),
        config_path.display(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_configuration_loads_and_keeps_its_data_in_the_folder() {
        let text = demo_config(Path::new("/tmp/wxgate-dev-test"));
        let config = Config::from_toml_str(&text, |_| None).expect("demo config is valid");
        assert_eq!(
            config.storage.url,
            "sqlite:///tmp/wxgate-dev-test/wxgate.db"
        );
        assert!(
            config
                .webhooks
                .iter()
                .any(|w| local_sink_addr(&w.url).is_some())
        );
    }

    #[test]
    fn only_loopback_http_urls_get_a_sink() {
        assert_eq!(
            local_sink_addr("http://127.0.0.1:3000/events"),
            Some("127.0.0.1:3000".parse().unwrap())
        );
        assert_eq!(
            local_sink_addr("http://localhost:3000"),
            Some("127.0.0.1:3000".parse().unwrap())
        );
        assert_eq!(local_sink_addr("https://api.example.com/events"), None);
        assert_eq!(url_path("http://127.0.0.1:3000/events"), "/events");
        assert_eq!(url_path("http://127.0.0.1:3000"), "/");
    }
}
