//! A per-client-IP token bucket on the login endpoints: `rate_limit_burst` requests at once,
//! refilled at `rate_limit_per_minute`. Over the limit the answer is 429 with `Retry-After`.
//! In memory, per instance (a login spans two requests to whichever instance, so the effective
//! limit across N instances is up to N times higher). Idle, full buckets are dropped so the map
//! stays small.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::login::error::LoginError;
use crate::state::Gateway;

/// Buckets kept before idle ones are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The per-IP buckets.
#[derive(Debug)]
pub struct LoginRateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl LoginRateLimiter {
    /// `per_minute` sustained, `burst` at once; `per_minute == 0` allows everything.
    pub fn new(per_minute: u32, burst: u32) -> LoginRateLimiter {
        LoginRateLimiter {
            per_sec: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip` at `now`; `Err(wait)` when none is left.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_sec <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= SWEEP_AT {
            let (per_sec, burst) = (self.per_sec, self.burst);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * per_sec < burst
            });
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * self.per_sec;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_sec,
            ))
        }
    }
}

/// The client's IP: the peer address, or the last `X-Forwarded-For` entry when
/// `[login] trust_forwarded_for` is set (the one the gateway's own proxy appended).
pub fn client_ip(parts: &Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(ip) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|s| s.trim().parse::<IpAddr>().ok())
    {
        return Some(ip);
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The middleware: 429 + `Retry-After` when the client's bucket is empty.
pub async fn limit(State(gateway): State<Gateway>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let ip = client_ip(&parts, gateway.config.login.trust_forwarded_for);
    if let Some(ip) = ip
        && let Err(wait) = gateway.login.rate_limiter.check(ip, Instant::now())
    {
        let secs = wait.as_secs().max(1);
        tracing::warn!(%ip, "login rate limit reached");
        return LoginError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many login attempts from your network in a short time.",
            format!("Wait {secs} seconds, then try again."),
        )
        .retry_after(secs)
        .render(&parts.headers);
    }
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_per_ip() {
        let limiter = LoginRateLimiter::new(60, 3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(a, t0).is_ok());
        }
        let wait = limiter.check(a, t0).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        assert!(
            limiter.check(b, t0).is_ok(),
            "another IP has its own bucket"
        );
        assert!(limiter.check(a, t0 + Duration::from_secs(1)).is_ok());
        assert!(limiter.check(a, t0 + Duration::from_secs(1)).is_err());
        assert!(limiter.check(a, t0 + Duration::from_secs(60)).is_ok());
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = LoginRateLimiter::new(0, 1);
        let ip: IpAddr = "::1".parse().unwrap();
        let now = Instant::now();
        assert!((0..1000).all(|_| limiter.check(ip, now).is_ok()));
    }

    #[test]
    fn forwarded_for_only_when_trusted() {
        let mut req = axum::http::Request::builder()
            .header("x-forwarded-for", "1.1.1.1, 2.2.2.2")
            .body(())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 9))));
        let (parts, ()) = req.into_parts();
        assert_eq!(client_ip(&parts, true), Some("2.2.2.2".parse().unwrap()));
        assert_eq!(client_ip(&parts, false), Some("127.0.0.1".parse().unwrap()));
    }
}
