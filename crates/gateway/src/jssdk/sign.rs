//! The signing service behind both endpoints: check the page URL, take the ticket from the token
//! service (cached for its 7200 s, fetched once per expiry however many pages ask — which is
//! what keeps us within the 400/h per corp and 100/h per app ticket limits), and sign with
//! `wxgate_protocol::signature::jssdk_signature`.

use rand::RngExt;
use serde::{Deserialize, Serialize};
use wxgate_protocol::signature::jssdk_signature;

use crate::jssdk::error::JssdkError;
use crate::jssdk::page_url::PageUrl;
use crate::jssdk::target::{self, Platform, Target};
use crate::state::Gateway;

/// The body of both endpoints.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// The page's URL (`location.href`); the `#…` part is ignored.
    pub url: String,
    /// For a suite: the authorised corp the page runs in.
    #[serde(default)]
    pub corp_id: Option<String>,
    /// A nonce chosen by the caller (1–32 letters/digits); default: a random one.
    #[serde(default, rename = "nonceStr")]
    pub nonce_str: Option<String>,
    /// A timestamp chosen by the caller (unix seconds); default: now.
    #[serde(default)]
    pub timestamp: Option<i64>,
}

/// What `wx.config` (or `ww.register`'s `getConfigSignature`) needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigSignature {
    /// `wecom` or `wechat`.
    pub platform: &'static str,
    /// The corp id (WeCom) or appid (WeChat): `wx.config`'s `appId`.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// The agent id (WeCom), for `ww.register`'s `agentId`.
    #[serde(rename = "agentId", skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    /// Unix seconds.
    pub timestamp: i64,
    /// The nonce.
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// Hex SHA-1 signature.
    pub signature: String,
    /// The configured `jsapi_list`.
    #[serde(rename = "jsApiList")]
    pub js_api_list: Vec<String>,
    /// The URL that was signed (without `#…`).
    pub url: String,
}

/// What `wx.agentConfig` (or `ww.register`'s `getAgentConfigSignature`) needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentConfigSignature {
    /// The corp id.
    pub corpid: String,
    /// The agent id.
    pub agentid: i64,
    /// Unix seconds.
    pub timestamp: i64,
    /// The nonce.
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// Hex SHA-1 signature, with the app's agent_config ticket.
    pub signature: String,
    /// The configured `jsapi_list`.
    #[serde(rename = "jsApiList")]
    pub js_api_list: Vec<String>,
    /// The URL that was signed (without `#…`).
    pub url: String,
}

const NONCE_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_nonce() -> String {
    let mut rng = rand::rng();
    (0..16)
        .map(|_| NONCE_CHARS[rng.random_range(0..NONCE_CHARS.len())] as char)
        .collect()
}

/// The nonce and timestamp to sign with: the caller's (checked) or fresh ones.
fn nonce_and_timestamp(
    gateway: &Gateway,
    request: &SignRequest,
) -> Result<(String, i64), JssdkError> {
    let nonce = match &request.nonce_str {
        Some(n) if (1..=32).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            n.clone()
        }
        Some(_) => {
            return Err(JssdkError::BadRequest(
                "nonceStr must be 1–32 letters or digits; omit it to get a random one".into(),
            ));
        }
        None => random_nonce(),
    };
    let timestamp = match request.timestamp {
        Some(t) if t > 0 => t,
        Some(_) => {
            return Err(JssdkError::BadRequest(
                "timestamp must be positive unix seconds; omit it to use the current time".into(),
            ));
        }
        None => gateway.tokens.clock().now(),
    };
    Ok((nonce, timestamp))
}

async fn signed(
    gateway: &Gateway,
    target: &Target,
    ticket: &wxgate_client::TokenKey,
    request: &SignRequest,
) -> Result<(PageUrl, String, i64, String), JssdkError> {
    let url = PageUrl::parse(&request.url, &target.app.name, &target.app.trusted_domains)?;
    let (nonce, timestamp) = nonce_and_timestamp(gateway, request)?;
    let ticket = gateway.tokens.get(ticket).await?;
    let signature =
        jssdk_signature(&ticket.value, &nonce, &timestamp.to_string(), url.as_str()).to_hex();
    Ok((url, nonce, timestamp, signature))
}

/// Signs `request.url` for `wx.config` of app `name`.
pub async fn config(
    gateway: &Gateway,
    name: &str,
    request: &SignRequest,
) -> Result<ConfigSignature, JssdkError> {
    let target = target::resolve(gateway, name, request.corp_id.as_deref()).await?;
    let (url, nonce, timestamp, signature) =
        signed(gateway, &target, &target.config_ticket, request).await?;
    Ok(ConfigSignature {
        platform: target.platform.as_str(),
        app_id: target.app_id.clone(),
        agent_id: target.agent_id,
        timestamp,
        nonce_str: nonce,
        signature,
        js_api_list: target.app.jsapi_list.clone(),
        url: url.as_str().to_owned(),
    })
}

/// Signs `request.url` for `wx.agentConfig` of WeCom app (or suite corp) `name`.
pub async fn agent_config(
    gateway: &Gateway,
    name: &str,
    request: &SignRequest,
) -> Result<AgentConfigSignature, JssdkError> {
    let target = target::resolve(gateway, name, request.corp_id.as_deref()).await?;
    let (Platform::Wecom, Some(agent_id), Some(ticket)) = (
        target.platform,
        target.agent_id,
        target.agent_ticket.clone(),
    ) else {
        return Err(JssdkError::NoAgentConfig(target.app.name.clone()));
    };
    let (url, nonce, timestamp, signature) = signed(gateway, &target, &ticket, request).await?;
    Ok(AgentConfigSignature {
        corpid: target.app_id.clone(),
        agentid: agent_id,
        timestamp,
        nonce_str: nonce,
        signature,
        js_api_list: target.app.jsapi_list.clone(),
        url: url.as_str().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_nonces_are_16_alphanumerics() {
        let a = random_nonce();
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, random_nonce());
    }
}
