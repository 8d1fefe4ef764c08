//! [`SuiteError`]: why a suite lifecycle step failed, with what to do about it.

use wxgate_client::ClientError;
use wxgate_store::StoreError;

/// A failed suite lifecycle step.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// No app of that name is configured.
    #[error("no suite named `{name}` is configured; `wxgate check-config` lists the apps")]
    UnknownSuite {
        /// The name asked for.
        name: String,
    },
    /// The app exists but is not a suite.
    #[error("app `{name}` is a {kind} app, not a suite")]
    NotASuite {
        /// The app.
        name: String,
        /// Its kind.
        kind: &'static str,
    },
    /// The corp never authorised the suite, or revoked it.
    #[error(
        "corp {corp_id} has not authorised suite {suite_id} (or cancelled the authorisation); it must install the app again"
    )]
    NotAuthorised {
        /// The suite.
        suite_id: String,
        /// The corp.
        corp_id: String,
    },
    /// The auth code expired (10 minutes) or was refused for good before it could be exchanged.
    #[error(
        "the auth code of suite {suite_id} can no longer be exchanged ({reason}); the corp must install the app again"
    )]
    CodeExpired {
        /// The suite.
        suite_id: String,
        /// Why.
        reason: String,
    },
    /// The platform's answer lacks a field the lifecycle needs.
    #[error("the platform's {api} answer has no {field}; check the upstream")]
    Incomplete {
        /// The API.
        api: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// The bad request (e.g. an invalid redirect URI).
    #[error("{0}")]
    BadRequest(String),
    /// The platform refused or could not be reached; retried where it makes sense.
    #[error("upstream: {0}")]
    Upstream(#[from] ClientError),
    /// The database failed.
    #[error("storage: {0}")]
    Storage(#[from] StoreError),
}
