//! The callback writer's SQLite thread: one connection, prepared statements, one message per
//! batch.
//!
//! sqlx drives each SQLite connection from a worker thread of its own and answers every query
//! over a channel, one message per row: a batch of events cost the writer task a command per
//! statement and a wake-up per `RETURNING` row, and the two threads (on a busy single core)
//! preempted each other several times a batch. This thread owns a synchronous connection
//! (`rusqlite`, on the same bundled SQLite as sqlx), keeps its statements prepared, writes a
//! whole batch in one transaction and answers it with one message. It is used only for SQLite on
//! a file, where a second connection to the database can be opened; everything else about the
//! database (migrations, the pool, every other query) stays with sqlx.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::oneshot;

use crate::error::StoreError;
use crate::events::{Accepted, NOT_STORED, Prepared, SELECT_ORIGINAL};
use crate::json_text::JsonText;

/// How long a batch waits for SQLite's write lock (held by a pooled connection) before failing;
/// the pool's connections wait as long.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// One event; `ON CONFLICT … DO NOTHING` leaves a duplicate out (no row changed).
const INSERT_EVENT: &str = "INSERT INTO events (id, app, type, source, dedup_key, received_at, data, raw) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (app, dedup_key) DO NOTHING";

/// Opens a batch's transaction, taking SQLite's write lock at once (waiting up to the busy
/// timeout for it) rather than at the first insert.
const BEGIN: &str = "BEGIN IMMEDIATE";

/// Commits a batch.
const COMMIT: &str = "COMMIT";

/// One pending delivery; `?3` is the batch's time.
const INSERT_DELIVERY: &str = "INSERT INTO deliveries \
     (event_seq, webhook, status, attempts, next_attempt_at, claimed_until, created_at) \
     VALUES (?1, ?2, 'pending', 0, ?3, 0, ?3)";

struct Request {
    batch: Prepared,
    reply: oneshot::Sender<Result<Vec<Accepted>, StoreError>>,
}

/// The handle of a writer thread. Dropping it ends the thread (after the batch in hand), which
/// closes its connection.
pub(crate) struct SqliteWriter {
    requests: mpsc::Sender<Request>,
}

impl SqliteWriter {
    /// Starts a thread with a connection of its own to the SQLite file at `path` (which must
    /// exist and be migrated: the pool opened it first). Returns once the connection is open.
    pub(crate) async fn open(path: PathBuf) -> Result<SqliteWriter, StoreError> {
        let (requests, queue) = mpsc::channel::<Request>();
        let (opened, open_result) = oneshot::channel();
        std::thread::Builder::new()
            .name("wxgate-event-writer".into())
            .spawn(move || match connect(&path) {
                Ok(conn) => {
                    if opened.send(Ok(())).is_ok() {
                        serve(&conn, &queue);
                    }
                }
                Err(e) => {
                    let _ = opened.send(Err(e));
                }
            })
            .map_err(StoreError::WriterThread)?;
        open_result.await.map_err(|_| StoreError::WriterStopped)??;
        Ok(SqliteWriter { requests })
    }

    /// Writes a batch (see [`write`]) and returns after its commit.
    pub(crate) async fn write(&self, batch: Prepared) -> Result<Vec<Accepted>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request { batch, reply })
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

/// Opens the connection with the pool's settings: WAL (the file is in WAL mode already; the
/// mode is persistent), `synchronous=NORMAL`, the busy timeout, foreign keys on.
fn connect(path: &std::path::Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// Answers batches until the handle is dropped, or until a batch fails: the thread then ends
/// and the next batch gets a fresh connection (the gateway's rule after any failed batch).
fn serve(conn: &Connection, queue: &mpsc::Receiver<Request>) {
    while let Ok(Request { batch, reply }) = queue.recv() {
        let result = write(conn, batch);
        let failed = result.is_err();
        let _ = reply.send(result);
        if failed {
            break;
        }
    }
}

/// Writes a batch in ONE transaction, with the same results as the store's sqlx path: in batch
/// order, a duplicate (stored before or earlier in the batch) comes back with the original's id
/// and gets no deliveries, and each new event gets one pending delivery per distinct webhook.
/// Nothing is written if anything fails: the transaction is rolled back (and the thread then
/// ends, closing the connection).
///
/// `BEGIN IMMEDIATE` and `COMMIT` are prepared once, like the inserts: `rusqlite`'s
/// `Transaction` runs them through `execute_batch`, which parses them again for every batch.
fn write(conn: &Connection, batch: Prepared) -> Result<Vec<Accepted>, StoreError> {
    conn.prepare_cached(BEGIN)?.execute([])?;
    let written = insert_batch(conn, batch).and_then(|out| {
        conn.prepare_cached(COMMIT)?.execute([])?;
        Ok(out)
    });
    if written.is_err() && !conn.is_autocommit() {
        // The batch's error is what the callers need; a failed rollback changes nothing for
        // them (the connection is closed next, which rolls back too).
        let _ = conn.execute_batch("ROLLBACK");
    }
    written
}

/// The rows of one batch, inside the transaction [`write`] opened.
fn insert_batch(conn: &Connection, batch: Prepared) -> Result<Vec<Accepted>, StoreError> {
    let Prepared { kept, columns, now } = batch;
    let mut out = Vec::with_capacity(kept.len());
    let mut insert = conn.prepare_cached(INSERT_EVENT)?;
    let mut original = conn.prepare_cached(SELECT_ORIGINAL)?;
    let mut delivery = conn.prepare_cached(INSERT_DELIVERY)?;
    for (event, column) in kept.into_iter().zip(columns) {
        let changed = insert.execute(params![
            event.id,
            event.app,
            column.event_type,
            column.source.as_str(),
            event.dedup_key,
            column.received_at,
            column.data.as_ref().map_or(NOT_STORED, JsonText::as_str),
            column.raw,
        ])?;
        if changed == 0 {
            let id: Option<String> = original
                .query_row(params![event.app, event.dedup_key], |row| row.get(0))
                .optional()?;
            // The conflict was on (app, dedup_key), so the original exists; None would mean
            // the schema no longer matches this code.
            let id = id.ok_or(StoreError::NotFound(format!(
                "the original of a duplicate event ({})",
                event.app
            )))?;
            out.push(Accepted::Duplicate { id });
            continue;
        }
        let seq = conn.last_insert_rowid();
        for webhook in event.distinct_webhooks() {
            delivery.execute(params![seq, webhook, now])?;
        }
        out.push(Accepted::New { id: event.id, seq });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::SqliteWriter;
    use crate::events::{Accepted, NewEvent, prepare};
    use crate::secret_box::SecretBox;
    use crate::store::{Pool, Store};

    fn event(key: &str) -> NewEvent {
        NewEvent {
            app: "app".into(),
            event_type: "message.text".into(),
            source: serde_json::json!({"platform": "wecom"}).into(),
            dedup_key: key.into(),
            received_at: 1,
            data: Some(serde_json::json!({"content": key}).into()),
            raw: format!("<xml><MsgId>{key}</MsgId></xml>"),
            webhooks: vec!["hook".into()],
        }
    }

    async fn file_store(dir: &tempfile::TempDir) -> (Store, std::path::PathBuf) {
        let path = dir.path().join("wxgate.db");
        let store = Store::connect(
            &format!("sqlite://{}", path.display()),
            SecretBox::new(&[7u8; 32]),
        )
        .await
        .unwrap();
        store.migrate().await.unwrap();
        (store, path)
    }

    #[tokio::test]
    async fn waits_for_a_pooled_write_transaction_then_commits() {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = file_store(&dir).await;
        let Pool::Sqlite(pool) = store.pool() else {
            unreachable!()
        };
        let mut holder = pool.acquire().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *holder)
            .await
            .unwrap();

        let writer = SqliteWriter::open(path).await.unwrap();
        let pending = tokio::spawn(async move {
            let result = writer.write(prepare(vec![event("a"), event("a")])).await;
            (writer, result)
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!pending.is_finished(), "the writer must wait for the lock");
        sqlx::query("COMMIT").execute(&mut *holder).await.unwrap();
        drop(holder);

        let (writer, result) = pending.await.unwrap();
        let out = result.unwrap();
        let Accepted::New { id, .. } = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(out[1], Accepted::Duplicate { id: id.clone() });
        let stored = store.get_event(id).await.unwrap().unwrap();
        assert_eq!(stored.raw, "<xml><MsgId>a</MsgId></xml>");
        let deliveries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deliveries")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(deliveries, 1);
        // An event whose data is derived at read time is stored without it.
        let bare = NewEvent {
            data: None,
            ..event("b")
        };
        let out = writer.write(prepare(vec![bare])).await.unwrap();
        let stored = store.get_event(out[0].id()).await.unwrap().unwrap();
        assert_eq!(stored.data, None);
        assert_eq!(stored.raw, "<xml><MsgId>b</MsgId></xml>");
        drop(writer);
    }

    #[tokio::test]
    async fn a_failed_batch_writes_nothing_and_ends_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = file_store(&dir).await;
        let writer = SqliteWriter::open(path).await.unwrap();
        // The first event is fine, the second breaks a constraint: the whole batch rolls back.
        let mut broken = event("b");
        broken.webhooks = vec![];
        let mut batch = prepare(vec![event("a"), broken]);
        batch.kept[1].id = batch.kept[0].id.clone();
        let failed = writer.write(batch).await;
        assert!(
            matches!(failed, Err(crate::StoreError::Sqlite(_))),
            "{failed:?}"
        );
        assert!(store.events_after(0, 10).await.unwrap().is_empty());
        let again = writer.write(prepare(vec![event("c")])).await;
        assert!(
            matches!(again, Err(crate::StoreError::WriterStopped)),
            "{again:?}"
        );
    }

    #[tokio::test]
    async fn opening_a_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let opened = SqliteWriter::open(dir.path().join("missing.db")).await;
        assert!(
            matches!(opened, Err(crate::StoreError::Sqlite(_))),
            "{:?}",
            opened.err()
        );
        assert!(!dir.path().join("missing.db").exists());
    }
}
