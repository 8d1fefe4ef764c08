//! Retention: old events go, and with them their dedup keys — the dedup window equals the event
//! retention. An event is kept while any of its deliveries is still pending.
//!
//! Events are purged in arrival order (`seq`), a chunk per transaction: the oldest rows are the
//! first ones in the table, so finding them needs no index on `received_at` (one the callback
//! writer would otherwise update for every event), and the writer waits for one short chunk at
//! a time, never for a whole day's purge. The walk stops at the first event young enough to
//! keep; an older one that arrived after it (a clock set back) goes with a later purge.

use crate::backend::on_pool;
use crate::error::StoreError;
use crate::store::Store;

/// Events examined (and at most deleted) per transaction.
const PURGE_CHUNK: i64 = 1000;

impl Store {
    /// Deletes events received before `cutoff_ms` (unix ms) whose deliveries are all delivered
    /// or dead (their deliveries go too), oldest first, up to the first event received at or
    /// after the cutoff; returns how many events were deleted.
    pub async fn purge_events_older_than(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let mut after = 0_i64;
        let mut deleted = 0;
        loop {
            let chunk: Vec<(i64, i64)> = on_pool!(self, pool => {
                sqlx::query_as(
                    "SELECT seq, received_at FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(PURGE_CHUNK)
                .fetch_all(pool)
                .await?
            });
            let old = chunk.iter().take_while(|(_, at)| *at < cutoff_ms).count();
            let Some(&(last, _)) = chunk[..old].last() else {
                return Ok(deleted);
            };
            deleted += on_pool!(self, pool => {
                sqlx::query(
                    "DELETE FROM events WHERE seq > $1 AND seq <= $2 AND received_at < $3 \
                     AND NOT EXISTS (SELECT 1 FROM deliveries d \
                     WHERE d.event_seq = events.seq AND d.status = 'pending')",
                )
                .bind(after)
                .bind(last)
                .bind(cutoff_ms)
                .execute(pool)
                .await?
                .rows_affected()
            });
            if old < chunk.len() || chunk.len() < PURGE_CHUNK as usize {
                return Ok(deleted);
            }
            after = last;
        }
    }
}
