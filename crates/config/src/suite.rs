//! `[[suites]]`: a third-party application (第三方应用) of a WeCom service provider, installed by
//! other corporations. Its tokens hang off the pushed suite_ticket, not off a corp secret.

use serde::Deserialize;

use crate::secret::Secret;

/// One `[[suites]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// Name used in URLs (`/callback/{name}`); unique across the file.
    pub name: String,
    /// The SuiteID (also the receive id of 指令回调).
    pub suite_id: String,
    /// The Secret of the suite.
    pub suite_secret: Secret,
    /// Callback Token.
    pub token: Secret,
    /// Callback EncodingAESKey (43 characters).
    pub encoding_aes_key: Secret,
    /// The key in use before the last rotation.
    #[serde(default)]
    pub previous_encoding_aes_key: Option<Secret>,
    /// The provider's own CorpID, for the provider token and web login. Set with `provider_secret`.
    #[serde(default)]
    pub provider_corp_id: Option<String>,
    /// The provider Secret (服务商 Secret).
    #[serde(default)]
    pub provider_secret: Option<Secret>,
    /// JSSDK 可信域名.
    #[serde(default)]
    pub trusted_domains: Vec<String>,
    /// JSSDK APIs the front end may request.
    #[serde(default)]
    pub jsapi_list: Vec<String>,
    /// Browser origins allowed to call the JSSDK signature endpoints; empty = `https://{domain}`
    /// for every trusted domain.
    #[serde(default)]
    pub cors_origins: Vec<String>,
}
