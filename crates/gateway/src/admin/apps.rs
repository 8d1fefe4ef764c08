//! The apps service: the database is the one list of apps (the file's, seeded at start, and
//! those added through the admin API), and the in-memory [`Registry`] is rebuilt from it
//! whenever it changes. Plain types in and out, so it is tested without HTTP.
//!
//! The rule between the file and the API: **the file is authoritative for the names it
//! contains.** Seeding writes every app of the file with source `file` (replacing an API-added
//! app of the same name), and removes `file` apps that left the file. File apps cannot be
//! changed or removed through the API (409). Apps added through the API live only in the
//! database and survive restarts.

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value};
use wxgate_config::Config;
use wxgate_store::{AppSource, StoreError, StoredApp};

use crate::admin::definition::{AppDefinition, DefinitionError, SECRET_FIELDS};
use crate::error::ApiError;
use crate::registry::{AppEntry, AppKind, Registry, entry_from_app};
use crate::state::Gateway;
use wxgate_store::Store;

/// One app as the admin API shows it: never a secret.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AppView {
    /// Its name.
    pub name: String,
    /// Its kind (`wecom_app`, …).
    pub kind: String,
    /// `file` or `api`.
    pub source: &'static str,
    /// The WeCom corp id, for WeCom kinds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corp_id: Option<String>,
    /// The agent id, where the kind has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<i64>,
    /// The appid, where the kind has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// The suite id, for suites.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suite_id: Option<String>,
    /// Whether callbacks (a Token) are configured.
    pub callbacks_configured: bool,
    /// The URL to enter in the platform's callback settings: `{public_url}/callback/{name}`.
    pub callback_url: String,
    /// Last change, unix milliseconds.
    pub updated_at: i64,
    /// Every non-secret key of its section (only for `GET /api/v1/apps/{name}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Map<String, Value>>,
    /// The names of the secret keys that are set (only for `GET /api/v1/apps/{name}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets_set: Option<Vec<String>>,
}

/// Why an apps operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AppsError {
    /// The body is not a valid app.
    #[error("{0}")]
    Invalid(#[from] DefinitionError),
    /// The app comes from the configuration file.
    #[error(
        "the app `{0}` is defined in the configuration file; change or remove it there (the file is authoritative for its apps)"
    )]
    FileApp(String),
    /// The name is taken by something that is not an app of the API.
    #[error(
        "the name `{name}` is already used by {by}; names are shared by every app, corp, webhook and robot because they appear in URLs"
    )]
    NameTaken {
        /// The name.
        name: String,
        /// What holds it.
        by: String,
    },
    /// An id (AppID, SuiteID, AgentId) is configured by another app.
    #[error("{what} is already configured by the app `{other}`; configure each account once")]
    IdTaken {
        /// Which id.
        what: String,
        /// The other app.
        other: String,
    },
    /// No such app.
    #[error("no app named `{0}`; GET /api/v1/apps lists them")]
    NotFound(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AppsError> for ApiError {
    fn from(e: AppsError) -> ApiError {
        let message = e.to_string();
        match e {
            AppsError::Invalid(_) => ApiError::new(StatusCode::BAD_REQUEST, "invalid_app", message),
            AppsError::FileApp(_) => ApiError::new(StatusCode::CONFLICT, "file_app", message),
            AppsError::NameTaken { .. } => {
                ApiError::new(StatusCode::CONFLICT, "name_taken", message)
            }
            AppsError::IdTaken { .. } => ApiError::new(StatusCode::CONFLICT, "id_taken", message),
            AppsError::NotFound(name) => ApiError::unknown_app(&name),
            AppsError::Store(e) => ApiError::from(e),
        }
    }
}

fn source_name(source: AppSource) -> &'static str {
    match source {
        AppSource::File => "file",
        AppSource::Api => "api",
    }
}

/// The view of a stored app; `detail` adds its non-secret keys and the names of its secrets.
pub fn view(config: &Config, stored: &StoredApp, detail: bool) -> AppView {
    let def = AppDefinition::from_stored(stored).ok();
    let fields = def.as_ref().map(AppDefinition::fields).unwrap_or_default();
    let text = |key: &str| fields.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut config_keys = fields.clone();
    config_keys.retain(|k, _| !SECRET_FIELDS.contains(&k.as_str()));
    AppView {
        name: stored.name.clone(),
        kind: stored.kind.clone(),
        source: source_name(stored.source),
        corp_id: text("corp_id"),
        agent_id: fields.get("agent_id").and_then(Value::as_i64),
        app_id: text("app_id"),
        suite_id: text("suite_id"),
        callbacks_configured: fields.contains_key("token"),
        callback_url: format!("{}/callback/{}", config.server.base_url(), stored.name),
        updated_at: stored.updated_at,
        config: detail.then_some(config_keys),
        secrets_set: detail.then(|| {
            SECRET_FIELDS
                .iter()
                .filter(|k| fields.contains_key(**k))
                .map(|k| (*k).to_owned())
                .collect()
        }),
    }
}

/// Rebuilds `registry` from every app in the database. An app that no longer decodes (it was
/// written by a newer version, say) is skipped with a warning, never fatal.
pub async fn reload(store: &Store, registry: &Registry) -> Result<usize, StoreError> {
    // The version first: a change committed while the apps are read bumps it past this one, so
    // the registry sync reloads again instead of missing it.
    let version = store.apps_version().await?;
    let mut entries: Vec<AppEntry> = Vec::new();
    for stored in store.list_apps().await? {
        let built = AppDefinition::from_stored(&stored)
            .map_err(|e| e.to_string())
            .and_then(|def| entry_from_app(def.as_app_ref()).map_err(|e| e.to_string()));
        match built {
            Ok(entry) => entries.push(entry),
            Err(why) => tracing::warn!(app = %stored.name, %why, "stored app skipped"),
        }
    }
    let n = entries.len();
    registry.replace_at(version, entries);
    Ok(n)
}

/// Seeds the database from the configuration file (see the module doc for the rule), then
/// rebuilds `registry` from the database.
pub async fn seed(store: &Store, config: &Config, registry: &Registry) -> Result<(), StoreError> {
    let existing = store.list_apps().await?;
    for app in config.apps() {
        let row = AppDefinition::from_app_ref(app).to_new_app(AppSource::File);
        match existing.iter().find(|e| e.name == row.name) {
            Some(e)
                if e.source == AppSource::File
                    && e.kind == row.kind
                    && e.config == row.config
                    && e.secrets == row.secrets => {}
            Some(e) => {
                if e.source == AppSource::Api {
                    tracing::warn!(app = %row.name, "the configuration file now defines this API-added app; the file's definition replaces it");
                }
                store.put_app(&row).await?;
            }
            None => store.put_app(&row).await?,
        }
    }
    for gone in existing
        .iter()
        .filter(|e| e.source == AppSource::File && config.app(&e.name).is_none())
    {
        tracing::info!(app = %gone.name, "app removed from the configuration file; removing it");
        store.delete_app(&gone.name).await?;
    }
    reload(store, registry).await?;
    Ok(())
}

/// Every app, by name.
pub async fn list(gateway: &Gateway) -> Result<Vec<AppView>, AppsError> {
    Ok(gateway
        .store
        .list_apps()
        .await?
        .iter()
        .map(|stored| view(&gateway.config, stored, false))
        .collect())
}

/// One app, with its non-secret keys.
pub async fn get(gateway: &Gateway, name: &str) -> Result<AppView, AppsError> {
    match gateway.store.get_app(name).await? {
        Some(stored) => Ok(view(&gateway.config, &stored, true)),
        None => Err(AppsError::NotFound(name.to_owned())),
    }
}

/// What holds `name` in the file besides apps (corps, webhooks, robots).
fn file_holder(config: &Config, name: &str) -> Option<String> {
    if let Some(i) = config.wecom.iter().position(|c| c.name == name) {
        return Some(format!("wecom[{i}] in the configuration file"));
    }
    if let Some(i) = config
        .webhooks
        .iter()
        .position(|w| w.name.as_deref() == Some(name))
    {
        return Some(format!("webhooks[{i}] in the configuration file"));
    }
    if let Some(i) = config.robots.iter().position(|r| r.name == name) {
        return Some(format!("robots[{i}] in the configuration file"));
    }
    None
}

/// The id `kind` would share with `other`, if any (what the configuration file refuses too).
fn shared_id(kind: &AppKind, other: &AppKind) -> Option<String> {
    use AppKind::*;
    match (kind, other) {
        (
            WecomApp { corp_id, agent_id },
            WecomApp {
                corp_id: c,
                agent_id: a,
            },
        ) if corp_id == c && agent_id == a => Some(format!("AgentId {agent_id} of corp {corp_id}")),
        (WecomContacts { corp_id }, WecomContacts { corp_id: c }) if corp_id == c => {
            Some(format!("the contacts secret of corp {corp_id}"))
        }
        (Suite { suite_id, .. }, Suite { suite_id: s, .. }) if suite_id == s => {
            Some(format!("SuiteID {suite_id}"))
        }
        (
            OfficialAccount { app_id } | MiniProgram { app_id, .. } | Website { app_id },
            OfficialAccount { app_id: o } | MiniProgram { app_id: o, .. } | Website { app_id: o },
        ) if app_id == o => Some(format!("AppID {app_id}")),
        _ => None,
    }
}

/// Creates or replaces the API app `name` from a request body; returns its view and whether it
/// was created. The registry of this instance follows before it returns.
pub async fn put(gateway: &Gateway, name: &str, body: Value) -> Result<(AppView, bool), AppsError> {
    let def = AppDefinition::from_body(name, body)?;
    def.validate()?;
    if gateway.config.app(name).is_some() {
        return Err(AppsError::FileApp(name.to_owned()));
    }
    if let Some(by) = file_holder(&gateway.config, name) {
        return Err(AppsError::NameTaken {
            name: name.to_owned(),
            by,
        });
    }
    let existing = gateway.store.get_app(name).await?;
    if existing
        .as_ref()
        .is_some_and(|e| e.source == AppSource::File)
    {
        return Err(AppsError::FileApp(name.to_owned()));
    }
    let entry = entry_from_app(def.as_app_ref()).map_err(|e| {
        DefinitionError::Invalid(vec![wxgate_config::ConfigIssue {
            path: "encoding_aes_key".to_owned(),
            message: e.to_string(),
        }])
    })?;
    for other in gateway.registry.all() {
        if other.name != name
            && let Some(what) = shared_id(&entry.kind, &other.kind)
        {
            return Err(AppsError::IdTaken {
                what,
                other: other.name.clone(),
            });
        }
    }
    gateway
        .store
        .put_app(&def.to_new_app(AppSource::Api))
        .await?;
    reload(&gateway.store, &gateway.registry).await?;
    tracing::info!(app = %name, kind = def.kind(), "app stored through the admin API");
    let stored = gateway
        .store
        .get_app(name)
        .await?
        .ok_or_else(|| AppsError::NotFound(name.to_owned()))?;
    Ok((view(&gateway.config, &stored, true), existing.is_none()))
}

/// Removes the API app `name`; the registry of this instance follows before it returns.
pub async fn delete(gateway: &Gateway, name: &str) -> Result<(), AppsError> {
    match gateway.store.get_app(name).await? {
        None => Err(AppsError::NotFound(name.to_owned())),
        Some(stored) if stored.source == AppSource::File => {
            Err(AppsError::FileApp(name.to_owned()))
        }
        Some(_) => {
            gateway.store.delete_app(name).await?;
            reload(&gateway.store, &gateway.registry).await?;
            tracing::info!(app = %name, "app removed through the admin API");
            Ok(())
        }
    }
}
