//! [`TokenService`]: hands out access tokens and tickets, refreshing each at most once per
//! expiry window across every caller and every gateway instance.
//!
//! Lookup order for a key: the in-memory copy (if valid and not within the refresh margin) →
//! the single-flight group of the key (concurrent callers of this instance await one load) →
//! the store (another instance may have refreshed it) → the cross-instance lock of the key
//! (`token:{key}`; a lease on PostgreSQL, an in-process lock on SQLite) → the store again
//! (double-checked: the previous holder of the lock may just have written it) → the upstream
//! fetch → the store (with the upstream lifetime minus [`SAFETY_MARGIN_SECS`]) → release.
//!
//! Invalidation is compare-and-delete: a rejected token is dropped from memory and the store
//! only if it is still the current one, so a fresher token fetched meanwhile survives.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wxgate_client::{BoxFuture, Client, ClientError, TokenKey, TokenKind, TokenProvider};
use wxgate_store::Store;

use crate::metrics::{Metrics, TokenLabels};
use crate::registry::{AppEntry, Registry};
use crate::token::breaker::Breaker;
use crate::token::clock::TokenClock;
use crate::token::error::TokenError;
use crate::token::fetch;
use crate::token::keys;
use crate::token::single_flight::SingleFlight;

/// Seconds subtracted from the platform's `expires_in` before a token is persisted, so a token
/// is never handed out in its last seconds (clock skew, transit time).
pub const SAFETY_MARGIN_SECS: i64 = 60;

/// A token or ticket and when it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    /// The token itself (never printed by `Debug`).
    pub value: String,
    /// When it must no longer be used (unix seconds; the platform's expiry minus a margin).
    pub expires_at: i64,
    /// When it was fetched from the platform (unix seconds).
    pub fetched_at: i64,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("value", &"**redacted**")
            .field("expires_at", &self.expires_at)
            .field("fetched_at", &self.fetched_at)
            .finish()
    }
}

impl Token {
    /// Seconds before expiry at which the token counts as due for refresh: 10 % of its
    /// lifetime, at most 5 minutes.
    pub fn refresh_margin(&self) -> i64 {
        ((self.expires_at - self.fetched_at) / 10).clamp(0, 300)
    }

    /// Usable and not yet due for refresh at `now`.
    pub fn is_fresh(&self, now: i64) -> bool {
        now < self.expires_at - self.refresh_margin()
    }

    /// Usable and not due within `ahead` seconds (the refresher refreshes early).
    fn is_fresh_for(&self, now: i64, ahead: i64) -> bool {
        now + ahead < self.expires_at - self.refresh_margin()
    }
}

/// Tunables of the token service.
#[derive(Debug, Clone)]
pub struct TokenOptions {
    /// How long a 45009 keeps a key's breaker open.
    pub breaker_open: Duration,
    /// How long to wait for another instance holding a key's lock.
    pub lock_wait: Duration,
    /// How often the background refresher looks for tokens about to expire.
    pub refresh_every: Duration,
    /// A key used within this window is kept fresh by the refresher.
    pub keep_warm_for: Duration,
}

impl Default for TokenOptions {
    fn default() -> Self {
        TokenOptions {
            breaker_open: Duration::from_secs(60),
            lock_wait: Duration::from_secs(15),
            refresh_every: Duration::from_secs(30),
            keep_warm_for: Duration::from_secs(3600),
        }
    }
}

/// The central token service. Cheap to share as `Arc<TokenService>`; implements
/// [`TokenProvider`] so API modules hand `gateway.tokens.clone()` to the client.
pub struct TokenService {
    pub(crate) store: Store,
    pub(crate) client: Client,
    pub(crate) registry: Arc<Registry>,
    metrics: Arc<Metrics>,
    clock: TokenClock,
    options: TokenOptions,
    memory: Mutex<HashMap<TokenKey, Token>>,
    last_used: Mutex<HashMap<TokenKey, i64>>,
    rejected: Mutex<HashMap<TokenKey, String>>,
    flights: SingleFlight<TokenKey, Result<Token, TokenError>>,
    breaker: Breaker,
    proxy_http: reqwest::Client,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl TokenService {
    /// A token service over `store`, fetching with `client` for the apps in `registry`.
    pub fn new(
        store: Store,
        client: Client,
        registry: Arc<Registry>,
        metrics: Arc<Metrics>,
        options: TokenOptions,
    ) -> TokenService {
        TokenService {
            store,
            client,
            registry,
            metrics,
            clock: TokenClock::default(),
            breaker: Breaker::new(options.breaker_open),
            options,
            memory: Mutex::new(HashMap::new()),
            last_used: Mutex::new(HashMap::new()),
            rejected: Mutex::new(HashMap::new()),
            flights: SingleFlight::default(),
            proxy_http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap_or_default(),
        }
    }

    /// The key of `app`'s token of `kind`, or `None` if that app has no such token.
    pub fn key_for_app(app: &AppEntry, kind: TokenKind) -> Option<TokenKey> {
        keys::for_app(app, kind)
    }

    /// The service's clock (tests advance it together with the simulator's).
    pub fn clock(&self) -> &TokenClock {
        &self.clock
    }

    /// The HTTP client the proxy forwards with.
    pub(crate) fn proxy_http(&self) -> &reqwest::Client {
        &self.proxy_http
    }

    /// The options in force.
    pub fn options(&self) -> &TokenOptions {
        &self.options
    }

    /// The current token for `key`, fetched (once, however many callers) if needed.
    pub async fn get(&self, key: &TokenKey) -> Result<Token, TokenError> {
        self.get_ahead(key, 0).await
    }

    /// Like [`TokenService::get`], but a token due within `ahead` seconds is refreshed now.
    pub(crate) async fn get_ahead(&self, key: &TokenKey, ahead: i64) -> Result<Token, TokenError> {
        let now = self.clock.now();
        self.touch(key, now);
        if let Some(token) = self.cached(key)
            && token.is_fresh_for(now, ahead)
        {
            return Ok(token);
        }
        let token = self
            .flights
            .run(key, || self.load(key.clone(), ahead))
            .await?;
        if self.is_rejected(key, &token) {
            // The flight we joined read the store before this token was rejected: load again.
            return self
                .flights
                .run(key, || self.load(key.clone(), ahead))
                .await;
        }
        Ok(token)
    }

    /// The platform rejected `value` for `key`: forget it in memory and in the store, but only
    /// if it is still the current token (compare-and-delete).
    pub async fn invalidate(&self, key: &TokenKey, value: &str) {
        {
            // Remember the rejected value first: a load that read the store before the delete
            // below lands must not put it back into memory.
            let mut rejected = self.rejected.lock().unwrap_or_else(|p| p.into_inner());
            rejected.insert(key.clone(), value.to_owned());
        }
        {
            let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
            if memory.get(key).is_some_and(|t| t.value == value) {
                memory.remove(key);
            }
        }
        match self.store.delete_token_if(key.as_str(), value).await {
            Ok(deleted) => tracing::info!(key = %key, deleted, "token invalidated"),
            Err(e) => {
                tracing::warn!(key = %key, error = %e, "could not invalidate the stored token")
            }
        }
    }

    /// Keys used within `keep_warm_for`, with the time they were last used.
    pub(crate) fn recently_used(&self) -> Vec<TokenKey> {
        let cutoff = self.clock.now()
            - i64::try_from(self.options.keep_warm_for.as_secs()).unwrap_or(i64::MAX / 2);
        let mut used = self.last_used.lock().unwrap_or_else(|p| p.into_inner());
        used.retain(|_, at| *at >= cutoff);
        used.keys().cloned().collect()
    }

    fn touch(&self, key: &TokenKey, now: i64) {
        let mut used = self.last_used.lock().unwrap_or_else(|p| p.into_inner());
        used.insert(key.clone(), now);
    }

    fn cached(&self, key: &TokenKey) -> Option<Token> {
        let memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        memory
            .get(key)
            .cloned()
            .filter(|t| !self.is_rejected(key, t))
    }

    /// Whether the platform rejected `token` (it is never handed out again unless refetched).
    fn is_rejected(&self, key: &TokenKey, token: &Token) -> bool {
        let rejected = self.rejected.lock().unwrap_or_else(|p| p.into_inner());
        rejected.get(key).is_some_and(|v| *v == token.value)
    }

    fn remember(&self, key: &TokenKey, token: &Token) {
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        memory.insert(key.clone(), token.clone());
    }

    async fn stored(&self, key: &TokenKey) -> Result<Option<Token>, TokenError> {
        let stored = self
            .store
            .get_token(key.as_str())
            .await
            .map_err(TokenError::storage)?;
        Ok(stored
            .map(|s| Token {
                value: s.value.expose().to_owned(),
                expires_at: s.expires_at / 1000,
                fetched_at: s.fetched_at / 1000,
            })
            .filter(|t| !self.is_rejected(key, t)))
    }

    /// The part behind the single flight: store → lock → store → fetch → store.
    async fn load(&self, key: TokenKey, ahead: i64) -> Result<Token, TokenError> {
        if let Some(token) = self.stored(&key).await?
            && token.is_fresh_for(self.clock.now(), ahead)
        {
            self.remember(&key, &token);
            return Ok(token);
        }
        if let Err(retry_after_secs) = self.breaker.check(key.as_str()) {
            self.count(&key, "breaker_open");
            return Err(TokenError::RateLimited {
                key: key.to_string(),
                retry_after_secs,
            });
        }
        let lock_name = format!("token:{key}");
        let guard = self
            .store
            .lock(&lock_name, self.options.lock_wait)
            .await
            .map_err(TokenError::storage)?;
        let result = self.load_locked(&key, ahead).await;
        if let Err(e) = guard.release().await {
            tracing::warn!(lock = %lock_name, error = %e, "could not release the token lock; it expires by itself");
        }
        result
    }

    async fn load_locked(&self, key: &TokenKey, ahead: i64) -> Result<Token, TokenError> {
        if let Some(token) = self.stored(key).await?
            && token.is_fresh_for(self.clock.now(), ahead)
        {
            self.remember(key, &token);
            return Ok(token);
        }
        if let Err(retry_after_secs) = self.breaker.check(key.as_str()) {
            self.count(key, "breaker_open");
            return Err(TokenError::RateLimited {
                key: key.to_string(),
                retry_after_secs,
            });
        }
        let fetched = match fetch::fetch(self, key).await {
            Ok(fetched) => {
                self.breaker.reset(key.as_str());
                fetched
            }
            Err(e) => {
                if e.platform().is_some_and(|p| p.errcode == 45009) {
                    self.breaker.trip(key.as_str());
                    self.count(key, "rate_limited");
                    return Err(TokenError::RateLimited {
                        key: key.to_string(),
                        retry_after_secs: self.breaker.open_for().as_secs(),
                    });
                }
                self.breaker.reset(key.as_str());
                self.count(key, "error");
                tracing::warn!(key = %key, error = %e, "token fetch failed");
                return Err(e);
            }
        };
        let now = self.clock.now();
        let lifetime = (fetched.expires_in - SAFETY_MARGIN_SECS).max(fetched.expires_in / 2);
        let token = Token {
            value: fetched.value,
            expires_at: now + lifetime,
            fetched_at: now,
        };
        self.store
            .put_token(key.as_str(), &token.value, token.expires_at * 1000)
            .await
            .map_err(TokenError::storage)?;
        {
            // The platform handed this value out again: it is current, whatever was said before.
            let mut rejected = self.rejected.lock().unwrap_or_else(|p| p.into_inner());
            if rejected.get(key).is_some_and(|v| *v == token.value) {
                rejected.remove(key);
            }
        }
        self.remember(key, &token);
        self.count(key, "fetched");
        tracing::info!(key = %key, expires_in = fetched.expires_in, "token fetched");
        Ok(token)
    }

    fn count(&self, key: &TokenKey, outcome: &str) {
        self.metrics
            .token_refreshes
            .get_or_create(&TokenLabels {
                kind: key.kind().prefix().to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }
}

impl TokenProvider for TokenService {
    fn token<'a>(&'a self, key: &'a TokenKey) -> BoxFuture<'a, Result<String, ClientError>> {
        Box::pin(async move {
            self.get(key)
                .await
                .map(|t| t.value)
                .map_err(|e| e.to_client_error(key.kind().prefix()))
        })
    }

    fn invalidate<'a>(&'a self, key: &'a TokenKey, token: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(TokenService::invalidate(self, key, token))
    }
}

/// Tokens learnt outside a fetch (the suite lifecycle: `get_permanent_code` answers with the
/// authorised corp's token) and tokens that must be forgotten at once (a revoked corp).
impl TokenService {
    /// Stores `value` as the current token of `key` (valid `expires_in` seconds per the
    /// platform), in the store and in memory, saving the fetch it would otherwise take.
    pub async fn seed(
        &self,
        key: &TokenKey,
        value: &str,
        expires_in: i64,
    ) -> Result<(), TokenError> {
        let now = self.clock.now();
        let lifetime = (expires_in - SAFETY_MARGIN_SECS).max(expires_in / 2);
        let token = Token {
            value: value.to_owned(),
            expires_at: now + lifetime,
            fetched_at: now,
        };
        self.store
            .put_token(key.as_str(), &token.value, token.expires_at * 1000)
            .await
            .map_err(TokenError::storage)?;
        self.remember(key, &token);
        Ok(())
    }

    /// Drops the in-memory copy of `key` (the store's copy is the caller's business, e.g.
    /// `revoke_auth_corp` deletes it in the same transaction as the revocation).
    pub fn forget(&self, key: &TokenKey) {
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        memory.remove(key);
    }
}
