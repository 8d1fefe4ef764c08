//! `[[webhooks]]` (where the gateway delivers events, signed) and `[[robots]]` (WeCom group robots
//! the gateway can post to). Both are outbound destinations, hence one file.

use serde::Deserialize;

use crate::secret::Secret;

/// One `[[webhooks]]` entry: an HTTP endpoint that receives events from the outbox.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// Optional name, used in logs and the admin API.
    #[serde(default)]
    pub name: Option<String>,
    /// Where to POST events.
    pub url: String,
    /// HMAC key for the delivery signature (at least 16 characters).
    pub secret: Secret,
    /// Event filter: glob prefixes such as `wecom.*` or `wechat.message.*`. Empty = every event.
    #[serde(default)]
    pub events: Vec<String>,
    /// Per-delivery timeout in milliseconds. Default [`DEFAULT_WEBHOOK_TIMEOUT_MS`].
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Attempts before a delivery becomes a dead letter. Default [`DEFAULT_WEBHOOK_MAX_ATTEMPTS`].
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// First retry delay in milliseconds; later delays grow from it (see `docs/webhooks.md`).
    /// Default [`DEFAULT_WEBHOOK_RETRY_BASE_MS`].
    #[serde(default = "default_retry_base")]
    pub retry_base_ms: u64,
}

/// Default `max_attempts`: 12 attempts span about a day and a half with the default backoff.
pub const DEFAULT_WEBHOOK_MAX_ATTEMPTS: u32 = 12;

/// Default `retry_base_ms`: the first retry comes 5 s after the first failure.
pub const DEFAULT_WEBHOOK_RETRY_BASE_MS: u64 = 5000;

fn default_max_attempts() -> u32 {
    DEFAULT_WEBHOOK_MAX_ATTEMPTS
}

fn default_retry_base() -> u64 {
    DEFAULT_WEBHOOK_RETRY_BASE_MS
}

/// Default `timeout_ms` of a webhook delivery.
pub const DEFAULT_WEBHOOK_TIMEOUT_MS: u64 = 5000;

fn default_timeout() -> u64 {
    DEFAULT_WEBHOOK_TIMEOUT_MS
}

impl Webhook {
    /// Whether an event type such as `wecom.change_contact.create_user` passes the `events` filter.
    pub fn wants(&self, event_type: &str) -> bool {
        self.events.is_empty()
            || self
                .events
                .iter()
                .any(|pattern| match pattern.strip_suffix('*') {
                    Some(prefix) => event_type.starts_with(prefix),
                    None => event_type == pattern,
                })
    }
}

/// One `[[robots]]` entry: a WeCom group robot (群机器人) webhook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Robot {
    /// Name used by the API (`/api/v1/robots/{name}`).
    pub name: String,
    /// The `key=` value of the robot's webhook URL.
    pub key: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(events: &[&str]) -> Webhook {
        Webhook {
            name: None,
            url: "http://127.0.0.1:3000/events".into(),
            secret: Secret::new("0123456789abcdef"),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            timeout_ms: DEFAULT_WEBHOOK_TIMEOUT_MS,
            max_attempts: DEFAULT_WEBHOOK_MAX_ATTEMPTS,
            retry_base_ms: DEFAULT_WEBHOOK_RETRY_BASE_MS,
        }
    }

    #[test]
    fn delivery_settings_default_and_validate() {
        let config = crate::Config::from_toml_str(
            "[[webhooks]]\nurl = \"http://127.0.0.1:3000/e\"\nsecret = \"0123456789abcdef\"\n",
            |_| None,
        )
        .unwrap();
        assert_eq!(config.webhooks[0].max_attempts, 12);
        assert_eq!(config.webhooks[0].retry_base_ms, 5000);
        assert_eq!(config.server.event_retention_days, 7);
        let err = crate::Config::from_toml_str(
            "[server]\nevent_retention_days = 0\n[[webhooks]]\nurl = \"http://127.0.0.1:3000/e\"\nsecret = \"0123456789abcdef\"\nmax_attempts = 0\nretry_base_ms = 0\n",
            |_| None,
        )
        .unwrap_err()
        .to_string();
        for key in ["event_retention_days", "max_attempts", "retry_base_ms"] {
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn event_filter() {
        assert!(hook(&[]).wants("wechat.message.text"));
        let h = hook(&["wecom.*", "wechat.message.text"]);
        assert!(h.wants("wecom.change_contact.create_user"));
        assert!(h.wants("wechat.message.text"));
        assert!(!h.wants("wechat.message.image"));
        assert!(!h.wants("wecomx"));
    }
}
