//! Writes planned as plain statements, then run in one transaction on either backend.
//!
//! The contacts appliers read what is stored, decide in Rust what changes, and hand the result
//! here as a list of [`Stmt`]s: SQL with placeholders and the values to bind. Bulk writes take
//! each backend's fast path: on SQLite multi-row `INSERT … VALUES (?, …), …` chunked below the
//! bind limit, on PostgreSQL `INSERT … SELECT * FROM UNNEST($1::text[], $2::int8[], …)` with one
//! array per column (a constant statement text, prepared once, however many rows) and
//! `… = ANY($k)` instead of long `IN` lists. A 100 000-member directory is written in a few
//! hundred round trips, not 100 000.

use sqlx::postgres::{PgArguments, Postgres};
use sqlx::sqlite::{Sqlite, SqliteArguments};

use crate::contacts::tx::Tx;
use crate::error::StoreError;
use crate::store::{Pool, Store};

/// Most values bound to one statement (SQLite allows 32 766, PostgreSQL 65 535).
const MAX_BINDS: usize = 30_000;

/// Most rows in one PostgreSQL `UNNEST` insert (its arrays are one parameter each, so the bind
/// limit does not apply; a whole page of a streamed full sync goes in one round trip).
const MAX_UNNEST_ROWS: usize = 5_000;

/// Most `$n` values in one SQLite statement. sqlx-sqlite resolves every named parameter by name
/// (SQLite scans its parameter list per lookup), so binding `$n` costs n² per statement; the
/// multi-row inserts therefore use anonymous `?` on SQLite (linear), and `$n` lists stay short.
const MAX_NAMED_BINDS_SQLITE: usize = 500;

/// How statements are cut and numbered for one backend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Batching {
    /// `?` placeholders (SQLite) instead of `$n` (PostgreSQL) in multi-row inserts.
    positional: bool,
    /// Array parameters (PostgreSQL): `UNNEST` inserts and `= ANY($k)` lists.
    arrays: bool,
    /// Most values in one `IN ($k, …)` statement.
    max_list: usize,
}

impl Batching {
    /// How many keys fit one `IN (…)` list next to `fixed` other values.
    pub(crate) fn list_len(self, fixed: usize) -> usize {
        self.max_list.saturating_sub(fixed).max(1)
    }

    /// Whether this backend takes array parameters (PostgreSQL).
    pub(crate) fn arrays(self) -> bool {
        self.arrays
    }

    /// PostgreSQL's way.
    pub(crate) const POSTGRES: Batching = Batching {
        positional: false,
        arrays: true,
        max_list: MAX_BINDS,
    };
    /// SQLite's way.
    pub(crate) const SQLITE: Batching = Batching {
        positional: true,
        arrays: false,
        max_list: MAX_NAMED_BINDS_SQLITE,
    };
}

/// One value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    /// A `text[]` (PostgreSQL only).
    Texts(Vec<Option<String>>),
    /// An `int8[]` (PostgreSQL only).
    Ints(Vec<Option<i64>>),
}

impl Arg {
    /// One array of `values` when they are all texts or all integers (`values` back otherwise).
    fn array_of(values: Vec<Arg>) -> Result<Arg, Vec<Arg>> {
        if !values.is_empty() && values.iter().all(|v| matches!(v, Arg::Int(_))) {
            Ok(Arg::Ints(
                values
                    .into_iter()
                    .filter_map(|v| match v {
                        Arg::Int(v) => Some(v),
                        _ => None,
                    })
                    .collect(),
            ))
        } else if values.iter().all(|v| matches!(v, Arg::Text(_))) {
            Ok(Arg::Texts(
                values
                    .into_iter()
                    .filter_map(|v| match v {
                        Arg::Text(v) => Some(v),
                        _ => None,
                    })
                    .collect(),
            ))
        } else {
            Err(values)
        }
    }

    /// The PostgreSQL array type of a column of these values.
    fn pg_array_type(&self) -> Option<&'static str> {
        match self {
            Arg::Text(_) => Some("text[]"),
            Arg::Int(_) => Some("int8[]"),
            Arg::Texts(_) | Arg::Ints(_) => None,
        }
    }
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

/// `INSERT INTO {head} … {tail}` statements for `items` (each turned into `cols` values by
/// `row`). Lazy: one chunk's values exist at a time. SQLite gets `VALUES (?, …), …` chunked
/// below the bind limit; PostgreSQL `SELECT * FROM UNNEST($1::text[], …)`, one array per
/// column, [`MAX_UNNEST_ROWS`] rows per statement.
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
    let per_chunk = if batching.arrays {
        MAX_UNNEST_ROWS
    } else {
        (MAX_BINDS / cols).max(1)
    };
    items.chunks(per_chunk).flat_map(move |chunk| {
        if batching.arrays
            && let Some(stmt) = unnest_insert(head, tail, cols, chunk.iter().map(&row))
        {
            return vec![stmt];
        }
        chunk
            .chunks((MAX_BINDS / cols).max(1))
            .map(|part| {
                Stmt::new(
                    format!(
                        "INSERT INTO {head} VALUES {} {tail}",
                        placeholders(part.len(), cols, batching.positional)
                    ),
                    part.iter().flat_map(&row).collect(),
                )
            })
            .collect()
    })
}

/// `INSERT INTO {head} SELECT * FROM UNNEST($1::text[], …) {tail}`: the rows turned into one
/// array per column, typed by the first row. `None` when there are no rows or a column mixes
/// texts and integers (the caller then writes `VALUES`).
fn unnest_insert(
    head: &str,
    tail: &str,
    cols: usize,
    mut rows: impl Iterator<Item = Vec<Arg>>,
) -> Option<Stmt> {
    let first = rows.next()?;
    if first.len() != cols {
        return None;
    }
    let types: Vec<&str> = first
        .iter()
        .map(Arg::pg_array_type)
        .collect::<Option<_>>()?;
    let mut columns: Vec<Vec<Arg>> = first.into_iter().map(|a| vec![a]).collect();
    for r in rows {
        if r.len() != cols {
            return None;
        }
        for (column, value) in columns.iter_mut().zip(r) {
            column.push(value);
        }
    }
    let args = columns
        .into_iter()
        .map(|c| Arg::array_of(c).ok())
        .collect::<Option<Vec<_>>>()?;
    let list = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("${}::{t}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    Some(Stmt::new(
        format!("INSERT INTO {head} SELECT * FROM UNNEST({list}) {tail}"),
        args,
    ))
}

/// `{head} IN ($k, …)` statements over `keys`, chunked; `fixed` are bound first as
/// `$1..$k-1` (e.g. the directory). On PostgreSQL one `{head} = ANY($k)` with the keys as one
/// array (when they are all texts or all integers).
pub(crate) fn in_list(
    batching: Batching,
    head: &str,
    fixed: Vec<Arg>,
    keys: Vec<Arg>,
) -> Vec<Stmt> {
    if keys.is_empty() {
        return Vec::new();
    }
    let keys = if batching.arrays {
        match Arg::array_of(keys) {
            Ok(array) => {
                let k = fixed.len() + 1;
                let mut args = fixed;
                args.push(array);
                return vec![Stmt::new(format!("{head} = ANY(${k})"), args)];
            }
            Err(keys) => keys,
        }
    } else {
        keys
    };
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

/// Binds `args` in order to a SQLite query (`q` is a `Query` or `QueryAs`); an array is a bug
/// (they are only planned for PostgreSQL) and returns an error from the enclosing function.
macro_rules! bind_sqlite {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                $crate::contacts::batch::Arg::Text(v) => q.bind(v.as_deref()),
                $crate::contacts::batch::Arg::Int(v) => q.bind(*v),
                $crate::contacts::batch::Arg::Texts(_) | $crate::contacts::batch::Arg::Ints(_) => {
                    return Err($crate::error::StoreError::Conflict(
                        "an array parameter was planned for SQLite (a wxgate bug; please report it)"
                            .into(),
                    ));
                }
            };
        }
        q
    }};
}

/// Binds `args` in order to a PostgreSQL query (`q` is a `Query` or `QueryAs`).
macro_rules! bind_postgres {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for arg in $args {
            q = match arg {
                $crate::contacts::batch::Arg::Text(v) => q.bind(v.as_deref()),
                $crate::contacts::batch::Arg::Int(v) => q.bind(*v),
                $crate::contacts::batch::Arg::Texts(v) => q.bind(v.as_slice()),
                $crate::contacts::batch::Arg::Ints(v) => q.bind(v.as_slice()),
            };
        }
        q
    }};
}

pub(crate) use {bind_postgres, bind_sqlite};

/// A SQLite statement with its values bound. Bulk statements are one-offs: they stay out of the
/// prepared-statement cache.
pub(crate) fn sqlite_query(
    stmt: &Stmt,
) -> Result<sqlx::query::Query<'_, Sqlite, SqliteArguments>, StoreError> {
    Ok(bind_sqlite!(
        sqlx::query(sqlx::AssertSqlSafe(stmt.sql.as_str())).persistent(stmt.args.len() <= 64),
        &stmt.args
    ))
}

/// A PostgreSQL statement with its values bound (array statements have few parameters and a
/// constant text, so they are prepared once and cached).
pub(crate) fn postgres_query(stmt: &Stmt) -> sqlx::query::Query<'_, Postgres, PgArguments> {
    bind_postgres!(
        sqlx::query(sqlx::AssertSqlSafe(stmt.sql.as_str())).persistent(stmt.args.len() <= 64),
        &stmt.args
    )
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
        let mut tx = Tx::begin(self).await?;
        let affected = tx.run(stmts).await?;
        tx.commit().await?;
        Ok(affected)
    }

    /// The rows of one query with `args` bound in order, on either backend.
    pub(crate) async fn query_rows<T>(&self, sql: &str, args: &[Arg]) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + Send
            + Unpin,
    {
        let persistent = args.len() <= 64;
        Ok(match self.pool() {
            Pool::Sqlite(pool) => {
                bind_sqlite!(
                    sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql)).persistent(persistent),
                    args
                )
                .fetch_all(pool)
                .await?
            }
            Pool::Postgres(pool) => {
                bind_postgres!(
                    sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql)).persistent(persistent),
                    args
                )
                .fetch_all(pool)
                .await?
            }
        })
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
    fn sqlite_inserts_are_chunked_below_the_bind_limit() {
        let items: Vec<i64> = (0..25_000).collect();
        let stmts: Vec<Stmt> = multi_insert(Batching::SQLITE, "t (a, b)", "", 2, &items, |i| {
            vec![Arg::from(*i), Arg::from("x")]
        })
        .collect();
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[0].args.len(), 30_000);
        assert_eq!(stmts[1].args.len(), 20_000);
        assert!(
            stmts[1]
                .sql
                .starts_with("INSERT INTO t (a, b) VALUES (?, ?), ")
        );
        assert!(stmts[1].sql.ends_with("(?, ?) "));
    }

    #[test]
    fn postgres_inserts_bind_one_array_per_column() {
        let items: Vec<i64> = (0..12_000).collect();
        let stmts: Vec<Stmt> = multi_insert(
            Batching::POSTGRES,
            "t (a, b, c)",
            "ON CONFLICT DO NOTHING",
            3,
            &items,
            |i| {
                vec![
                    Arg::from(*i),
                    Arg::from(format!("x{i}")),
                    Arg::from(None::<i64>),
                ]
            },
        )
        .collect();
        assert_eq!(stmts.len(), 3, "5 000 rows per statement");
        assert_eq!(
            stmts[0].sql,
            "INSERT INTO t (a, b, c) SELECT * FROM UNNEST($1::int8[], $2::text[], $3::int8[]) ON CONFLICT DO NOTHING"
        );
        assert_eq!(stmts[0].sql, stmts[2].sql, "one text, prepared once");
        match &stmts[2].args[..] {
            [Arg::Ints(a), Arg::Texts(b), Arg::Ints(c)] => {
                assert_eq!(a.len(), 2_000);
                assert_eq!(a[0], Some(10_000));
                assert_eq!(b[1_999].as_deref(), Some("x11999"));
                assert!(c.iter().all(Option::is_none));
            }
            other => panic!("not three arrays: {other:?}"),
        }
    }

    #[test]
    fn a_column_mixing_types_falls_back_to_values() {
        let items = [1_i64, 2];
        let stmts: Vec<Stmt> = multi_insert(Batching::POSTGRES, "t (a)", "", 1, &items, |i| {
            vec![if *i == 1 {
                Arg::from(*i)
            } else {
                Arg::from("two")
            }]
        })
        .collect();
        assert_eq!(stmts[0].sql, "INSERT INTO t (a) VALUES ($1), ($2) ");
        // A fallback chunk is cut below the bind limit like SQLite's.
        let items: Vec<i64> = (0..5_000).collect();
        let stmts: Vec<Stmt> = multi_insert(
            Batching::POSTGRES,
            "t (a, b, c, d, e, f, g, h, i, j)",
            "",
            10,
            &items,
            |i| {
                let mut row = vec![Arg::from(*i); 9];
                row.push(if i % 2 == 0 {
                    Arg::from(*i)
                } else {
                    Arg::from("odd")
                });
                row
            },
        )
        .collect();
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[0].args.len() + stmts[1].args.len(), 50_000);
        assert!(stmts.iter().all(|s| s.args.len() <= MAX_BINDS));
    }

    #[test]
    fn in_lists_bind_the_fixed_values_first() {
        let stmts = in_list(
            Batching::SQLITE,
            "DELETE FROM t WHERE d = $1 AND k",
            vec![Arg::from("dir")],
            vec![Arg::from("a"), Arg::from("b")],
        );
        assert_eq!(stmts.len(), 1);
        assert_eq!(stmts[0].sql, "DELETE FROM t WHERE d = $1 AND k IN ($2, $3)");
        let keys: Vec<Arg> = (0..2_000).map(Arg::from).collect();
        assert_eq!(
            in_list(
                Batching::SQLITE,
                "DELETE FROM t WHERE d = $1 AND k",
                vec![Arg::from("dir")],
                keys
            )
            .len(),
            5,
            "499 keys per SQLite statement"
        );
    }

    #[test]
    fn postgres_in_lists_are_one_array() {
        let keys: Vec<Arg> = (0..50_000).map(Arg::from).collect();
        let stmts = in_list(
            Batching::POSTGRES,
            "UPDATE t SET x = $1 WHERE d = $2 AND k",
            vec![Arg::from(1), Arg::from("dir")],
            keys,
        );
        assert_eq!(stmts.len(), 1);
        assert_eq!(
            stmts[0].sql,
            "UPDATE t SET x = $1 WHERE d = $2 AND k = ANY($3)"
        );
        assert!(matches!(&stmts[0].args[2], Arg::Ints(k) if k.len() == 50_000));
        assert!(in_list(Batching::POSTGRES, "DELETE FROM t WHERE k", vec![], vec![]).is_empty());
    }
}
