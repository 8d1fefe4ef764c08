//! `wxgate sim`: runs the WeChat + WeCom platform simulator for the corps, apps, suites and
//! accounts of a configuration file, so the gateway (or any other client) can be developed and
//! tested offline. See `docs/simulator.md`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use wxgate_config::Config;
use wxgate_sim::directory::GenerateOptions;
use wxgate_sim::world::DirectorySource;
use wxgate_sim::{SimOptions, World};

/// Arguments of `wxgate sim`.
#[derive(Args)]
pub struct SimArgs {
    /// The configuration file (the same one the gateway reads).
    #[arg(long, short, default_value = "wxgate.toml")]
    config: PathBuf,
    /// Address to listen on (default: `[sim] listen`).
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Generate directories with this many members (overrides `[[sim.corps]]`).
    #[arg(long)]
    members: Option<usize>,
    /// Generate directories with this many departments.
    #[arg(long)]
    departments: Option<usize>,
    /// Seed of the generated directories.
    #[arg(long)]
    seed: Option<u64>,
    /// Apply --members/--departments/--seed only to this corp (a `[[wecom]]` name).
    #[arg(long)]
    corp: Option<String>,
}

/// Runs the simulator until Ctrl-C.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let config =
        Config::load(&args.config).with_context(|| format!("loading {}", args.config.display()))?;
    let mut world = World::from_config(&config);
    if args.members.is_some() || args.departments.is_some() || args.seed.is_some() {
        for corp in &mut world.corps {
            if args.corp.as_ref().is_some_and(|name| name != &corp.name) {
                continue;
            }
            let mut options = match &corp.directory {
                DirectorySource::Generate(options) => options.clone(),
                DirectorySource::File(_) => GenerateOptions::default(),
            };
            options.members = args.members.unwrap_or(options.members);
            options.departments = args.departments.unwrap_or(options.departments);
            options.seed = args.seed.unwrap_or(options.seed);
            corp.directory = DirectorySource::Generate(options);
        }
    }
    let listen: SocketAddr =
        match args.listen {
            Some(addr) => addr,
            None => config.sim.listen.parse().with_context(|| {
                format!("[sim] listen `{}` is not host:port", config.sim.listen)
            })?,
        };
    let started = std::time::Instant::now();
    let handle = wxgate_sim::start(world, SimOptions::from_config(&config), listen)
        .await
        .context("starting the simulator")?;
    let members: usize = handle
        .state
        .directories
        .corp_ids()
        .iter()
        .filter_map(|id| handle.state.directories.get(id))
        .map(|d| d.read().map(|d| d.members().count()).unwrap_or(0))
        .sum();
    eprintln!(
        "wxgate sim: WeCom + WeChat platforms at {} ({} corps, {members} members, ready in {:.1?})",
        handle.base_url,
        handle.state.directories.corp_ids().len(),
        started.elapsed()
    );
    eprintln!(
        "  point [upstream] wecom and wechat at {0}; control API at {0}/sim/",
        handle.base_url
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    handle.shutdown().await.context("shutting down")?;
    Ok(())
}
