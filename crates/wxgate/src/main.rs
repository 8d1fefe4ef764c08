//! `wxgate`: the command-line entry point. Each subcommand lives in its own module under
//! [`cli`]; this file only parses arguments and dispatches.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's malloc: on the callback path, buffers allocated on the tokio
/// worker are freed on SQLite's worker thread and the other way round, which glibc's arenas
/// handle slowly (about a tenth of the server's CPU per callback; docs/benchmarks.md,
/// "Gateway callbacks").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The out-of-the-box integration gateway for WeChat and WeCom.
#[derive(Parser)]
#[command(name = "wxgate", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The one-command tour: simulator + gateway (SQLite in .wxgate/) + a webhook sink that
    /// prints every event, with a demo configuration covering every kind of app.
    Dev(cli::dev::DevArgs),
    /// Troubleshoot callback crypto and signatures: says exactly which step fails and why.
    #[command(subcommand)]
    Crypto(cli::crypto::CryptoCommand),
    /// Run the offline WeChat + WeCom platform simulator for a configuration file.
    Sim(cli::sim::SimArgs),
    /// Run the gateway for a configuration file.
    Serve(cli::serve::ServeArgs),
    /// Create or upgrade the database schema.
    Migrate(cli::serve::ConfigArg),
    /// Validate a configuration file, listing every problem, and show the callback URLs.
    CheckConfig(cli::serve::ConfigArg),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Crypto(command) => cli::crypto::run(command),
        Command::Sim(args) => run_async(cli::sim::run(args)),
        Command::Dev(args) => run_async(cli::dev::run(args)),
        Command::Serve(args) => run_async(cli::serve::serve(args)),
        Command::Migrate(args) => run_async(cli::serve::migrate(args)),
        Command::CheckConfig(args) => match cli::serve::check_config(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("wxgate: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Structured logs on stderr: `RUST_LOG` filters (default `info`), `WXGATE_LOG_FORMAT=json`
/// switches to one JSON object per line. Secrets never reach a log: every secret-bearing type
/// redacts itself and no URL with a token in its query is logged.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("WXGATE_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Runs an async subcommand on a multi-threaded runtime; errors print with their causes.
fn run_async(future: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("wxgate: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(future) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wxgate: {e:#}");
            ExitCode::FAILURE
        }
    }
}
