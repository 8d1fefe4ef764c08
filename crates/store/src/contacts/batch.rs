//! Writes planned as plain statements, then run in one transaction on either backend.
//!
//! The contacts appliers read what is stored, decide in Rust what changes, and hand the result
//! here as a list of [`Stmt`]s: SQL with `$n` placeholders and the values to bind. Multi-row
//! `INSERT … VALUES` statements are chunked below both backends' bind limits, so a 100 000-member
//! directory is written in a few hundred round trips, not 100 000.

use crate::backend::on_pool;
use crate::error::StoreError;
use crate::store::Store;

/// Most values bound to one statement (SQLite allows 32 766, PostgreSQL 65 535).
const MAX_BINDS: usize = 30_000;

/// Most `$n` values in one SQLite statement. sqlx-sqlite resolves every named parameter by name
/// (SQLite scans its parameter list per lookup), so binding `$n` costs n² per statement; the
/// multi-row inserts therefore use anonymous `?` on SQLite (linear), and `$n` lists stay short.
const MAX_NAMED_BINDS_SQLITE: usize = 500;

/// How statements are cut and numbered for one backend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batching {
    /// `?` placeholders (SQLite) instead of `$n` (PostgreSQL) in multi-row inserts.
    positional: bool,
    /// Most values in one `IN ($k, …)` statement.
    max_list: usize,
}

impl Batching {
    /// How many keys fit one `IN (…)` list next to `fixed` other values.
    pub(crate) fn list_len(self, fixed: usize) -> usize {
        self.max_list.saturating_sub(fixed).max(1)
    }

    /// PostgreSQL's way (also the default of unit tests).
    pub(crate) const POSTGRES: Batching = Batching {
        positional: false,
        max_list: MAX_BINDS,
    };
    /// SQLite's way.
    pub(crate) const SQLITE: Batching = Batching {
        positional: true,
        max_list: MAX_NAMED_BINDS_SQLITE,
    };
}

/// One value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_owned()))
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}

impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        Arg::Text(v.clone())
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Int(Some(i64::from(v)))
    }
}

/// One statement and its values.
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    pub(crate) sql: String,
    pub(crate) args: Vec<Arg>,
}

impl Stmt {
    pub(crate) fn new(sql: impl Into<String>, args: Vec<Arg>) -> Stmt {
        Stmt {
            sql: sql.into(),
            args,
        }
    }
}

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` columns (`(?, ?), (?, ?)` if `positional`).
fn placeholders(rows: usize, cols: usize, positional: bool) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            if positional {
                out.push('?');
            } else {
                out.push('$');
                out.push_str(&(r * cols + c + 1).to_string());
            }
        }
        out.push(')');
    }
    out
}

/// `INSERT INTO {head} VALUES (…), (…) {tail}` statements for `items` (each turned into `cols`
/// values by `row`), chunked below the bind limit. Lazy: one chunk's values exist at a time.
pub(crate) fn multi_insert<'a, T, F>(
    batching: Batching,
    head: &'a str,
    tail: &'a str,
    cols: usize,
    items: &'a [T],
    row: F,
) -> impl Iterator<Item = Stmt> + Send + 'a
where
    T: Sync,
    F: Fn(&T) -> Vec<Arg> + Send + 'a,
{
    let per_chunk = (MAX_BINDS / cols).max(1);
    items.chunks(per_chunk).map(move |chunk| {
        let sql = format!(
            "INSERT INTO {head} VALUES {} {tail}",
            placeholders(chunk.len(), cols, batching.positional)
        );
        Stmt::new(sql, chunk.iter().flat_map(&row).collect())
    })
}

/// `{head} IN ($k, …) {tail}` statements over `keys`, chunked; `fixed` are bound first as
/// `$1..$k-1` (e.g. the directory).
pub(crate) fn in_list(
    batching: Batching,
    head: &str,
    fixed: Vec<Arg>,
    keys: Vec<Arg>,
) -> Vec<Stmt> {
    let per_chunk = batching.list_len(fixed.len());
    let mut out = Vec::new();
    let mut keys = keys.into_iter().peekable();
    while keys.peek().is_some() {
        let chunk: Vec<Arg> = keys.by_ref().take(per_chunk).collect();
        let list = (0..chunk.len())
            .map(|i| format!("${}", fixed.len() + i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let mut args = fixed.clone();
        args.extend(chunk);
        out.push(Stmt::new(format!("{head} IN ({list})"), args));
    }
    out
}

impl Store {
    /// How this store's backend wants statements cut.
    pub(crate) fn batching(&self) -> Batching {
        if self.is_postgres() {
            Batching::POSTGRES
        } else {
            Batching::SQLITE
        }
    }

    /// Runs `stmts` in order in one transaction (SQLite: `BEGIN IMMEDIATE`, so concurrent
    /// writers queue instead of failing on upgrade). Returns the rows each affected.
    pub(crate) async fn run_in_tx<I>(&self, stmts: I) -> Result<Vec<u64>, StoreError>
    where
        I: IntoIterator<Item = Stmt>,
        I::IntoIter: Send,
    {
        let mut stmts = stmts.into_iter().peekable();
        if stmts.peek().is_none() {
            return Ok(Vec::new());
        }
        let is_pg = self.is_postgres();
        let mut affected = Vec::new();
        on_pool!(self, pool => {
            let mut tx = if is_pg { pool.begin().await? } else { pool.begin_with("BEGIN IMMEDIATE").await? };
            for stmt in stmts.by_ref() {
                // Bulk statements are one-offs: do not fill the prepared-statement cache with them.
                let mut q = sqlx::query(sqlx::AssertSqlSafe(stmt.sql.as_str()))
                    .persistent(stmt.args.len() <= 64);
                for arg in &stmt.args {
                    q = match arg {
                        Arg::Text(v) => q.bind(v.as_deref()),
                        Arg::Int(v) => q.bind(*v),
                    };
                }
                affected.push(q.execute(&mut *tx).await?.rows_affected());
            }
            tx.commit().await?;
        });
        Ok(affected)
    }
}

impl Store {
    /// The rows of one query with `args` bound in order, on either backend.
    pub(crate) async fn query_rows<T>(&self, sql: &str, args: &[Arg]) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        Ok(on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql))
                .persistent(args.len() <= 64);
            for arg in args {
                q = match arg {
                    Arg::Text(v) => q.bind(v.as_deref()),
                    Arg::Int(v) => q.bind(*v),
                };
            }
            q.fetch_all(pool).await?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(placeholders(2, 3, false), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(2, 2, true), "(?, ?), (?, ?)");
    }

    #[test]
    fn inserts_are_chunked_below_the_bind_limit() {
        let items: Vec<i64> = (0..25_000).collect();
        let stmts: Vec<Stmt> = multi_insert(Batching::POSTGRES, "t (a, b)", "", 2, &items, |i| {
            vec![Arg::from(*i), Arg::from("x")]
        })
        .collect();
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[0].args.len(), 30_000);
        assert_eq!(stmts[1].args.len(), 20_000);
        assert!(stmts[1].sql.ends_with("($19999, $20000) "));
    }

    #[test]
    fn in_lists_bind_the_fixed_values_first() {
        let stmts = in_list(
            Batching::POSTGRES,
            "DELETE FROM t WHERE d = $1 AND k",
            vec![Arg::from("dir")],
            vec![Arg::from("a"), Arg::from("b")],
        );
        assert_eq!(stmts.len(), 1);
        assert_eq!(stmts[0].sql, "DELETE FROM t WHERE d = $1 AND k IN ($2, $3)");
    }
}
