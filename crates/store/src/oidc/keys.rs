//! Signing keys of the OpenID Connect provider. The private key (PKCS#8 DER, base64) is sealed at
//! rest; the public JWK is stored as JSON. A key signs while `retired_at` is unset; once retired
//! it stays published until `expires_at`, when no token it signed is still valid.

use serde_json::Value;

use crate::backend::on_pool;
use crate::error::StoreError;
use crate::secret_box::Secret;
use crate::store::Store;

/// A key to store.
#[derive(Debug, Clone)]
pub struct NewSigningKey {
    /// The key id (`kid`).
    pub kid: String,
    /// `RS256` or `ES256`.
    pub alg: String,
    /// The private key, PKCS#8 DER in base64 (sealed before it is written).
    pub private_key: Secret,
    /// The public key as a JWK (with `kid`, `alg`, `use`).
    pub public_jwk: Value,
    /// When it was made (unix ms).
    pub created_at: i64,
}

/// A stored key.
#[derive(Debug, Clone)]
pub struct StoredSigningKey {
    /// The key id.
    pub kid: String,
    /// `RS256` or `ES256`.
    pub alg: String,
    /// The private key, PKCS#8 DER in base64 (opened).
    pub private_key: Secret,
    /// The public JWK.
    pub public_jwk: Value,
    /// Made (unix ms).
    pub created_at: i64,
    /// Stopped signing (unix ms), if rotated out.
    pub retired_at: Option<i64>,
    /// Leaves the JWKS (unix ms), if retired.
    pub expires_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    kid: String,
    alg: String,
    private_key: String,
    public_jwk: String,
    created_at: i64,
    retired_at: Option<i64>,
    expires_at: Option<i64>,
}

impl Store {
    /// Stores a new signing key (it signs from now on: the newest unretired key of an algorithm
    /// is the one in use).
    pub async fn insert_signing_key(&self, key: &NewSigningKey) -> Result<(), StoreError> {
        let sealed = self.secrets().seal(key.private_key.expose());
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO oidc_signing_keys (kid, alg, private_key, public_jwk, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&key.kid)
            .bind(&key.alg)
            .bind(&sealed)
            .bind(key.public_jwk.to_string())
            .bind(key.created_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Every key still published at `now` (unix ms): active ones and retired ones whose tokens
    /// may still be valid, newest first.
    pub async fn published_signing_keys(
        &self,
        now: i64,
    ) -> Result<Vec<StoredSigningKey>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kid, alg, private_key, public_jwk, created_at, retired_at, expires_at FROM oidc_signing_keys \
                 WHERE expires_at IS NULL OR expires_at > $1 ORDER BY created_at DESC, kid DESC",
            )
            .bind(now)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(StoredSigningKey {
                    private_key: self
                        .secrets()
                        .open(&r.private_key)
                        .map_err(StoreError::sealed("oidc_signing_keys.private_key"))?,
                    public_jwk: serde_json::from_str(&r.public_jwk).unwrap_or(Value::Null),
                    kid: r.kid,
                    alg: r.alg,
                    created_at: r.created_at,
                    retired_at: r.retired_at,
                    expires_at: r.expires_at,
                })
            })
            .collect()
    }

    /// Retires every active key of `alg` except `keep_kid`: they stop signing at `now` and leave
    /// the JWKS at `expires_at`. Returns how many were retired.
    pub async fn retire_signing_keys(
        &self,
        alg: &str,
        keep_kid: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query(
                "UPDATE oidc_signing_keys SET retired_at = $1, expires_at = $2 WHERE alg = $3 AND kid <> $4 AND retired_at IS NULL",
            )
            .bind(now)
            .bind(expires_at)
            .bind(alg)
            .bind(keep_kid)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// Deletes keys that left the JWKS before `now`; returns how many.
    pub async fn delete_expired_signing_keys(&self, now: i64) -> Result<u64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query("DELETE FROM oidc_signing_keys WHERE expires_at IS NOT NULL AND expires_at <= $1")
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
