//! Incremental changes: the queue of accepted `change_contact` callbacks and the single-row
//! appliers a consumer runs them through.
//!
//! Callbacks are queued in arrival order ([`Store::enqueue_contact_change`]); a consumer applies a
//! directory's pending changes in `seq` order while no full sync of it runs, so changes that
//! arrive during a sync are applied after it, none dropped. Each applier reads the stored row,
//! changes only the fields the event carried, and writes in one transaction; it is idempotent (an
//! event applied twice changes nothing the second time). A consumer must be the only writer of its
//! directory's rows (the gateway holds a lock per directory).

use serde::Serialize;
use serde_json::Value;

use crate::accounts::{Identity, IdentityKey, IdentityKind};
use crate::backend::on_pool;
use crate::clock::now_ms;
use crate::contacts::apply::{
    department_fields_differ, department_upserts, member_department_replacements,
    member_fields_differ, member_moved, member_upserts, normalise_departments,
};
use crate::contacts::batch::{Arg, Stmt};
use crate::contacts::model::{Department, Member, MemberDepartment, Tag};
use crate::error::StoreError;
use crate::store::Store;

/// A queued `change_contact`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueuedContactChange {
    /// Arrival order (global, increasing).
    pub seq: i64,
    /// The directory it changes.
    pub directory: String,
    /// When the callback was accepted (unix ms).
    pub received_at: i64,
    /// The change as the gateway normalised it.
    pub change: Value,
    /// When it was applied (unix ms), if it was.
    pub applied_at: Option<i64>,
    /// Why applying it failed, if it did (it is not retried).
    pub error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    seq: i64,
    directory: String,
    received_at: i64,
    change: String,
    applied_at: Option<i64>,
    error: Option<String>,
}

impl TryFrom<ChangeRow> for QueuedContactChange {
    type Error = StoreError;

    fn try_from(r: ChangeRow) -> Result<QueuedContactChange, StoreError> {
        Ok(QueuedContactChange {
            change: serde_json::from_str(&r.change)
                .map_err(StoreError::json("contact_changes.change"))?,
            seq: r.seq,
            directory: r.directory,
            received_at: r.received_at,
            applied_at: r.applied_at,
            error: r.error,
        })
    }
}

const CHANGE_COLUMNS: &str = "seq, directory, received_at, change, applied_at, error";

/// What a single-row applier did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOutcome {
    /// The row is new.
    Created,
    /// The row was inactive and is back.
    Reactivated,
    /// A member's set of departments, or a department's parent, changed.
    Moved,
    /// Other fields changed.
    Updated,
    /// Nothing changed (e.g. the same event applied again).
    Unchanged,
}

/// The fields of a member change; `None` leaves the stored value as it is (events since 2022
/// carry few fields).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberPatch {
    /// The userid (required).
    pub userid: String,
    /// open_userid.
    pub open_userid: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Alias.
    pub alias: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Corporate email.
    pub biz_mail: Option<String>,
    /// Avatar URL.
    pub avatar: Option<String>,
    /// Gender (`"0"`, `"1"`, `"2"`).
    pub gender: Option<String>,
    /// Position.
    pub position: Option<String>,
    /// Platform status.
    pub status: Option<i64>,
    /// Main department.
    pub main_department: Option<i64>,
    /// The complete set of departments, when the event gave it.
    pub departments: Option<Vec<MemberDepartment>>,
    /// Other fields, merged key by key into the stored `extra`.
    pub extra: serde_json::Map<String, Value>,
}

/// The fields of a department change; `None` leaves the stored value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DepartmentPatch {
    /// The department id (required).
    pub dept_id: i64,
    /// New parent.
    pub parent_id: Option<i64>,
    /// Name.
    pub name: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// Order among siblings.
    pub sort_order: Option<i64>,
    /// Leaders' userids.
    pub leaders: Option<Vec<String>>,
}

/// What [`Store::rename_member`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct RenameOutcome {
    /// The member under its new userid (`None` if the directory never had either userid).
    pub member: Option<Member>,
    /// Whether the member row was renamed by this call (false when already renamed).
    pub renamed: bool,
    /// The `wecom_user` identity under its new subject, if the member is linked to a user.
    pub identity: Option<Identity>,
}

impl Store {
    /// Queues a change of `directory` received at `received_at`. Returns its `seq`.
    pub async fn enqueue_contact_change(
        &self,
        directory: &str,
        received_at: i64,
        change: &Value,
    ) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("INSERT INTO contact_changes (directory, received_at, change) VALUES ($1, $2, $3) RETURNING seq")
                .bind(directory)
                .bind(received_at)
                .bind(change.to_string())
                .fetch_one(pool)
                .await?
        }))
    }

    /// Queues the change carried by stored callback event `event_id`, once: a redelivered
    /// callback (or a retry after a failed enqueue) finds it queued. Returns the new `seq`, or
    /// `None` when it was queued before.
    pub async fn enqueue_contact_change_once(
        &self,
        directory: &str,
        event_id: &str,
        received_at: i64,
        change: &Value,
    ) -> Result<Option<i64>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO contact_changes (directory, received_at, change, event_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (event_id) DO NOTHING RETURNING seq",
            )
            .bind(directory)
            .bind(received_at)
            .bind(change.to_string())
            .bind(event_id)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Up to `limit` changes of `directory` not applied yet, oldest first.
    pub async fn pending_contact_changes(
        &self,
        directory: &str,
        limit: i64,
    ) -> Result<Vec<QueuedContactChange>, StoreError> {
        let rows: Vec<ChangeRow> = self
            .query_rows(
                &format!("SELECT {CHANGE_COLUMNS} FROM contact_changes WHERE directory = $1 AND applied_at IS NULL ORDER BY seq LIMIT $2"),
                &[Arg::from(directory), Arg::from(limit.clamp(1, 10_000))],
            )
            .await?;
        rows.into_iter()
            .map(QueuedContactChange::try_from)
            .collect()
    }

    /// The last `limit` changes of `directory` (applied or not), newest first.
    pub async fn recent_contact_changes(
        &self,
        directory: &str,
        limit: i64,
    ) -> Result<Vec<QueuedContactChange>, StoreError> {
        let rows: Vec<ChangeRow> = self
            .query_rows(
                &format!("SELECT {CHANGE_COLUMNS} FROM contact_changes WHERE directory = $1 ORDER BY seq DESC LIMIT $2"),
                &[Arg::from(directory), Arg::from(limit.clamp(1, 10_000))],
            )
            .await?;
        rows.into_iter()
            .map(QueuedContactChange::try_from)
            .collect()
    }

    /// Directories with changes waiting, by name.
    pub async fn directories_with_pending_changes(&self) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT DISTINCT directory FROM contact_changes WHERE applied_at IS NULL ORDER BY directory")
                .fetch_all(pool)
                .await?
        }))
    }

    /// Marks change `seq` applied (with the error, if applying it failed: it is not retried).
    pub async fn mark_contact_change_applied(
        &self,
        seq: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE contact_changes SET applied_at = $1, error = $2 WHERE seq = $3")
                .bind(now_ms())
                .bind(error)
                .bind(seq)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Creates or updates member `patch.userid` with the fields the patch carries (the member is
    /// active afterwards). Returns the stored member and what changed.
    pub async fn apply_member_change(
        &self,
        directory: &str,
        patch: MemberPatch,
    ) -> Result<(Member, ChangeOutcome), StoreError> {
        if patch.userid.is_empty() {
            return Err(StoreError::Conflict(
                "a member change needs a userid".into(),
            ));
        }
        let stored = self.member(directory, &patch.userid).await?;
        let mut m = stored
            .clone()
            .unwrap_or_else(|| Member::new(patch.userid.clone()));
        m.directory = directory.to_owned();
        macro_rules! set {
            ($($field:ident),*) => {
                $(if let Some(v) = patch.$field { m.$field = Some(v); })*
            };
        }
        set!(
            open_userid,
            name,
            alias,
            mobile,
            email,
            biz_mail,
            avatar,
            gender,
            position,
            status,
            main_department
        );
        if let Some(departments) = patch.departments {
            m.departments = departments;
            normalise_departments(&mut m);
        }
        if !patch.extra.is_empty() {
            if !m.extra.is_object() {
                m.extra = Value::Object(serde_json::Map::new());
            }
            if let Some(extra) = m.extra.as_object_mut() {
                extra.extend(patch.extra);
            }
        }
        m.active = true;
        m.left_at = None;
        let outcome = match &stored {
            None => ChangeOutcome::Created,
            Some(s) if !s.active => ChangeOutcome::Reactivated,
            Some(s) if member_moved(s, &m) => ChangeOutcome::Moved,
            Some(s) if member_fields_differ(s, &m) => ChangeOutcome::Updated,
            Some(_) => return Ok((m, ChangeOutcome::Unchanged)),
        };
        let now = now_ms();
        let replace_departments = stored
            .as_ref()
            .is_none_or(|s| s.departments != m.departments);
        let written = [m];
        let replaced: Vec<&Member> = if replace_departments {
            written.iter().collect()
        } else {
            Vec::new()
        };
        let stmts: Vec<Stmt> = member_upserts(self.batching(), &written, now)
            .chain(member_department_replacements(
                self.batching(),
                directory,
                &replaced,
            ))
            .collect();
        self.run_in_tx(stmts).await?;
        let [m] = written;
        Ok((m, outcome))
    }

    /// Marks member `userid` as having left (`active = 0`, `left_at`); its departments, tags and
    /// linked identities stay. Returns whether it was active.
    pub async fn remove_member(&self, directory: &str, userid: &str) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE contact_members SET active = 0, left_at = $1, updated_at = $1 WHERE directory = $2 AND userid = $3 AND active = 1")
                .bind(now_ms())
                .bind(directory)
                .bind(userid)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Renames member `from` to `to` (WeCom's `NewUserID`): the member row, its departments, tags
    /// and department-leader entries, then the linked `wecom_user` identity (scope = the
    /// directory's corp) via [`Store::rename_identity`], so the user keeps its identity.
    /// Idempotent: a second call finds the member already renamed. [`StoreError::Conflict`] when
    /// `to` is another active member (or another user's identity).
    pub async fn rename_member(
        &self,
        directory: &str,
        from: &str,
        to: &str,
    ) -> Result<RenameOutcome, StoreError> {
        if from.is_empty() || to.is_empty() {
            return Err(StoreError::Conflict("a rename needs both userids".into()));
        }
        let dir = self
            .directory(directory)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("directory {directory}")))?;
        let old = self.member(directory, from).await?;
        let new = self.member(directory, to).await?;
        let mut renamed = false;
        if from != to && old.is_some() {
            let mut stmts = Vec::new();
            if let Some(existing) = &new {
                if existing.active {
                    return Err(StoreError::Conflict(format!(
                        "cannot rename member {from} to {to} in {directory}: {to} is another active member"
                    )));
                }
                // A left member's old row under the new name: the renamed member replaces it.
                for table in ["contact_members", "contact_member_departments"] {
                    stmts.push(Stmt::new(
                        format!("DELETE FROM {table} WHERE directory = $1 AND userid = $2"),
                        vec![Arg::from(directory), Arg::from(to)],
                    ));
                }
                stmts.push(Stmt::new(
                    "DELETE FROM contact_tag_members WHERE directory = $1 AND userid = $2",
                    vec![Arg::from(directory), Arg::from(to)],
                ));
            }
            let now = now_ms();
            stmts.push(Stmt::new(
                "UPDATE contact_members SET userid = $1, updated_at = $2 WHERE directory = $3 AND userid = $4",
                vec![Arg::from(to), Arg::from(now), Arg::from(directory), Arg::from(from)],
            ));
            for table in ["contact_member_departments", "contact_tag_members"] {
                stmts.push(Stmt::new(
                    format!("UPDATE {table} SET userid = $1 WHERE directory = $2 AND userid = $3"),
                    vec![Arg::from(to), Arg::from(directory), Arg::from(from)],
                ));
            }
            let mut led: Vec<Department> = self
                .departments(directory)
                .await?
                .into_iter()
                .filter(|d| d.leaders.iter().any(|l| l == from))
                .collect();
            for d in &mut led {
                for l in &mut d.leaders {
                    if l == from {
                        *l = to.to_owned();
                    }
                }
            }
            stmts.extend(department_upserts(self.batching(), &led, now));
            self.run_in_tx(stmts).await?;
            renamed = true;
        }
        let identity = self
            .rename_identity(
                &IdentityKey::new(IdentityKind::WecomUser, dir.corp_id.clone(), from),
                to,
            )
            .await?;
        Ok(RenameOutcome {
            member: self.member(directory, to).await?,
            renamed,
            identity,
        })
    }

    /// Creates or updates department `patch.dept_id` with the fields the patch carries (a new
    /// department without a parent gets 0). The department is active afterwards.
    pub async fn apply_department_change(
        &self,
        directory: &str,
        patch: DepartmentPatch,
    ) -> Result<(Department, ChangeOutcome), StoreError> {
        let stored = self.department(directory, patch.dept_id).await?;
        let mut d = stored.clone().unwrap_or_else(|| Department {
            directory: directory.to_owned(),
            dept_id: patch.dept_id,
            ..Department::default()
        });
        if let Some(p) = patch.parent_id {
            d.parent_id = p;
        }
        if let Some(n) = patch.name {
            d.name = Some(n);
        }
        if let Some(n) = patch.name_en {
            d.name_en = Some(n);
        }
        if let Some(o) = patch.sort_order {
            d.sort_order = o;
        }
        if let Some(l) = patch.leaders {
            d.leaders = l;
        }
        d.active = true;
        d.removed_at = None;
        let outcome = match &stored {
            None => ChangeOutcome::Created,
            Some(s) if !s.active => ChangeOutcome::Reactivated,
            Some(s) if s.parent_id != d.parent_id => ChangeOutcome::Moved,
            Some(s) if department_fields_differ(s, &d) => ChangeOutcome::Updated,
            Some(_) => return Ok((d, ChangeOutcome::Unchanged)),
        };
        let written = [d];
        self.run_in_tx(department_upserts(self.batching(), &written, now_ms()).collect::<Vec<_>>())
            .await?;
        let [d] = written;
        Ok((d, outcome))
    }

    /// Marks department `dept_id` removed (`active = 0`, `removed_at`). Returns whether it was
    /// active.
    pub async fn remove_department(
        &self,
        directory: &str,
        dept_id: i64,
    ) -> Result<bool, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("UPDATE contact_departments SET active = 0, removed_at = $1, updated_at = $1 WHERE directory = $2 AND dept_id = $3 AND active = 1")
                .bind(now_ms())
                .bind(directory)
                .bind(dept_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Applies an `update_tag`: adds and removes tagged members and departments of tag `tag_id`
    /// (created, unnamed, if unknown; `name` renames it). Returns the tag afterwards.
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_tag_change(
        &self,
        directory: &str,
        tag_id: i64,
        name: Option<&str>,
        add_userids: &[String],
        del_userids: &[String],
        add_dept_ids: &[i64],
        del_dept_ids: &[i64],
    ) -> Result<Tag, StoreError> {
        let mut stmts = vec![Stmt::new(
            "INSERT INTO contact_tags (directory, tag_id, name) VALUES ($1, $2, $3) \
             ON CONFLICT (directory, tag_id) DO UPDATE SET name = COALESCE(excluded.name, contact_tags.name)",
            vec![
                Arg::from(directory),
                Arg::from(tag_id),
                Arg::from(name.map(str::to_owned)),
            ],
        )];
        for u in del_userids {
            stmts.push(Stmt::new(
                "DELETE FROM contact_tag_members WHERE directory = $1 AND tag_id = $2 AND userid = $3 AND dept_id = 0",
                vec![Arg::from(directory), Arg::from(tag_id), Arg::from(u)],
            ));
        }
        for d in del_dept_ids {
            stmts.push(Stmt::new(
                "DELETE FROM contact_tag_members WHERE directory = $1 AND tag_id = $2 AND userid = '' AND dept_id = $3",
                vec![Arg::from(directory), Arg::from(tag_id), Arg::from(*d)],
            ));
        }
        let adds = add_userids
            .iter()
            .map(|u| (u.clone(), 0))
            .chain(add_dept_ids.iter().map(|d| (String::new(), *d)));
        for (userid, dept_id) in adds {
            stmts.push(Stmt::new(
                "INSERT INTO contact_tag_members (directory, tag_id, userid, dept_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (directory, tag_id, userid, dept_id) DO NOTHING",
                vec![
                    Arg::from(directory),
                    Arg::from(tag_id),
                    Arg::from(userid),
                    Arg::from(dept_id),
                ],
            ));
        }
        self.run_in_tx(stmts).await?;
        self.tag(directory, tag_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("tag {tag_id} of {directory}")))
    }
}
