//! The callback endpoints end to end over real HTTP: every kind and mode, URL verification,
//! refusals (nothing stored), dedup, concurrency and passive replies; on SQLite and PostgreSQL.
//! `[upstream]` points at a closed port: the callback path must never call upstream.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use common::{TestDb, start_gateway_with};
use wxgate_config::Config;
use wxgate_gateway::GatewayHandle;
use wxgate_gateway::events::payload::event_json;
use wxgate_gateway::webhook_signature;
use wxgate_protocol::callback::{CallbackCrypto, MsgSignatureParam};
use wxgate_protocol::crypto::KeySlot;
use wxgate_protocol::signature::plain_signature;
use wxgate_store::StoredEvent;

const CORP: &str = "wwacme0000000001";
const OTHER_CORP: &str = "wwother000000001";
const SUITE: &str = "wwsuite000000001";
const PROVIDER: &str = "wwprovider000001";
const OA: &str = "wxoa00000000000001";
const MINI: &str = "wxmi00000000000001";
const APP_TOKEN: &str = "appToken";
const APP_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const CONTACTS_TOKEN: &str = "contactsToken";
const CONTACTS_KEY: &str = "bcdefghijklmnopqrstuvwxyz0123456789ABCDEFGa";
const SUITE_TOKEN: &str = "suiteToken";
const SUITE_KEY: &str = "cdefghijklmnopqrstuvwxyz0123456789ABCDEFGab";
const OA_TOKEN: &str = "oaToken";
const OA_KEY: &str = "defghijklmnopqrstuvwxyz0123456789ABCDEFGabc";
const MINI_TOKEN: &str = "miniToken";
const MINI_KEY: &str = "efghijklmnopqrstuvwxyz0123456789ABCDEFGabcd";
const HOOK_SECRET: &str = "test-webhook-secret-0123456789";

fn config(db: &TestDb, hook_url: &str, reply_ms: u64, max_body: usize) -> Config {
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
max_body_bytes = {max_body}
passive_reply_timeout_ms = {reply_ms}
[storage]
url = "{db}"
[upstream]
wecom = "http://127.0.0.1:9"
wechat = "http://127.0.0.1:9"
[[webhooks]]
name = "backend"
url = "{hook_url}"
secret = "{HOOK_SECRET}"
[[wecom]]
name = "acme"
corp_id = "{CORP}"
  [[wecom.apps]]
  name = "acme-app"
  agent_id = 1000002
  secret = "acme-secret"
  token = "{APP_TOKEN}"
  encoding_aes_key = "{APP_KEY}"
  [[wecom.apps]]
  name = "acme-nocb"
  agent_id = 1000003
  secret = "acme-secret-2"
  [wecom.contacts]
  name = "acme-contacts"
  secret = "contacts-secret"
  token = "{CONTACTS_TOKEN}"
  encoding_aes_key = "{CONTACTS_KEY}"
[[suites]]
name = "crm"
suite_id = "{SUITE}"
suite_secret = "suite-secret"
token = "{SUITE_TOKEN}"
encoding_aes_key = "{SUITE_KEY}"
provider_corp_id = "{PROVIDER}"
provider_secret = "provider-secret"
[[wechat.official_accounts]]
name = "news"
app_id = "{OA}"
app_secret = "oa-secret"
token = "{OA_TOKEN}"
encoding_aes_key = "{OA_KEY}"
[[wechat.miniprograms]]
name = "shop"
app_id = "{MINI}"
app_secret = "mini-secret"
token = "{MINI_TOKEN}"
encoding_aes_key = "{MINI_KEY}"
format = "json"
"#,
        db = db.url
    );
    Config::from_toml_str(&text, |_| None).expect("test config is valid")
}

async fn gateway(db: &TestDb) -> GatewayHandle {
    start_gateway_with(config(db, "http://127.0.0.1:9/events", 0, 64 * 1024)).await
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn crypto(token: &str, key: &str, receive_id: &str) -> CallbackCrypto {
    CallbackCrypto::single(token, key, receive_id).unwrap()
}

/// A sealed request: the query string and the `Encrypt` value.
struct Sealed {
    query: String,
    encrypt: String,
}

fn seal_at(c: &CallbackCrypto, plaintext: &str, timestamp: u64) -> Sealed {
    let nonce = format!("{}", rand::random::<u32>());
    let r = c.seal(
        plaintext,
        &timestamp.to_string(),
        &nonce,
        KeySlot::Current,
        &rand::random(),
    );
    Sealed {
        query: format!(
            "msg_signature={}&timestamp={timestamp}&nonce={nonce}",
            r.msg_signature.to_hex()
        ),
        encrypt: r.encrypt,
    }
}

fn seal(c: &CallbackCrypto, plaintext: &str) -> Sealed {
    seal_at(c, plaintext, now())
}

fn xml_envelope(to: &str, encrypt: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{to}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )
}

fn wecom_text(msg_id: u64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
         <CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content>\
         <MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )
}

fn mp_text(msg_id: u64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>\
         <CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>\
         <MsgId>{msg_id}</MsgId></xml>"
    )
}

async fn post(gw: &GatewayHandle, path_and_query: &str, body: String) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(format!("{}{path_and_query}", gw.base_url))
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn get(gw: &GatewayHandle, path_and_query: &str) -> (u16, String) {
    let r = reqwest::get(format!("{}{path_and_query}", gw.base_url))
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn events(gw: &GatewayHandle) -> Vec<StoredEvent> {
    gw.gateway.store.events_after(0, 10_000).await.unwrap()
}

fn enc(s: &str) -> String {
    s.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

async fn every_kind_and_mode_is_stored(db: &TestDb) {
    let gw = gateway(db).await;
    let app = crypto(APP_TOKEN, APP_KEY, CORP);

    // WeCom app, XML envelope.
    let s = seal(&app, &wecom_text(1));
    let (status, body) = post(
        &gw,
        &format!("/callback/acme-app?{}", s.query),
        xml_envelope(CORP, &s.encrypt),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "success"));
    // WeCom JSON envelope, both key casings.
    let s = seal(&app, &wecom_text(2));
    let json = format!(
        r#"{{"tousername":"{CORP}","encrypt":"{}","agentid":"1000002"}}"#,
        s.encrypt
    );
    assert_eq!(
        post(&gw, &format!("/callback/acme-app?{}", s.query), json)
            .await
            .0,
        200
    );
    let s = seal(&app, &wecom_text(3));
    let json = format!(
        r#"{{"ToUserName":"{CORP}","Encrypt":"{}","AgentID":1000002}}"#,
        s.encrypt
    );
    assert_eq!(
        post(&gw, &format!("/callback/acme-app?{}", s.query), json)
            .await
            .0,
        200
    );

    // Contacts change.
    let contacts = crypto(CONTACTS_TOKEN, CONTACTS_KEY, CORP);
    let change = format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
         <CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>\
         <ChangeType>create_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[张三]]></Name></xml>"
    );
    let s = seal(&contacts, &change);
    assert_eq!(
        post(
            &gw,
            &format!("/callback/acme-contacts?{}", s.query),
            xml_envelope(CORP, &s.encrypt)
        )
        .await,
        (200, "success".into())
    );

    // Suite ticket: persisted, answered `success`, not an event.
    let suite = crypto(SUITE_TOKEN, SUITE_KEY, SUITE);
    let ticket = format!(
        "<xml><SuiteId><![CDATA[{SUITE}]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType>\
         <TimeStamp>1403610513</TimeStamp><SuiteTicket><![CDATA[ticket-value-123]]></SuiteTicket></xml>"
    );
    let s = seal(&suite, &ticket);
    assert_eq!(
        post(
            &gw,
            &format!("/callback/crm?{}", s.query),
            xml_envelope(SUITE, &s.encrypt)
        )
        .await,
        (200, "success".into())
    );
    let stored = gw
        .gateway
        .store
        .get_suite_ticket(SUITE)
        .await
        .unwrap()
        .expect("ticket stored");
    assert_eq!(stored.ticket.expose(), "ticket-value-123");
    // create_auth: stored as an event, raw withheld (AuthCode is a credential).
    let create = format!(
        "<xml><SuiteId><![CDATA[{SUITE}]]></SuiteId><AuthCode><![CDATA[AUTHCODE-SECRET]]></AuthCode>\
         <InfoType><![CDATA[create_auth]]></InfoType><TimeStamp>1403610514</TimeStamp></xml>"
    );
    let s = seal(&suite, &create);
    assert_eq!(
        post(
            &gw,
            &format!("/callback/crm?{}", s.query),
            xml_envelope(SUITE, &s.encrypt)
        )
        .await,
        (200, "success".into())
    );

    // Suite data callback with the corp id in the path.
    let data = crypto(SUITE_TOKEN, SUITE_KEY, OTHER_CORP);
    let msg = wecom_text(4).replace(CORP, OTHER_CORP);
    let s = seal(&data, &msg);
    assert_eq!(
        post(
            &gw,
            &format!("/callback/crm/data/{OTHER_CORP}?{}", s.query),
            xml_envelope(OTHER_CORP, &s.encrypt)
        )
        .await
        .0,
        200
    );
    // ... refused with another corp id in the path.
    let s = seal(&data, &wecom_text(5));
    let (status, _) = post(
        &gw,
        &format!("/callback/crm/data/{CORP}?{}", s.query),
        xml_envelope(CORP, &s.encrypt),
    )
    .await;
    assert_eq!(status, 403);

    // Official Account: plaintext, aes, compat.
    let ts = now();
    let sig = plain_signature(OA_TOKEN, &ts.to_string(), "n1").to_hex();
    assert_eq!(
        post(
            &gw,
            &format!("/callback/news?signature={sig}&timestamp={ts}&nonce=n1"),
            mp_text(10)
        )
        .await,
        (200, "success".into())
    );
    let oa = crypto(OA_TOKEN, OA_KEY, OA);
    let s = seal(&oa, &mp_text(11));
    assert_eq!(
        post(
            &gw,
            &format!("/callback/news?{}&encrypt_type=aes", s.query),
            xml_envelope("gh_97417a04a28d", &s.encrypt)
        )
        .await
        .0,
        200
    );
    let s = seal(&oa, &mp_text(12));
    let compat = mp_text(12).replace(
        "</xml>",
        &format!("<Encrypt><![CDATA[{}]]></Encrypt></xml>", s.encrypt),
    );
    assert_eq!(
        post(
            &gw,
            &format!("/callback/news?{}&encrypt_type=aes", s.query),
            compat
        )
        .await
        .0,
        200
    );

    // Mini Program: JSON (aes) and XML (aes).
    let mini = crypto(MINI_TOKEN, MINI_KEY, MINI);
    let json_msg = r#"{"ToUserName":"gh_mini","FromUserName":"oUser2","CreateTime":1409659813,"MsgType":"text","Content":"hey","MsgId":20}"#;
    let s = seal(&mini, json_msg);
    let body = format!(r#"{{"ToUserName":"gh_mini","Encrypt":"{}"}}"#, s.encrypt);
    assert_eq!(
        post(
            &gw,
            &format!("/callback/shop?{}&encrypt_type=aes", s.query),
            body
        )
        .await
        .0,
        200
    );
    let s = seal(&mini, &mp_text(21));
    assert_eq!(
        post(
            &gw,
            &format!("/callback/shop?{}&encrypt_type=aes", s.query),
            xml_envelope("gh_mini", &s.encrypt)
        )
        .await
        .0,
        200
    );

    // Callback events only: the contacts change also updates the directory copy, which
    // announces it as an internal `contact.*` event of its own (asynchronously).
    let all: Vec<_> = events(&gw)
        .await
        .into_iter()
        .filter(|e| !e.event_type.starts_with("contact."))
        .collect();
    let types: Vec<(&str, &str)> = all
        .iter()
        .map(|e| (e.app.as_str(), e.event_type.as_str()))
        .collect();
    assert_eq!(all.len(), 11, "{types:?}");
    assert_eq!(
        types
            .iter()
            .filter(|(a, t)| *a == "acme-app" && *t == "wecom.message.text")
            .count(),
        3
    );
    assert!(
        types
            .iter()
            .any(|(a, t)| *a == "acme-contacts" && t.contains("create_user")),
        "{types:?}"
    );
    assert!(types.contains(&("crm", "suite.create_auth")), "{types:?}");
    assert_eq!(types.iter().filter(|(a, _)| *a == "news").count(), 3);
    assert_eq!(types.iter().filter(|(a, _)| *a == "shop").count(), 2);
    let create = all
        .iter()
        .find(|e| e.event_type == "suite.create_auth")
        .unwrap();
    assert_eq!(create.raw, "");
    // A suite instruction keeps its data (its raw may be withheld, as here).
    let create_data = create.data.as_ref().expect("suite data is stored");
    assert!(!create_data.to_string().contains("AUTHCODE-SECRET"));
    let data_event = all
        .iter()
        .find(|e| e.app == "crm" && e.event_type == "wecom.message.text")
        .unwrap();
    assert_eq!(data_event.source["corp_id"], OTHER_CORP);
    assert_eq!(data_event.source["suite_id"], SUITE);
    // So does a message on a suite's data URL: its source's kind (`suite`) cannot tell it apart
    // from an instruction.
    assert_eq!(data_event.data.as_ref().unwrap()["content"], "hello");
    let first = &all[0];
    assert_eq!(first.source["kind"], "wecom_app");
    assert_eq!(first.source["agent_id"], 1000002);
    // A typed WeCom message is stored without its data; the event JSON derives it from `raw`.
    assert_eq!(first.data, None);
    assert_eq!(event_json(first)["data"]["content"], "hello");
    let news = all.iter().find(|e| e.app == "news").unwrap();
    assert_eq!(news.data, None);
    assert!(event_json(news)["data"].is_object());
    assert!(first.raw.contains("<MsgId>1</MsgId>"));
    assert!(
        gw.gateway
            .metrics
            .render()
            .contains(r#"wxgate_callbacks_total{kind="suite",outcome="suite_ticket"} 1"#)
    );
    gw.shutdown().await.unwrap();
}

async fn url_verification_for_every_kind(db: &TestDb) {
    let gw = gateway(db).await;
    for (name, token, key, receive_id) in [
        ("acme-app", APP_TOKEN, APP_KEY, CORP),
        ("acme-contacts", CONTACTS_TOKEN, CONTACTS_KEY, CORP),
        ("crm", SUITE_TOKEN, SUITE_KEY, SUITE),
        ("crm", SUITE_TOKEN, SUITE_KEY, PROVIDER),
    ] {
        let s = seal(&crypto(token, key, receive_id), "echo-1234567890");
        let (status, body) = get(
            &gw,
            &format!("/callback/{name}?{}&echostr={}", s.query, enc(&s.encrypt)),
        )
        .await;
        assert_eq!(
            (status, body.as_str()),
            (200, "echo-1234567890"),
            "{name} {receive_id}"
        );
    }
    // Suite data URL: the path's corp id is accepted too; another corp's is not.
    let s = seal(&crypto(SUITE_TOKEN, SUITE_KEY, OTHER_CORP), "echo-data");
    assert_eq!(
        get(
            &gw,
            &format!(
                "/callback/crm/data/{OTHER_CORP}?{}&echostr={}",
                s.query,
                enc(&s.encrypt)
            )
        )
        .await,
        (200, "echo-data".into())
    );
    assert_eq!(
        get(
            &gw,
            &format!(
                "/callback/crm/data/{CORP}?{}&echostr={}",
                s.query,
                enc(&s.encrypt)
            )
        )
        .await
        .0,
        403
    );
    // MP and Mini Program: signature, echo as is.
    for (name, token) in [("news", OA_TOKEN), ("shop", MINI_TOKEN)] {
        let ts = now();
        let sig = plain_signature(token, &ts.to_string(), "77").to_hex();
        assert_eq!(
            get(
                &gw,
                &format!("/callback/{name}?signature={sig}&timestamp={ts}&nonce=77&echostr=abc123")
            )
            .await,
            (200, "abc123".into())
        );
        assert_eq!(
            get(
                &gw,
                &format!(
                    "/callback/{name}?signature={}&timestamp={ts}&nonce=77&echostr=abc123",
                    "0".repeat(40)
                )
            )
            .await
            .0,
            401
        );
    }
    gw.shutdown().await.unwrap();
}

async fn refusals_store_nothing(db: &TestDb) {
    let gw = start_gateway_with(config(db, "http://127.0.0.1:9/events", 0, 4096)).await;
    let app = crypto(APP_TOKEN, APP_KEY, CORP);
    // Bad signature.
    let s = seal(&crypto("wrongToken", APP_KEY, CORP), &wecom_text(1));
    assert_eq!(
        post(
            &gw,
            &format!("/callback/acme-app?{}", s.query),
            xml_envelope(CORP, &s.encrypt)
        )
        .await
        .0,
        401
    );
    // Wrong receive id.
    let s = seal(&crypto(APP_TOKEN, APP_KEY, OTHER_CORP), &wecom_text(1));
    assert_eq!(
        post(
            &gw,
            &format!("/callback/acme-app?{}", s.query),
            xml_envelope(CORP, &s.encrypt)
        )
        .await
        .0,
        403
    );
    // Old timestamp (signed correctly).
    let s = seal_at(&app, &wecom_text(1), now() - 3600);
    assert_eq!(
        post(
            &gw,
            &format!("/callback/acme-app?{}", s.query),
            xml_envelope(CORP, &s.encrypt)
        )
        .await
        .0,
        400
    );
    // Oversized.
    let s = seal(&app, &wecom_text(1));
    let big = xml_envelope(CORP, &s.encrypt)
        .replace("</xml>", &format!("<Pad>{}</Pad></xml>", "x".repeat(8000)));
    assert_eq!(
        post(&gw, &format!("/callback/acme-app?{}", s.query), big)
            .await
            .0,
        413
    );
    // Malformed envelope; malformed decrypted payload.
    assert_eq!(
        post(
            &gw,
            &format!("/callback/acme-app?{}", s.query),
            "<xml><nope/>".into()
        )
        .await
        .0,
        400
    );
    let s = seal(&app, "this is not xml");
    assert_eq!(
        post(
            &gw,
            &format!("/callback/acme-app?{}", s.query),
            xml_envelope(CORP, &s.encrypt)
        )
        .await
        .0,
        400
    );
    // Unknown app, app without callbacks, missing parameters.
    assert_eq!(
        post(&gw, "/callback/nope?timestamp=1", "x".into()).await.0,
        404
    );
    let (status, body) = post(&gw, "/callback/acme-nocb?timestamp=1", "x".into()).await;
    assert_eq!(status, 404);
    assert!(body.contains("no callback configuration"), "{body}");
    assert_eq!(
        post(&gw, "/callback/acme-app", xml_envelope(CORP, "abc"))
            .await
            .0,
        400
    );
    assert!(events(&gw).await.is_empty());
    let metrics = gw.gateway.metrics.render();
    for outcome in [
        "bad_signature",
        "bad_receive_id",
        "stale_timestamp",
        "too_large",
        "malformed",
        "unknown_app",
        "no_callback",
    ] {
        assert!(
            metrics.contains(&format!("outcome=\"{outcome}\"")),
            "{outcome}: {metrics}"
        );
    }
    gw.shutdown().await.unwrap();
}

async fn duplicates_and_concurrency(db: &TestDb) {
    let gw = gateway(db).await;
    let app = crypto(APP_TOKEN, APP_KEY, CORP);
    let s = seal(&app, &wecom_text(42));
    let path = format!("/callback/acme-app?{}", s.query);
    for _ in 0..3 {
        assert_eq!(
            post(&gw, &path, xml_envelope(CORP, &s.encrypt)).await,
            (200, "success".into())
        );
    }
    assert_eq!(events(&gw).await.len(), 1);
    let mut tasks = Vec::new();
    for i in 0..200u64 {
        let s = seal(&app, &wecom_text(1000 + i));
        let url = format!("{}/callback/acme-app?{}", gw.base_url, s.query);
        let body = xml_envelope(CORP, &s.encrypt);
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let all = events(&gw).await;
    assert_eq!(all.len(), 201);
    let mut keys: Vec<_> = all.iter().map(|e| e.dedup_key.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 201);
    gw.shutdown().await.unwrap();
}

async fn passive_reply_is_encrypted_back(db: &TestDb) {
    // A business backend that checks the signature and answers a text reply.
    let backend = axum::Router::new().route(
        "/events",
        axum::routing::post(|headers: HeaderMap, body: String| async move {
            let sig = headers.get("wxgate-signature").unwrap().to_str().unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            assert!(
                webhook_signature::verify(HOOK_SECRET.as_bytes(), sig, body.as_bytes(), now, 300)
                    .is_ok()
            );
            assert_eq!(headers.get("wxgate-passive-reply").unwrap(), "1");
            let event: serde_json::Value = serde_json::from_str(&body).unwrap();
            let t = event["type"].as_str().unwrap().to_owned();
            assert!(t == "wecom.message.text" || t == "mp.message.text", "{t}");
            assert!(event["id"].as_str().unwrap().starts_with("evt_"));
            // The same event JSON as the outbox delivers: RFC 3339 time, data derived from raw.
            assert!(
                event["received_at"].as_str().unwrap().ends_with('Z'),
                "{event}"
            );
            assert!(event["data"]["content"].is_string(), "{event}");
            assert!(
                event["raw"].as_str().unwrap().starts_with("<xml>"),
                "{event}"
            );
            axum::Json(serde_json::json!({"type": "text", "content": "pong"}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, backend).await });
    let gw = start_gateway_with(config(db, &hook, 2000, 64 * 1024)).await;
    let app = crypto(APP_TOKEN, APP_KEY, CORP);
    let s = seal(&app, &wecom_text(7));
    let (status, body) = post(
        &gw,
        &format!("/callback/acme-app?{}", s.query),
        xml_envelope(CORP, &s.encrypt),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Decrypt the reply as WeCom would.
    let doc = wxgate_protocol::xml::parse(&body, &Default::default()).unwrap();
    let opened = app
        .open(
            MsgSignatureParam(doc.child_text("MsgSignature").unwrap()),
            doc.child_text("TimeStamp").unwrap(),
            doc.child_text("Nonce").unwrap(),
            &body,
        )
        .unwrap();
    assert!(
        opened
            .plaintext
            .contains("<Content><![CDATA[pong]]></Content>"),
        "{}",
        opened.plaintext
    );
    assert!(
        opened
            .plaintext
            .contains("<ToUserName><![CDATA[zhangsan]]></ToUserName>")
    );
    assert_eq!(events(&gw).await.len(), 1, "stored before the reply call");
    // Official Account in plaintext mode: the reply comes back as plaintext XML.
    let ts = now();
    let sig = plain_signature(OA_TOKEN, &ts.to_string(), "n9").to_hex();
    let (status, body) = post(
        &gw,
        &format!("/callback/news?signature={sig}&timestamp={ts}&nonce=n9"),
        mp_text(99),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<Content><![CDATA[pong]]></Content>"),
        "{body}"
    );
    assert!(
        body.contains("<ToUserName><![CDATA[oUser1]]></ToUserName>"),
        "{body}"
    );
    assert!(
        body.contains("<FromUserName><![CDATA[gh_97417a04a28d]]></FromUserName>"),
        "{body}"
    );
    // A duplicate gets `success`, no second reply request and no second event.
    let (status, body) = post(
        &gw,
        &format!("/callback/news?signature={sig}&timestamp={ts}&nonce=n9"),
        mp_text(99),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "success"));
    assert_eq!(events(&gw).await.len(), 2);
    gw.shutdown().await.unwrap();
}

cases_on_both_backends! {
    every_kind_and_mode => every_kind_and_mode_is_stored;
    url_verification => url_verification_for_every_kind;
    refusals => refusals_store_nothing;
    dedup_and_concurrency => duplicates_and_concurrency;
    passive_reply => passive_reply_is_encrypted_back;
}
