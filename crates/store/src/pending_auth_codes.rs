//! Auth codes awaiting their exchange for a permanent code (create_auth, reset_permanent_code,
//! the install redirect). An auth code is single use and valid 10 minutes; the gateway answers
//! the callback first and exchanges afterwards, so the code is written here (sealed) before the
//! exchange and marked done after it: a crash in between leaves a pending row that the retry task
//! picks up. The same code written twice (a retried callback, the redirect racing the callback)
//! is one row, found by its keyed fingerprint.

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::secret_box::Secret;
use crate::store::Store;

/// Where an auth code stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingAuthCodeStatus {
    /// Not exchanged yet.
    Pending,
    /// Exchanged; `corp_id` says for which corp.
    Done,
    /// Not exchanged before it expired (or the platform refused it for good).
    Expired,
}

impl PendingAuthCodeStatus {
    fn as_str(self) -> &'static str {
        match self {
            PendingAuthCodeStatus::Pending => "pending",
            PendingAuthCodeStatus::Done => "done",
            PendingAuthCodeStatus::Expired => "expired",
        }
    }

    fn parse(s: &str) -> PendingAuthCodeStatus {
        match s {
            "done" => PendingAuthCodeStatus::Done,
            "expired" => PendingAuthCodeStatus::Expired,
            _ => PendingAuthCodeStatus::Pending,
        }
    }
}

/// An auth code to remember before exchanging it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPendingAuthCode {
    /// The suite.
    pub suite_id: String,
    /// The code (sealed at rest).
    pub auth_code: Secret,
    /// Where it came from: `create_auth`, `reset_permanent_code` or `install_redirect`.
    pub kind: String,
    /// The `State` of the install link, when known.
    pub install_state: Option<String>,
    /// The corp, when known (reset_permanent_code carries it).
    pub corp_id: Option<String>,
    /// When the code stops being valid (unix ms).
    pub expires_at: i64,
}

/// A stored auth code.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAuthCode {
    /// The suite.
    pub suite_id: String,
    /// The keyed fingerprint identifying the code.
    pub code_hash: String,
    /// The code (opened).
    pub auth_code: Secret,
    /// Where it came from.
    pub kind: String,
    /// The `State` of the install link.
    pub install_state: Option<String>,
    /// Pending, done or expired.
    pub status: PendingAuthCodeStatus,
    /// The corp (known from the start for resets, after the exchange otherwise).
    pub corp_id: Option<String>,
    /// Exchange attempts so far.
    pub attempts: i64,
    /// When the retry task tries next (unix ms).
    pub next_attempt_at: i64,
    /// Why the last attempt failed (never contains the code).
    pub last_error: Option<String>,
    /// When the code expires (unix ms).
    pub expires_at: i64,
    /// When it was first written (unix ms).
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    suite_id: String,
    code_hash: String,
    auth_code: String,
    kind: String,
    install_state: Option<String>,
    status: String,
    corp_id: Option<String>,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    expires_at: i64,
    created_at: i64,
}

const COLUMNS: &str = "suite_id, code_hash, auth_code, kind, install_state, status, corp_id, attempts, next_attempt_at, last_error, expires_at, created_at";

impl Store {
    fn pending_auth_code(&self, r: Row) -> Result<PendingAuthCode, StoreError> {
        Ok(PendingAuthCode {
            auth_code: self
                .secrets()
                .open(&r.auth_code)
                .map_err(StoreError::sealed("pending_auth_codes.auth_code"))?,
            suite_id: r.suite_id,
            code_hash: r.code_hash,
            kind: r.kind,
            install_state: r.install_state,
            status: PendingAuthCodeStatus::parse(&r.status),
            corp_id: r.corp_id,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            expires_at: r.expires_at,
            created_at: r.created_at,
        })
    }

    /// The keyed fingerprint under which `auth_code` is stored.
    pub fn auth_code_hash(&self, auth_code: &str) -> String {
        self.secrets().fingerprint(auth_code)
    }

    /// Remembers an auth code (pending, due now) unless the same code is already stored.
    /// Returns the stored row (the existing one for a repeated code).
    pub async fn put_pending_auth_code(
        &self,
        code: &NewPendingAuthCode,
    ) -> Result<PendingAuthCode, StoreError> {
        let hash = self.auth_code_hash(code.auth_code.expose());
        let sealed = self.secrets().seal(code.auth_code.expose());
        let now = now_ms();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO pending_auth_codes (suite_id, code_hash, auth_code, kind, install_state, status, corp_id, attempts, next_attempt_at, last_error, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', $6, 0, $7, NULL, $8, $7) ON CONFLICT (suite_id, code_hash) DO NOTHING",
            )
            .bind(&code.suite_id)
            .bind(&hash)
            .bind(&sealed)
            .bind(&code.kind)
            .bind(&code.install_state)
            .bind(&code.corp_id)
            .bind(now)
            .bind(code.expires_at)
            .execute(pool)
            .await?;
        });
        self.get_pending_auth_code(&code.suite_id, &hash)
            .await?
            .ok_or_else(|| {
                StoreError::NotFound(format!("pending auth code of suite {}", code.suite_id))
            })
    }

    /// One stored auth code by its fingerprint.
    pub async fn get_pending_auth_code(
        &self,
        suite_id: &str,
        code_hash: &str,
    ) -> Result<Option<PendingAuthCode>, StoreError> {
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM pending_auth_codes WHERE suite_id = $1 AND code_hash = $2"
            )))
            .bind(suite_id)
            .bind(code_hash)
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| self.pending_auth_code(r)).transpose()
    }

    /// Pending codes whose next attempt is due at `now` (unix ms), oldest first.
    pub async fn due_pending_auth_codes(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<PendingAuthCode>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM pending_auth_codes WHERE status = 'pending' AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at LIMIT $2"
            )))
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| self.pending_auth_code(r))
            .collect()
    }

    /// Records a failed attempt: one more attempt, the next at `next_attempt_at`, and why.
    pub async fn retry_pending_auth_code(
        &self,
        suite_id: &str,
        code_hash: &str,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE pending_auth_codes SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4 \
                 WHERE suite_id = $1 AND code_hash = $2 AND status = 'pending'",
            )
            .bind(suite_id)
            .bind(code_hash)
            .bind(next_attempt_at)
            .bind(error)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Closes a code: `Done` for `corp_id`, or `Expired` (with the reason in `error`).
    pub async fn finish_pending_auth_code(
        &self,
        suite_id: &str,
        code_hash: &str,
        status: PendingAuthCodeStatus,
        corp_id: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE pending_auth_codes SET status = $3, corp_id = COALESCE($4, corp_id), \
                 last_error = COALESCE($5, last_error), attempts = attempts + 1 \
                 WHERE suite_id = $1 AND code_hash = $2",
            )
            .bind(suite_id)
            .bind(code_hash)
            .bind(status.as_str())
            .bind(corp_id)
            .bind(error)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Deletes finished codes that expired before `before` (unix ms); returns how many.
    pub async fn purge_pending_auth_codes(&self, before: i64) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM pending_auth_codes WHERE expires_at < $1 AND status <> 'pending'")
                .bind(before)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
