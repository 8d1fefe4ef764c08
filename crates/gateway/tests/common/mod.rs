//! Shared helpers of the gateway's end-to-end tests: isolated databases (the store crate's own
//! helper: a temporary SQLite file, or a fresh PostgreSQL schema) and gateways started on them.

#![allow(dead_code)]

#[path = "../../../store/tests/common/mod.rs"]
pub mod db;

pub use db::TestDb;

use std::net::SocketAddr;

use wxgate_config::Config;
use wxgate_gateway::{GatewayHandle, GatewayOptions};
use wxgate_store::SecretBox;

/// The admin key of every test configuration.
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";

/// Loads `toml` (no environment) with `[storage] url` pointing at `db` and the test admin key.
pub fn config(db: &TestDb, toml: &str) -> Config {
    let text = format!(
        "[server]\nadmin_keys = [\"{ADMIN_KEY}\"]\npublic_url = \"https://wx.example.test\"\n\n[storage]\nurl = \"{}\"\n\n{toml}",
        db.url
    );
    Config::from_toml_str(&text, |_| None).expect("test configuration is valid")
}

/// Starts a gateway for `config` on 127.0.0.1:0 with the database's master key.
pub async fn start(db: &TestDb, config: Config) -> GatewayHandle {
    let listen: SocketAddr = "127.0.0.1:0".parse().unwrap();
    wxgate_gateway::start(
        config,
        GatewayOptions {
            secrets: SecretBox::from_base64(&db.key).unwrap(),
            listen: Some(listen),
        },
    )
    .await
    .expect("gateway starts")
}

/// Runs `case` on a fresh SQLite database and on a fresh PostgreSQL schema.
#[macro_export]
macro_rules! gateway_on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::db::run($crate::common::TestDb::sqlite().await, $crate::cases::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::common::db::run($crate::common::TestDb::postgres().await, $crate::cases::$name).await;
                }
            )*
        }
    };
}
