//! The credentials the platforms issue — access tokens and tickets — as returned by the token
//! fetch APIs, with the value wrapped in [`Secret`] so it never lands in a log.

use serde::Deserialize;

use crate::lenient;
use crate::redact::Secret;

/// An access token and its lifetime. Decodes WeCom `gettoken` / `get_corp_token`
/// (`access_token`), `get_suite_token` (`suite_access_token`), `get_provider_token`
/// (`provider_access_token`) and MP `token` / `stable_token`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AccessToken {
    /// The token.
    #[serde(alias = "suite_access_token", alias = "provider_access_token")]
    pub access_token: Secret,
    /// Seconds until it expires (usually 7200).
    #[serde(deserialize_with = "lenient::int")]
    pub expires_in: i64,
}

/// A JS-SDK ticket (`jsapi_ticket`, agent_config ticket, `wx_card` ticket) and its lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Ticket {
    /// The ticket.
    pub ticket: Secret,
    /// Seconds until it expires (usually 7200).
    #[serde(deserialize_with = "lenient::int")]
    pub expires_in: i64,
}
