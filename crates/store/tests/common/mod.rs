//! Test databases: a temporary SQLite file, or a fresh schema on the test PostgreSQL server.
//! The same test cases run against both.

#![allow(dead_code)]

use sqlx::{PgPool, SqlitePool};
use wxgate_store::{SecretBox, Store};

/// The test PostgreSQL server (`WXGATE_TEST_POSTGRES_URL`).
pub fn postgres_url() -> String {
    std::env::var("WXGATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Direct access to the database, to look at raw rows.
pub enum Raw {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One isolated database for one test.
pub struct TestDb {
    /// The URL a `Store` connects with (for PostgreSQL it pins `search_path` to the schema).
    pub url: String,
    pub key: String,
    schema: Option<String>,
    raw: Raw,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
        let (_, key) = SecretBox::generate();
        let db = TestDb {
            url: url.clone(),
            key,
            schema: None,
            raw: Raw::Sqlite(SqlitePool::connect_lazy(&url).expect("sqlite url")),
            _dir: Some(dir),
        };
        db.store().await; // creates the file and migrates
        db
    }

    /// Panics (fails the test) if PostgreSQL is unreachable: these tests must not silently skip.
    pub async fn postgres() -> TestDb {
        let base = postgres_url();
        // A direct connection reports the real cause (a pool only says "timed out").
        if let Err(err) = <sqlx::PgConnection as sqlx::Connection>::connect(&base).await {
            panic!(
                "PostgreSQL at {base} is unreachable ({err}); start it or point WXGATE_TEST_POSTGRES_URL at a server where the user may CREATE SCHEMA"
            )
        }
        let admin = PgPool::connect(&base).await.unwrap_or_else(|err| {
            panic!(
                "PostgreSQL at {base} is unreachable ({err}); start it or point WXGATE_TEST_POSTGRES_URL at a server where the user may CREATE SCHEMA"
            )
        });
        let schema = format!("t_{}", hex_id());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("create test schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        admin.close().await;
        let (_, key) = SecretBox::generate();
        let db = TestDb {
            url: url.clone(),
            key,
            schema: Some(schema),
            raw: Raw::Postgres(PgPool::connect(&url).await.expect("connect to test schema")),
            _dir: None,
        };
        db.store().await;
        db
    }

    /// A new `Store` (its own pool) on this database, migrated, with the test's master key.
    pub async fn store(&self) -> Store {
        self.store_with_key(&self.key).await
    }

    /// A new `Store` with another master key.
    pub async fn store_with_key(&self, key: &str) -> Store {
        let store = Store::connect(&self.url, SecretBox::from_base64(key).unwrap())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        store
    }

    pub fn is_postgres(&self) -> bool {
        self.schema.is_some()
    }

    /// The first column (TEXT) of every row of `sql`.
    pub async fn raw_texts(&self, sql: &'static str) -> Vec<Option<String>> {
        match &self.raw {
            Raw::Sqlite(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
            Raw::Postgres(pool) => sqlx::query_scalar(sql).fetch_all(pool).await.unwrap(),
        }
    }

    /// Runs one statement directly (to break or mend the schema under a test).
    pub async fn raw_exec(&self, sql: &'static str) {
        match &self.raw {
            Raw::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop).unwrap(),
            Raw::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop).unwrap(),
        }
    }

    /// The first column (BIGINT) of the one row of `sql`.
    pub async fn raw_i64(&self, sql: &'static str) -> i64 {
        match &self.raw {
            Raw::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
            Raw::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        }
    }

    pub async fn cleanup(&self) {
        match &self.raw {
            Raw::Sqlite(pool) => pool.close().await,
            Raw::Postgres(pool) => {
                if let Some(schema) = &self.schema {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP SCHEMA IF EXISTS {schema} CASCADE"
                    )))
                    .execute(pool)
                    .await;
                }
                pool.close().await;
            }
        }
    }
}

fn hex_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Runs a case against a fresh database, drops it afterwards even if the case panicked.
pub async fn run<F, Fut>(db: TestDb, case: F)
where
    F: FnOnce(std::sync::Arc<TestDb>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let db = std::sync::Arc::new(db);
    let result = tokio::spawn(case(db.clone())).await;
    db.cleanup().await;
    if let Err(err) = result {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// Generates `sqlite::NAME` and `postgres::NAME` tests from `cases::NAME(Arc<TestDb>)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run($crate::common::TestDb::sqlite().await, $crate::cases::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::run($crate::common::TestDb::postgres().await, $crate::cases::$name).await;
                }
            )*
        }
    };
}
