//! `[[wecom]]`: one WeCom (企业微信) corporation and the applications it owns — self-built apps
//! (自建应用), the contacts-sync secret (通讯录同步) and linked mini programs.

use serde::Deserialize;

use crate::secret::Secret;

/// One `[[wecom]]` entry: a corporation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomCorp {
    /// Name used in URLs and logs; unique across every named entity of the file.
    pub name: String,
    /// The CorpID (`ww…` or `wx…`), from 我的企业 → 企业信息.
    pub corp_id: String,
    /// `[[wecom.apps]]`: self-built applications.
    #[serde(default)]
    pub apps: Vec<WecomApp>,
    /// `[wecom.contacts]`: the 通讯录同步 secret and its callback settings.
    #[serde(default)]
    pub contacts: Option<WecomContacts>,
    /// `[[wecom.miniprograms]]`: mini programs linked to the corp.
    #[serde(default)]
    pub miniprograms: Vec<WecomMiniProgram>,
}

/// One `[[wecom.apps]]` entry: a self-built application (自建应用).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomApp {
    /// Name used in URLs (`/callback/{name}`); unique across the file.
    pub name: String,
    /// The AgentId (a positive integer).
    pub agent_id: i64,
    /// The app's Secret.
    pub secret: Secret,
    /// Callback Token (接收消息 → Token). Set together with `encoding_aes_key`, or neither.
    #[serde(default)]
    pub token: Option<Secret>,
    /// Callback EncodingAESKey (43 characters).
    #[serde(default)]
    pub encoding_aes_key: Option<Secret>,
    /// The key in use before the last rotation; decryption falls back to it.
    #[serde(default)]
    pub previous_encoding_aes_key: Option<Secret>,
    /// JSSDK 可信域名 (host names, no scheme).
    #[serde(default)]
    pub trusted_domains: Vec<String>,
    /// JSSDK APIs the front end may request (`jsApiList`).
    #[serde(default)]
    pub jsapi_list: Vec<String>,
    /// Browser origins (`https://host[:port]`) allowed to call the JSSDK signature endpoints;
    /// empty = `https://{domain}` for every trusted domain.
    #[serde(default)]
    pub cors_origins: Vec<String>,
}

/// `[wecom.contacts]`: the contacts-sync (通讯录同步) secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomContacts {
    /// Name used in URLs (`/callback/{name}`); unique across the file.
    pub name: String,
    /// The 通讯录同步 Secret.
    pub secret: Secret,
    /// Callback Token. Set together with `encoding_aes_key`, or neither.
    #[serde(default)]
    pub token: Option<Secret>,
    /// Callback EncodingAESKey (43 characters).
    #[serde(default)]
    pub encoding_aes_key: Option<Secret>,
    /// The key in use before the last rotation.
    #[serde(default)]
    pub previous_encoding_aes_key: Option<Secret>,
}

/// One `[[wecom.miniprograms]]` entry: a mini program linked to the corp (企业微信小程序).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomMiniProgram {
    /// Name used in URLs; unique across the file.
    pub name: String,
    /// The mini program's AppID (`wx…`).
    pub app_id: String,
    /// AgentId of the WeCom app the mini program is linked to.
    pub agent_id: i64,
    /// Secret of that linked app (tokens come from corp id + this secret).
    pub secret: Secret,
}
