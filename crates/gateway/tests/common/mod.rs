//! Shared helpers of the gateway's end-to-end tests: isolated databases (the store crate's own
//! helper: a temporary SQLite file, or a fresh PostgreSQL schema) and gateways started on them.

#![allow(dead_code, missing_docs)]

#[path = "../../../store/tests/common/mod.rs"]
pub mod db;

pub use db::TestDb;
#[allow(unused_imports)] // used by the store's `on_both_backends!` in some test binaries
pub use db::run;

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

use serde_json::{Value, json};
use wxgate_sim::world::{SimApp, SimCorp, SimOfficialAccount, SimSuite};
use wxgate_sim::{SimHandle, SimOptions, World};

pub const CORP: &str = "wwacme0000000001";
pub const OA: &str = "wxoa00000000000001";
pub const SUITE_ID: &str = "wwsuite000000001";

impl TestDb {
    /// The master key of this database's stores.
    pub fn secrets(&self) -> SecretBox {
        SecretBox::from_base64(&self.key).expect("test key")
    }
}

/// The simulated world: corp Acme with two apps and a contacts secret, one official account.
pub fn world() -> World {
    World {
        corps: vec![SimCorp {
            name: "Acme".into(),
            corp_id: CORP.into(),
            apps: vec![
                SimApp::self_built("acme-app", 1000002, "acme-secret"),
                SimApp::self_built("acme-app2", 1000003, "acme-secret-2"),
                SimApp::contacts("acme-contacts", "acme-contacts-secret"),
            ],
            directory: Default::default(),
        }],
        official_accounts: vec![SimOfficialAccount {
            name: "oa".into(),
            app_id: OA.into(),
            app_secret: "oa-secret".into(),
            token: "oa-token".into(),
            encoding_aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into(),
            open_platform: None,
            trusted_domains: Vec::new(),
        }],
        suites: vec![SimSuite {
            name: "crm".into(),
            suite_id: SUITE_ID.into(),
            suite_secret: "crm-suite-secret".into(),
            token: "hJ4kW8sQ2m".into(),
            encoding_aes_key: "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD".into(),
            provider_corp_id: None,
            provider_secret: None,
            trusted_domains: Vec::new(),
        }],
        ..World::default()
    }
}

/// Frozen clock, documented limits (scaled by `rate_limit_factor`), seeded faults.
pub fn sim_options(rate_limit_factor: f64) -> SimOptions {
    SimOptions {
        token_ttl_secs: 7200,
        clock_speed: 0.0,
        rate_limit_factor,
        fault_seed: Some(42),
        start_unix: Some(1_763_600_000),
        ..SimOptions::default()
    }
}

/// The simulator, driven over its control API.
pub struct Sim {
    pub handle: SimHandle,
    pub http: reqwest::Client,
}

impl Sim {
    pub async fn start() -> Sim {
        Sim::with(sim_options(1.0)).await
    }

    pub async fn with(options: SimOptions) -> Sim {
        let handle = wxgate_sim::start(world(), options, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("start simulator");
        Sim {
            handle,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self) -> &str {
        &self.handle.base_url
    }

    pub async fn stats(&self) -> Value {
        self.http
            .get(format!("{}/sim/stats", self.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Calls the simulator received on `path` (failed ones included).
    pub async fn calls(&self, path: &str) -> u64 {
        self.stats().await["calls_by_path"][path]
            .as_u64()
            .unwrap_or(0)
    }

    pub async fn control(&self, path: &str, body: Value) {
        let res = self
            .http
            .post(format!("{}/sim/{path}", self.url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "/sim/{path}: {}", res.status());
    }

    pub async fn advance(&self, secs: i64) {
        self.control("clock/advance", json!({ "secs": secs })).await;
    }
}

/// The gateway configuration for `db_url` against the simulator at `sim_url`.
pub fn config_toml(db_url: &str, sim_url: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
admin_keys = ["{ADMIN_KEY}"]

[storage]
url = "{db_url}"

[upstream]
wecom = "{sim_url}"
wechat = "{sim_url}"

[[wecom]]
name = "acme"
corp_id = "{CORP}"
  [[wecom.apps]]
  name = "acme-app"
  agent_id = 1000002
  secret = "acme-secret"
  [[wecom.apps]]
  name = "acme-app2"
  agent_id = 1000003
  secret = "acme-secret-2"
  [wecom.contacts]
  name = "acme-contacts"
  secret = "acme-contacts-secret"

[[suites]]
name = "crm"
suite_id = "{SUITE_ID}"
suite_secret = "crm-suite-secret"
token = "hJ4kW8sQ2m"
encoding_aes_key = "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD"

[[wechat.official_accounts]]
name = "oa"
app_id = "{OA}"
app_secret = "oa-secret"
"#
    )
}

/// A gateway on `db` against `sim`, on a free port.
pub async fn start_gateway(db: &TestDb, sim: &Sim) -> GatewayHandle {
    let config = Config::from_toml_str(&config_toml(&db.url, sim.url()), |_| None)
        .expect("test config loads");
    wxgate_gateway::start(
        config,
        GatewayOptions {
            secrets: db.secrets(),
            listen: Some("127.0.0.1:0".parse().unwrap()),
        },
    )
    .await
    .expect("start gateway")
}

/// An HTTP client for the gateway's admin API.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()
                .unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// Starts a gateway for `config` (its `[storage] url` already set) on a free port.
pub async fn start_gateway_with(config: Config) -> GatewayHandle {
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
macro_rules! cases_on_both_backends {
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

/// Polls `check` every 20 ms until it returns true; panics after `secs` seconds.
pub async fn wait_until<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if check().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {secs} s waiting for: {what}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
