//! # wxgate-sim
//!
//! The platforms' side of WeChat and WeCom, played offline: wxgate is developed and tested against it.
//! It shares `wxgate-protocol` with the gateway but none of the gateway's code, so that the two cannot
//! agree with each other and both be wrong.
//!
//! Start it with [`start`] (or mount [`router`]); see `docs/simulator.md`.

pub mod api_context;
pub mod api_error;
pub mod api_layer;
pub mod callback_ip;
pub mod clock;
pub mod contacts;
pub mod control;
pub mod directories;
pub mod directory;
pub mod faults;
pub mod from_config;
pub mod identity;
pub mod media;
pub mod messaging;
pub mod push;
pub mod rate_limit;
pub mod server;
pub mod state;
pub mod stats;
pub mod suite;
pub mod tokens;
pub mod wechat;
pub mod wecom;
pub mod world;

pub use api_error::ApiError;
pub use server::{SimHandle, router, start};
pub use state::{SimOptions, SimState};
pub use world::World;
