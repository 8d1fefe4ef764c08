//! The subcommands of the `wxgate` binary, one module each.

pub mod crypto;
pub mod dev;
pub mod serve;
pub mod sim;
