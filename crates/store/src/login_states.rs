//! Browser logins in progress: the `state` a login sends to the platform, bound to the browser
//! that started it (the keyed fingerprint of its `wxgate_login` cookie), usable once, until it
//! expires. This is the CSRF protection of every redirect-based login: a callback is accepted
//! only with a state this gateway issued, to this browser, not used yet, not expired.

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

/// How long an expired or used row is kept (for a clearer "already used" answer) before
/// [`Store::start_login`] prunes it.
const KEEP_AFTER_EXPIRY_MS: i64 = 3_600_000;

/// A login to start.
#[derive(Debug, Clone)]
pub struct NewLoginState {
    /// The browser's secret nonce (its `wxgate_login` cookie); only its fingerprint is stored.
    pub browser: String,
    /// The flow (`wecom_oauth`, `wechat_qr`, …).
    pub flow: String,
    /// The configured app's name.
    pub app: String,
    /// Where the browser goes once signed in (already checked).
    pub return_to: String,
    /// How long the login may take (ms).
    pub ttl_ms: i64,
}

/// A started login, as taken back at the callback.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginState {
    /// The state value sent to the platform.
    pub state: String,
    /// The flow.
    pub flow: String,
    /// The app's name.
    pub app: String,
    /// Where the browser goes once signed in.
    pub return_to: String,
    /// Started (unix ms).
    pub created_at: i64,
    /// Ends (unix ms).
    pub expires_at: i64,
}

/// What presenting a state at the callback found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakenLogin {
    /// Valid: it is now used.
    Taken(LoginState),
    /// No such state (never issued, or pruned long ago).
    Unknown,
    /// Issued to another browser (or this browser lost its cookie). Not consumed.
    OtherBrowser,
    /// Used already (a replayed callback).
    Used,
    /// Past its expiry.
    Expired,
}

#[derive(sqlx::FromRow)]
struct Row {
    state: String,
    browser: String,
    flow: String,
    app: String,
    return_to: String,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl Store {
    /// Records a login in progress and returns its fresh, unguessable `state`. Prunes rows that
    /// expired more than an hour ago.
    pub async fn start_login(&self, new: &NewLoginState) -> Result<String, StoreError> {
        let state = format!(
            "{:032x}{:032x}",
            rand::random::<u128>(),
            rand::random::<u128>()
        );
        let browser = self.secrets().fingerprint(&new.browser);
        let now = now_ms();
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM login_states WHERE expires_at < $1")
                .bind(now - KEEP_AFTER_EXPIRY_MS)
                .execute(pool)
                .await?;
            sqlx::query(
                "INSERT INTO login_states (state, browser, flow, app, return_to, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&state)
            .bind(&browser)
            .bind(&new.flow)
            .bind(&new.app)
            .bind(&new.return_to)
            .bind(now)
            .bind(now.saturating_add(new.ttl_ms))
            .execute(pool)
            .await?;
        });
        Ok(state)
    }

    /// Takes back the login of `state` for the browser whose cookie nonce is `browser` (`None`
    /// when the request carried no cookie): marks it used if it is valid for this browser.
    pub async fn take_login(
        &self,
        state: &str,
        browser: Option<&str>,
    ) -> Result<TakenLogin, StoreError> {
        let now = now_ms();
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT state, browser, flow, app, return_to, created_at, expires_at, used_at \
                 FROM login_states WHERE state = $1",
            )
            .bind(state)
            .fetch_optional(pool)
            .await?
        });
        let Some(row) = row else {
            return Ok(TakenLogin::Unknown);
        };
        let same_browser = browser.is_some_and(|b| {
            let presented = self.secrets().fingerprint(b);
            subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), row.browser.as_bytes()).into()
        });
        if !same_browser {
            return Ok(TakenLogin::OtherBrowser);
        }
        if row.used_at.is_some() {
            return Ok(TakenLogin::Used);
        }
        if now >= row.expires_at {
            return Ok(TakenLogin::Expired);
        }
        let taken = on_pool!(self, pool => {
            sqlx::query("UPDATE login_states SET used_at = $1 WHERE state = $2 AND used_at IS NULL")
                .bind(now)
                .bind(state)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if taken == 0 {
            // Another request with the same state won the race.
            return Ok(TakenLogin::Used);
        }
        Ok(TakenLogin::Taken(LoginState {
            state: row.state,
            flow: row.flow,
            app: row.app,
            return_to: row.return_to,
            created_at: row.created_at,
            expires_at: row.expires_at,
        }))
    }
}
