//! Authorization codes: issued by the authorize endpoint, redeemed once at the token endpoint.
//! Stored as keyed fingerprints. Each code names up front the grant its redemption creates, so a
//! second redemption can revoke what the first one issued (RFC 6749 §4.1.2).

use crate::accounts::new_id;
use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::oidc::grants::{Grant, insert_grant};
use crate::store::Store;

/// A code to store.
#[derive(Debug, Clone)]
pub struct NewCode {
    /// The code itself (only its fingerprint is written).
    pub code: String,
    /// The client.
    pub client_id: String,
    /// The signed-in user.
    pub user_id: String,
    /// The browser session the user signed in with.
    pub session_id: Option<String>,
    /// The `redirect_uri` of the authorization request (the token request must repeat it).
    pub redirect_uri: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The request's `nonce`, for the ID token.
    pub nonce: Option<String>,
    /// The PKCE S256 `code_challenge`, if one was sent.
    pub code_challenge: Option<String>,
    /// How the user signed in (the session's method).
    pub method: String,
    /// When the user authenticated (unix ms).
    pub auth_time: i64,
    /// When the code stops being valid (unix ms).
    pub expires_at: i64,
}

/// A stored code.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredCode {
    /// The fingerprint.
    pub code_hash: String,
    /// The grant its redemption creates (or created).
    pub grant_id: String,
    /// The client.
    pub client_id: String,
    /// The user.
    pub user_id: String,
    /// The browser session.
    pub session_id: Option<String>,
    /// The authorization request's `redirect_uri`.
    pub redirect_uri: String,
    /// Granted scopes.
    pub scope: String,
    /// The `nonce`.
    pub nonce: Option<String>,
    /// The PKCE challenge.
    pub code_challenge: Option<String>,
    /// How the user signed in.
    pub method: String,
    /// When the user authenticated (unix ms).
    pub auth_time: i64,
    /// Issued (unix ms).
    pub created_at: i64,
    /// Expires (unix ms).
    pub expires_at: i64,
    /// Redeemed (unix ms), if it was.
    pub used_at: Option<i64>,
}

/// What redeeming a code did.
#[derive(Debug, Clone, PartialEq)]
pub enum Redeemed {
    /// First redemption: the code is used and its grant exists.
    Granted(Grant),
    /// Someone redeemed it first (concurrently): the caller revokes the grant.
    AlreadyUsed,
}

const COLUMNS: &str = "code_hash, grant_id, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge, method, auth_time, created_at, expires_at, used_at";

impl Store {
    /// Stores a new code; returns its grant id.
    pub async fn insert_code(&self, code: &NewCode) -> Result<String, StoreError> {
        let hash = self.oidc_token_hash(&code.code);
        let grant_id = new_id("grt_");
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO oidc_codes (code_hash, grant_id, client_id, user_id, session_id, redirect_uri, scope, nonce, code_challenge, method, auth_time, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(&hash)
            .bind(&grant_id)
            .bind(&code.client_id)
            .bind(&code.user_id)
            .bind(&code.session_id)
            .bind(&code.redirect_uri)
            .bind(&code.scope)
            .bind(&code.nonce)
            .bind(&code.code_challenge)
            .bind(&code.method)
            .bind(code.auth_time)
            .bind(now_ms())
            .bind(code.expires_at)
            .execute(pool)
            .await?;
        });
        Ok(grant_id)
    }

    /// The stored code for `code` (used or not, expired or not).
    pub async fn find_code(&self, code: &str) -> Result<Option<StoredCode>, StoreError> {
        let hash = self.oidc_token_hash(code);
        Ok(on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM oidc_codes WHERE code_hash = $1")))
                .bind(&hash)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Redeems a checked code: marks it used and creates its grant, in one transaction.
    pub async fn redeem_code(&self, code: &StoredCode) -> Result<Redeemed, StoreError> {
        let now = now_ms();
        let grant = Grant {
            id: code.grant_id.clone(),
            client_id: code.client_id.clone(),
            user_id: code.user_id.clone(),
            scope: code.scope.clone(),
            session_id: code.session_id.clone(),
            method: code.method.clone(),
            auth_time: code.auth_time,
            created_at: now,
            revoked_at: None,
            revoked_reason: None,
        };
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let claimed = sqlx::query("UPDATE oidc_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL")
                .bind(now)
                .bind(&code.code_hash)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if claimed == 0 {
                Redeemed::AlreadyUsed
            } else {
                insert_grant!(tx, grant);
                tx.commit().await?;
                Redeemed::Granted(grant)
            }
        }))
    }
}
