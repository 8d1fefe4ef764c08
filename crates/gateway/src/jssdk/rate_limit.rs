//! The per-client limit on the public signature endpoints (`[server] jssdk_requests_per_minute`),
//! a GCRA limiter from the `governor` crate keyed by client address. Signing is cheap and tickets
//! are cached, so the limit protects the gateway from abuse rather than the platform; the ticket
//! limits are kept by the token service.
//!
//! The client address is the peer address, unless the peer is one of `[server] trusted_proxies`:
//! then it is the last `X-Forwarded-For` entry that is not itself a trusted proxy.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Above this many tracked addresses, idle ones are dropped on the next check.
const MAX_TRACKED: usize = 10_000;

/// Requests per minute per client address.
pub struct ClientRateLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    proxies: Vec<IpAddr>,
}

impl std::fmt::Debug for ClientRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRateLimiter")
            .field("proxies", &self.proxies)
            .finish_non_exhaustive()
    }
}

impl ClientRateLimiter {
    /// `per_minute` requests per minute (and as a burst) per client; `proxies` are the trusted
    /// reverse proxies (unparsable entries are ignored: configuration validation reports them).
    pub fn new(per_minute: u32, proxies: &[String]) -> ClientRateLimiter {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        ClientRateLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            proxies: proxies.iter().filter_map(|p| p.parse().ok()).collect(),
        }
    }

    /// The client's address: `peer`, or for a trusted proxy the forwarded client.
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.proxies.contains(&peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|ip| !self.proxies.contains(ip))
                .unwrap_or(peer),
        )
    }

    /// `Ok` if `client` may make one more request now, else how long until it may.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        if self.limiter.len() > MAX_TRACKED {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_limit_is_per_client() {
        let limiter = ClientRateLimiter::new(3, &[]);
        for _ in 0..3 {
            assert!(limiter.check(ip("10.0.0.1")).is_ok());
        }
        let wait = limiter.check(ip("10.0.0.1")).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(limiter.check(ip("10.0.0.2")).is_ok());
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let limiter = ClientRateLimiter::new(3, &["10.0.0.9".into(), "10.0.0.8".into()]);
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "1.1.1.1, 2.2.2.2, 10.0.0.8".parse().unwrap(),
        );
        assert_eq!(
            limiter.client(Some(ip("10.0.0.9")), &headers),
            Some(ip("2.2.2.2"))
        );
        assert_eq!(
            limiter.client(Some(ip("3.3.3.3")), &headers),
            Some(ip("3.3.3.3"))
        );
        assert_eq!(
            limiter.client(Some(ip("10.0.0.9")), &HeaderMap::new()),
            Some(ip("10.0.0.9"))
        );
        assert_eq!(limiter.client(None, &headers), None);
    }
}
