//! The outbox side of events: claiming due deliveries, recording outcomes, dead letters and
//! redrive, and the lag metric.
//!
//! A claim stamps `claimed_by` (a token unique to the claim) and `claimed_until` on pending,
//! due rows; a claimed row is invisible to other claimers until the lease passes, so a worker
//! that dies mid-delivery only delays its rows. On PostgreSQL the claim uses
//! `FOR UPDATE SKIP LOCKED`, so concurrent workers on several instances never get the same row;
//! SQLite runs one write at a time, which is enough.

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::events::{EventRow, StoredEvent};
use crate::store::Store;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting for (another) attempt.
    Pending,
    /// The webhook accepted it.
    Delivered,
    /// Gave up; waits for a redrive.
    Dead,
}

impl DeliveryStatus {
    /// The value stored in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "delivered" => Ok(DeliveryStatus::Delivered),
            "dead" => Ok(DeliveryStatus::Dead),
            other => Err(StoreError::Conflict(format!(
                "deliveries.status holds unknown value `{other}`; fix the row"
            ))),
        }
    }
}

/// One (event, webhook) delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Row id (the cursor of [`Store::list_deliveries`]).
    pub id: i64,
    /// The event's seq.
    pub event_seq: i64,
    /// The event's public id.
    pub event_id: String,
    /// The webhook's name.
    pub webhook: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// Earliest time of the next attempt (unix ms).
    pub next_attempt_at: i64,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// When it was queued (unix ms).
    pub created_at: i64,
    /// When it was delivered (unix ms).
    pub delivered_at: Option<i64>,
}

/// A claimed delivery together with its event.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDelivery {
    /// The delivery.
    pub delivery: Delivery,
    /// Its event.
    pub event: StoredEvent,
}

/// Which deliveries [`Store::list_deliveries`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// Only this status.
    pub status: Option<DeliveryStatus>,
    /// Only this webhook.
    pub webhook: Option<String>,
}

/// How far the outbox is behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxLag {
    /// Pending deliveries.
    pub pending: i64,
    /// Age of the oldest pending delivery (ms), if any.
    pub oldest_age_ms: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    #[sqlx(rename = "delivery_id")]
    id: i64,
    event_seq: i64,
    event_id: String,
    webhook: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    created_at: i64,
    delivered_at: Option<i64>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;
    fn try_from(r: DeliveryRow) -> Result<Self, StoreError> {
        Ok(Delivery {
            id: r.id,
            event_seq: r.event_seq,
            event_id: r.event_id,
            webhook: r.webhook,
            status: DeliveryStatus::parse(&r.status)?,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            created_at: r.created_at,
            delivered_at: r.delivered_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DueRow {
    #[sqlx(flatten)]
    delivery: DeliveryRow,
    #[sqlx(flatten)]
    event: EventRow,
}

const DELIVERY_COLUMNS: &str = "d.id AS delivery_id, d.event_seq, e.id AS event_id, d.webhook, d.status, d.attempts, \
     d.next_attempt_at, d.last_error, d.created_at, d.delivered_at";

const CLAIM_PG: &str = "UPDATE deliveries SET claimed_by = $1, claimed_until = $2 WHERE id IN (\
     SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $3 AND claimed_until <= $3 \
     ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)";
const CLAIM_SQLITE: &str = "UPDATE deliveries SET claimed_by = $1, claimed_until = $2 WHERE id IN (\
     SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $3 AND claimed_until <= $3 \
     ORDER BY next_attempt_at, id LIMIT $4)";
const CLAIMED: &str = "SELECT d.id AS delivery_id, d.event_seq, e.id AS event_id, d.webhook, d.status, d.attempts, \
     d.next_attempt_at, d.last_error, d.created_at, d.delivered_at, \
     e.seq, e.id, e.app, e.type, e.source, e.dedup_key, e.received_at, e.data, e.raw \
     FROM deliveries d JOIN events e ON e.seq = d.event_seq \
     WHERE d.claimed_by = $1 AND d.status = 'pending' ORDER BY d.next_attempt_at, d.id";

impl Store {
    /// Claims up to `limit` pending deliveries that are due at `now_ms` and not claimed by
    /// anyone else, for `lease_ms`; returns them with their events. Report each outcome with
    /// [`Store::mark_delivered`], [`Store::mark_failed`] or [`Store::mark_dead`]; an unreported
    /// claim becomes claimable again when its lease ends.
    pub async fn claim_due_deliveries(
        &self,
        now_ms: i64,
        limit: i64,
        worker_id: &str,
        lease_ms: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let claim = format!("{worker_id}/{}", crate::events::new_event_id());
        let update = if self.is_postgres() {
            CLAIM_PG
        } else {
            CLAIM_SQLITE
        };
        let rows: Vec<DueRow> = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(update)
                .bind(&claim)
                .bind(now_ms.saturating_add(lease_ms))
                .bind(now_ms)
                .bind(limit.max(0))
                .execute(&mut *tx)
                .await?;
            let rows = sqlx::query_as(CLAIMED).bind(&claim).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            rows
        });
        rows.into_iter()
            .map(|r| {
                Ok(DueDelivery {
                    delivery: r.delivery.try_into()?,
                    event: r.event.try_into()?,
                })
            })
            .collect()
    }

    /// Records a successful delivery.
    pub async fn mark_delivered(&self, id: i64) -> Result<(), StoreError> {
        let now = now_ms();
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = $2, \
                 claimed_by = NULL, claimed_until = 0, last_error = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        found(n, id)
    }

    /// Records a failed attempt and when to try again.
    pub async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, \
                 claimed_by = NULL, claimed_until = 0 WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(error)
            .bind(next_attempt_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        found(n, id)
    }

    /// Records a final failure: the delivery becomes a dead letter until redriven.
    pub async fn mark_dead(&self, id: i64, error: &str) -> Result<(), StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE deliveries SET status = 'dead', attempts = attempts + 1, last_error = $2, \
                 claimed_by = NULL, claimed_until = 0 WHERE id = $1 AND status = 'pending'",
            )
            .bind(id)
            .bind(error)
            .execute(pool)
            .await?
            .rows_affected()
        });
        found(n, id)
    }

    /// Deliveries matching `filter` with `id > cursor` (0 to start), in id order.
    pub async fn list_deliveries(
        &self,
        filter: &DeliveryFilter,
        limit: i64,
        cursor: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let status = filter.status.map(DeliveryStatus::as_str);
        let rows: Vec<DeliveryRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq \
                 WHERE ($1 IS NULL OR d.status = $1) AND ($2 IS NULL OR d.webhook = $2) AND d.id > $3 \
                 ORDER BY d.id LIMIT $4"
            )))
            .bind(status)
            .bind(filter.webhook.as_deref())
            .bind(cursor)
            .bind(limit.max(0))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Delivery::try_from).collect()
    }

    /// Puts a dead (or delivered) delivery back to pending with its attempts reset, due now.
    pub async fn redrive(&self, id: i64) -> Result<(), StoreError> {
        let now = now_ms();
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, \
                 claimed_by = NULL, claimed_until = 0, last_error = NULL, delivered_at = NULL \
                 WHERE id = $1 AND status <> 'pending'",
            )
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 1 {
            return Ok(());
        }
        let exists: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM deliveries WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        match exists {
            Some(_) => Err(StoreError::Conflict(format!(
                "delivery {id} is still pending; only dead or delivered deliveries can be redriven"
            ))),
            None => Err(StoreError::NotFound(format!("delivery {id}"))),
        }
    }

    /// Puts every dead delivery of `webhook` back to pending; returns how many.
    pub async fn redrive_all_dead(&self, webhook: &str) -> Result<u64, StoreError> {
        let now = now_ms();
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, \
                 claimed_by = NULL, claimed_until = 0, last_error = NULL \
                 WHERE webhook = $1 AND status = 'dead'",
            )
            .bind(webhook)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// Pending deliveries and the age of the oldest, at `now_ms` (for metrics).
    pub async fn outbox_lag(&self, now_ms: i64) -> Result<OutboxLag, StoreError> {
        let (pending, oldest): (i64, Option<i64>) = on_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM deliveries WHERE status = 'pending'")
                .fetch_one(pool)
                .await?
        });
        Ok(OutboxLag {
            pending,
            oldest_age_ms: oldest.map(|t| (now_ms - t).max(0)),
        })
    }
}

fn found(rows: u64, id: i64) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::NotFound(format!(
            "pending delivery {id} (it may have been delivered, marked dead or purged already)"
        )))
    } else {
        Ok(())
    }
}

impl Store {
    /// Every delivery of the event with `event_seq`, in id order (the admin API's event view).
    pub async fn deliveries_of_event(&self, event_seq: i64) -> Result<Vec<Delivery>, StoreError> {
        let rows: Vec<DeliveryRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event_seq \
                 WHERE d.event_seq = $1 ORDER BY d.id"
            )))
            .bind(event_seq)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Delivery::try_from).collect()
    }
}
