//! Browser sessions: a random token in the `wxgate_session` cookie, stored only as its keyed
//! fingerprint, bound to a user until it expires or is revoked.

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

/// A session to open.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The signed-in user.
    pub user_id: String,
    /// How they signed in (e.g. `wecom_oauth:acme-oa`), for audit and the OIDC `amr`.
    pub method: String,
    /// How long it lasts (ms).
    pub ttl_ms: i64,
    /// The client's address, for audit.
    pub client_ip: Option<String>,
    /// The client's User-Agent, for audit (truncated).
    pub user_agent: Option<String>,
}

/// A stored session.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Session {
    /// The fingerprint of its token (not the token).
    pub id: String,
    /// The user.
    pub user_id: String,
    /// How they signed in.
    pub method: String,
    /// Opened (unix ms).
    pub created_at: i64,
    /// Ends (unix ms).
    pub expires_at: i64,
    /// Last used (unix ms).
    pub last_seen_at: i64,
    /// Revoked (unix ms), if it was.
    pub revoked_at: Option<i64>,
    /// The client's address.
    pub client_ip: Option<String>,
    /// The client's User-Agent.
    pub user_agent: Option<String>,
}

const SESSION_COLUMNS: &str =
    "id, user_id, method, created_at, expires_at, last_seen_at, revoked_at, client_ip, user_agent";

impl Store {
    /// Opens a session and returns its secret token (for the cookie) and the stored row.
    pub async fn create_session(&self, new: &NewSession) -> Result<(String, Session), StoreError> {
        let token = format!(
            "{:032x}{:032x}",
            rand::random::<u128>(),
            rand::random::<u128>()
        );
        let id = self.secrets().fingerprint(&token);
        let now = now_ms();
        let user_agent = new
            .user_agent
            .as_deref()
            .map(|ua| ua.chars().take(256).collect::<String>());
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (id, user_id, method, created_at, expires_at, last_seen_at, client_ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $5, $4, $6, $7)",
            )
            .bind(&id)
            .bind(&new.user_id)
            .bind(&new.method)
            .bind(now)
            .bind(now.saturating_add(new.ttl_ms))
            .bind(&new.client_ip)
            .bind(&user_agent)
            .execute(pool)
            .await?;
        });
        let session = Session {
            id,
            user_id: new.user_id.clone(),
            method: new.method.clone(),
            created_at: now,
            expires_at: now.saturating_add(new.ttl_ms),
            last_seen_at: now,
            revoked_at: None,
            client_ip: new.client_ip.clone(),
            user_agent,
        };
        Ok((token, session))
    }

    /// The live session for a cookie `token`: not revoked, not expired. Marks it seen.
    pub async fn session_by_token(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let id = self.secrets().fingerprint(token);
        let now = now_ms();
        let row: Option<Session> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2"
            )))
            .bind(&id)
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        if let Some(s) = &row {
            // Avoid a write per request: record activity at most once a minute.
            if now - s.last_seen_at > 60_000 {
                on_pool!(self, pool => {
                    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(&s.id)
                        .execute(pool)
                        .await?;
                });
            }
        }
        Ok(row)
    }

    /// Revokes the session of cookie `token`. Returns whether it was live.
    pub async fn revoke_session(&self, token: &str) -> Result<bool, StoreError> {
        let id = self.secrets().fingerprint(token);
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(&id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Revokes every live session of `user_id`; returns how many.
    pub async fn revoke_sessions_of_user(&self, user_id: &str) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    /// The live sessions of `user_id`, newest first.
    pub async fn sessions_of_user(&self, user_id: &str) -> Result<Vec<Session>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC"
            )))
            .bind(user_id)
            .bind(now_ms())
            .fetch_all(pool)
            .await?
        }))
    }
}
