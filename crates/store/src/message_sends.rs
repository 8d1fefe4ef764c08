//! The record of every message sent through the admin API — who asked, what, to whom, and what
//! the platform answered — and the idempotency keys that keep a retried request from sending
//! twice.
//!
//! A send with an idempotency key is *claimed* before anything goes upstream: the first request
//! inserts a pending row; a retry with the same key and the same request finds that row and
//! answers with its result (or "still in progress"); the same key with a different request is a
//! mismatch. A send that failed before anything reached anyone (`failed`) may be claimed again.

use serde_json::Value;

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

/// Where a send stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStatus {
    /// Claimed; the upstream calls are under way (or the process died during them).
    Pending,
    /// Every upstream call was accepted.
    Sent,
    /// Some upstream calls were accepted, then one failed: some recipients got it.
    PartiallySent,
    /// Nothing was accepted; nobody got it. A retry with the same key sends again.
    Failed,
    /// Sent, then recalled.
    Recalled,
}

impl SendStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            SendStatus::Pending => "pending",
            SendStatus::Sent => "sent",
            SendStatus::PartiallySent => "partially_sent",
            SendStatus::Failed => "failed",
            SendStatus::Recalled => "recalled",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<SendStatus> {
        Some(match s {
            "pending" => SendStatus::Pending,
            "sent" => SendStatus::Sent,
            "partially_sent" => SendStatus::PartiallySent,
            "failed" => SendStatus::Failed,
            "recalled" => SendStatus::Recalled,
            _ => return None,
        })
    }
}

/// A send about to be made.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessageSend {
    /// The app (or robot) name.
    pub app: String,
    /// `wecom_app`, `wecom_robot`, `wechat_template` or `wechat_subscribe`.
    pub channel: String,
    /// The msgtype (or `template` / `subscribe`).
    pub msgtype: String,
    /// The caller's idempotency key, unique per app.
    pub idempotency_key: Option<String>,
    /// A digest of the request, telling a retry from a different request reusing the key.
    pub request_hash: String,
    /// The request as received.
    pub request: Value,
}

/// A stored send.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageSend {
    /// Its id (`msg_…`, time-ordered).
    pub id: String,
    /// The app (or robot) name.
    pub app: String,
    /// The channel.
    pub channel: String,
    /// The msgtype.
    pub msgtype: String,
    /// The idempotency key.
    pub idempotency_key: Option<String>,
    /// The request digest.
    pub request_hash: String,
    /// The request.
    pub request: Value,
    /// Where it stands.
    pub status: SendStatus,
    /// What the platform answered (merged over every call).
    pub result: Option<Value>,
    /// Why it failed, if it did.
    pub error: Option<Value>,
    /// When it was first claimed (unix ms).
    pub created_at: i64,
    /// When it last changed (unix ms).
    pub updated_at: i64,
}

/// The outcome of [`Store::claim_message_send`].
#[derive(Debug, Clone, PartialEq)]
pub enum SendClaim {
    /// The caller owns this (new or re-claimed) send and must send it, then finish it.
    Claimed(MessageSend),
    /// The same request was made before and has finished: answer with its record.
    Replay(MessageSend),
    /// The same request is being sent right now by an earlier call.
    InProgress(MessageSend),
    /// The key was used before for a different request.
    Mismatch(MessageSend),
}

/// Which sends to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendFilter {
    /// Only this app's (or robot's).
    pub app: Option<String>,
    /// Only this channel.
    pub channel: Option<String>,
    /// Only this status.
    pub status: Option<SendStatus>,
    /// Only sends older than this id (the previous page's last id).
    pub before: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    app: String,
    channel: String,
    msgtype: String,
    idempotency_key: Option<String>,
    request_hash: String,
    request: String,
    status: String,
    result: Option<String>,
    error: Option<String>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, app, channel, msgtype, idempotency_key, request_hash, request, status, result, error, created_at, updated_at";

impl TryFrom<Row> for MessageSend {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<MessageSend, StoreError> {
        let json = |text: Option<String>, column| {
            text.map(|t| serde_json::from_str(&t).map_err(StoreError::json(column)))
                .transpose()
        };
        Ok(MessageSend {
            request: serde_json::from_str(&r.request)
                .map_err(StoreError::json("message_sends.request"))?,
            result: json(r.result, "message_sends.result")?,
            error: json(r.error, "message_sends.error")?,
            status: SendStatus::parse(&r.status).unwrap_or(SendStatus::Pending),
            id: r.id,
            app: r.app,
            channel: r.channel,
            msgtype: r.msgtype,
            idempotency_key: r.idempotency_key,
            request_hash: r.request_hash,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

fn new_id() -> String {
    let ulid = ulid::Ulid::from_parts(u64::try_from(now_ms()).unwrap_or(0), rand::random::<u128>());
    let mut buf = [0u8; ulid::ULID_LEN];
    format!("msg_{}", ulid.array_to_str(&mut buf))
}

impl Store {
    /// Claims a send: inserts it as pending, or — when its idempotency key was used before —
    /// says what became of the earlier request.
    pub async fn claim_message_send(&self, send: &NewMessageSend) -> Result<SendClaim, StoreError> {
        let id = new_id();
        let now = now_ms();
        let request = send.request.to_string();
        let inserted = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO message_sends (id, app, channel, msgtype, idempotency_key, request_hash, request, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8) \
                 ON CONFLICT (app, idempotency_key) DO NOTHING",
            )
            .bind(&id)
            .bind(&send.app)
            .bind(&send.channel)
            .bind(&send.msgtype)
            .bind(send.idempotency_key.as_deref())
            .bind(&send.request_hash)
            .bind(&request)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 1 {
            return self.message_send_row(&id).await.map(SendClaim::Claimed);
        }
        let key = send.idempotency_key.as_deref().unwrap_or_default();
        let existing = self
            .message_send_by_key(&send.app, key)
            .await?
            .ok_or_else(|| {
                StoreError::Conflict(format!(
                    "idempotency key `{key}` of `{}` conflicts but its send cannot be read; retry",
                    send.app
                ))
            })?;
        if existing.request_hash != send.request_hash {
            return Ok(SendClaim::Mismatch(existing));
        }
        match existing.status {
            SendStatus::Pending => Ok(SendClaim::InProgress(existing)),
            SendStatus::Failed => {
                let reclaimed = on_pool!(self, pool => {
                    sqlx::query(
                        "UPDATE message_sends SET status = 'pending', result = NULL, error = NULL, updated_at = $2 \
                         WHERE id = $1 AND status = 'failed'",
                    )
                    .bind(&existing.id)
                    .bind(now)
                    .execute(pool)
                    .await?
                    .rows_affected()
                });
                let current = self.message_send_row(&existing.id).await?;
                Ok(if reclaimed == 1 {
                    SendClaim::Claimed(current)
                } else {
                    SendClaim::InProgress(current)
                })
            }
            _ => Ok(SendClaim::Replay(existing)),
        }
    }

    /// Records the outcome of a claimed send.
    pub async fn finish_message_send(
        &self,
        id: &str,
        status: SendStatus,
        result: Option<&Value>,
        error: Option<&Value>,
    ) -> Result<MessageSend, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE message_sends SET status = $2, result = $3, error = $4, updated_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(status.as_str())
            .bind(result.map(Value::to_string))
            .bind(error.map(Value::to_string))
            .bind(now_ms())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("message send `{id}`")));
        }
        self.message_send_row(id).await
    }

    /// The send `id`, if it exists.
    pub async fn get_message_send(&self, id: &str) -> Result<Option<MessageSend>, StoreError> {
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM message_sends WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.map(MessageSend::try_from).transpose()
    }

    /// Sends matching `filter`, newest first, at most `limit`.
    pub async fn list_message_sends(
        &self,
        filter: &SendFilter,
        limit: i64,
    ) -> Result<Vec<MessageSend>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM message_sends \
                 WHERE ($1 IS NULL OR app = $1) AND ($2 IS NULL OR channel = $2) \
                 AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR id < $4) \
                 ORDER BY id DESC LIMIT $5"
            )))
            .bind(filter.app.as_deref())
            .bind(filter.channel.as_deref())
            .bind(filter.status.map(SendStatus::as_str))
            .bind(filter.before.as_deref())
            .bind(limit.max(0))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(MessageSend::try_from).collect()
    }

    async fn message_send_row(&self, id: &str) -> Result<MessageSend, StoreError> {
        self.get_message_send(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("message send `{id}`")))
    }

    async fn message_send_by_key(
        &self,
        app: &str,
        key: &str,
    ) -> Result<Option<MessageSend>, StoreError> {
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM message_sends WHERE app = $1 AND idempotency_key = $2"
            )))
            .bind(app)
            .bind(key)
            .fetch_optional(pool)
            .await?
        });
        row.map(MessageSend::try_from).transpose()
    }
}
