//! `[accounts]`: the account system's settings — how long a browser session lasts and the
//! open platform of apps that name none.

use serde::Deserialize;

/// The `[accounts]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    /// How long a browser session (the `wxgate_session` cookie) lasts, in hours. Default
    /// [`DEFAULT_SESSION_TTL_HOURS`].
    #[serde(default = "default_session_ttl_hours")]
    pub session_ttl_hours: u64,
    /// The scope of `wechat_unionid` identities from apps without an `open_platform` label. A
    /// unionid is only comparable within one WeChat open platform account (开放平台), so apps
    /// with the same label (or none) share unionids. Default `wechat`.
    #[serde(default = "default_default_open_platform")]
    pub default_open_platform: String,
}

/// Default `session_ttl_hours`: one week.
pub const DEFAULT_SESSION_TTL_HOURS: u64 = 168;

fn default_session_ttl_hours() -> u64 {
    DEFAULT_SESSION_TTL_HOURS
}

fn default_default_open_platform() -> String {
    "wechat".to_owned()
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts {
            session_ttl_hours: DEFAULT_SESSION_TTL_HOURS,
            default_open_platform: default_default_open_platform(),
        }
    }
}
