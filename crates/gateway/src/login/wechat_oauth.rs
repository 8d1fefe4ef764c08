//! Official Account OAuth in the WeChat browser (网页授权, NOTES §4): the browser goes to
//! `/connect/oauth2/authorize?appid=APPID&redirect_uri=…&response_type=code&scope=…&state=…
//! #wechat_redirect` and comes back with a `code`, exchanged at `sns/oauth2/access_token` with
//! the AppSecret.
//!
//! * `snsapi_base` (default): silent; the openid only (WeChat returns the unionid "only when
//!   the scope is snsapi_userinfo").
//! * `snsapi_userinfo`: the person consents; the unionid (when the account is bound to an open
//!   platform) and `sns/userinfo`'s nickname and avatar.
//!
//! Proves `wechat_openid` (scope: the appid) and `wechat_unionid` (scope: the open platform);
//! a unionid that meets another user's openid merges them in `sign_in`. Website QR login
//! ([`wechat_qr`](crate::login::wechat_qr)) ends in the same exchange.

use crate::accounts::{LoginProof, Profile, wechat_identities};
use crate::login::error::LoginError;
use crate::login::flow::{Flow, encode, redirect_uri};
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;

/// The scope configured for an official account (`snsapi_base` unless configured).
fn scope(gateway: &Gateway, app: &AppEntry) -> String {
    gateway
        .config
        .login
        .app(&app.name)
        .scope
        .unwrap_or_else(|| "snsapi_base".to_owned())
}

/// The appid of a WeChat app that has web authorisation.
pub fn app_id(app: &AppEntry) -> Result<&str, LoginError> {
    match &app.kind {
        AppKind::OfficialAccount { app_id } | AppKind::Website { app_id } => Ok(app_id),
        _ => Err(LoginError::bad_request(
            "unsupported_provider",
            format!("`{}` is not an official account or website app.", app.name),
            "Use another provider= value.",
        )),
    }
}

/// The OA OAuth page for a login with `state` (parameter order as documented).
pub fn authorize_url(gateway: &Gateway, app: &AppEntry, state: &str) -> Result<String, LoginError> {
    let app_id = app_id(app)?;
    Ok(format!(
        "{}/connect/oauth2/authorize?appid={app_id}&redirect_uri={}&response_type=code&scope={}&state={state}#wechat_redirect",
        gateway.config.upstream.wechat_open.trim_end_matches('/'),
        encode(&redirect_uri(gateway, Flow::WechatOauth, &app.name)),
        scope(gateway, app),
    ))
}

/// Exchanges a web-authorisation code (OA OAuth or website QR) for what it proves.
pub async fn complete(
    gateway: &Gateway,
    app: &AppEntry,
    flow: Flow,
    code: &str,
) -> Result<LoginProof, LoginError> {
    let app_id = app_id(app)?;
    let token = gateway
        .client
        .sns_oauth2_access_token(app_id, app.secret.expose(), code)
        .await
        .map_err(|e| LoginError::upstream("the code exchange (sns/oauth2/access_token)", &e))?;
    let consented = token
        .scope
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .any(|s| matches!(s.trim(), "snsapi_userinfo" | "snsapi_login"));
    let mut unionid = token.unionid.clone();
    let mut profile = Profile::default();
    if consented {
        match gateway
            .client
            .sns_userinfo(token.access_token.expose(), &token.openid, "zh_CN")
            .await
        {
            Ok(info) => {
                profile = Profile::from_sns_userinfo(&info);
                unionid = unionid.or(info.unionid);
            }
            Err(e) => {
                tracing::warn!(app = %app.name, error = %e, "sns/userinfo failed; signing in without the profile");
            }
        }
    }
    Ok(LoginProof {
        app: app.name.clone(),
        method: flow.as_str().to_owned(),
        identities: wechat_identities(gateway, app, &token.openid, unionid.as_deref()),
        profile,
    })
}
