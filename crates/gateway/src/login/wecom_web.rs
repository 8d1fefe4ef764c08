//! WeCom web login of a self-built app (企业微信扫码登录, login_type `CorpApp`): a desktop
//! browser goes to `/wwlogin/sso/login?login_type=CorpApp&appid=CORPID&agentid=…&redirect_uri=…
//! &state=…`, the member scans the QR code with the WeCom app (or confirms in the desktop
//! client), and the browser comes back with a `code` for `auth/getuserinfo` — from there it is
//! the same exchange and member check as WeCom OAuth
//! ([`wecom_oauth::complete`](crate::login::wecom_oauth::complete)).

use crate::login::error::LoginError;
use crate::login::flow::{Flow, encode, redirect_uri};
use crate::login::wecom_oauth::corp_and_agent;
use crate::registry::AppEntry;
use crate::state::Gateway;

pub use crate::login::wecom_oauth::complete;

/// The WeCom web-login page for a login with `state`.
pub fn authorize_url(gateway: &Gateway, app: &AppEntry, state: &str) -> Result<String, LoginError> {
    let (corp_id, agent_id) = corp_and_agent(app)?;
    Ok(format!(
        "{}/wwlogin/sso/login?login_type=CorpApp&appid={corp_id}&agentid={agent_id}&redirect_uri={}&state={state}",
        gateway.config.upstream.wecom_login.trim_end_matches('/'),
        encode(&redirect_uri(gateway, Flow::WecomWeb, &app.name)),
    ))
}
