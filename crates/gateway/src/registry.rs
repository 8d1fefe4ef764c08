//! Every configured app, by name, in memory: the callback hot path and the token service look
//! an app up here without touching the database. Built from the apps in the database (the
//! configuration file's, seeded at start, and those added through the admin API; see
//! `admin`), swapped atomically when they change.
//!
//! Each entry carries what the platform side needs pre-computed: the callback crypto (AES key
//! schedule, receive ids) and the credentials, so handlers do no per-request setup.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwap;
use wxgate_config::{AppRef, Config, MessageFormat, Secret};
use wxgate_protocol::callback::CallbackCrypto;
use wxgate_protocol::crypto::{AesKey, KeyRing, ReceiveIdPolicy};
use wxgate_protocol::error::CryptoError;
use wxgate_store::JsonText;

/// What kind of app an entry is, with the ids that kind has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppKind {
    /// A WeCom self-built app (自建应用).
    WecomApp {
        /// The corp id.
        corp_id: String,
        /// The agent id.
        agent_id: i64,
    },
    /// A corp's contacts-sync secret (通讯录同步).
    WecomContacts {
        /// The corp id.
        corp_id: String,
    },
    /// A WeCom mini program linked to an app of the corp.
    WecomMiniProgram {
        /// The corp id.
        corp_id: String,
        /// The mini program's appid.
        app_id: String,
        /// The linked app's agent id.
        agent_id: i64,
    },
    /// A WeCom third-party app of a service provider (第三方应用).
    Suite {
        /// The suite id.
        suite_id: String,
        /// The provider's corp id and secret, when configured.
        provider: Option<Provider>,
    },
    /// A WeChat Official Account (公众号).
    OfficialAccount {
        /// The appid.
        app_id: String,
    },
    /// A WeChat Mini Program (小程序).
    MiniProgram {
        /// The appid.
        app_id: String,
        /// The message-push data format.
        format: MessageFormat,
    },
    /// An open-platform website app (网站应用, QR login).
    Website {
        /// The appid.
        app_id: String,
    },
}

impl AppKind {
    /// The kind's stable name, as in the configuration (`wecom_app`, `suite`, …).
    pub fn name(&self) -> &'static str {
        match self {
            AppKind::WecomApp { .. } => "wecom_app",
            AppKind::WecomContacts { .. } => "wecom_contacts",
            AppKind::WecomMiniProgram { .. } => "wecom_miniprogram",
            AppKind::Suite { .. } => "suite",
            AppKind::OfficialAccount { .. } => "official_account",
            AppKind::MiniProgram { .. } => "miniprogram",
            AppKind::Website { .. } => "website",
        }
    }

    /// The WeCom corp id, for corp-level kinds.
    pub fn corp_id(&self) -> Option<&str> {
        match self {
            AppKind::WecomApp { corp_id, .. }
            | AppKind::WecomContacts { corp_id }
            | AppKind::WecomMiniProgram { corp_id, .. } => Some(corp_id),
            _ => None,
        }
    }

    /// The WeChat appid (or WeCom mini program appid).
    pub fn app_id(&self) -> Option<&str> {
        match self {
            AppKind::OfficialAccount { app_id }
            | AppKind::MiniProgram { app_id, .. }
            | AppKind::Website { app_id }
            | AppKind::WecomMiniProgram { app_id, .. } => Some(app_id),
            _ => None,
        }
    }

    /// The agent id, for WeCom apps that have one.
    pub fn agent_id(&self) -> Option<i64> {
        match self {
            AppKind::WecomApp { agent_id, .. } | AppKind::WecomMiniProgram { agent_id, .. } => {
                Some(*agent_id)
            }
            _ => None,
        }
    }
}

/// A service provider's credentials (for the provider token and web login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// The provider's corp id.
    pub corp_id: String,
    /// The provider secret.
    pub secret: SecretText,
}

/// A secret held by the registry; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(String);

impl SecretText {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretText(value.into())
    }

    /// The value, for the one place that sends it upstream.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&Secret> for SecretText {
    fn from(secret: &Secret) -> Self {
        SecretText(secret.expose().to_owned())
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("**redacted**")
    }
}

/// How an app's callbacks are verified (and decrypted).
#[derive(Debug, Clone)]
pub struct CallbackSetup {
    /// The callback Token (signs every callback, plaintext mode included).
    pub token: SecretText,
    /// The crypto, when an EncodingAESKey is configured (always for WeCom; optional for MP).
    pub crypto: Option<CallbackCrypto>,
}

/// One configured app.
#[derive(Debug, Clone)]
pub struct AppEntry {
    /// Its unique name (used in URLs).
    pub name: String,
    /// Its kind and ids.
    pub kind: AppKind,
    /// Its secret (app secret, contacts secret, suite secret, AppSecret).
    pub secret: SecretText,
    /// Its callback configuration, if callbacks are configured.
    pub callback: Option<CallbackSetup>,
    /// Hosts that may use its JS-SDK signatures and OAuth redirects.
    pub trusted_domains: Vec<String>,
    /// The jsApiList its pages use.
    pub jsapi_list: Vec<String>,
    /// Browser origins allowed to fetch its JS-SDK signatures (empty = `https://` + each
    /// trusted domain; see `jssdk::cors`).
    pub cors_origins: Vec<String>,
    /// The open platform account it belongs to (unionid scope), for WeChat apps.
    pub open_platform: Option<String>,
    /// The `source` of the events received at `/callback/{name}`, built by the first one and
    /// shared by the rest (see `callback::event::source`).
    pub(crate) event_source: OnceLock<JsonText>,
}

#[cfg(test)]
impl AppEntry {
    /// A bare entry for unit tests: secret `s`, no callback crypto, empty lists.
    pub(crate) fn bare(name: &str, kind: AppKind) -> AppEntry {
        AppEntry {
            name: name.into(),
            kind,
            secret: SecretText::new("s"),
            callback: None,
            trusted_domains: vec![],
            jsapi_list: vec![],
            cors_origins: vec![],
            open_platform: None,
            event_source: OnceLock::new(),
        }
    }
}

/// Why an app could not be registered.
#[derive(Debug, thiserror::Error)]
#[error("app `{name}`: {source}; {hint}", hint = source.hint())]
pub struct RegistryError {
    /// The app's name.
    pub name: String,
    /// The crypto error (a bad EncodingAESKey or empty Token).
    pub source: CryptoError,
}

fn callback(
    name: &str,
    token: Option<&Secret>,
    key: Option<&Secret>,
    previous: Option<&Secret>,
    receive_ids: ReceiveIdPolicy,
    reply_id: &str,
) -> Result<Option<CallbackSetup>, RegistryError> {
    let Some(token) = token else {
        return Ok(None);
    };
    let fail = |source| RegistryError {
        name: name.to_owned(),
        source,
    };
    let crypto = match key {
        None => None,
        Some(key) => {
            let current = AesKey::from_encoding_aes_key(key.expose()).map_err(fail)?;
            let ring = match previous {
                None => KeyRing::new(current),
                Some(previous) => KeyRing::with_previous(
                    current,
                    AesKey::from_encoding_aes_key(previous.expose()).map_err(fail)?,
                ),
            };
            Some(CallbackCrypto::new(token.expose(), ring, receive_ids, reply_id).map_err(fail)?)
        }
    };
    Ok(Some(CallbackSetup {
        token: SecretText::from(token),
        crypto,
    }))
}

/// Builds the entries of every app in `config`.
pub fn entries_from_config(config: &Config) -> Result<Vec<AppEntry>, RegistryError> {
    config.apps().map(entry_from_app).collect()
}

/// Builds the entry of ONE app definition, wherever it comes from: the configuration file or
/// an app stored through the admin API (see `admin::definition`).
pub fn entry_from_app(app: AppRef<'_>) -> Result<AppEntry, RegistryError> {
    let entry = |name: &str, kind, secret: &Secret, callback| AppEntry {
        name: name.to_owned(),
        kind,
        secret: SecretText::from(secret),
        callback,
        trusted_domains: Vec::new(),
        jsapi_list: Vec::new(),
        cors_origins: Vec::new(),
        open_platform: None,
        event_source: OnceLock::new(),
    };
    Ok(match app {
        AppRef::WecomApp { corp, app } => AppEntry {
            trusted_domains: app.trusted_domains.clone(),
            jsapi_list: app.jsapi_list.clone(),
            cors_origins: app.cors_origins.clone(),
            ..entry(
                &app.name,
                AppKind::WecomApp {
                    corp_id: corp.corp_id.clone(),
                    agent_id: app.agent_id,
                },
                &app.secret,
                callback(
                    &app.name,
                    app.token.as_ref(),
                    app.encoding_aes_key.as_ref(),
                    app.previous_encoding_aes_key.as_ref(),
                    ReceiveIdPolicy::only(corp.corp_id.clone()),
                    &corp.corp_id,
                )?,
            )
        },
        AppRef::Contacts { corp, contacts } => entry(
            &contacts.name,
            AppKind::WecomContacts {
                corp_id: corp.corp_id.clone(),
            },
            &contacts.secret,
            callback(
                &contacts.name,
                contacts.token.as_ref(),
                contacts.encoding_aes_key.as_ref(),
                contacts.previous_encoding_aes_key.as_ref(),
                ReceiveIdPolicy::only(corp.corp_id.clone()),
                &corp.corp_id,
            )?,
        ),
        AppRef::WecomMiniProgram { corp, mini } => entry(
            &mini.name,
            AppKind::WecomMiniProgram {
                corp_id: corp.corp_id.clone(),
                app_id: mini.app_id.clone(),
                agent_id: mini.agent_id,
            },
            &mini.secret,
            None,
        ),
        AppRef::Suite(suite) => AppEntry {
            trusted_domains: suite.trusted_domains.clone(),
            jsapi_list: suite.jsapi_list.clone(),
            cors_origins: suite.cors_origins.clone(),
            ..entry(
                &suite.name,
                AppKind::Suite {
                    suite_id: suite.suite_id.clone(),
                    provider: match (&suite.provider_corp_id, &suite.provider_secret) {
                        (Some(corp_id), Some(secret)) => Some(Provider {
                            corp_id: corp_id.clone(),
                            secret: SecretText::from(secret),
                        }),
                        _ => None,
                    },
                },
                &suite.suite_secret,
                // Instruction callbacks carry the suite id; data callbacks an authorising corp's
                // id, which the handler checks against the URL (see callback::suite).
                callback(
                    &suite.name,
                    Some(&suite.token),
                    Some(&suite.encoding_aes_key),
                    suite.previous_encoding_aes_key.as_ref(),
                    ReceiveIdPolicy::only(suite.suite_id.clone()),
                    &suite.suite_id,
                )?,
            )
        },
        AppRef::OfficialAccount(oa) => AppEntry {
            trusted_domains: oa.trusted_domains.clone(),
            jsapi_list: oa.jsapi_list.clone(),
            cors_origins: oa.cors_origins.clone(),
            open_platform: oa.open_platform.clone(),
            ..entry(
                &oa.name,
                AppKind::OfficialAccount {
                    app_id: oa.app_id.clone(),
                },
                &oa.app_secret,
                callback(
                    &oa.name,
                    oa.token.as_ref(),
                    oa.encoding_aes_key.as_ref(),
                    oa.previous_encoding_aes_key.as_ref(),
                    ReceiveIdPolicy::only(oa.app_id.clone()),
                    &oa.app_id,
                )?,
            )
        },
        AppRef::MiniProgram(mini) => AppEntry {
            trusted_domains: mini.trusted_domains.clone(),
            jsapi_list: mini.jsapi_list.clone(),
            open_platform: mini.open_platform.clone(),
            ..entry(
                &mini.name,
                AppKind::MiniProgram {
                    app_id: mini.app_id.clone(),
                    format: mini.format,
                },
                &mini.app_secret,
                callback(
                    &mini.name,
                    mini.token.as_ref(),
                    mini.encoding_aes_key.as_ref(),
                    mini.previous_encoding_aes_key.as_ref(),
                    ReceiveIdPolicy::only(mini.app_id.clone()),
                    &mini.app_id,
                )?,
            )
        },
        AppRef::Website(site) => AppEntry {
            open_platform: site.open_platform.clone(),
            ..entry(
                &site.name,
                AppKind::Website {
                    app_id: site.app_id.clone(),
                },
                &site.app_secret,
                None,
            )
        },
    })
}

/// The apps by name, readable without locks and replaced atomically.
#[derive(Debug)]
pub struct Registry {
    apps: ArcSwap<BTreeMap<String, Arc<AppEntry>>>,
    /// The stored apps version the entries reflect (`None` until first loaded from the store).
    version: std::sync::Mutex<Option<i64>>,
}

impl Registry {
    /// A registry of `entries`.
    pub fn new(entries: Vec<AppEntry>) -> Registry {
        Registry {
            apps: ArcSwap::from_pointee(Self::index(entries)),
            version: std::sync::Mutex::new(None),
        }
    }

    /// The registry of every app in `config`.
    pub fn from_config(config: &Config) -> Result<Registry, RegistryError> {
        Ok(Registry::new(entries_from_config(config)?))
    }

    fn index(entries: Vec<AppEntry>) -> BTreeMap<String, Arc<AppEntry>> {
        entries
            .into_iter()
            .map(|e| (e.name.clone(), Arc::new(e)))
            .collect()
    }

    /// The app named `name`.
    pub fn get(&self, name: &str) -> Option<Arc<AppEntry>> {
        self.apps.load().get(name).cloned()
    }

    /// Every app, by name.
    pub fn all(&self) -> Vec<Arc<AppEntry>> {
        self.apps.load().values().cloned().collect()
    }

    /// The first app matching `predicate` (e.g. by suite id or appid).
    pub fn find(&self, predicate: impl Fn(&AppEntry) -> bool) -> Option<Arc<AppEntry>> {
        self.apps.load().values().find(|e| predicate(e)).cloned()
    }

    /// Replaces every entry at once.
    pub fn replace(&self, entries: Vec<AppEntry>) {
        self.apps.store(Arc::new(Self::index(entries)));
    }

    /// Replaces every entry with `entries`, read from the store at apps `version` (read BEFORE
    /// the apps, so a change in between makes the next comparison differ and reload again).
    pub fn replace_at(&self, version: i64, entries: Vec<AppEntry>) {
        let mut current = self.version.lock().unwrap_or_else(|e| e.into_inner());
        self.apps.store(Arc::new(Self::index(entries)));
        *current = Some(version);
    }

    /// The stored apps version this registry reflects; `None` if it was never loaded from the
    /// store.
    pub fn version(&self) -> Option<i64> {
        *self.version.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_app_of_the_example_configuration_is_registered_with_its_crypto() {
        let config = Config::example();
        let registry = Registry::from_config(&config).unwrap();
        assert_eq!(registry.all().len(), config.apps().count());
        for app in config.apps() {
            let entry = registry.get(app.name()).expect("registered");
            assert_eq!(entry.kind.name(), app.kind());
        }
        let corp = &config.wecom[0];
        let app = registry.get(&corp.apps[0].name).unwrap();
        assert_eq!(app.kind.corp_id(), Some(corp.corp_id.as_str()));
        assert!(app.callback.as_ref().unwrap().crypto.is_some());
        assert!(!format!("{app:?}").contains(corp.apps[0].secret.expose()));
    }
}
