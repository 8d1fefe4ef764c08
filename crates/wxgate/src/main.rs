//! `wxgate`: the command-line entry point. Each subcommand lives in its own module under
//! [`cli`]; this file only parses arguments and dispatches.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The out-of-the-box integration gateway for WeChat and WeCom.
#[derive(Parser)]
#[command(name = "wxgate", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Troubleshoot callback crypto and signatures: says exactly which step fails and why.
    #[command(subcommand)]
    Crypto(cli::crypto::CryptoCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Crypto(command) => cli::crypto::run(command),
    }
}
