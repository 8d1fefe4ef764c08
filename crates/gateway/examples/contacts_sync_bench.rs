//! Full contacts sync bench, driven by `scripts/bench-contacts-sync`.
//!
//! Exists to measure a full sync of a large corp (100 000 members, 5 000 departments) end to
//! end — wall time, peak memory, upstream calls — and to work out what the platform's documented
//! rate limits would add for the same calls. The simulator runs in its own process so the peak
//! RSS measured is the gateway's.
//!
//! ```text
//! contacts_sync_bench sim PORT MEMBERS DEPARTMENTS   # the simulator, limits off, until killed
//! contacts_sync_bench sync SIM_URL DB_URL            # gateway + two full syncs, report on stdout
//! ```
//!
//! `RUST_LOG` (e.g. `wxgate_gateway::contacts=debug`) logs to stderr, with the apply's steps.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use wxgate_config::Config;
use wxgate_gateway::GatewayOptions;
use wxgate_sim::directory::GenerateOptions;
use wxgate_sim::world::{DirectorySource, SimApp, SimCorp};
use wxgate_sim::{SimOptions, World};
use wxgate_store::{SecretBox, SyncJobState};

const CORP: &str = "wwbench000000001";
/// The documented WeCom limits per corp and API (NOTES §3.6).
const PER_MINUTE: f64 = 10_000.0;
const PER_HOUR: f64 = 150_000.0;

fn usage() -> ! {
    eprintln!(
        "usage: contacts_sync_bench sim PORT MEMBERS DEPARTMENTS | contacts_sync_bench sync SIM_URL DB_URL"
    );
    std::process::exit(2)
}

fn number(s: &str) -> usize {
    s.parse().unwrap_or_else(|_| usage())
}

fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["sim", port, members, departments] => {
            runtime.block_on(sim(number(port), number(members), number(departments)))
        }
        ["sync", sim_url, db_url] => runtime.block_on(sync(sim_url, db_url)),
        _ => usage(),
    }
}

async fn sim(port: usize, members: usize, departments: usize) {
    let started = Instant::now();
    let world = World {
        corps: vec![SimCorp {
            name: "Bench".into(),
            corp_id: CORP.into(),
            apps: vec![SimApp::contacts("bench-contacts", "bench-contacts-secret")],
            directory: DirectorySource::Generate(GenerateOptions {
                corp_id: CORP.into(),
                members,
                departments,
                seed: 42,
            }),
        }],
        ..World::default()
    };
    let options = SimOptions {
        rate_limit_factor: 0.0,
        ..SimOptions::default()
    };
    let addr = format!("127.0.0.1:{port}").parse().expect("port");
    let handle = wxgate_sim::start(world, options, addr)
        .await
        .expect("simulator starts");
    eprintln!(
        "simulator at {} ready in {:.1?}",
        handle.base_url,
        started.elapsed()
    );
    std::future::pending::<()>().await;
}

/// Peak resident set size of this process (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn stats(http: &reqwest::Client, sim_url: &str) -> Value {
    http.get(format!("{sim_url}/sim/stats"))
        .send()
        .await
        .expect("sim stats")
        .json()
        .await
        .expect("sim stats JSON")
}

/// The wall time the documented per-corp, per-API limits impose on `calls` calls of one API
/// (a token bucket of `PER_MINUTE` refilled per minute, and one of `PER_HOUR` per hour), in
/// seconds: 0 while the first minute's budget suffices.
fn imposed_secs(calls: f64) -> f64 {
    let minute = ((calls - PER_MINUTE).max(0.0) / PER_MINUTE) * 60.0;
    let hour = ((calls - PER_HOUR).max(0.0) / PER_HOUR) * 3600.0;
    minute.max(hour)
}

async fn sync(sim_url: &str, db_url: &str) {
    let toml = format!(
        r#"
[server]
admin_keys = ["bench-admin-key-0123456789"]
[storage]
url = "{db_url}"
[upstream]
wecom = "{sim_url}"
wechat = "{sim_url}"
[contacts]
sync_interval_minutes = 0
[[wecom]]
name = "bench"
corp_id = "{CORP}"
  [wecom.contacts]
  name = "bench-contacts"
  secret = "bench-contacts-secret"
"#
    );
    let config = Config::from_toml_str(&toml, |_| None).expect("bench config");
    let (secrets, _) = SecretBox::generate();
    let handle = wxgate_gateway::start(
        config,
        GatewayOptions {
            secrets,
            listen: Some("127.0.0.1:0".parse().expect("addr")),
        },
    )
    .await
    .expect("gateway starts");
    let gateway = handle.gateway.clone();
    let http = reqwest::Client::new();
    println!("rss_after_start_mib {:.1}", peak_rss_mib());
    let mut members = 0u64;

    for run in ["first", "second"] {
        let before = stats(&http, sim_url).await;
        let started = Instant::now();
        let (job, _) = wxgate_gateway::contacts::sync::start(&gateway, "bench")
            .await
            .expect("sync starts");
        let mut phase = String::new();
        let job = loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let job = gateway
                .store
                .sync_job(&job.id)
                .await
                .expect("job")
                .expect("job exists");
            if job.phase != phase {
                phase = job.phase.clone();
                println!(
                    "  phase {phase} from {:.2} s (rss {:.0} MiB)",
                    started.elapsed().as_secs_f64(),
                    peak_rss_mib()
                );
            }
            if job.state != SyncJobState::Running {
                break job;
            }
        };
        let wall = started.elapsed();
        assert_eq!(job.state, SyncJobState::Done, "{:?}", job.error);
        let after = stats(&http, sim_url).await;
        let mut calls: BTreeMap<String, u64> = BTreeMap::new();
        if let Some(paths) = after["calls_by_path"].as_object() {
            for (path, n) in paths {
                let was = before["calls_by_path"][path].as_u64().unwrap_or(0);
                let n = n.as_u64().unwrap_or(0) - was;
                if n > 0 {
                    calls.insert(path.clone(), n);
                }
            }
        }
        let imposed = calls
            .values()
            .map(|&n| imposed_secs(n as f64))
            .fold(0.0, f64::max);
        let total: u64 = calls.values().sum();
        println!("run {run}");
        println!("  wall_secs {:.2}", wall.as_secs_f64());
        println!("  peak_rss_mib {:.1}", peak_rss_mib());
        members = job.counts["members"].as_u64().unwrap_or(0);
        println!("  members {members}");
        println!("  departments {}", job.counts["departments"]);
        println!("  upstream_calls {total}");
        for (path, n) in &calls {
            println!("    {path} {n}");
        }
        println!("  rate_limit_floor_secs {imposed:.0}");
        let diff = job.diff.unwrap_or(Value::Null);
        println!(
            "  diff members created {} updated {} departments created {}",
            diff["members"]["created"]["count"],
            diff["members"]["updated"]["count"],
            diff["departments"]["created"]["count"]
        );
    }
    // For comparison: reading every member with user/get (the path of a credential that may
    // not call user/list) would be one call per member.
    println!(
        "user_get_path_rate_limit_floor_secs {:.0}",
        imposed_secs(members as f64)
    );
    handle.shutdown().await.ok();
}
