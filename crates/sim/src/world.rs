//! The platform side of everything the simulator plays: corps and their apps, third-party suites,
//! official accounts, mini programs and website apps, with the credentials the platform would hold.
//!
//! It is deliberately independent of the configuration crate: tests build a [`World`] from plain
//! struct literals or the small builders below, and the binary adapts its configuration into one.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

use crate::directory::{Directory, GenerateOptions, VisibleRange};

/// A credential the platform knows (app secret, suite secret, provider secret, EncodingAESKey).
///
/// Its `Debug` output and its serialisation never show the value, so a secret cannot leak into logs
/// or into `GET /sim/world`; use [`SimSecret::expose`] where the value is really needed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SimSecret(String);

impl SimSecret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for comparing with what a client sent.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this secret.
    pub fn matches(&self, candidate: &str) -> bool {
        !self.0.is_empty() && self.0 == candidate
    }
}

impl fmt::Debug for SimSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimSecret(***)")
    }
}

impl From<&str> for SimSecret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for SimSecret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl Serialize for SimSecret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("***")
    }
}

/// Serialises a callback Token as `***` (it signs callbacks, so it is a secret too).
fn redact<S: serde::Serializer>(_: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("***")
}

/// [`redact`] for an optional Token (`null` stays `null`).
fn redact_optional<S: serde::Serializer>(
    value: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(_) => serializer.serialize_str("***"),
        None => serializer.serialize_none(),
    }
}

/// Everything the simulated platforms know about.
#[derive(Debug, Clone, Default, Serialize)]
pub struct World {
    /// WeCom corps (企业) with their self-built, contacts and mini-program apps.
    pub corps: Vec<SimCorp>,
    /// WeCom third-party suites (第三方应用 / 代开发模板).
    pub suites: Vec<SimSuite>,
    /// WeChat official accounts (公众号).
    pub official_accounts: Vec<SimOfficialAccount>,
    /// WeChat mini programs (小程序).
    pub miniprograms: Vec<SimMiniProgram>,
    /// Open-platform website apps (网站应用, QR login).
    pub websites: Vec<SimWebsite>,
    /// Where the gateway under test listens (callbacks are pushed there), if known.
    pub gateway_url: Option<String>,
}

/// A WeCom corp (企业).
#[derive(Debug, Clone, Serialize)]
pub struct SimCorp {
    /// Display name.
    pub name: String,
    /// The corp id (`ww…`).
    pub corp_id: String,
    /// Its apps, each with its own secret and token.
    pub apps: Vec<SimApp>,
    /// Where its simulated directory (通讯录) comes from.
    #[serde(skip)]
    pub directory: DirectorySource,
}

/// Where a simulated corp's directory comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectorySource {
    /// Generated deterministically (`corp_id` of the options is replaced by the corp's).
    Generate(GenerateOptions),
    /// Loaded from a seed file with the API's field names (see `directory::seed_file`).
    File(PathBuf),
}

impl Default for DirectorySource {
    /// A small generated directory (30 members in 6 departments), enough to log in and sync.
    fn default() -> Self {
        DirectorySource::Generate(GenerateOptions {
            corp_id: String::new(),
            members: 30,
            departments: 6,
            seed: 1,
        })
    }
}

impl DirectorySource {
    /// Builds the directory of `corp_id` from this source.
    pub fn build(&self, corp_id: &str) -> Result<Directory, String> {
        match self {
            DirectorySource::Generate(options) => Ok(Directory::generate(&GenerateOptions {
                corp_id: corp_id.to_owned(),
                ..options.clone()
            })),
            DirectorySource::File(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read directory file {}: {e}", path.display()))?;
                Directory::from_seed_json(corp_id, &text)
                    .map_err(|e| format!("directory file {}: {e}", path.display()))
            }
        }
    }
}

/// What kind of WeCom app a secret belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SimAppKind {
    /// A self-built app (自建应用), with an agent id.
    SelfBuilt,
    /// The contacts-sync tool (通讯录同步), no agent id.
    Contacts,
    /// An app linked to a mini program (`app_id` is the mini program's).
    MiniProgram {
        /// The linked mini program's appid.
        app_id: String,
    },
}

/// A WeCom app inside a corp.
#[derive(Debug, Clone, Serialize)]
pub struct SimApp {
    /// Name; unique within the world (used by the control API and stats).
    pub name: String,
    /// The agent id, when the app has one.
    pub agent_id: Option<u32>,
    /// The app secret (`corpsecret`).
    pub secret: SimSecret,
    /// Callback token, when callbacks are configured.
    #[serde(serialize_with = "redact_optional")]
    pub token: Option<String>,
    /// Callback EncodingAESKey (43 characters), when callbacks are configured.
    pub encoding_aes_key: Option<SimSecret>,
    /// The app's kind.
    pub kind: SimAppKind,
    /// Created after the 2022-06-20 privacy rules (no sensitive contact fields).
    pub created_after_privacy_rules: bool,
    /// Calls come from an IP added after 2022-08-15 (contacts reads restricted).
    pub new_ip: bool,
    /// The app's visible range (allow_party / allow_user / allow_tag); empty = the whole corp.
    #[serde(skip)]
    pub visible: VisibleRange,
    /// Trusted domains (可信域名) for OAuth / web-login redirects; empty = any host.
    #[serde(default)]
    pub trusted_domains: Vec<String>,
}

impl SimCorp {
    /// A corp with the default (small, generated) directory.
    pub fn new(name: &str, corp_id: &str, apps: Vec<SimApp>) -> Self {
        Self {
            name: name.to_owned(),
            corp_id: corp_id.to_owned(),
            apps,
            directory: DirectorySource::default(),
        }
    }
}

impl SimApp {
    /// A self-built app with the given name, agent id and secret; other fields at their defaults.
    pub fn self_built(name: &str, agent_id: u32, secret: &str) -> Self {
        Self {
            name: name.to_owned(),
            agent_id: Some(agent_id),
            secret: SimSecret::new(secret),
            token: None,
            encoding_aes_key: None,
            kind: SimAppKind::SelfBuilt,
            created_after_privacy_rules: false,
            new_ip: false,
            visible: VisibleRange::default(),
            trusted_domains: Vec::new(),
        }
    }

    /// The contacts-sync (通讯录同步) secret holder.
    pub fn contacts(name: &str, secret: &str) -> Self {
        Self {
            agent_id: None,
            kind: SimAppKind::Contacts,
            ..Self::self_built(name, 0, secret)
        }
    }
}

/// A WeCom third-party suite, with its provider's credentials.
#[derive(Debug, Clone, Serialize)]
pub struct SimSuite {
    /// Name; unique within the world.
    pub name: String,
    /// The suite id (`ww…` / `tj…`).
    pub suite_id: String,
    /// The suite secret.
    pub suite_secret: SimSecret,
    /// Callback token.
    #[serde(serialize_with = "redact")]
    pub token: String,
    /// Callback EncodingAESKey.
    pub encoding_aes_key: SimSecret,
    /// The provider's corp id (服务商 corpid), for provider tokens.
    pub provider_corp_id: Option<String>,
    /// The provider secret.
    pub provider_secret: Option<SimSecret>,
    /// Trusted domains (可信域名) for third-party OAuth redirects; empty = any host.
    #[serde(default)]
    pub trusted_domains: Vec<String>,
}

/// The payload format a mini program's message push uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimPushFormat {
    /// JSON push.
    #[default]
    Json,
    /// XML push.
    Xml,
}

/// A WeChat official account (公众号).
#[derive(Debug, Clone, Serialize)]
pub struct SimOfficialAccount {
    /// Name; unique within the world.
    pub name: String,
    /// The appid (`wx…`).
    pub app_id: String,
    /// The AppSecret.
    pub app_secret: SimSecret,
    /// Callback token.
    #[serde(serialize_with = "redact")]
    pub token: String,
    /// Callback EncodingAESKey.
    pub encoding_aes_key: SimSecret,
    /// The open-platform account it is bound to (unionid scope), if any.
    pub open_platform: Option<String>,
    /// OAuth redirect domains (网页授权域名 / 授权回调域); empty = any host.
    #[serde(default)]
    pub trusted_domains: Vec<String>,
}

/// A WeChat mini program (小程序).
#[derive(Debug, Clone, Serialize)]
pub struct SimMiniProgram {
    /// Name; unique within the world.
    pub name: String,
    /// The appid (`wx…`).
    pub app_id: String,
    /// The AppSecret.
    pub app_secret: SimSecret,
    /// Message-push token.
    #[serde(serialize_with = "redact")]
    pub token: String,
    /// Message-push EncodingAESKey.
    pub encoding_aes_key: SimSecret,
    /// The open-platform account it is bound to (unionid scope), if any.
    pub open_platform: Option<String>,
    /// Message-push payload format.
    pub format: SimPushFormat,
}

/// An open-platform website app (网站应用).
#[derive(Debug, Clone, Serialize)]
pub struct SimWebsite {
    /// Name; unique within the world.
    pub name: String,
    /// The appid (`wx…`).
    pub app_id: String,
    /// The AppSecret.
    pub app_secret: SimSecret,
    /// Token (unused by the platform for websites; kept for symmetry).
    #[serde(serialize_with = "redact")]
    pub token: String,
    /// EncodingAESKey (kept for symmetry).
    pub encoding_aes_key: SimSecret,
    /// The open-platform account it is bound to (unionid scope), if any.
    pub open_platform: Option<String>,
    /// OAuth redirect domains (网页授权域名 / 授权回调域); empty = any host.
    #[serde(default)]
    pub trusted_domains: Vec<String>,
}

/// Which kind of WeChat account an appid belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MpKind {
    /// 公众号.
    OfficialAccount,
    /// 小程序.
    MiniProgram,
    /// 网站应用.
    Website,
}

/// A WeChat account found by appid: the common view of the three MP-style account kinds.
#[derive(Debug, Clone, Copy)]
pub struct MpAccount<'a> {
    /// The account kind.
    pub kind: MpKind,
    /// Its name.
    pub name: &'a str,
    /// Its appid.
    pub app_id: &'a str,
    /// Its AppSecret.
    pub app_secret: &'a SimSecret,
    /// Its open-platform binding.
    pub open_platform: Option<&'a str>,
}

/// Why a `(corpid, corpsecret)` pair did not name an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorpSecretMismatch {
    /// No corp has this id (40013).
    UnknownCorp,
    /// The secret belongs to an app of another corp (40091).
    SecretOfAnotherCorp,
    /// The secret is nobody's (40001).
    UnknownSecret,
}

impl World {
    /// The corp with this corp id.
    pub fn corp(&self, corp_id: &str) -> Option<&SimCorp> {
        self.corps.iter().find(|c| c.corp_id == corp_id)
    }

    /// The app of `corp_id` whose secret is `secret`, or why there is none.
    pub fn corp_app_by_secret(
        &self,
        corp_id: &str,
        secret: &str,
    ) -> Result<(&SimCorp, &SimApp), CorpSecretMismatch> {
        let corp = self.corp(corp_id).ok_or(CorpSecretMismatch::UnknownCorp)?;
        if let Some(app) = corp.apps.iter().find(|a| a.secret.matches(secret)) {
            return Ok((corp, app));
        }
        let elsewhere = self
            .corps
            .iter()
            .filter(|c| c.corp_id != corp_id)
            .any(|c| c.apps.iter().any(|a| a.secret.matches(secret)));
        Err(if elsewhere {
            CorpSecretMismatch::SecretOfAnotherCorp
        } else {
            CorpSecretMismatch::UnknownSecret
        })
    }

    /// The app of `corp_id` called `name`.
    pub fn corp_app(&self, corp_id: &str, name: &str) -> Option<&SimApp> {
        self.corp(corp_id)?.apps.iter().find(|a| a.name == name)
    }

    /// The app of `corp_id` with this agent id.
    pub fn corp_app_by_agent_id(&self, corp_id: &str, agent_id: u32) -> Option<&SimApp> {
        self.corp(corp_id)?
            .apps
            .iter()
            .find(|a| a.agent_id == Some(agent_id))
    }

    /// The WeCom app (and its corp) linked to the mini program with this appid.
    pub fn corp_app_by_mini_app_id(&self, app_id: &str) -> Option<(&SimCorp, &SimApp)> {
        self.corps.iter().find_map(|corp| {
            corp.apps
                .iter()
                .find(|a| matches!(&a.kind, SimAppKind::MiniProgram { app_id: id } if id == app_id))
                .map(|app| (corp, app))
        })
    }

    /// The WeCom app called `name`, in whichever corp.
    pub fn app_by_name(&self, name: &str) -> Option<(&SimCorp, &SimApp)> {
        self.corps
            .iter()
            .find_map(|corp| corp.apps.iter().find(|a| a.name == name).map(|a| (corp, a)))
    }

    /// The suite with this suite id.
    pub fn suite(&self, suite_id: &str) -> Option<&SimSuite> {
        self.suites.iter().find(|s| s.suite_id == suite_id)
    }

    /// The official account, mini program or website app with this appid.
    pub fn mp_account(&self, app_id: &str) -> Option<MpAccount<'_>> {
        let oa = self
            .official_accounts
            .iter()
            .find(|a| a.app_id == app_id)
            .map(|a| MpAccount {
                kind: MpKind::OfficialAccount,
                name: &a.name,
                app_id: &a.app_id,
                app_secret: &a.app_secret,
                open_platform: a.open_platform.as_deref(),
            });
        let mini = || {
            self.miniprograms
                .iter()
                .find(|a| a.app_id == app_id)
                .map(|a| MpAccount {
                    kind: MpKind::MiniProgram,
                    name: &a.name,
                    app_id: &a.app_id,
                    app_secret: &a.app_secret,
                    open_platform: a.open_platform.as_deref(),
                })
        };
        let web = || {
            self.websites
                .iter()
                .find(|a| a.app_id == app_id)
                .map(|a| MpAccount {
                    kind: MpKind::Website,
                    name: &a.name,
                    app_id: &a.app_id,
                    app_secret: &a.app_secret,
                    open_platform: a.open_platform.as_deref(),
                })
        };
        oa.or_else(mini).or_else(web)
    }

    /// The world as the control API shows it: secrets and AES keys masked.
    pub fn public_view(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        World {
            corps: vec![
                SimCorp {
                    name: "Acme".into(),
                    corp_id: "wwacme".into(),
                    apps: vec![
                        SimApp::self_built("acme-app", 1000002, "s-acme"),
                        SimApp::contacts("acme-contacts", "s-contacts"),
                    ],
                    directory: Default::default(),
                },
                SimCorp {
                    name: "Other".into(),
                    corp_id: "wwother".into(),
                    apps: vec![
                        SimApp::self_built("other-app", 1000003, "s-other"),
                        SimApp {
                            kind: SimAppKind::MiniProgram {
                                app_id: "wxlinked".into(),
                            },
                            ..SimApp::self_built("other-mini", 1000004, "s-mini")
                        },
                    ],
                    directory: Default::default(),
                },
            ],
            official_accounts: vec![SimOfficialAccount {
                name: "oa".into(),
                app_id: "wxoa".into(),
                app_secret: "oa-secret".into(),
                token: "t".into(),
                encoding_aes_key: "k".into(),
                open_platform: None,
                trusted_domains: Vec::new(),
            }],
            ..World::default()
        }
    }

    #[test]
    fn finds_apps_by_secret_and_says_why_not() {
        let w = world();
        assert_eq!(
            w.corp_app_by_secret("wwacme", "s-contacts").unwrap().1.name,
            "acme-contacts"
        );
        assert_eq!(
            w.corp_app_by_secret("nope", "s-acme").unwrap_err(),
            CorpSecretMismatch::UnknownCorp
        );
        assert_eq!(
            w.corp_app_by_secret("wwacme", "s-other").unwrap_err(),
            CorpSecretMismatch::SecretOfAnotherCorp
        );
        assert_eq!(
            w.corp_app_by_secret("wwacme", "garbage").unwrap_err(),
            CorpSecretMismatch::UnknownSecret
        );
        assert_eq!(
            w.corp_app_by_agent_id("wwacme", 1000002).unwrap().name,
            "acme-app"
        );
        assert_eq!(w.mp_account("wxoa").unwrap().kind, MpKind::OfficialAccount);
        let (corp, app) = w.corp_app_by_mini_app_id("wxlinked").unwrap();
        assert_eq!(
            (corp.corp_id.as_str(), app.name.as_str()),
            ("wwother", "other-mini")
        );
        assert!(w.corp_app_by_mini_app_id("wxoa").is_none());
        assert_eq!(w.app_by_name("other-app").unwrap().0.corp_id, "wwother");
        assert!(w.app_by_name("nope").is_none());
        assert!(w.mp_account("wxnone").is_none());
    }

    #[test]
    fn secrets_never_show() {
        let w = world();
        let debug = format!("{w:?}");
        assert!(!debug.contains("s-acme") && !debug.contains("oa-secret"));
        let public = w.public_view().to_string();
        assert!(!public.contains("s-acme") && !public.contains("oa-secret"));
        assert!(public.contains("wwacme"));
    }
}
