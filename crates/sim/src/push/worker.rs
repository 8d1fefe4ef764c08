//! The delivery worker: takes callbacks from the push queue and posts them to the gateway the
//! way the platforms do — concurrently across targets, strictly in order within one target,
//! waiting `callback_timeout_ms` for each answer and trying `callback_attempts` times in all.
//!
//! It holds only a weak handle on the state, so it stops by itself once the server and every
//! other handle are gone (the queue's sender lives in the state).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::push::envelope::build;
use crate::push::record::Attempt;
use crate::push::target::{ResolvedTarget, resolve};
use crate::push::verdict::{Accepted, judge};
use crate::push::{CallbackTarget, PushJob};
use crate::state::{SimState, WeakSimState};

/// The HTTP client the platform side uses: no proxy, no redirects.
pub fn platform_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// Starts the delivery worker for `state` (once: the queue can be taken only once; a second
/// call returns a task that ends at once). [`crate::start`] calls it; in-process users who
/// build the router themselves call it too. The task ends when the simulator is dropped.
pub fn spawn_worker(state: SimState) -> JoinHandle<()> {
    let queue = state.pusher.take_queue();
    let weak = state.downgrade();
    drop(state);
    tokio::spawn(async move {
        let Some(mut queue) = queue else {
            tracing::warn!("the callback delivery worker is already running; not starting another");
            return;
        };
        let client = platform_client();
        let mut lanes: HashMap<CallbackTarget, mpsc::UnboundedSender<PushJob>> = HashMap::new();
        while let Some(job) = queue.recv().await {
            let Some(state) = weak.upgrade() else { break };
            state.deliveries.queued(&job, state.clock.now());
            drop(state);
            lanes.retain(|_, lane| !lane.is_closed());
            let lane = lanes
                .entry(job.target.clone())
                .or_insert_with(|| spawn_lane(weak.clone(), client.clone()));
            // A lane only closes when the simulator is gone.
            let _ = lane.send(job);
        }
    })
}

/// One target's lane: delivers its callbacks one after the other.
fn spawn_lane(weak: WeakSimState, client: reqwest::Client) -> mpsc::UnboundedSender<PushJob> {
    let (sender, mut receiver) = mpsc::unbounded_channel::<PushJob>();
    tokio::spawn(async move {
        while let Some(job) = receiver.recv().await {
            let Some(state) = weak.upgrade() else { break };
            deliver(&state, &client, job).await;
        }
    });
    sender
}

fn compat_for(state: &SimState, target: &CallbackTarget) -> bool {
    match target {
        CallbackTarget::OfficialAccount { app_id } | CallbackTarget::MiniProgram { app_id } => {
            state.deliveries.is_compat(app_id)
        }
        _ => false,
    }
}

/// Delivers one callback with retries and records everything.
async fn deliver(state: &SimState, client: &reqwest::Client, job: PushJob) {
    let log = &state.deliveries;
    log.delivering(job.id);
    let target = match resolve(&state.world, &job.target, compat_for(state, &job.target)) {
        Ok(target) => target,
        Err(e) => {
            tracing::warn!(delivery = job.id, error = %e, "callback cannot be delivered");
            log.failed(job.id, e.to_string());
            return;
        }
    };
    let timeout = Duration::from_millis(state.options.callback_timeout_ms);
    let attempts = state.options.callback_attempts.max(1);
    let mut last_reason = String::new();
    for number in 1..=attempts {
        let attempt = attempt_once(state, client, &target, &job.plaintext, number, timeout).await;
        let accepted = attempt.ok;
        let reply = attempt.reply.clone();
        last_reason = attempt.reason.clone().unwrap_or_default();
        log.attempt(job.id, attempt);
        if accepted {
            log.delivered(job.id, reply);
            return;
        }
    }
    log.failed(
        job.id,
        format!("gave up after {attempts} attempt(s); last: {last_reason}"),
    );
}

async fn attempt_once(
    state: &SimState,
    client: &reqwest::Client,
    target: &ResolvedTarget,
    plaintext: &str,
    number: u32,
    timeout: Duration,
) -> Attempt {
    let mut attempt = Attempt {
        attempt: number,
        url: target.url.clone(),
        status: None,
        duration_ms: 0,
        ok: false,
        reason: None,
        reply: None,
    };
    let request = match build(target, plaintext, state.clock.now()) {
        Ok(request) => request,
        Err(reason) => {
            attempt.reason = Some(reason);
            return attempt;
        }
    };
    attempt.url = request.url.clone();
    let started = Instant::now();
    let exchange = async {
        let response = client
            .post(&request.url)
            .header(reqwest::header::CONTENT_TYPE, request.content_type)
            .body(request.body)
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        Ok::<_, reqwest::Error>((status, body))
    };
    let outcome = tokio::time::timeout(timeout, exchange).await;
    attempt.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Err(_) => {
            attempt.reason = Some(format!(
                "no answer within {} ms; the platform disconnects and retries",
                timeout.as_millis()
            ))
        }
        Ok(Err(e)) => attempt.reason = Some(format!("the request failed: {e}")),
        Ok(Ok((status, body))) => {
            attempt.status = Some(status);
            match judge(target, status, &body) {
                Ok(Accepted::Ack) => attempt.ok = true,
                Ok(Accepted::Reply(reply)) => {
                    attempt.ok = true;
                    attempt.reply = Some(reply);
                }
                Err(reason) => attempt.reason = Some(reason),
            }
        }
    }
    tracing::debug!(url = %attempt.url, ok = attempt.ok, "callback attempt");
    attempt
}
