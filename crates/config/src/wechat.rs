//! `[wechat]`: WeChat accounts — official accounts (公众号), mini programs (小程序) and
//! open-platform website apps (网站应用, QR login). Accounts that share an `open_platform` label
//! share a unionid scope.

use serde::Deserialize;

use crate::secret::Secret;

/// The `[wechat]` section: lists of accounts, each possibly empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wechat {
    /// `[[wechat.official_accounts]]`.
    #[serde(default)]
    pub official_accounts: Vec<OfficialAccount>,
    /// `[[wechat.miniprograms]]`.
    #[serde(default)]
    pub miniprograms: Vec<MiniProgram>,
    /// `[[wechat.websites]]`.
    #[serde(default)]
    pub websites: Vec<Website>,
}

/// One `[[wechat.official_accounts]]` entry (公众号).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialAccount {
    /// Name used in URLs (`/callback/{name}`); unique across the file.
    pub name: String,
    /// AppID (`wx…`).
    pub app_id: String,
    /// AppSecret.
    pub app_secret: Secret,
    /// Message-push Token (3–32 letters/digits). Required for callbacks.
    #[serde(default)]
    pub token: Option<Secret>,
    /// EncodingAESKey; absent = plaintext mode (明文模式).
    #[serde(default)]
    pub encoding_aes_key: Option<Secret>,
    /// The key in use before the last rotation.
    #[serde(default)]
    pub previous_encoding_aes_key: Option<Secret>,
    /// JSSDK 安全域名.
    #[serde(default)]
    pub trusted_domains: Vec<String>,
    /// JSSDK APIs the front end may request.
    #[serde(default)]
    pub jsapi_list: Vec<String>,
    /// Browser origins allowed to call the JSSDK signature endpoint; empty = `https://{domain}`
    /// for every trusted domain.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// The open-platform account this one is bound to (unionid scope), as a free label.
    #[serde(default)]
    pub open_platform: Option<String>,
}

/// One `[[wechat.miniprograms]]` entry (小程序).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MiniProgram {
    /// Name used in URLs; unique across the file.
    pub name: String,
    /// AppID (`wx…`).
    pub app_id: String,
    /// AppSecret.
    pub app_secret: Secret,
    /// Message-push Token (3–32 letters/digits). Required for callbacks.
    #[serde(default)]
    pub token: Option<Secret>,
    /// EncodingAESKey; absent = plaintext mode.
    #[serde(default)]
    pub encoding_aes_key: Option<Secret>,
    /// The key in use before the last rotation.
    #[serde(default)]
    pub previous_encoding_aes_key: Option<Secret>,
    /// Message-push data format. Default XML.
    #[serde(default)]
    pub format: MessageFormat,
    /// Allowed domains for web-view / JSSDK use.
    #[serde(default)]
    pub trusted_domains: Vec<String>,
    /// JSSDK APIs the front end may request.
    #[serde(default)]
    pub jsapi_list: Vec<String>,
    /// The open-platform account this one is bound to (unionid scope).
    #[serde(default)]
    pub open_platform: Option<String>,
}

/// Data format of mini-program message push (消息推送 → 数据格式).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageFormat {
    /// XML envelopes (the default, and the only format of official accounts).
    #[default]
    Xml,
    /// JSON envelopes.
    Json,
}

/// One `[[wechat.websites]]` entry: an open-platform website app (网站应用) used for QR login.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Website {
    /// Name used in URLs (`/login/{name}`); unique across the file.
    pub name: String,
    /// AppID (`wx…`).
    pub app_id: String,
    /// AppSecret.
    pub app_secret: Secret,
    /// The open-platform account this one belongs to (unionid scope).
    #[serde(default)]
    pub open_platform: Option<String>,
}
