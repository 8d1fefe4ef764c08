//! Apps known to the gateway at runtime: seeded from the config file, added, changed and removed
//! through the admin API. Instances poll [`Store::apps_version`] and reload when it changes.
//!
//! Secrets: the store seals them, not the caller. An app's non-secret configuration is a JSON
//! object in `config`; its secrets (app secret, token, EncodingAESKey, …) are passed separately
//! as name → value and stored as ONE sealed JSON object in `secrets`, so the caller never handles
//! ciphertext and a config dump never contains a secret.

use std::collections::BTreeMap;

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::secret_box::Secret;
use crate::store::Store;

/// Where an app's definition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppSource {
    /// The configuration file (re-seeded at start).
    File,
    /// The admin API.
    Api,
}

impl AppSource {
    fn as_str(self) -> &'static str {
        match self {
            AppSource::File => "file",
            AppSource::Api => "api",
        }
    }
}

/// An app to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApp {
    /// Unique name (the `{name}` of `/callback/{name}`).
    pub name: String,
    /// The kind (`wecom`, `official_account`, `mini_program`, `suite`, …).
    pub kind: String,
    /// Non-secret configuration.
    pub config: serde_json::Value,
    /// Secrets by field name; sealed at rest.
    pub secrets: BTreeMap<String, Secret>,
    /// Where it came from.
    pub source: AppSource,
}

/// A stored app.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredApp {
    /// Unique name.
    pub name: String,
    /// The kind.
    pub kind: String,
    /// Non-secret configuration.
    pub config: serde_json::Value,
    /// Secrets by field name (opened).
    pub secrets: BTreeMap<String, Secret>,
    /// Where it came from.
    pub source: AppSource,
    /// Last change (unix ms).
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct AppRow {
    name: String,
    kind: String,
    config: String,
    secrets: String,
    source: String,
    updated_at: i64,
}

const BUMP_VERSION: &str = "UPDATE apps_version SET version = version + 1 WHERE id = 1";

impl Store {
    fn stored_app(&self, r: AppRow) -> Result<StoredApp, StoreError> {
        let opened = self
            .secrets()
            .open(&r.secrets)
            .map_err(StoreError::sealed("apps.secrets"))?;
        let plain: BTreeMap<String, String> =
            serde_json::from_str(opened.expose()).map_err(StoreError::json("apps.secrets"))?;
        Ok(StoredApp {
            name: r.name,
            kind: r.kind,
            config: serde_json::from_str(&r.config).map_err(StoreError::json("apps.config"))?,
            secrets: plain
                .into_iter()
                .map(|(k, v)| (k, Secret::new(v)))
                .collect(),
            source: if r.source == "api" {
                AppSource::Api
            } else {
                AppSource::File
            },
            updated_at: r.updated_at,
        })
    }

    /// Every app, by name.
    pub async fn list_apps(&self) -> Result<Vec<StoredApp>, StoreError> {
        let rows: Vec<AppRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT name, kind, config, secrets, source, updated_at FROM apps ORDER BY name")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(|r| self.stored_app(r)).collect()
    }

    /// One app.
    pub async fn get_app(&self, name: &str) -> Result<Option<StoredApp>, StoreError> {
        let row: Option<AppRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT name, kind, config, secrets, source, updated_at FROM apps WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?
        });
        row.map(|r| self.stored_app(r)).transpose()
    }

    /// Creates or replaces an app and bumps [`Store::apps_version`].
    pub async fn put_app(&self, app: &NewApp) -> Result<(), StoreError> {
        let plain: BTreeMap<&str, &str> = app
            .secrets
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        let json = zeroize::Zeroizing::new(
            serde_json::to_string(&plain).map_err(StoreError::json("apps.secrets"))?,
        );
        let sealed = self.secrets().seal(&json);
        let config = app.config.to_string();
        let now = now_ms();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO apps (name, kind, config, secrets, source, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, config = excluded.config, \
                 secrets = excluded.secrets, source = excluded.source, updated_at = excluded.updated_at",
            )
            .bind(&app.name)
            .bind(&app.kind)
            .bind(&config)
            .bind(&sealed)
            .bind(app.source.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(BUMP_VERSION).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes an app; returns whether it existed. Bumps [`Store::apps_version`] if it did.
    pub async fn delete_app(&self, name: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM apps WHERE name = $1")
                .bind(name)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n > 0 {
                sqlx::query(BUMP_VERSION).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// A counter that changes whenever an app is put or deleted; cheap to poll.
    pub async fn apps_version(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT version FROM apps_version WHERE id = 1")
                .fetch_one(pool)
                .await?
        }))
    }
}
