//! A client-side limiter that keeps each (corp, API) pair under the platform's documented
//! frequency limits — WeCom: ≤10,000 calls/min and ≤150,000 calls/hour per corp per API
//! (NOTES §3.6, path/90454) — by *waiting* for a slot (up to a bound) instead of earning a
//! 45009 and a 60-second block. Bulk jobs such as the contact sync use it heavily.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::ClientError;

/// The limits one (corp, API) pair is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Calls allowed per minute (WeCom: 10,000).
    pub per_minute: u32,
    /// Calls allowed per hour (WeCom: 150,000).
    pub per_hour: u32,
    /// The longest a caller waits for a slot before getting [`ClientError::RateLimitWait`].
    pub max_wait: Duration,
}

impl Default for RateLimits {
    /// The documented WeCom per-corp, per-API limits, waiting at most 30 s.
    fn default() -> Self {
        RateLimits {
            per_minute: 10_000,
            per_hour: 150_000,
            max_wait: Duration::from_secs(30),
        }
    }
}

/// A token bucket: `capacity` tokens refilled evenly over `period`. The balance may go negative,
/// which is how a waiting caller reserves its slot.
#[derive(Debug)]
struct Bucket {
    capacity: f64,
    per_sec: f64,
    balance: f64,
    updated: Instant,
}

impl Bucket {
    fn new(capacity: u32, period: Duration, now: Instant) -> Self {
        let capacity = f64::from(capacity.max(1));
        Bucket {
            capacity,
            per_sec: capacity / period.as_secs_f64(),
            balance: capacity,
            updated: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.balance = (self.balance + elapsed * self.per_sec).min(self.capacity);
        self.updated = now;
    }

    /// How long until one more token is available.
    fn wait_for_one(&self) -> Duration {
        if self.balance >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.balance) / self.per_sec)
        }
    }
}

/// The minute and hour buckets of each (corp, API) pair.
type Buckets = HashMap<(String, &'static str), [Bucket; 2]>;

/// Limits calls per (corp, API). Cheap to clone; clones share state. A disabled limiter lets
/// every call through at once.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limits: Option<RateLimits>,
    buckets: Arc<Mutex<Buckets>>,
}

impl RateLimiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: RateLimits) -> Self {
        RateLimiter {
            limits: Some(limits),
            buckets: Arc::default(),
        }
    }

    /// A limiter that never waits.
    pub fn disabled() -> Self {
        RateLimiter {
            limits: None,
            buckets: Arc::default(),
        }
    }

    /// Waits until `corp` may call `api` once more, then takes the slot. Fails with
    /// [`ClientError::RateLimitWait`] (without taking a slot) if the wait would exceed
    /// [`RateLimits::max_wait`].
    pub async fn acquire(&self, corp: &str, api: &'static str) -> Result<(), ClientError> {
        let wait = self.reserve(corp, api)?;
        if !wait.is_zero() {
            tracing::debug!(api, ?wait, "client-side rate limit: waiting for a slot");
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Takes a slot now and returns how long to wait before using it.
    fn reserve(&self, corp: &str, api: &'static str) -> Result<Duration, ClientError> {
        let Some(limits) = self.limits else {
            return Ok(Duration::ZERO);
        };
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let buckets = map.entry((corp.to_owned(), api)).or_insert_with(|| {
            [
                Bucket::new(limits.per_minute, Duration::from_secs(60), now),
                Bucket::new(limits.per_hour, Duration::from_secs(3600), now),
            ]
        });
        buckets.iter_mut().for_each(|b| b.refill(now));
        let wait = buckets
            .iter()
            .map(Bucket::wait_for_one)
            .max()
            .unwrap_or_default();
        if wait > limits.max_wait {
            return Err(ClientError::RateLimitWait { api, wait });
        }
        buckets.iter_mut().for_each(|b| b.balance -= 1.0);
        Ok(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(per_minute: u32, max_wait: Duration) -> RateLimiter {
        RateLimiter::new(RateLimits {
            per_minute,
            per_hour: 1_000_000,
            max_wait,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn waits_for_a_slot_once_the_minute_budget_is_spent() {
        let limiter = small(6, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..6 {
            limiter.acquire("ww1", "user/get").await.unwrap();
        }
        assert!(start.elapsed() < Duration::from_millis(1));
        // 6 per minute = one every 10 s.
        limiter.acquire("ww1", "user/get").await.unwrap();
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(10) && waited < Duration::from_secs(11),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn keys_are_independent_and_waits_are_bounded() {
        let limiter = small(1, Duration::from_secs(5));
        limiter.acquire("ww1", "user/get").await.unwrap();
        // Another corp and another API have their own budgets.
        limiter.acquire("ww2", "user/get").await.unwrap();
        limiter.acquire("ww1", "user/list").await.unwrap();
        // The next slot is 60 s away, beyond max_wait.
        let err = limiter.acquire("ww1", "user/get").await.unwrap_err();
        match err {
            ClientError::RateLimitWait { api, wait } => {
                assert_eq!(api, "user/get");
                assert!(wait > Duration::from_secs(59));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn disabled_never_waits() {
        let limiter = RateLimiter::disabled();
        let start = Instant::now();
        for _ in 0..100_000 {
            limiter.acquire("ww1", "user/get").await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
