//! `[login]`: the browser login flows — which app serves each kind of browser, per-app options
//! (the OAuth scope, what to do with WeCom visitors who are not members), where a finished login
//! may send the browser, and the rate limit on the login endpoints.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The `[login]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The app serving logins inside the WeCom browser (User-Agent `wxwork`): a `[[wecom.apps]]`
    /// app (WeCom OAuth) or a `[[suites]]` suite (third-party OAuth).
    #[serde(default)]
    pub wecom: Option<String>,
    /// The app serving logins inside the WeChat browser (User-Agent `MicroMessenger`): a
    /// `[[wechat.official_accounts]]` account (Official Account OAuth).
    #[serde(default)]
    pub wechat: Option<String>,
    /// The app serving every other browser (a QR code to scan): a `[[wechat.websites]]` app
    /// (WeChat website QR login), a `[[wecom.apps]]` app (WeCom web login) or a `[[suites]]` suite
    /// with a provider (WeCom third-party web login).
    #[serde(default)]
    pub desktop: Option<String>,
    /// Where a login without `return_to` ends. Default [`DEFAULT_RETURN_TO`].
    #[serde(default = "default_return_to")]
    pub default_return_to: String,
    /// Origins (`https://app.example.com`) besides `[server] public_url` that `return_to` may
    /// point at. Anything else is refused: no open redirects.
    #[serde(default)]
    pub return_to_origins: Vec<String>,
    /// Requests to the login endpoints one client IP may make per minute, sustained; 0 turns
    /// the limit off. Default [`DEFAULT_RATE_LIMIT_PER_MINUTE`].
    #[serde(default = "default_rate_limit_per_minute")]
    pub rate_limit_per_minute: u32,
    /// Requests one client IP may make in a burst. Default [`DEFAULT_RATE_LIMIT_BURST`].
    #[serde(default = "default_rate_limit_burst")]
    pub rate_limit_burst: u32,
    /// Take the client IP from the last `X-Forwarded-For` entry (set it only behind a reverse
    /// proxy that appends that header; otherwise clients could pick their own IP).
    #[serde(default)]
    pub trust_forwarded_for: bool,
    /// How long a started login may take, in seconds (from `/login` to the platform's redirect
    /// back). Default [`DEFAULT_LOGIN_TIMEOUT_SECS`].
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// `[login.apps.NAME]`: per-app options, by app name.
    #[serde(default)]
    pub apps: BTreeMap<String, LoginApp>,
}

/// `[login.apps.NAME]`: how one app runs its login.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginApp {
    /// The OAuth scope. WeCom apps and suites: `snsapi_base` (default, silent) or
    /// `snsapi_privateinfo` (asks the member to share mobile, email and avatar). Official
    /// accounts: `snsapi_base` (default, silent, openid only) or `snsapi_userinfo` (asks for the
    /// profile; the only scope that returns the unionid).
    #[serde(default)]
    pub scope: Option<String>,
    /// WeCom OAuth only: what to do with a visitor who is not a member of the corp.
    #[serde(default)]
    pub non_members: NonMembers,
}

/// What a WeCom login does with a visitor who is not a member (WeCom answers only an openid).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NonMembers {
    /// Refuse the login with a page saying so (the default).
    #[default]
    Refuse,
    /// Sign the visitor in as a guest, keyed by the openid WeCom gives for them.
    Guest,
}

/// Default `default_return_to`: the signed-in user's own JSON.
pub const DEFAULT_RETURN_TO: &str = "/me";
/// Default `rate_limit_per_minute`.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 60;
/// Default `rate_limit_burst`.
pub const DEFAULT_RATE_LIMIT_BURST: u32 = 20;
/// Default `timeout_secs`: the platforms' codes live 5 (WeCom) to 10 (WeChat) minutes.
pub const DEFAULT_LOGIN_TIMEOUT_SECS: u64 = 600;

fn default_return_to() -> String {
    DEFAULT_RETURN_TO.to_owned()
}
fn default_rate_limit_per_minute() -> u32 {
    DEFAULT_RATE_LIMIT_PER_MINUTE
}
fn default_rate_limit_burst() -> u32 {
    DEFAULT_RATE_LIMIT_BURST
}
fn default_timeout_secs() -> u64 {
    DEFAULT_LOGIN_TIMEOUT_SECS
}

impl Default for Login {
    fn default() -> Self {
        Login {
            wecom: None,
            wechat: None,
            desktop: None,
            default_return_to: default_return_to(),
            return_to_origins: Vec::new(),
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            rate_limit_burst: DEFAULT_RATE_LIMIT_BURST,
            trust_forwarded_for: false,
            timeout_secs: DEFAULT_LOGIN_TIMEOUT_SECS,
            apps: BTreeMap::new(),
        }
    }
}

impl Login {
    /// The options of app `name` (the defaults when it has no `[login.apps.NAME]`).
    pub fn app(&self, name: &str) -> LoginApp {
        self.apps.get(name).cloned().unwrap_or_default()
    }
}
