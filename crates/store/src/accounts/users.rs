//! Users: the one local account behind a person's identities.

use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

/// Whether a user may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// Refused at sign-in; existing sessions are revoked.
    Disabled,
    /// Merged into another user (`merged_into`); kept so old references resolve.
    Merged,
}

impl UserStatus {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
            UserStatus::Merged => "merged",
        }
    }

    /// Parses the stored text.
    pub fn parse(s: &str) -> Option<UserStatus> {
        match s {
            "active" => Some(UserStatus::Active),
            "disabled" => Some(UserStatus::Disabled),
            "merged" => Some(UserStatus::Merged),
            _ => None,
        }
    }
}

/// A local user.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct User {
    /// wxgate's own stable id (`usr_…`); the OIDC `sub`.
    pub id: String,
    /// Active, disabled or merged.
    pub status: UserStatus,
    /// The surviving user, when merged.
    pub merged_into: Option<String>,
    /// Display name, from the last sign-in that gave one (or set by an admin).
    pub name: Option<String>,
    /// Avatar URL.
    pub picture: Option<String>,
    /// Email, when a platform gave it with consent.
    pub email: Option<String>,
    /// Mobile number, when a platform gave it with consent.
    pub phone_number: Option<String>,
    /// Created (unix ms).
    pub created_at: i64,
    /// Last changed (unix ms).
    pub updated_at: i64,
    /// Last successful sign-in (unix ms).
    pub last_login_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    status: String,
    merged_into: Option<String>,
    name: Option<String>,
    picture: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    created_at: i64,
    updated_at: i64,
    last_login_at: Option<i64>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> User {
        User {
            status: UserStatus::parse(&r.status).unwrap_or(UserStatus::Disabled),
            id: r.id,
            merged_into: r.merged_into,
            name: r.name,
            picture: r.picture,
            email: r.email,
            phone_number: r.phone_number,
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_login_at: r.last_login_at,
        }
    }
}

pub(crate) const USER_COLUMNS: &str = "id, status, merged_into, name, picture, email, phone_number, created_at, updated_at, last_login_at";

/// Which users to list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Matches id, name, email or phone number (substring, case-insensitive for ASCII), or the
    /// subject of any identity exactly.
    pub query: Option<String>,
    /// Only users in this status.
    pub status: Option<UserStatus>,
    /// Users with an id after this one (ids are time-ordered): the page cursor.
    pub after: Option<String>,
    /// At most this many (default 50, at most 500).
    pub limit: Option<i64>,
}

impl Store {
    /// One user by id.
    pub async fn get_user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(User::from))
    }

    /// The live user behind `id`, following `merged_into` (a merged user resolves to the one it
    /// was merged into).
    pub async fn resolve_user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let mut id = id.to_owned();
        for _ in 0..16 {
            match self.get_user(&id).await? {
                Some(User {
                    status: UserStatus::Merged,
                    merged_into: Some(next),
                    ..
                }) => id = next,
                other => return Ok(other),
            }
        }
        Err(StoreError::Conflict(format!(
            "merge chain of user {id} too long"
        )))
    }

    /// Users matching `filter`, in id (creation) order.
    pub async fn list_users(&self, filter: &UserFilter) -> Result<Vec<User>, StoreError> {
        let limit = filter.limit.unwrap_or(50).clamp(1, 500);
        let pattern = filter
            .query
            .as_ref()
            .map(|q| format!("%{}%", q.to_ascii_lowercase().replace(['%', '_'], "")));
        let rows: Vec<UserRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users u WHERE ($1 IS NULL OR u.status = $1) AND ($2 IS NULL OR u.id > $2) \
                 AND ($3 IS NULL OR lower(u.id) LIKE $3 OR lower(coalesce(u.name, '')) LIKE $3 OR lower(coalesce(u.email, '')) LIKE $3 \
                      OR coalesce(u.phone_number, '') LIKE $3 OR EXISTS (SELECT 1 FROM identities i WHERE i.user_id = u.id AND i.subject = $4)) \
                 ORDER BY u.id LIMIT $5"
            )))
            .bind(filter.status.map(UserStatus::as_str))
            .bind(&filter.after)
            .bind(&pattern)
            .bind(filter.query.as_deref())
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(User::from).collect())
    }

    /// Sets a user's status to active or disabled (a merged user cannot be changed). Disabling
    /// also revokes the user's sessions. Returns the updated user.
    pub async fn set_user_status(&self, id: &str, status: UserStatus) -> Result<User, StoreError> {
        if status == UserStatus::Merged {
            return Err(StoreError::Conflict(
                "a user is merged by signing in, not by setting its status".into(),
            ));
        }
        let now = now_ms();
        let changed = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE users SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'merged'")
                .bind(status.as_str())
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if status == UserStatus::Disabled {
                sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            n
        });
        let user = self
            .get_user(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!(
                "user {id} was merged into {}; change that user instead",
                user.merged_into.as_deref().unwrap_or("another user")
            )));
        }
        Ok(user)
    }
}
