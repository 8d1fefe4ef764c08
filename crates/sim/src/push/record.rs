//! The delivery log: every callback the worker took, each attempt with its status, duration and
//! reason, and the final outcome. `GET /sim/callbacks` reads it and `?wait=true` waits on it.
//! It also holds the per-account 兼容模式 switches set through the control API.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use crate::push::{CallbackTarget, PushJob};

/// How many deliveries the log keeps (the oldest are forgotten first).
pub const LOG_CAPACITY: usize = 10_000;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Taken from the queue, waiting behind earlier callbacks of the same target.
    Queued,
    /// Being sent.
    Delivering,
    /// The gateway accepted it.
    Delivered,
    /// Every attempt failed, or it could not be sent at all.
    Failed,
}

impl DeliveryStatus {
    /// Whether the delivery is over.
    pub fn is_final(self) -> bool {
        matches!(self, DeliveryStatus::Delivered | DeliveryStatus::Failed)
    }

    /// Parses the `status` filter of `GET /sim/callbacks`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "queued" => Some(Self::Queued),
            "delivering" => Some(Self::Delivering),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One HTTP attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// 1-based attempt number.
    pub attempt: u32,
    /// The URL with its query (signatures only, no secrets).
    pub url: String,
    /// HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Time until the answer or the timeout, in milliseconds.
    pub duration_ms: u64,
    /// Whether the answer was accepted.
    pub ok: bool,
    /// Why it was not.
    pub reason: Option<String>,
    /// The decrypted (or plaintext) passive reply, if the gateway sent one.
    pub reply: Option<String>,
}

/// One callback and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// Delivery id (as returned by `Pusher::push`).
    pub id: u64,
    /// Where it goes.
    pub target: CallbackTarget,
    /// The payload before encryption.
    pub plaintext: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Simulated time it was queued.
    pub queued_at: i64,
    /// Every attempt so far.
    pub attempts: Vec<Attempt>,
    /// Why it failed (the last attempt's reason, or why it could not be sent).
    pub reason: Option<String>,
    /// The accepted passive reply, decrypted.
    pub reply: Option<String>,
    /// The delivery this one re-sends, for redeliveries.
    pub redelivery_of: Option<u64>,
}

impl Delivery {
    /// Whether this delivery goes to `filter` (its kind-qualified key, or its bare name/id).
    pub fn matches_target(&self, filter: &str) -> bool {
        let (kind, name) = target_key(&self.target);
        filter == name || filter == format!("{kind}:{name}")
    }
}

/// `(kind, name)` of a target, e.g. `("wecom_app", "acme-app")`, `("suite_data", "suite/corp")`.
pub fn target_key(target: &CallbackTarget) -> (&'static str, String) {
    match target {
        CallbackTarget::WecomApp { app } => ("wecom_app", app.clone()),
        CallbackTarget::SuiteInstruction { suite_id } => ("suite_instruction", suite_id.clone()),
        CallbackTarget::SuiteData { suite_id, corp_id } => {
            ("suite_data", format!("{suite_id}/{corp_id}"))
        }
        CallbackTarget::OfficialAccount { app_id } => ("official_account", app_id.clone()),
        CallbackTarget::MiniProgram { app_id } => ("mini_program", app_id.clone()),
    }
}

#[derive(Debug, Default)]
struct LogInner {
    deliveries: BTreeMap<u64, Delivery>,
    redelivery_of: HashMap<u64, u64>,
    compat: HashSet<String>,
}

/// The delivery log; one per simulator (`state.deliveries`).
#[derive(Debug)]
pub struct DeliveryLog {
    inner: Mutex<LogInner>,
    changed: watch::Sender<u64>,
}

impl Default for DeliveryLog {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            changed: watch::Sender::new(0),
        }
    }
}

impl DeliveryLog {
    fn lock(&self) -> MutexGuard<'_, LogInner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut Delivery)) {
        if let Some(delivery) = self.lock().deliveries.get_mut(&id) {
            change(delivery);
        }
        self.changed.send_modify(|n| *n += 1);
    }

    /// Records `job` as taken from the queue at simulated time `now`.
    pub fn queued(&self, job: &PushJob, now: i64) {
        {
            let mut inner = self.lock();
            let redelivery_of = inner.redelivery_of.remove(&job.id);
            inner.deliveries.insert(
                job.id,
                Delivery {
                    id: job.id,
                    target: job.target.clone(),
                    plaintext: job.plaintext.clone(),
                    status: DeliveryStatus::Queued,
                    queued_at: now,
                    attempts: Vec::new(),
                    reason: None,
                    reply: None,
                    redelivery_of,
                },
            );
            while inner.deliveries.len() > LOG_CAPACITY {
                inner.deliveries.pop_first();
            }
        }
        self.changed.send_modify(|n| *n += 1);
    }

    /// Notes that delivery `id` re-sends `original` (call before the worker takes it).
    pub fn note_redelivery(&self, id: u64, original: u64) {
        let mut inner = self.lock();
        match inner.deliveries.get_mut(&id) {
            Some(delivery) => delivery.redelivery_of = Some(original),
            None => {
                inner.redelivery_of.insert(id, original);
            }
        }
    }

    /// Marks delivery `id` as being sent.
    pub fn delivering(&self, id: u64) {
        self.update(id, |d| d.status = DeliveryStatus::Delivering);
    }

    /// Adds an attempt to delivery `id`.
    pub fn attempt(&self, id: u64, attempt: Attempt) {
        self.update(id, |d| d.attempts.push(attempt));
    }

    /// Marks delivery `id` as delivered with the accepted reply, if any.
    pub fn delivered(&self, id: u64, reply: Option<String>) {
        self.update(id, |d| {
            d.status = DeliveryStatus::Delivered;
            d.reason = None;
            d.reply = reply;
        });
    }

    /// Marks delivery `id` as failed for `reason`.
    pub fn failed(&self, id: u64, reason: String) {
        self.update(id, |d| {
            d.status = DeliveryStatus::Failed;
            d.reason = Some(reason);
        });
    }

    /// Delivery `id`, if known.
    pub fn get(&self, id: u64) -> Option<Delivery> {
        self.lock().deliveries.get(&id).cloned()
    }

    /// The newest `limit` deliveries matching the filters, newest first.
    pub fn list(
        &self,
        target: Option<&str>,
        status: Option<DeliveryStatus>,
        limit: usize,
    ) -> Vec<Delivery> {
        self.lock()
            .deliveries
            .values()
            .rev()
            .filter(|d| target.is_none_or(|t| d.matches_target(t)))
            .filter(|d| status.is_none_or(|s| d.status == s))
            .take(limit)
            .cloned()
            .collect()
    }

    /// Waits until delivery `id` is over, at most `timeout`; returns it as it then stands
    /// (`None` if the worker never took it).
    pub async fn wait(&self, id: u64, timeout: Duration) -> Option<Delivery> {
        let mut changes = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.mark_unchanged();
            if let Some(delivery) = self.get(id).filter(|d| d.status.is_final()) {
                return Some(delivery);
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                return self.get(id);
            }
        }
    }

    /// Switches 兼容模式 on or off for the Official Account / Mini Program `app_id`.
    pub fn set_compat(&self, app_id: &str, enabled: bool) {
        let mut inner = self.lock();
        if enabled {
            inner.compat.insert(app_id.to_owned());
        } else {
            inner.compat.remove(app_id);
        }
    }

    /// Whether `app_id` is in 兼容模式.
    pub fn is_compat(&self, app_id: &str) -> bool {
        self.lock().compat.contains(app_id)
    }
}
