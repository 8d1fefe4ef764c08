//! Shared gateway test fixtures: an isolated database (SQLite temp file or a fresh PostgreSQL
//! schema), a configuration built around it, and a gateway started on a free port.
#![allow(dead_code, missing_docs)]

use sqlx::PgPool;
use wxgate_config::Config;
use wxgate_gateway::{GatewayHandle, GatewayOptions};
use wxgate_store::SecretBox;

/// The test PostgreSQL server (`WXGATE_TEST_POSTGRES_URL`).
pub fn postgres_url() -> String {
    std::env::var("WXGATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// One isolated database for one test.
pub struct TestDb {
    /// The storage URL for `[storage] url`.
    pub url: String,
    schema: Option<(String, PgPool)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
        TestDb {
            url,
            schema: None,
            _dir: Some(dir),
        }
    }

    /// Panics (fails the test) if PostgreSQL is unreachable: these tests must not silently skip.
    pub async fn postgres() -> TestDb {
        let base = postgres_url();
        let admin = PgPool::connect(&base).await.unwrap_or_else(|err| {
            panic!(
                "PostgreSQL at {base} is unreachable ({err}); start it or point WXGATE_TEST_POSTGRES_URL at a server where the user may CREATE SCHEMA"
            )
        });
        let schema = format!("t_{:032x}", rand::random::<u128>());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("create test schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        TestDb {
            url,
            schema: Some((schema, admin)),
            _dir: None,
        }
    }

    pub async fn cleanup(&self) {
        if let Some((schema, admin)) = &self.schema {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(admin)
            .await;
            admin.close().await;
        }
    }
}

/// Starts a gateway for `config` (its `[storage] url` already set) on a free port.
pub async fn start_gateway(config: Config) -> GatewayHandle {
    let (secrets, _) = SecretBox::generate();
    wxgate_gateway::start(
        config,
        GatewayOptions {
            secrets,
            listen: Some("127.0.0.1:0".parse().unwrap()),
        },
    )
    .await
    .expect("gateway starts")
}

/// Runs `case` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident => $case:ident;)*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::common::TestDb::sqlite().await;
                    super::$case(&db).await;
                    db.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::common::TestDb::postgres().await;
                    super::$case(&db).await;
                    db.cleanup().await;
                }
            )*
        }
    };
}
