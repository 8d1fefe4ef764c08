//! The client against a scripted in-test platform: errcode mapping, token invalidation with one
//! retry, −1 backoff, 45009 not retried, timeouts, bad statuses and bodies, multipart uploads,
//! downloads, and no secret in any error.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use wxgate_client::wecom::media::{MediaType, Upload};
use wxgate_client::wecom::message::{AppMessage, Recipients};
use wxgate_client::{
    BoxFuture, CallContext, Client, ClientConfig, ClientError, ErrorKind, RateLimiter, RateLimits,
    RetryPolicy, TokenKey, TokenProvider,
};

/// One scripted answer.
#[derive(Clone)]
enum Reply {
    Json(Value),
    Status(u16),
    Raw(&'static str, &'static [u8]),
    Slow(Duration, Value),
}

/// A request the platform saw.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    query: HashMap<String, String>,
    body: Vec<u8>,
    at: Instant,
}

#[derive(Default)]
struct Script {
    replies: HashMap<String, VecDeque<Reply>>,
    seen: Vec<Seen>,
}

#[derive(Clone, Default)]
struct Platform(Arc<Mutex<Script>>);

impl Platform {
    fn on(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        self.0
            .lock()
            .unwrap()
            .replies
            .entry(path.to_owned())
            .or_default()
            .extend(replies);
    }

    fn seen(&self, path: &str) -> Vec<Seen> {
        self.0
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

async fn handle(State(p): State<Platform>, uri: Uri, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    let query = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let reply = {
        let mut s = p.0.lock().unwrap();
        s.seen.push(Seen {
            path: path.clone(),
            query,
            body: body.to_vec(),
            at: Instant::now(),
        });
        s.replies.get_mut(&path).and_then(VecDeque::pop_front)
    };
    match reply {
        Some(Reply::Json(v)) => axum::Json(v).into_response(),
        Some(Reply::Status(code)) => StatusCode::from_u16(code).unwrap().into_response(),
        Some(Reply::Raw(ct, bytes)) => ([(header::CONTENT_TYPE, ct)], bytes).into_response(),
        Some(Reply::Slow(wait, v)) => {
            tokio::time::sleep(wait).await;
            axum::Json(v).into_response()
        }
        None => (StatusCode::NOT_FOUND, format!("no script for {path}")).into_response(),
    }
}

async fn platform() -> (Platform, String) {
    let p = Platform::default();
    let app = axum::Router::new().fallback(handle).with_state(p.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (p, format!("http://{addr}"))
}

fn client_for(base: &str) -> Client {
    client_with(base, ClientConfig::default(), None)
}

fn client_with(
    base: &str,
    config: ClientConfig,
    observer: Option<wxgate_client::CallObserver>,
) -> Client {
    Client::with_observer(
        ClientConfig {
            wecom_base: base.to_owned(),
            wechat_base: base.to_owned(),
            ..config
        },
        observer,
    )
    .unwrap()
}

/// Hands out `tok1`, then after each invalidation of the current token the next one.
#[derive(Default)]
struct Tokens {
    generation: Mutex<u32>,
    invalidated: Mutex<Vec<(String, String)>>,
}

impl TokenProvider for Tokens {
    fn token<'a>(&'a self, _key: &'a TokenKey) -> BoxFuture<'a, Result<String, ClientError>> {
        Box::pin(async move { Ok(format!("tok{}", *self.generation.lock().unwrap() + 1)) })
    }

    fn invalidate<'a>(&'a self, key: &'a TokenKey, token: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.invalidated
                .lock()
                .unwrap()
                .push((key.to_string(), token.to_owned()));
            let mut g = self.generation.lock().unwrap();
            if token == format!("tok{}", *g + 1) {
                *g += 1;
            }
        })
    }
}

fn err(code: i64, msg: &str) -> Reply {
    Reply::Json(json!({ "errcode": code, "errmsg": msg }))
}

fn ok(extra: Value) -> Reply {
    let mut v = json!({ "errcode": 0, "errmsg": "ok" });
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    Reply::Json(v)
}

#[tokio::test]
async fn expired_token_is_invalidated_and_the_call_retried_once_with_a_fresh_one() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/user/get",
        [
            err(42001, "access_token expired"),
            ok(json!({ "userid": "zhangsan" })),
        ],
    );
    let tokens = Arc::new(Tokens::default());
    let key = TokenKey::wecom_app("ww1", "1000002");
    let api = client_for(&base).wecom(tokens.clone(), key.clone());
    let member = api.user_get("zhangsan").await.unwrap();
    assert_eq!(member.userid, "zhangsan");
    assert_eq!(
        *tokens.invalidated.lock().unwrap(),
        [("wecom:ww1:1000002".to_owned(), "tok1".to_owned())]
    );
    let seen = p.seen("/cgi-bin/user/get");
    let used: Vec<_> = seen
        .iter()
        .map(|s| s.query["access_token"].as_str())
        .collect();
    assert_eq!(used, ["tok1", "tok2"]);
    assert_eq!(seen[1].query["userid"], "zhangsan");
}

#[tokio::test]
async fn a_second_rejection_is_returned_not_retried_again() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/user/get",
        [
            err(40014, "invalid access_token"),
            err(40014, "invalid access_token"),
            ok(json!({"userid":"x"})),
        ],
    );
    let tokens = Arc::new(Tokens::default());
    let api = client_for(&base).wecom(tokens.clone(), TokenKey::wecom_contacts("ww1"));
    let e = api.user_get("x").await.unwrap_err();
    let pe = e.platform().unwrap();
    assert_eq!(
        (pe.errcode, pe.kind(), pe.api),
        (40014, ErrorKind::InvalidToken, "user/get")
    );
    assert_eq!(p.seen("/cgi-bin/user/get").len(), 2);
    assert_eq!(tokens.invalidated.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn mp_40001_on_a_token_bearing_call_invalidates_but_on_a_fetch_means_wrong_secret() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/message/template/send",
        [
            err(
                40001,
                "invalid credential, access_token is invalid or not latest",
            ),
            ok(json!({ "msgid": 200228332 })),
        ],
    );
    p.on("/cgi-bin/token", [err(40001, "invalid credential")]);
    p.on("/cgi-bin/gettoken", [err(40091, "secret is invalid")]);
    let client = client_for(&base);
    let tokens = Arc::new(Tokens::default());
    let mp = client.mp(tokens.clone(), TokenKey::mp("wx1"));
    let msg = wxgate_client::wechat::message::TemplateMessage {
        touser: "o1".into(),
        template_id: "t1".into(),
        url: None,
        miniprogram: None,
        data: serde_json::Map::new(),
        client_msg_id: None,
    };
    assert_eq!(
        mp.template_send(&msg).await.unwrap().as_deref(),
        Some("200228332")
    );
    assert_eq!(tokens.invalidated.lock().unwrap()[0].1, "tok1");

    let fetch = client.mp_token("wx1", "bad").await.unwrap_err();
    let pe = fetch.platform().unwrap();
    assert_eq!(
        (pe.kind(), pe.context),
        (ErrorKind::InvalidCredential, CallContext::TokenFetch)
    );
    assert!(!pe.invalidates_token());
    let wecom = client.wecom_get_token("ww1", "bad").await.unwrap_err();
    assert_eq!(wecom.kind(), Some(ErrorKind::InvalidCredential));
    assert_eq!(p.seen("/cgi-bin/token").len(), 1);
}

#[tokio::test]
async fn system_busy_is_retried_three_times_with_backoff_then_returned() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/department/get",
        (0..5).map(|_| err(-1, "system busy")),
    );
    let api = client_for(&base).wecom(Arc::new(Tokens::default()), TokenKey::wecom_contacts("ww1"));
    let e = api.department_get(2).await.unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::SystemBusy));
    assert!(e.is_retryable());
    let seen = p.seen("/cgi-bin/department/get");
    assert_eq!(seen.len(), 4, "one call and three retries");
    let gaps: Vec<Duration> = seen.windows(2).map(|w| w[1].at - w[0].at).collect();
    for (gap, min) in gaps.iter().zip([100, 200, 400]) {
        assert!(*gap >= Duration::from_millis(min), "{gaps:?}");
    }
}

#[tokio::test]
async fn system_busy_then_success_succeeds() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/gettoken",
        [
            err(-1, "system busy"),
            ok(json!({ "access_token": "T", "expires_in": 7200 })),
        ],
    );
    let t = client_for(&base).wecom_get_token("ww1", "s").await.unwrap();
    assert_eq!((t.access_token.expose(), t.expires_in), ("T", 7200));
    assert_eq!(p.seen("/cgi-bin/gettoken").len(), 2);
}

#[tokio::test]
async fn rate_limit_errors_are_typed_and_not_retried() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/message/send",
        [err(45009, "api freq out of limit"), ok(json!({}))],
    );
    let api = client_for(&base).wecom(Arc::new(Tokens::default()), TokenKey::wecom_app("ww1", "1"));
    let e = api
        .message_send(&AppMessage::text(Recipients::users(["u1"]), 1, "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::RateLimited));
    assert!(!e.is_retryable());
    assert_eq!(p.seen("/cgi-bin/message/send").len(), 1);
}

#[tokio::test]
async fn message_send_posts_the_body_and_reads_the_receipt() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/message/send",
        [ok(json!({"invaliduser":"u2","msgid":"m1"}))],
    );
    p.on("/cgi-bin/user/simplelist", [err(81013, "all invalid")]);
    let api = client_for(&base).wecom(Arc::new(Tokens::default()), TokenKey::wecom_app("ww1", "1"));
    let r = api
        .message_send(&AppMessage::markdown(
            Recipients::users(["u1", "u2"]),
            1000002,
            "**hi**",
        ))
        .await
        .unwrap();
    assert_eq!(
        (r.invaliduser, r.msgid.as_deref()),
        (vec!["u2".to_owned()], Some("m1"))
    );
    let sent: Value = serde_json::from_slice(&p.seen("/cgi-bin/message/send")[0].body).unwrap();
    assert_eq!(
        sent,
        json!({"touser":"u1|u2","msgtype":"markdown","agentid":1000002,"markdown":{"content":"**hi**"}})
    );
    let e = api.user_simplelist(1).await.unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::AllRecipientsInvalid));
}

#[tokio::test]
async fn timeouts_statuses_and_garbage_are_typed() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/gettoken",
        [Reply::Slow(Duration::from_secs(2), json!({}))],
    );
    p.on("/cgi-bin/get_jsapi_ticket", [Reply::Status(500)]);
    p.on(
        "/cgi-bin/ticket/get",
        [Reply::Raw("text/html", b"<html>bad gateway</html>")],
    );
    let client = client_with(
        &base,
        ClientConfig {
            request_timeout: Duration::from_millis(200),
            ..ClientConfig::default()
        },
        None,
    );
    let e = client
        .wecom_get_token("ww1", "SUPERSECRET")
        .await
        .unwrap_err();
    assert!(
        matches!(e, ClientError::Timeout { api: "gettoken" }),
        "{e:?}"
    );
    assert!(e.is_retryable());
    let e = client.wecom_get_jsapi_ticket("TOKEN123").await.unwrap_err();
    assert!(
        matches!(e, ClientError::Status { status: 500, .. }),
        "{e:?}"
    );
    assert!(e.is_retryable());
    let e = client.wecom_get_agent_ticket("TOKEN123").await.unwrap_err();
    match &e {
        ClientError::Decode {
            api, body_snippet, ..
        } => {
            assert_eq!(*api, "ticket/get");
            assert!(body_snippet.contains("bad gateway"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(!e.is_retryable());
    let q = &p.seen("/cgi-bin/ticket/get")[0].query;
    assert_eq!(
        (q["access_token"].as_str(), q["type"].as_str()),
        ("TOKEN123", "agent_config")
    );
}

#[tokio::test]
async fn secrets_never_appear_in_errors() {
    // Nothing listens on this port: a transport error whose reqwest source would name the URL.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}")
    };
    let client = client_for(&closed);
    let e = client
        .wecom_get_token("ww1", "SUPERSECRET")
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Http { .. }), "{e:?}");
    let e2 = client
        .robot("ROBOTKEY")
        .send_text("hi", &[])
        .await
        .unwrap_err();
    let e3 = client
        .wecom(Arc::new(Tokens::default()), TokenKey::wecom_app("ww1", "1"))
        .user_get("u")
        .await
        .unwrap_err();
    for e in [&e, &e2, &e3] {
        let mut shown = format!("{e} | {e:?}");
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            shown.push_str(&format!(" | {s} | {s:?}"));
            source = s.source();
        }
        for secret in ["SUPERSECRET", "ROBOTKEY", "tok1"] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
    }

    // A body that fails to decode and carries a token.
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/gettoken",
        [Reply::Json(
            json!({"access_token":"LEAKME","expires_in":"soon"}),
        )],
    );
    let e = client_for(&base)
        .wecom_get_token("ww1", "s")
        .await
        .unwrap_err();
    let shown = format!("{e} {e:?}");
    assert!(matches!(e, ClientError::Decode { .. }));
    assert!(!shown.contains("LEAKME"), "{shown}");
    assert!(shown.contains("expires_in"), "{shown}");
}

#[tokio::test]
async fn token_fetches_send_documented_requests_and_accept_no_errcode() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/service/get_suite_token",
        [Reply::Json(
            json!({"suite_access_token":"SAT","expires_in":7200}),
        )],
    );
    p.on(
        "/cgi-bin/service/get_suite_token",
        [err(40085, "invalid suite_ticket")],
    );
    p.on(
        "/cgi-bin/stable_token",
        [Reply::Json(json!({"access_token":"MPT","expires_in":7200}))],
    );
    p.on(
        "/cgi-bin/service/get_corp_token",
        [ok(json!({"access_token":"CT","expires_in":7200}))],
    );
    let client = client_for(&base);
    let t = client.get_suite_token("ws1", "sec", "tick").await.unwrap();
    assert_eq!(t.access_token.expose(), "SAT");
    let e = client
        .get_suite_token("ws1", "sec", "old")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::InvalidSuiteTicket));
    let body: Value =
        serde_json::from_slice(&p.seen("/cgi-bin/service/get_suite_token")[0].body).unwrap();
    assert_eq!(
        body,
        json!({"suite_id":"ws1","suite_secret":"sec","suite_ticket":"tick"})
    );
    let mp = client.mp_stable_token("wx1", "s", true).await.unwrap();
    assert_eq!(mp.access_token.expose(), "MPT");
    let body: Value = serde_json::from_slice(&p.seen("/cgi-bin/stable_token")[0].body).unwrap();
    assert_eq!(body["force_refresh"], true);
    assert_eq!(body["grant_type"], "client_credential");
    let ct = client.get_corp_token("SAT", "wwc", "pc").await.unwrap();
    assert_eq!(ct.access_token.expose(), "CT");
    assert_eq!(
        p.seen("/cgi-bin/service/get_corp_token")[0].query["suite_access_token"],
        "SAT"
    );
}

#[tokio::test]
async fn suite_calls_use_suite_access_token_and_retry_on_42009() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/service/get_pre_auth_code",
        [
            err(42009, "suite_access_token expired"),
            ok(json!({"pre_auth_code":"PAC","expires_in":1200})),
        ],
    );
    let tokens = Arc::new(Tokens::default());
    let suite = client_for(&base).suite(tokens.clone(), TokenKey::suite("ws1"));
    let code = suite.get_pre_auth_code().await.unwrap();
    assert_eq!(
        (code.pre_auth_code.expose(), code.expires_in),
        ("PAC", 1200)
    );
    let used: Vec<_> = p
        .seen("/cgi-bin/service/get_pre_auth_code")
        .iter()
        .map(|s| s.query["suite_access_token"].clone())
        .collect();
    assert_eq!(used, ["tok1", "tok2"]);
    assert_eq!(tokens.invalidated.lock().unwrap()[0].0, "suite:ws1");
}

#[tokio::test]
async fn media_upload_is_multipart_and_download_returns_bytes() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/media/upload",
        [Reply::Json(json!({"errcode":0,"errmsg":"","type":"image","media_id":"MID","created_at":"1380000000"}))],
    );
    p.on(
        "/cgi-bin/media/get",
        [Reply::Raw("image/png", b"\x89PNG....")],
    );
    p.on("/cgi-bin/media/get", [err(40007, "invalid media_id")]);
    let api = client_for(&base).wecom(Arc::new(Tokens::default()), TokenKey::wecom_app("ww1", "1"));
    let file = Upload {
        filename: "a.png".into(),
        content_type: "image/png".into(),
        bytes: b"\x89PNG-data".to_vec(),
    };
    let m = api.media_upload(MediaType::Image, &file).await.unwrap();
    assert_eq!(
        (m.media_id.as_str(), m.created_at),
        ("MID", Some(1380000000))
    );
    let seen = &p.seen("/cgi-bin/media/upload")[0];
    assert_eq!(seen.query["type"], "image");
    let body = String::from_utf8_lossy(&seen.body);
    assert!(body.contains(r#"name="media"; filename="a.png""#), "{body}");
    assert!(
        body.contains("Content-Type: image/png") && body.contains("PNG-data"),
        "{body}"
    );

    let f = api.media_get("MID").await.unwrap();
    assert_eq!(
        (f.content_type.as_deref(), f.bytes.as_slice()),
        (Some("image/png"), &b"\x89PNG...."[..])
    );
    let e = api.media_get("nope").await.unwrap_err();
    assert_eq!(e.platform().unwrap().errcode, 40007);
}

#[tokio::test]
async fn robots_post_to_the_webhook_with_their_key() {
    let (p, base) = platform().await;
    p.on(
        "/cgi-bin/webhook/send",
        [ok(json!({})), err(93000, "invalid webhook url")],
    );
    let robot = client_for(&base).robot("KEY1");
    robot.send_text("hello", &["@all"]).await.unwrap();
    let seen = &p.seen("/cgi-bin/webhook/send")[0];
    assert_eq!(seen.query["key"], "KEY1");
    let body: Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(
        body,
        json!({"msgtype":"text","text":{"content":"hello","mentioned_list":["@all"]}})
    );
    let e = robot.send_markdown("x").await.unwrap_err();
    let pe = e.platform().unwrap();
    assert_eq!(
        (pe.errcode, pe.context),
        (93000, CallContext::Unauthenticated)
    );
    assert!(!format!("{e:?}{robot:?}").contains("KEY1"));
}

#[tokio::test]
async fn observer_counts_calls_by_api_and_errcode() {
    let (p, base) = platform().await;
    p.on("/cgi-bin/user/get", [err(60111, "userid not found")]);
    p.on(
        "/cgi-bin/tag/list",
        [ok(json!({"taglist":[{"tagid":1,"tagname":"a"}]}))],
    );
    let counts: Arc<Mutex<Vec<(&'static str, i64)>>> = Arc::default();
    let sink = counts.clone();
    let client = client_with(
        &base,
        ClientConfig::default(),
        Some(Arc::new(move |api, code| {
            sink.lock().unwrap().push((api, code))
        })),
    );
    let api = client.wecom(Arc::new(Tokens::default()), TokenKey::wecom_app("ww1", "1"));
    let e = api.user_get("ghost").await.unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::NotFound));
    assert_eq!(api.tag_list().await.unwrap().len(), 1);
    p.on("/cgi-bin/tag/list", [Reply::Status(502)]);
    let _ = api.tag_list().await.unwrap_err();
    assert_eq!(
        *counts.lock().unwrap(),
        [("user/get", 60111), ("tag/list", 0), ("tag/list", -3)]
    );
}

#[tokio::test]
async fn rate_limited_handles_refuse_beyond_the_bounded_wait() {
    let (p, base) = platform().await;
    p.on("/cgi-bin/tag/list", [ok(json!({"taglist":[]}))]);
    let limiter = RateLimiter::new(RateLimits {
        per_minute: 1,
        per_hour: 100,
        max_wait: Duration::from_millis(10),
    });
    let api = client_for(&base)
        .wecom(Arc::new(Tokens::default()), TokenKey::wecom_contacts("ww1"))
        .with_rate_limit(limiter, "ww1");
    api.tag_list().await.unwrap();
    let e = api.tag_list().await.unwrap_err();
    assert!(
        matches!(
            e,
            ClientError::RateLimitWait {
                api: "tag/list",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        p.seen("/cgi-bin/tag/list").len(),
        1,
        "the refused call was never sent"
    );
}

#[tokio::test]
async fn busy_retries_follow_the_configured_policy() {
    let (p, base) = platform().await;
    p.on(
        "/sns/jscode2session",
        (0..3).map(|_| err(-1, "system error")),
    );
    let client = client_with(
        &base,
        ClientConfig {
            retry: RetryPolicy {
                busy_retries: 1,
                busy_backoff: Duration::from_millis(1),
            },
            ..ClientConfig::default()
        },
        None,
    );
    let e = client
        .sns_jscode2session("wx1", "s", "code")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), Some(ErrorKind::SystemBusy));
    assert_eq!(p.seen("/sns/jscode2session").len(), 2);
    let q = &p.seen("/sns/jscode2session")[0].query;
    assert_eq!(
        (q["js_code"].as_str(), q["grant_type"].as_str()),
        ("code", "authorization_code")
    );
}

#[tokio::test]
async fn suite_install_and_contact_paging_send_documented_bodies() {
    let (p, base) = platform().await;
    p.on("/cgi-bin/service/set_session_info", [ok(json!({}))]);
    p.on(
        "/cgi-bin/service/v2/get_permanent_code",
        [Reply::Json(json!({"permanent_code":"PC","auth_corp_info":{"corpid":"wwc","corp_name":"n"},"state":"st"}))],
    );
    p.on(
        "/cgi-bin/user/list_id",
        [
            ok(json!({"next_cursor":"c2","dept_user":[{"userid":"a","department":1}]})),
            ok(json!({"next_cursor":"","dept_user":[{"userid":"b","department":2}]})),
        ],
    );
    p.on(
        "/cgi-bin/department/list",
        [ok(
            json!({"department":[{"id":1,"name":"root","parentid":0}]}),
        )],
    );
    let client = client_for(&base);
    let tokens: Arc<Tokens> = Arc::default();
    let suite = client.suite(tokens.clone(), TokenKey::suite("ws1"));
    suite
        .set_session_info(
            "PAC",
            &wxgate_client::wecom::suite::SessionInfo {
                appid: None,
                auth_type: Some(1),
            },
        )
        .await
        .unwrap();
    let body: Value =
        serde_json::from_slice(&p.seen("/cgi-bin/service/set_session_info")[0].body).unwrap();
    assert_eq!(
        body,
        json!({"pre_auth_code":"PAC","session_info":{"auth_type":1}})
    );
    let pc = suite.get_permanent_code_v2("AUTHCODE").await.unwrap();
    assert_eq!(
        (pc.permanent_code.expose(), pc.state.as_deref()),
        ("PC", Some("st"))
    );

    let contacts = client.wecom(tokens, TokenKey::wecom_contacts("ww1"));
    let mut cursor: Option<String> = None;
    let mut users = Vec::new();
    loop {
        let page = contacts
            .user_list_id(cursor.as_deref(), 10_000)
            .await
            .unwrap();
        users.extend(page.dept_user.iter().map(|d| d.userid.clone()));
        match page.next() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(users, ["a", "b"]);
    let bodies: Vec<Value> = p
        .seen("/cgi-bin/user/list_id")
        .iter()
        .map(|s| serde_json::from_slice(&s.body).unwrap())
        .collect();
    assert_eq!(
        bodies,
        [json!({"limit":10000}), json!({"limit":10000,"cursor":"c2"})]
    );
    let tree = contacts.department_list(None).await.unwrap();
    assert_eq!(tree[0].name.as_deref(), Some("root"));
    assert!(
        !p.seen("/cgi-bin/department/list")[0]
            .query
            .contains_key("id")
    );
}
