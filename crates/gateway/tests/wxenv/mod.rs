//! The environment of the JS-SDK, messaging and media tests: one configuration file read by both
//! the simulator (`World::from_config`) and the gateway, on a test database (SQLite or
//! PostgreSQL), with a frozen simulated clock that tests advance together with the gateway's.

#![allow(dead_code, missing_docs)]

use std::time::Duration;

use serde_json::{Value, json};
use wxgate_config::Config;
use wxgate_gateway::{GatewayHandle, GatewayOptions};
use wxgate_sim::{SimHandle, SimOptions, World};

use crate::common::TestDb;

pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";
pub const CORP: &str = "wwacme0000000001";
pub const OA: &str = "wx0a1b2c3d4e5f6a7b";
pub const MINI: &str = "wx1b2c3d4e5f6a7b8c";
pub const SUITE_ID: &str = "wwsuite000000001";
pub const ROBOT_KEY: &str = "693a91f6-7a0c-4bc4-97a0-0ec2e1f4a5aa";

/// What varies between test files.
#[derive(Debug, Clone)]
pub struct Options {
    /// Members generated in the corp's directory.
    pub members: u32,
    /// Departments generated (root included).
    pub departments: u32,
    /// Extra `[server]` keys.
    pub server: String,
    /// Extra keys of the `acme-app` section (e.g. `cors_origins`).
    pub app: String,
    /// `rate_limit_factor` of the simulator.
    pub rate_limit_factor: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            members: 60,
            departments: 8,
            server: String::new(),
            app: String::new(),
            rate_limit_factor: 1.0,
        }
    }
}

pub fn config_text(db_url: &str, sim_url: &str, options: &Options) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1:1"
admin_keys = ["{ADMIN_KEY}"]
{server}

[storage]
url = "{db_url}"

[upstream]
wecom = "{sim_url}"
wechat = "{sim_url}"
wecom_open = "{sim_url}"

[[robots]]
name = "ops"
key = "{ROBOT_KEY}"

[[wecom]]
name = "acme"
corp_id = "{CORP}"
  [[wecom.apps]]
  name = "acme-app"
  agent_id = 1000002
  secret = "acme-app-secret-0123456789"
  trusted_domains = ["app.example.com", "127.0.0.1", "mp.weixin.qq.com"]
  jsapi_list = ["scanQRCode", "chooseImage"]
  {app}
  [[wecom.apps]]
  name = "acme-app2"
  agent_id = 1000003
  secret = "acme-app2-secret-0123456789"
  [wecom.contacts]
  name = "acme-contacts"
  secret = "acme-contacts-secret-0123456789"

[[suites]]
name = "crm"
suite_id = "{SUITE_ID}"
suite_secret = "crm-suite-secret-0123456789"
token = "hJ4kW8sQ2m"
encoding_aes_key = "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD"
trusted_domains = ["crm.provider.example"]
jsapi_list = ["selectEnterpriseContact"]

[[wechat.official_accounts]]
name = "news"
app_id = "{OA}"
app_secret = "news-app-secret-0123456789"
trusted_domains = ["news.example.com", "mp.weixin.qq.com"]
jsapi_list = ["updateAppMessageShareData"]

[[wechat.miniprograms]]
name = "shop"
app_id = "{MINI}"
app_secret = "shop-app-secret-0123456789"

[[sim.corps]]
corp = "acme"
members = {members}
departments = {departments}
seed = 7
"#,
        server = options.server,
        app = options.app,
        members = options.members,
        departments = options.departments,
    )
}

/// A simulator and a gateway on one configuration.
pub struct Env {
    pub sim: SimHandle,
    pub gw: GatewayHandle,
    pub http: reqwest::Client,
}

impl Env {
    pub async fn start(db: &TestDb, options: Options) -> Env {
        Env::start_on(db, options, 0).await
    }

    /// Like [`Env::start`], with the gateway on 127.0.0.1:`port`.
    pub async fn start_on(db: &TestDb, options: Options, port: u16) -> Env {
        let world = World::from_config(
            &Config::from_toml_str(
                &config_text(&db.url, "http://127.0.0.1:1", &options),
                |_| None,
            )
            .expect("test configuration"),
        );
        let sim = wxgate_sim::start(
            world,
            SimOptions {
                token_ttl_secs: 7200,
                clock_speed: 0.0,
                rate_limit_factor: options.rate_limit_factor,
                fault_seed: Some(42),
                start_unix: Some(1_763_600_000),
                ..SimOptions::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .expect("simulator");
        let config =
            Config::from_toml_str(&config_text(&db.url, &sim.base_url, &options), |_| None)
                .expect("test configuration");
        let gw = wxgate_gateway::start(
            config,
            GatewayOptions {
                secrets: db.secrets(),
                listen: Some(format!("127.0.0.1:{port}").parse().unwrap()),
            },
        )
        .await
        .expect("gateway");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let env = Env { sim, gw, http };
        env.sim_control("robots", json!({ "key": ROBOT_KEY })).await;
        env
    }

    pub async fn stop(self) {
        self.gw.shutdown().await.unwrap();
        self.sim.shutdown().await.unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gw.base_url)
    }

    async fn answer(response: reqwest::Response) -> (u16, Value) {
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// `POST` with the admin key.
    pub async fn admin_post(&self, path: &str, body: Value) -> (u16, Value) {
        Self::answer(
            self.http
                .post(self.url(path))
                .bearer_auth(ADMIN_KEY)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// `POST` with the admin key and an `Idempotency-Key`.
    pub async fn admin_post_once(&self, path: &str, key: &str, body: Value) -> (u16, Value) {
        Self::answer(
            self.http
                .post(self.url(path))
                .bearer_auth(ADMIN_KEY)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// `GET` with the admin key.
    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        Self::answer(
            self.http
                .get(self.url(path))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// `POST` without the admin key, as a browser on `origin` (if any) would.
    pub async fn public_post(
        &self,
        path: &str,
        origin: Option<&str>,
        body: Value,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut request = self.http.post(self.url(path)).json(&body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        let headers = response.headers().clone();
        let (status, body) = Self::answer(response).await;
        (status, body, headers)
    }

    pub async fn sim_control(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/sim/{path}", self.sim.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "/sim/{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn sim_get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/sim/{path}", self.sim.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Calls the simulator received on `path`.
    pub async fn calls(&self, path: &str) -> u64 {
        self.sim_get("stats").await["calls_by_path"][path]
            .as_u64()
            .unwrap_or(0)
    }

    /// Moves both clocks forward.
    pub async fn advance(&self, secs: i64) {
        self.sim_control("clock/advance", json!({ "secs": secs }))
            .await;
        self.gw.gateway.tokens.clock().advance(secs);
    }

    /// Every message the simulator accepted.
    pub async fn sim_messages(&self) -> Vec<Value> {
        self.sim_get("messages").await["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The corp's userids, in directory order.
    pub fn userids(&self) -> Vec<String> {
        let dir = self
            .sim
            .state
            .directories
            .get(CORP)
            .expect("corp directory");
        let dir = dir.read().unwrap();
        dir.members().map(|m| m.userid.clone()).collect()
    }

    /// The corp's department ids.
    pub fn department_ids(&self) -> Vec<u32> {
        let dir = self
            .sim
            .state
            .directories
            .get(CORP)
            .expect("corp directory");
        let dir = dir.read().unwrap();
        dir.departments().map(|d| d.id).collect()
    }

    /// Creates a tag holding `members`; returns its id.
    pub fn create_tag(&self, name: &str, members: &[String]) -> u32 {
        let dir = self
            .sim
            .state
            .directories
            .get(CORP)
            .expect("corp directory");
        let mut dir = dir.write().unwrap();
        let id = dir.create_tag(name, None).expect("tag");
        dir.add_tag_members(id, members, &[]).expect("tag members");
        id
    }

    /// Installs suite `crm` in a new simulated corp and returns that corp's id.
    pub async fn install_suite(&self, corp_name: &str) -> String {
        let ticket = self
            .sim_control(&format!("suites/{SUITE_ID}/ticket"), json!({}))
            .await;
        self.gw
            .gateway
            .store
            .put_suite_ticket(SUITE_ID, ticket["suite_ticket"].as_str().unwrap(), 1)
            .await
            .unwrap();
        let (status, body) = self
            .admin_post(
                "/api/v1/suites/crm/install-url",
                json!({"redirect_uri": self.url("/suites/crm/installed"), "state": "s"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let page = self
            .http
            .get(format!(
                "{}&sim_new_corp={corp_name}",
                body["url"].as_str().unwrap()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 302);
        let location = page.headers()["location"].to_str().unwrap().to_owned();
        let done = self.http.get(&location).send().await.unwrap();
        assert!(done.status().is_success(), "{}", done.status());
        let store = &self.gw.gateway.store;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(corp) = store
                .list_auth_corps(SUITE_ID)
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.corp_name == corp_name)
            {
                return corp.corp_id;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "suite not installed"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
