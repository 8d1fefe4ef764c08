//! `wxgate`: the command-line entry point.

use clap::Parser;

/// The out-of-the-box integration gateway for WeChat and WeCom.
#[derive(Parser)]
#[command(name = "wxgate", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
