//! Prometheus metrics at `/metrics`: callbacks by kind and outcome, upstream calls by API and
//! errcode, token refreshes, webhook deliveries, the outbox lag and message sends. Handlers and services
//! record through the typed [`Metrics`] handle; nothing else touches the registry.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Labels of a callback: the app kind and the outcome (`accepted`, `duplicate`, `bad_signature`…).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallbackLabels {
    /// App kind (`wecom_app`, `suite`, …).
    pub kind: &'static str,
    /// What happened.
    pub outcome: &'static str,
}

/// Labels of an upstream call: the API name and the errcode (0 = success; −2 transport).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct UpstreamLabels {
    /// API name, e.g. `gettoken`.
    pub api: String,
    /// The errcode returned.
    pub errcode: i64,
}

/// Labels of a token refresh.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TokenLabels {
    /// Token kind.
    pub kind: String,
    /// `fetched`, `error`, …
    pub outcome: String,
}

/// Labels of a webhook delivery attempt.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// The webhook's name (or URL).
    pub webhook: String,
    /// `delivered`, `failed`, `dead`.
    pub outcome: String,
}

/// Labels of a message send.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MessageLabels {
    /// `wecom_app`, `wecom_robot`, `wechat_template`, `wechat_subscribe`.
    pub channel: String,
    /// `sent`, `partially_sent`, `failed`.
    pub status: String,
}

/// The metric families wxgate exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Callbacks received.
    pub callbacks: Family<CallbackLabels, Counter>,
    /// Calls to WeChat/WeCom.
    pub upstream_calls: Family<UpstreamLabels, Counter>,
    /// Token fetches.
    pub token_refreshes: Family<TokenLabels, Counter>,
    /// Webhook delivery attempts.
    pub deliveries: Family<DeliveryLabels, Counter>,
    /// Pending webhook deliveries.
    pub outbox_pending: Gauge,
    /// Age of the oldest pending delivery, in seconds.
    pub outbox_lag_seconds: Gauge<f64, AtomicU64>,
    /// Message sends (replays of an idempotency key not counted).
    pub messages: Family<MessageLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("wxgate");
        let callbacks = Family::<CallbackLabels, Counter>::default();
        registry.register(
            "callbacks",
            "Callbacks received, by app kind and outcome",
            callbacks.clone(),
        );
        let upstream_calls = Family::<UpstreamLabels, Counter>::default();
        registry.register(
            "upstream_calls",
            "Calls to WeChat/WeCom APIs, by API and errcode",
            upstream_calls.clone(),
        );
        let token_refreshes = Family::<TokenLabels, Counter>::default();
        registry.register(
            "token_refreshes",
            "Token and ticket fetches from upstream, by kind and outcome",
            token_refreshes.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts, by webhook and outcome",
            deliveries.clone(),
        );
        let outbox_pending = Gauge::default();
        registry.register(
            "outbox_pending",
            "Webhook deliveries not yet delivered",
            outbox_pending.clone(),
        );
        let outbox_lag_seconds = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "outbox_lag_seconds",
            "Age of the oldest pending webhook delivery",
            outbox_lag_seconds.clone(),
        );
        let messages = Family::<MessageLabels, Counter>::default();
        registry.register(
            "messages",
            "Message sends through the admin API, by channel and outcome",
            messages.clone(),
        );
        Metrics {
            registry,
            messages,
            callbacks,
            upstream_calls,
            token_refreshes,
            deliveries,
            outbox_pending,
            outbox_lag_seconds,
        }
    }
}

impl Metrics {
    /// Counts one callback.
    pub fn callback(&self, kind: &'static str, outcome: &'static str) {
        // Static labels: counting a callback allocates nothing.
        self.callbacks
            .get_or_create(&CallbackLabels { kind, outcome })
            .inc();
    }

    /// Counts one message send.
    pub fn message(&self, channel: &str, status: &str) {
        self.messages
            .get_or_create(&MessageLabels {
                channel: channel.to_owned(),
                status: status.to_owned(),
            })
            .inc();
    }

    /// Counts one upstream call (the client's observer calls this).
    pub fn upstream_call(&self, api: &str, errcode: i64) {
        self.upstream_calls
            .get_or_create(&UpstreamLabels {
                api: api.to_owned(),
                errcode,
            })
            .inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_recorded_values() {
        let metrics = Metrics::default();
        metrics.callback("wecom_app", "accepted");
        metrics.callback("wecom_app", "accepted");
        metrics.upstream_call("gettoken", 0);
        let text = metrics.render();
        assert!(
            text.contains(r#"wxgate_callbacks_total{kind="wecom_app",outcome="accepted"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"wxgate_upstream_calls_total{api="gettoken",errcode="0"} 1"#));
    }
}
