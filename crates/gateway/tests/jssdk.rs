//! JS-SDK signing end to end: the gateway over real HTTP against the simulator, on SQLite and
//! PostgreSQL — signatures for a WeCom app (wx.config and wx.agentConfig), an official account
//! and a suite's authorised corp; the official example values of NOTES §1.1 through the
//! endpoint; the trusted-domain, CORS and rate-limit refusals; one ticket fetch per expiry and
//! the refresh after it; the drop-in script.

mod common;
mod wxenv;

use common::TestDb;
use serde_json::{Value, json};
use wxenv::{CORP, Env, OA, Options, SUITE_ID};
use wxgate_gateway::token::keys;
use wxgate_protocol::signature::jssdk_signature;

const OFFICIAL_TICKET: &str =
    "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";

fn options() -> Options {
    Options {
        server: "jssdk_requests_per_minute = 100000".into(),
        ..Options::default()
    }
}

/// Recomputes the signature of an answer with `ticket`.
fn check_signature(answer: &Value, ticket: &str, url: &str) {
    assert_eq!(answer["url"], url, "{answer}");
    let expected = jssdk_signature(
        ticket,
        answer["nonceStr"].as_str().unwrap(),
        &answer["timestamp"].as_i64().unwrap().to_string(),
        url,
    )
    .to_hex();
    assert_eq!(answer["signature"], expected, "{answer}");
}

async fn ticket(env: &Env, app: &str, which: &str) -> String {
    let (status, body) = env.admin_get(&format!("/api/v1/apps/{app}/{which}")).await;
    assert_eq!(status, 200, "{body}");
    body["ticket"].as_str().unwrap().to_owned()
}

async fn wecom_app_config_agent_config_and_ticket_refresh(db: &TestDb) {
    let env = Env::start(db, options()).await;
    let origin = "https://app.example.com";
    let page = "https://app.example.com/orders?id=7";
    let (status, config, headers) = env
        .public_post(
            "/api/v1/apps/acme-app/jssdk-config",
            Some(origin),
            json!({"url": format!("{page}#/detail")}),
        )
        .await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(headers["access-control-allow-origin"], origin);
    assert_eq!(config["platform"], "wecom");
    assert_eq!(config["appId"], CORP);
    assert_eq!(config["agentId"], 1000002);
    assert_eq!(config["jsApiList"], json!(["scanQRCode", "chooseImage"]));
    assert_eq!(config["nonceStr"].as_str().unwrap().len(), 16);
    assert_eq!(
        config["timestamp"].as_i64().unwrap(),
        env.gw.gateway.tokens.clock().now()
    );
    let corp_ticket = ticket(&env, "acme-app", "jsapi-ticket").await;
    check_signature(&config, &corp_ticket, page);

    let (status, agent, _) = env
        .public_post(
            "/api/v1/apps/acme-app/jssdk-agent-config",
            Some(origin),
            json!({"url": page}),
        )
        .await;
    assert_eq!(status, 200, "{agent}");
    assert_eq!(
        (agent["corpid"].as_str(), agent["agentid"].as_i64()),
        (Some(CORP), Some(1000002))
    );
    let agent_ticket = ticket(&env, "acme-app", "agent-ticket").await;
    assert_ne!(
        agent_ticket, corp_ticket,
        "wx.agentConfig uses the app's own ticket"
    );
    check_signature(&agent, &agent_ticket, page);

    // Many pages, one ticket fetch of each kind.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let http = env.http.clone();
        let url = env.url("/api/v1/apps/acme-app/jssdk-config");
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .json(&json!({"url": format!("https://app.example.com/p{i}")}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }));
    }
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        check_signature(&body, &corp_ticket, body["url"].as_str().unwrap());
    }
    assert_eq!(env.calls("/cgi-bin/get_jsapi_ticket").await, 1);
    assert_eq!(env.calls("/cgi-bin/ticket/get").await, 1);

    // After the ticket's 7200 s: exactly one new fetch, and signatures use the new ticket.
    env.advance(7201).await;
    let (status, config, _) = env
        .public_post(
            "/api/v1/apps/acme-app/jssdk-config",
            None,
            json!({"url": page}),
        )
        .await;
    assert_eq!(status, 200, "{config}");
    let renewed = ticket(&env, "acme-app", "jsapi-ticket").await;
    assert_ne!(renewed, corp_ticket);
    check_signature(&config, &renewed, page);
    for _ in 0..5 {
        let (status, _, _) = env
            .public_post(
                "/api/v1/apps/acme-app/jssdk-config",
                None,
                json!({"url": page}),
            )
            .await;
        assert_eq!(status, 200);
    }
    assert_eq!(env.calls("/cgi-bin/get_jsapi_ticket").await, 2);
    env.stop().await;
}

async fn official_example_values_through_the_endpoint(db: &TestDb) {
    let env = Env::start(db, options()).await;
    // The ticket of the official example, as if the platform had issued it, for the official
    // account's wx.config and the WeCom app's wx.agentConfig.
    let tokens = &env.gw.gateway.tokens;
    for key in [
        keys::mp_jsapi_ticket(OA),
        keys::wecom_agent_ticket(CORP, "1000002"),
    ] {
        tokens.seed(&key, OFFICIAL_TICKET, 7200).await.unwrap();
    }
    // NOTES §1.1: WeCom doc 96909 / wechatpy (with a query; the fragment is not signed), and the
    // older MP wiki revision (bare URL).
    let examples = [
        (
            "http://mp.weixin.qq.com?params=value#/share",
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed",
        ),
        (
            "http://mp.weixin.qq.com",
            "f4d90daf4b3bca3078ab155816175ba34c443a7b",
        ),
    ];
    for (url, signature) in examples {
        let body = json!({"url": url, "nonceStr": "Wm3WZYTPz0wzccnW", "timestamp": 1414587457});
        let (status, config, _) = env
            .public_post("/api/v1/apps/news/jssdk-config", None, body.clone())
            .await;
        assert_eq!(status, 200, "{config}");
        assert_eq!(config["signature"], signature, "{config}");
        assert_eq!(
            (config["platform"].as_str(), config["appId"].as_str()),
            (Some("wechat"), Some(OA))
        );
        assert!(config.get("agentId").is_none(), "{config}");
        assert_eq!(
            (config["timestamp"].as_i64(), config["nonceStr"].as_str()),
            (Some(1414587457), Some("Wm3WZYTPz0wzccnW"))
        );
        let (status, agent, _) = env
            .public_post("/api/v1/apps/acme-app/jssdk-agent-config", None, body)
            .await;
        assert_eq!(status, 200, "{agent}");
        assert_eq!(agent["signature"], signature, "{agent}");
    }
    // Seeded tickets are used as they are: nothing was fetched.
    assert_eq!(env.calls("/cgi-bin/ticket/getticket").await, 0);
    assert_eq!(env.calls("/cgi-bin/ticket/get").await, 0);
    env.stop().await;
}

async fn refusals(db: &TestDb) {
    let env = Env::start(db, options()).await;
    let ok = json!({"url": "https://app.example.com/x"});
    let cases: Vec<(&str, Option<&str>, Value, u16, &str)> = vec![
        (
            "/api/v1/apps/acme-app/jssdk-config",
            None,
            json!({"url": "https://evil.example.com/x"}),
            403,
            "untrusted_domain",
        ),
        (
            "/api/v1/apps/acme-app/jssdk-config",
            Some("https://evil.example.com"),
            ok.clone(),
            403,
            "origin_not_allowed",
        ),
        (
            "/api/v1/apps/acme-app/jssdk-config",
            Some("http://app.example.com"),
            ok.clone(),
            403,
            "origin_not_allowed",
        ),
        (
            "/api/v1/apps/nope/jssdk-config",
            None,
            ok.clone(),
            404,
            "unknown_app",
        ),
        (
            "/api/v1/apps/acme-contacts/jssdk-config",
            None,
            ok.clone(),
            400,
            "bad_request",
        ),
        (
            "/api/v1/apps/acme-app2/jssdk-config",
            None,
            ok.clone(),
            403,
            "no_trusted_domains",
        ),
        (
            "/api/v1/apps/news/jssdk-agent-config",
            None,
            json!({"url": "https://news.example.com/"}),
            400,
            "bad_request",
        ),
        (
            "/api/v1/apps/acme-app/jssdk-config",
            None,
            json!({"page": "x"}),
            400,
            "bad_request",
        ),
        (
            "/api/v1/apps/acme-app/jssdk-config",
            None,
            json!({"url": "/relative"}),
            400,
            "bad_request",
        ),
        (
            "/api/v1/apps/acme-app/jssdk-config",
            None,
            json!({"url": "https://app.example.com/", "nonceStr": "no spaces!"}),
            400,
            "bad_request",
        ),
        (
            "/api/v1/apps/crm/jssdk-config",
            None,
            json!({"url": "https://crm.provider.example/"}),
            400,
            "bad_request",
        ),
        (
            "/api/v1/apps/crm/jssdk-config",
            None,
            json!({"url": "https://crm.provider.example/", "corp_id": "wwnotinstalled"}),
            404,
            "not_authorised",
        ),
    ];
    for (path, origin, body, status, code) in cases {
        let (got, answer, _) = env.public_post(path, origin, body.clone()).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{path} {body}: {answer}"
        );
        assert!(
            answer["error"]["message"].as_str().unwrap().len() > 20,
            "{answer}"
        );
    }
    // The preflight: allowed origins get the CORS headers, others 403.
    let preflight = |origin: &'static str| {
        env.http
            .request(
                reqwest::Method::OPTIONS,
                env.url("/api/v1/apps/acme-app/jssdk-config"),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://app.example.com").await.unwrap();
    assert_eq!(allowed.status().as_u16(), 204);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        allowed.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(
        allowed.headers()["access-control-allow-headers"],
        "content-type"
    );
    let refused = preflight("https://evil.example.com").await.unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    // No ticket was fetched for any refused request.
    assert_eq!(env.calls("/cgi-bin/get_jsapi_ticket").await, 0);
    env.stop().await;
}

async fn rate_limited_per_client(db: &TestDb) {
    let env = Env::start(
        db,
        Options {
            server: "jssdk_requests_per_minute = 3".into(),
            ..Options::default()
        },
    )
    .await;
    let body = json!({"url": "https://app.example.com/x"});
    for _ in 0..3 {
        let (status, answer, _) = env
            .public_post("/api/v1/apps/acme-app/jssdk-config", None, body.clone())
            .await;
        assert_eq!(status, 200, "{answer}");
    }
    let (status, answer, headers) = env
        .public_post(
            "/api/v1/apps/acme-app/jssdk-agent-config",
            Some("https://app.example.com"),
            body.clone(),
        )
        .await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert_eq!(answer["error"]["code"], "rate_limited");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // The admin API is not limited.
    let (status, _) = env.admin_get("/api/v1/apps/acme-app/jsapi-ticket").await;
    assert_eq!(status, 200);
    env.stop().await;
}

async fn suite_authorised_corp(db: &TestDb) {
    let env = Env::start(db, options()).await;
    let corp = env.install_suite("Umbrella").await;
    let stored = env
        .gw
        .gateway
        .store
        .get_auth_corp(SUITE_ID, &corp)
        .await
        .unwrap()
        .unwrap();
    let agent_id = stored
        .agent_id
        .expect("the install gave the suite's app an agent id");
    let page = "https://crm.provider.example/app?corp=1";
    let request = json!({"url": page, "corp_id": corp});
    let (status, config, _) = env
        .public_post("/api/v1/apps/crm/jssdk-config", None, request.clone())
        .await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(
        (config["appId"].as_str(), config["agentId"].as_i64()),
        (Some(corp.as_str()), Some(agent_id))
    );
    assert_eq!(config["jsApiList"], json!(["selectEnterpriseContact"]));
    let tokens = &env.gw.gateway.tokens;
    let corp_ticket = tokens
        .get(&keys::auth_corp_jsapi_ticket(SUITE_ID, &corp))
        .await
        .unwrap()
        .value;
    check_signature(&config, &corp_ticket, page);
    let (status, agent, _) = env
        .public_post("/api/v1/apps/crm/jssdk-agent-config", None, request)
        .await;
    assert_eq!(status, 200, "{agent}");
    assert_eq!(agent["agentid"].as_i64(), Some(agent_id));
    let agent_ticket = tokens
        .get(&keys::auth_corp_agent_ticket(SUITE_ID, &corp))
        .await
        .unwrap()
        .value;
    assert_ne!(agent_ticket, corp_ticket);
    check_signature(&agent, &agent_ticket, page);
    assert_eq!(env.calls("/cgi-bin/get_jsapi_ticket").await, 1);
    assert_eq!(env.calls("/cgi-bin/ticket/get").await, 1);

    // The script of a suite names the corp.
    let script = env
        .http
        .get(env.url(&format!("/sdk/jssdk.js?app=crm&corp_id={corp}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(script.contains(&format!(r#""appId":"{corp}""#)), "{script}");
    assert!(script.contains(r#""suite":true"#));
    env.stop().await;
}

async fn drop_in_script(db: &TestDb) {
    let env = Env::start(db, options()).await;
    let response = env
        .http
        .get(env.url("/sdk/jssdk.js?app=acme-app"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/javascript; charset=utf-8"
    );
    let script = response.text().await.unwrap();
    for fragment in [
        r#""app":"acme-app""#,
        &format!(r#""appId":"{CORP}""#),
        r#""agentId":1000002"#,
        r#""jsApiList":["scanQRCode","chooseImage"]"#,
        r#""platform":"wecom""#,
        "wxgate:ready",
        "ww.register",
    ] {
        assert!(script.contains(fragment), "{fragment} in {script}");
    }
    assert!(!script.contains("acme-app-secret"));
    let news = env
        .http
        .get(env.url("/sdk/jssdk.js?app=news"))
        .send()
        .await
        .unwrap();
    assert!(
        news.text()
            .await
            .unwrap()
            .contains(r#""platform":"wechat""#)
    );
    for (query, status) in [
        ("", 400),
        ("?app=nope", 404),
        ("?app=acme-contacts", 400),
        ("?app=crm", 400),
    ] {
        let r = env
            .http
            .get(env.url(&format!("/sdk/jssdk.js{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{query}");
    }
    env.stop().await;
}

cases_on_both_backends! {
    wecom_app_signs_config_and_agent_config_and_refreshes_its_ticket => wecom_app_config_agent_config_and_ticket_refresh;
    official_example_values => official_example_values_through_the_endpoint;
    refusals_say_why => refusals;
    the_public_endpoints_are_rate_limited_per_client => rate_limited_per_client;
    suites_sign_for_their_authorised_corps => suite_authorised_corp;
    the_drop_in_script_carries_the_public_settings => drop_in_script;
}
