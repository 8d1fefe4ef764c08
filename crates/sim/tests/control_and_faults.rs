//! The control API, fault injection, rate limiting, stats and the server's edges, over real HTTP.

mod common;

use std::time::{Duration, Instant};

use common::{CORP, OA, Sim, errcode};
use serde_json::json;
use wxgate_sim::SimOptions;

fn gettoken(secret: &str) -> String {
    format!("/cgi-bin/gettoken?corpid={CORP}&corpsecret={secret}")
}

#[tokio::test]
async fn system_error_fault_answers_minus_one_on_platform_routes_only() {
    let sim = Sim::start().await;
    let set = sim
        .post("/sim/faults", json!({ "system_error_probability": 1.0 }))
        .await;
    assert_eq!(set["system_error_probability"], 1.0);
    assert_eq!(set["timeout_ms"], 30000, "defaults fill the missing fields");
    let wecom = sim.get(&gettoken("acme-secret")).await;
    assert_eq!(errcode(&wecom), -1);
    assert!(
        wecom["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("system busy, hint: [")
    );
    let wechat = sim
        .get(&format!(
            "/cgi-bin/token?grant_type=client_credential&appid={OA}&secret=oa-secret"
        ))
        .await;
    assert_eq!(errcode(&wechat), -1);
    assert!(
        wechat["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("system error rid: ")
    );
    // The control API is never faulted.
    assert_eq!(
        sim.get("/sim/faults").await["system_error_probability"],
        1.0
    );
    sim.post("/sim/faults", json!({})).await;
    assert_eq!(errcode(&sim.get(&gettoken("acme-secret")).await), 0);
}

#[tokio::test]
async fn faults_can_target_paths_and_are_reproducible_with_a_seed() {
    async fn draws() -> Vec<i64> {
        let sim = Sim::start().await;
        sim.post(
            "/sim/faults",
            json!({ "system_error_probability": 0.5, "paths": ["/cgi-bin/gettoken"] }),
        )
        .await;
        let mut codes = Vec::new();
        for _ in 0..24 {
            codes.push(errcode(&sim.get(&gettoken("acme-secret")).await));
        }
        // Other paths are untouched.
        let mp = sim.mp_token(OA, "oa-secret").await;
        assert!(!mp.is_empty());
        codes
    }
    let first = draws().await;
    assert!(first.contains(&0) && first.contains(&-1), "{first:?}");
    assert_eq!(first, draws().await, "same seed, same faults");
}

#[tokio::test]
async fn latency_and_timeouts_delay_the_answer() {
    let sim = Sim::start().await;
    sim.post("/sim/faults", json!({ "latency_ms": 300 })).await;
    let started = Instant::now();
    assert_eq!(errcode(&sim.get(&gettoken("acme-secret")).await), 0);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sim.post(
        "/sim/faults",
        json!({ "timeout_probability": 1.0, "timeout_ms": 5000 }),
    )
    .await;
    let error = sim
        .http
        .get(sim.url(&gettoken("acme-secret")))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("the call hangs past the client's timeout");
    assert!(error.is_timeout(), "{error}");

    let bad = sim
        .http
        .post(sim.url("/sim/faults"))
        .json(&json!({ "system_error_probability": 2.0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let bad: serde_json::Value = bad.json().await.unwrap();
    assert!(bad["error"].as_str().unwrap().contains("between 0 and 1"));
}

#[tokio::test]
async fn denied_apps_get_60020() {
    let sim = Sim::start().await;
    let token = sim.wecom_token("acme-secret").await;
    sim.post("/sim/faults", json!({ "deny_ip": ["acme-app", OA] }))
        .await;
    let body = sim.get(&gettoken("acme-secret")).await;
    assert_eq!(errcode(&body), 60020, "{body}");
    assert!(
        body["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("not allow to access from your ip")
    );
    let body = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={token}"))
        .await;
    assert_eq!(errcode(&body), 60020);
    assert_eq!(errcode(&sim.get(&gettoken("acme-secret-2")).await), 0);
    let mp = sim
        .get(&format!(
            "/cgi-bin/token?grant_type=client_credential&appid={OA}&secret=oa-secret"
        ))
        .await;
    assert_eq!(errcode(&mp), 60020);
    // A corp id denies every app of the corp.
    sim.post("/sim/faults", json!({ "deny_ip": [CORP] })).await;
    assert_eq!(errcode(&sim.get(&gettoken("acme-secret-2")).await), 60020);
}

#[tokio::test]
async fn invalidated_tokens_answer_the_chosen_code_and_gettoken_issues_a_new_one() {
    let sim = Sim::start().await;
    let token = sim.wecom_token("acme-secret").await;
    let other = sim.wecom_token("acme-secret-2").await;
    let hit = sim
        .post(
            "/sim/tokens/invalidate",
            json!({ "app": "acme-app", "errcode": 40014 }),
        )
        .await;
    assert_eq!(hit["invalidated"], 1);
    let ticket = |t: &str| format!("/cgi-bin/get_jsapi_ticket?access_token={t}");
    assert_eq!(errcode(&sim.get(&ticket(&token)).await), 40014);
    assert_eq!(errcode(&sim.get(&ticket(&other)).await), 0);
    let fresh = sim.wecom_token("acme-secret").await;
    assert_ne!(fresh, token);
    assert_eq!(errcode(&sim.get(&ticket(&fresh)).await), 0);

    sim.post(
        "/sim/tokens/invalidate",
        json!({ "app": "acme-app", "errcode": 42001 }),
    )
    .await;
    assert_eq!(errcode(&sim.get(&ticket(&fresh)).await), 42001);

    let mp = sim.mp_token(OA, "oa-secret").await;
    sim.post(
        "/sim/tokens/invalidate",
        json!({ "app": "oa", "errcode": 40001 }),
    )
    .await;
    let body = sim
        .get(&format!(
            "/cgi-bin/ticket/getticket?access_token={mp}&type=jsapi"
        ))
        .await;
    assert_eq!(errcode(&body), 40001);

    let bad = sim
        .http
        .post(sim.url("/sim/tokens/invalidate"))
        .json(&json!({ "app": "acme-app", "errcode": 12345 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn corp_api_rate_limit_answers_45009() {
    // 10 000/min × 0.0003 = 3 calls per minute per corp per API.
    let sim = Sim::with(SimOptions {
        rate_limit_factor: 0.0003,
        ..common::options()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(errcode(&sim.get(&gettoken("acme-secret")).await), 0);
    }
    let body = sim.get(&gettoken("acme-secret-2")).await;
    assert_eq!(errcode(&body), 45009, "the budget is the corp's: {body}");
    let other_corp = sim
        .get("/cgi-bin/gettoken?corpid=wwother000000001&corpsecret=other-secret")
        .await;
    assert_eq!(errcode(&other_corp), 0);
    sim.advance(60).await;
    assert_eq!(errcode(&sim.get(&gettoken("acme-secret")).await), 0);

    let off = Sim::with(SimOptions {
        rate_limit_factor: 0.0,
        ..common::options()
    })
    .await;
    for _ in 0..10 {
        assert_eq!(errcode(&off.get(&gettoken("acme-secret")).await), 0);
    }
}

#[tokio::test]
async fn wecom_per_ip_limit_answers_45009_across_corps() {
    // 20 000/min per IP per API × 0.0001 = 2; the per-corp limit (10 000 × 0.0001 = 1) is per corp.
    let sim = Sim::with(SimOptions {
        rate_limit_factor: 0.0001,
        ..common::options()
    })
    .await;
    assert_eq!(errcode(&sim.get(&gettoken("acme-secret")).await), 0);
    let other = "/cgi-bin/gettoken?corpid=wwother000000001&corpsecret=other-secret";
    assert_eq!(errcode(&sim.get(other).await), 0);
    let body = sim.get(other).await;
    assert_eq!(errcode(&body), 45009, "{body}");
    // WeChat routes are not subject to the WeCom IP limit.
    let mp = sim.mp_token(OA, "oa-secret").await;
    for _ in 0..3 {
        let body = sim
            .get(&format!(
                "/cgi-bin/ticket/getticket?access_token={mp}&type=jsapi"
            ))
            .await;
        assert_eq!(errcode(&body), 0);
    }
}

#[tokio::test]
async fn stats_count_calls_apps_and_errors_and_reset_clears_them() {
    let sim = Sim::start().await;
    let token = sim.wecom_token("acme-secret").await;
    sim.wecom_token("acme-secret").await;
    sim.get("/cgi-bin/gettoken?corpid=wwnobody&corpsecret=x")
        .await;
    sim.get(&format!("/cgi-bin/get_jsapi_ticket?access_token={token}"))
        .await;
    sim.get("/cgi-bin/get_jsapi_ticket?access_token=garbage")
        .await;
    sim.mp_token(OA, "oa-secret").await;

    let stats = sim.get("/sim/stats").await;
    assert_eq!(stats["total_calls"], 6, "{stats}");
    assert_eq!(stats["calls_by_path"]["/cgi-bin/gettoken"], 3);
    assert_eq!(stats["calls_by_path"]["/cgi-bin/get_jsapi_ticket"], 2);
    assert_eq!(stats["calls_by_path"]["/cgi-bin/token"], 1);
    assert_eq!(stats["calls_by_app"]["acme-app"], 3);
    assert_eq!(stats["calls_by_app"]["oa"], 1);
    assert_eq!(stats["errors_by_path"]["/cgi-bin/gettoken"]["40013"], 1);
    assert_eq!(
        stats["errors_by_path"]["/cgi-bin/get_jsapi_ticket"]["40014"],
        1
    );
    assert!(stats["errors_by_path"].get("/cgi-bin/token").is_none());
    // The control API is not counted.
    assert_eq!(sim.get("/sim/stats").await["total_calls"], 6);

    sim.post("/sim/faults", json!({ "latency_ms": 1 })).await;
    sim.post("/sim/reset", json!({})).await;
    let stats = sim.get("/sim/stats").await;
    assert_eq!(stats["total_calls"], 0);
    assert_eq!(sim.get("/sim/faults").await["latency_ms"], 0);
    let body = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={token}"))
        .await;
    assert_eq!(errcode(&body), 40014, "tokens are forgotten");
    assert_ne!(sim.wecom_token("acme-secret").await, token);
}

#[tokio::test]
async fn clock_world_and_edges() {
    let sim = Sim::start().await;
    let clock = sim.get("/sim/clock").await;
    assert_eq!(clock["now"], 1_763_600_000);
    let moved = sim.post("/sim/clock/advance", json!({ "secs": 60 })).await;
    assert_eq!(moved["now"], 1_763_600_060);
    assert_eq!(sim.handle.state.clock.now(), 1_763_600_060);

    let world = sim.get("/sim/world").await.to_string();
    assert!(world.contains("wwacme0000000001") && world.contains("acme-app"));
    for secret in [
        "acme-secret",
        "oa-secret",
        "oa-token",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    ] {
        assert!(!world.contains(secret), "{secret} leaked");
    }

    let unknown = sim
        .http
        .get(sim.url("/cgi-bin/nope?access_token=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let unknown: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(errcode(&unknown), -1);
    assert!(
        unknown["errmsg"]
            .as_str()
            .unwrap()
            .contains("/cgi-bin/nope")
    );

    let post = sim.post(&gettoken("acme-secret"), json!({})).await;
    assert_eq!(errcode(&post), 43001, "{post}");

    let bad = sim
        .http
        .post(sim.url("/sim/clock/advance"))
        .body("soon")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn shared_paths_answer_in_the_style_of_the_tokens_platform() {
    let sim = Sim::start().await;
    let wecom = sim.wecom_token("acme-secret").await;
    let body = sim
        .get(&format!("/cgi-bin/getcallbackip?access_token={wecom}"))
        .await;
    assert_eq!(
        (body["errcode"].as_i64(), body["ip_list"][0].as_str()),
        (Some(0), Some("127.0.0.1"))
    );
    let mp = sim.mp_token(OA, "oa-secret").await;
    let body = sim
        .get(&format!("/cgi-bin/getcallbackip?access_token={mp}"))
        .await;
    assert!(body.get("errcode").is_none(), "{body}");
    assert_eq!(body["ip_list"][0], "127.0.0.1");
    sim.advance(7200).await;
    let body = sim
        .get(&format!("/cgi-bin/getcallbackip?access_token={mp}"))
        .await;
    assert_eq!(errcode(&body), 42001);
    assert!(
        body["errmsg"].as_str().unwrap().contains(" rid: "),
        "{body}"
    );
}

#[tokio::test]
async fn shutdown_is_graceful() {
    let sim = Sim::start().await;
    let url = sim.url("/sim/clock");
    sim.handle.shutdown().await.unwrap();
    assert!(reqwest::get(url).await.is_err());
}
