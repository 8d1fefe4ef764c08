//! The drop-in script in a real browser: headless Chromium loads a page served by this test (on
//! another origin than the gateway, as in production) with a stub `wx` (or `ww`) object that
//! records what the script hands it, then `/sdk/jssdk.js` from the gateway. The page writes the
//! recorded calls into the DOM, Chromium dumps the DOM, and the test checks the recorded
//! signatures against the tickets — on SQLite and PostgreSQL.
//!
//! Chromium is required: `.ci/run` installs Debian's `chromium` package. Locally, install it
//! (`apt-get install chromium`) or point `WXGATE_CHROMIUM` at a Chromium/Chrome binary, then
//! `cargo test -p wxgate-gateway --test jssdk_browser`. Without one the test fails; it never
//! skips.

mod common;
mod wxenv;

use std::process::Stdio;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::response::Html;
use axum::routing::get;
use common::TestDb;
use serde_json::{Value, json};
use wxenv::{CORP, Env, Options};
use wxgate_protocol::signature::jssdk_signature;

/// The Chromium binary: `WXGATE_CHROMIUM`, or the first of the usual names on `PATH`.
fn chromium() -> String {
    if let Ok(path) = std::env::var("WXGATE_CHROMIUM") {
        return path;
    }
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        let found = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {name}"))
            .output()
            .is_ok_and(|o| o.status.success());
        if found {
            return name.to_owned();
        }
    }
    panic!(
        "headless Chromium is needed for this test and none was found: install it (`apt-get install chromium`; .ci/run does) or set WXGATE_CHROMIUM to a Chromium/Chrome binary"
    );
}

/// A page with a stub SDK that records the script's calls and writes them into `#result`.
fn page(sdk: &str, gateway: &str) -> String {
    let stub = match sdk {
        "wx" => {
            r#"
var recorded = {};
window.wx = {
  config: function (c) { recorded.config = c; setTimeout(function () { readyFns.forEach(function (f) { f(); }); }, 0); },
  ready: function (f) { readyFns.push(f); },
  error: function (f) { recorded.errorHandler = true; },
  agentConfig: function (c) { recorded.agentConfig = c; setTimeout(function () { c.success({ errMsg: "agentConfig:ok" }); }, 0); }
};
var readyFns = [];
"#
        }
        _ => {
            r#"
var recorded = {};
window.ww = {
  register: function (options) {
    recorded.register = { corpId: options.corpId, agentId: options.agentId, jsApiList: options.jsApiList };
    Promise.all([
      options.getConfigSignature(location.href),
      options.getAgentConfigSignature(location.href)
    ]).then(function (signatures) {
      recorded.config = signatures[0];
      recorded.agentConfig = signatures[1];
      write();
    }, function (e) { recorded.failed = String(e); write(); });
  }
};
"#
        }
    };
    let done = if sdk == "wx" {
        "document.addEventListener('wxgate:ready', function (e) { recorded.ready = e.detail; write(); });"
    } else {
        "document.addEventListener('wxgate:ready', function (e) { recorded.ready = e.detail; });"
    };
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>wxgate jssdk test</title>
<script>
{stub}
function write() {{ document.getElementById('result').textContent = JSON.stringify(recorded); }}
{done}
document.addEventListener('wxgate:error', function (e) {{ recorded.error = e.detail.stage + ': ' + e.detail.message; write(); }});
</script>
</head><body><pre id="result">pending</pre>
<script src="{gateway}/sdk/jssdk.js?app=acme-app" data-agent-config="always"></script>
</body></html>"#
    )
}

/// Serves the two pages; returns the page server's origin.
async fn serve_pages(gateway: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route(
        "/{sdk}",
        get(move |Path(sdk): Path<String>| {
            let gateway = gateway.clone();
            async move { Html(page(sdk.trim_end_matches(".html"), &gateway)) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

/// Loads `url` in headless Chromium and returns the parsed contents of `#result`, with the
/// page's console lines under `console`.
async fn run_page(url: &str) -> Value {
    let profile = tempfile::tempdir().unwrap();
    let child = tokio::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--virtual-time-budget=15000",
            "--user-agent=Mozilla/5.0 (X11; Linux x86_64) wxwork/4.1.20 MicroMessenger/7.0.1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start chromium");
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("chromium finished within 2 minutes")
        .expect("chromium ran");
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find(r#"<pre id="result">"#).unwrap_or_else(|| {
        panic!(
            "no #result in the dumped DOM (status {:?}); stderr: {}\n{dom}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    }) + r#"<pre id="result">"#.len();
    let end = start + dom[start..].find("</pre>").expect("closing </pre>");
    let text = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let mut recorded: Value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("#result is not JSON: {text}"));
    // The page's console, to explain a failure (CORS refusals show up there).
    let console: Vec<String> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE"))
        .map(str::to_owned)
        .collect();
    recorded["console"] = json!(console);
    recorded
}

async fn ticket(env: &Env, which: &str) -> String {
    let (status, body) = env
        .admin_get(&format!("/api/v1/apps/acme-app/{which}"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["ticket"].as_str().unwrap().to_owned()
}

fn check(signed: &Value, ticket: &str, url: &str) {
    let timestamp = match &signed["timestamp"] {
        Value::Number(n) => n.to_string(),
        other => other.as_str().unwrap_or_default().to_owned(),
    };
    let expected = jssdk_signature(
        ticket,
        signed["nonceStr"].as_str().unwrap(),
        &timestamp,
        url,
    );
    assert_eq!(signed["signature"], expected.to_hex(), "{signed}");
}

async fn drop_in_script_configures_wx_and_ww(db: &TestDb) {
    // The page server must exist first: its origin is configured as a CORS origin.
    let (gateway_port, gateway_url) = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = probe.local_addr().unwrap().port();
        (port, format!("http://127.0.0.1:{port}"))
    };
    let pages = serve_pages(gateway_url.clone()).await;
    let env = Env::start_on(
        db,
        Options {
            app: format!(r#"cors_origins = ["{pages}"]"#),
            ..Options::default()
        },
        gateway_port,
    )
    .await;
    assert_eq!(env.gw.base_url, gateway_url);

    // jweixin: wx.config, then (inside WeCom) wx.agentConfig.
    let url = format!("{pages}/wx.html?from=test");
    let recorded = run_page(&format!("{url}#/route")).await;
    assert!(recorded.get("error").is_none(), "{recorded}");
    let config = &recorded["config"];
    assert_eq!(config["appId"], CORP, "{recorded}");
    assert_eq!(config["beta"], true);
    assert_eq!(config["jsApiList"], json!(["scanQRCode", "chooseImage"]));
    check(config, &ticket(&env, "jsapi-ticket").await, &url);
    let agent = &recorded["agentConfig"];
    assert_eq!(
        (agent["corpid"].as_str(), agent["agentid"].as_i64()),
        (Some(CORP), Some(1000002))
    );
    check(agent, &ticket(&env, "agent-ticket").await, &url);
    assert_eq!(
        recorded["ready"],
        json!({"sdk": "wx", "agentConfig": true, "app": "acme-app", "platform": "wecom"})
    );

    // @wecom/jssdk: ww.register with the two signature functions.
    let url = format!("{pages}/ww.html");
    let recorded = run_page(&url).await;
    assert!(
        recorded.get("error").is_none() && recorded.get("failed").is_none(),
        "{recorded}"
    );
    assert_eq!(
        recorded["register"],
        json!({"corpId": CORP, "agentId": 1000002, "jsApiList": ["scanQRCode", "chooseImage"]})
    );
    check(
        &recorded["config"],
        &ticket(&env, "jsapi-ticket").await,
        &url,
    );
    check(
        &recorded["agentConfig"],
        &ticket(&env, "agent-ticket").await,
        &url,
    );
    env.stop().await;
}

cases_on_both_backends! {
    the_drop_in_script_configures_the_sdk_in_headless_chromium => drop_in_script_configures_wx_and_ww;
}
