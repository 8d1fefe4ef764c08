//! The subcommands of the `wxgate` binary, one module each.

pub mod crypto;
pub mod serve;
pub mod sim;
