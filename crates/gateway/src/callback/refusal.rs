//! Why a callback was refused, as one type that knows its HTTP status, its metric outcome and
//! the official `WXBizMsgCrypt` error name to log. Statuses are chosen so an operator can tell
//! "misconfigured" (401/403/404) from "garbage" (400/413) from "retry later" (503); the
//! platforms only care that it is not a 200 (see docs/callbacks.md).

use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use wxgate_protocol::error::CryptoError;

/// A refused callback. Nothing is stored for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status answered.
    pub status: StatusCode,
    /// The metric outcome (`bad_signature`, `stale_timestamp`, …).
    pub outcome: &'static str,
    /// The official error name (`ValidateSignature_Error`, …), for crypto failures.
    pub official: Option<&'static str>,
    /// What went wrong and what to check (never contains a secret).
    pub message: String,
}

impl Refusal {
    fn new(status: StatusCode, outcome: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            outcome,
            official: None,
            message: message.into(),
        }
    }

    /// 404: no app of that name.
    pub fn unknown_app(name: &str) -> Refusal {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "unknown_app",
            format!("no app named `{name}` is configured"),
        )
    }

    /// 404: the app exists but receives no callbacks (no `token` configured, or its kind has none).
    pub fn no_callback(name: &str) -> Refusal {
        Refusal::new(
            StatusCode::NOT_FOUND,
            "no_callback",
            format!(
                "app `{name}` has no callback configuration; set its `token` (and `encoding_aes_key`)"
            ),
        )
    }

    /// 400: the request itself is unusable (missing query parameter, body not UTF-8, …).
    pub fn bad_request(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 400: the signed timestamp is outside the accepted window (a replay, or a skewed clock).
    pub fn stale_timestamp(timestamp: i64, now: i64, window: u64) -> Refusal {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "stale_timestamp",
            format!(
                "timestamp {timestamp} is {}s from our clock ({now}), outside the {window}s window \
                 ([server] callback_timestamp_window_secs); replay or clock skew",
                (now - timestamp).abs()
            ),
        )
    }

    /// 413: the body exceeds `[server] max_body_bytes`.
    pub fn too_large(limit: usize) -> Refusal {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body exceeds {limit} bytes ([server] max_body_bytes)"),
        )
    }

    /// 400: the decrypted payload is not XML/JSON the parsers can read.
    pub fn malformed_payload(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, "malformed", message)
    }

    /// 503: the event could not be stored; the platform retries.
    pub fn unavailable(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "store_error", message)
    }

    /// Logs the refusal (with the official error name) and answers it.
    pub fn log(&self, kind: &str, app: &str) {
        if self.status.is_server_error() {
            tracing::error!(kind, app, outcome = self.outcome, official = self.official, status = %self.status, "callback refused: {}", self.message);
        } else {
            tracing::warn!(kind, app, outcome = self.outcome, official = self.official, status = %self.status, "callback refused: {}", self.message);
        }
    }
}

impl From<CryptoError> for Refusal {
    fn from(e: CryptoError) -> Refusal {
        let (status, outcome) = match &e {
            CryptoError::ValidateSignature => (StatusCode::UNAUTHORIZED, "bad_signature"),
            CryptoError::ValidateReceiveId { .. } => (StatusCode::FORBIDDEN, "bad_receive_id"),
            CryptoError::ParseXml { .. } => (StatusCode::BAD_REQUEST, "malformed"),
            CryptoError::DecryptAes
            | CryptoError::IllegalBuffer { .. }
            | CryptoError::DecodeBase64 => (StatusCode::BAD_REQUEST, "decrypt_failed"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "crypto_error"),
        };
        Refusal {
            status,
            outcome,
            official: Some(e.name()),
            message: e.to_string(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.message,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crypto_errors_map_to_deliberate_statuses() {
        let r = Refusal::from(CryptoError::ValidateSignature);
        assert_eq!(
            (r.status, r.outcome),
            (StatusCode::UNAUTHORIZED, "bad_signature")
        );
        assert_eq!(r.official, Some("ValidateSignature_Error"));
        let r = Refusal::from(CryptoError::ValidateReceiveId {
            found: "x".into(),
            expected: vec!["y".into()],
        });
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.official, Some("ValidateCorpid_Error"));
        let r = Refusal::from(CryptoError::DecryptAes);
        assert_eq!(
            (r.status, r.outcome),
            (StatusCode::BAD_REQUEST, "decrypt_failed")
        );
        let r = Refusal::from(CryptoError::ParseXml { detail: "x".into() });
        assert_eq!(
            (r.status, r.outcome),
            (StatusCode::BAD_REQUEST, "malformed")
        );
    }
}
