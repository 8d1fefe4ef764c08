//! The environment of the OIDC and mini-program login tests: a simulator with a WeCom corp (a
//! self-built app and a linked mini program that sees only some members) and a WeChat mini
//! program; a gateway against it with OIDC clients, reachable at its issuer URL; a browser-like
//! HTTP client that does not follow redirects; and an HTTP client for the `openidconnect` crate.

#![allow(dead_code, missing_docs)]

use std::future::Future;
use std::pin::Pin;

use reqwest::redirect::Policy;
use serde_json::{Value, json};
use wxgate_config::Config;
use wxgate_gateway::accounts::{ClientInfo, LoginProof, Profile, sign_in, start_session};
use wxgate_gateway::{GatewayHandle, GatewayOptions};
use wxgate_sim::directory::VisibleRange;
use wxgate_sim::world::{
    DirectorySource, SimApp, SimAppKind, SimCorp, SimMiniProgram, SimPushFormat,
};
use wxgate_sim::{SimHandle, World};
use wxgate_store::{IdentityKey, IdentityKind};

use crate::common::{ADMIN_KEY, TestDb, sim_options};

pub const CORP: &str = "wwacme0000000001";
pub const MINI: &str = "wxmini000000000001";
pub const LINKED_MINI: &str = "wxqymini0000000001";
pub const CRM_SECRET: &str = "crm-secret-0123456789abcdef";
pub const CRM_CALLBACK: &str = "https://crm.example.test/callback";
pub const SPA_CALLBACK: &str = "https://spa.example.test/cb";

/// The active members of the generated directory, in order.
pub fn members() -> Vec<String> {
    DirectorySource::default()
        .build(CORP)
        .unwrap()
        .members()
        .filter(|m| m.status == 1)
        .map(|m| m.userid.clone())
        .collect()
}

/// The simulated world. The WeCom mini program's linked app sees members 0 and 2 only.
pub fn world() -> World {
    let ids = members();
    World {
        corps: vec![SimCorp::new(
            "Acme",
            CORP,
            vec![
                SimApp::self_built("acme-app", 1000002, "acme-secret"),
                SimApp {
                    kind: SimAppKind::MiniProgram {
                        app_id: LINKED_MINI.into(),
                    },
                    visible: VisibleRange {
                        users: vec![ids[0].clone(), ids[2].clone()],
                        ..VisibleRange::default()
                    },
                    ..SimApp::self_built("acme-mini", 1000004, "acme-mini-secret")
                },
            ],
        )],
        miniprograms: vec![SimMiniProgram {
            name: "shop".into(),
            app_id: MINI.into(),
            app_secret: "shop-secret".into(),
            token: "t0ken".into(),
            encoding_aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into(),
            open_platform: Some("acme-open".into()),
            format: SimPushFormat::Json,
        }],
        ..World::default()
    }
}

/// The `[oidc]` section most tests use (`extra` goes inside `[oidc]`, before the clients).
pub fn oidc_toml(extra: &str) -> String {
    format!(
        r#"
[oidc]
{extra}

[[oidc.clients]]
client_id = "crm"
client_secret = "{CRM_SECRET}"
name = "CRM"
redirect_uris = ["{CRM_CALLBACK}"]
post_logout_redirect_uris = ["https://crm.example.test/bye"]

[[oidc.clients]]
client_id = "spa"
redirect_uris = ["{SPA_CALLBACK}"]
post_logout_redirect_uris = ["https://spa.example.test/"]
signing_alg = "ES256"

[[oidc.clients]]
client_id = "shop-mini"
token_exchange_apps = ["shop", "acme-mini"]

[[oidc.clients]]
client_id = "other-mini"
token_exchange_apps = ["shop"]
"#
    )
}

/// A free TCP port on 127.0.0.1 (the gateway binds it next; the issuer URL needs it up front).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A gateway configuration on `db` against the simulator at `sim_url`, listening on `port`.
pub fn config(db: &TestDb, sim_url: &str, port: u16, oidc: &str) -> Config {
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
admin_keys = ["{ADMIN_KEY}"]

[storage]
url = "{db}"

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
  [[wecom.miniprograms]]
  name = "acme-mini"
  app_id = "{LINKED_MINI}"
  agent_id = 1000004
  secret = "acme-mini-secret"

[[wechat.miniprograms]]
name = "shop"
app_id = "{MINI}"
app_secret = "shop-secret"
open_platform = "acme-open"

{oidc}
"#,
        db = db.url
    );
    Config::from_toml_str(&text, |_| None).expect("test configuration is valid")
}

/// The simulator, the gateway and a browser.
pub struct Env {
    pub sim: SimHandle,
    pub gw: GatewayHandle,
    /// The gateway's base URL = the issuer.
    pub base: String,
    /// A browser that does not follow redirects.
    pub browser: reqwest::Client,
}

impl Env {
    /// Starts the simulator and a gateway with `oidc` as its `[oidc]` section.
    pub async fn start(db: &TestDb, oidc: &str) -> Env {
        let sim = wxgate_sim::start(world(), sim_options(1.0), "127.0.0.1:0".parse().unwrap())
            .await
            .expect("simulator starts");
        let port = free_port();
        let gw = wxgate_gateway::start(
            config(db, &sim.base_url, port, oidc),
            GatewayOptions {
                secrets: db.secrets(),
                listen: None,
            },
        )
        .await
        .expect("gateway starts");
        Env {
            base: format!("http://127.0.0.1:{port}"),
            sim,
            gw,
            browser: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs WeCom member `userid` of Acme in (as the WeCom login would) and opens a browser
    /// session; returns the user id and the `Cookie` header value.
    pub async fn signed_in(&self, userid: &str) -> (String, String) {
        let g = &self.gw.gateway;
        let signed = sign_in(
            g,
            LoginProof {
                app: "acme-app".into(),
                method: "wecom_oauth".into(),
                identities: vec![IdentityKey::new(IdentityKind::WecomUser, CORP, userid)],
                profile: Profile {
                    name: Some(format!("Member {userid}")),
                    email: Some(format!("{userid}@acme.example")),
                    ..Profile::default()
                },
            },
        )
        .await
        .expect("sign-in");
        let (_, cookie) = start_session(
            g,
            &signed.user.id,
            "wecom_oauth:acme-app",
            &ClientInfo::default(),
        )
        .await
        .expect("session");
        let cookie = cookie
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        (signed.user.id, cookie)
    }

    /// GETs `url` as the browser with `cookie`; returns the status and the `Location`.
    pub async fn visit(&self, url: &str, cookie: Option<&str>) -> (u16, Option<String>, String) {
        let mut request = self.browser.get(url);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, location, response.text().await.unwrap_or_default())
    }

    /// POSTs a form to the token endpoint; returns the status and JSON body.
    pub async fn token(&self, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> (u16, Value) {
        let mut request = self.browser.post(self.url("/oidc/token")).form_pairs(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        let response = request.send().await.unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// GETs userinfo with `access_token`; returns the status and JSON body.
    pub async fn userinfo(&self, access_token: &str) -> (u16, Value) {
        let response = self
            .browser
            .get(self.url("/oidc/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// Calls the admin API.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .browser
            .request(method, self.url(path))
            .bearer_auth(ADMIN_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// A login code from the simulator's control API (`kind`: `mini`, `wecom_mini`, …).
    pub async fn sim_code(&self, kind: &str, app: &str, user: &str) -> String {
        let response: Value = self
            .browser
            .post(format!("{}/sim/identity/codes", self.sim.base_url))
            .json(&json!({"kind": kind, "app": app, "user": user}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        response["code"].as_str().expect("a code").to_owned()
    }

    /// Open data from the simulator (`kind`: `userinfo` or `phone`).
    pub async fn sim_open_data(&self, app: &str, person: &str, kind: &str) -> Value {
        self.browser
            .post(format!("{}/sim/identity/open-data", self.sim.base_url))
            .json(&json!({"app": app, "person": person, "kind": kind}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// `form` as an `application/x-www-form-urlencoded` body (reqwest's `form` is a feature wxgate
/// does not enable).
pub trait FormBody {
    /// Sends `pairs` as the form body.
    fn form_pairs<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_pairs<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> Self {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            body.append_pair(k.as_ref(), v.as_ref());
        }
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(body.finish())
    }
}

/// The query parameters of `url`.
pub fn query(url: &str) -> std::collections::HashMap<String, String> {
    let parsed = url::Url::parse(url)
        .unwrap_or_else(|_| url::Url::parse("http://x").unwrap().join(url).unwrap());
    parsed.query_pairs().into_owned().collect()
}

/// The error type of [`http_client`].
pub type HttpError = reqwest::Error;

/// What the `openidconnect` crate sends requests through: reqwest 0.13, no redirects.
pub fn http_client() -> impl Fn(
    openidconnect::HttpRequest,
) -> Pin<
    Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send>,
> {
    mapped_http_client(None)
}

/// [`http_client`], sending requests for `from` (a public URL prefix) to `to` (where the
/// gateway really listens), like DNS would.
pub fn mapped_http_client(
    map: Option<(String, String)>,
) -> impl Fn(
    openidconnect::HttpRequest,
) -> Pin<Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpError>> + Send>> {
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    move |request: openidconnect::HttpRequest| {
        let client = client.clone();
        let map = map.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
            let mut url = parts.uri.to_string();
            if let Some((from, to)) = &map
                && let Some(rest) = url.strip_prefix(from.as_str())
            {
                url = format!("{to}{rest}");
            }
            let mut builder = client.request(method, url);
            for (name, value) in &parts.headers {
                builder = builder.header(name.as_str(), value.as_bytes());
            }
            let response = builder.body(body).send().await?;
            let mut out =
                openidconnect::http::Response::builder().status(response.status().as_u16());
            for (name, value) in response.headers() {
                out = out.header(name.as_str(), value.as_bytes());
            }
            let bytes = response.bytes().await?;
            Ok(out.body(bytes.to_vec()).unwrap())
        })
    }
}
