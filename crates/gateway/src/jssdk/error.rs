//! [`JssdkError`]: why a signature could not be made, each saying what to do, and its HTTP form.

use axum::http::StatusCode;

use crate::error::ApiError;
use crate::jssdk::page_url::PageUrlError;
use crate::token::TokenError;

/// Why a JS-SDK signature could not be made.
#[derive(Debug, thiserror::Error)]
pub enum JssdkError {
    /// No app of that name.
    #[error("no app named `{0}` is configured")]
    UnknownApp(String),
    /// The app's kind has no JS-SDK.
    #[error(
        "app `{0}` is a {1} app, which has no JS-SDK signature; use a WeCom app, a suite or an official account"
    )]
    NoJssdk(String, &'static str),
    /// A suite needs the authorised corp.
    #[error("app `{0}` is a suite: pass `corp_id`, the id of a corp that installed it")]
    CorpRequired(String),
    /// The corp has not authorised the suite.
    #[error(
        "corp `{corp_id}` has no active authorisation of suite `{suite}`; it must install the app first"
    )]
    NotAuthorised {
        /// The suite's name.
        suite: String,
        /// The corp.
        corp_id: String,
    },
    /// `wx.agentConfig` is WeCom only, and needs the app's agent id.
    #[error(
        "app `{0}` has no wx.agentConfig (only WeCom apps, and suites installed with an agent, have one)"
    )]
    NoAgentConfig(String),
    /// The page URL was refused.
    #[error(transparent)]
    PageUrl(#[from] PageUrlError),
    /// A request field is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The ticket could not be had.
    #[error(transparent)]
    Ticket(#[from] TokenError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] wxgate_store::StoreError),
}

impl From<JssdkError> for ApiError {
    fn from(e: JssdkError) -> ApiError {
        match e {
            JssdkError::UnknownApp(name) => ApiError::unknown_app(&name),
            JssdkError::NotAuthorised { .. } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_authorised", e.to_string())
            }
            JssdkError::PageUrl(PageUrlError::Untrusted { .. }) => {
                ApiError::new(StatusCode::FORBIDDEN, "untrusted_domain", e.to_string())
            }
            JssdkError::PageUrl(PageUrlError::NoTrustedDomains { .. }) => {
                ApiError::new(StatusCode::FORBIDDEN, "no_trusted_domains", e.to_string())
            }
            JssdkError::NoJssdk(..)
            | JssdkError::CorpRequired(_)
            | JssdkError::NoAgentConfig(_)
            | JssdkError::PageUrl(_)
            | JssdkError::BadRequest(_) => ApiError::bad_request(e.to_string()),
            JssdkError::Ticket(t) => crate::token::api::api_error(t, "jsapi_ticket"),
            JssdkError::Store(s) => ApiError::from(s),
        }
    }
}
