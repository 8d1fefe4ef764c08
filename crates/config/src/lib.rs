//! # wxgate-config
//!
//! The one configuration file that both `wxgate serve` and `wxgate sim` read: its schema,
//! `${ENV}` interpolation and validation. Pure: no I/O beyond reading the file and the
//! environment, no async. The file format is documented in `docs/configuration.md`.
//!
//! ```
//! let config = wxgate_config::Config::from_toml_str(
//!     "[server]\nadmin_keys = [\"${ADMIN_KEY}\"]\n",
//!     |name| (name == "ADMIN_KEY").then(|| "0123456789abcdef0123".to_owned()),
//! )?;
//! assert_eq!(config.server.admin_keys[0].expose(), "0123456789abcdef0123");
//! assert_eq!(config.storage.url, "sqlite://wxgate.db");
//! # Ok::<(), wxgate_config::ConfigError>(())
//! ```

mod accounts;
mod app_ref;
mod contacts;
mod error;
mod interpolate;
mod login;
mod oidc;
mod secret;
mod server;
mod sim;
mod storage;
mod suite;
mod upstream;
mod validate;
mod webhook;
mod wechat;
mod wecom;

use std::path::Path;

use serde::Deserialize;

pub use accounts::{Accounts, DEFAULT_SESSION_TTL_HOURS};
pub use app_ref::AppRef;
pub use contacts::{
    Contacts, DEFAULT_CONCURRENCY, DEFAULT_RATE_LIMITED_PAUSE_SECS, DEFAULT_ROLE_PREFIX,
    DEFAULT_SYNC_INTERVAL_MINUTES, MAX_CONCURRENCY,
};
pub use error::{ConfigError, ConfigIssue};
pub use interpolate::{InterpolationError, interpolate};
pub use login::{
    DEFAULT_LOGIN_TIMEOUT_SECS, DEFAULT_RATE_LIMIT_BURST, DEFAULT_RATE_LIMIT_PER_MINUTE,
    DEFAULT_RETURN_TO, Login, LoginApp, NonMembers,
};
pub use oidc::{
    DEFAULT_ACCESS_TOKEN_TTL_SECS, DEFAULT_CODE_TTL_SECS, DEFAULT_ID_TOKEN_TTL_SECS,
    DEFAULT_REFRESH_TOKEN_TTL_DAYS, DEFAULT_TOKEN_REQUESTS_PER_MINUTE, MIN_CLIENT_SECRET,
    OIDC_SCOPES, Oidc, OidcClient, SigningAlg, all_scopes,
};
pub use secret::{REDACTED, Secret};
pub use server::{DEFAULT_CALLBACK_TIMESTAMP_WINDOW_SECS, DEFAULT_MAX_BODY_BYTES, Server};
pub use server::{DEFAULT_EVENT_RETENTION_DAYS, DEFAULT_JSSDK_REQUESTS_PER_MINUTE};
pub use sim::{Sim, SimApp, SimCorp};
pub use storage::Storage;
pub use suite::Suite;
pub use upstream::{Upstream, WECHAT_API, WECHAT_OPEN, WECOM_API, WECOM_LOGIN, WECOM_OPEN};
pub use webhook::{DEFAULT_WEBHOOK_MAX_ATTEMPTS, DEFAULT_WEBHOOK_RETRY_BASE_MS};
pub use webhook::{DEFAULT_WEBHOOK_TIMEOUT_MS, Robot, Webhook};
pub use wechat::{MessageFormat, MiniProgram, OfficialAccount, Website, Wechat};
pub use wecom::{WecomApp, WecomContacts, WecomCorp, WecomMiniProgram};

/// A complete, commented example configuration (`crates/config/wxgate.example.toml`). It loads
/// with no environment variables set, against the simulator.
pub const EXAMPLE: &str = include_str!("../wxgate.example.toml");

/// A whole wxgate deployment, as loaded from its TOML file. Every section is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[server]`.
    #[serde(default)]
    pub server: Server,
    /// `[storage]`.
    #[serde(default)]
    pub storage: Storage,
    /// `[upstream]`.
    #[serde(default)]
    pub upstream: Upstream,
    /// `[[webhooks]]`.
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
    /// `[[robots]]`.
    #[serde(default)]
    pub robots: Vec<Robot>,
    /// `[[wecom]]`.
    #[serde(default)]
    pub wecom: Vec<WecomCorp>,
    /// `[[suites]]`.
    #[serde(default)]
    pub suites: Vec<Suite>,
    /// `[wechat]`.
    #[serde(default)]
    pub wechat: Wechat,
    /// `[sim]`.
    #[serde(default)]
    pub sim: Sim,
    /// `[accounts]`.
    #[serde(default)]
    pub accounts: Accounts,
    /// `[login]`.
    #[serde(default)]
    pub login: Login,
    /// `[oidc]`.
    #[serde(default)]
    pub oidc: Oidc,
    /// `[contacts]`.
    #[serde(default)]
    pub contacts: Contacts,
}

impl Config {
    /// Interpolates `${…}` from `env`, parses, and validates `text`.
    pub fn from_toml_str(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let text = interpolate(text, env)?;
        let config: Config =
            toml::from_str(&text).map_err(|e| ConfigError::from_toml(&e, &text))?;
        let issues = validate::validate(&config);
        if issues.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid(issues))
        }
    }

    /// Reads the file at `path` and loads it with the process environment.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Config::from_toml_str(&text, |name| std::env::var(name).ok())
    }

    /// [`EXAMPLE`] loaded with an empty environment (so every `:-` default applies).
    pub fn example() -> Config {
        Config::from_toml_str(EXAMPLE, |_| None).expect("EXAMPLE is tested to load and validate")
    }

    /// The app called `name`, of any kind.
    pub fn app(&self, name: &str) -> Option<AppRef<'_>> {
        self.apps().find(|app| app.name() == name)
    }

    /// Every configured app, in file order by kind: WeCom apps, contacts and mini programs per
    /// corp, then suites, official accounts, mini programs and websites.
    pub fn apps(&self) -> impl Iterator<Item = AppRef<'_>> + '_ {
        let wecom = self.wecom.iter().flat_map(|corp| {
            let apps = corp
                .apps
                .iter()
                .map(move |app| AppRef::WecomApp { corp, app });
            let contacts = corp
                .contacts
                .iter()
                .map(move |contacts| AppRef::Contacts { corp, contacts });
            let minis = corp
                .miniprograms
                .iter()
                .map(move |mini| AppRef::WecomMiniProgram { corp, mini });
            apps.chain(contacts).chain(minis)
        });
        wecom
            .chain(self.suites.iter().map(AppRef::Suite))
            .chain(
                self.wechat
                    .official_accounts
                    .iter()
                    .map(AppRef::OfficialAccount),
            )
            .chain(self.wechat.miniprograms.iter().map(AppRef::MiniProgram))
            .chain(self.wechat.websites.iter().map(AppRef::Website))
    }

    /// The semantic checks of [`Config::from_toml_str`], for a configuration built in code (the
    /// gateway validates an app added through its admin API this way). Empty means valid.
    pub fn issues(&self) -> Vec<ConfigIssue> {
        validate::validate(self)
    }
}
