//! WeChat token, stable_token and tickets over real HTTP (NOTES §4, §4.1).

mod common;

use common::{OA, Sim, errcode};
use serde_json::json;

fn ticket_url(token: &str) -> String {
    format!("/cgi-bin/ticket/getticket?access_token={token}&type=jsapi")
}

#[tokio::test]
async fn token_has_no_errcode_and_a_refetch_retires_the_old_token_after_five_minutes() {
    let sim = Sim::start().await;
    let body = sim
        .get(&format!(
            "/cgi-bin/token?grant_type=client_credential&appid={OA}&secret=oa-secret"
        ))
        .await;
    assert!(body.get("errcode").is_none(), "{body}");
    assert_eq!(body["expires_in"], 7200);
    let old = body["access_token"].as_str().unwrap().to_owned();
    assert!(old.len() <= 512);
    assert_eq!(errcode(&sim.get(&ticket_url(&old)).await), 0);

    let new = sim.mp_token(OA, "oa-secret").await;
    assert_ne!(new, old, "every fetch issues a new token");
    // Old and new both work during the documented 5-minute overlap…
    assert_eq!(errcode(&sim.get(&ticket_url(&old)).await), 0);
    sim.advance(300).await;
    // …then the old one is "not latest".
    let body = sim.get(&ticket_url(&old)).await;
    assert_eq!(errcode(&body), 40001, "{body}");
    let errmsg = body["errmsg"].as_str().unwrap();
    assert!(
        errmsg.starts_with("invalid credential, access_token is invalid or not latest rid: "),
        "{errmsg}"
    );
    let rid = errmsg.rsplit("rid: ").next().unwrap();
    let parts: Vec<&str> = rid.split('-').collect();
    assert_eq!(parts.len(), 3, "{rid}");
    assert!(
        parts
            .iter()
            .all(|p| p.len() == 8 && p.chars().all(|c| c.is_ascii_hexdigit()))
    );
    assert_eq!(errcode(&sim.get(&ticket_url(&new)).await), 0);
}

#[tokio::test]
async fn token_errors_get_the_documented_codes() {
    let sim = Sim::start().await;
    let cases = [
        (
            "grant_type=client_credential&appid=wxnobody&secret=oa-secret".to_owned(),
            40013,
        ),
        (
            format!("grant_type=client_credential&appid={OA}&secret=wrong"),
            40125,
        ),
        (
            format!("grant_type=authorization_code&appid={OA}&secret=oa-secret"),
            40002,
        ),
        (format!("appid={OA}&secret=oa-secret"), 40002),
        (
            "grant_type=client_credential&secret=oa-secret".to_owned(),
            41002,
        ),
        (format!("grant_type=client_credential&appid={OA}"), 41004),
    ];
    for (query, code) in cases {
        let body = sim.get(&format!("/cgi-bin/token?{query}")).await;
        assert_eq!(errcode(&body), code, "{query}: {body}");
        assert!(body["errmsg"].as_str().unwrap().contains(" rid: "));
    }
    let body = sim
        .get("/cgi-bin/token?grant_type=client_credential&appid=wxnobody&secret=x")
        .await;
    assert!(
        body["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("invalid appid rid: ")
    );
    // Mini programs use the same endpoint.
    assert!(
        !sim.mp_token("wxmini00000000001", "mini-secret")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn getticket_has_errcode_zero_and_checks_its_type() {
    let sim = Sim::start().await;
    let token = sim.mp_token(OA, "oa-secret").await;
    let jsapi = sim.get(&ticket_url(&token)).await;
    assert_eq!(
        (jsapi["errcode"].as_i64(), jsapi["errmsg"].as_str()),
        (Some(0), Some("ok"))
    );
    assert_eq!(jsapi["expires_in"], 7200);
    assert_eq!(jsapi["ticket"].as_str().unwrap().len(), 86);
    assert_eq!(
        sim.get(&ticket_url(&token)).await["ticket"],
        jsapi["ticket"]
    );
    let card = sim
        .get(&format!(
            "/cgi-bin/ticket/getticket?access_token={token}&type=wx_card"
        ))
        .await;
    assert_eq!(errcode(&card), 0);
    assert_ne!(card["ticket"], jsapi["ticket"]);
    let bad = sim
        .get(&format!(
            "/cgi-bin/ticket/getticket?access_token={token}&type=other"
        ))
        .await;
    assert_eq!(errcode(&bad), 40097);
    let wecom = sim.wecom_token("acme-secret").await;
    assert_eq!(errcode(&sim.get(&ticket_url(&wecom)).await), 40014);
    assert_eq!(
        errcode(&sim.get("/cgi-bin/ticket/getticket?type=jsapi").await),
        41001
    );
}

fn stable(force: bool) -> serde_json::Value {
    json!({"grant_type":"client_credential","appid":OA,"secret":"oa-secret","force_refresh":force})
}

#[tokio::test]
async fn stable_token_is_stable_and_renews_in_its_last_five_minutes() {
    let sim = Sim::start().await;
    let first = sim.post("/cgi-bin/stable_token", stable(false)).await;
    assert!(first.get("errcode").is_none(), "{first}");
    assert_eq!(first["expires_in"], 7200);
    let token = first["access_token"].as_str().unwrap().to_owned();

    // Its own token space: /cgi-bin/token does not disturb it.
    let plain = sim.mp_token(OA, "oa-secret").await;
    assert_ne!(plain, token);
    sim.mp_token(OA, "oa-secret").await;
    sim.advance(1000).await;
    assert_eq!(errcode(&sim.get(&ticket_url(&token)).await), 0);

    let again = sim
        .post(
            "/cgi-bin/stable_token",
            json!({"grant_type":"client_credential","appid":OA,"secret":"oa-secret"}),
        )
        .await;
    assert_eq!(again["access_token"], token.as_str());
    assert_eq!(again["expires_in"], 6200);

    // 5 900 s later only 300 s are left: still the same token.
    sim.advance(5900).await;
    let same = sim.post("/cgi-bin/stable_token", stable(false)).await;
    assert_eq!(
        (same["access_token"].as_str(), same["expires_in"].as_i64()),
        (Some(token.as_str()), Some(300))
    );
    // One second later it is renewed; the old one keeps working until it expires.
    sim.advance(1).await;
    let renewed = sim.post("/cgi-bin/stable_token", stable(false)).await;
    assert_ne!(renewed["access_token"], token.as_str());
    assert_eq!(renewed["expires_in"], 7200);
    assert_eq!(errcode(&sim.get(&ticket_url(&token)).await), 0);
    sim.advance(299).await;
    assert_eq!(errcode(&sim.get(&ticket_url(&token)).await), 42001);
    let renewed = renewed["access_token"].as_str().unwrap();
    assert_eq!(errcode(&sim.get(&ticket_url(renewed)).await), 0);
}

#[tokio::test]
async fn stable_token_force_refresh_invalidates_and_is_limited() {
    let sim = Sim::start().await;
    let token = sim.post("/cgi-bin/stable_token", stable(false)).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let forced = sim.post("/cgi-bin/stable_token", stable(true)).await;
    let forced = forced["access_token"].as_str().unwrap().to_owned();
    assert_ne!(forced, token);
    assert_eq!(errcode(&sim.get(&ticket_url(&token)).await), 40001);
    assert_eq!(errcode(&sim.get(&ticket_url(&forced)).await), 0);

    // Within 30 s a force refresh does not refresh.
    sim.advance(10).await;
    let too_soon = sim.post("/cgi-bin/stable_token", stable(true)).await;
    assert_eq!(too_soon["access_token"], forced.as_str());
    assert_eq!(too_soon["expires_in"], 7190);

    // 20 force refreshes per day: 2 used, 18 more succeed, the 21st is refused.
    let mut last = forced;
    for i in 0..18 {
        sim.advance(31).await;
        let body = sim.post("/cgi-bin/stable_token", stable(true)).await;
        let value = body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("call {i}: {body}"));
        assert_ne!(value, last);
        last = value.to_owned();
    }
    sim.advance(31).await;
    let refused = sim.post("/cgi-bin/stable_token", stable(true)).await;
    assert_eq!(errcode(&refused), 45009, "{refused}");
    assert!(
        refused["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("reach max api daily quota limit")
    );
    // Normal mode still works and returns the current token.
    let normal = sim.post("/cgi-bin/stable_token", stable(false)).await;
    assert_eq!(normal["access_token"], last.as_str());
}

#[tokio::test]
async fn stable_token_wants_a_json_post() {
    let sim = Sim::start().await;
    let form = sim
        .http
        .post(sim.url("/cgi-bin/stable_token"))
        .body(format!(
            "grant_type=client_credential&appid={OA}&secret=oa-secret"
        ))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(errcode(&form), 47001, "{form}");
    let get = sim.get("/cgi-bin/stable_token").await;
    assert_eq!(errcode(&get), 43002, "{get}");
    let bad_flag = sim
        .post("/cgi-bin/stable_token", json!({"grant_type":"client_credential","appid":OA,"secret":"oa-secret","force_refresh":"yes"}))
        .await;
    assert_eq!(errcode(&bad_flag), 47001);
    let wrong_secret = sim
        .post(
            "/cgi-bin/stable_token",
            json!({"grant_type":"client_credential","appid":OA,"secret":"nope"}),
        )
        .await;
    assert_eq!(errcode(&wrong_secret), 40125);
}
