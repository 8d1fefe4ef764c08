//! Retention: old events go, and with them their dedup keys — the dedup window equals the event
//! retention. An event is kept while any of its deliveries is still pending.

use crate::backend::on_pool;
use crate::error::StoreError;
use crate::store::Store;

impl Store {
    /// Deletes events received before `cutoff_ms` (unix ms) whose deliveries are all delivered
    /// or dead (their deliveries go too); returns how many events were deleted.
    pub async fn purge_events_older_than(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "DELETE FROM events WHERE received_at < $1 AND NOT EXISTS (\
                 SELECT 1 FROM deliveries d WHERE d.event_seq = events.seq AND d.status = 'pending')",
            )
            .bind(cutoff_ms)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }
}
