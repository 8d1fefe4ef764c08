//! Shared helpers of the gateway's end-to-end tests: isolated databases (the store's own test
//! helper, so SQLite and PostgreSQL runs are isolated the same way), starting a gateway on
//! 127.0.0.1:0, and polling until a condition holds.

#![allow(dead_code)]

#[path = "../../../store/tests/common/mod.rs"]
mod db;

pub use db::{TestDb, run};

use std::future::Future;
use std::time::Duration;

use wxgate_config::Config;
use wxgate_gateway::{GatewayHandle, GatewayOptions};
use wxgate_store::SecretBox;

/// The admin key every test gateway accepts.
pub const ADMIN_KEY: &str = "admin-key-0123456789abcdef";

/// A configuration on `db` with the admin key, plus `extra` TOML (e.g. `[[webhooks]]`).
pub fn config(db: &TestDb, extra: &str) -> Config {
    let text = format!(
        "[server]\nadmin_keys = [\"{ADMIN_KEY}\"]\n\n[storage]\nurl = \"{}\"\n\n{extra}",
        db.url
    );
    Config::from_toml_str(&text, |_| None).expect("test configuration is valid")
}

/// Starts a gateway for `config` on 127.0.0.1:0 with the database's master key.
pub async fn start_gateway(db: &TestDb, config: Config) -> GatewayHandle {
    wxgate_gateway::start(
        config,
        GatewayOptions {
            secrets: SecretBox::from_base64(&db.key).expect("test master key"),
            listen: Some("127.0.0.1:0".parse().unwrap()),
        },
    )
    .await
    .expect("gateway starts")
}

/// Polls `check` every 20 ms until it returns true; panics after `secs` seconds.
pub async fn wait_until<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if check().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {secs} s waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
