//! Running one query text on whichever pool the store holds.
//!
//! `on_pool!(store, pool => body)` expands `body` once per backend with `pool` bound to the
//! concrete `SqlitePool` or `PgPool`, so each method is written once and sqlx's generic
//! `query`/`query_as` pick the right driver (and its prepared-statement cache).

/// Expands `$body` for each backend with `$pool` bound to that backend's pool.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store.pool() {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}

pub(crate) use on_pool;
