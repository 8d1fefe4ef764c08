//! [`TokenError`]: why the token service could not hand out a token, each saying what to do.
//! It is `Clone` because one failed fetch answers every caller waiting on it.

use std::sync::Arc;

use wxgate_client::{ClientError, PlatformError};

/// Why a token could not be supplied.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    /// No configured app owns this key.
    #[error("no configured app owns token key `{key}`; check the app's ids in the configuration")]
    UnknownKey {
        /// The key.
        key: String,
    },
    /// A suite has no suite_ticket stored yet.
    #[error(
        "suite `{suite_id}` has no suite_ticket yet: wait for the platform's suite_ticket push (every 10 min) or refresh it in the console"
    )]
    NoSuiteTicket {
        /// The suite id.
        suite_id: String,
    },
    /// The corp has not authorised the suite (or revoked it), so there is no permanent code.
    #[error(
        "corp `{corp_id}` has no active authorisation of suite `{suite_id}`; it must install the app first"
    )]
    NotAuthorised {
        /// The suite id.
        suite_id: String,
        /// The corp id.
        corp_id: String,
    },
    /// The platform answered 45009 recently; the breaker is open.
    #[error(
        "rate limited by WeCom/WeChat (45009) fetching `{key}`; retry after {retry_after_secs} s"
    )]
    RateLimited {
        /// The key.
        key: String,
        /// Seconds until the breaker lets one call through.
        retry_after_secs: u64,
    },
    /// The upstream fetch failed.
    #[error("fetching `{key}` failed: {source}")]
    Upstream {
        /// The key.
        key: String,
        /// The client error (shared by every waiting caller).
        source: Arc<ClientError>,
    },
    /// The store failed (or the cross-instance lock stayed busy).
    #[error("token store: {message}; check the database")]
    Storage {
        /// The store's error, as text.
        message: String,
    },
}

impl TokenError {
    /// A store failure.
    pub fn storage(e: wxgate_store::StoreError) -> TokenError {
        TokenError::Storage {
            message: e.to_string(),
        }
    }

    /// The platform error behind this failure, if the platform answered with one.
    pub fn platform(&self) -> Option<&PlatformError> {
        match self {
            TokenError::Upstream { source, .. } => source.platform(),
            _ => None,
        }
    }

    /// This error as a [`ClientError`]: upstream failures keep their shape (so a 40001 from a
    /// fetch stays "invalid credential", never "invalid token"), the rest become
    /// [`ClientError::TokenUnavailable`].
    pub fn to_client_error(&self, api: &'static str) -> ClientError {
        match self {
            TokenError::Upstream { source, .. } => match source.as_ref() {
                ClientError::Platform(p) => ClientError::Platform(p.clone()),
                ClientError::Timeout { api } => ClientError::Timeout { api },
                ClientError::Status { api, status } => ClientError::Status {
                    api,
                    status: *status,
                },
                other => ClientError::TokenUnavailable {
                    api,
                    key: self.key().unwrap_or_default().to_owned(),
                    reason: other.to_string(),
                },
            },
            other => ClientError::TokenUnavailable {
                api,
                key: other.key().unwrap_or_default().to_owned(),
                reason: other.to_string(),
            },
        }
    }

    fn key(&self) -> Option<&str> {
        match self {
            TokenError::UnknownKey { key }
            | TokenError::RateLimited { key, .. }
            | TokenError::Upstream { key, .. } => Some(key),
            _ => None,
        }
    }
}
