//! Mini-program login sessions: the `session_key` a mini-program login returned, sealed, one per
//! (mini program, user), replaced at each login. It decrypts the open data (phone number, user
//! info) the mini program sends afterwards; it is never returned to anyone.

use crate::accounts::{IdentityKey, IdentityKind};
use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::secret_box::Secret;
use crate::store::Store;

/// A stored mini-program session.
#[derive(Debug, Clone)]
pub struct MiniSession {
    /// The mini program's configured name.
    pub app: String,
    /// The user who logged in.
    pub user_id: String,
    /// The identity the login proved (the openid in the mini program's app, or the WeCom
    /// member).
    pub identity: IdentityKey,
    /// The session_key (opened).
    pub session_key: Secret,
    /// When the login happened (unix ms).
    pub created_at: i64,
}

impl Store {
    /// Keeps the session_key of `user_id`'s latest login through mini program `app`.
    pub async fn put_mini_session(
        &self,
        app: &str,
        user_id: &str,
        identity: &IdentityKey,
        session_key: &Secret,
    ) -> Result<(), StoreError> {
        let sealed = self.secrets().seal(session_key.expose());
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO mini_sessions (app, user_id, kind, scope, subject, session_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (app, user_id) DO UPDATE SET kind = excluded.kind, scope = excluded.scope, subject = excluded.subject, \
                 session_key = excluded.session_key, created_at = excluded.created_at",
            )
            .bind(app)
            .bind(user_id)
            .bind(identity.kind.as_str())
            .bind(&identity.scope)
            .bind(&identity.subject)
            .bind(&sealed)
            .bind(now_ms())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The latest session of `user_id` in mini program `app`, if any.
    pub async fn mini_session(
        &self,
        app: &str,
        user_id: &str,
    ) -> Result<Option<MiniSession>, StoreError> {
        let row: Option<(String, String, String, String, String, String, i64)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT app, user_id, kind, scope, subject, session_key, created_at FROM mini_sessions WHERE app = $1 AND user_id = $2")
                .bind(app)
                .bind(user_id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(app, user_id, kind, scope, subject, sealed, created_at)| {
            let kind = IdentityKind::parse(&kind)
                .ok_or_else(|| StoreError::Conflict(format!("unknown identity kind {kind}")))?;
            Ok(MiniSession {
                identity: IdentityKey::new(kind, scope, subject),
                session_key: self
                    .secrets()
                    .open(&sealed)
                    .map_err(StoreError::sealed("mini_sessions.session_key"))?,
                app,
                user_id,
                created_at,
            })
        })
        .transpose()
    }
}
