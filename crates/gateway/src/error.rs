//! Errors of wxgate's own HTTP API (admin, tokens, events): one JSON shape,
//! `{"error":{"code":"…","message":"…"}}` plus the platform's `errcode`/`errmsg` when the cause
//! was an upstream WeChat/WeCom error, with the HTTP status that says who must act.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use wxgate_client::ClientError;
use wxgate_store::StoreError;

/// An error answered by wxgate's HTTP API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    upstream: Option<(i64, String)>,
}

impl ApiError {
    /// An error with `status`, a stable machine `code` and a message saying what to do.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            upstream: None,
        }
    }

    /// 404: no configured app has this name.
    pub fn unknown_app(name: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_app",
            format!("no app named `{name}` is configured; `wxgate check-config` lists them"),
        )
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: no or a wrong admin key.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send `Authorization: Bearer <admin key>` with one of [server] admin_keys",
        )
    }

    /// An error caused by the platform's `errcode`/`errmsg`, answered with `status` (e.g. 422
    /// when the platform refused what the caller asked for).
    pub fn upstream(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        errcode: i64,
        errmsg: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            upstream: Some((errcode, errmsg.into())),
        }
    }

    /// The same error with `prefix` before its message.
    pub fn prefixed(mut self, prefix: &str) -> ApiError {
        self.message = format!("{prefix}{}", self.message);
        self
    }

    /// The `{"code","message","errcode"?,"errmsg"?}` object of the answer (also what a send
    /// record keeps of its failure).
    pub fn to_json(&self) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), self.code.into());
        error.insert("message".into(), self.message.clone().into());
        if let Some((errcode, errmsg)) = &self.upstream {
            error.insert("errcode".into(), (*errcode).into());
            error.insert("errmsg".into(), errmsg.clone().into());
        }
        Value::Object(error)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        tracing::error!(error = %e, "storage error");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage",
            format!("storage error: {e}"),
        )
    }
}

impl From<ClientError> for ApiError {
    fn from(e: ClientError) -> ApiError {
        let upstream = e.platform().map(|p| (p.errcode, p.errmsg.clone()));
        let (status, code) = match &e {
            ClientError::Timeout { .. } => (StatusCode::GATEWAY_TIMEOUT, "upstream_timeout"),
            _ if upstream.is_some() => (StatusCode::BAD_GATEWAY, "upstream_error"),
            _ => (StatusCode::BAD_GATEWAY, "upstream_unavailable"),
        };
        ApiError {
            status,
            code,
            message: e.to_string(),
            upstream,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.to_json() }))).into_response()
    }
}
