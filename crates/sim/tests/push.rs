//! The callback delivery worker and the event triggers, against a small gateway stand-in that
//! decrypts and verifies everything with `wxgate-protocol` directly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{Method, Uri};
use axum::routing::any;
use serde_json::{Value, json};
use wxgate_protocol::callback::{CallbackCrypto, MsgSignatureParam, SignatureParam};
use wxgate_protocol::crypto::{KeySlot, random_prefix};
use wxgate_protocol::message::{
    MiniMessage, MpEvent, MpMessage, WecomEvent, WecomMessage, parse_mini, parse_mp, parse_wecom,
};
use wxgate_sim::world::{
    SimApp, SimCorp, SimMiniProgram, SimOfficialAccount, SimPushFormat, SimSuite,
};
use wxgate_sim::{SimHandle, SimOptions, World};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const KEY2: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wwpush0000000001";
const SUITE: &str = "wwsuite000000001";
const PROVIDER: &str = "wwprovider000001";
const OA_AES: &str = "wxoaaes000000001";
const OA_PLAIN: &str = "wxoaplain0000001";
const MINI_JSON: &str = "wxminijson000001";
const MINI_XML: &str = "wxminixml0000001";

/// How the stand-in answers one path.
#[derive(Debug, Clone)]
enum Answer {
    Text(&'static str),
    Status(u16),
    Slow(u64),
    SlowOk(u64),
    /// An encrypted reply sealed with this crypto (for `receive id`).
    Reply(&'static str, &'static str, &'static str),
    BadSignatureReply(&'static str, &'static str, &'static str),
    /// Decrypt the WeCom echostr with (token, key, receive id), `true` = add a newline.
    WecomEcho(&'static str, &'static str, &'static str, bool),
    MpEcho,
}

#[derive(Debug, Clone)]
struct Received {
    method: Method,
    path: String,
    query: HashMap<String, String>,
    body: String,
}

#[derive(Clone, Default)]
struct Gateway {
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<HashMap<String, Answer>>>,
}

impl Gateway {
    fn answer(&self, path: &str, answer: Answer) {
        self.answers.lock().unwrap().insert(path.into(), answer);
    }

    fn received(&self, path: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

async fn gateway_handler(
    State(gw): State<Gateway>,
    method: Method,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    body: String,
) -> (axum::http::StatusCode, String) {
    let path = uri.path().to_owned();
    gw.received.lock().unwrap().push(Received {
        method,
        path: path.clone(),
        query: query.clone(),
        body,
    });
    let answer = gw
        .answers
        .lock()
        .unwrap()
        .get(&path)
        .cloned()
        .unwrap_or(Answer::Text("success"));
    let ok = axum::http::StatusCode::OK;
    match answer {
        Answer::Text(text) => (ok, text.into()),
        Answer::Status(code) => (
            axum::http::StatusCode::from_u16(code).unwrap(),
            "oops".into(),
        ),
        Answer::Slow(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            (ok, "success".into())
        }
        Answer::SlowOk(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            (ok, String::new())
        }
        Answer::Reply(token, key, id) | Answer::BadSignatureReply(token, key, id) => {
            let crypto = CallbackCrypto::single(token, key, id).unwrap();
            let mut reply = crypto.seal(
                "<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[pong]]></Content></xml>",
                "1700000000",
                "42",
                KeySlot::Current,
                &random_prefix(),
            );
            if matches!(answer, Answer::BadSignatureReply(..)) {
                reply.nonce = "43".into();
            }
            (ok, reply.to_xml())
        }
        Answer::WecomEcho(token, key, id, newline) => {
            let crypto = CallbackCrypto::single(token, key, id).unwrap();
            let payload = crypto
                .verify_url(
                    MsgSignatureParam(&query["msg_signature"]),
                    &query["timestamp"],
                    &query["nonce"],
                    &query["echostr"],
                )
                .unwrap();
            let mut text = payload.message;
            if newline {
                text.push('\n');
            }
            (ok, text)
        }
        Answer::MpEcho => (ok, query["echostr"].clone()),
    }
}

async fn start_gateway() -> (Gateway, String) {
    let gw = Gateway::default();
    let app = Router::new()
        .route("/callback/{*rest}", any(gateway_handler))
        .with_state(gw.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (gw, url)
}

fn world(gateway_url: Option<String>) -> World {
    let app = SimApp {
        token: Some("app-token".into()),
        encoding_aes_key: Some(KEY.into()),
        ..SimApp::self_built("push-app", 1000002, "s1")
    };
    let slow = SimApp {
        token: Some("slow-token".into()),
        encoding_aes_key: Some(KEY2.into()),
        ..SimApp::self_built("slow-app", 1000003, "s2")
    };
    let oa = |name: &str, app_id: &str, key: &str| SimOfficialAccount {
        name: name.into(),
        app_id: app_id.into(),
        app_secret: "x".into(),
        token: "oa-token".into(),
        encoding_aes_key: key.into(),
        open_platform: None,
        trusted_domains: Vec::new(),
    };
    let mini = |name: &str, app_id: &str, format| SimMiniProgram {
        name: name.into(),
        app_id: app_id.into(),
        app_secret: "x".into(),
        token: "mini-token".into(),
        encoding_aes_key: KEY.into(),
        open_platform: None,
        format,
    };
    World {
        corps: vec![SimCorp::new(
            "Push",
            CORP,
            vec![app, slow, SimApp::self_built("bare-app", 1000004, "s3")],
        )],
        suites: vec![SimSuite {
            name: "push-suite".into(),
            suite_id: SUITE.into(),
            suite_secret: "x".into(),
            token: "suite-token".into(),
            encoding_aes_key: KEY2.into(),
            provider_corp_id: Some(PROVIDER.into()),
            provider_secret: None,
            trusted_domains: Vec::new(),
        }],
        official_accounts: vec![oa("oa-aes", OA_AES, KEY), oa("oa-plain", OA_PLAIN, "")],
        miniprograms: vec![
            mini("mini-json", MINI_JSON, SimPushFormat::Json),
            mini("mini-xml", MINI_XML, SimPushFormat::Xml),
        ],
        gateway_url,
        ..World::default()
    }
}

fn options() -> SimOptions {
    SimOptions {
        clock_speed: 0.0,
        start_unix: Some(1_763_600_000),
        callback_timeout_ms: 300,
        ..SimOptions::default()
    }
}

struct Setup {
    gw: Gateway,
    sim: SimHandle,
    http: reqwest::Client,
}

async fn setup() -> Setup {
    let (gw, url) = start_gateway().await;
    let sim = wxgate_sim::start(world(Some(url)), options(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Setup {
        gw,
        sim,
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
    }
}

impl Setup {
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.sim.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.sim.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// Pushes `plaintext` raw and waits for the outcome.
    async fn raw(&self, target: Value, plaintext: &str) -> Value {
        let (status, body) = self
            .post(
                "/sim/events/raw?wait=true",
                json!({ "target": target, "plaintext": plaintext }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["delivery"].clone()
    }
}

/// Opens a WeCom-style (or MP aes) request as the gateway would.
fn open(received: &Received, token: &str, receive_id: &str) -> wxgate_protocol::callback::Opened {
    let q = &received.query;
    CallbackCrypto::single(token, key_for(token), receive_id)
        .unwrap()
        .open(
            MsgSignatureParam(&q["msg_signature"]),
            &q["timestamp"],
            &q["nonce"],
            &received.body,
        )
        .unwrap_or_else(|e| panic!("the gateway cannot open {received:?}: {e}"))
}

fn key_for(token: &str) -> &'static str {
    match token {
        "slow-token" | "suite-token" => KEY2,
        _ => KEY,
    }
}

#[tokio::test]
async fn wecom_app_callbacks_decrypt_to_the_pushed_plaintext() {
    let s = setup().await;
    let plaintext =
        "<xml><ToUserName><![CDATA[x]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>";
    let delivery = s
        .raw(json!({"kind":"wecom_app","app":"push-app"}), plaintext)
        .await;
    assert_eq!(delivery["status"], "delivered", "{delivery}");
    assert_eq!(delivery["attempts"].as_array().unwrap().len(), 1);
    let got = s.gw.received("/callback/push-app");
    assert_eq!(got.len(), 1, "answered success: delivered once");
    assert_eq!(got[0].method, Method::POST);
    let opened = open(&got[0], "app-token", CORP);
    assert_eq!(opened.plaintext, plaintext);
    assert_eq!(opened.receive_id, CORP);
    assert_eq!(opened.envelope.to_user_name.as_deref(), Some(CORP));
    assert_eq!(opened.envelope.agent_id.as_deref(), Some("1000002"));
    assert_eq!(got[0].query["timestamp"], "1763600000", "sim clock");
}

#[tokio::test]
async fn suite_callbacks_use_the_suite_or_the_corp_as_receive_id() {
    let s = setup().await;
    let d = s
        .raw(
            json!({"kind":"suite_instruction","suite_id":SUITE}),
            "<xml><InfoType>suite_ticket</InfoType></xml>",
        )
        .await;
    assert_eq!(d["status"], "delivered", "{d}");
    // The suite_ticket timer also pushes to this URL at start: pick the raw push out.
    let got = s.gw.received("/callback/push-suite");
    let opened = got
        .iter()
        .map(|r| open(r, "suite-token", SUITE))
        .find(|o| o.plaintext == "<xml><InfoType>suite_ticket</InfoType></xml>")
        .expect("the raw push arrived");
    assert_eq!(opened.envelope.to_user_name.as_deref(), Some(SUITE));
    assert_eq!(
        opened.envelope.agent_id, None,
        "AgentID is empty for suites"
    );
    assert_eq!(
        opened.plaintext,
        "<xml><InfoType>suite_ticket</InfoType></xml>"
    );

    let d = s
        .raw(
            json!({"kind":"suite_data","suite_id":SUITE,"corp_id":"wwauthcorp000001"}),
            "<xml><A>1</A></xml>",
        )
        .await;
    assert_eq!(d["status"], "delivered", "{d}");
    let got = s.gw.received("/callback/push-suite/data/wwauthcorp000001");
    let opened = open(&got[0], "suite-token", "wwauthcorp000001");
    assert_eq!(opened.receive_id, "wwauthcorp000001");

    // An instruction callback answered with anything but `success` fails.
    s.gw.answer("/callback/push-suite", Answer::Text(""));
    let d = s
        .raw(
            json!({"kind":"suite_instruction","suite_id":SUITE}),
            "<xml><InfoType>suite_ticket</InfoType></xml>",
        )
        .await;
    assert_eq!(d["status"], "failed");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 3);
    assert!(
        d["reason"].as_str().unwrap().contains("exactly `success`"),
        "{d}"
    );
}

#[tokio::test]
async fn official_accounts_in_safe_plaintext_and_compat_mode() {
    let s = setup().await;
    let (status, body) = s
        .post(
            "/sim/events/mp/message?wait=true",
            json!({"app":"oa-aes","from":"alice","msgtype":"text","content":"hello"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["delivery"]["status"], "delivered", "{body}");
    let got = s.gw.received("/callback/oa-aes");
    let q = &got[0].query;
    assert_eq!(q["encrypt_type"], "aes");
    let crypto = CallbackCrypto::single("oa-token", KEY, OA_AES).unwrap();
    crypto
        .verify_plain(
            SignatureParam(&q["signature"]),
            &q["timestamp"],
            &q["nonce"],
        )
        .unwrap();
    let opened = open(&got[0], "oa-token", OA_AES);
    assert!(
        !got[0].body.contains("hello"),
        "安全模式 carries only ciphertext"
    );
    assert!(opened.envelope.to_user_name.unwrap().starts_with("gh_"));
    let MpMessage::Message(message) = parse_mp(&opened.plaintext).unwrap() else {
        panic!("not a message: {}", opened.plaintext)
    };
    assert_eq!(
        message.header.from_user_name, q["openid"],
        "openid in the query"
    );
    assert_eq!(
        message.header.from_user_name,
        wxgate_sim::identity::people::openid(OA_AES, "alice"),
        "the same openid the login flows hand out"
    );
    assert_eq!(opened.plaintext, body["delivery"]["plaintext"]);

    // Plaintext mode: the body is the plaintext, `signature` verifies.
    let (_, body) = s
        .post(
            "/sim/events/mp/event?wait=true",
            json!({"app":OA_PLAIN,"from":"alice","event":"subscribe","scene":"42"}),
        )
        .await;
    assert_eq!(body["delivery"]["status"], "delivered", "{body}");
    let got = s.gw.received("/callback/oa-plain");
    let q = &got[0].query;
    assert!(!q.contains_key("encrypt_type") && !q.contains_key("msg_signature"));
    CallbackCrypto::single("oa-token", KEY, OA_PLAIN)
        .unwrap()
        .verify_plain(
            SignatureParam(&q["signature"]),
            &q["timestamp"],
            &q["nonce"],
        )
        .unwrap();
    assert_eq!(got[0].body, body["delivery"]["plaintext"]);
    match parse_mp(&got[0].body).unwrap() {
        MpMessage::Event {
            event: MpEvent::Subscribe { .. },
            ..
        } => {}
        other => panic!("not a subscribe: {other:?}"),
    }
    assert!(got[0].body.contains("qrscene_42"));

    // 兼容模式: plaintext fields and Encrypt.
    let (status, _) = s
        .post(
            "/sim/callbacks/compat",
            json!({"app_id":OA_AES,"enabled":true}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, body) = s
        .post(
            "/sim/events/mp/message?wait=true",
            json!({"app":OA_AES,"from":"bob","msgtype":"text","content":"compat"}),
        )
        .await;
    assert_eq!(body["delivery"]["status"], "delivered", "{body}");
    let got = s.gw.received("/callback/oa-aes");
    let last = got.last().unwrap();
    assert!(
        last.body.contains("<Content><![CDATA[compat]]></Content>")
            && last.body.contains("<Encrypt>")
    );
    let opened = open(last, "oa-token", OA_AES);
    assert_eq!(opened.plaintext, body["delivery"]["plaintext"]);
    let (status, _) = s
        .post(
            "/sim/callbacks/compat",
            json!({"app_id":"wxnobody","enabled":true}),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn mini_programs_push_json_or_xml_as_configured() {
    let s = setup().await;
    let (_, body) = s
        .post(
            "/sim/events/mini/message?wait=true",
            json!({"app":"mini-json","from":"carol","msgtype":"text","content":"hi"}),
        )
        .await;
    assert_eq!(body["delivery"]["status"], "delivered", "{body}");
    let got = s.gw.received("/callback/mini-json");
    let envelope: Value = serde_json::from_str(&got[0].body).unwrap();
    assert!(envelope["ToUserName"].as_str().unwrap().starts_with("gh_"));
    let opened = open(&got[0], "mini-token", MINI_JSON);
    assert!(opened.plaintext.starts_with('{'));
    assert!(matches!(
        parse_mini(&opened.plaintext).unwrap(),
        MiniMessage::Message(_)
    ));

    let (_, body) = s
        .post("/sim/events/mini/message?wait=true", json!({"app":MINI_XML,"from":"carol","msgtype":"event","event":"user_enter_tempsession"}))
        .await;
    assert_eq!(body["delivery"]["status"], "delivered", "{body}");
    let got = s.gw.received("/callback/mini-xml");
    assert!(got[0].body.starts_with("<xml>"));
    let opened = open(&got[0], "mini-token", MINI_XML);
    assert!(matches!(
        parse_mini(&opened.plaintext).unwrap(),
        MiniMessage::Event { .. }
    ));

    let (_, body) = s
        .post(
            "/sim/events/mini/message?wait=true",
            json!({"app":MINI_XML,"from":"carol","msgtype":"miniprogrampage"}),
        )
        .await;
    let opened = open(
        s.gw.received("/callback/mini-xml").last().unwrap(),
        "mini-token",
        MINI_XML,
    );
    assert_eq!(opened.plaintext, body["delivery"]["plaintext"]);
    assert!(matches!(
        parse_mini(&opened.plaintext).unwrap(),
        MiniMessage::Message(_)
    ));
}

#[tokio::test]
async fn encrypted_replies_are_checked_and_recorded() {
    let s = setup().await;
    s.gw.answer("/callback/push-app", Answer::Reply("app-token", KEY, CORP));
    let d = s
        .raw(
            json!({"kind":"wecom_app","app":"push-app"}),
            "<xml><A>1</A></xml>",
        )
        .await;
    assert_eq!(d["status"], "delivered", "{d}");
    assert!(d["reply"].as_str().unwrap().contains("pong"));

    s.gw.answer(
        "/callback/push-app",
        Answer::BadSignatureReply("app-token", KEY, CORP),
    );
    let d = s
        .raw(
            json!({"kind":"wecom_app","app":"push-app"}),
            "<xml><A>1</A></xml>",
        )
        .await;
    assert_eq!(d["status"], "failed");
    assert!(
        d["reason"].as_str().unwrap().contains("MsgSignature"),
        "{d}"
    );

    s.gw.answer(
        "/callback/push-app",
        Answer::Reply("app-token", KEY, "wrongcorp"),
    );
    let d = s
        .raw(
            json!({"kind":"wecom_app","app":"push-app"}),
            "<xml><A>1</A></xml>",
        )
        .await;
    assert_eq!(d["status"], "failed");
    assert!(
        d["reason"]
            .as_str()
            .unwrap()
            .contains("receive id `wrongcorp`"),
        "{d}"
    );

    s.gw.answer("/callback/push-app", Answer::Text("garbage"));
    let d = s
        .raw(
            json!({"kind":"wecom_app","app":"push-app"}),
            "<xml><A>1</A></xml>",
        )
        .await;
    assert_eq!(d["status"], "failed");
    assert!(
        d["attempts"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("garbage"),
        "{d}"
    );
}

#[tokio::test]
async fn slow_and_failing_gateways_are_retried_then_given_up() {
    let s = setup().await;
    s.gw.answer("/callback/push-app", Answer::Slow(700));
    let d = s
        .raw(
            json!({"kind":"wecom_app","app":"push-app"}),
            "<xml><A>1</A></xml>",
        )
        .await;
    assert_eq!(d["status"], "failed", "{d}");
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert!(
        attempts
            .iter()
            .all(|a| a["status"].is_null() && a["duration_ms"].as_u64().unwrap() >= 290)
    );
    assert!(
        d["reason"]
            .as_str()
            .unwrap()
            .contains("no answer within 300 ms"),
        "{d}"
    );

    s.gw.answer("/callback/push-app", Answer::Status(500));
    let d = s
        .raw(
            json!({"kind":"wecom_app","app":"push-app"}),
            "<xml><A>2</A></xml>",
        )
        .await;
    assert_eq!(d["status"], "failed");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 3);
    assert_eq!(d["attempts"][2]["status"], 500);
    assert_eq!(s.gw.received("/callback/push-app").len(), 6);

    // Redelivery after the gateway is fixed.
    s.gw.answer("/callback/push-app", Answer::Text("success"));
    let id = d["id"].as_u64().unwrap();
    let (status, body) = s
        .post(
            &format!("/sim/callbacks/{id}/redeliver?wait=true"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["delivery"]["status"], "delivered", "{body}");
    assert_eq!(body["delivery"]["redelivery_of"], id);
    assert_eq!(body["delivery"]["plaintext"], "<xml><A>2</A></xml>");

    let failed = s.get("/sim/callbacks?status=failed&target=push-app").await;
    let ids: Vec<u64> = failed["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] > ids[1], "newest first");
    assert_eq!(
        s.get("/sim/callbacks?limit=1").await["deliveries"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.get(&format!("/sim/callbacks/{id}")).await["id"], id);
    let (status, _) = s.post("/sim/callbacks/999999/redeliver", json!({})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn one_target_stays_in_order_while_others_proceed() {
    let s = setup().await;
    s.gw.answer("/callback/slow-app", Answer::SlowOk(120));
    let mut ids = Vec::new();
    for i in 0..4 {
        let (_, body) = s
            .post(
                "/sim/events/wecom/message",
                json!({"app":"slow-app","from":"u","msgtype":"text","content":format!("m{i}")}),
            )
            .await;
        ids.push(body["delivery_id"].as_u64().unwrap());
    }
    let (_, fast) = s
        .post(
            "/sim/events/wecom/message?wait=true",
            json!({"app":"push-app","from":"u","msgtype":"text","content":"fast"}),
        )
        .await;
    assert_eq!(fast["delivery"]["status"], "delivered");
    let last = s.get(&format!("/sim/callbacks/{}", ids[3])).await;
    assert_ne!(
        last["status"], "delivered",
        "the fast target did not wait for the slow one"
    );
    for id in &ids {
        let (_, d) = s
            .post(&format!("/sim/callbacks/{id}/redeliver"), json!({}))
            .await;
        assert!(d["delivery_id"].as_u64().is_some());
    }
    // Wait for everything on the slow lane (the redeliveries are queued behind the originals).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while s.gw.received("/callback/slow-app").len() < 8 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let contents: Vec<String> =
        s.gw.received("/callback/slow-app")
            .iter()
            .map(
                |r| match parse_wecom(&open(r, "slow-token", CORP).plaintext).unwrap() {
                    WecomMessage::Message(m) => format!("{:?}", m.content),
                    other => panic!("{other:?}"),
                },
            )
            .collect();
    for (i, content) in contents.iter().enumerate() {
        assert!(content.contains(&format!("m{}", i % 4)), "{contents:?}");
    }
}

#[tokio::test]
async fn url_verification_passes_and_fails() {
    let s = setup().await;
    s.gw.answer(
        "/callback/push-app",
        Answer::WecomEcho("app-token", KEY, CORP, false),
    );
    let (status, v) = s
        .post(
            "/sim/callbacks/verify",
            json!({"target":{"kind":"wecom_app","app":"push-app"}}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["pass"], true, "{v}");
    assert_eq!(s.gw.received("/callback/push-app")[0].method, Method::GET);

    s.gw.answer(
        "/callback/push-app",
        Answer::WecomEcho("app-token", KEY, CORP, true),
    );
    let (_, v) = s
        .post(
            "/sim/callbacks/verify",
            json!({"target":{"kind":"wecom_app","app":"push-app"}}),
        )
        .await;
    assert_eq!(v["pass"], false);
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("no quotes, BOM or newline"),
        "{v}"
    );

    s.gw.answer(
        "/callback/push-suite",
        Answer::WecomEcho("suite-token", KEY2, PROVIDER, false),
    );
    let (_, v) = s
        .post(
            "/sim/callbacks/verify",
            json!({"target":{"kind":"suite_instruction","suite_id":SUITE}}),
        )
        .await;
    assert_eq!(
        v["pass"], true,
        "suites verify with the provider's corp id: {v}"
    );

    s.gw.answer("/callback/oa-plain", Answer::MpEcho);
    let (_, v) = s
        .post(
            "/sim/callbacks/verify",
            json!({"target":{"kind":"official_account","app_id":OA_PLAIN}}),
        )
        .await;
    assert_eq!(v["pass"], true, "{v}");
    let q = &s.gw.received("/callback/oa-plain")[0].query;
    wxgate_protocol::callback::verify_mp_url(
        "oa-token",
        SignatureParam(&q["signature"]),
        &q["timestamp"],
        &q["nonce"],
        &q["echostr"],
    )
    .unwrap();

    s.gw.answer("/callback/oa-plain", Answer::Text("nope"));
    let (_, v) = s
        .post(
            "/sim/callbacks/verify",
            json!({"target":{"kind":"official_account","app_id":OA_PLAIN}}),
        )
        .await;
    assert_eq!(v["pass"], false);

    let (status, v) = s
        .post(
            "/sim/callbacks/verify",
            json!({"target":{"kind":"wecom_app","app":"nobody"}}),
        )
        .await;
    assert_eq!(status, 400, "{v}");
}

#[tokio::test]
async fn missing_gateway_or_credentials_fail_with_a_reason() {
    let sim = wxgate_sim::start(world(None), options(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let body: Value = http
        .post(format!(
            "{}/sim/events/wecom/message?wait=true",
            sim.base_url
        ))
        .json(&json!({"app":"push-app","from":"u","msgtype":"text","content":"x"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["delivery"]["status"], "failed");
    assert!(
        body["delivery"]["reason"]
            .as_str()
            .unwrap()
            .contains("gateway_url"),
        "{body}"
    );

    let s = setup().await;
    let d = s
        .raw(json!({"kind":"wecom_app","app":"bare-app"}), "<xml/>")
        .await;
    assert_eq!(d["status"], "failed");
    assert!(
        d["reason"].as_str().unwrap().contains("no callback Token"),
        "{d}"
    );
    let d = s
        .raw(
            json!({"kind":"suite_instruction","suite_id":"nope"}),
            "<xml/>",
        )
        .await;
    assert!(
        d["reason"].as_str().unwrap().contains("no suite `nope`"),
        "{d}"
    );
    assert!(s.gw.received("/callback/bare-app").is_empty());
}

#[tokio::test]
async fn wecom_triggers_produce_parseable_messages_and_events() {
    let s = setup().await;
    for msgtype in [
        "text", "image", "voice", "video", "location", "link", "file",
    ] {
        let (status, body) = s
            .post(
                "/sim/events/wecom/message?wait=true",
                json!({"app":"push-app","from":"zhangsan","msgtype":msgtype,"content":"hi"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["delivery"]["status"], "delivered", "{body}");
        let opened = open(
            s.gw.received("/callback/push-app").last().unwrap(),
            "app-token",
            CORP,
        );
        match parse_wecom(&opened.plaintext).unwrap() {
            WecomMessage::Message(m) => {
                assert_eq!(m.header.from_user_name, "zhangsan");
                assert_eq!(m.header.agent_id, Some(1000002));
                assert_eq!(m.header.create_time, 1_763_600_000);
            }
            other => panic!("{msgtype}: {other:?}"),
        }
    }
    let events = [
        ("subscribe", json!({})),
        ("enter_agent", json!({})),
        ("click", json!({"event_key":"menu-1"})),
        ("view", json!({})),
        ("LOCATION", json!({})),
        ("template_card_event", json!({})),
    ];
    for (event, extra) in events {
        let mut request = json!({"app":"push-app","from":"zhangsan","event":event});
        request
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (_, body) = s.post("/sim/events/wecom/event?wait=true", request).await;
        assert_eq!(body["delivery"]["status"], "delivered", "{body}");
        let opened = open(
            s.gw.received("/callback/push-app").last().unwrap(),
            "app-token",
            CORP,
        );
        let parsed = parse_wecom(&opened.plaintext).unwrap();
        let WecomMessage::Event { event: e, .. } = &parsed else {
            panic!("{parsed:?}")
        };
        assert!(
            !matches!(e, WecomEvent::Unknown { .. }),
            "{event}: {parsed:?}"
        );
        if event == "click" {
            assert!(matches!(e, WecomEvent::Click { event_key: Some(k) } if k == "menu-1"));
        }
    }
    let (status, body) = s
        .post(
            "/sim/events/wecom/message",
            json!({"app":"push-app","from":"u","msgtype":"hologram"}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("unsupported msgtype")
    );
    let (status, _) = s
        .post(
            "/sim/events/wecom/message",
            json!({"app":"nobody","from":"u","msgtype":"text"}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = s
        .post(
            "/sim/events/wecom/message",
            json!({"app":"push-app","from":"","msgtype":"text"}),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn mp_event_triggers_parse_as_their_variants() {
    let s = setup().await;
    for event in [
        "subscribe",
        "unsubscribe",
        "SCAN",
        "CLICK",
        "VIEW",
        "LOCATION",
        "TEMPLATESENDJOBFINISH",
    ] {
        let (_, body) = s
            .post(
                "/sim/events/mp/event?wait=true",
                json!({"app":OA_PLAIN,"from":"dave","event":event,"scene":"7"}),
            )
            .await;
        assert_eq!(body["delivery"]["status"], "delivered", "{body}");
        let plaintext = &s
            .gw
            .received("/callback/oa-plain")
            .last()
            .unwrap()
            .body
            .clone();
        let parsed = parse_mp(plaintext).unwrap();
        let MpMessage::Event { event: e, .. } = &parsed else {
            panic!("{parsed:?}")
        };
        let ok = match event {
            "subscribe" => matches!(e, MpEvent::Subscribe { .. }),
            "unsubscribe" => matches!(e, MpEvent::Unsubscribe),
            "SCAN" => matches!(e, MpEvent::Scan { .. }),
            "CLICK" => matches!(e, MpEvent::Click { .. }),
            "VIEW" => matches!(e, MpEvent::View { .. }),
            "LOCATION" => matches!(e, MpEvent::Location { .. }),
            _ => matches!(e, MpEvent::TemplateSendJobFinish { .. }),
        };
        assert!(ok, "{event}: {parsed:?}");
    }
    for msgtype in [
        "text",
        "image",
        "voice",
        "video",
        "shortvideo",
        "location",
        "link",
    ] {
        let (_, body) = s
            .post(
                "/sim/events/mp/message?wait=true",
                json!({"app":OA_PLAIN,"from":"dave","msgtype":msgtype}),
            )
            .await;
        assert_eq!(body["delivery"]["status"], "delivered", "{body}");
        let plaintext = &s
            .gw
            .received("/callback/oa-plain")
            .last()
            .unwrap()
            .body
            .clone();
        assert!(
            matches!(parse_mp(plaintext).unwrap(), MpMessage::Message(_)),
            "{msgtype}"
        );
    }
}

#[tokio::test]
async fn an_in_process_worker_delivers_and_stops_with_the_simulator() {
    use wxgate_sim::push::CallbackTarget;
    use wxgate_sim::push::record::DeliveryStatus;
    let (gw, url) = start_gateway().await;
    let state = wxgate_sim::SimState::new(world(Some(url)), options());
    let worker = wxgate_sim::push::spawn_worker(state.clone());
    let second = wxgate_sim::push::spawn_worker(state.clone());
    tokio::time::timeout(Duration::from_secs(2), second)
        .await
        .expect("a second worker ends at once")
        .unwrap();
    let id = state.pusher.push(
        CallbackTarget::WecomApp {
            app: "push-app".into(),
        },
        "<xml><A>1</A></xml>",
    );
    let delivery = state
        .deliveries
        .wait(id, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(delivery.status, DeliveryStatus::Delivered);
    assert_eq!(gw.received("/callback/push-app").len(), 1);
    drop(state);
    tokio::time::timeout(Duration::from_secs(5), worker)
        .await
        .expect("the worker stops once the simulator is gone")
        .unwrap();
}
