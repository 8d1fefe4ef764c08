//! The install URL of a suite: a fresh pre_auth_code, marked as a test or formal authorisation
//! with `set_session_info`, in a link to the WeCom open site's install page
//! (`[upstream] wecom_open`, `/3rdapp/install?suite_id&pre_auth_code&redirect_uri&state`).

use serde::{Deserialize, Serialize};
use wxgate_client::wecom::suite::SessionInfo;

use crate::registry::AppEntry;
use crate::state::Gateway;
use crate::suite::{SuiteError, suite_api, suite_id};

/// Which kind of authorisation the install creates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthType {
    /// 正式授权 (`auth_type` 0).
    #[default]
    Formal,
    /// 测试授权 (`auth_type` 1): for a suite still in development.
    Test,
}

impl AuthType {
    /// The platform's number.
    pub fn code(self) -> i64 {
        match self {
            AuthType::Formal => 0,
            AuthType::Test => 1,
        }
    }
}

/// What the install link needs.
#[derive(Debug, Clone, Deserialize)]
pub struct InstallRequest {
    /// Where the install page sends the admin back (`?auth_code=…&state=…`).
    pub redirect_uri: String,
    /// Opaque value handed back in the redirect and the create_auth callback.
    #[serde(default)]
    pub state: String,
    /// `test` or `formal` (default).
    #[serde(default)]
    pub auth_type: AuthType,
}

/// An install link.
#[derive(Debug, Clone, Serialize)]
pub struct InstallUrl {
    /// The link to open in a browser.
    pub url: String,
    /// Seconds the link (its pre_auth_code) stays valid.
    pub expires_in: i64,
}

/// Builds an install link for `suite`.
pub async fn install_url(
    gateway: &Gateway,
    suite: &AppEntry,
    request: &InstallRequest,
) -> Result<InstallUrl, SuiteError> {
    let redirect = reqwest::Url::parse(&request.redirect_uri)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| {
            SuiteError::BadRequest(format!(
                "redirect_uri `{}` is not an absolute http(s) URL",
                request.redirect_uri
            ))
        })?;
    let suite_id = suite_id(suite)?;
    let api = suite_api(gateway, suite_id);
    let pre_auth = api.get_pre_auth_code().await?;
    api.set_session_info(
        pre_auth.pre_auth_code.expose(),
        &SessionInfo {
            appid: None,
            auth_type: Some(request.auth_type.code()),
        },
    )
    .await?;
    let base = gateway.config.upstream.wecom_open.trim_end_matches('/');
    let url = reqwest::Url::parse_with_params(
        &format!("{base}/3rdapp/install"),
        &[
            ("suite_id", suite_id),
            ("pre_auth_code", pre_auth.pre_auth_code.expose()),
            ("redirect_uri", redirect.as_str()),
            ("state", request.state.as_str()),
        ],
    )
    .map_err(|e| SuiteError::BadRequest(format!("[upstream] wecom_open is not a URL: {e}")))?;
    Ok(InstallUrl {
        url: url.to_string(),
        expires_in: pre_auth.expires_in,
    })
}
