//! Three `wxgate serve` processes on one PostgreSQL schema, against the simulator in-process:
//! however the load is spread over the instances, a token is fetched once, and after the
//! platform invalidates it, once more.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wxgate_sim::world::{SimApp, SimCorp};
use wxgate_sim::{SimOptions, World};
use wxgate_store::SecretBox;

const ADMIN_KEY: &str = "multi-instance-admin-key-0123456789";
const CORP: &str = "wwacme0000000001";

/// Kills the spawned gateways (and only them) however the test ends.
struct Gateways(Vec<Child>);

impl Drop for Gateways {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn postgres_url() -> String {
    std::env::var("WXGATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn config(db_url: &str, sim_url: &str) -> String {
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
"#
    )
}

async fn gettoken_calls(http: &reqwest::Client, sim_url: &str) -> u64 {
    let stats: Value = http
        .get(format!("{sim_url}/sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["calls_by_path"]["/cgi-bin/gettoken"]
        .as_u64()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_fetch_a_token_once() {
    // One fresh schema; a PostgreSQL failure fails the test.
    let base = postgres_url();
    let admin = sqlx::PgPool::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {base} is unreachable ({e})"));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("mi_{}_{nanos}", std::process::id());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let db_url = format!("{base}{sep}options=-c%20search_path%3D{schema}");

    let world = World {
        corps: vec![SimCorp {
            name: "Acme".into(),
            corp_id: CORP.into(),
            apps: vec![SimApp::self_built("acme-app", 1000002, "acme-secret")],
            directory: Default::default(),
        }],
        ..World::default()
    };
    let options = SimOptions {
        clock_speed: 0.0,
        fault_seed: Some(42),
        ..SimOptions::default()
    };
    let sim = wxgate_sim::start(world, options, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let sim_url = sim.base_url.clone();

    let dir = std::env::temp_dir().join(format!("wxgate-multi-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config_path = dir.join("wxgate.toml");
    std::fs::write(&config_path, config(&db_url, &sim_url)).unwrap();
    let (_, master_key) = SecretBox::generate();

    // Migrate once, then start three instances.
    let migrated = Command::new(env!("CARGO_BIN_EXE_wxgate"))
        .arg("migrate")
        .arg("--config")
        .arg(&config_path)
        .env("WXGATE_MASTER_KEY", &master_key)
        .output()
        .unwrap();
    assert!(migrated.status.success(), "{migrated:?}");
    let mut gateways = Gateways(Vec::new());
    let mut bases = Vec::new();
    for _ in 0..3 {
        let port = free_port();
        gateways.0.push(
            Command::new(env!("CARGO_BIN_EXE_wxgate"))
                .arg("serve")
                .arg("--config")
                .arg(&config_path)
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .env("WXGATE_MASTER_KEY", &master_key)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn wxgate serve"),
        );
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    let http = reqwest::Client::new();
    for base in &bases {
        let start = Instant::now();
        loop {
            if let Ok(res) = http.get(format!("{base}/healthz")).send().await
                && res.status().is_success()
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{base} did not come up"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    let bases = Arc::new(bases);
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (http, bases) = (http.clone(), bases.clone());
        tasks.push(tokio::spawn(async move {
            let res = http
                .get(format!("{}/api/v1/apps/acme-app/token", bases[i % 3]))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let body: Value = res.json().await.unwrap();
            body["access_token"].as_str().unwrap().to_owned()
        }));
    }
    let mut tokens = std::collections::HashSet::new();
    for task in tasks {
        tokens.insert(task.await.unwrap());
    }
    assert_eq!(tokens.len(), 1, "every instance hands out the same token");
    assert_eq!(
        gettoken_calls(&http, &sim_url).await,
        1,
        "one fetch for three instances"
    );

    // The platform drops the token; one proxied call sees 40014 and refetches once.
    let res = http
        .post(format!("{sim_url}/sim/tokens/invalidate"))
        .json(&json!({"app": "acme-app", "errcode": 40014}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let proxied = |base: String| {
        let http = http.clone();
        async move {
            let res = http
                .get(format!(
                    "{base}/api/v1/apps/acme-app/proxy/cgi-bin/getcallbackip"
                ))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["errcode"], 0, "{body}");
        }
    };
    proxied(bases[0].clone()).await;
    assert_eq!(
        gettoken_calls(&http, &sim_url).await,
        2,
        "exactly one more fetch"
    );
    // The other instances still hold the old token in memory: their proxied calls see 40014,
    // find the fresh token in the store, and do not fetch again.
    proxied(bases[1].clone()).await;
    proxied(bases[2].clone()).await;
    assert_eq!(gettoken_calls(&http, &sim_url).await, 2);

    drop(gateways);
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&admin)
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}
