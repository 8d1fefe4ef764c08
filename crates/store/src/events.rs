//! Accepted events and their dedup keys: the callback hot path and the pull API.
//!
//! [`Store::accept_events`] writes a batch of events and their pending deliveries (the outbox)
//! in one transaction, skipping events whose `(app, dedup_key)` was already accepted, and returns
//! only after the commit — so the gateway can acknowledge the platform as soon as it returns.

use std::collections::{HashMap, HashSet};

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::json_text::JsonText;
use crate::store::{Pool, Store};

/// Key of the transaction-level advisory lock that orders event commits on PostgreSQL.
const EVENT_COMMIT_LOCK: i64 = 0x7778_6761_7465_0001; // "wxgate" + 1

/// An event the gateway accepted and wants stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The app's name in the configuration.
    pub app: String,
    /// The normalised event type (e.g. `message.text`).
    pub event_type: String,
    /// Where it came from (platform, corp/app ids, …), as JSON text.
    pub source: JsonText,
    /// The platform-specific dedup key (MsgId, or FromUserName+CreateTime+Event, …).
    pub dedup_key: String,
    /// When the gateway received it (unix ms).
    pub received_at: i64,
    /// The normalised event body, as JSON text; `None` when it is derived from `raw` whenever
    /// the event is read (the gateway does, by the kind in `source`), so it is not stored.
    pub data: Option<JsonText>,
    /// The decrypted XML as received.
    pub raw: String,
    /// The webhooks this event goes to; one pending delivery each (duplicates ignored).
    pub webhooks: Vec<String>,
}

/// What happened to one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// Stored for the first time.
    New {
        /// The event's public id (`evt_` + ULID).
        id: String,
        /// Its position in the pull stream.
        seq: i64,
    },
    /// Already stored (earlier, or earlier in the same batch); nothing was written.
    Duplicate {
        /// The id of the original event.
        id: String,
    },
}

impl Accepted {
    /// The event id, new or original.
    pub fn id(&self) -> &str {
        match self {
            Accepted::New { id, .. } | Accepted::Duplicate { id } => id,
        }
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Position in the pull stream (the cursor of [`Store::events_after`]).
    pub seq: i64,
    /// Public id (`evt_` + ULID).
    pub id: String,
    /// The app's name.
    pub app: String,
    /// The normalised event type.
    pub event_type: String,
    /// Where it came from.
    pub source: serde_json::Value,
    /// The dedup key.
    pub dedup_key: String,
    /// When it was received (unix ms).
    pub received_at: i64,
    /// The normalised body; `None` when it was not stored (see [`NewEvent::data`]): whoever
    /// reads the event derives it from `raw`.
    pub data: Option<serde_json::Value>,
    /// The decrypted XML as received.
    pub raw: String,
}

impl StoredEvent {
    /// The stored `data`, or `Null` when it was not stored: for what wxgate stores itself
    /// (its own events always keep their data); a callback's data is derived by the gateway's
    /// event JSON.
    pub fn stored_data(&self) -> &serde_json::Value {
        self.data.as_ref().unwrap_or(&serde_json::Value::Null)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub(crate) seq: i64,
    pub(crate) id: String,
    pub(crate) app: String,
    #[sqlx(rename = "type")]
    pub(crate) event_type: String,
    pub(crate) source: String,
    pub(crate) dedup_key: String,
    pub(crate) received_at: i64,
    pub(crate) data: String,
    pub(crate) raw: String,
}

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(StoredEvent {
            seq: r.seq,
            id: r.id,
            app: r.app,
            event_type: r.event_type,
            source: serde_json::from_str(&r.source).map_err(StoreError::json("events.source"))?,
            dedup_key: r.dedup_key,
            received_at: r.received_at,
            data: data_column(&r.data)?,
            raw: r.raw,
        })
    }
}

/// The `data` column as bound: the JSON text, or an empty text when it is not stored.
pub(crate) const NOT_STORED: &str = "";

/// The `data` column read back: `None` for [`NOT_STORED`].
fn data_column(column: &str) -> Result<Option<serde_json::Value>, StoreError> {
    if column == NOT_STORED {
        return Ok(None);
    }
    serde_json::from_str(column)
        .map(Some)
        .map_err(StoreError::json("events.data"))
}

/// A new public event id: `evt_` + a 26-character ULID (time-sortable).
pub(crate) fn new_event_id() -> String {
    let ulid = ulid::Ulid::from_parts(u64::try_from(now_ms()).unwrap_or(0), rand::random::<u128>());
    let mut buf = [0u8; ulid::ULID_LEN];
    let mut id = String::with_capacity(4 + ulid::ULID_LEN);
    id.push_str("evt_");
    id.push_str(ulid.array_to_str(&mut buf));
    id
}

/// An event's columns that only the INSERT needs.
pub(crate) struct Columns {
    pub(crate) event_type: String,
    pub(crate) source: JsonText,
    pub(crate) received_at: i64,
    pub(crate) data: Option<JsonText>,
    pub(crate) raw: String,
}

/// What answers an event after the INSERT: its new id, its dedup key and its webhooks.
pub(crate) struct Kept {
    pub(crate) id: String,
    pub(crate) app: String,
    pub(crate) dedup_key: String,
    pub(crate) webhooks: Vec<String>,
}

impl Kept {
    /// The webhooks that get a delivery of this event: each one once, in order.
    pub(crate) fn distinct_webhooks(&self) -> impl Iterator<Item = &str> {
        let mut seen = HashSet::new();
        self.webhooks
            .iter()
            .map(String::as_str)
            .filter(move |w| seen.insert(*w))
    }
}

/// Events per multi-row INSERT (8 parameters each; far below both backends' parameter limits).
const EVENTS_PER_STATEMENT: usize = 256;
/// Deliveries per multi-row INSERT (2 parameters each, plus the shared timestamp).
const DELIVERIES_PER_STATEMENT: usize = 1024;

pub(crate) const SELECT_ORIGINAL: &str = "SELECT id FROM events WHERE app = $1 AND dedup_key = $2";

/// `INSERT INTO events … VALUES (…), (…) ON CONFLICT DO NOTHING RETURNING id, seq` for `rows` rows.
///
/// PostgreSQL needs numbered parameters (`$1`); SQLite gets anonymous ones (`?`), bound in
/// order: sqlx looks each numbered parameter's name up in SQLite's list of names, a linear scan,
/// which made binding a batch quadratic in its size.
fn insert_events_sql(rows: usize, numbered: bool) -> String {
    use std::fmt::Write as _;
    let mut sql = String::from(
        "INSERT INTO events (id, app, type, source, dedup_key, received_at, data, raw) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        if numbered {
            let b = r * 8;
            let _ = write!(
                sql,
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8
            );
        } else {
            sql.push_str("(?, ?, ?, ?, ?, ?, ?, ?)");
        }
    }
    sql.push_str(" ON CONFLICT (app, dedup_key) DO NOTHING RETURNING id, seq");
    sql
}

/// A multi-row insert of `rows` pending deliveries; `$1` is the shared creation time.
fn insert_deliveries_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO deliveries (event_seq, webhook, status, attempts, next_attempt_at, claimed_until, created_at) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, 'pending', 0, $1, 0, $1)",
            r * 2 + 2,
            r * 2 + 3
        ));
    }
    sql
}

/// A batch split into what the INSERT consumes and what answers each event afterwards.
pub(crate) struct Prepared {
    pub(crate) kept: Vec<Kept>,
    pub(crate) columns: Vec<Columns>,
    pub(crate) now: i64,
}

/// Gives each event its id and splits the batch.
pub(crate) fn prepare(batch: Vec<NewEvent>) -> Prepared {
    // The columns are moved into the INSERT's arguments (sqlx copies a borrowed string once
    // more); what answers each event afterwards is kept apart.
    let (kept, columns): (Vec<Kept>, Vec<Columns>) = batch
        .into_iter()
        .map(|e| {
            let columns = Columns {
                event_type: e.event_type,
                source: e.source,
                received_at: e.received_at,
                data: e.data,
                raw: e.raw,
            };
            let kept = Kept {
                id: new_event_id(),
                app: e.app,
                dedup_key: e.dedup_key,
                webhooks: e.webhooks,
            };
            (kept, columns)
        })
        .unzip();
    Prepared {
        kept,
        columns,
        now: now_ms(),
    }
}

/// Defines `$name(conn, prepared)`, which writes a prepared batch on one connection of type
/// `$conn`, PostgreSQL's if `$is_pg` (the same code for both backends; a generic function would
/// need a wall of sqlx trait bounds).
macro_rules! define_write {
    ($(#[$doc:meta])* $name:ident, $conn:ty, $is_pg:expr) => {
        $(#[$doc])*
        pub(crate) async fn $name(
            connection: &mut $conn,
            prepared: Prepared,
        ) -> Result<Vec<Accepted>, StoreError> {
            let Prepared { kept, columns, now } = prepared;
            if kept.is_empty() {
                return Ok(Vec::new());
            }
            let is_pg: bool = $is_pg;
            // On SQLite, a batch that writes no deliveries is one INSERT statement, which
            // SQLite commits atomically on its own: one round trip to sqlx's SQLite worker
            // thread instead of three (BEGIN, INSERT, COMMIT). Duplicates are looked up after
            // that commit, when their originals (stored before, or by this very statement) are
            // committed too.
            let one_statement = !is_pg
                && kept.len() <= EVENTS_PER_STATEMENT
                && kept.iter().all(|e| e.webhooks.is_empty());
            let mut tx = None;
            let conn: &mut $conn = if one_statement {
                connection
            } else {
                &mut **tx.insert(sqlx::Connection::begin(connection).await?)
            };
            if is_pg {
                // Serialise event-writing transactions so `seq` order is commit order (see
                // `events_after`). Held until commit; other statements are not affected.
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(EVENT_COMMIT_LOCK)
                    .execute(&mut *conn)
                    .await?;
            }
            // Multi-row inserts: a few statements per batch instead of a few per event.
            let mut inserted: HashMap<String, i64> = HashMap::with_capacity(kept.len());
            let mut columns = columns.into_iter();
            for chunk in kept.chunks(EVENTS_PER_STATEMENT) {
                let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(
                    insert_events_sql(chunk.len(), is_pg),
                ));
                for (event, column) in chunk.iter().zip(columns.by_ref()) {
                    // JSON text is moved in: an owned text as a `String`, a shared one (an
                    // app's `source`) as its `Arc<str>`, neither copied on SQLite.
                    q = q.bind(&event.id).bind(&event.app).bind(column.event_type);
                    q = match column.source.into_string() {
                        Ok(text) => q.bind(text),
                        Err(shared) => q.bind(shared),
                    };
                    q = q.bind(&event.dedup_key).bind(column.received_at);
                    q = match column.data.map(JsonText::into_string) {
                        Some(Ok(text)) => q.bind(text),
                        Some(Err(shared)) => q.bind(shared),
                        None => q.bind(NOT_STORED),
                    };
                    q = q.bind(column.raw);
                }
                inserted.extend(q.fetch_all(&mut *conn).await?);
            }
            let mut out = Vec::with_capacity(kept.len());
            let mut pairs: Vec<(i64, &str)> = Vec::new();
            for event in &kept {
                let id = &event.id;
                if let Some(&seq) = inserted.get(id) {
                    pairs.extend(event.distinct_webhooks().map(|w| (seq, w)));
                    out.push(Accepted::New { id: id.clone(), seq });
                } else {
                    // Stored before, or earlier in this batch (visible inside the transaction).
                    let original: String = sqlx::query_scalar(SELECT_ORIGINAL)
                        .bind(&event.app)
                        .bind(&event.dedup_key)
                        .fetch_one(&mut *conn)
                        .await?;
                    out.push(Accepted::Duplicate { id: original });
                }
            }
            for chunk in pairs.chunks(DELIVERIES_PER_STATEMENT) {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(insert_deliveries_sql(chunk.len())))
                    .bind(now);
                for (seq, webhook) in chunk {
                    q = q.bind(*seq).bind(*webhook);
                }
                q.execute(&mut *conn).await?;
            }
            if let Some(tx) = tx {
                tx.commit().await?;
            }
            Ok(out)
        }
    };
}

define_write!(
    /// Writes a prepared batch on one SQLite connection.
    write_sqlite,
    sqlx::SqliteConnection,
    false
);
define_write!(
    /// Writes a prepared batch on one PostgreSQL connection.
    write_postgres,
    sqlx::PgConnection,
    true
);

impl Store {
    /// Stores a batch of events and one pending delivery per (new event, webhook), in ONE
    /// transaction (on SQLite without deliveries: one statement), and returns after the commit.
    /// Events whose `(app, dedup_key)` is already stored — including earlier in the same batch —
    /// come back as [`Accepted::Duplicate`] with the original's id and get no deliveries.
    /// Results are in batch order. The callback writer uses an [`EventWriter`](crate::EventWriter)
    /// instead, which keeps a connection of its own.
    pub async fn accept_events(&self, batch: Vec<NewEvent>) -> Result<Vec<Accepted>, StoreError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let prepared = prepare(batch);
        match self.pool() {
            Pool::Sqlite(pool) => write_sqlite(&mut *pool.acquire().await?, prepared).await,
            Pool::Postgres(pool) => write_postgres(&mut *pool.acquire().await?, prepared).await,
        }
    }

    /// Events with `seq > cursor_seq`, in `seq` order, at most `limit`. Pass the last `seq` you
    /// got as the next cursor (0 to start).
    ///
    /// **Sequence gaps on PostgreSQL.** Identity values are handed out when a row is inserted,
    /// not when it commits, so without care a transaction holding seq 41 could commit after
    /// another's seq 42 — a reader at cursor 42 would then skip 41 forever. The store prevents
    /// this: [`Store::accept_events`] (the only writer of `events`) takes a transaction-level
    /// advisory lock before its first insert and keeps it until commit, so event-writing
    /// transactions commit one after another in the order they drew their seqs, and PostgreSQL
    /// makes a commit visible before it releases the transaction's locks. Any committed row is
    /// therefore visible before any row with a higher seq. The cost is that event batches commit
    /// one at a time across all instances (batching in the gateway keeps that cheap). On SQLite
    /// there is one writer at a time anyway. Seq values may still have holes (duplicates and
    /// rolled-back batches consume them), which is harmless for a `>` cursor.
    pub async fn events_after(
        &self,
        cursor_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows: Vec<EventRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT seq, id, app, type, source, dedup_key, received_at, data, raw \
                 FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            )
            .bind(cursor_seq)
            .bind(limit.max(0))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(StoredEvent::try_from).collect()
    }

    /// One event by its public id.
    pub async fn get_event(&self, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        let row: Option<EventRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT seq, id, app, type, source, dedup_key, received_at, data, raw \
                 FROM events WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.map(StoredEvent::try_from).transpose()
    }
}
