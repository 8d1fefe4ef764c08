//! What a running full sync fetched so far, one JSON value per department or member, keyed by
//! job. It survives a crash so a resumed job does not fetch it again; finishing the job drops it.
//!
//! Keys sort byte by byte on both backends (SQLite's BINARY; PostgreSQL's column is collated
//! "C"), so a sync can read its members back in pages in the order the streamed apply takes
//! them ([`crate::contacts::FullSyncApply::members`]).

use serde::Serialize;
use serde_json::Value;

use crate::backend::on_pool;
use crate::contacts::batch::{Arg, multi_insert};
use crate::error::StoreError;
use crate::store::Store;

/// The query of one page of staged rows after `after_key` (or from the first): two texts, so
/// each can use the primary-key index (`$3 IS NULL OR key > $3` cannot on PostgreSQL).
pub(crate) fn staged_page_query(
    job_id: &str,
    kind: &str,
    after_key: Option<&str>,
    limit: i64,
) -> (&'static str, Vec<Arg>) {
    let limit = Arg::from(limit.clamp(1, 100_000));
    match after_key {
        None => (
            "SELECT key, data FROM contact_sync_staging WHERE job_id = $1 AND kind = $2 ORDER BY key LIMIT $3",
            vec![Arg::from(job_id), Arg::from(kind), limit],
        ),
        Some(after) => (
            "SELECT key, data FROM contact_sync_staging WHERE job_id = $1 AND kind = $2 AND key > $3 ORDER BY key LIMIT $4",
            vec![Arg::from(job_id), Arg::from(kind), Arg::from(after), limit],
        ),
    }
}

fn parse_rows(rows: Vec<(String, String)>) -> Result<Vec<(String, Value)>, StoreError> {
    rows.into_iter()
        .map(|(key, data)| {
            serde_json::from_str(&data)
                .map(|v| (key, v))
                .map_err(StoreError::json("contact_sync_staging.data"))
        })
        .collect()
}

impl Store {
    /// Stores `items` (key, data) of `kind` (e.g. `department`, `member`) for job `job_id`,
    /// replacing items with the same key (so re-fetching after a resume is harmless). `data` is
    /// anything that serialises to JSON (a [`Value`], a typed record, a
    /// [`serde_json::value::RawValue`] serialised earlier).
    pub async fn stage<T: Serialize>(
        &self,
        job_id: &str,
        kind: &str,
        items: Vec<(String, T)>,
    ) -> Result<(), StoreError> {
        if kind.is_empty() {
            return Err(StoreError::Conflict(
                "a staging kind must not be empty".into(),
            ));
        }
        // The last value of a key wins (one statement may not upsert the same row twice).
        let mut latest = std::collections::BTreeMap::new();
        for (key, data) in items {
            let json = serde_json::to_string(&data).map_err(|e| {
                StoreError::Conflict(format!("staged {kind} `{key}` is not JSON: {e}"))
            })?;
            latest.insert(key, json);
        }
        let rows: Vec<(String, String)> = latest.into_iter().collect();
        let stmts = multi_insert(
            self.batching(),
            "contact_sync_staging (job_id, kind, key, data)",
            "ON CONFLICT (job_id, kind, key) DO UPDATE SET data = excluded.data",
            4,
            &rows,
            |(key, data)| {
                vec![
                    Arg::from(job_id),
                    Arg::from(kind),
                    Arg::from(key),
                    Arg::from(data),
                ]
            },
        );
        self.run_in_tx(stmts).await?;
        Ok(())
    }

    /// Everything staged of `kind` for job `job_id`, by key.
    pub async fn staged(
        &self,
        job_id: &str,
        kind: &str,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT key, data FROM contact_sync_staging WHERE job_id = $1 AND kind = $2 ORDER BY key")
                .bind(job_id)
                .bind(kind)
                .fetch_all(pool)
                .await?
        });
        parse_rows(rows)
    }

    /// Up to `limit` items staged of `kind` for job `job_id` with keys after `after_key` (all
    /// when `None`), by key: a page, so a 100 000-member directory is never one `Vec`.
    pub async fn staged_page(
        &self,
        job_id: &str,
        kind: &str,
        after_key: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(String, Value)>, StoreError> {
        parse_rows(
            self.staged_page_json(job_id, kind, after_key, limit)
                .await?,
        )
    }

    /// [`Store::staged_page`] with each item as its JSON text, for a reader that deserialises
    /// straight into its own type (no [`Value`] in between).
    pub async fn staged_page_json(
        &self,
        job_id: &str,
        kind: &str,
        after_key: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let (sql, args) = staged_page_query(job_id, kind, after_key, limit);
        self.query_rows(sql, &args).await
    }

    /// The keys staged of `kind` for job `job_id`, sorted.
    pub async fn staged_keys(&self, job_id: &str, kind: &str) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT key FROM contact_sync_staging WHERE job_id = $1 AND kind = $2 ORDER BY key")
                .bind(job_id)
                .bind(kind)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Drops what job `job_id` staged (of every kind). Returns how many rows went.
    pub async fn clear_staging(&self, job_id: &str) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM contact_sync_staging WHERE job_id = $1")
                .bind(job_id)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
