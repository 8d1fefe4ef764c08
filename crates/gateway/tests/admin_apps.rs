//! Run-time app management over real HTTP, on SQLite and PostgreSQL: the file's apps are seeded
//! and listed, apps added through `PUT /api/v1/apps/{name}` verify callbacks at once, bad bodies
//! get the configuration file's messages, secrets never leave the database unsealed, API apps
//! survive a restart, and a second gateway on the same database follows within seconds.

mod common;

mod cases {
    use std::sync::Arc;
    use std::time::Duration;

    use reqwest::{Method, StatusCode};
    use serde_json::{Value, json};
    use wxgate_gateway::GatewayHandle;
    use wxgate_protocol::callback::{CallbackCrypto, MsgSignatureParam};
    use wxgate_protocol::crypto::KeySlot;

    use crate::common::{self, ADMIN_KEY, TestDb};

    const FILE_APPS: &str = r#"
[[webhooks]]
name = "backend"
url = "http://127.0.0.1:9/events"
secret = "file-webhook-secret-0123456789"

[[wecom]]
name = "acme"
corp_id = "ww1234567890abcdef"

  [[wecom.apps]]
  name = "acme-oa"
  agent_id = 1000002
  secret = "FILE-APP-SECRET-mHFwUbbYrEqmSM9wCZ7Uw9xfogo"
  token = "FileToken42"
  encoding_aes_key = "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ"

[[wechat.official_accounts]]
name = "news"
app_id = "wx0123456789abcdef"
app_secret = "FILE-OA-SECRET-0123456789abcdef"
"#;

    /// Secrets of the API-added app; none may appear in any response or raw column.
    const API_SECRET: &str = "API-APP-SECRET-Xz9w3QlY7Zkuvqdt7s8Stqcbnr3";
    const API_TOKEN: &str = "ApiToken9Q";
    const API_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    const API_CORP: &str = "wwfedcba0987654321";

    fn crm_body() -> Value {
        json!({
            "kind": "wecom_app",
            "corp_id": API_CORP,
            "agent_id": 1000005,
            "secret": API_SECRET,
            "token": API_TOKEN,
            "encoding_aes_key": API_KEY,
            "trusted_domains": ["crm.example.test"],
        })
    }

    /// An admin API client that remembers every body it received.
    struct Api {
        http: reqwest::Client,
        base: String,
        seen: Vec<String>,
    }

    impl Api {
        fn new(gw: &GatewayHandle) -> Api {
            Api {
                http: reqwest::Client::new(),
                base: gw.base_url.clone(),
                seen: Vec::new(),
            }
        }

        async fn call(
            &mut self,
            method: Method,
            path: &str,
            body: Option<&str>,
        ) -> (StatusCode, Value) {
            let mut req = self
                .http
                .request(method, format!("{}{path}", self.base))
                .bearer_auth(ADMIN_KEY);
            if let Some(body) = body {
                req = req
                    .header("content-type", "application/json")
                    .body(body.to_owned());
            }
            let res = req.send().await.expect("request");
            let status = res.status();
            let text = res.text().await.unwrap();
            self.seen.push(text.clone());
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        }

        async fn get(&mut self, path: &str) -> (StatusCode, Value) {
            self.call(Method::GET, path, None).await
        }

        async fn put(&mut self, path: &str, body: &Value) -> (StatusCode, Value) {
            self.call(Method::PUT, path, Some(&body.to_string())).await
        }

        async fn delete(&mut self, path: &str) -> (StatusCode, Value) {
            self.call(Method::DELETE, path, None).await
        }

        fn assert_no_secret_seen(&self) {
            for body in &self.seen {
                for secret in [
                    API_SECRET,
                    API_TOKEN,
                    API_KEY,
                    "FILE-APP-SECRET",
                    "FileToken42",
                    "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ",
                    "FILE-OA-SECRET",
                    "file-webhook-secret",
                    ADMIN_KEY,
                ] {
                    assert!(!body.contains(secret), "a response shows a secret: {body}");
                }
            }
        }
    }

    fn names(list: &Value) -> Vec<String> {
        list["apps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// A URL check as WeCom sends it, built with the protocol crate, verified by the registry's
    /// entry for `name`: the echo comes back only if the app's Token, key and corp id are live.
    fn url_check(gw: &GatewayHandle, name: &str) -> Result<String, String> {
        let platform = CallbackCrypto::single(API_TOKEN, API_KEY, API_CORP).unwrap();
        let echo = "echo-6158301929";
        let sealed = platform.seal(echo, "1700000000", "nonce42", KeySlot::Current, &[7u8; 16]);
        let entry = gw
            .gateway
            .registry
            .get(name)
            .ok_or_else(|| format!("`{name}` is not in the registry"))?;
        let crypto = entry
            .callback
            .as_ref()
            .and_then(|c| c.crypto.as_ref())
            .ok_or("no callback crypto")?;
        crypto
            .verify_url(
                MsgSignatureParam(&sealed.msg_signature.to_hex()),
                "1700000000",
                "nonce42",
                &sealed.encrypt,
            )
            .map(|payload| payload.message)
            .map_err(|e| e.to_string())
    }

    pub async fn seeded_apps_are_listed_and_the_admin_key_is_required(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, FILE_APPS)).await;
        let http = reqwest::Client::new();
        for path in [
            "/api/v1/apps",
            "/api/v1/apps/acme-oa",
            "/api/v1/config",
            "/api/v1/overview",
        ] {
            let res = http
                .get(format!("{}{path}", gw.base_url))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "{path} without a key");
            let res = http
                .get(format!("{}{path}", gw.base_url))
                .bearer_auth("wrong-key-0123456789abcdef0")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 401, "{path} with a wrong key");
        }
        let res = http
            .put(format!("{}/api/v1/apps/crm", gw.base_url))
            .body(crm_body().to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);

        let mut api = Api::new(&gw);
        let (status, list) = api.get("/api/v1/apps").await;
        assert_eq!(status, 200);
        assert_eq!(names(&list), ["acme-oa", "news"]);
        let oa = &list["apps"][0];
        assert_eq!(oa["kind"], "wecom_app");
        assert_eq!(oa["source"], "file");
        assert_eq!(oa["corp_id"], "ww1234567890abcdef");
        assert_eq!(oa["agent_id"], 1000002);
        assert_eq!(oa["callbacks_configured"], true);
        assert_eq!(
            oa["callback_url"],
            "https://wx.example.test/callback/acme-oa"
        );
        assert_eq!(list["apps"][1]["callbacks_configured"], false);
        assert_eq!(list["apps"][1]["app_id"], "wx0123456789abcdef");

        let (status, one) = api.get("/api/v1/apps/acme-oa").await;
        assert_eq!(status, 200);
        assert_eq!(
            one["secrets_set"],
            json!(["secret", "token", "encoding_aes_key"])
        );
        assert_eq!(one["config"]["agent_id"], 1000002);
        let (status, missing) = api.get("/api/v1/apps/nope").await;
        assert_eq!(status, 404);
        assert_eq!(missing["error"]["code"], "unknown_app");

        let (status, config) = api.get("/api/v1/config").await;
        assert_eq!(status, 200);
        assert_eq!(config["webhooks"][0]["secret"], "**redacted**");
        assert_eq!(config["apps"][0]["secret"], "**redacted**");
        assert_eq!(config["apps"][0]["source"], "file");
        let (status, overview) = api.get("/api/v1/overview").await;
        assert_eq!(status, 200);
        assert_eq!(overview["apps"]["total"], 2);
        assert_eq!(overview["apps"]["by_kind"]["wecom_app"], 1);
        assert_eq!(overview["webhooks"], 1);
        assert_eq!(
            overview["storage"],
            if db.is_postgres() {
                "postgres"
            } else {
                "sqlite"
            }
        );
        api.assert_no_secret_seen();
        gw.shutdown().await.unwrap();
    }

    pub async fn an_api_app_verifies_callbacks_at_once_and_its_secrets_are_sealed(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, FILE_APPS)).await;
        let mut api = Api::new(&gw);
        assert!(url_check(&gw, "crm").is_err());

        let (status, created) = api.put("/api/v1/apps/crm", &crm_body()).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["source"], "api");
        assert_eq!(
            created["callback_url"],
            "https://wx.example.test/callback/crm"
        );
        assert_eq!(
            created["config"]["trusted_domains"],
            json!(["crm.example.test"])
        );
        assert_eq!(url_check(&gw, "crm").unwrap(), "echo-6158301929");

        let (_, list) = api.get("/api/v1/apps").await;
        assert_eq!(names(&list), ["acme-oa", "crm", "news"]);

        // Replacing: a new Token takes effect at once (the old one no longer verifies).
        let mut body = crm_body();
        body["token"] = json!("OtherToken7");
        let (status, _) = api.put("/api/v1/apps/crm", &body).await;
        assert_eq!(status, 200);
        assert!(url_check(&gw, "crm").is_err());
        let (status, _) = api.put("/api/v1/apps/crm", &crm_body()).await;
        assert_eq!(status, 200);
        assert_eq!(url_check(&gw, "crm").unwrap(), "echo-6158301929");

        // In the database: no secret in clear, in any column.
        for column in [
            db.raw_texts("SELECT secrets FROM apps").await,
            db.raw_texts("SELECT config FROM apps").await,
        ] {
            assert_eq!(column.len(), 3);
            for text in column.into_iter().flatten() {
                for secret in [
                    API_SECRET,
                    API_TOKEN,
                    API_KEY,
                    "FILE-APP-SECRET",
                    "FileToken42",
                ] {
                    assert!(!text.contains(secret), "stored in clear: {text}");
                }
            }
        }
        let (_, config) = api.get("/api/v1/config").await;
        let crm = config["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "crm")
            .unwrap();
        assert_eq!(crm["token"], "**redacted**");
        assert_eq!(crm["source"], "api");
        api.assert_no_secret_seen();
        gw.shutdown().await.unwrap();
    }

    pub async fn invalid_bodies_get_the_configuration_messages(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, FILE_APPS)).await;
        let mut api = Api::new(&gw);

        let mut bad_key = crm_body();
        bad_key["encoding_aes_key"] = json!(format!("{API_KEY}="));
        let (status, e) = api.put("/api/v1/apps/crm", &bad_key).await;
        assert_eq!(status, 400, "{e}");
        assert_eq!(e["error"]["code"], "invalid_app");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("encoding_aes_key: EncodingAESKey must be exactly 43 characters")
                && msg.contains("drop the trailing `=`"),
            "{msg}"
        );

        let (status, e) = api
            .put(
                "/api/v1/apps/crm",
                &json!({"kind": "wecom_bot", "secret": "x"}),
            )
            .await;
        assert_eq!(status, 400);
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("unknown kind `wecom_bot`")
        );

        let mut unknown = crm_body();
        unknown["agentid"] = json!(5);
        let (status, e) = api.put("/api/v1/apps/crm", &unknown).await;
        assert_eq!(status, 400);
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("unknown field `agentid`"),
            "{e}"
        );

        let mut bad_name = crm_body();
        bad_name["name"] = json!("other");
        let (status, _) = api.put("/api/v1/apps/crm", &bad_name).await;
        assert_eq!(status, 400);
        let (status, e) = api.put("/api/v1/apps/Bad%20Name", &crm_body()).await;
        assert_eq!(status, 400);
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("is not a valid name")
        );
        let (status, _) = api
            .call(Method::PUT, "/api/v1/apps/crm", Some("{not json"))
            .await;
        assert_eq!(status, 400);

        // Names are shared with the file's apps, corps and webhooks.
        let (status, e) = api.put("/api/v1/apps/acme-oa", &crm_body()).await;
        assert_eq!(status, 409);
        assert_eq!(e["error"]["code"], "file_app");
        for taken in ["acme", "backend"] {
            let (status, e) = api.put(&format!("/api/v1/apps/{taken}"), &crm_body()).await;
            assert_eq!(status, 409, "{taken}");
            assert_eq!(e["error"]["code"], "name_taken");
        }
        // And ids with every other app.
        let (status, e) = api
            .put(
                "/api/v1/apps/news2",
                &json!({"kind": "official_account", "app_id": "wx0123456789abcdef", "app_secret": "s3cr3t-value"}),
            )
            .await;
        assert_eq!(status, 409);
        assert_eq!(e["error"]["code"], "id_taken");

        let (_, list) = api.get("/api/v1/apps").await;
        assert_eq!(names(&list), ["acme-oa", "news"]);
        api.assert_no_secret_seen();
        gw.shutdown().await.unwrap();
    }

    pub async fn deleting(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, FILE_APPS)).await;
        let mut api = Api::new(&gw);
        assert_eq!(api.put("/api/v1/apps/crm", &crm_body()).await.0, 201);
        let (status, _) = api.delete("/api/v1/apps/crm").await;
        assert_eq!(status, 204);
        assert!(gw.gateway.registry.get("crm").is_none());
        assert_eq!(api.get("/api/v1/apps/crm").await.0, 404);
        assert_eq!(api.delete("/api/v1/apps/crm").await.0, 404);
        let (status, e) = api.delete("/api/v1/apps/acme-oa").await;
        assert_eq!(status, 409);
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("remove it there"),
            "{e}"
        );
        assert!(gw.gateway.registry.get("acme-oa").is_some());
        gw.shutdown().await.unwrap();
    }

    pub async fn a_restart_keeps_api_apps_and_the_file_stays_authoritative(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, FILE_APPS)).await;
        let mut api = Api::new(&gw);
        assert_eq!(api.put("/api/v1/apps/crm", &crm_body()).await.0, 201);
        gw.shutdown().await.unwrap();

        // The file loses `news` and gains `crm`: the file's `crm` replaces the API's.
        let without_news = FILE_APPS
            .split("[[wechat.official_accounts]]")
            .next()
            .unwrap();
        let gw = common::start(&db, common::config(&db, without_news)).await;
        let mut api = Api::new(&gw);
        let (_, list) = api.get("/api/v1/apps").await;
        assert_eq!(names(&list), ["acme-oa", "crm"]);
        assert_eq!(list["apps"][1]["source"], "api");
        assert_eq!(url_check(&gw, "crm").unwrap(), "echo-6158301929");
        assert!(gw.gateway.registry.get("news").is_none());
        gw.shutdown().await.unwrap();

        let with_crm = format!(
            "{without_news}\n[[wechat.websites]]\nname = \"crm\"\napp_id = \"wx9999999999abcdef\"\napp_secret = \"site-secret-value\"\n"
        );
        let gw = common::start(&db, common::config(&db, &with_crm)).await;
        let mut api = Api::new(&gw);
        let (_, one) = api.get("/api/v1/apps/crm").await;
        assert_eq!(one["source"], "file");
        assert_eq!(one["kind"], "website");
        assert!(url_check(&gw, "crm").is_err());
        gw.shutdown().await.unwrap();
    }

    pub async fn a_second_gateway_follows_within_seconds(db: Arc<TestDb>) {
        let a = common::start(&db, common::config(&db, FILE_APPS)).await;
        let b = common::start(&db, common::config(&db, FILE_APPS)).await;
        let mut api = Api::new(&a);
        assert_eq!(api.put("/api/v1/apps/crm", &crm_body()).await.0, 201);
        let mut waited = Duration::ZERO;
        while url_check(&b, "crm").is_err() {
            assert!(
                waited < Duration::from_secs(10),
                "B never saw the app added on A"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        }
        assert_eq!(url_check(&b, "crm").unwrap(), "echo-6158301929");
        let mut api_b = Api::new(&b);
        let (_, list) = api_b.get("/api/v1/apps").await;
        assert_eq!(names(&list), ["acme-oa", "crm", "news"]);

        assert_eq!(api.delete("/api/v1/apps/crm").await.0, 204);
        let mut waited = Duration::ZERO;
        while b.gateway.registry.get("crm").is_some() {
            assert!(
                waited < Duration::from_secs(10),
                "B never dropped the app removed on A"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += Duration::from_millis(100);
        }
        a.shutdown().await.unwrap();
        b.shutdown().await.unwrap();
    }
}

gateway_on_both_backends!(
    seeded_apps_are_listed_and_the_admin_key_is_required,
    an_api_app_verifies_callbacks_at_once_and_its_secrets_are_sealed,
    invalid_bodies_get_the_configuration_messages,
    deleting,
    a_restart_keeps_api_apps_and_the_file_stays_authoritative,
    a_second_gateway_follows_within_seconds,
);
