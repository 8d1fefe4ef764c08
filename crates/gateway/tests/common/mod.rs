//! Shared end-to-end fixtures: an isolated database (SQLite in a temp dir, or a fresh schema on
//! the test PostgreSQL server), the simulator in-process, and a gateway configured against both.
#![allow(dead_code, missing_docs)]

use serde_json::{Value, json};
use wxgate_config::Config;
use wxgate_gateway::{GatewayHandle, GatewayOptions};
use wxgate_sim::world::{SimApp, SimCorp, SimOfficialAccount, SimSuite};
use wxgate_sim::{SimHandle, SimOptions, World};
use wxgate_store::{SecretBox, Store};

pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";
pub const CORP: &str = "wwacme0000000001";
pub const OA: &str = "wxoa00000000000001";
pub const SUITE_ID: &str = "wwsuite000000001";

/// The test PostgreSQL server (`WXGATE_TEST_POSTGRES_URL`).
pub fn postgres_url() -> String {
    std::env::var("WXGATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// One isolated database.
pub struct TestDb {
    pub url: String,
    pub key: String,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
        let (_, key) = SecretBox::generate();
        TestDb {
            url,
            key,
            schema: None,
            _dir: Some(dir),
        }
    }

    /// A fresh schema; panics (fails the test) if PostgreSQL is unreachable.
    pub async fn postgres() -> TestDb {
        let base = postgres_url();
        let admin = sqlx::PgPool::connect(&base).await.unwrap_or_else(|err| {
            panic!(
                "PostgreSQL at {base} is unreachable ({err}); start it or point WXGATE_TEST_POSTGRES_URL at a server where the user may CREATE SCHEMA"
            )
        });
        let schema = format!("t_{:032x}", rand::random::<u128>());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("create test schema");
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let (_, key) = SecretBox::generate();
        TestDb {
            url,
            key,
            schema: Some(schema),
            _dir: None,
        }
    }

    pub fn secrets(&self) -> SecretBox {
        SecretBox::from_base64(&self.key).expect("test key")
    }

    /// A store on this database (migrated).
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url, self.secrets())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        store
    }

    pub async fn cleanup(&self) {
        if let Some(schema) = &self.schema
            && let Ok(pool) = sqlx::PgPool::connect(&postgres_url()).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(&pool)
            .await;
            pool.close().await;
        }
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
