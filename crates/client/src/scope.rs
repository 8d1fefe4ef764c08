//! A handle that carries where its tokens come from: every request made through it gets the
//! token for its [`TokenKey`] from its [`TokenProvider`], passes the optional client-side rate
//! limiter, and follows the retry rules of [`Client::call_with_token`].

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{CallContext, ClientError};
use crate::http::{Base, Client, RawResponse};
use crate::rate_limit::RateLimiter;
use crate::token::{TokenKey, TokenProvider};

/// The shared core of the per-credential API handles.
#[derive(Clone)]
pub(crate) struct TokenScope {
    pub(crate) client: Client,
    tokens: Arc<dyn TokenProvider>,
    key: TokenKey,
    limiter: Option<(RateLimiter, String)>,
}

impl std::fmt::Debug for TokenScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenScope")
            .field("key", &self.key)
            .field("rate_limited", &self.limiter.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenScope {
    pub(crate) fn new(client: Client, tokens: Arc<dyn TokenProvider>, key: TokenKey) -> Self {
        TokenScope {
            client,
            tokens,
            key,
            limiter: None,
        }
    }

    pub(crate) fn set_rate_limit(&mut self, limiter: RateLimiter, corp_id: String) {
        self.limiter = Some((limiter, corp_id));
    }

    pub(crate) fn key(&self) -> &TokenKey {
        &self.key
    }

    async fn limit(&self, api: &'static str) -> Result<(), ClientError> {
        match &self.limiter {
            Some((limiter, corp)) => limiter.acquire(corp, api).await,
            None => Ok(()),
        }
    }

    /// `GET base+path?{token_param}=TOKEN&query…`, decoded into `T`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        api: &'static str,
        base: Base,
        path: &str,
        token_param: &'static str,
        query: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        self.request(api, |client, token| {
            client
                .get(base, path)
                .query(&[(token_param, token)])
                .query(query)
        })
        .await
    }

    /// `POST base+path?{token_param}=TOKEN` with a JSON body, decoded into `T`.
    pub(crate) async fn post_json<T: DeserializeOwned, B: Serialize + ?Sized + Sync>(
        &self,
        api: &'static str,
        base: Base,
        path: &str,
        token_param: &'static str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.request(api, |client, token| {
            client
                .post(base, path)
                .query(&[(token_param, token)])
                .json(body)
        })
        .await
    }

    /// Any request built by `build` (called once per attempt with the current token).
    pub(crate) async fn request<T, F>(&self, api: &'static str, build: F) -> Result<T, ClientError>
    where
        T: DeserializeOwned,
        F: Fn(&Client, &str) -> reqwest::RequestBuilder,
    {
        self.limit(api).await?;
        let client = &self.client;
        let build = &build;
        client
            .call_with_token(self.tokens.as_ref(), &self.key, |token| async move {
                client
                    .execute(api, CallContext::TokenBearing, build(client, &token))
                    .await
            })
            .await
    }

    /// Like [`TokenScope::request`], returning the raw body (downloads).
    pub(crate) async fn request_raw<F>(
        &self,
        api: &'static str,
        build: F,
    ) -> Result<RawResponse, ClientError>
    where
        F: Fn(&Client, &str) -> reqwest::RequestBuilder,
    {
        self.limit(api).await?;
        let client = &self.client;
        let build = &build;
        client
            .call_with_token(self.tokens.as_ref(), &self.key, |token| async move {
                client
                    .execute_raw(api, CallContext::TokenBearing, build(client, &token))
                    .await
            })
            .await
    }
}
