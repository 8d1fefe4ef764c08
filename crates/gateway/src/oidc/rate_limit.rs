//! The token endpoint's limits (`[oidc] token_requests_per_minute`): one GCRA limiter (the
//! `governor` crate) per client id, and one per client address — the address resolved like the
//! JS-SDK endpoints' (the peer, or behind one of `[server] trusted_proxies` the forwarded
//! client). In memory, per instance. Over a limit the caller learns how long to wait (for
//! `Retry-After`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use wxgate_config::Config;

use crate::jssdk::rate_limit::ClientRateLimiter;

/// Above this many tracked client ids, idle ones are dropped on the next check.
const MAX_TRACKED: usize = 10_000;

/// The two limits; both absent when `token_requests_per_minute` is 0.
pub struct TokenRateLimits {
    per_client: Option<DefaultKeyedRateLimiter<String>>,
    per_address: Option<ClientRateLimiter>,
}

impl std::fmt::Debug for TokenRateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRateLimits")
            .field("enabled", &self.per_client.is_some())
            .finish_non_exhaustive()
    }
}

/// Which limit was hit, and how long until the next request is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    /// `client crm` or `address 10.0.0.1`.
    pub who: String,
    /// The wait, whole seconds rounded up (at least 1).
    pub retry_after_secs: u64,
}

fn limited(who: String, wait: Duration) -> Limited {
    Limited {
        who,
        retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    }
}

impl TokenRateLimits {
    /// The limits of `config`.
    pub fn new(config: &Config) -> TokenRateLimits {
        let Some(per_minute) = NonZeroU32::new(config.oidc.token_requests_per_minute) else {
            return TokenRateLimits {
                per_client: None,
                per_address: None,
            };
        };
        TokenRateLimits {
            per_client: Some(RateLimiter::keyed(Quota::per_minute(per_minute))),
            per_address: Some(ClientRateLimiter::new(
                per_minute.get(),
                &config.server.trusted_proxies,
            )),
        }
    }

    /// Counts one request from the client at `peer` (with the request's `headers`).
    pub fn check_address(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Result<(), Limited> {
        let Some(limiter) = &self.per_address else {
            return Ok(());
        };
        let Some(client) = limiter.client(peer, headers) else {
            return Ok(());
        };
        limiter
            .check(client)
            .map_err(|wait| limited(format!("address {client}"), wait))
    }

    /// Counts one request naming `client_id`.
    pub fn check_client(&self, client_id: &str) -> Result<(), Limited> {
        let Some(limiter) = &self.per_client else {
            return Ok(());
        };
        if limiter.len() > MAX_TRACKED {
            limiter.retain_recent();
        }
        limiter
            .check_key(&client_id.to_owned())
            .map_err(|not_until| {
                limited(
                    format!("client {client_id}"),
                    not_until.wait_time_from(DefaultClock::default().now()),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_minute: u32) -> TokenRateLimits {
        let mut config = Config::default();
        config.oidc.token_requests_per_minute = per_minute;
        TokenRateLimits::new(&config)
    }

    #[test]
    fn per_client_and_per_address() {
        let l = limits(2);
        assert!(l.check_client("a").is_ok() && l.check_client("a").is_ok());
        let hit = l.check_client("a").unwrap_err();
        assert_eq!(hit.who, "client a");
        assert!((1..=30).contains(&hit.retry_after_secs), "{hit:?}");
        assert!(l.check_client("b").is_ok(), "clients are independent");
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let headers = HeaderMap::new();
        assert!(l.check_address(Some(ip), &headers).is_ok());
        assert!(l.check_address(Some(ip), &headers).is_ok());
        assert_eq!(
            l.check_address(Some(ip), &headers).unwrap_err().who,
            "address 10.0.0.1"
        );
    }

    #[test]
    fn zero_turns_them_off() {
        let l = limits(0);
        for _ in 0..100 {
            assert!(l.check_client("a").is_ok());
            assert!(
                l.check_address(Some("10.0.0.1".parse().unwrap()), &HeaderMap::new())
                    .is_ok()
            );
        }
    }

    #[test]
    fn waits_round_up() {
        assert_eq!(
            limited("x".into(), Duration::from_millis(1500)).retry_after_secs,
            2
        );
        assert_eq!(
            limited("x".into(), Duration::from_secs(3)).retry_after_secs,
            3
        );
    }
}
