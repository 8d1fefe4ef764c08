//! The browser login flows by name, the apps each one runs on, the dispatch to each flow's
//! module, and the one redirect URI each (flow, app) pair uses:
//! `{public_url}/login/callback/{flow}/{app}`. The platform sends the
//! browser back there and nowhere else; the callback only accepts the (flow, app) its state was
//! issued for.

use std::fmt;

use crate::accounts::LoginProof;
use crate::login::error::LoginError;
use crate::login::{wechat_oauth, wechat_qr, wecom_3rd, wecom_3rd_web, wecom_oauth, wecom_web};
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;

/// A browser login flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// WeCom in-app OAuth of a self-built app (`auth/getuserinfo`).
    WecomOauth,
    /// WeCom web login (QR) of a self-built app (`wwlogin/sso/login`, `CorpApp`).
    WecomWeb,
    /// WeCom in-app OAuth of a third-party suite (`getuserinfo3rd`).
    Wecom3rd,
    /// WeCom third-party web login through the provider (`ServiceApp`, `get_login_info`).
    Wecom3rdWeb,
    /// Official Account OAuth in the WeChat browser (`snsapi_base` / `snsapi_userinfo`).
    WechatOauth,
    /// WeChat website QR login (`qrconnect`, `snsapi_login`).
    WechatQr,
}

impl Flow {
    /// Every flow.
    pub const ALL: [Flow; 6] = [
        Flow::WecomOauth,
        Flow::WecomWeb,
        Flow::Wecom3rd,
        Flow::Wecom3rdWeb,
        Flow::WechatOauth,
        Flow::WechatQr,
    ];

    /// Its name in URLs, sessions and events.
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::WecomOauth => "wecom_oauth",
            Flow::WecomWeb => "wecom_web",
            Flow::Wecom3rd => "wecom_3rd",
            Flow::Wecom3rdWeb => "wecom_3rd_web",
            Flow::WechatOauth => "wechat_oauth",
            Flow::WechatQr => "wechat_qr",
        }
    }

    /// The flow called `name`.
    pub fn parse(name: &str) -> Option<Flow> {
        Flow::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Whether the flow can run on `app`.
    pub fn runs_on(self, app: &AppEntry) -> bool {
        match (self, &app.kind) {
            (Flow::WecomOauth | Flow::WecomWeb, AppKind::WecomApp { .. }) => true,
            (Flow::Wecom3rd, AppKind::Suite { .. }) => true,
            (Flow::Wecom3rdWeb, AppKind::Suite { provider, .. }) => provider.is_some(),
            (Flow::WechatOauth, AppKind::OfficialAccount { .. }) => true,
            (Flow::WechatQr, AppKind::Website { .. }) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The platform page a login of `flow` on `app` starts at, carrying `state`.
pub fn authorize_url(
    gateway: &Gateway,
    flow: Flow,
    app: &AppEntry,
    state: &str,
) -> Result<String, LoginError> {
    match flow {
        Flow::WecomOauth => wecom_oauth::authorize_url(gateway, app, state),
        Flow::WecomWeb => wecom_web::authorize_url(gateway, app, state),
        Flow::Wecom3rd => wecom_3rd::authorize_url(gateway, app, state),
        Flow::Wecom3rdWeb => wecom_3rd_web::authorize_url(gateway, app, state),
        Flow::WechatOauth => wechat_oauth::authorize_url(gateway, app, state),
        Flow::WechatQr => wechat_qr::authorize_url(gateway, app, state),
    }
}

/// Exchanges the platform's `code` of a `flow` login on `app` for what it proves.
pub async fn complete(
    gateway: &Gateway,
    flow: Flow,
    app: &AppEntry,
    code: &str,
) -> Result<LoginProof, LoginError> {
    match flow {
        Flow::WecomOauth | Flow::WecomWeb => wecom_oauth::complete(gateway, app, flow, code).await,
        Flow::Wecom3rd => wecom_3rd::complete(gateway, app, code).await,
        Flow::Wecom3rdWeb => wecom_3rd_web::complete(gateway, app, code).await,
        Flow::WechatOauth | Flow::WechatQr => {
            wechat_oauth::complete(gateway, app, flow, code).await
        }
    }
}

/// The redirect URI sent to the platform for `flow` on app `app`.
pub fn redirect_uri(gateway: &Gateway, flow: Flow, app: &str) -> String {
    format!(
        "{}/login/callback/{flow}/{app}",
        gateway.config.server.base_url()
    )
}

/// Percent-encodes a query value (everything but unreserved characters), as the platforms
/// require for `redirect_uri`.
pub fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_encoding_is_strict() {
        for flow in Flow::ALL {
            assert_eq!(Flow::parse(flow.as_str()), Some(flow));
        }
        assert_eq!(Flow::parse("nope"), None);
        assert_eq!(
            encode("https://wx.example.com/login/callback/wecom_oauth/acme-oa?x=1 2"),
            "https%3A%2F%2Fwx.example.com%2Flogin%2Fcallback%2Fwecom_oauth%2Facme-oa%3Fx%3D1%202"
        );
    }
}
