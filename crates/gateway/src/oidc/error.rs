//! Errors of the token, revocation and userinfo endpoints, in OAuth's shape (RFC 6749 §5.2,
//! RFC 6750 §3): `{"error":"invalid_grant","error_description":"…"}` with the status the RFCs
//! give, `WWW-Authenticate` where they ask for it, and `Retry-After` on 429. Every description
//! says what the client should do.

use axum::Json;
use axum::http::header::{CACHE_CONTROL, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use wxgate_store::StoreError;

use crate::oidc::keys::KeyError;

/// An OAuth error answered to a client.
#[derive(Debug)]
pub struct OAuthError {
    status: StatusCode,
    /// The RFC error code (`invalid_request`, `invalid_grant`, …).
    pub code: &'static str,
    /// What went wrong and what to do.
    pub description: String,
    www_authenticate: Option<String>,
    retry_after: Option<u64>,
}

impl OAuthError {
    fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            code,
            description: description.into(),
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// 400 `invalid_request`: a parameter is missing, repeated or malformed.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// 401 `invalid_client`: unknown client or failed client authentication.
    pub fn invalid_client(description: impl Into<String>, basic: bool) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description);
        if basic {
            e.www_authenticate = Some("Basic realm=\"wxgate\"".into());
        }
        e
    }

    /// 400 `invalid_grant`: the code, refresh token or subject token is invalid, expired,
    /// revoked, used, or was issued to another client or redirect URI.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    /// 400 `unauthorized_client`: the client may not use this grant (or this mini program).
    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", description)
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            description,
        )
    }

    /// 400 `invalid_scope`.
    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", description)
    }

    /// 400 `invalid_target` (RFC 8693): the named mini program is not one this exchange can use.
    pub fn invalid_target(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_target", description)
    }

    /// 401 `invalid_token` (RFC 6750): the bearer token is missing, malformed, expired or revoked.
    pub fn invalid_token(description: impl Into<String>) -> Self {
        let description = description.into();
        let mut e = Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            description.clone(),
        );
        e.www_authenticate = Some(format!(
            "Bearer realm=\"wxgate\", error=\"invalid_token\", error_description=\"{}\"",
            description.replace(['"', '\\'], "'")
        ));
        e
    }

    /// 403 `insufficient_scope` (RFC 6750).
    pub fn insufficient_scope(description: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::FORBIDDEN, "insufficient_scope", description);
        e.www_authenticate = Some("Bearer realm=\"wxgate\", error=\"insufficient_scope\"".into());
        e
    }

    /// 429 with `Retry-After`: too many token requests from this client or address.
    pub fn rate_limited(retry_after_secs: u64, who: &str) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
            format!("too many token requests from {who}; retry after {retry_after_secs} s"),
        );
        e.retry_after = Some(retry_after_secs.max(1));
        e
    }

    /// 502 `temporarily_unavailable`: WeChat/WeCom failed; the client may retry with a new code.
    pub fn upstream(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_GATEWAY,
            "temporarily_unavailable",
            description,
        )
    }

    /// 503 `server_error`: wxgate's storage or keys failed.
    pub fn server_error(description: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "server_error", description)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.description)
    }
}

impl std::error::Error for OAuthError {}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "oidc storage error");
        OAuthError::server_error(format!("storage error ({e}); retry later"))
    }
}

impl From<KeyError> for OAuthError {
    fn from(e: KeyError) -> Self {
        tracing::error!(error = %e, "oidc signing key error");
        OAuthError::server_error(format!("signing keys unavailable ({e})"))
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({"error": self.code, "error_description": self.description})),
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(value) = self
            .www_authenticate
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(WWW_AUTHENTICATE, value);
        }
        if let Some(secs) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
