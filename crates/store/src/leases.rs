//! Cross-instance locks, so only one instance refreshes a given token at a time.
//!
//! **PostgreSQL: a lease table.** `leases(name, holder, expires_at)`: taking a lock inserts the
//! row, or takes over a row whose lease has expired, in one atomic upsert; releasing deletes the
//! row if we still hold it. Expiry is computed with the database's clock, so instances with
//! skewed clocks agree. We chose this over a session-level `pg_try_advisory_lock` because a
//! lease is bounded: if an instance dies (or its host vanishes without closing its TCP
//! connection, which PostgreSQL may notice only after the TCP keepalive timeout, hours by
//! default) the lock frees itself after the TTL. The price is that a holder working longer than
//! the TTL must call [`LockGuard::extend`].
//!
//! **SQLite: an in-process set.** SQLite means one gateway instance, so a mutex-guarded set of
//! held names in the `Store` (shared by its clones) is enough. Two processes on one SQLite file
//! are not supported.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;

use crate::error::StoreError;
use crate::store::{Pool, Store};

/// How long a PostgreSQL lease lasts unless extended.
pub const LEASE_TTL: Duration = Duration::from_secs(60);

const DB_NOW_MS: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

/// A held lock; released on drop or by [`LockGuard::release`].
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard {
    name: String,
    kind: GuardKind,
}

#[derive(Debug)]
enum GuardKind {
    Local(Arc<Mutex<HashSet<String>>>),
    Lease {
        pool: PgPool,
        holder: String,
        released: bool,
    },
}

impl LockGuard {
    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Extends a PostgreSQL lease by `ttl` from now; returns `false` if it expired and another
    /// instance took it (stop working then). Always `true` on SQLite.
    pub async fn extend(&self, ttl: Duration) -> Result<bool, StoreError> {
        match &self.kind {
            GuardKind::Local(_) => Ok(true),
            GuardKind::Lease { pool, holder, .. } => {
                let n = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE leases SET expires_at = {DB_NOW_MS} + $3 WHERE name = $1 AND holder = $2"
                )))
                .bind(&self.name)
                .bind(holder)
                .bind(ttl_ms(ttl))
                .execute(pool)
                .await?
                .rows_affected();
                Ok(n == 1)
            }
        }
    }

    /// Releases the lock now and waits for the release to reach the database.
    pub async fn release(mut self) -> Result<(), StoreError> {
        if let GuardKind::Lease {
            pool,
            holder,
            released,
        } = &mut self.kind
        {
            *released = true;
            sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
                .bind(&self.name)
                .bind(&*holder)
                .execute(&*pool)
                .await?;
        }
        Ok(())
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        match &mut self.kind {
            GuardKind::Local(held) => {
                if let Ok(mut held) = held.lock() {
                    held.remove(&self.name);
                }
            }
            GuardKind::Lease {
                pool,
                holder,
                released,
            } => {
                if *released {
                    return;
                }
                // Drop cannot await: release in the background. Without a runtime (shutdown),
                // the lease simply expires after its TTL.
                if let Ok(rt) = tokio::runtime::Handle::try_current() {
                    let (pool, holder, name) = (pool.clone(), holder.clone(), self.name.clone());
                    rt.spawn(async move {
                        let result = sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
                            .bind(&name)
                            .bind(&holder)
                            .execute(&pool)
                            .await;
                        if let Err(err) = result {
                            tracing::warn!(lock = %name, %err, "could not release lease; it will expire");
                        }
                    });
                }
            }
        }
    }
}

fn ttl_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2)
}

impl Store {
    /// Takes the lock `name` if nobody holds it, with the default [`LEASE_TTL`].
    pub async fn try_lock(&self, name: &str) -> Result<Option<LockGuard>, StoreError> {
        self.try_lock_for(name, LEASE_TTL).await
    }

    /// Takes the lock `name` if nobody holds it; on PostgreSQL the lease lasts `ttl`.
    pub async fn try_lock_for(
        &self,
        name: &str,
        ttl: Duration,
    ) -> Result<Option<LockGuard>, StoreError> {
        match self.pool() {
            Pool::Sqlite(_) => {
                let held = self.local_locks();
                let mut set = held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if !set.insert(name.to_owned()) {
                    return Ok(None);
                }
                Ok(Some(LockGuard {
                    name: name.to_owned(),
                    kind: GuardKind::Local(Arc::clone(held)),
                }))
            }
            Pool::Postgres(pool) => {
                let holder = crate::events::new_event_id().replacen("evt_", "lease_", 1);
                let got: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, {DB_NOW_MS} + $3) \
                     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
                     WHERE leases.expires_at <= {DB_NOW_MS} RETURNING holder"
                )))
                .bind(name)
                .bind(&holder)
                .bind(ttl_ms(ttl))
                .fetch_optional(pool)
                .await?;
                Ok(got.map(|_| LockGuard {
                    name: name.to_owned(),
                    kind: GuardKind::Lease {
                        pool: pool.clone(),
                        holder,
                        released: false,
                    },
                }))
            }
        }
    }

    /// Takes the lock `name`, polling until it is free or `wait` has passed
    /// ([`StoreError::LockBusy`]).
    pub async fn lock(&self, name: &str, wait: Duration) -> Result<LockGuard, StoreError> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(10);
        loop {
            if let Some(guard) = self.try_lock(name).await? {
                return Ok(guard);
            }
            let waited = start.elapsed();
            if waited >= wait {
                return Err(StoreError::LockBusy {
                    name: name.to_owned(),
                    waited_ms: waited.as_millis(),
                });
            }
            tokio::time::sleep(pause.min(wait - waited)).await;
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }
}
