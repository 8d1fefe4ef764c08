//! One app's definition as the admin API and the database hold it: the keys of its TOML
//! section, as a JSON object, plus `kind` (and `corp_id` for the three WeCom kinds, whose TOML
//! section sits under a `[[wecom]]` corp). Parsing goes through the configuration crate's own
//! types and validation through its own checks, so the API accepts exactly what the file accepts
//! and answers with the same messages.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use wxgate_config::{
    AppRef, Config, ConfigIssue, MessageFormat, MiniProgram, OfficialAccount, REDACTED, Secret,
    Suite, Website, WecomApp, WecomContacts, WecomCorp, WecomMiniProgram,
};
use wxgate_store::{AppSource, NewApp, StoredApp};

/// The `kind` values, as in [`AppRef::kind`].
pub const KINDS: [&str; 7] = [
    "wecom_app",
    "wecom_contacts",
    "wecom_miniprogram",
    "suite",
    "official_account",
    "miniprogram",
    "website",
];

/// The keys that hold secrets, in any kind; stored sealed, never answered.
pub const SECRET_FIELDS: [&str; 7] = [
    "secret",
    "token",
    "encoding_aes_key",
    "previous_encoding_aes_key",
    "suite_secret",
    "provider_secret",
    "app_secret",
];

/// One app, owned, in the configuration crate's types.
#[derive(Debug, Clone)]
pub enum AppDefinition {
    /// `wecom_app`: a `[[wecom.apps]]` section and its corp.
    WecomApp {
        /// The corp (only its `corp_id` matters; it owns no other app here).
        corp: WecomCorp,
        /// The app.
        app: WecomApp,
    },
    /// `wecom_contacts`: a `[wecom.contacts]` section and its corp.
    WecomContacts {
        /// The corp.
        corp: WecomCorp,
        /// The contacts settings.
        contacts: WecomContacts,
    },
    /// `wecom_miniprogram`: a `[[wecom.miniprograms]]` section and its corp.
    WecomMiniProgram {
        /// The corp.
        corp: WecomCorp,
        /// The mini program.
        mini: WecomMiniProgram,
    },
    /// `suite`: a `[[suites]]` section.
    Suite(Suite),
    /// `official_account`: a `[[wechat.official_accounts]]` section.
    OfficialAccount(OfficialAccount),
    /// `miniprogram`: a `[[wechat.miniprograms]]` section.
    MiniProgram(MiniProgram),
    /// `website`: a `[[wechat.websites]]` section.
    Website(Website),
}

/// Why a definition was refused. Every message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    /// The body is not a JSON object.
    #[error("the body must be a JSON object: the app's TOML section as JSON, with a `kind` field")]
    NotAnObject,
    /// No `kind`.
    #[error("the body has no `kind`; add one of: {}", KINDS.join(", "))]
    MissingKind,
    /// An unknown `kind`.
    #[error("unknown kind `{0}`; use one of: {kinds}", kinds = KINDS.join(", "))]
    UnknownKind(String),
    /// `name` in the body differs from the URL's.
    #[error(
        "the body's name `{body}` differs from the URL's `{url}`; leave `name` out or make them equal"
    )]
    NameMismatch {
        /// The body's name.
        body: String,
        /// The URL's name.
        url: String,
    },
    /// The fields do not fit the schema (unknown key, wrong type, missing key).
    #[error("{0}")]
    Schema(String),
    /// The fields parse, but the configuration checks found problems.
    #[error("{}", issues_text(.0))]
    Invalid(Vec<ConfigIssue>),
}

fn issues_text(issues: &[ConfigIssue]) -> String {
    let n = issues.len();
    let mut text = format!("the app has {n} problem{}:", if n == 1 { "" } else { "s" });
    for issue in issues {
        text.push_str(&format!(" {issue};"));
    }
    text.pop();
    text
}

fn schema_error(e: serde_json::Error) -> DefinitionError {
    let mut message = e.to_string();
    if message.starts_with("unknown field") {
        message.push_str("; check the spelling (every key is listed in docs/configuration.md)");
    }
    DefinitionError::Schema(message)
}

/// A corp that holds nothing but its id, for the WeCom kinds.
fn bare_corp(corp_id: String, app_name: &str) -> WecomCorp {
    // The corp's name is only seen by the validator's uniqueness check: keep it apart from the
    // app's own name.
    let name = if app_name == "corp" { "corp-0" } else { "corp" };
    WecomCorp {
        name: name.to_owned(),
        corp_id,
        apps: Vec::new(),
        contacts: None,
        miniprograms: Vec::new(),
    }
}

impl AppDefinition {
    /// Parses a `PUT /api/v1/apps/{name}` body: the TOML section as JSON, with `kind` (and
    /// `corp_id` for WeCom kinds). `name` may be left out; it defaults to `url_name`.
    pub fn from_body(url_name: &str, body: Value) -> Result<AppDefinition, DefinitionError> {
        let Value::Object(mut fields) = body else {
            return Err(DefinitionError::NotAnObject);
        };
        let kind = match fields.remove("kind") {
            None => return Err(DefinitionError::MissingKind),
            Some(Value::String(kind)) => kind,
            Some(other) => return Err(DefinitionError::UnknownKind(other.to_string())),
        };
        match fields.get("name") {
            None => {
                fields.insert("name".into(), Value::String(url_name.to_owned()));
            }
            Some(Value::String(name)) if name == url_name => {}
            Some(other) => {
                return Err(DefinitionError::NameMismatch {
                    body: other
                        .as_str()
                        .map_or_else(|| other.to_string(), str::to_owned),
                    url: url_name.to_owned(),
                });
            }
        }
        AppDefinition::from_fields(&kind, fields)
    }

    /// Parses `kind` and its fields (every key of the section, `name` included).
    pub fn from_fields(
        kind: &str,
        mut fields: Map<String, Value>,
    ) -> Result<AppDefinition, DefinitionError> {
        if !KINDS.contains(&kind) {
            return Err(DefinitionError::UnknownKind(kind.to_owned()));
        }
        let mut corp = || -> Result<WecomCorp, DefinitionError> {
            let name = fields
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            match fields.remove("corp_id") {
                Some(Value::String(id)) => Ok(bare_corp(id, &name)),
                Some(other) => Err(DefinitionError::Schema(format!(
                    "invalid type: {other}, expected a string for `corp_id`"
                ))),
                None => Err(DefinitionError::Schema(
                    "missing field `corp_id`; a WeCom app needs its corp's CorpID".to_owned(),
                )),
            }
        };
        fn parse<T: serde::de::DeserializeOwned>(
            fields: Map<String, Value>,
        ) -> Result<T, DefinitionError> {
            serde_json::from_value(Value::Object(fields)).map_err(schema_error)
        }
        Ok(match kind {
            "wecom_app" => {
                let corp = corp()?;
                AppDefinition::WecomApp {
                    corp,
                    app: parse(fields)?,
                }
            }
            "wecom_contacts" => {
                let corp = corp()?;
                AppDefinition::WecomContacts {
                    corp,
                    contacts: parse(fields)?,
                }
            }
            "wecom_miniprogram" => {
                let corp = corp()?;
                AppDefinition::WecomMiniProgram {
                    corp,
                    mini: parse(fields)?,
                }
            }
            "suite" => AppDefinition::Suite(parse(fields)?),
            "official_account" => AppDefinition::OfficialAccount(parse(fields)?),
            "miniprogram" => AppDefinition::MiniProgram(parse(fields)?),
            _ => AppDefinition::Website(parse(fields)?),
        })
    }

    /// A copy of an app of the configuration file.
    pub fn from_app_ref(app: AppRef<'_>) -> AppDefinition {
        let corp = |corp: &WecomCorp, name: &str| bare_corp(corp.corp_id.clone(), name);
        match app {
            AppRef::WecomApp { corp: c, app } => AppDefinition::WecomApp {
                corp: corp(c, &app.name),
                app: app.clone(),
            },
            AppRef::Contacts { corp: c, contacts } => AppDefinition::WecomContacts {
                corp: corp(c, &contacts.name),
                contacts: contacts.clone(),
            },
            AppRef::WecomMiniProgram { corp: c, mini } => AppDefinition::WecomMiniProgram {
                corp: corp(c, &mini.name),
                mini: mini.clone(),
            },
            AppRef::Suite(s) => AppDefinition::Suite(s.clone()),
            AppRef::OfficialAccount(a) => AppDefinition::OfficialAccount(a.clone()),
            AppRef::MiniProgram(m) => AppDefinition::MiniProgram(m.clone()),
            AppRef::Website(w) => AppDefinition::Website(w.clone()),
        }
    }

    /// Decodes a stored app (its non-secret fields and its opened secrets).
    pub fn from_stored(stored: &StoredApp) -> Result<AppDefinition, DefinitionError> {
        let Value::Object(mut fields) = stored.config.clone() else {
            return Err(DefinitionError::NotAnObject);
        };
        for (key, secret) in &stored.secrets {
            fields.insert(key.clone(), Value::String(secret.expose().to_owned()));
        }
        fields.insert("name".into(), Value::String(stored.name.clone()));
        AppDefinition::from_fields(&stored.kind, fields)
    }

    /// The borrowed view the registry and the validator take.
    pub fn as_app_ref(&self) -> AppRef<'_> {
        match self {
            AppDefinition::WecomApp { corp, app } => AppRef::WecomApp { corp, app },
            AppDefinition::WecomContacts { corp, contacts } => AppRef::Contacts { corp, contacts },
            AppDefinition::WecomMiniProgram { corp, mini } => {
                AppRef::WecomMiniProgram { corp, mini }
            }
            AppDefinition::Suite(s) => AppRef::Suite(s),
            AppDefinition::OfficialAccount(a) => AppRef::OfficialAccount(a),
            AppDefinition::MiniProgram(m) => AppRef::MiniProgram(m),
            AppDefinition::Website(w) => AppRef::Website(w),
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        self.as_app_ref().name()
    }

    /// Its kind (`wecom_app`, …).
    pub fn kind(&self) -> &'static str {
        self.as_app_ref().kind()
    }

    /// The configuration file's checks, run on a file holding only this app. Issue paths are
    /// the body's keys (`encoding_aes_key`, `trusted_domains[0]`, `corp_id`).
    pub fn validate(&self) -> Result<(), DefinitionError> {
        let mut config = Config::default();
        let prefix = match self.clone() {
            AppDefinition::WecomApp { mut corp, app } => {
                corp.apps.push(app);
                config.wecom.push(corp);
                "wecom[0].apps[0]."
            }
            AppDefinition::WecomContacts { mut corp, contacts } => {
                corp.contacts = Some(contacts);
                config.wecom.push(corp);
                "wecom[0].contacts."
            }
            AppDefinition::WecomMiniProgram { mut corp, mini } => {
                corp.miniprograms.push(mini);
                config.wecom.push(corp);
                "wecom[0].miniprograms[0]."
            }
            AppDefinition::Suite(s) => {
                config.suites.push(s);
                "suites[0]."
            }
            AppDefinition::OfficialAccount(a) => {
                config.wechat.official_accounts.push(a);
                "wechat.official_accounts[0]."
            }
            AppDefinition::MiniProgram(m) => {
                config.wechat.miniprograms.push(m);
                "wechat.miniprograms[0]."
            }
            AppDefinition::Website(w) => {
                config.wechat.websites.push(w);
                "wechat.websites[0]."
            }
        };
        let issues: Vec<ConfigIssue> = config
            .issues()
            .into_iter()
            .map(|issue| ConfigIssue {
                path: issue
                    .path
                    .strip_prefix(prefix)
                    .or_else(|| issue.path.strip_prefix("wecom[0]."))
                    .unwrap_or(&issue.path)
                    .to_owned(),
                message: issue.message,
            })
            .collect();
        if issues.is_empty() {
            Ok(())
        } else {
            Err(DefinitionError::Invalid(issues))
        }
    }

    /// Every key of its section, secrets in clear, `corp_id` for WeCom kinds; no `kind`.
    pub fn fields(&self) -> Map<String, Value> {
        let s = |secret: &Secret| Value::String(secret.expose().to_owned());
        let o = |secret: &Option<Secret>| secret.as_ref().map(s);
        let mut v = match self {
            AppDefinition::WecomApp { corp, app } => json!({
                "name": app.name,
                "corp_id": corp.corp_id,
                "agent_id": app.agent_id,
                "secret": s(&app.secret),
                "token": o(&app.token),
                "encoding_aes_key": o(&app.encoding_aes_key),
                "previous_encoding_aes_key": o(&app.previous_encoding_aes_key),
                "trusted_domains": app.trusted_domains,
                "jsapi_list": app.jsapi_list,
                "cors_origins": app.cors_origins,
            }),
            AppDefinition::WecomContacts { corp, contacts } => json!({
                "name": contacts.name,
                "corp_id": corp.corp_id,
                "secret": s(&contacts.secret),
                "token": o(&contacts.token),
                "encoding_aes_key": o(&contacts.encoding_aes_key),
                "previous_encoding_aes_key": o(&contacts.previous_encoding_aes_key),
            }),
            AppDefinition::WecomMiniProgram { corp, mini } => json!({
                "name": mini.name,
                "corp_id": corp.corp_id,
                "app_id": mini.app_id,
                "agent_id": mini.agent_id,
                "secret": s(&mini.secret),
            }),
            AppDefinition::Suite(x) => json!({
                "name": x.name,
                "suite_id": x.suite_id,
                "suite_secret": s(&x.suite_secret),
                "token": s(&x.token),
                "encoding_aes_key": s(&x.encoding_aes_key),
                "previous_encoding_aes_key": o(&x.previous_encoding_aes_key),
                "provider_corp_id": x.provider_corp_id,
                "provider_secret": o(&x.provider_secret),
                "trusted_domains": x.trusted_domains,
                "jsapi_list": x.jsapi_list,
                "cors_origins": x.cors_origins,
            }),
            AppDefinition::OfficialAccount(x) => json!({
                "name": x.name,
                "app_id": x.app_id,
                "app_secret": s(&x.app_secret),
                "token": o(&x.token),
                "encoding_aes_key": o(&x.encoding_aes_key),
                "previous_encoding_aes_key": o(&x.previous_encoding_aes_key),
                "trusted_domains": x.trusted_domains,
                "jsapi_list": x.jsapi_list,
                "cors_origins": x.cors_origins,
                "open_platform": x.open_platform,
            }),
            AppDefinition::MiniProgram(x) => json!({
                "name": x.name,
                "app_id": x.app_id,
                "app_secret": s(&x.app_secret),
                "token": o(&x.token),
                "encoding_aes_key": o(&x.encoding_aes_key),
                "previous_encoding_aes_key": o(&x.previous_encoding_aes_key),
                "format": match x.format {
                    MessageFormat::Xml => "xml",
                    MessageFormat::Json => "json",
                },
                "trusted_domains": x.trusted_domains,
                "jsapi_list": x.jsapi_list,
                "open_platform": x.open_platform,
            }),
            AppDefinition::Website(x) => json!({
                "name": x.name,
                "app_id": x.app_id,
                "app_secret": s(&x.app_secret),
                "open_platform": x.open_platform,
            }),
        };
        let mut fields = std::mem::take(v.as_object_mut().expect("json! object"));
        fields.retain(|_, value| !value.is_null());
        fields
    }

    /// The fields with every secret replaced by [`REDACTED`], plus `kind`: what an operator may
    /// see.
    pub fn redacted(&self) -> Map<String, Value> {
        let mut fields = self.fields();
        for key in SECRET_FIELDS {
            if let Some(value) = fields.get_mut(key) {
                *value = Value::String(REDACTED.to_owned());
            }
        }
        fields.insert("kind".into(), Value::String(self.kind().to_owned()));
        fields
    }

    /// The row to store: non-secret fields in `config`, secrets apart (the store seals them).
    pub fn to_new_app(&self, source: AppSource) -> NewApp {
        let mut config = self.fields();
        let mut secrets = BTreeMap::new();
        for key in SECRET_FIELDS {
            if let Some(Value::String(value)) = config.remove(key) {
                secrets.insert(key.to_owned(), wxgate_store::Secret::new(value));
            }
        }
        config.remove("name");
        NewApp {
            name: self.name().to_owned(),
            kind: self.kind().to_owned(),
            config: Value::Object(config),
            secrets,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys a config type accepts, from serde's own "expected one of" message.
    fn accepted_keys(kind: &str) -> Vec<String> {
        let mut fields = Map::new();
        fields.insert("name".into(), json!("probe"));
        fields.insert("corp_id".into(), json!("wwprobe"));
        fields.insert("zz_probe".into(), json!(1));
        let message = AppDefinition::from_fields(kind, fields)
            .unwrap_err()
            .to_string();
        let list = message.split("expected one of ").nth(1).expect(&message);
        let list = list.split(';').next().unwrap();
        list.split(", ")
            .map(|k| k.trim_matches('`').to_owned())
            .collect()
    }

    #[test]
    fn every_app_of_the_example_round_trips_through_its_stored_form() {
        let config = Config::example();
        for app in config.apps() {
            let def = AppDefinition::from_app_ref(app);
            let row = def.to_new_app(AppSource::File);
            assert!(
                row.config
                    .as_object()
                    .unwrap()
                    .keys()
                    .all(|k| !SECRET_FIELDS.contains(&k.as_str()))
            );
            let stored = StoredApp {
                name: row.name.clone(),
                kind: row.kind.clone(),
                config: row.config.clone(),
                secrets: row.secrets.clone(),
                source: AppSource::File,
                updated_at: 0,
            };
            let back = AppDefinition::from_stored(&stored).unwrap();
            assert_eq!(back.fields(), def.fields(), "{}", app.name());
            back.validate().unwrap();
        }
    }

    #[test]
    fn fields_cover_every_key_the_configuration_accepts() {
        // If the configuration crate gains a key, `fields` must write it, or it would be lost in
        // the database.
        let config = Config::example();
        for kind in KINDS {
            let app = config
                .apps()
                .find(|a| a.kind() == kind)
                .unwrap_or_else(|| panic!("the example has no {kind}"));
            let written = AppDefinition::from_app_ref(app).fields();
            for key in accepted_keys(kind) {
                let optional_absent = !written.contains_key(&key)
                    && matches!(
                        key.as_str(),
                        "token"
                            | "encoding_aes_key"
                            | "previous_encoding_aes_key"
                            | "provider_corp_id"
                            | "provider_secret"
                            | "open_platform"
                    );
                assert!(
                    written.contains_key(&key) || optional_absent,
                    "{kind}: `{key}` is not written"
                );
            }
        }
    }

    #[test]
    fn bodies_are_checked_like_the_file() {
        let err = AppDefinition::from_body("x", json!({"kind": "nope"})).unwrap_err();
        assert!(err.to_string().contains("unknown kind `nope`"), "{err}");
        let err = AppDefinition::from_body(
            "x",
            json!({"kind": "website", "app_id": "wx0123456789abcdef", "app_secret": "s", "colour": 1}),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `colour`"), "{err}");
        let def = AppDefinition::from_body(
            "crm",
            json!({"kind": "wecom_app", "corp_id": "wwcorp", "agent_id": 1000002, "secret": "s",
                   "token": "tok", "encoding_aes_key": "short"}),
        )
        .unwrap();
        let err = def.validate().unwrap_err().to_string();
        assert!(
            err.contains("encoding_aes_key: EncodingAESKey must be exactly 43"),
            "{err}"
        );
        assert!(!err.contains("short"), "{err}");
    }

    #[test]
    fn redacted_view_shows_no_secret() {
        let config = Config::example();
        for app in config.apps() {
            let def = AppDefinition::from_app_ref(app);
            let text = Value::Object(def.redacted()).to_string();
            for key in SECRET_FIELDS {
                if let Some(Value::String(secret)) = def.fields().get(key) {
                    assert!(!text.contains(secret.as_str()), "{key} of {}", def.name());
                }
            }
        }
    }
}
