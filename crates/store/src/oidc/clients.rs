//! Relying parties added through the admin API. The secret is stored only as its keyed
//! fingerprint: wxgate shows a generated secret once, when the client is created or its secret
//! is reset, and can only check it afterwards.

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::oidc::{from_json_list, to_json_list};
use crate::secret_box::Secret;
use crate::store::Store;

/// A client to create or replace.
#[derive(Debug, Clone)]
pub struct NewOidcClient {
    /// The client id.
    pub client_id: String,
    /// The secret (fingerprinted before it is written); `None` for a public client.
    pub client_secret: Option<Secret>,
    /// A display name.
    pub name: Option<String>,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
    /// Allowed scopes.
    pub scopes: Vec<String>,
    /// `RS256` or `ES256`.
    pub signing_alg: String,
    /// Mini programs whose codes it may exchange.
    pub token_exchange_apps: Vec<String>,
}

/// A stored client.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredOidcClient {
    /// The client id.
    pub client_id: String,
    /// The secret's fingerprint (`None`: public client). Never shown by the API.
    #[serde(skip)]
    pub secret_hash: Option<String>,
    /// A display name.
    pub name: Option<String>,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
    /// Allowed scopes.
    pub scopes: Vec<String>,
    /// `RS256` or `ES256`.
    pub signing_alg: String,
    /// Mini programs whose codes it may exchange.
    pub token_exchange_apps: Vec<String>,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last changed (unix ms).
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    client_id: String,
    secret_hash: Option<String>,
    name: Option<String>,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    scopes: String,
    signing_alg: String,
    token_exchange_apps: String,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for StoredOidcClient {
    fn from(r: Row) -> Self {
        StoredOidcClient {
            client_id: r.client_id,
            secret_hash: r.secret_hash,
            name: r.name,
            redirect_uris: from_json_list(&r.redirect_uris),
            post_logout_redirect_uris: from_json_list(&r.post_logout_redirect_uris),
            scopes: from_json_list(&r.scopes),
            signing_alg: r.signing_alg,
            token_exchange_apps: from_json_list(&r.token_exchange_apps),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "client_id, secret_hash, name, redirect_uris, post_logout_redirect_uris, scopes, signing_alg, token_exchange_apps, created_at, updated_at";

impl Store {
    /// Creates a client. [`StoreError::Conflict`] when the id is taken.
    pub async fn create_oidc_client(
        &self,
        client: &NewOidcClient,
    ) -> Result<StoredOidcClient, StoreError> {
        let now = now_ms();
        let hash = client
            .client_secret
            .as_ref()
            .map(|s| self.oidc_token_hash(s.expose()));
        let inserted = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO oidc_clients (client_id, secret_hash, name, redirect_uris, post_logout_redirect_uris, scopes, signing_alg, token_exchange_apps, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (client_id) DO NOTHING",
            )
            .bind(&client.client_id)
            .bind(&hash)
            .bind(&client.name)
            .bind(to_json_list(&client.redirect_uris))
            .bind(to_json_list(&client.post_logout_redirect_uris))
            .bind(to_json_list(&client.scopes))
            .bind(&client.signing_alg)
            .bind(to_json_list(&client.token_exchange_apps))
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "an OIDC client `{}` already exists; choose another client_id or update it",
                client.client_id
            )));
        }
        self.get_oidc_client(&client.client_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("oidc client {}", client.client_id)))
    }

    /// Replaces a client's settings. `client_secret`: `Some` sets a new secret, `None` keeps the
    /// current one (use [`NewOidcClient`] with a secret to rotate it). Returns the updated client,
    /// or `None` when it does not exist.
    pub async fn update_oidc_client(
        &self,
        client: &NewOidcClient,
    ) -> Result<Option<StoredOidcClient>, StoreError> {
        let hash = client
            .client_secret
            .as_ref()
            .map(|s| self.oidc_token_hash(s.expose()));
        let n = on_pool!(self, pool => {
            sqlx::query(
                "UPDATE oidc_clients SET secret_hash = COALESCE($2, secret_hash), name = $3, redirect_uris = $4, post_logout_redirect_uris = $5, \
                 scopes = $6, signing_alg = $7, token_exchange_apps = $8, updated_at = $9 WHERE client_id = $1",
            )
            .bind(&client.client_id)
            .bind(&hash)
            .bind(&client.name)
            .bind(to_json_list(&client.redirect_uris))
            .bind(to_json_list(&client.post_logout_redirect_uris))
            .bind(to_json_list(&client.scopes))
            .bind(&client.signing_alg)
            .bind(to_json_list(&client.token_exchange_apps))
            .bind(now_ms())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Ok(None);
        }
        self.get_oidc_client(&client.client_id).await
    }

    /// One client by id.
    pub async fn get_oidc_client(
        &self,
        client_id: &str,
    ) -> Result<Option<StoredOidcClient>, StoreError> {
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM oidc_clients WHERE client_id = $1")))
                .bind(client_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(StoredOidcClient::from))
    }

    /// Every stored client, by id.
    pub async fn list_oidc_clients(&self) -> Result<Vec<StoredOidcClient>, StoreError> {
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM oidc_clients ORDER BY client_id")))
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(StoredOidcClient::from).collect())
    }

    /// Deletes a client and revokes every grant it holds. Returns whether it existed.
    pub async fn delete_oidc_client(&self, client_id: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("DELETE FROM oidc_clients WHERE client_id = $1")
                .bind(client_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("UPDATE oidc_grants SET revoked_at = $1, revoked_reason = 'client deleted' WHERE client_id = $2 AND revoked_at IS NULL")
                .bind(now)
                .bind(client_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }
}
