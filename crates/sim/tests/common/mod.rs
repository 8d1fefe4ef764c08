//! Shared test fixture: a small world and a simulator started on a free port, driven over HTTP.
#![allow(dead_code, missing_docs)]

use serde_json::Value;
use wxgate_sim::world::{SimApp, SimCorp, SimMiniProgram, SimOfficialAccount, SimPushFormat};
use wxgate_sim::{SimHandle, SimOptions, World};

pub fn world() -> World {
    let app = |name: &str, agent_id: u32, secret: &str| SimApp::self_built(name, agent_id, secret);
    World {
        corps: vec![
            SimCorp {
                name: "Acme".into(),
                corp_id: "wwacme0000000001".into(),
                apps: vec![
                    app("acme-app", 1000002, "acme-secret"),
                    app("acme-app2", 1000003, "acme-secret-2"),
                    app("acme-app3", 1000004, "acme-secret-3"),
                    app("acme-app4", 1000005, "acme-secret-4"),
                    app("acme-app5", 1000006, "acme-secret-5"),
                    SimApp::contacts("acme-contacts", "acme-contacts-secret"),
                ],
                directory: Default::default(),
            },
            SimCorp {
                name: "Other".into(),
                corp_id: "wwother000000001".into(),
                apps: vec![app("other-app", 1000002, "other-secret")],
                directory: Default::default(),
            },
        ],
        official_accounts: vec![SimOfficialAccount {
            name: "oa".into(),
            app_id: "wxoa000000000001".into(),
            app_secret: "oa-secret".into(),
            token: "oa-token".into(),
            encoding_aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into(),
            open_platform: None,
            trusted_domains: Vec::new(),
        }],
        miniprograms: vec![SimMiniProgram {
            name: "mini".into(),
            app_id: "wxmini00000000001".into(),
            app_secret: "mini-secret".into(),
            token: "mini-token".into(),
            encoding_aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into(),
            open_platform: None,
            format: SimPushFormat::Json,
        }],
        ..World::default()
    }
}

pub const CORP: &str = "wwacme0000000001";
pub const OA: &str = "wxoa000000000001";

/// Frozen clock (tests move it by hand), documented limits, seeded faults.
pub fn options() -> SimOptions {
    SimOptions {
        token_ttl_secs: 7200,
        clock_speed: 0.0,
        rate_limit_factor: 1.0,
        fault_seed: Some(42),
        // 2025-11-20 08:53 in China: far from the natural-day boundary of the day windows.
        start_unix: Some(1_763_600_000),
        ..SimOptions::default()
    }
}

pub struct Sim {
    pub handle: SimHandle,
    pub http: reqwest::Client,
}

impl Sim {
    pub async fn start() -> Self {
        Self::with(options()).await
    }

    pub async fn with(options: SimOptions) -> Self {
        let handle = wxgate_sim::start(world(), options, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("the simulator starts on a free port");
        Self {
            handle,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.handle.base_url)
    }

    pub async fn get(&self, path_and_query: &str) -> Value {
        let response = self
            .http
            .get(self.url(path_and_query))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path_and_query}");
        response.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "POST {path}");
        response.json().await.unwrap()
    }

    pub async fn advance(&self, secs: i64) {
        self.post("/sim/clock/advance", serde_json::json!({ "secs": secs }))
            .await;
    }

    pub async fn wecom_token(&self, secret: &str) -> String {
        let body = self
            .get(&format!(
                "/cgi-bin/gettoken?corpid={CORP}&corpsecret={secret}"
            ))
            .await;
        assert_eq!(body["errcode"], 0, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn mp_token(&self, app_id: &str, secret: &str) -> String {
        let body = self
            .get(&format!(
                "/cgi-bin/token?grant_type=client_credential&appid={app_id}&secret={secret}"
            ))
            .await;
        body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token in {body}"))
            .to_owned()
    }
}

pub fn errcode(body: &Value) -> i64 {
    body["errcode"]
        .as_i64()
        .unwrap_or_else(|| panic!("no errcode in {body}"))
}
