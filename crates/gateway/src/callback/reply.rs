//! Passive replies: a business backend may answer a user's message synchronously. When
//! `[server] passive_reply_timeout_ms` is set, the already-stored event is POSTed (signed like a
//! webhook delivery, with `Wxgate-Passive-Reply: 1`) to the first webhook whose filter wants it;
//! a `200` with a [`Reply`] JSON body within the budget goes back to WeChat in the request's mode
//! and format (encrypted when the request was). Anything else — timeout, error, empty body,
//! invalid reply — falls back to `success`; the event is delivered through the outbox anyway.

use std::time::{Duration, Instant};

use serde_json::Value;
use wxgate_config::Config;
use wxgate_protocol::envelope::BodyFormat;
use wxgate_protocol::reply::Reply;

use super::event::ReplyAddress;
use super::open::{Inbound, ReplyMode, is_mp_family};
use crate::registry::AppEntry;
use crate::webhook_signature::{SIGNATURE_HEADER, sign};

/// Hard cap on the reply budget: the platforms wait 5 s; leave room for our own work.
pub const MAX_REPLY_BUDGET: Duration = Duration::from_millis(4000);

/// The header marking a passive-reply request (as opposed to an outbox delivery).
pub const PASSIVE_REPLY_HEADER: &str = "Wxgate-Passive-Reply";

/// The HTTP client used for passive-reply requests.
#[derive(Debug, Clone)]
pub struct PassiveReplies {
    http: reqwest::Client,
}

impl Default for PassiveReplies {
    fn default() -> Self {
        PassiveReplies {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }
}

/// How long a passive-reply request may take for a callback that started at `started`, or
/// `None` when passive replies are off or the budget is spent.
pub fn budget(config: &Config, started: Instant) -> Option<Duration> {
    let configured = config.server.passive_reply_timeout_ms;
    if configured == 0 {
        return None;
    }
    let total = Duration::from_millis(configured).min(MAX_REPLY_BUDGET);
    total
        .checked_sub(started.elapsed())
        .filter(|left| !left.is_zero())
}

impl PassiveReplies {
    /// Asks the first webhook that wants `event_type` for a reply to `event` (the event JSON).
    pub async fn ask(
        &self,
        config: &Config,
        event_type: &str,
        event: &Value,
        budget: Duration,
    ) -> Option<Reply> {
        let hook = config.webhooks.iter().find(|h| h.wants(event_type))?;
        let body = serde_json::to_vec(event).ok()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let signature = sign(hook.secret.expose().as_bytes(), now, &body);
        let request = self
            .http
            .post(&hook.url)
            .timeout(budget)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(PASSIVE_REPLY_HEADER, "1")
            .body(body)
            .send();
        let response = match tokio::time::timeout(budget, request).await {
            Ok(Ok(response)) if response.status() == reqwest::StatusCode::OK => response,
            Ok(Ok(response)) => {
                tracing::debug!(status = %response.status(), "no passive reply (non-200)");
                return None;
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e.without_url(), "passive reply request failed; answering success");
                return None;
            }
            Err(_) => {
                tracing::warn!(
                    budget_ms = budget.as_millis() as u64,
                    "passive reply timed out; answering success"
                );
                return None;
            }
        };
        let bytes = response.bytes().await.ok()?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| tracing::warn!(error = %e, "passive reply is not JSON; answering success"))
            .ok()?;
        Reply::from_json(value)
            .map_err(|e| tracing::warn!(error = %e, "passive reply refused; answering success"))
            .ok()
    }
}

/// The HTTP body answering the callback with `reply`, in the request's mode and format; `None`
/// when the reply cannot be expressed there (e.g. a text reply to a JSON Mini Program).
pub fn render(
    reply: &Reply,
    app: &AppEntry,
    to: &ReplyAddress,
    inbound: &Inbound,
    now: u64,
) -> Option<String> {
    let format = match inbound.reply {
        ReplyMode::Plain { format } | ReplyMode::Encrypted { format, .. } => format,
    };
    let plaintext = match format {
        BodyFormat::Xml => reply.to_xml(&to.user, &to.account, now),
        BodyFormat::Json => match reply.to_mp_json(&to.user, &to.account, now) {
            Ok(value) => value.to_string(),
            Err(e) => {
                tracing::warn!(error = %e, "passive reply not possible in JSON; answering success");
                return None;
            }
        },
    };
    let ReplyMode::Encrypted { key, .. } = inbound.reply else {
        return Some(plaintext);
    };
    let crypto = app.callback.as_ref()?.crypto.as_ref()?;
    let random: [u8; 16] = rand::random();
    let sealed = crypto.seal(&plaintext, &now.to_string(), &inbound.nonce, key, &random);
    Some(match format {
        BodyFormat::Xml => sealed.to_xml(),
        BodyFormat::Json if is_mp_family(&app.kind) => sealed.to_mp_json(),
        BodyFormat::Json => sealed.to_wecom_json(),
    })
}
