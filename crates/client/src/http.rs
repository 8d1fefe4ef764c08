//! The HTTP client: one pooled `reqwest` client with timeouts, the two platform base URLs, and
//! the single place where a request is sent, traced, observed and decoded.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::decode::decode;
use crate::error::{CallContext, ClientError};
use crate::retry::RetryPolicy;

/// Default WeCom API base.
pub const WECOM_BASE: &str = "https://qyapi.weixin.qq.com";
/// Default WeChat (MP / Mini Program / open platform) API base.
pub const WECHAT_BASE: &str = "https://api.weixin.qq.com";

/// Called once per upstream response (or transport failure) with the API name and the errcode
/// (0 on success, see [`ClientError::observed_code`] for failures), so the gateway can count
/// upstream calls.
pub type CallObserver = Arc<dyn Fn(&'static str, i64) + Send + Sync>;

/// Settings for [`Client::new`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// WeCom base URL (tests and dev point it at the simulator).
    pub wecom_base: String,
    /// WeChat base URL.
    pub wechat_base: String,
    /// TCP + TLS connect timeout (default 3 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout (default 10 s).
    pub request_timeout: Duration,
    /// Retries of −1 (system busy).
    pub retry: RetryPolicy,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            wecom_base: WECOM_BASE.to_owned(),
            wechat_base: WECHAT_BASE.to_owned(),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }
}

/// Which platform a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// `qyapi.weixin.qq.com`.
    Wecom,
    /// `api.weixin.qq.com`.
    Wechat,
}

/// The API client. Cheap to clone (everything is behind `Arc`s); share one per process.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    wecom_base: String,
    wechat_base: String,
    retry: RetryPolicy,
    observer: Option<CallObserver>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("wecom_base", &self.inner.wecom_base)
            .field("wechat_base", &self.inner.wechat_base)
            .finish_non_exhaustive()
    }
}

/// Building the HTTP client failed (TLS backend could not initialise).
#[derive(Debug, thiserror::Error)]
#[error("could not build the HTTP client: {0}; check the TLS setup of this host")]
pub struct BuildError(#[source] reqwest::Error);

impl Client {
    /// A client with `config`.
    pub fn new(config: ClientConfig) -> Result<Self, BuildError> {
        Self::with_observer(config, None)
    }

    /// A client with `config` that reports every upstream call to `observer`.
    pub fn with_observer(
        config: ClientConfig,
        observer: Option<CallObserver>,
    ) -> Result<Self, BuildError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("wxgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(BuildError)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                wecom_base: config.wecom_base.trim_end_matches('/').to_owned(),
                wechat_base: config.wechat_base.trim_end_matches('/').to_owned(),
                retry: config.retry,
                observer,
            }),
        })
    }

    /// The retry policy for −1 (system busy).
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// The absolute URL of `path` (which starts with `/`) on `base`.
    pub(crate) fn url(&self, base: Base, path: &str) -> String {
        let root = match base {
            Base::Wecom => &self.inner.wecom_base,
            Base::Wechat => &self.inner.wechat_base,
        };
        format!("{root}{path}")
    }

    /// A GET request builder for `path` on `base`.
    pub(crate) fn get(&self, base: Base, path: &str) -> reqwest::RequestBuilder {
        self.inner.http.get(self.url(base, path))
    }

    /// A POST request builder for `path` on `base`.
    pub(crate) fn post(&self, base: Base, path: &str) -> reqwest::RequestBuilder {
        self.inner.http.post(self.url(base, path))
    }

    /// Sends `request` for `api` and decodes a JSON answer into `T` (errcode first).
    pub(crate) async fn execute<T: DeserializeOwned>(
        &self,
        api: &'static str,
        context: CallContext,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let span = tracing::debug_span!("wx_api", api, errcode = tracing::field::Empty);
        let recorder = span.clone();
        async move {
            let result = match self.send(api, request).await {
                Ok(raw) => decode::<T>(api, context, &raw.body),
                Err(e) => Err(e),
            };
            let code = match &result {
                Ok(_) => 0,
                Err(e) => e.observed_code(),
            };
            recorder.record("errcode", code);
            self.observe(api, code);
            if let Err(e) = &result {
                tracing::debug!(error = %e, "upstream call failed");
            }
            result
        }
        .instrument(span)
        .await
    }

    /// Sends `request` and returns the raw answer (for downloads). A JSON body is still checked
    /// for a non-zero errcode.
    pub(crate) async fn execute_raw(
        &self,
        api: &'static str,
        context: CallContext,
        request: reqwest::RequestBuilder,
    ) -> Result<RawResponse, ClientError> {
        let span = tracing::debug_span!("wx_api", api, errcode = tracing::field::Empty);
        let recorder = span.clone();
        async move {
            let mut result = self.send(api, request).await;
            if let Ok(raw) = &result
                && raw.is_json()
            {
                // Media downloads answer errors as JSON with a 200.
                if let Err(e) = decode::<serde_json::Value>(api, context, &raw.body) {
                    result = Err(e);
                }
            }
            let code = match &result {
                Ok(_) => 0,
                Err(e) => e.observed_code(),
            };
            recorder.record("errcode", code);
            self.observe(api, code);
            result
        }
        .instrument(span)
        .await
    }

    fn observe(&self, api: &'static str, code: i64) {
        if let Some(observer) = &self.inner.observer {
            observer(api, code);
        }
    }

    async fn send(
        &self,
        api: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<RawResponse, ClientError> {
        let response = request.send().await.map_err(|e| transport(api, e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ClientError::Status {
                api,
                status: status.as_u16(),
            });
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_disposition = response
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(|e| transport(api, e))?;
        Ok(RawResponse {
            content_type,
            content_disposition,
            body: body.to_vec(),
        })
    }
}

/// A response body with the headers a download needs.
#[derive(Debug, Clone)]
pub(crate) struct RawResponse {
    pub content_type: Option<String>,
    pub content_disposition: Option<String>,
    pub body: Vec<u8>,
}

impl RawResponse {
    fn is_json(&self) -> bool {
        let ct = self.content_type.as_deref().unwrap_or_default();
        ct.contains("json") || (ct.starts_with("text/plain") && self.body.first() == Some(&b'{'))
    }
}

/// Maps a reqwest error to a typed error, dropping its URL (which carries the token).
fn transport(api: &'static str, error: reqwest::Error) -> ClientError {
    if error.is_timeout() {
        ClientError::Timeout { api }
    } else {
        ClientError::Http {
            api,
            source: error.without_url(),
        }
    }
}
