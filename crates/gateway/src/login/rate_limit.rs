//! The per-client limit on the login endpoints (`/login` and its callbacks):
//! `rate_limit_burst` requests at once, refilled at `rate_limit_per_minute`; over it the answer
//! is 429 with `Retry-After`. It is the gateway's one per-client limiter (the `governor` GCRA of
//! [`ClientRateLimiter`], which the JS-SDK endpoints use too) with the login quota, and the same
//! client address: the peer, or behind one of `[server] trusted_proxies` the forwarded client.
//! In memory, per instance (a login is two requests, possibly to two instances).

use std::net::SocketAddr;
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use wxgate_config::Config;

use crate::jssdk::rate_limit::ClientRateLimiter;
use crate::login::error::LoginError;
use crate::state::Gateway;

/// The login limiter of `config`, or `None` when `rate_limit_per_minute` is 0 (no limit).
pub fn login_limiter(config: &Config) -> Option<ClientRateLimiter> {
    let per_minute = NonZeroU32::new(config.login.rate_limit_per_minute)?;
    let burst = NonZeroU32::new(config.login.rate_limit_burst).unwrap_or(NonZeroU32::MIN);
    Some(ClientRateLimiter::with_burst(
        per_minute,
        burst,
        &config.server.trusted_proxies,
    ))
}

/// The middleware: 429 + `Retry-After` when the client has no request left.
pub async fn limit(State(gateway): State<Gateway>, request: Request, next: Next) -> Response {
    if let Some(limiter) = &gateway.login.rate_limiter {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if let Some(client) = limiter.client(peer, request.headers())
            && let Err(wait) = limiter.check(client)
        {
            let secs = wait.as_secs().max(1);
            tracing::warn!(%client, "login rate limit reached");
            return LoginError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many login attempts from your network in a short time.",
                format!("Wait {secs} seconds, then try again."),
            )
            .retry_after(secs)
            .render(request.headers());
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    fn config(toml: &str) -> Config {
        Config::from_toml_str(toml, |_| None).unwrap()
    }

    #[test]
    fn bursts_then_waits_per_client_and_zero_is_off() {
        let limiter = login_limiter(&config(
            "[login]\nrate_limit_per_minute = 60\nrate_limit_burst = 3\n",
        ))
        .unwrap();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(a).is_ok());
        }
        let wait = limiter.check(a).unwrap_err();
        assert!(wait.as_millis() > 0 && wait.as_secs() <= 1, "{wait:?}");
        assert!(limiter.check(b).is_ok(), "another client has its own quota");
        assert!(login_limiter(&config("[login]\nrate_limit_per_minute = 0\n")).is_none());
    }
}
