//! Turning the identities a login proved into one user: find, create, link, or merge.
//!
//! A login proves one or more identities at once: an Official Account OAuth proves an openid and
//! (when the app is bound to an open platform) a unionid; a WeCom login proves a userid and maybe an
//! open_userid. [`Store::sign_in`] resolves them in one transaction:
//!
//! - none known: a new user owns them all;
//! - all known and on one user: that user (profiles refreshed);
//! - some unknown: they are linked to the user of the known ones;
//! - known on **different** users: the users are one person, so they are **merged** into the
//!   oldest. Every identity, role and session of the others moves to it; the others are kept with
//!   status `merged` and `merged_into`, never deleted. If any of them was disabled, the survivor
//!   is disabled too (a merge never re-opens a locked account).
//!
//! Concurrent first logins of one person are serialised: on PostgreSQL by transaction-scoped
//! advisory locks on the identities' keys (taken in a fixed order), on SQLite by `BEGIN IMMEDIATE`.
//! The UNIQUE constraint on identities is the last line; a lost race is retried.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::accounts::identities::{IDENTITY_COLUMNS, IdentityRow};
use crate::accounts::new_id;
use crate::accounts::users::{USER_COLUMNS, UserRow};
use crate::accounts::{Identity, IdentityKey, User, UserStatus};
use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::error::StoreError;
use crate::store::Store;

/// What a login proved.
#[derive(Debug, Clone, Default)]
pub struct SignIn {
    /// The identities, the one the login was for first, each with the normalised profile the
    /// platform gave for it (stored on the identity).
    pub identities: Vec<(IdentityKey, Value)>,
    /// Display name to set on the user, if the platform gave one.
    pub name: Option<String>,
    /// Avatar URL to set, if given.
    pub picture: Option<String>,
    /// Email to set, if given with consent.
    pub email: Option<String>,
    /// Mobile number to set, if given with consent.
    pub phone_number: Option<String>,
}

/// Users found to be one person and merged.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Merge {
    /// The user that remains.
    pub survivor: String,
    /// The user merged into it (now status `merged`).
    pub merged: String,
    /// The identities that moved from `merged` to `survivor`.
    pub moved: Vec<IdentityKey>,
}

/// What [`Store::sign_in`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct SignInOutcome {
    /// The user signed in (check its status: a disabled user must be refused).
    pub user: User,
    /// Whether the user was created by this sign-in.
    pub created: bool,
    /// Identities created by this sign-in.
    pub linked: Vec<Identity>,
    /// Users merged by this sign-in (usually none, at most one per extra identity).
    pub merges: Vec<Merge>,
}

/// Attempts before a lost race is reported (each retry sees the winner's rows).
const ATTEMPTS: usize = 4;

impl Store {
    /// Resolves a login to one user, creating, linking or merging as needed (see the module
    /// docs). Does not check the user's status: the caller refuses disabled users.
    pub async fn sign_in(&self, sign_in: &SignIn) -> Result<SignInOutcome, StoreError> {
        if sign_in.identities.is_empty() {
            return Err(StoreError::Conflict(
                "a sign-in needs at least one identity".into(),
            ));
        }
        let mut last = None;
        for _ in 0..ATTEMPTS {
            match self.sign_in_once(sign_in).await {
                Err(e) if is_lost_race(&e) => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| StoreError::Conflict("sign-in kept racing".into())))
    }

    async fn sign_in_once(&self, sign_in: &SignIn) -> Result<SignInOutcome, StoreError> {
        let now = now_ms();
        let is_pg = self.is_postgres();
        // Lock order: sorted, deduplicated keys, so two logins never wait on each other in a cycle.
        let lock_keys: BTreeSet<String> = sign_in
            .identities
            .iter()
            .map(|(k, _)| k.to_string())
            .collect();
        on_pool!(self, pool => {
            let mut tx = if is_pg { pool.begin().await? } else { pool.begin_with("BEGIN IMMEDIATE").await? };
            if is_pg {
                for key in &lock_keys {
                    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            // Who owns each identity now.
            let mut owners: Vec<Option<String>> = Vec::with_capacity(sign_in.identities.len());
            for (key, _) in &sign_in.identities {
                let row: Option<IdentityRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {IDENTITY_COLUMNS} FROM identities WHERE kind = $1 AND scope = $2 AND subject = $3"
                )))
                .bind(key.kind.as_str())
                .bind(&key.scope)
                .bind(&key.subject)
                .fetch_optional(&mut *tx)
                .await?;
                owners.push(row.map(|r| r.user_id().to_owned()));
            }
            let mut users: Vec<User> = Vec::new();
            for id in owners.iter().flatten() {
                if users.iter().any(|u| &u.id == id) {
                    continue;
                }
                let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                users.push(User::from(row));
            }
            users.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));

            let created = users.is_empty();
            let mut survivor = if created {
                let id = new_id("usr_");
                sqlx::query(
                    "INSERT INTO users (id, status, created_at, updated_at) VALUES ($1, 'active', $2, $2)",
                )
                .bind(&id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                User {
                    id,
                    status: UserStatus::Active,
                    merged_into: None,
                    name: None,
                    picture: None,
                    email: None,
                    phone_number: None,
                    created_at: now,
                    updated_at: now,
                    last_login_at: None,
                }
            } else {
                users.remove(0)
            };

            // Merge every other owner into the survivor.
            let mut merges = Vec::new();
            for other in &users {
                let moved: Vec<(String, String, String)> = sqlx::query_as(
                    "SELECT kind, scope, subject FROM identities WHERE user_id = $1 ORDER BY created_at",
                )
                .bind(&other.id)
                .fetch_all(&mut *tx)
                .await?;
                sqlx::query("UPDATE identities SET user_id = $1, updated_at = $2 WHERE user_id = $3")
                    .bind(&survivor.id)
                    .bind(now)
                    .bind(&other.id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO user_roles (user_id, role, created_at) SELECT $1, role, created_at FROM user_roles WHERE user_id = $2 \
                     ON CONFLICT (user_id, role) DO NOTHING",
                )
                .bind(&survivor.id)
                .bind(&other.id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
                    .bind(&other.id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE sessions SET user_id = $1 WHERE user_id = $2")
                    .bind(&survivor.id)
                    .bind(&other.id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE users SET status = 'merged', merged_into = $1, updated_at = $2 WHERE id = $3")
                    .bind(&survivor.id)
                    .bind(now)
                    .bind(&other.id)
                    .execute(&mut *tx)
                    .await?;
                if other.status == UserStatus::Disabled {
                    survivor.status = UserStatus::Disabled;
                }
                survivor.name = survivor.name.take().or_else(|| other.name.clone());
                survivor.picture = survivor.picture.take().or_else(|| other.picture.clone());
                survivor.email = survivor.email.take().or_else(|| other.email.clone());
                survivor.phone_number = survivor.phone_number.take().or_else(|| other.phone_number.clone());
                merges.push(Merge {
                    survivor: survivor.id.clone(),
                    merged: other.id.clone(),
                    moved: moved
                        .into_iter()
                        .filter_map(|(kind, scope, subject)| {
                            crate::accounts::IdentityKind::parse(&kind).map(|k| IdentityKey::new(k, scope, subject))
                        })
                        .collect(),
                });
            }

            // Link the unknown identities, refresh the known ones.
            let mut linked = Vec::new();
            for ((key, profile), owner) in sign_in.identities.iter().zip(&owners) {
                let profile_text = profile.to_string();
                if owner.is_none() {
                    let id = new_id("idn_");
                    let n = sqlx::query(
                        "INSERT INTO identities (id, user_id, kind, scope, subject, profile, created_at, updated_at, last_login_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) ON CONFLICT (kind, scope, subject) DO NOTHING",
                    )
                    .bind(&id)
                    .bind(&survivor.id)
                    .bind(key.kind.as_str())
                    .bind(&key.scope)
                    .bind(&key.subject)
                    .bind(&profile_text)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n == 0 {
                        // Another login inserted it after we looked: start over and see it.
                        return Err(StoreError::Conflict(LOST_RACE.into()));
                    }
                    linked.push(Identity {
                        id,
                        user_id: survivor.id.clone(),
                        key: key.clone(),
                        profile: profile.clone(),
                        created_at: now,
                        updated_at: now,
                        last_login_at: Some(now),
                    });
                } else {
                    sqlx::query(
                        "UPDATE identities SET profile = $1, updated_at = $2, last_login_at = $2 WHERE kind = $3 AND scope = $4 AND subject = $5",
                    )
                    .bind(&profile_text)
                    .bind(now)
                    .bind(key.kind.as_str())
                    .bind(&key.scope)
                    .bind(&key.subject)
                    .execute(&mut *tx)
                    .await?;
                }
            }

            // What this login told us about the person wins over what we had.
            fn newer(given: &Option<String>, had: &mut Option<String>) {
                if let Some(v) = given.as_ref().filter(|v| !v.is_empty()) {
                    *had = Some(v.clone());
                }
            }
            newer(&sign_in.name, &mut survivor.name);
            newer(&sign_in.picture, &mut survivor.picture);
            newer(&sign_in.email, &mut survivor.email);
            newer(&sign_in.phone_number, &mut survivor.phone_number);
            survivor.updated_at = now;
            survivor.last_login_at = Some(now);
            sqlx::query(
                "UPDATE users SET status = $1, name = $2, picture = $3, email = $4, phone_number = $5, updated_at = $6, last_login_at = $6 WHERE id = $7",
            )
            .bind(survivor.status.as_str())
            .bind(&survivor.name)
            .bind(&survivor.picture)
            .bind(&survivor.email)
            .bind(&survivor.phone_number)
            .bind(now)
            .bind(&survivor.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(SignInOutcome {
                user: survivor,
                created,
                linked,
                merges,
            })
        })
    }
}

const LOST_RACE: &str = "identity linked concurrently";

/// A race another sign-in won: an identity inserted between our read and our write, or (on
/// PostgreSQL without the lock, or SQLite under contention) a unique violation or busy database.
fn is_lost_race(e: &StoreError) -> bool {
    match e {
        StoreError::Conflict(msg) => msg == LOST_RACE,
        StoreError::Db(sqlx::Error::Database(db)) => {
            db.is_unique_violation()
                || db.message().contains("locked")
                || db.message().contains("busy")
        }
        _ => false,
    }
}
