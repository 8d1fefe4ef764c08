//! Grants and their refresh tokens: what the token endpoint issued, and how it is revoked.
//!
//! A grant is one authorization of a client by a user. Each refresh rotates the refresh token:
//! the presented token is marked used and a successor is stored. Presenting a used token again
//! means it leaked (or a client retried badly): the whole grant is revoked, and with it every
//! refresh and access token it issued (OAuth 2.0 Security BCP, refresh token rotation).

use crate::accounts::new_id;
use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

/// A grant to create (a token exchange; codes create theirs when redeemed).
#[derive(Debug, Clone)]
pub struct NewGrant {
    /// The client.
    pub client_id: String,
    /// The user (the OIDC `sub`).
    pub user_id: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The browser session it came from, if any.
    pub session_id: Option<String>,
    /// How it was obtained, e.g. `authorization_code`, `token_exchange:shop`.
    pub method: String,
    /// When the user authenticated (unix ms).
    pub auth_time: i64,
}

/// A stored grant.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Grant {
    /// Its id (`grt_…`), carried by the access tokens it issues.
    pub id: String,
    /// The client.
    pub client_id: String,
    /// The user.
    pub user_id: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The browser session it came from.
    #[serde(skip)]
    pub session_id: Option<String>,
    /// How it was obtained.
    pub method: String,
    /// When the user authenticated (unix ms).
    pub auth_time: i64,
    /// Created (unix ms).
    pub created_at: i64,
    /// Revoked (unix ms), if it was.
    pub revoked_at: Option<i64>,
    /// Why it was revoked.
    pub revoked_reason: Option<String>,
}

impl Grant {
    /// Whether the grant includes `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(' ').any(|s| s == scope)
    }
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq)]
pub enum Refreshed {
    /// The token was live: it is now used and the successor is stored.
    Rotated(Grant),
    /// The token had been used before: the grant is now revoked.
    Reused(Grant),
    /// The token is known but past its expiry.
    Expired,
    /// The token's grant was revoked earlier.
    Revoked(Grant),
    /// No such token.
    Unknown,
}

pub(crate) const GRANT_COLUMNS: &str = "id, client_id, user_id, scope, session_id, method, auth_time, created_at, revoked_at, revoked_reason";

impl Store {
    /// Creates a grant.
    pub async fn create_grant(&self, new: &NewGrant) -> Result<Grant, StoreError> {
        let grant = Grant {
            id: new_id("grt_"),
            client_id: new.client_id.clone(),
            user_id: new.user_id.clone(),
            scope: new.scope.clone(),
            session_id: new.session_id.clone(),
            method: new.method.clone(),
            auth_time: new.auth_time,
            created_at: now_ms(),
            revoked_at: None,
            revoked_reason: None,
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            insert_grant!(tx, grant);
            tx.commit().await?;
        });
        Ok(grant)
    }

    /// One grant by id.
    pub async fn get_grant(&self, id: &str) -> Result<Option<Grant>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {GRANT_COLUMNS} FROM oidc_grants WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Revokes a grant (and so its refresh and access tokens). Returns whether it was live.
    pub async fn revoke_grant(&self, id: &str, reason: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE oidc_grants SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(reason)
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Revokes the live grants that came from browser session `session_id`, except those with
    /// the `offline_access` scope (they outlive the session by design). Returns how many.
    pub async fn revoke_session_grants(
        &self,
        session_id: &str,
        reason: &str,
    ) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE oidc_grants SET revoked_at = $1, revoked_reason = $2 WHERE session_id = $3 AND revoked_at IS NULL \
                 AND ' ' || scope || ' ' NOT LIKE '% offline_access %'",
            )
            .bind(now_ms())
            .bind(reason)
            .bind(session_id)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// Stores a refresh token of `grant_id` (as its fingerprint), valid until `expires_at`.
    pub async fn insert_refresh_token(
        &self,
        grant_id: &str,
        token: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let hash = self.oidc_token_hash(token);
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO oidc_refresh_tokens (token_hash, grant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(&hash)
                .bind(grant_id)
                .bind(now_ms())
                .bind(expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Presents refresh token `old`: when live, marks it used and stores `new` (valid until
    /// `new_expires_at`) in one transaction; when already used, revokes the grant. See
    /// [`Refreshed`].
    pub async fn rotate_refresh_token(
        &self,
        old: &str,
        new: &str,
        new_expires_at: i64,
    ) -> Result<Refreshed, StoreError> {
        let old_hash = self.oidc_token_hash(old);
        let new_hash = self.oidc_token_hash(new);
        let now = now_ms();
        let outcome = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Write first: the conditional update both claims the token and takes the write lock.
            let claimed = sqlx::query(
                "UPDATE oidc_refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
            )
            .bind(now)
            .bind(&old_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let row: Option<(String, Option<i64>, i64)> = sqlx::query_as(
                "SELECT grant_id, used_at, expires_at FROM oidc_refresh_tokens WHERE token_hash = $1",
            )
            .bind(&old_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((grant_id, _used_at, _expires_at)) = row else {
                return Ok(Refreshed::Unknown);
            };
            let grant: Option<Grant> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {GRANT_COLUMNS} FROM oidc_grants WHERE id = $1")))
                .bind(&grant_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(mut grant) = grant else {
                return Ok(Refreshed::Unknown);
            };
            if grant.revoked_at.is_some() {
                // Leave the token as it was: a revoked family stays revoked either way.
                return Ok(Refreshed::Revoked(grant));
            }
            if claimed == 1 {
                sqlx::query("INSERT INTO oidc_refresh_tokens (token_hash, grant_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(&new_hash)
                    .bind(&grant.id)
                    .bind(now)
                    .bind(new_expires_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Refreshed::Rotated(grant)
            } else {
                let used: Option<i64> = sqlx::query_scalar("SELECT used_at FROM oidc_refresh_tokens WHERE token_hash = $1")
                    .bind(&old_hash)
                    .fetch_one(&mut *tx)
                    .await?;
                if used.is_some() {
                    sqlx::query("UPDATE oidc_grants SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL")
                        .bind(now)
                        .bind("refresh token reused")
                        .bind(&grant.id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    grant.revoked_at = Some(now);
                    grant.revoked_reason = Some("refresh token reused".into());
                    Refreshed::Reused(grant)
                } else {
                    Refreshed::Expired
                }
            }
        });
        Ok(outcome)
    }

    /// The grant of a refresh token (used or not), if the token is known.
    pub async fn refresh_token_grant(&self, token: &str) -> Result<Option<Grant>, StoreError> {
        let hash = self.oidc_token_hash(token);
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM oidc_grants g WHERE g.id = (SELECT grant_id FROM oidc_refresh_tokens WHERE token_hash = $1)",
                GRANT_COLUMNS.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ")
            )))
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Revokes one access token by its `jti` until it expires at `expires_at` (unix ms).
    pub async fn revoke_access_token(&self, jti: &str, expires_at: i64) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO oidc_revoked_access_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING")
                .bind(jti)
                .bind(expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Whether the access token `jti` was revoked on its own.
    pub async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT expires_at FROM oidc_revoked_access_tokens WHERE jti = $1")
                .bind(jti)
                .fetch_optional(pool)
                .await?
        });
        Ok(found.is_some())
    }

    /// Deletes what can no longer be used as of `now` (unix ms): expired codes, expired refresh
    /// tokens, revocation entries of expired access tokens. Returns how many rows went.
    pub async fn purge_expired_oidc_rows(&self, now: i64) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            let mut n = 0;
            for sql in [
                "DELETE FROM oidc_codes WHERE expires_at <= $1",
                "DELETE FROM oidc_refresh_tokens WHERE expires_at <= $1",
                "DELETE FROM oidc_revoked_access_tokens WHERE expires_at <= $1",
            ] {
                n += sqlx::query(sql).bind(now).execute(pool).await?.rows_affected();
            }
            n
        }))
    }
}

/// Inserts a [`Grant`] through `$tx` (a transaction on either backend); shared with code
/// redemption, which creates the grant in the transaction that marks the code used.
macro_rules! insert_grant {
    ($tx:expr, $grant:expr) => {
        sqlx::query(
            "INSERT INTO oidc_grants (id, client_id, user_id, scope, session_id, method, auth_time, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&$grant.id)
        .bind(&$grant.client_id)
        .bind(&$grant.user_id)
        .bind(&$grant.scope)
        .bind(&$grant.session_id)
        .bind(&$grant.method)
        .bind($grant.auth_time)
        .bind($grant.created_at)
        .execute(&mut *$tx)
        .await?
    };
}
pub(crate) use insert_grant;
