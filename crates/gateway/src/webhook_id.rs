//! The one name by which a configured webhook is known in the outbox (`deliveries.webhook`),
//! metrics and the admin API: its `name`, or else its URL. The callbacks side (which queues
//! deliveries) and the webhook worker (which sends them) must agree on it, hence one function.

use wxgate_config::Webhook;

/// The webhook's id: its `name` if set, otherwise its URL.
pub fn webhook_id(webhook: &Webhook) -> String {
    match &webhook.name {
        Some(name) if !name.is_empty() => name.clone(),
        _ => webhook.url.clone(),
    }
}
