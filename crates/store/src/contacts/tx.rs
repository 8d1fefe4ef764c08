//! One open transaction on either backend, held across calls.
//!
//! [`Store::run_in_tx`] plans every statement first and runs them in one go; a streamed full sync
//! cannot (it never holds the whole directory), so it keeps a [`Tx`] open from its first page to
//! its last and reads the stored rows it compares with inside the same transaction. Dropping a
//! `Tx` without [`Tx::commit`] rolls it back (sqlx sends the `ROLLBACK` when the connection goes
//! back to the pool).

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::contacts::batch::{Arg, Stmt, bind_postgres, bind_sqlite, postgres_query, sqlite_query};
use crate::error::StoreError;
use crate::store::{Pool, Store};

/// An open transaction (SQLite: `BEGIN IMMEDIATE`, so it holds the write lock from the start and
/// concurrent writers queue instead of failing on upgrade).
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tx::Sqlite(_) => "Tx(sqlite)",
            Tx::Postgres(_) => "Tx(postgres)",
        })
    }
}

impl Tx {
    /// Begins a transaction on one of `store`'s connections.
    pub(crate) async fn begin(store: &Store) -> Result<Tx, StoreError> {
        Ok(match store.pool() {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Runs one statement; returns the rows it affected.
    pub(crate) async fn execute(&mut self, stmt: &Stmt) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx) => sqlite_query(stmt)?
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Postgres(tx) => postgres_query(stmt)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    /// Runs `stmts` in order; returns the rows each affected.
    pub(crate) async fn run<I>(&mut self, stmts: I) -> Result<Vec<u64>, StoreError>
    where
        I: IntoIterator<Item = Stmt>,
        I::IntoIter: Send,
    {
        let mut affected = Vec::new();
        for stmt in stmts {
            affected.push(self.execute(&stmt).await?);
        }
        Ok(affected)
    }

    /// The rows of one query with `args` bound in order.
    pub(crate) async fn rows<T>(&mut self, sql: &str, args: &[Arg]) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin,
    {
        let persistent = args.len() <= 64;
        Ok(match self {
            Tx::Sqlite(tx) => {
                bind_sqlite!(
                    sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql)).persistent(persistent),
                    args
                )
                .fetch_all(&mut **tx)
                .await?
            }
            Tx::Postgres(tx) => {
                bind_postgres!(
                    sqlx::query_as::<_, T>(sqlx::AssertSqlSafe(sql)).persistent(persistent),
                    args
                )
                .fetch_all(&mut **tx)
                .await?
            }
        })
    }

    /// Commits.
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
