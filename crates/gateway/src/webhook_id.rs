//! The one stable identifier of a `[[webhooks]]` entry, shared by everything that refers to a
//! webhook: the outbox rows written when a callback is accepted, the delivery worker that reads
//! them back, and the metrics. Changing it orphans pending deliveries, so it lives in one place.

use wxgate_config::Webhook;

/// The webhook's `name` when it has one, otherwise its `url`.
pub fn webhook_id(hook: &Webhook) -> String {
    match &hook.name {
        Some(name) if !name.is_empty() => name.clone(),
        _ => hook.url.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxgate_config::Secret;

    fn hook(name: Option<&str>) -> Webhook {
        Webhook {
            name: name.map(str::to_owned),
            url: "http://127.0.0.1:3000/events".into(),
            secret: Secret::new("0123456789abcdef"),
            events: Vec::new(),
            timeout_ms: 1000,
        }
    }

    #[test]
    fn name_or_url() {
        assert_eq!(webhook_id(&hook(Some("backend"))), "backend");
        assert_eq!(webhook_id(&hook(None)), "http://127.0.0.1:3000/events");
        assert_eq!(webhook_id(&hook(Some(""))), "http://127.0.0.1:3000/events");
    }
}
