//! WeChat website QR login (网站应用微信登录): a desktop browser goes to
//! `/connect/qrconnect?appid=APPID&redirect_uri=…&response_type=code&scope=snsapi_login&state=…
//! #wechat_redirect`, the person scans the QR code with WeChat and confirms, and the browser comes
//! back with a `code` for `sns/oauth2/access_token` — the same exchange as Official Account OAuth
//! ([`wechat_oauth::complete`](crate::login::wechat_oauth::complete)), with the unionid and
//! `sns/userinfo` always available.

use crate::login::error::LoginError;
use crate::login::flow::{Flow, encode, redirect_uri};
use crate::login::wechat_oauth::app_id;
use crate::registry::AppEntry;
use crate::state::Gateway;

pub use crate::login::wechat_oauth::complete;

/// The QR login page for a login with `state`.
pub fn authorize_url(gateway: &Gateway, app: &AppEntry, state: &str) -> Result<String, LoginError> {
    let app_id = app_id(app)?;
    Ok(format!(
        "{}/connect/qrconnect?appid={app_id}&redirect_uri={}&response_type=code&scope=snsapi_login&state={state}#wechat_redirect",
        gateway.config.upstream.wechat_open.trim_end_matches('/'),
        encode(&redirect_uri(gateway, Flow::WechatQr, &app.name)),
    ))
}
