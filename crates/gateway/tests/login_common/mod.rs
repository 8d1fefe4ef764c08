//! What the browser-login tests share: one configuration (a WeCom corp with two apps, a suite
//! with its provider, an official account and a website on one open platform), the simulator
//! built from it, a gateway on it, and a scripted browser that follows redirects by hand
//! (`public_url` is `http://wx.example.test`; the browser maps it to the gateway's real address,
//! like DNS would) with its own cookie jar and User-Agent.

#![allow(dead_code, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE, USER_AGENT};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;
use wxgate_config::Config;
use wxgate_gateway::suite::lifecycle::handle_instruction;
use wxgate_gateway::{Gateway, GatewayHandle, GatewayOptions};
use wxgate_protocol::message::{SuiteEvent, parse_suite};
use wxgate_sim::push::PushJob;
use wxgate_sim::{SimHandle, SimOptions, World};

use crate::common::{ADMIN_KEY, TestDb};

pub const PUBLIC: &str = "http://wx.example.test";
pub const CORP: &str = "wwacme0000000001";
pub const SUITE_ID: &str = "wwsuite000000001";
pub const PROVIDER: &str = "wwprovider000001";
pub const OA: &str = "wx0a00000000000001";
pub const WEB: &str = "wx0b00000000000001";

pub const WECOM_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh";
pub const WECHAT_UA: &str = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) NetType/WIFI Language/zh_CN";
pub const DESKTOP_UA: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";

/// The configuration, `extra` appended (a `[login]` section by default).
pub fn config(db_url: &str, sim_url: &str, login: &str) -> Config {
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_url = "{PUBLIC}"
admin_keys = ["{ADMIN_KEY}"]

[storage]
url = "{db_url}"

[upstream]
wecom = "{sim_url}"
wechat = "{sim_url}"
wecom_open = "{sim_url}"
wechat_open = "{sim_url}"
wecom_login = "{sim_url}"

[[wecom]]
name = "acme"
corp_id = "{CORP}"
  [[wecom.apps]]
  name = "acme-oa"
  agent_id = 1000002
  secret = "acme-oa-secret"
  trusted_domains = ["wx.example.test"]
  [[wecom.apps]]
  name = "acme-hr"
  agent_id = 1000003
  secret = "acme-hr-secret"
  trusted_domains = ["wx.example.test"]
  [wecom.contacts]
  name = "acme-contacts"
  secret = "acme-contacts-secret"

[[suites]]
name = "crm"
suite_id = "{SUITE_ID}"
suite_secret = "crm-suite-secret"
token = "hJ4kW8sQ2m"
encoding_aes_key = "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD"
provider_corp_id = "{PROVIDER}"
provider_secret = "crm-provider-secret"
trusted_domains = ["wx.example.test"]

[[wechat.official_accounts]]
name = "news"
app_id = "{OA}"
app_secret = "news-app-secret"
trusted_domains = ["wx.example.test"]
open_platform = "acme-open"

[[wechat.websites]]
name = "portal"
app_id = "{WEB}"
app_secret = "portal-app-secret"
open_platform = "acme-open"

[sim]
[[sim.corps]]
corp = "acme"
members = 20
departments = 4
seed = 7

[[sim.apps]]
app = "acme-hr"
created_after_privacy_rules = true
visible_users = ["u-zhang", "u-wang"]

{login}
"#
    );
    Config::from_toml_str(&text, |_| None).expect("test configuration loads")
}

/// The default `[login]` section of the tests.
pub const LOGIN: &str = r#"
[login]
wecom = "acme-oa"
wechat = "news"
desktop = "portal"
return_to_origins = ["https://app.example.test"]
rate_limit_per_minute = 0

[login.apps.acme-hr]
scope = "snsapi_privateinfo"
non_members = "guest"

[login.apps.news]
scope = "snsapi_base"

[login.apps.crm]
scope = "snsapi_privateinfo"
"#;

/// A simulator and a gateway for one test.
pub struct Env {
    pub db: Arc<TestDb>,
    pub sim: SimHandle,
    pub gateway: GatewayHandle,
    pub pushes: UnboundedReceiver<PushJob>,
    pub http: reqwest::Client,
}

impl Env {
    /// Starts both with the default `[login]`.
    pub async fn start(db: Arc<TestDb>) -> Env {
        Env::with_login(db, LOGIN).await
    }

    /// Starts both with `login` as the `[login]` section.
    pub async fn with_login(db: Arc<TestDb>, login: &str) -> Env {
        let world = World::from_config(&config(&db.url, "http://127.0.0.1:1", login));
        let sim = wxgate_sim::start(
            world,
            SimOptions {
                deliver_callbacks: false,
                clock_speed: 0.0,
                start_unix: Some(1_763_600_000),
                ..SimOptions::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .expect("simulator starts");
        let pushes = sim.state.pusher.take_queue().expect("push queue");
        let gateway = wxgate_gateway::start(
            config(&db.url, &sim.base_url, login),
            GatewayOptions {
                secrets: db.secrets(),
                listen: Some("127.0.0.1:0".parse().unwrap()),
            },
        )
        .await
        .expect("gateway starts");
        let env = Env {
            db,
            sim,
            gateway,
            pushes,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        };
        for (userid, name, mobile) in [
            ("u-zhang", "张三", "13800000001"),
            ("u-li", "李四", "13800000002"),
            ("u-wang", "王五", "13800000003"),
        ] {
            env.sim_control(
                reqwest::Method::POST,
                &format!("directory/{CORP}/users"),
                json!({"userid": userid, "name": name, "department": [1], "mobile": mobile,
                       "email": format!("{userid}@acme.test"), "avatar": format!("https://wework.qpic.cn/{userid}/0"), "gender": "1"}),
            )
            .await;
        }
        env
    }

    pub fn g(&self) -> &Gateway {
        &self.gateway.gateway
    }

    /// A new browser with its own cookies.
    pub fn browser(&self, user_agent: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap(),
            user_agent: user_agent.to_owned(),
            gateway: self.gateway.base_url.clone(),
            sim: self.sim.base_url.clone(),
        }
    }

    /// Calls the simulator's control API; panics unless it succeeds.
    pub async fn sim_control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let res = self
            .http
            .request(method, format!("{}/sim/{path}", self.sim.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let value: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "/sim/{path}: {status} {value}");
        value
    }

    /// A login code minted by the simulator's control API (stand-in for a page the test
    /// cannot reach, e.g. a disabled member WeCom itself would refuse).
    pub async fn mint_code(&self, body: Value) -> String {
        self.sim_control(reqwest::Method::POST, "identity/codes", body)
            .await["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The event types in the outbox, in order.
    pub async fn event_types(&self) -> Vec<(String, Value)> {
        self.g()
            .store
            .events_after(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.stored_data().clone(), e.event_type))
            .map(|(data, event_type)| (event_type, data))
            .collect()
    }

    /// Delivers the simulator's pushes to the suite lifecycle until one with `info_type` was
    /// handled (suite tickets are persisted), like the callback endpoint does.
    pub async fn pump(&mut self, info_type: &str) {
        let gateway = self.gateway.gateway.clone();
        let suite = gateway.registry.get("crm").unwrap();
        loop {
            let job = tokio::time::timeout(Duration::from_secs(10), self.pushes.recv())
                .await
                .unwrap_or_else(|_| panic!("no {info_type} pushed within 10 s"))
                .expect("push queue open");
            let Ok(event) = parse_suite(&job.plaintext) else {
                continue;
            };
            match &event {
                SuiteEvent::SuiteTicket { suite_ticket, .. } => {
                    gateway
                        .store
                        .put_suite_ticket(SUITE_ID, suite_ticket.expose(), now_ms())
                        .await
                        .unwrap();
                }
                other => handle_instruction(&gateway, &suite, other).await.unwrap(),
            }
            if event.info_type() == info_type {
                return;
            }
        }
    }

    /// Installs the suite `crm` in corp Acme with `visible_users` as its visible range.
    pub async fn install_suite(&mut self, visible_users: &str) {
        let has_ticket = self
            .g()
            .store
            .get_suite_ticket(SUITE_ID)
            .await
            .unwrap()
            .is_some();
        if !has_ticket {
            self.pump("suite_ticket").await;
        }
        let res = self
            .http
            .post(format!(
                "{}/api/v1/suites/crm/install-url",
                self.gateway.base_url
            ))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"redirect_uri": format!("{PUBLIC}/installed"), "state": "s"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let url = res.json::<Value>().await.unwrap()["url"]
            .as_str()
            .unwrap()
            .to_owned();
        let page = self
            .http
            .get(format!(
                "{url}&sim_corp={CORP}&sim_user=u-zhang&sim_allow_user={visible_users}"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(
            page.status(),
            StatusCode::FOUND,
            "{}",
            page.text().await.unwrap()
        );
        self.pump("create_auth").await;
    }

    /// The same database and simulator, a new gateway with `login` as its `[login]` (an
    /// operator changing the configuration).
    pub async fn restart_gateway(self, login: &str) -> Env {
        let Env {
            db,
            sim,
            gateway,
            pushes,
            http,
        } = self;
        gateway.shutdown().await.unwrap();
        let gateway = wxgate_gateway::start(
            config(&db.url, &sim.base_url, login),
            GatewayOptions {
                secrets: db.secrets(),
                listen: Some("127.0.0.1:0".parse().unwrap()),
            },
        )
        .await
        .expect("gateway restarts");
        Env {
            db,
            sim,
            gateway,
            pushes,
            http,
        }
    }

    pub async fn stop(self) {
        self.gateway.shutdown().await.unwrap();
        self.sim.shutdown().await.unwrap();
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// One step of a browser: the status, headers and body of a response.
#[derive(Debug)]
pub struct Page {
    pub url: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .unwrap_or_else(|| panic!("no Location on {} {}: {}", self.status, self.url, self.body))
            .to_str()
            .unwrap()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The error code shown on a gateway error page (HTML).
    pub fn error_code(&self) -> String {
        let start = self
            .body
            .find("<code id=\"code\">")
            .unwrap_or_else(|| panic!("not an error page: {} {}", self.status, self.body))
            + "<code id=\"code\">".len();
        let end = self.body[start..].find('<').unwrap() + start;
        self.body[start..end].to_owned()
    }
}

/// A scripted browser: its own cookie jar and User-Agent, redirects followed by the test.
pub struct Browser {
    pub http: reqwest::Client,
    pub user_agent: String,
    pub gateway: String,
    pub sim: String,
}

impl Browser {
    /// Where a URL really is: `public_url` is the gateway, paths are on the gateway, the
    /// fragment stays in the browser.
    pub fn resolve(&self, url: &str) -> String {
        let url = url.split('#').next().unwrap_or(url);
        if let Some(rest) = url.strip_prefix(PUBLIC) {
            format!("{}{rest}", self.gateway)
        } else if url.starts_with('/') {
            format!("{}{url}", self.gateway)
        } else {
            url.to_owned()
        }
    }

    /// `GET url` with `extra` headers.
    pub async fn get_with(&self, url: &str, extra: &[(&str, &str)]) -> Page {
        let url = self.resolve(url);
        let mut req = self
            .http
            .get(&url)
            .header(USER_AGENT, self.user_agent.as_str());
        for (name, value) in extra {
            req = req.header(*name, *value);
        }
        let res = req.send().await.unwrap();
        Page {
            url,
            status: res.status(),
            headers: res.headers().clone(),
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&self, url: &str) -> Page {
        self.get_with(url, &[]).await
    }

    pub async fn post(&self, url: &str) -> Page {
        let url = self.resolve(url);
        let res = self
            .http
            .post(&url)
            .header(USER_AGENT, self.user_agent.as_str())
            .send()
            .await
            .unwrap();
        Page {
            url,
            status: res.status(),
            headers: res.headers().clone(),
            body: res.text().await.unwrap(),
        }
    }

    /// `GET /login?…`: must redirect to the simulator's page; returns that URL.
    pub async fn start(&self, login_path: &str) -> String {
        let page = self.get(login_path).await;
        assert_eq!(
            page.status,
            StatusCode::FOUND,
            "{}: {}",
            login_path,
            page.body
        );
        let location = page.location().to_owned();
        assert!(
            location.starts_with(&self.sim),
            "/login went to {location}, not to the platform"
        );
        location
    }

    /// On the platform's page, picks a person (`sim_user=…`, `sim_person=…`, …): the platform
    /// redirects back; returns the callback URL (on `public_url`).
    pub async fn pick(&self, platform_url: &str, choice: &str) -> String {
        let base = platform_url.split('#').next().unwrap();
        let page = self.get(&format!("{base}&{choice}")).await;
        assert_eq!(
            page.status,
            StatusCode::FOUND,
            "platform page: {}",
            page.body
        );
        let location = page.location().to_owned();
        assert!(
            location.starts_with(&format!("{PUBLIC}/login/callback/")),
            "the platform sent the browser to {location}"
        );
        location
    }

    /// A whole login: `/login?…`, pick on the platform, the callback; returns the callback's
    /// answer (a 302 to `return_to` on success).
    pub async fn login(&self, login_path: &str, choice: &str) -> Page {
        let platform = self.start(login_path).await;
        self.login_from(&platform, choice).await
    }

    /// From the platform's page on: pick, then the callback.
    pub async fn login_from(&self, platform_url: &str, choice: &str) -> Page {
        let callback = self.pick(platform_url, choice).await;
        self.get(&callback).await
    }

    /// `GET /me` → (status, JSON).
    pub async fn me(&self) -> (StatusCode, Value) {
        let page = self.get("/me").await;
        let status = page.status;
        (
            status,
            serde_json::from_str(&page.body).unwrap_or(Value::Null),
        )
    }
}

/// The value of `name` in a URL's query.
pub fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next()?;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}
