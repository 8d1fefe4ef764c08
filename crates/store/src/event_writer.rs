//! The callback writer's own connection to a SQLite file.
//!
//! Every accepted callback is committed by one writer task (the gateway's group commit). Through
//! the pool, its batches ran on whichever connection came back first: the pool hands its idle
//! connections out in turn, so consecutive batches ran on different connections (each a sqlx
//! worker thread), and each of them found the database changed by another connection, dropped
//! its page cache and read back (`pread`) the pages it was about to append to. Releasing a
//! pooled connection also costs a ping round trip to its worker thread. An [`EventWriter`] keeps
//! one connection of its own for the writer, so the pages it appends to stay cached. On
//! PostgreSQL (and an in-memory SQLite database, which exists only in its pool's connection) it
//! simply uses the pool.

use sqlx::{ConnectOptions, SqliteConnection};

use crate::error::StoreError;
use crate::events::{self, Accepted, NewEvent};
use crate::store::{Pool, Store};

/// Writes event batches like [`Store::accept_events`], on a connection of its own where that
/// helps (SQLite on a file). Owned by one task; opened lazily and opened again after an error.
pub struct EventWriter {
    store: Store,
    own: Option<SqliteConnection>,
}

impl std::fmt::Debug for EventWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventWriter")
            .field("store", &self.store)
            .field("own_connection", &self.own.is_some())
            .finish()
    }
}

impl Store {
    /// A writer for the callback hot path; see [`EventWriter`].
    pub fn event_writer(&self) -> EventWriter {
        EventWriter {
            store: self.clone(),
            own: None,
        }
    }
}

impl EventWriter {
    /// Stores a batch exactly as [`Store::accept_events`] does (same transaction, same dedup,
    /// same results) and returns after the commit. After an error the connection is dropped
    /// (it may be mid-transaction) and the next batch opens a fresh one.
    pub async fn accept(&mut self, batch: Vec<NewEvent>) -> Result<Vec<Accepted>, StoreError> {
        let pool = match self.store.pool() {
            Pool::Sqlite(pool) if self.store.is_file_backed() => pool,
            _ => return self.store.accept_events(batch).await,
        };
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let conn = match &mut self.own {
            Some(conn) => conn,
            None => self.own.insert(pool.connect_options().connect().await?),
        };
        let result = events::write_sqlite(conn, events::prepare(batch)).await;
        if result.is_err() {
            self.own = None;
        }
        result
    }

    /// Whether a connection of its own is open (for tests and diagnostics).
    pub fn has_own_connection(&self) -> bool {
        self.own.is_some()
    }
}
