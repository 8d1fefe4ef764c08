//! The `Store` handle: connecting, pool tuning per backend, and migrations.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::{StoreError, redact_url};
use crate::secret_box::SecretBox;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one gateway instance (locks are in-process).
    Sqlite,
    /// PostgreSQL: any number of instances.
    Postgres,
}

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

struct Inner {
    pool: Pool,
    /// SQLite on a file: other connections to the same database can be opened (an in-memory
    /// database exists only in its pool's one connection).
    file_backed: bool,
    secrets: SecretBox,
    /// SQLite only: names of the locks held by this process.
    local_locks: Arc<Mutex<HashSet<String>>>,
}

/// wxgate's database. Cheap to clone (all clones share one pool).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects to `sqlite://path` (created if missing; WAL, `synchronous=NORMAL`, busy timeout,
    /// foreign keys on), `sqlite::memory:` (tests), or `postgres://…`. Does not migrate: call
    /// [`Store::migrate`].
    pub async fn connect(url: &str, secrets: SecretBox) -> Result<Store, StoreError> {
        let shown = redact_url(url);
        let not_connected = |source| StoreError::NotConnected {
            url: shown.clone(),
            source,
        };
        let mut file_backed = false;
        let pool = if url.starts_with("sqlite:") {
            let memory = url.contains(":memory:") || url.contains("mode=memory");
            file_backed = !memory;
            let options = SqliteConnectOptions::from_str(url)
                .map_err(not_connected)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            // An in-memory database lives and dies with its one connection: keep exactly one.
            let pool_options = if memory {
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
            } else {
                SqlitePoolOptions::new().max_connections(8)
            };
            Pool::Sqlite(
                pool_options
                    .acquire_timeout(Duration::from_secs(15))
                    // A local file cannot drop a connection: pinging one before each use would
                    // only add a round trip to its worker thread per query.
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await
                    .map_err(not_connected)?,
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(not_connected)?;
            // One direct connection first: a pool only reports "timed out", this says why.
            PgConnection::connect_with(&options)
                .await
                .map_err(not_connected)?
                .close()
                .await
                .map_err(not_connected)?;
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .map_err(not_connected)?,
            )
        } else {
            return Err(StoreError::UnsupportedUrl { url: shown });
        };
        tracing::debug!(url = %shown, "store connected");
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                file_backed,
                secrets,
                local_locks: Arc::default(),
            }),
        })
    }

    /// Applies the embedded migrations that have not run yet (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.pool() {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        match self.pool() {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes the pool; in-flight queries finish first.
    pub async fn close(&self) {
        match self.pool() {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    pub(crate) fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    /// True for SQLite on a file (not in memory): a connection of one's own can be opened.
    pub(crate) fn is_file_backed(&self) -> bool {
        self.inner.file_backed
    }

    pub(crate) fn secrets(&self) -> &SecretBox {
        &self.inner.secrets
    }

    pub(crate) fn local_locks(&self) -> &Arc<Mutex<HashSet<String>>> {
        &self.inner.local_locks
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.pool(), Pool::Postgres(_))
    }
}
