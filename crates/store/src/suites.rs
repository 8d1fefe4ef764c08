//! WeCom third-party suites: the latest suite ticket per suite, and the corps that authorised
//! the suite (with their sealed permanent codes).

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::secret_box::Secret;
use crate::store::Store;

/// The newest suite ticket of a suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteTicket {
    /// The ticket (opened).
    pub ticket: Secret,
    /// When the platform pushed it (unix ms).
    pub received_at: i64,
}

/// Whether a corp still authorises the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthCorpState {
    /// Authorised.
    Active,
    /// The corp cancelled the authorisation; its permanent code is gone.
    Revoked,
}

impl AuthCorpState {
    fn as_str(self) -> &'static str {
        match self {
            AuthCorpState::Active => "active",
            AuthCorpState::Revoked => "revoked",
        }
    }
}

/// A corp's authorisation, as written after `create_auth` / `change_auth`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuthCorp {
    /// The suite.
    pub suite_id: String,
    /// The authorising corp.
    pub corp_id: String,
    /// The permanent code (sealed at rest).
    pub permanent_code: Secret,
    /// The corp's name.
    pub corp_name: String,
    /// The agent id of the suite's app in that corp.
    pub agent_id: Option<i64>,
    /// The platform's `auth_info` (JSON).
    pub auth_info: serde_json::Value,
}

/// A stored authorisation.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthCorp {
    /// The suite.
    pub suite_id: String,
    /// The corp.
    pub corp_id: String,
    /// The permanent code; `None` once revoked.
    pub permanent_code: Option<Secret>,
    /// The corp's name.
    pub corp_name: String,
    /// The agent id.
    pub agent_id: Option<i64>,
    /// The platform's `auth_info`.
    pub auth_info: serde_json::Value,
    /// Active or revoked.
    pub state: AuthCorpState,
    /// First authorised (unix ms).
    pub created_at: i64,
    /// Last changed (unix ms).
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct AuthCorpRow {
    suite_id: String,
    corp_id: String,
    permanent_code: Option<String>,
    corp_name: String,
    agent_id: Option<i64>,
    auth_info: String,
    state: String,
    created_at: i64,
    updated_at: i64,
}

const AUTH_CORP_COLUMNS: &str = "suite_id, corp_id, permanent_code, corp_name, agent_id, auth_info, state, created_at, updated_at";

/// The key prefix of every token belonging to an authorised corp.
pub(crate) fn auth_corp_token_prefix(suite_id: &str, corp_id: &str) -> String {
    format!("authcorp:{suite_id}:{corp_id}")
}

/// The keys of an authorised corp's JS-SDK tickets (`authcorp-jsapi:…`,
/// `authcorp-agent-ticket:…`), which do not share the token's prefix.
fn auth_corp_ticket_keys(suite_id: &str, corp_id: &str) -> [String; 2] {
    [
        format!("authcorp-jsapi:{suite_id}:{corp_id}"),
        format!("authcorp-agent-ticket:{suite_id}:{corp_id}"),
    ]
}

impl Store {
    fn auth_corp(&self, r: AuthCorpRow) -> Result<AuthCorp, StoreError> {
        let permanent_code = r
            .permanent_code
            .map(|sealed| self.secrets().open(&sealed))
            .transpose()
            .map_err(StoreError::sealed("auth_corps.permanent_code"))?;
        Ok(AuthCorp {
            suite_id: r.suite_id,
            corp_id: r.corp_id,
            permanent_code,
            corp_name: r.corp_name,
            agent_id: r.agent_id,
            auth_info: serde_json::from_str(&r.auth_info)
                .map_err(StoreError::json("auth_corps.auth_info"))?,
            state: if r.state == "revoked" {
                AuthCorpState::Revoked
            } else {
                AuthCorpState::Active
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }

    /// Stores a suite ticket unless a newer one is already stored.
    pub async fn put_suite_ticket(
        &self,
        suite_id: &str,
        ticket: &str,
        received_at: i64,
    ) -> Result<(), StoreError> {
        let sealed = self.secrets().seal(ticket);
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO suite_tickets (suite_id, ticket, received_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (suite_id) DO UPDATE SET ticket = excluded.ticket, received_at = excluded.received_at \
                 WHERE suite_tickets.received_at <= excluded.received_at",
            )
            .bind(suite_id)
            .bind(&sealed)
            .bind(received_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The newest suite ticket of `suite_id`.
    pub async fn get_suite_ticket(
        &self,
        suite_id: &str,
    ) -> Result<Option<SuiteTicket>, StoreError> {
        let row: Option<(String, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT ticket, received_at FROM suite_tickets WHERE suite_id = $1")
                .bind(suite_id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(sealed, received_at)| {
            Ok(SuiteTicket {
                ticket: self
                    .secrets()
                    .open(&sealed)
                    .map_err(StoreError::sealed("suite_tickets.ticket"))?,
                received_at,
            })
        })
        .transpose()
    }

    /// Creates or updates an authorisation (state becomes active again).
    pub async fn upsert_auth_corp(&self, corp: &NewAuthCorp) -> Result<(), StoreError> {
        let sealed = self.secrets().seal(corp.permanent_code.expose());
        let auth_info = corp.auth_info.to_string();
        let now = now_ms();
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO auth_corps (suite_id, corp_id, permanent_code, corp_name, agent_id, auth_info, state, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7) ON CONFLICT (suite_id, corp_id) DO UPDATE SET \
                 permanent_code = excluded.permanent_code, corp_name = excluded.corp_name, agent_id = excluded.agent_id, \
                 auth_info = excluded.auth_info, state = 'active', updated_at = excluded.updated_at",
            )
            .bind(&corp.suite_id)
            .bind(&corp.corp_id)
            .bind(&sealed)
            .bind(&corp.corp_name)
            .bind(corp.agent_id)
            .bind(&auth_info)
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// One authorisation.
    pub async fn get_auth_corp(
        &self,
        suite_id: &str,
        corp_id: &str,
    ) -> Result<Option<AuthCorp>, StoreError> {
        let row: Option<AuthCorpRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {AUTH_CORP_COLUMNS} FROM auth_corps WHERE suite_id = $1 AND corp_id = $2"
            )))
            .bind(suite_id)
            .bind(corp_id)
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| self.auth_corp(r)).transpose()
    }

    /// Every authorisation of a suite (active and revoked), by corp id.
    pub async fn list_auth_corps(&self, suite_id: &str) -> Result<Vec<AuthCorp>, StoreError> {
        let rows: Vec<AuthCorpRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {AUTH_CORP_COLUMNS} FROM auth_corps WHERE suite_id = $1 ORDER BY corp_id"
            )))
            .bind(suite_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(|r| self.auth_corp(r)).collect()
    }

    /// Marks an authorisation revoked, deletes its permanent code and every token whose key is
    /// `authcorp:{suite_id}:{corp_id}` or starts with `authcorp:{suite_id}:{corp_id}:`, in one
    /// transaction, together with its JS-SDK tickets (`authcorp-jsapi:…`, `authcorp-agent-ticket:…`).
    pub async fn revoke_auth_corp(&self, suite_id: &str, corp_id: &str) -> Result<(), StoreError> {
        let prefix = auth_corp_token_prefix(suite_id, corp_id);
        let prefix_colon = format!("{prefix}:");
        let now = now_ms();
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE auth_corps SET state = $3, permanent_code = NULL, updated_at = $4 \
                 WHERE suite_id = $1 AND corp_id = $2",
            )
            .bind(suite_id)
            .bind(corp_id)
            .bind(AuthCorpState::Revoked.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query(
                "DELETE FROM tokens WHERE key = $1 OR substr(key, 1, $3) = $2",
            )
            .bind(&prefix)
            .bind(&prefix_colon)
            .bind(i32::try_from(prefix_colon.chars().count()).unwrap_or(i32::MAX))
            .execute(&mut *tx)
            .await?;
            for ticket in auth_corp_ticket_keys(suite_id, corp_id) {
                sqlx::query("DELETE FROM tokens WHERE key = $1")
                    .bind(&ticket)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            n
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "authorised corp {corp_id} of suite {suite_id}"
            )));
        }
        Ok(())
    }
}
