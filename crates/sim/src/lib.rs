//! # wxgate-sim
//!
//! The platforms' side of WeChat and WeCom, played offline: wxgate is developed and tested against it.
//! It shares `wxgate-protocol` with the gateway but none of the gateway's code, so that the two cannot
//! agree with each other and both be wrong.

pub mod directory;
