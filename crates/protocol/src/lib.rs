//! # wxgate-protocol
//!
//! The pure protocol layer of wxgate: everything WeChat and WeCom define on the wire, with no I/O
//! and no async, so it can be used as a plain library and tested byte for byte against Tencent's
//! own samples.

pub mod message;
pub mod reply;
pub mod xml;
