//! The WeCom third-party suite lifecycle (第三方应用): a service provider's suite is installed by
//! many customer corps, and each install must become an authorised corp with its permanent code,
//! followed through change_auth / cancel_auth / reset_permanent_code. See `docs/suites.md`.
//!
//! | module | what it is |
//! |---|---|
//! | [`lifecycle`] | [`lifecycle::handle_instruction`]: what each instruction callback does |
//! | [`exchange`] | the durable auth code → permanent code exchange (remember, then exchange) |
//! | [`retry`] | the background task retrying pending exchanges until their codes expire |
//! | [`corps`] | authorised corps: the admin view, refresh from `get_auth_info`, revocation |
//! | [`install`] | the install URL (pre_auth_code + session info) |
//! | [`outbox`] | the internal `suite.*` events written to the outbox for business backends |
//! | [`api`] | the admin routes and the install redirect page |
//! | [`error`] | [`SuiteError`] |

pub mod api;
pub mod corps;
pub mod error;
pub mod exchange;
pub mod install;
pub mod lifecycle;
pub mod outbox;
pub mod retry;

pub use error::SuiteError;

use std::sync::Arc;

use wxgate_client::{SuiteApi, TokenKey};

use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;

/// The configured suite named `name`.
pub fn suite_by_name(gateway: &Gateway, name: &str) -> Result<Arc<AppEntry>, SuiteError> {
    let app = gateway
        .registry
        .get(name)
        .ok_or_else(|| SuiteError::UnknownSuite {
            name: name.to_owned(),
        })?;
    match app.kind {
        AppKind::Suite { .. } => Ok(app),
        _ => Err(SuiteError::NotASuite {
            name: name.to_owned(),
            kind: app.kind.name(),
        }),
    }
}

/// The configured suite whose SuiteID is `suite_id`.
pub fn suite_by_id(gateway: &Gateway, suite_id: &str) -> Option<Arc<AppEntry>> {
    gateway
        .registry
        .find(|app| matches!(&app.kind, AppKind::Suite { suite_id: id, .. } if id == suite_id))
}

/// The SuiteID of a suite entry.
pub fn suite_id(suite: &AppEntry) -> Result<&str, SuiteError> {
    match &suite.kind {
        AppKind::Suite { suite_id, .. } => Ok(suite_id),
        _ => Err(SuiteError::NotASuite {
            name: suite.name.clone(),
            kind: suite.kind.name(),
        }),
    }
}

/// Suite API calls with the suite_access_token from the token service.
pub fn suite_api(gateway: &Gateway, suite_id: &str) -> SuiteApi {
    gateway
        .client
        .suite(gateway.tokens.clone(), TokenKey::suite(suite_id))
}
