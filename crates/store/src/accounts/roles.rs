//! Manual roles: granted by an admin, moved along when users merge. Roles derived from the WeCom
//! directory are computed by the contacts module and not stored here.

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

impl Store {
    /// The manual roles of `user_id`, sorted.
    pub async fn roles_of_user(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
                .bind(user_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Grants `role` to `user_id` (idempotent). Returns whether it was new.
    pub async fn grant_role(&self, user_id: &str, role: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("INSERT INTO user_roles (user_id, role, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, role) DO NOTHING")
                .bind(user_id)
                .bind(role)
                .bind(now_ms())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Revokes `role` from `user_id`. Returns whether it was held.
    pub async fn revoke_role(&self, user_id: &str, role: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role = $2")
                .bind(user_id)
                .bind(role)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }
}
