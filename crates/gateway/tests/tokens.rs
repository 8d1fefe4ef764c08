//! The token service end to end: the gateway over real HTTP against the simulator, on SQLite
//! and on PostgreSQL (each case runs on both).

mod common;

use std::future::Future;
use std::sync::Arc;

use common::{Api, CORP, SUITE_ID, Sim, TestDb, sim_options, start_gateway};
use serde_json::{Value, json};

const GETTOKEN: &str = "/cgi-bin/gettoken";

async fn on_both<F, Fut>(case: F)
where
    F: Fn(Arc<TestDb>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for db in [TestDb::sqlite().await, TestDb::postgres().await] {
        let db = Arc::new(db);
        let result = tokio::spawn(case(db.clone())).await;
        db.cleanup().await;
        if let Err(e) = result {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

async fn token_of(api: &Api, app: &str) -> String {
    let (status, body) = api.get(&format!("/api/v1/apps/{app}/token")).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_callers_cause_one_fetch_and_expiry_one_more() {
    on_both(|db| async move {
        let sim = Sim::start().await;
        let gw = start_gateway(&db, &sim).await;
        let api = Arc::new(Api::new(&gw.base_url));
        let mut tasks = Vec::new();
        for _ in 0..1000 {
            let api = api.clone();
            tasks.push(tokio::spawn(async move {
                api.get("/api/v1/apps/acme-app/token").await
            }));
        }
        let mut tokens = std::collections::HashSet::new();
        for task in tasks {
            let (status, body) = task.await.unwrap();
            assert_eq!(status, 200, "{body}");
            let expires_in = body["expires_in"].as_i64().unwrap();
            assert!((7000..=7140).contains(&expires_in), "{body}");
            assert!(body["expires_at"].as_i64().unwrap() > 1_700_000_000);
            tokens.insert(body["access_token"].as_str().unwrap().to_owned());
        }
        assert_eq!(tokens.len(), 1, "every caller got the same token");
        assert_eq!(sim.calls(GETTOKEN).await, 1);
        let first = tokens.into_iter().next().unwrap();

        // Past the platform's lifetime (and our margin): exactly one more fetch.
        sim.advance(7201).await;
        gw.gateway.tokens.clock().advance(7201);
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let api = api.clone();
            tasks.push(tokio::spawn(
                async move { token_of(&api, "acme-app").await },
            ));
        }
        for task in tasks {
            assert_ne!(task.await.unwrap(), first);
        }
        assert_eq!(sim.calls(GETTOKEN).await, 2);
        let metrics = reqwest::get(format!("{}/metrics", gw.base_url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains(r#"wxgate_token_refreshes_total{kind="wecom",outcome="fetched"} 2"#),
            "{metrics}"
        );
        gw.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rejected_token_is_refetched_once_and_the_proxied_call_succeeds() {
    on_both(|db| async move {
        let sim = Sim::start().await;
        let gw = start_gateway(&db, &sim).await;
        let api = Arc::new(Api::new(&gw.base_url));
        let old = token_of(&api, "acme-app").await;
        sim.control(
            "tokens/invalidate",
            json!({"app": "acme-app", "errcode": 40014}),
        )
        .await;
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let api = api.clone();
            tasks.push(tokio::spawn(async move {
                // A caller-supplied access_token is dropped, never forwarded.
                api.get("/api/v1/apps/acme-app/proxy/cgi-bin/getcallbackip?access_token=evil")
                    .await
            }));
        }
        for task in tasks {
            let (status, body) = task.await.unwrap();
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["errcode"], 0, "{body}");
            assert!(body["ip_list"].is_array(), "{body}");
        }
        assert_eq!(sim.calls(GETTOKEN).await, 2, "exactly one refetch");
        let errors = &sim.stats().await["errors_by_path"]["/cgi-bin/getcallbackip"];
        assert!(errors["40014"].as_u64().unwrap() >= 1, "{errors}");
        assert_ne!(token_of(&api, "acme-app").await, old);
        gw.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_gateway_uses_the_persisted_token() {
    on_both(|db| async move {
        let sim = Sim::start().await;
        let gw = start_gateway(&db, &sim).await;
        let first = token_of(&Api::new(&gw.base_url), "acme-app").await;
        gw.shutdown().await.unwrap();
        let gw = start_gateway(&db, &sim).await;
        assert_eq!(token_of(&Api::new(&gw.base_url), "acme-app").await, first);
        assert_eq!(
            sim.calls(GETTOKEN).await,
            1,
            "no new gettoken after a restart"
        );
        gw.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn system_busy_is_retried_three_times_then_fails_typed() {
    on_both(|db| async move {
        let sim = Sim::start().await;
        let gw = start_gateway(&db, &sim).await;
        let api = Api::new(&gw.base_url);
        sim.control(
            "faults",
            json!({"system_error_probability": 1.0, "paths": [GETTOKEN]}),
        )
        .await;
        let (status, body) = api.get("/api/v1/apps/acme-app/token").await;
        assert_eq!(status, 502, "{body}");
        assert_eq!(body["error"]["errcode"], -1, "{body}");
        assert_eq!(sim.calls(GETTOKEN).await, 4, "one call and three retries");

        // Busy half of the time: the retries get through.
        sim.control(
            "faults",
            json!({"system_error_probability": 0.5, "paths": [GETTOKEN]}),
        )
        .await;
        let mut ok = 0;
        for app in ["acme-app", "acme-app2", "acme-contacts"] {
            let (status, body) = api.get(&format!("/api/v1/apps/{app}/token")).await;
            if status == 200 {
                ok += 1;
            } else {
                assert_eq!(body["error"]["errcode"], -1, "{body}");
            }
        }
        assert!(ok >= 2, "retries should get most fetches through");
        gw.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limit_opens_the_breaker_and_the_platform_sees_no_more_calls() {
    on_both(|db| async move {
        // 10 000 gettoken per corp per minute, scaled down to 1.
        let sim = Sim::with(sim_options(0.0001)).await;
        let gw = start_gateway(&db, &sim).await;
        let api = Api::new(&gw.base_url);
        token_of(&api, "acme-app").await;
        let (status, body) = api.get("/api/v1/apps/acme-app2/token").await;
        assert_eq!(status, 429, "{body}");
        assert_eq!(body["error"]["code"], "rate_limited");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("45009") && message.contains("retry after"),
            "{message}"
        );
        assert_eq!(sim.calls(GETTOKEN).await, 2);
        for _ in 0..10 {
            let (status, _) = api.get("/api/v1/apps/acme-app2/token").await;
            assert_eq!(status, 429);
        }
        assert_eq!(
            sim.calls(GETTOKEN).await,
            2,
            "the breaker kept callers off the platform"
        );
        // Other keys are unaffected.
        assert!(!token_of(&api, "acme-app").await.is_empty());
        gw.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jsapi_and_agent_tickets_reuse_the_app_token() {
    on_both(|db| async move {
        let sim = Sim::start().await;
        let gw = start_gateway(&db, &sim).await;
        let api = Api::new(&gw.base_url);
        for _ in 0..3 {
            let (status, body) = api.get("/api/v1/apps/acme-app/jsapi-ticket").await;
            assert_eq!(status, 200, "{body}");
            assert!(!body["ticket"].as_str().unwrap().is_empty());
            let (status, body) = api.get("/api/v1/apps/acme-app/agent-ticket").await;
            assert_eq!(status, 200, "{body}");
            assert!(body["expires_in"].as_i64().unwrap() > 7000);
        }
        assert_eq!(sim.calls("/cgi-bin/get_jsapi_ticket").await, 1);
        assert_eq!(sim.calls("/cgi-bin/ticket/get").await, 1);
        assert_eq!(sim.calls(GETTOKEN).await, 1);
        let (status, body) = api.get("/api/v1/apps/acme-contacts/agent-ticket").await;
        assert_eq!(status, 400, "{body}");

        let (status, body) = api.get("/api/v1/apps/oa/jsapi-ticket").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(sim.calls("/cgi-bin/ticket/getticket").await, 1);
        gw.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mp_tokens_come_from_stable_token() {
    on_both(|db| async move {
        let sim = Sim::start().await;
        let gw = start_gateway(&db, &sim).await;
        let api = Api::new(&gw.base_url);
        let token = token_of(&api, "oa").await;
        assert_eq!(token_of(&api, "oa").await, token);
        assert_eq!(sim.calls("/cgi-bin/stable_token").await, 1);
        assert_eq!(
            sim.calls("/cgi-bin/token").await,
            0,
            "never the legacy endpoint"
        );
        // The proxy goes to the WeChat base with the token injected.
        let (status, body) = api.get("/api/v1/apps/oa/proxy/cgi-bin/getcallbackip").await;
        assert!(
            status == 200 || body.get("errcode").is_some(),
            "{status} {body}"
        );
        gw.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn suite_tokens_need_a_persisted_ticket() {
    on_both(|db| async move {
        let sim = Sim::start().await;
        let gw = start_gateway(&db, &sim).await;
        let api = Api::new(&gw.base_url);
        let (status, body) = api.get("/api/v1/apps/crm/token").await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"]["code"], "no_suite_ticket");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("suite_ticket push (every 10 min)"),
            "{message}"
        );
        assert_eq!(
            sim.stats().await["total_calls"],
            0,
            "nothing sent without a ticket"
        );

        // With a ticket stored, the fetch goes to get_suite_token with it.
        gw.gateway
            .store
            .put_suite_ticket(SUITE_ID, "ticket-1", 1)
            .await
            .unwrap();
        let (status, _) = api.get("/api/v1/apps/crm/token").await;
        assert_ne!(status, 503);

        let (status, body) = api.get("/api/v1/apps/crm/token?kind=provider").await;
        assert_eq!(status, 400, "no provider configured: {body}");
        let (status, body) = api
            .get(&format!("/api/v1/suites/crm/corps/{CORP}/token"))
            .await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["error"]["code"], "not_authorised");
        gw.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refresh_needs_proof_and_errors_are_typed() {
    on_both(|db| async move {
        let sim = Sim::start().await;
        let gw = start_gateway(&db, &sim).await;
        let api = Api::new(&gw.base_url);
        let token = token_of(&api, "acme-app").await;
        let (status, body) = api.get("/api/v1/apps/acme-app/token?refresh=true").await;
        assert_eq!(status, 400, "{body}");
        // A stale proof changes nothing.
        let (status, body) = api
            .get("/api/v1/apps/acme-app/token?refresh=true&invalid=not-the-token")
            .await;
        assert_eq!(status, 200);
        assert_eq!(body["access_token"], Value::from(token.clone()));
        assert_eq!(sim.calls(GETTOKEN).await, 1);
        // The current token as proof: dropped and refetched (the sim hands out the same
        // token while it is valid, but the gateway asked again).
        let (status, _) = api
            .get(&format!(
                "/api/v1/apps/acme-app/token?refresh=true&invalid={token}"
            ))
            .await;
        assert_eq!(status, 200);
        assert_eq!(sim.calls(GETTOKEN).await, 2);

        assert_eq!(api.get("/api/v1/apps/nope/token").await.0, 404);
        assert_eq!(
            api.get("/api/v1/apps/acme-app/token?kind=weird").await.0,
            400
        );
        assert_eq!(api.get("/api/v1/apps/oa/agent-ticket").await.0, 400);
        let unauthenticated = reqwest::get(format!("{}/api/v1/apps/acme-app/token", gw.base_url))
            .await
            .unwrap();
        assert_eq!(unauthenticated.status(), 401);
        gw.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn suite_and_authorised_corp_tokens_from_the_simulator() {
    on_both(|db| async move {
        let sim = Sim::start().await;
        let gw = start_gateway(&db, &sim).await;
        let api = Api::new(&gw.base_url);
        // "刷新 Ticket" at the simulator, stored as the callback handler would.
        let pushed: Value = sim
            .http
            .post(format!("{}/sim/suites/{SUITE_ID}/ticket", sim.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ticket = pushed["suite_ticket"].as_str().unwrap();
        gw.gateway
            .store
            .put_suite_ticket(SUITE_ID, ticket, 1)
            .await
            .unwrap();
        let suite_token = token_of(&api, "crm").await;
        assert_eq!(token_of(&api, "crm").await, suite_token);
        assert_eq!(sim.calls("/cgi-bin/service/get_suite_token").await, 1);

        // Install the suite in Acme through the proxy (suite_access_token injected).
        let (status, body) = api
            .get("/api/v1/apps/crm/proxy/cgi-bin/service/get_pre_auth_code")
            .await;
        assert_eq!(status, 200, "{body}");
        let pre_auth_code = body["pre_auth_code"].as_str().unwrap().to_owned();
        let no_redirect = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let install = no_redirect
            .get(format!("{}/3rdapp/install", sim.url()))
            .query(&[
                ("suite_id", SUITE_ID),
                ("pre_auth_code", pre_auth_code.as_str()),
                ("redirect_uri", "http://app.example/installed"),
                ("state", "s"),
                ("sim_corp", CORP),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(install.status(), 302);
        let location = install.headers()["location"].to_str().unwrap().to_owned();
        let auth_code = location
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix("auth_code="))
            .unwrap()
            .to_owned();
        let res = api
            .http
            .post(format!(
                "{}/api/v1/apps/crm/proxy/cgi-bin/service/get_permanent_code",
                gw.base_url
            ))
            .bearer_auth(common::ADMIN_KEY)
            .json(&json!({ "auth_code": auth_code }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        let permanent_code = body["permanent_code"].as_str().expect("permanent_code");
        gw.gateway
            .store
            .upsert_auth_corp(&wxgate_store::NewAuthCorp {
                suite_id: SUITE_ID.into(),
                corp_id: CORP.into(),
                permanent_code: wxgate_store::Secret::new(permanent_code),
                corp_name: "Acme".into(),
                agent_id: None,
                auth_info: json!({}),
            })
            .await
            .unwrap();
        let path = format!("/api/v1/suites/crm/corps/{CORP}/token");
        let (status, body) = api.get(&path).await;
        assert_eq!(status, 200, "{body}");
        let corp_token = body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(
            api.get(&path).await.1["access_token"],
            Value::from(corp_token)
        );
        assert_eq!(sim.calls("/cgi-bin/service/get_corp_token").await, 1);
        assert_eq!(sim.calls("/cgi-bin/service/get_suite_token").await, 1);
        gw.shutdown().await.unwrap();
    })
    .await;
}
