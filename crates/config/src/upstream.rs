//! `[upstream]`: the base URLs of the platform APIs. Production uses Tencent's hosts; development
//! and tests point both at the simulator.

use serde::Deserialize;

/// Tencent's WeCom API host.
pub const WECOM_API: &str = "https://qyapi.weixin.qq.com";
/// Tencent's WeChat (公众平台 / 开放平台) API host.
pub const WECHAT_API: &str = "https://api.weixin.qq.com";

/// The `[upstream]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// WeCom API base URL. Default [`WECOM_API`].
    #[serde(default = "default_wecom")]
    pub wecom: String,
    /// WeChat API base URL. Default [`WECHAT_API`].
    #[serde(default = "default_wechat")]
    pub wechat: String,
    /// Base URL of the WeCom open site serving the suite install page (`/3rdapp/install`).
    /// Default [`WECOM_OPEN`]; the simulator's base URL in development and tests.
    #[serde(default = "default_wecom_open")]
    pub wecom_open: String,
    /// Base URL of the page host of WeChat and WeCom OAuth (`/connect/oauth2/authorize`) and of
    /// WeChat website QR login (`/connect/qrconnect`); browsers are sent there. Default
    /// [`WECHAT_OPEN`].
    #[serde(default = "default_wechat_open")]
    pub wechat_open: String,
    /// Base URL of WeCom web login (`/wwlogin/sso/login`); browsers are sent there. Default
    /// [`WECOM_LOGIN`].
    #[serde(default = "default_wecom_login")]
    pub wecom_login: String,
}

/// The OAuth / QR login page host of WeChat (also serves WeCom in-app OAuth).
pub const WECHAT_OPEN: &str = "https://open.weixin.qq.com";

/// The WeCom web login (扫码登录) page host.
pub const WECOM_LOGIN: &str = "https://login.work.weixin.qq.com";

fn default_wechat_open() -> String {
    WECHAT_OPEN.to_owned()
}

fn default_wecom_login() -> String {
    WECOM_LOGIN.to_owned()
}

/// The WeCom open site (install pages of third-party suites).
pub const WECOM_OPEN: &str = "https://open.work.weixin.qq.com";

fn default_wecom_open() -> String {
    WECOM_OPEN.to_owned()
}

fn default_wecom() -> String {
    WECOM_API.to_owned()
}
fn default_wechat() -> String {
    WECHAT_API.to_owned()
}

impl Default for Upstream {
    fn default() -> Self {
        Self {
            wecom: default_wecom(),
            wechat: default_wechat(),
            wecom_open: default_wecom_open(),
            wechat_open: default_wechat_open(),
            wecom_login: default_wecom_login(),
        }
    }
}
