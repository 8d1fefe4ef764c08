//! Reads of a directory: departments (flat and as a tree with member counts), members by userid,
//! open_userid, mobile or email, department members and leaders, tags, and the links between
//! members and wxgate users (both ways) that the admin API and the OIDC role claims use.
//!
//! A member is linked to a wxgate user through the user's identities: `wecom_user` with scope =
//! the directory's corp_id and subject = the userid, or `wecom_open_user` with scope = the
//! directory's suite_id and subject = the member's open_userid.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::contacts::batch::Arg;
use crate::contacts::model::{
    DEPARTMENT_COLUMNS, Department, DepartmentRow, MEMBER_COLUMNS, Member, MemberDepartmentRow,
    MemberRow, Tag, TagMemberRow, assemble_tags, attach_departments,
};
use crate::error::StoreError;
use crate::store::Store;

/// A department in the tree, with its member counts and children.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentNode {
    /// The department.
    #[serde(flatten)]
    pub department: Department,
    /// Active members directly in it.
    pub direct_members: u64,
    /// Distinct active members in it or any department below it.
    pub total_members: u64,
    /// Its active sub-departments (higher `sort_order` first, as WeCom shows them).
    pub children: Vec<DepartmentNode>,
}

/// One department of a member linked to a user, as the ids from the root down.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DepartmentPath {
    /// The directory.
    pub directory: String,
    /// Department ids, root first, the member's department last.
    pub path: Vec<i64>,
}

const LINKED_MEMBERS: &str = "\
    SELECT m.directory, m.userid FROM identities i \
      JOIN contact_directories d ON d.corp_id = i.scope \
      JOIN contact_members m ON m.directory = d.name AND m.userid = i.subject \
     WHERE i.user_id = $1 AND i.kind = 'wecom_user' \
    UNION \
    SELECT m.directory, m.userid FROM identities i \
      JOIN contact_directories d ON d.suite_id = i.scope \
      JOIN contact_members m ON m.directory = d.name AND m.open_userid = i.subject \
     WHERE i.user_id = $1 AND i.kind = 'wecom_open_user'";

impl Store {
    /// Members matching `where_sql` (on `contact_members m`; `$1` must be the directory), with
    /// their departments, by userid; at most `limit` when given. `with` is an optional `WITH …`
    /// clause the condition may use (it prefixes both statements).
    async fn members_where(
        &self,
        with: &str,
        where_sql: &str,
        args: &[Arg],
        limit: Option<usize>,
    ) -> Result<Vec<Member>, StoreError> {
        let limit = limit.map(|n| format!(" LIMIT {n}")).unwrap_or_default();
        let selected = format!("FROM contact_members m WHERE {where_sql} ORDER BY m.userid{limit}");
        let rows: Vec<MemberRow> = self
            .query_rows(&format!("{with}SELECT {MEMBER_COLUMNS} {selected}"), args)
            .await?;
        let mut members = rows
            .into_iter()
            .map(MemberRow::into_member)
            .collect::<Result<Vec<_>, _>>()?;
        if members.is_empty() {
            return Ok(members);
        }
        // The same selection as a semi-join: no list of userids to bind, however many there are.
        let dept_rows: Vec<MemberDepartmentRow> = self
            .query_rows(
                &format!(
                    "{with}SELECT x.userid, x.dept_id, x.is_leader, x.sort_order FROM contact_member_departments x \
                     WHERE x.directory = $1 AND x.userid IN (SELECT m.userid {selected})"
                ),
                args,
            )
            .await?;
        attach_departments(&mut members, dept_rows);
        Ok(members)
    }

    /// Every department of `directory` (active or not), by id.
    pub async fn departments(&self, directory: &str) -> Result<Vec<Department>, StoreError> {
        let rows: Vec<DepartmentRow> = self
            .query_rows(
                &format!("SELECT {DEPARTMENT_COLUMNS} FROM contact_departments WHERE directory = $1 ORDER BY dept_id"),
                &[Arg::from(directory)],
            )
            .await?;
        rows.into_iter().map(Department::try_from).collect()
    }

    /// Department `dept_id` of `directory` (active or not).
    pub async fn department(
        &self,
        directory: &str,
        dept_id: i64,
    ) -> Result<Option<Department>, StoreError> {
        let rows: Vec<DepartmentRow> = self
            .query_rows(
                &format!("SELECT {DEPARTMENT_COLUMNS} FROM contact_departments WHERE directory = $1 AND dept_id = $2"),
                &[Arg::from(directory), Arg::from(dept_id)],
            )
            .await?;
        rows.into_iter()
            .next()
            .map(Department::try_from)
            .transpose()
    }

    /// Every member of `directory` (active or not), by userid.
    pub async fn all_members(&self, directory: &str) -> Result<Vec<Member>, StoreError> {
        self.members_where("", "m.directory = $1", &[Arg::from(directory)], None)
            .await
    }

    /// Member `userid` of `directory` (active or not).
    pub async fn member(
        &self,
        directory: &str,
        userid: &str,
    ) -> Result<Option<Member>, StoreError> {
        Ok(self
            .members_where(
                "",
                "m.directory = $1 AND m.userid = $2",
                &[Arg::from(directory), Arg::from(userid)],
                None,
            )
            .await?
            .into_iter()
            .next())
    }

    /// The member of `directory` with `open_userid` (active or not).
    pub async fn member_by_open_userid(
        &self,
        directory: &str,
        open_userid: &str,
    ) -> Result<Option<Member>, StoreError> {
        Ok(self
            .members_where(
                "",
                "m.directory = $1 AND m.open_userid = $2",
                &[Arg::from(directory), Arg::from(open_userid)],
                None,
            )
            .await?
            .into_iter()
            .next())
    }

    /// Members of `directory` with this mobile number (where the directory knows mobiles).
    pub async fn members_by_mobile(
        &self,
        directory: &str,
        mobile: &str,
    ) -> Result<Vec<Member>, StoreError> {
        self.members_where(
            "",
            "m.directory = $1 AND m.mobile = $2",
            &[Arg::from(directory), Arg::from(mobile)],
            None,
        )
        .await
    }

    /// Members of `directory` with this email or corporate email (case-insensitive for ASCII).
    pub async fn members_by_email(
        &self,
        directory: &str,
        email: &str,
    ) -> Result<Vec<Member>, StoreError> {
        let email = email.to_ascii_lowercase();
        self.members_where(
            "",
            "m.directory = $1 AND (lower(m.email) = $2 OR lower(m.biz_mail) = $2)",
            &[Arg::from(directory), Arg::from(email)],
            None,
        )
        .await
    }

    /// Active members of department `dept_id`, and with `recursive` of every active department
    /// below it, each once, by userid: a page of at most `limit` (all when `None`) whose userids
    /// sort after `after` (from the first when `None`). The next page starts after the last
    /// userid returned; the order is the database's order of the `userid` column.
    pub async fn department_members(
        &self,
        directory: &str,
        dept_id: i64,
        recursive: bool,
        after: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<Member>, StoreError> {
        // The subtree in SQL: no list of department ids to bind for a 5 000-department corp.
        // UNION (not UNION ALL) ends a cycle, should the stored parents ever form one.
        let (with, in_departments) = if recursive {
            (
                "WITH RECURSIVE subtree(id) AS (SELECT $2 UNION SELECT d.dept_id FROM contact_departments d \
                 JOIN subtree ON d.parent_id = subtree.id WHERE d.directory = $1 AND d.active = 1) ",
                "md.dept_id IN (SELECT id FROM subtree)",
            )
        } else {
            ("", "md.dept_id = $2")
        };
        self.members_where(
            with,
            &format!(
                "m.directory = $1 AND m.active = 1 AND m.userid > $3 AND EXISTS (SELECT 1 FROM contact_member_departments md \
                 WHERE md.directory = m.directory AND md.userid = m.userid AND {in_departments})"
            ),
            // Every userid sorts after the empty string.
            &[
                Arg::from(directory),
                Arg::from(dept_id),
                Arg::from(after.unwrap_or("")),
            ],
            limit,
        )
        .await
    }

    /// The active leaders of department `dept_id`: its `department_leader` list and the members
    /// flagged `is_leader_in_dept` there, each once, by userid.
    pub async fn department_leaders(
        &self,
        directory: &str,
        dept_id: i64,
    ) -> Result<Vec<Member>, StoreError> {
        let named = self
            .department(directory, dept_id)
            .await?
            .map(|d| d.leaders)
            .unwrap_or_default();
        let mut args = vec![Arg::from(directory), Arg::from(dept_id)];
        let mut named_clause = String::new();
        if !named.is_empty() {
            let list = (0..named.len())
                .map(|i| format!("${}", i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            named_clause = format!(" OR m.userid IN ({list})");
            args.extend(named.iter().map(Arg::from));
        }
        self.members_where(
            "",
            &format!(
                "m.directory = $1 AND m.active = 1 AND (EXISTS (SELECT 1 FROM contact_member_departments md \
                 WHERE md.directory = m.directory AND md.userid = m.userid AND md.dept_id = $2 AND md.is_leader = 1){named_clause})"
            ),
            &args,
            None,
        )
        .await
    }

    /// The active departments of `directory` as trees (roots: departments whose parent is not an
    /// active department here), with direct and recursive member counts.
    pub async fn department_tree(
        &self,
        directory: &str,
    ) -> Result<Vec<DepartmentNode>, StoreError> {
        let departments: Vec<Department> = self
            .departments(directory)
            .await?
            .into_iter()
            .filter(|d| d.active)
            .collect();
        let memberships: Vec<(String, i64)> = self
            .query_rows(
                "SELECT md.userid, md.dept_id FROM contact_member_departments md \
                 JOIN contact_members m ON m.directory = md.directory AND m.userid = md.userid \
                 WHERE md.directory = $1 AND m.active = 1",
                &[Arg::from(directory)],
            )
            .await?;
        let parent_of: HashMap<i64, i64> = departments
            .iter()
            .map(|d| (d.dept_id, d.parent_id))
            .collect();
        let mut person: HashMap<String, u32> = HashMap::new();
        let mut direct: HashMap<i64, u64> = HashMap::new();
        let mut total: HashMap<i64, HashSet<u32>> = HashMap::new();
        for (userid, dept_id) in memberships {
            let next = u32::try_from(person.len()).unwrap_or(u32::MAX);
            let who = *person.entry(userid).or_insert(next);
            *direct.entry(dept_id).or_default() += 1;
            let mut at = dept_id;
            for _ in 0..64 {
                if !parent_of.contains_key(&at) {
                    break;
                }
                total.entry(at).or_default().insert(who);
                at = parent_of[&at];
            }
        }
        let mut children: BTreeMap<i64, Vec<Department>> = BTreeMap::new();
        let mut roots = Vec::new();
        for d in departments {
            if parent_of.contains_key(&d.parent_id) && d.parent_id != d.dept_id {
                children.entry(d.parent_id).or_default().push(d);
            } else {
                roots.push(d);
            }
        }
        fn build(
            d: Department,
            children: &mut BTreeMap<i64, Vec<Department>>,
            direct: &HashMap<i64, u64>,
            total: &HashMap<i64, HashSet<u32>>,
            depth: usize,
        ) -> DepartmentNode {
            let mut kids = if depth < 64 {
                children.remove(&d.dept_id).unwrap_or_default()
            } else {
                Vec::new()
            };
            kids.sort_by(|a, b| {
                b.sort_order
                    .cmp(&a.sort_order)
                    .then(a.dept_id.cmp(&b.dept_id))
            });
            DepartmentNode {
                direct_members: direct.get(&d.dept_id).copied().unwrap_or(0),
                total_members: total.get(&d.dept_id).map_or(0, |s| s.len() as u64),
                children: kids
                    .into_iter()
                    .map(|k| build(k, children, direct, total, depth + 1))
                    .collect(),
                department: d,
            }
        }
        roots.sort_by(|a, b| {
            b.sort_order
                .cmp(&a.sort_order)
                .then(a.dept_id.cmp(&b.dept_id))
        });
        Ok(roots
            .into_iter()
            .map(|d| build(d, &mut children, &direct, &total, 0))
            .collect())
    }

    /// Every tag of `directory` with what it tags, by id.
    pub async fn tags(&self, directory: &str) -> Result<Vec<Tag>, StoreError> {
        let tags: Vec<(i64, Option<String>)> = self
            .query_rows(
                "SELECT tag_id, name FROM contact_tags WHERE directory = $1 ORDER BY tag_id",
                &[Arg::from(directory)],
            )
            .await?;
        let items: Vec<TagMemberRow> = self
            .query_rows(
                "SELECT tag_id, userid, dept_id FROM contact_tag_members WHERE directory = $1 ORDER BY tag_id, userid, dept_id",
                &[Arg::from(directory)],
            )
            .await?;
        let by_id = assemble_tags(tags, items);
        Ok(by_id.into_values().collect())
    }

    /// Tag `tag_id` of `directory`.
    pub async fn tag(&self, directory: &str, tag_id: i64) -> Result<Option<Tag>, StoreError> {
        Ok(self
            .tags(directory)
            .await?
            .into_iter()
            .find(|t| t.tag_id == tag_id))
    }

    /// The wxgate user linked to member `userid` of `directory` (see the module docs), if any.
    pub async fn member_user(
        &self,
        directory: &str,
        userid: &str,
    ) -> Result<Option<String>, StoreError> {
        let found: Vec<(String,)> = self
            .query_rows(
                "SELECT i.user_id FROM contact_members m \
                   JOIN contact_directories d ON d.name = m.directory \
                   JOIN identities i ON (i.kind = 'wecom_user' AND i.scope = d.corp_id AND i.subject = m.userid) \
                                     OR (i.kind = 'wecom_open_user' AND i.scope = d.suite_id AND i.subject = m.open_userid) \
                  WHERE m.directory = $1 AND m.userid = $2 \
                  ORDER BY CASE WHEN i.kind = 'wecom_user' THEN 0 ELSE 1 END, i.created_at LIMIT 1",
                &[Arg::from(directory), Arg::from(userid)],
            )
            .await?;
        Ok(found.into_iter().next().map(|(id,)| id))
    }

    /// The members (of every directory, active or not) linked to wxgate user `user_id`, by
    /// directory and userid.
    pub async fn user_members(&self, user_id: &str) -> Result<Vec<Member>, StoreError> {
        let keys: Vec<(String, String)> = self
            .query_rows(
                &format!("SELECT directory, userid FROM ({LINKED_MEMBERS}) linked ORDER BY directory, userid"),
                &[Arg::from(user_id)],
            )
            .await?;
        let mut out = Vec::with_capacity(keys.len());
        for (directory, userid) in keys {
            if let Some(m) = self.member(&directory, &userid).await? {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// For every department of every active member linked to `user_id`: the department ids from
    /// the root down to it (a parent missing from the directory ends the walk). Sorted, each once.
    pub async fn member_department_paths(
        &self,
        user_id: &str,
    ) -> Result<Vec<DepartmentPath>, StoreError> {
        let mut out = Vec::new();
        let mut parents: HashMap<(String, i64), Option<i64>> = HashMap::new();
        for m in self.user_members(user_id).await? {
            if !m.active {
                continue;
            }
            for d in &m.departments {
                let mut path = vec![d.dept_id];
                let mut at = d.dept_id;
                for _ in 0..64 {
                    let key = (m.directory.clone(), at);
                    let parent = match parents.get(&key) {
                        Some(p) => *p,
                        None => {
                            let p = self
                                .department(&m.directory, at)
                                .await?
                                .map(|d| d.parent_id)
                                .filter(|p| *p != 0);
                            parents.insert(key, p);
                            p
                        }
                    };
                    match parent {
                        Some(p) if !path.contains(&p) => {
                            path.push(p);
                            at = p;
                        }
                        _ => break,
                    }
                }
                path.reverse();
                out.push(DepartmentPath {
                    directory: m.directory.clone(),
                    path,
                });
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}
