//! Upstream access tokens and tickets, shared by every instance through the database.
//!
//! The value is sealed; `value_hash` holds a keyed fingerprint so [`Store::delete_token_if`] can
//! compare-and-delete (the sealed text differs on every write), and `version` counts writes.

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::secret_box::Secret;
use crate::store::Store;

/// A token read back from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// The token (opened).
    pub value: Secret,
    /// When the platform says it expires (unix ms).
    pub expires_at: i64,
    /// When it was fetched (unix ms).
    pub fetched_at: i64,
    /// Incremented on every write of this key.
    pub version: i64,
}

impl Store {
    /// The stored token for `key` (expired or not: the caller decides).
    pub async fn get_token(&self, key: &str) -> Result<Option<StoredToken>, StoreError> {
        let row: Option<(String, i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT value, expires_at, fetched_at, version FROM tokens WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(sealed, expires_at, fetched_at, version)| {
            Ok(StoredToken {
                value: self
                    .secrets()
                    .open(&sealed)
                    .map_err(StoreError::sealed("tokens.value"))?,
                expires_at,
                fetched_at,
                version,
            })
        })
        .transpose()
    }

    /// Stores (or replaces) the token for `key`; returns its new version.
    pub async fn put_token(
        &self,
        key: &str,
        value: &str,
        expires_at: i64,
    ) -> Result<i64, StoreError> {
        let sealed = self.secrets().seal(value);
        let hash = self.secrets().fingerprint(value);
        let now = now_ms();
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO tokens (key, value, value_hash, expires_at, fetched_at, version) \
                 VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (key) DO UPDATE SET \
                 value = excluded.value, value_hash = excluded.value_hash, \
                 expires_at = excluded.expires_at, fetched_at = excluded.fetched_at, \
                 version = tokens.version + 1 RETURNING version",
            )
            .bind(key)
            .bind(&sealed)
            .bind(&hash)
            .bind(expires_at)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Deletes the token for `key` only if it still is `value` (the one the platform rejected);
    /// a fresher token written meanwhile is kept. Returns whether a row was deleted.
    pub async fn delete_token_if(&self, key: &str, value: &str) -> Result<bool, StoreError> {
        let hash = self.secrets().fingerprint(value);
        let n = on_pool!(self, pool => {
            sqlx::query("DELETE FROM tokens WHERE key = $1 AND value_hash = $2")
                .bind(key)
                .bind(&hash)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }
}
