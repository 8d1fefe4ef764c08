//! Identities: how each platform names a person, each pointing at one user.

use serde_json::Value;

use crate::accounts::new_id;
use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

/// The kinds of platform identity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// A WeChat openid; scope = the app's app_id (Official Account, Mini Program, website app).
    WechatOpenid,
    /// A WeChat unionid; scope = the open platform account the apps are bound to.
    WechatUnionid,
    /// A WeCom member; scope = corp_id, subject = userid.
    WecomUser,
    /// A WeCom member as a third-party app sees them; scope = suite_id (or the provider's
    /// corp_id for provider logins), subject = open_userid.
    WecomOpenUser,
}

impl IdentityKind {
    /// Every kind.
    pub const ALL: [IdentityKind; 4] = [
        IdentityKind::WechatOpenid,
        IdentityKind::WechatUnionid,
        IdentityKind::WecomUser,
        IdentityKind::WecomOpenUser,
    ];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::WechatOpenid => "wechat_openid",
            IdentityKind::WechatUnionid => "wechat_unionid",
            IdentityKind::WecomUser => "wecom_user",
            IdentityKind::WecomOpenUser => "wecom_open_user",
        }
    }

    /// Parses the stored text.
    pub fn parse(s: &str) -> Option<IdentityKind> {
        IdentityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for IdentityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What names an identity: unique across wxgate.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct IdentityKey {
    /// The kind.
    pub kind: IdentityKind,
    /// Within what the subject is unique (app_id, open platform, corp_id, suite_id).
    pub scope: String,
    /// The platform's id of the person.
    pub subject: String,
}

impl IdentityKey {
    /// A key.
    pub fn new(kind: IdentityKind, scope: impl Into<String>, subject: impl Into<String>) -> Self {
        IdentityKey {
            kind,
            scope: scope.into(),
            subject: subject.into(),
        }
    }
}

impl std::fmt::Display for IdentityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.kind, self.scope, self.subject)
    }
}

/// A stored identity.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Identity {
    /// Its id (`idn_…`).
    pub id: String,
    /// The user it belongs to.
    pub user_id: String,
    /// Kind, scope and subject.
    #[serde(flatten)]
    pub key: IdentityKey,
    /// The normalised profile the platform last gave.
    pub profile: Value,
    /// First seen (unix ms).
    pub created_at: i64,
    /// Last changed (unix ms).
    pub updated_at: i64,
    /// Last sign-in through it (unix ms).
    pub last_login_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct IdentityRow {
    id: String,
    user_id: String,
    kind: String,
    scope: String,
    subject: String,
    profile: String,
    created_at: i64,
    updated_at: i64,
    last_login_at: Option<i64>,
}

impl IdentityRow {
    pub(crate) fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl TryFrom<IdentityRow> for Identity {
    type Error = StoreError;

    fn try_from(r: IdentityRow) -> Result<Identity, StoreError> {
        let kind = IdentityKind::parse(&r.kind)
            .ok_or_else(|| StoreError::Conflict(format!("unknown identity kind {}", r.kind)))?;
        Ok(Identity {
            key: IdentityKey {
                kind,
                scope: r.scope,
                subject: r.subject,
            },
            profile: serde_json::from_str(&r.profile).unwrap_or(Value::Null),
            id: r.id,
            user_id: r.user_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            last_login_at: r.last_login_at,
        })
    }
}

pub(crate) const IDENTITY_COLUMNS: &str =
    "id, user_id, kind, scope, subject, profile, created_at, updated_at, last_login_at";

impl Store {
    /// The identity named by `key`, if any.
    pub async fn find_identity(&self, key: &IdentityKey) -> Result<Option<Identity>, StoreError> {
        let row: Option<IdentityRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {IDENTITY_COLUMNS} FROM identities WHERE kind = $1 AND scope = $2 AND subject = $3"
            )))
            .bind(key.kind.as_str())
            .bind(&key.scope)
            .bind(&key.subject)
            .fetch_optional(pool)
            .await?
        });
        row.map(Identity::try_from).transpose()
    }

    /// Every identity of `user_id`, oldest first.
    pub async fn identities_of_user(&self, user_id: &str) -> Result<Vec<Identity>, StoreError> {
        let rows: Vec<IdentityRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {IDENTITY_COLUMNS} FROM identities WHERE user_id = $1 ORDER BY created_at, id"
            )))
            .bind(user_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Identity::try_from).collect()
    }

    /// The identity of `user_id` of one kind and scope (e.g. the openid the user has in app
    /// `wx123`), if the user has one.
    pub async fn identity_of_user(
        &self,
        user_id: &str,
        kind: IdentityKind,
        scope: &str,
    ) -> Result<Option<Identity>, StoreError> {
        let row: Option<IdentityRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {IDENTITY_COLUMNS} FROM identities WHERE user_id = $1 AND kind = $2 AND scope = $3 ORDER BY created_at LIMIT 1"
            )))
            .bind(user_id)
            .bind(kind.as_str())
            .bind(scope)
            .fetch_optional(pool)
            .await?
        });
        row.map(Identity::try_from).transpose()
    }

    /// Links `key` to the existing user `user_id` (an admin action). Refuses with
    /// [`StoreError::Conflict`] when the identity already belongs to another user.
    pub async fn link_identity(
        &self,
        user_id: &str,
        key: &IdentityKey,
        profile: &Value,
    ) -> Result<Identity, StoreError> {
        if let Some(existing) = self.find_identity(key).await? {
            if existing.user_id == user_id {
                return Ok(existing);
            }
            return Err(StoreError::Conflict(format!(
                "identity {key} belongs to user {}; unlink it there first",
                existing.user_id
            )));
        }
        let user = self
            .get_user(user_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {user_id}")))?;
        if user.status == crate::accounts::UserStatus::Merged {
            return Err(StoreError::Conflict(format!(
                "user {user_id} was merged into {}; link to that user",
                user.merged_into.unwrap_or_default()
            )));
        }
        let now = now_ms();
        let id = new_id("idn_");
        let inserted = on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO identities (id, user_id, kind, scope, subject, profile, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (kind, scope, subject) DO NOTHING",
            )
            .bind(&id)
            .bind(user_id)
            .bind(key.kind.as_str())
            .bind(&key.scope)
            .bind(&key.subject)
            .bind(profile.to_string())
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        let stored = self
            .find_identity(key)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("identity {key}")))?;
        if inserted == 0 && stored.user_id != user_id {
            return Err(StoreError::Conflict(format!(
                "identity {key} was just linked to user {}",
                stored.user_id
            )));
        }
        Ok(stored)
    }

    /// Removes identity `identity_id` from `user_id`. Returns whether it existed.
    pub async fn unlink_identity(
        &self,
        user_id: &str,
        identity_id: &str,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("DELETE FROM identities WHERE id = $1 AND user_id = $2")
                .bind(identity_id)
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Renames an identity's subject in place (WeCom's change_contact `NewUserID`): the user keeps
    /// the identity under its new name. Returns the renamed identity, or `None` when `from` is
    /// unknown. Refuses with [`StoreError::Conflict`] when `to_subject` is already taken.
    pub async fn rename_identity(
        &self,
        from: &IdentityKey,
        to_subject: &str,
    ) -> Result<Option<Identity>, StoreError> {
        let to = IdentityKey::new(from.kind, from.scope.clone(), to_subject);
        if let Some(taken) = self.find_identity(&to).await? {
            if self.find_identity(from).await?.is_none() {
                return Ok(Some(taken)); // renamed before (a retried event)
            }
            return Err(StoreError::Conflict(format!(
                "cannot rename {from} to {to_subject}: {to} already belongs to user {}",
                taken.user_id
            )));
        }
        let now = now_ms();
        on_pool!(self, pool => {
            sqlx::query("UPDATE identities SET subject = $1, updated_at = $2 WHERE kind = $3 AND scope = $4 AND subject = $5")
                .bind(to_subject)
                .bind(now)
                .bind(from.kind.as_str())
                .bind(&from.scope)
                .bind(&from.subject)
                .execute(pool)
                .await?;
        });
        self.find_identity(&to).await
    }
}
