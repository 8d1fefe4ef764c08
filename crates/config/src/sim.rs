//! `[sim]`: how `wxgate sim` plays the platforms — clock, token lifetimes, rate limits, and the
//! platform-side facts about configured corps and apps (directory size, privacy rules, visible
//! range) that a real deployment would get from Tencent. The gateway ignores this section.

use std::path::PathBuf;

use serde::Deserialize;

/// The `[sim]` section; every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sim {
    /// Address the simulator binds. Default `127.0.0.1:9080`.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Lifetime of issued access tokens, seconds. Default 7200.
    #[serde(default = "default_token_ttl")]
    pub token_ttl_secs: u64,
    /// How often a suite_ticket is pushed, seconds. Default 600.
    #[serde(default = "default_ticket_interval")]
    pub suite_ticket_interval_secs: u64,
    /// Simulated time speed; `> 1` makes it pass faster. Default 1.0.
    #[serde(default = "one")]
    pub clock_speed: f64,
    /// Scales the documented rate limits; `0` turns them off. Default 1.0.
    #[serde(default = "one")]
    pub rate_limit_factor: f64,
    /// `[[sim.corps]]`: the simulated directory of configured corps.
    #[serde(default)]
    pub corps: Vec<SimCorp>,
    /// `[[sim.apps]]`: platform-side properties of configured apps.
    #[serde(default)]
    pub apps: Vec<SimApp>,
}

fn default_listen() -> String {
    "127.0.0.1:9080".to_owned()
}
fn default_token_ttl() -> u64 {
    7200
}
fn default_ticket_interval() -> u64 {
    600
}
fn one() -> f64 {
    1.0
}

impl Default for Sim {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            token_ttl_secs: default_token_ttl(),
            suite_ticket_interval_secs: default_ticket_interval(),
            clock_speed: one(),
            rate_limit_factor: one(),
            corps: Vec::new(),
            apps: Vec::new(),
        }
    }
}

/// One `[[sim.corps]]` entry: the directory the simulator generates (or loads) for a corp.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimCorp {
    /// The `name` of a `[[wecom]]` corp.
    pub corp: String,
    /// Number of generated members. Default 200.
    #[serde(default = "default_members")]
    pub members: u32,
    /// Number of generated departments, including the root (id 1). Default 20.
    #[serde(default = "default_departments")]
    pub departments: u32,
    /// Random seed, so the same file always yields the same directory. Default 42.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Seed the directory from this JSON file instead of generating it.
    #[serde(default)]
    pub directory_file: Option<PathBuf>,
}

fn default_members() -> u32 {
    200
}
fn default_departments() -> u32 {
    20
}
fn default_seed() -> u64 {
    42
}

/// One `[[sim.apps]]` entry: what the platform knows about an app.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimApp {
    /// The `name` of any configured app.
    pub app: String,
    /// Created after the 2022-06-20 privacy rules: no mobile/email/avatar/gender in user reads.
    /// Default true (every app created today).
    #[serde(default = "yes")]
    pub created_after_privacy_rules: bool,
    /// The contacts secret is used from a "new IP": only `user/list_id` and `simplelist` work.
    #[serde(default)]
    pub new_ip: bool,
    /// The app's visible departments (allow_party); empty together with `visible_users` = the
    /// whole corp.
    #[serde(default)]
    pub visible_departments: Vec<u32>,
    /// The app's visible members (allow_user).
    #[serde(default)]
    pub visible_users: Vec<String>,
}

fn yes() -> bool {
    true
}
