//! The callback writer's own connection to a SQLite file.
//!
//! Every accepted callback is committed by one writer task (the gateway's group commit). Through
//! the pool, its batches ran on whichever connection came back first: the pool hands its idle
//! connections out in turn, so consecutive batches ran on different connections (each a sqlx
//! worker thread), and each of them found the database changed by another connection, dropped
//! its page cache and read back (`pread`) the pages it was about to append to. Each query also
//! went to the connection's worker thread and came back a row at a time. An [`EventWriter`]
//! keeps one connection of its own on a thread of its own (`SqliteWriter`): the pages it
//! appends to stay cached, its statements stay prepared, and a batch is one message there and
//! one back. On PostgreSQL (and an in-memory SQLite database, which exists only in its pool's
//! connection) it simply uses the pool.

use crate::error::StoreError;
use crate::events::{self, Accepted, NewEvent};
use crate::sqlite_writer::SqliteWriter;
use crate::store::{Pool, Store};

/// Writes event batches like [`Store::accept_events`], on a connection of its own where that
/// helps (SQLite on a file). Owned by one task; opened lazily and opened again after an error.
pub struct EventWriter {
    store: Store,
    own: Option<SqliteWriter>,
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
    /// same results) and returns after the commit. After an error the connection is closed
    /// and the next batch opens a fresh one.
    pub async fn accept(&mut self, batch: Vec<NewEvent>) -> Result<Vec<Accepted>, StoreError> {
        let pool = match self.store.pool() {
            Pool::Sqlite(pool) if self.store.is_file_backed() => pool,
            _ => return self.store.accept_events(batch).await,
        };
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let writer = match &mut self.own {
            Some(writer) => writer,
            None => {
                let path = pool.connect_options().get_filename().to_owned();
                self.own.insert(SqliteWriter::open(path).await?)
            }
        };
        let result = writer.write(events::prepare(batch)).await;
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
