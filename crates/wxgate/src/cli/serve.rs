//! `wxgate serve`, `wxgate migrate` and `wxgate check-config`: running the gateway for a
//! configuration file, preparing its database, and validating the file with every problem listed.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use wxgate_config::Config;
use wxgate_gateway::GatewayOptions;
use wxgate_store::{SecretBox, Store};

/// The environment variable holding the master key that seals secrets at rest.
pub const MASTER_KEY_ENV: &str = "WXGATE_MASTER_KEY";

/// The configuration file argument shared by the gateway's subcommands.
#[derive(Args)]
pub struct ConfigArg {
    /// The configuration file.
    #[arg(long, short, default_value = "wxgate.toml", env = "WXGATE_CONFIG")]
    pub config: PathBuf,
}

impl ConfigArg {
    /// Loads and validates the file, naming it in errors.
    pub fn load(&self) -> anyhow::Result<Config> {
        Config::load(&self.config).with_context(|| format!("{}", self.config.display()))
    }
}

/// Arguments of `wxgate serve`.
#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Listen address (default: `[server] listen`).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
}

/// The master key from the environment, with instructions when it is missing.
pub fn master_key() -> anyhow::Result<SecretBox> {
    let value = std::env::var(MASTER_KEY_ENV).map_err(|_| {
        anyhow::anyhow!(
            "{MASTER_KEY_ENV} is not set: it seals secrets (permanent codes, tokens) in the \
             database. Generate one with `openssl rand -base64 32`, keep it safe, and set the \
             same value on every instance"
        )
    })?;
    SecretBox::from_base64(value.trim()).with_context(|| {
        format!(
            "{MASTER_KEY_ENV} must be the base64 of 32 random bytes (`openssl rand -base64 32`)"
        )
    })
}

/// Runs the gateway until Ctrl-C.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config.load()?;
    let handle = wxgate_gateway::start(
        config,
        GatewayOptions {
            secrets: master_key()?,
            listen: args.listen,
        },
    )
    .await?;
    eprintln!("wxgate: serving on {}", handle.base_url);
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    eprintln!("wxgate: shutting down");
    handle.shutdown().await.context("shutting down")?;
    Ok(())
}

/// Creates or upgrades the database schema.
pub async fn migrate(args: ConfigArg) -> anyhow::Result<()> {
    let config = args.load()?;
    let store = Store::connect(&config.storage.url, master_key()?).await?;
    store.migrate().await?;
    eprintln!(
        "wxgate: database {} is up to date",
        config.storage.redacted_url()
    );
    Ok(())
}

/// Validates the configuration file and lists what it configures.
pub fn check_config(args: ConfigArg) -> anyhow::Result<()> {
    let config = args.load()?;
    let registry = wxgate_gateway::registry::Registry::from_config(&config)?;
    println!("{}: OK", args.config.display());
    for app in config.apps() {
        let callback = match registry.get(app.name()).and_then(|e| e.callback.clone()) {
            Some(_) => format!("{}/callback/{}", config.server.base_url(), app.name()),
            None => "(no callback configured)".to_owned(),
        };
        println!("  {:<20} {:<18} {callback}", app.name(), app.kind());
    }
    Ok(())
}
