//! WeCom gettoken and tickets over real HTTP (NOTES §3.1, §3.6, §3.7).

mod common;

use common::{CORP, Sim, errcode};
use wxgate_sim::SimOptions;

#[tokio::test]
async fn gettoken_has_the_documented_shape_and_is_stable_while_valid() {
    let sim = Sim::start().await;
    let body = sim
        .get(&format!(
            "/cgi-bin/gettoken?corpid={CORP}&corpsecret=acme-secret"
        ))
        .await;
    assert_eq!(body["errcode"], 0);
    assert_eq!(body["errmsg"], "ok");
    assert_eq!(body["expires_in"], 7200);
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert!(!token.is_empty() && token.len() <= 512);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(body.as_object().unwrap().len(), 4, "{body}");

    sim.advance(100).await;
    let again = sim
        .get(&format!(
            "/cgi-bin/gettoken?corpid={CORP}&corpsecret=acme-secret"
        ))
        .await;
    assert_eq!(again["access_token"], token.as_str());
    assert_eq!(again["expires_in"], 7100);

    // Each app secret has its own token.
    assert_ne!(sim.wecom_token("acme-secret-2").await, token);
    assert_ne!(sim.wecom_token("acme-contacts-secret").await, token);
}

#[tokio::test]
async fn a_token_expires_after_its_lifetime_and_a_new_one_is_issued() {
    let sim = Sim::start().await;
    let old = sim.wecom_token("acme-secret").await;
    let ok = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={old}"))
        .await;
    assert_eq!(errcode(&ok), 0);

    sim.advance(7201).await;
    let expired = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={old}"))
        .await;
    assert_eq!(errcode(&expired), 42001, "{expired}");
    let new = sim.wecom_token("acme-secret").await;
    assert_ne!(new, old);
    let ok = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={new}"))
        .await;
    assert_eq!(errcode(&ok), 0);
}

#[tokio::test]
async fn bad_tokens_and_credentials_get_the_documented_codes() {
    let sim = Sim::start().await;
    let cases = [
        (
            "/cgi-bin/get_jsapi_ticket?access_token=garbage".to_owned(),
            40014,
        ),
        ("/cgi-bin/get_jsapi_ticket".to_owned(), 41001),
        ("/cgi-bin/get_jsapi_ticket?access_token=".to_owned(), 41001),
        (
            "/cgi-bin/gettoken?corpid=wwnobody&corpsecret=acme-secret".to_owned(),
            40013,
        ),
        (
            format!("/cgi-bin/gettoken?corpid={CORP}&corpsecret=other-secret"),
            40091,
        ),
        (
            format!("/cgi-bin/gettoken?corpid={CORP}&corpsecret=wrong"),
            40001,
        ),
        (format!("/cgi-bin/gettoken?corpid={CORP}"), 41004),
        ("/cgi-bin/gettoken?corpsecret=acme-secret".to_owned(), 41002),
    ];
    for (path, code) in cases {
        let body = sim.get(&path).await;
        assert_eq!(errcode(&body), code, "{path}: {body}");
        assert!(body.get("access_token").is_none());
    }
    // A WeChat token is not a WeCom access_token.
    let mp = sim.mp_token(common::OA, "oa-secret").await;
    let body = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={mp}"))
        .await;
    assert_eq!(errcode(&body), 40014);
}

#[tokio::test]
async fn wecom_errors_carry_the_live_style_suffix() {
    let sim = Sim::start().await;
    let body = sim
        .get("/cgi-bin/gettoken?corpid=wwnobody&corpsecret=x")
        .await;
    let errmsg = body["errmsg"].as_str().unwrap();
    assert!(errmsg.starts_with("invalid corpid, hint: ["), "{errmsg}");
    assert!(
        errmsg.contains("], from ip: 127.0.0.1, more info at "),
        "{errmsg}"
    );
    assert!(
        errmsg.ends_with("https://open.work.weixin.qq.com/devtool/query?e=40013"),
        "{errmsg}"
    );
    let again = sim
        .get("/cgi-bin/gettoken?corpid=wwnobody&corpsecret=x")
        .await;
    assert_ne!(again["errmsg"], body["errmsg"], "the hint differs per call");
}

#[tokio::test]
async fn jsapi_and_agent_tickets_have_the_documented_shape() {
    let sim = Sim::start().await;
    let token = sim.wecom_token("acme-secret").await;
    let corp = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={token}"))
        .await;
    assert_eq!(
        (corp["errcode"].as_i64(), corp["errmsg"].as_str()),
        (Some(0), Some("ok"))
    );
    assert_eq!(corp["expires_in"], 7200);
    let corp_ticket = corp["ticket"].as_str().unwrap();
    assert_eq!(corp_ticket.len(), 86);

    // The corp ticket is the corp's: another app of the same corp gets the same one.
    let token2 = sim.wecom_token("acme-secret-2").await;
    let corp2 = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={token2}"))
        .await;
    assert_eq!(corp2["ticket"], corp_ticket);

    let agent = sim
        .get(&format!(
            "/cgi-bin/ticket/get?access_token={token}&type=agent_config"
        ))
        .await;
    assert_eq!(errcode(&agent), 0);
    assert_eq!(agent["expires_in"], 7200);
    assert_ne!(agent["ticket"], corp_ticket);
    let agent2 = sim
        .get(&format!(
            "/cgi-bin/ticket/get?access_token={token2}&type=agent_config"
        ))
        .await;
    assert_ne!(
        agent2["ticket"], agent["ticket"],
        "agent tickets are per app"
    );

    for bad in ["&type=jsapi", ""] {
        let body = sim
            .get(&format!("/cgi-bin/ticket/get?access_token={token}{bad}"))
            .await;
        assert_eq!(errcode(&body), 40058, "{body}");
    }
}

#[tokio::test]
async fn tickets_are_limited_per_app_and_per_corp_per_hour() {
    // 100/h per app × 0.05 = 5; 400/h per corp × 0.05 = 20.
    let sim = Sim::with(SimOptions {
        rate_limit_factor: 0.05,
        ..common::options()
    })
    .await;
    let token = sim.wecom_token("acme-secret").await;
    let url = format!("/cgi-bin/ticket/get?access_token={token}&type=agent_config");
    for i in 0..5 {
        assert_eq!(errcode(&sim.get(&url).await), 0, "call {i}");
    }
    let limited = sim.get(&url).await;
    assert_eq!(errcode(&limited), 45009, "{limited}");
    // The jsapi ticket counts against the same per-app budget.
    let jsapi = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={token}"))
        .await;
    assert_eq!(errcode(&jsapi), 45009);
    // Another app still has its own budget.
    let token2 = sim.wecom_token("acme-secret-2").await;
    let other = sim
        .get(&format!(
            "/cgi-bin/ticket/get?access_token={token2}&type=agent_config"
        ))
        .await;
    assert_eq!(errcode(&other), 0);
    // A new hour, a new budget.
    sim.advance(3600).await;
    let token = sim.wecom_token("acme-secret").await;
    let url = format!("/cgi-bin/ticket/get?access_token={token}&type=agent_config");
    assert_eq!(errcode(&sim.get(&url).await), 0);
}

#[tokio::test]
async fn the_corp_ticket_budget_is_shared_by_its_apps() {
    // 400/h per corp × 0.01 = 4; 100/h per app × 0.01 = 1.
    let sim = Sim::with(SimOptions {
        rate_limit_factor: 0.01,
        ..common::options()
    })
    .await;
    for (i, secret) in [
        "acme-secret",
        "acme-secret-2",
        "acme-secret-3",
        "acme-secret-4",
    ]
    .iter()
    .enumerate()
    {
        let token = sim.wecom_token(secret).await;
        let body = sim
            .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={token}"))
            .await;
        assert_eq!(errcode(&body), 0, "app {i}: {body}");
    }
    let token = sim.wecom_token("acme-secret-5").await;
    let body = sim
        .get(&format!("/cgi-bin/get_jsapi_ticket?access_token={token}"))
        .await;
    assert_eq!(errcode(&body), 45009, "{body}");
}

#[tokio::test]
async fn concurrent_first_fetches_get_the_same_token() {
    let sim = std::sync::Arc::new(Sim::start().await);
    let mut calls = Vec::new();
    for _ in 0..16 {
        let sim = sim.clone();
        calls.push(tokio::spawn(
            async move { sim.wecom_token("acme-secret").await },
        ));
    }
    let mut tokens = Vec::new();
    for call in calls {
        tokens.push(call.await.unwrap());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "one token for all concurrent callers");
}
