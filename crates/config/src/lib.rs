//! # wxgate-config
//!
//! The one configuration file that both `wxgate serve` and `wxgate sim` read.
