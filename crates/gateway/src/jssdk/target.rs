//! Which ids and tickets sign for an app: a WeCom self-built app signs `wx.config` with its
//! corp's jsapi_ticket and `wx.agentConfig` with its own agent_config ticket; a suite does the
//! same for one corp that authorised it (with that corp's token, and the agent id the corp gave
//! the suite's app); an Official Account signs `wx.config` with its jsapi ticket and has no
//! agent config.

use std::sync::Arc;

use wxgate_client::{TokenKey, TokenKind};
use wxgate_store::AuthCorpState;

use crate::jssdk::error::JssdkError;
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;
use crate::token::keys;

/// The platform whose JS-SDK the page uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// WeCom (`jweixin` inside WeCom, or `@wecom/jssdk`).
    Wecom,
    /// WeChat (`jweixin` in an Official Account page).
    Wechat,
}

impl Platform {
    /// `wecom` or `wechat`.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Wecom => "wecom",
            Platform::Wechat => "wechat",
        }
    }
}

/// Everything needed to sign for one app (and, for a suite, one authorised corp).
#[derive(Debug, Clone)]
pub struct Target {
    /// The app.
    pub app: Arc<AppEntry>,
    /// Its platform.
    pub platform: Platform,
    /// `appId` of `wx.config`: the corp id (WeCom) or the appid (WeChat).
    pub app_id: String,
    /// The agent id, for WeCom.
    pub agent_id: Option<i64>,
    /// The ticket signing `wx.config`.
    pub config_ticket: TokenKey,
    /// The ticket signing `wx.agentConfig` (WeCom only).
    pub agent_ticket: Option<TokenKey>,
}

/// The app named `name` as a signing target; `corp_id` picks the authorised corp of a suite.
pub async fn resolve(
    gateway: &Gateway,
    name: &str,
    corp_id: Option<&str>,
) -> Result<Target, JssdkError> {
    let app = gateway
        .registry
        .get(name)
        .ok_or_else(|| JssdkError::UnknownApp(name.to_owned()))?;
    let kind = app.kind.clone();
    match kind {
        AppKind::WecomApp { corp_id, agent_id } => Ok(Target {
            platform: Platform::Wecom,
            app_id: corp_id,
            agent_id: Some(agent_id),
            config_ticket: keys::for_app(&app, TokenKind::WecomJsapiTicket)
                .ok_or_else(|| JssdkError::NoJssdk(app.name.clone(), app.kind.name()))?,
            agent_ticket: keys::for_app(&app, TokenKind::WecomAgentTicket),
            app,
        }),
        AppKind::OfficialAccount { app_id } => Ok(Target {
            platform: Platform::Wechat,
            app_id,
            agent_id: None,
            config_ticket: keys::for_app(&app, TokenKind::MpJsapiTicket)
                .ok_or_else(|| JssdkError::NoJssdk(app.name.clone(), app.kind.name()))?,
            agent_ticket: None,
            app,
        }),
        AppKind::Suite { suite_id, .. } => {
            let corp_id = corp_id
                .filter(|c| !c.is_empty())
                .ok_or_else(|| JssdkError::CorpRequired(app.name.clone()))?;
            if corp_id.contains(':') {
                return Err(JssdkError::CorpRequired(app.name.clone()));
            }
            let corp = gateway
                .store
                .get_auth_corp(&suite_id, corp_id)
                .await?
                .filter(|c| c.state == AuthCorpState::Active)
                .ok_or_else(|| JssdkError::NotAuthorised {
                    suite: app.name.clone(),
                    corp_id: corp_id.to_owned(),
                })?;
            Ok(Target {
                platform: Platform::Wecom,
                app_id: corp.corp_id.clone(),
                agent_id: corp.agent_id,
                config_ticket: keys::auth_corp_jsapi_ticket(&suite_id, &corp.corp_id),
                agent_ticket: corp
                    .agent_id
                    .map(|_| keys::auth_corp_agent_ticket(&suite_id, &corp.corp_id)),
                app,
            })
        }
        _ => Err(JssdkError::NoJssdk(app.name.clone(), app.kind.name())),
    }
}
