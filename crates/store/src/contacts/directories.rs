//! Directories: which corp (and suite) a directory mirrors, and which fields its credential cannot
//! read.

use serde::Serialize;

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

/// One directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactDirectory {
    /// Its name (`acme`, or `crm:{corp_id}` for a suite's authorised corp).
    pub name: String,
    /// The corp it mirrors.
    pub corp_id: String,
    /// The suite whose authorisation it is read through, if any.
    pub suite_id: Option<String>,
    /// Fields the credential cannot read (see [`crate::contacts::UNAVAILABLE_FIELDS`]).
    pub unavailable_fields: Vec<String>,
    /// When the last full sync was applied (unix ms).
    pub last_full_sync_at: Option<i64>,
    /// The last finished sync job.
    pub last_job_id: Option<String>,
    /// Last changed (unix ms).
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct DirectoryRow {
    name: String,
    corp_id: String,
    suite_id: Option<String>,
    unavailable_fields: String,
    last_full_sync_at: Option<i64>,
    last_job_id: Option<String>,
    updated_at: i64,
}

impl TryFrom<DirectoryRow> for ContactDirectory {
    type Error = StoreError;

    fn try_from(r: DirectoryRow) -> Result<ContactDirectory, StoreError> {
        Ok(ContactDirectory {
            unavailable_fields: serde_json::from_str(&r.unavailable_fields)
                .map_err(StoreError::json("contact_directories.unavailable_fields"))?,
            name: r.name,
            corp_id: r.corp_id,
            suite_id: r.suite_id,
            last_full_sync_at: r.last_full_sync_at,
            last_job_id: r.last_job_id,
            updated_at: r.updated_at,
        })
    }
}

const DIRECTORY_COLUMNS: &str =
    "name, corp_id, suite_id, unavailable_fields, last_full_sync_at, last_job_id, updated_at";

impl Store {
    /// Creates directory `name` or updates its corp and suite. Returns the stored directory.
    pub async fn upsert_directory(
        &self,
        name: &str,
        corp_id: &str,
        suite_id: Option<&str>,
    ) -> Result<ContactDirectory, StoreError> {
        if name.is_empty() || corp_id.is_empty() {
            return Err(StoreError::Conflict(
                "a directory needs a name and a corp_id".into(),
            ));
        }
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO contact_directories (name, corp_id, suite_id, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name) DO UPDATE SET corp_id = excluded.corp_id, suite_id = excluded.suite_id, updated_at = excluded.updated_at",
            )
            .bind(name)
            .bind(corp_id)
            .bind(suite_id)
            .bind(now_ms())
            .execute(pool)
            .await?;
        });
        self.directory(name)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("directory {name}")))
    }

    /// Directory `name`, if known.
    pub async fn directory(&self, name: &str) -> Result<Option<ContactDirectory>, StoreError> {
        let row: Option<DirectoryRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DIRECTORY_COLUMNS} FROM contact_directories WHERE name = $1"
            )))
            .bind(name)
            .fetch_optional(pool)
            .await?
        });
        row.map(ContactDirectory::try_from).transpose()
    }

    /// Every directory, by name.
    pub async fn list_directories(&self) -> Result<Vec<ContactDirectory>, StoreError> {
        let rows: Vec<DirectoryRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DIRECTORY_COLUMNS} FROM contact_directories ORDER BY name"
            )))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(ContactDirectory::try_from).collect()
    }

    /// Records which fields the directory's credential cannot read (replacing the list).
    pub async fn set_unavailable_fields(
        &self,
        name: &str,
        fields: &[String],
    ) -> Result<(), StoreError> {
        crate::contacts::apply::check_unavailable_fields(fields)?;
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE contact_directories SET unavailable_fields = $1, updated_at = $2 WHERE name = $3")
                .bind(serde_json::Value::from(fields.to_vec()).to_string())
                .bind(now_ms())
                .bind(name)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("directory {name}")));
        }
        Ok(())
    }
}
