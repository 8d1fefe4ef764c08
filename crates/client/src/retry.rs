//! The retry rules around a token-bearing call: a rejected token is invalidated and the call
//! repeated once with a fresh one; −1 (system busy) is retried with exponential backoff;
//! everything else — including 45009 rate limits, which the gateway's breaker owns — is
//! returned as is.

use std::future::Future;
use std::time::Duration;

use crate::error::{ClientError, ErrorKind};
use crate::http::Client;
use crate::token::{TokenKey, TokenProvider};

/// How −1 (系统繁忙) is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (WeCom 90455: "≤3 retries"). 0 disables retrying.
    pub busy_retries: u32,
    /// The first backoff; it doubles on every retry (100 ms, 200 ms, 400 ms by default).
    pub busy_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            busy_retries: 3,
            busy_backoff: Duration::from_millis(100),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.busy_backoff.saturating_mul(1u32 << attempt.min(16))
    }
}

impl Client {
    /// Runs `call` with the token for `key` from `provider`, applying the retry rules: if the
    /// platform says the token is invalid or expired, `provider.invalidate(key, token)` is
    /// called and `call` repeated once with a fresh token; −1 is retried per [`RetryPolicy`].
    pub async fn call_with_token<T, F, Fut>(
        &self,
        provider: &dyn TokenProvider,
        key: &TokenKey,
        mut call: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let policy = self.retry_policy();
        let mut refreshed = false;
        let mut busy = 0u32;
        loop {
            let token = provider.token(key).await?;
            match call(token.clone()).await {
                Err(ClientError::Platform(e)) if e.invalidates_token() && !refreshed => {
                    tracing::info!(api = e.api, errcode = e.errcode, key = %key, "token rejected; invalidating and retrying once");
                    provider.invalidate(key, &token).await;
                    refreshed = true;
                }
                Err(ClientError::Platform(e))
                    if e.kind() == ErrorKind::SystemBusy && busy < policy.busy_retries =>
                {
                    let wait = policy.backoff(busy);
                    tracing::debug!(
                        api = e.api,
                        attempt = busy + 1,
                        ?wait,
                        "system busy; backing off"
                    );
                    tokio::time::sleep(wait).await;
                    busy += 1;
                }
                other => return other,
            }
        }
    }

    /// Runs a call that needs no token (token fetches, robots) with the −1 retry rule.
    pub(crate) async fn call_with_busy_retry<T, F, Fut>(
        &self,
        mut call: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let policy = self.retry_policy();
        let mut busy = 0u32;
        loop {
            match call().await {
                Err(ClientError::Platform(e))
                    if e.kind() == ErrorKind::SystemBusy && busy < policy.busy_retries =>
                {
                    tokio::time::sleep(policy.backoff(busy)).await;
                    busy += 1;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles() {
        let p = RetryPolicy::default();
        let waits: Vec<_> = (0..3).map(|i| p.backoff(i).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400]);
    }
}
