//! `[server]`: where the gateway listens, how the outside world reaches it, and the limits it applies
//! to every callback.

use serde::Deserialize;

use crate::secret::Secret;

/// The `[server]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// Socket address to bind, e.g. `127.0.0.1:8080` (default) or `0.0.0.0:8080`.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// The externally visible base URL (used to build callback and OAuth redirect URLs).
    /// When absent, [`Server::base_url`] derives `http://{listen}`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Bearer keys accepted by the admin API. Empty disables the admin API.
    #[serde(default)]
    pub admin_keys: Vec<Secret>,
    /// How far (seconds, either direction) a callback's `timestamp` may be from our clock.
    /// Default [`DEFAULT_CALLBACK_TIMESTAMP_WINDOW_SECS`].
    #[serde(default = "default_window")]
    pub callback_timestamp_window_secs: u64,
    /// Largest accepted request body in bytes. Default 1 MiB.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// How long (ms) a callback may wait for a business backend's passive reply; 0 (default)
    /// turns passive replies off. Capped at 4000 ms so the platforms' 5 s deadline holds.
    #[serde(default)]
    pub passive_reply_timeout_ms: u64,
    /// Days accepted events are kept (and de-duplicated) after they were received. Default
    /// [`DEFAULT_EVENT_RETENTION_DAYS`].
    #[serde(default = "default_retention")]
    pub event_retention_days: u32,
    /// Requests per minute one client address may make to the public JSSDK signature endpoints.
    /// Default [`DEFAULT_JSSDK_REQUESTS_PER_MINUTE`].
    #[serde(default = "default_jssdk_rate")]
    pub jssdk_requests_per_minute: u32,
    /// Addresses of reverse proxies in front of the gateway: for requests from them, the client
    /// address is taken from `X-Forwarded-For`. Empty = the peer address is the client.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

/// Default `jssdk_requests_per_minute`: a page signs once per load (twice inside WeCom).
pub const DEFAULT_JSSDK_REQUESTS_PER_MINUTE: u32 = 60;

fn default_jssdk_rate() -> u32 {
    DEFAULT_JSSDK_REQUESTS_PER_MINUTE
}

/// Default `event_retention_days`: one week.
pub const DEFAULT_EVENT_RETENTION_DAYS: u32 = 7;

fn default_retention() -> u32 {
    DEFAULT_EVENT_RETENTION_DAYS
}

/// Default `callback_timestamp_window_secs`: 10 minutes.
///
/// The platforms retry an unanswered callback (WeChat: 3 attempts, 5 s apart); a retry may carry
/// the original signed timestamp, and hosts drift. Replays inside the window are harmless because
/// callbacks are de-duplicated; the de-dup store must keep keys at least this long.
pub const DEFAULT_CALLBACK_TIMESTAMP_WINDOW_SECS: u64 = 600;

/// Default `max_body_bytes`: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

fn default_listen() -> String {
    "127.0.0.1:8080".to_owned()
}
fn default_window() -> u64 {
    DEFAULT_CALLBACK_TIMESTAMP_WINDOW_SECS
}
fn default_max_body() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

impl Server {
    /// The configured `public_url` without a trailing `/`, or `http://{listen}`.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }
}

impl Default for Server {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            public_url: None,
            admin_keys: Vec::new(),
            callback_timestamp_window_secs: default_window(),
            max_body_bytes: default_max_body(),
            passive_reply_timeout_ms: 0,
            event_retention_days: default_retention(),
            jssdk_requests_per_minute: default_jssdk_rate(),
            trusted_proxies: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_trims_the_slash_or_derives_from_listen() {
        let mut s = Server::default();
        assert_eq!(s.base_url(), "http://127.0.0.1:8080");
        s.public_url = Some("https://wx.acme.example/".into());
        assert_eq!(s.base_url(), "https://wx.acme.example");
    }
}
