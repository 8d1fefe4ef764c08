//! `[contacts]`: the WeCom directory sync — how often every directory gets a full sync, how many
//! upstream calls one sync makes at once, whether the corps that authorised a suite are synced,
//! and the prefix under which departments become roles.

use serde::Deserialize;

/// The `[contacts]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// Minutes between scheduled full syncs of each directory (counted from its last full sync,
    /// or from the gateway's start for a directory never synced); 0 turns scheduled syncs off.
    /// Default [`DEFAULT_SYNC_INTERVAL_MINUTES`] (a day).
    #[serde(default = "default_sync_interval_minutes")]
    pub sync_interval_minutes: u64,
    /// The prefix of the role each department maps to (`dept:…`). Default
    /// [`DEFAULT_ROLE_PREFIX`].
    #[serde(default = "default_role_prefix")]
    pub role_prefix: String,
    /// Upstream calls one full sync keeps in flight at once (1–32). Default
    /// [`DEFAULT_CONCURRENCY`].
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Whether every active corp that authorised a `[[suites]]` suite is synced on the schedule
    /// too (directory `suite-name:corp_id`). Default `true`.
    #[serde(default = "default_sync_suite_corps")]
    pub sync_suite_corps: bool,
    /// Seconds a sync pauses after the platform answers 45009 (rate limit reached) before it
    /// calls again; the platform blocks for 60 s after a minute limit. Default
    /// [`DEFAULT_RATE_LIMITED_PAUSE_SECS`].
    #[serde(default = "default_rate_limited_pause_secs")]
    pub rate_limited_pause_secs: u64,
}

/// Default `sync_interval_minutes`: once a day.
pub const DEFAULT_SYNC_INTERVAL_MINUTES: u64 = 1440;
/// Default `role_prefix`.
pub const DEFAULT_ROLE_PREFIX: &str = "dept:";
/// Default `concurrency`.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Default `rate_limited_pause_secs`: the platform's block after a minute limit (NOTES §3.6).
pub const DEFAULT_RATE_LIMITED_PAUSE_SECS: u64 = 60;
/// The largest `concurrency` accepted.
pub const MAX_CONCURRENCY: usize = 32;

fn default_sync_interval_minutes() -> u64 {
    DEFAULT_SYNC_INTERVAL_MINUTES
}

fn default_role_prefix() -> String {
    DEFAULT_ROLE_PREFIX.to_owned()
}

fn default_concurrency() -> usize {
    DEFAULT_CONCURRENCY
}

fn default_sync_suite_corps() -> bool {
    true
}

fn default_rate_limited_pause_secs() -> u64 {
    DEFAULT_RATE_LIMITED_PAUSE_SECS
}

impl Default for Contacts {
    fn default() -> Self {
        Contacts {
            sync_interval_minutes: DEFAULT_SYNC_INTERVAL_MINUTES,
            role_prefix: default_role_prefix(),
            concurrency: DEFAULT_CONCURRENCY,
            sync_suite_corps: true,
            rate_limited_pause_secs: DEFAULT_RATE_LIMITED_PAUSE_SECS,
        }
    }
}
