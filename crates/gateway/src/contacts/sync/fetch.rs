//! Upstream calls of a full sync: the directory's WeCom API handle behind the gateway-wide
//! client-side rate limiter (per corp and API, the documented 10 000/min and 150 000/h), and the
//! retry rules a bulk job needs on top of the client's own (which already refreshes a rejected
//! token once and retries −1 three times): −1, timeouts and transport errors are retried a few
//! more times with a growing backoff; 45009 pauses the sync for `[contacts]
//! rate_limited_pause_secs` (the platform blocks a minute limit for 60 s) and tries again; a
//! token the token service cannot supply (its breaker is open after a 45009 on `gettoken`) is
//! waited for the same way. Anything else — no permission, not found — is the caller's to judge.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use wxgate_client::wecom::contacts::{
    Department, DepartmentId, Member, Tag, TagMembers, UserIdPage,
};
use wxgate_client::{ClientError, ErrorKind, RateLimiter, WecomApi};

/// Extra attempts after the client's own retries gave up on −1 / timeouts / transport errors.
pub const BUSY_ATTEMPTS: u32 = 4;
/// Pauses after 45009 (or an unavailable token) before the call fails for good.
pub const RATE_LIMITED_ATTEMPTS: u32 = 5;
/// The first backoff after a retryable failure; it doubles up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The longest backoff.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15);
/// `user/list_id` page size: the documented maximum.
pub const LIST_ID_LIMIT: u32 = 10_000;

/// Why a fetch stopped.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The platform (or the transport) failed, after the retries.
    #[error(transparent)]
    Upstream(#[from] ClientError),
    /// The gateway is shutting down.
    #[error("the gateway is shutting down")]
    Shutdown,
}

impl FetchError {
    /// The errcode class, if the platform answered.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            FetchError::Upstream(e) => e.kind(),
            FetchError::Shutdown => None,
        }
    }

    /// True when the credential may not do this (no permission, IP not allowed).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self.kind(),
            Some(ErrorKind::NoPermission | ErrorKind::IpNotAllowed)
        )
    }
}

/// Calls counted for the job's `counts`.
#[derive(Debug, Default)]
pub struct CallCounters {
    /// Every attempt.
    pub calls: AtomicU64,
    /// Repeated attempts after −1, timeouts, transport errors.
    pub retries: AtomicU64,
    /// 45009 answers.
    pub rate_limited: AtomicU64,
}

/// The directory's API with the sync's retry rules.
#[derive(Debug, Clone)]
pub struct Upstream {
    api: WecomApi,
    pause: Duration,
    shutdown: watch::Receiver<bool>,
    counters: std::sync::Arc<CallCounters>,
}

impl Upstream {
    /// `api` limited by `limiter` under `corp_id`; 45009 pauses last `pause`.
    pub fn new(
        api: WecomApi,
        limiter: RateLimiter,
        corp_id: &str,
        pause: Duration,
        shutdown: watch::Receiver<bool>,
        counters: std::sync::Arc<CallCounters>,
    ) -> Upstream {
        Upstream {
            api: api.with_rate_limit(limiter, corp_id),
            pause,
            shutdown,
            counters,
        }
    }

    /// Sleeps `wait`, or returns early with [`FetchError::Shutdown`].
    async fn sleep(&self, wait: Duration) -> Result<(), FetchError> {
        let mut shutdown = self.shutdown.clone();
        if *shutdown.borrow() {
            return Err(FetchError::Shutdown);
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => Ok(()),
            _ = shutdown.wait_for(|s| *s) => Err(FetchError::Shutdown),
        }
    }

    /// Runs `call` with the retry rules.
    pub async fn call<T, F, Fut>(&self, mut call: F) -> Result<T, FetchError>
    where
        F: FnMut(WecomApi) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let mut busy = 0u32;
        let mut limited = 0u32;
        loop {
            if *self.shutdown.borrow() {
                return Err(FetchError::Shutdown);
            }
            self.counters.calls.fetch_add(1, Ordering::Relaxed);
            let error = match call(self.api.clone()).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            match &error {
                ClientError::RateLimitWait { wait, .. } if limited < RATE_LIMITED_ATTEMPTS => {
                    // Our own limiter: the minute budget is spent; wait for the slot.
                    limited += 1;
                    let wait = *wait;
                    self.sleep(wait).await?;
                }
                // The token service's breaker is open (a 45009 on the token fetch); a token
                // that cannot exist at all (unknown key) fails the same way, so only twice.
                ClientError::TokenUnavailable { .. } if limited < 2 => {
                    limited += 1;
                    tracing::warn!(error = %error, "contacts sync: no token yet; pausing");
                    self.sleep(self.pause).await?;
                }
                e if e.kind() == Some(ErrorKind::RateLimited)
                    && limited < RATE_LIMITED_ATTEMPTS =>
                {
                    limited += 1;
                    self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %error, pause = ?self.pause, "contacts sync: rate limited by the platform; pausing");
                    self.sleep(self.pause).await?;
                }
                e if e.is_retryable() && busy < BUSY_ATTEMPTS => {
                    let wait = FIRST_BACKOFF
                        .saturating_mul(1 << busy.min(8))
                        .min(MAX_BACKOFF);
                    busy += 1;
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(error = %error, ?wait, "contacts sync: retrying");
                    self.sleep(wait).await?;
                }
                _ => return Err(error.into()),
            }
        }
    }

    /// `department/list` (whole tree).
    pub async fn department_list(&self) -> Result<Vec<Department>, FetchError> {
        self.call(|api| async move { api.department_list(None).await })
            .await
    }

    /// `department/simplelist` (whole tree).
    pub async fn department_simplelist(&self) -> Result<Vec<DepartmentId>, FetchError> {
        self.call(|api| async move { api.department_simplelist(None).await })
            .await
    }

    /// `department/get`.
    pub async fn department_get(&self, id: i64) -> Result<Department, FetchError> {
        self.call(|api| async move { api.department_get(id).await })
            .await
    }

    /// One `user/list_id` page.
    pub async fn user_list_id(&self, cursor: Option<&str>) -> Result<UserIdPage, FetchError> {
        self.call(|api| async move { api.user_list_id(cursor, LIST_ID_LIMIT).await })
            .await
    }

    /// `user/list` of one department.
    pub async fn user_list(&self, department: i64) -> Result<Vec<Member>, FetchError> {
        self.call(|api| async move { api.user_list(department).await })
            .await
    }

    /// `user/get`.
    pub async fn user_get(&self, userid: &str) -> Result<Member, FetchError> {
        self.call(|api| async move { api.user_get(userid).await })
            .await
    }

    /// `tag/list`.
    pub async fn tag_list(&self) -> Result<Vec<Tag>, FetchError> {
        self.call(|api| async move { api.tag_list().await }).await
    }

    /// `tag/get`.
    pub async fn tag_get(&self, tagid: i64) -> Result<TagMembers, FetchError> {
        self.call(|api| async move { api.tag_get(tagid).await })
            .await
    }
}
