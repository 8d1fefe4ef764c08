//! Webhook delivery, dead letters and redrive, restart durability, the pull API and the event
//! stream, end to end: a gateway on 127.0.0.1:0, events inserted through the store's outbox, and
//! a receiver in the test that verifies every signature. Each case runs on SQLite and PostgreSQL.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use wxgate_gateway::webhook_signature::verify;
use wxgate_store::{Accepted, NewEvent, Store};

const SECRET: &str = "whsec_0123456789abcdef";

/// One request the receiver got (signature already verified).
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Value,
}

#[derive(Default)]
struct ReceiverState {
    /// The HTTP status to answer.
    status: AtomicU16,
    received: Mutex<Vec<Received>>,
    bad_signatures: Mutex<Vec<String>>,
}

/// A business backend: verifies `Wxgate-Signature`, records the event, answers `status`.
#[derive(Clone)]
struct Receiver {
    state: Arc<ReceiverState>,
}

impl Receiver {
    fn new(status: u16) -> Receiver {
        let state = ReceiverState::default();
        state.status.store(status, Ordering::SeqCst);
        Receiver {
            state: Arc::new(state),
        }
    }

    fn answer(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    /// Serves on `addr` (`127.0.0.1:0` for any port); returns the bound address.
    async fn serve(&self, addr: SocketAddr) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind receiver");
        let local = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(self.state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        local
    }

    async fn received(&self) -> Vec<Received> {
        self.state.received.lock().await.clone()
    }

    async fn ids(&self) -> Vec<String> {
        self.received()
            .await
            .iter()
            .map(|r| r.body["id"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn assert_all_signatures_good(&self) {
        assert!(
            self.state.bad_signatures.lock().await.is_empty(),
            "{:?}",
            self.state.bad_signatures.lock().await
        );
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = headers
        .get("wxgate-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Err(e) = verify(SECRET.as_bytes(), header, &body, now, 300) {
        state.bad_signatures.lock().await.push(e.to_string());
        return StatusCode::BAD_REQUEST;
    }
    let status = StatusCode::from_u16(state.status.load(Ordering::SeqCst)).unwrap();
    if status.is_success() {
        state.received.lock().await.push(Received {
            headers,
            body: serde_json::from_slice(&body).expect("event JSON"),
        });
    }
    status
}

fn webhook_toml(addr: SocketAddr, max_attempts: u32, retry_base_ms: u64) -> String {
    format!(
        "[[webhooks]]\nname = \"hooks\"\nurl = \"http://{addr}/hook\"\nsecret = \"{SECRET}\"\ntimeout_ms = 2000\nmax_attempts = {max_attempts}\nretry_base_ms = {retry_base_ms}\n"
    )
}

/// A free port on 127.0.0.1 with nothing listening (yet).
async fn free_addr() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Inserts `n` events for `webhooks` through the outbox; returns their ids in order.
async fn insert_events(store: &Store, n: usize, webhooks: &[&str]) -> Vec<String> {
    let batch = (0..n)
        .map(|i| NewEvent {
            app: "hr".into(),
            event_type: "wecom.message.text".into(),
            source: json!({"kind": "wecom_app", "corp_id": "ww1", "agent_id": 1000002}).into(),
            dedup_key: format!("msg:{}", rand::random::<u64>()),
            received_at: now_ms(),
            data: Some(json!({"content": format!("hello {i}")}).into()),
            raw: format!("<xml><Content>hello {i}</Content></xml>"),
            webhooks: webhooks.iter().map(|w| (*w).to_owned()).collect(),
        })
        .collect();
    store
        .accept_events(batch)
        .await
        .expect("accept events")
        .into_iter()
        .map(|a| match a {
            Accepted::New { id, .. } => id,
            other => panic!("expected a new event, got {other:?}"),
        })
        .collect()
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn admin_get(base: &str, path: &str) -> Value {
    let response = http()
        .get(format!("{base}{path}"))
        .bearer_auth(common::ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "GET {path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn admin_post(base: &str, path: &str) -> (u16, Value) {
    let response = http()
        .post(format!("{base}{path}"))
        .bearer_auth(common::ADMIN_KEY)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn deliveries(base: &str, query: &str) -> Vec<Value> {
    admin_get(base, &format!("/api/v1/deliveries?{query}")).await["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

mod cases {
    use super::*;
    use common::TestDb;

    pub async fn delivered_once_with_signed_headers(db: Arc<TestDb>) {
        let receiver = Receiver::new(200);
        let addr = receiver.serve("127.0.0.1:0".parse().unwrap()).await;
        let gw = common::start(&db, common::config(&db, &webhook_toml(addr, 12, 5000))).await;
        let ids = insert_events(&gw.gateway.store, 1, &["hooks"]).await;
        gw.gateway.outbox_ready.notify_waiters();
        common::wait_until("one delivery", 10, || async {
            receiver.received().await.len() == 1
        })
        .await;
        let got = receiver.received().await.remove(0);
        let header = |name: &str| got.headers.get(name).unwrap().to_str().unwrap().to_owned();
        assert_eq!(header("content-type"), "application/json");
        assert_eq!(header("wxgate-event-id"), ids[0]);
        assert_eq!(header("wxgate-event-type"), "wecom.message.text");
        assert_eq!(header("wxgate-delivery-attempt"), "1");
        assert!(header("wxgate-signature").starts_with("t="));
        assert_eq!(got.body["id"], ids[0].as_str());
        assert_eq!(got.body["type"], "wecom.message.text");
        assert_eq!(
            got.body["source"],
            json!({"kind": "wecom_app", "name": "hr", "corp_id": "ww1", "agent_id": 1000002})
        );
        assert_eq!(got.body["data"], json!({"content": "hello 0"}));
        assert_eq!(got.body["raw"], "<xml><Content>hello 0</Content></xml>");
        assert!(got.body["received_at"].as_str().unwrap().ends_with('Z'));
        receiver.assert_all_signatures_good().await;

        // Delivered is final: no second delivery.
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        assert_eq!(receiver.received().await.len(), 1);
        let view = admin_get(&gw.base_url, &format!("/api/v1/events/{}", ids[0])).await;
        assert_eq!(view["event"]["id"], ids[0].as_str());
        assert_eq!(view["deliveries"][0]["status"], "delivered");
        assert_eq!(view["deliveries"][0]["attempts"], 1);
        let metrics = http()
            .get(format!("{}/metrics", gw.base_url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains(
                r#"wxgate_webhook_deliveries_total{webhook="hooks",outcome="delivered"} 1"#
            ),
            "{metrics}"
        );
        gw.shutdown().await.unwrap();
    }

    pub async fn retried_until_the_receiver_comes_up(db: Arc<TestDb>) {
        let addr = free_addr().await;
        let gw = common::start(&db, common::config(&db, &webhook_toml(addr, 12, 100))).await;
        let ids = insert_events(&gw.gateway.store, 1, &["hooks"]).await;
        gw.gateway.outbox_ready.notify_waiters();
        let base = gw.base_url.clone();
        common::wait_until("a failed attempt", 10, || async {
            let d = deliveries(&base, "status=pending").await;
            d.len() == 1 && d[0]["attempts"].as_i64().unwrap() >= 1
        })
        .await;
        let d = deliveries(&base, "status=pending").await;
        assert!(
            d[0]["last_error"]
                .as_str()
                .unwrap()
                .contains("request failed"),
            "{d:?}"
        );
        let receiver = Receiver::new(200);
        receiver.serve(addr).await;
        common::wait_until("the retry delivered", 15, || async {
            receiver.received().await.len() == 1
        })
        .await;
        let got = receiver.received().await.remove(0);
        assert_eq!(got.body["id"], ids[0].as_str());
        let attempt: i64 = got.headers["wxgate-delivery-attempt"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(attempt >= 2, "attempt {attempt}");
        common::wait_until("marked delivered", 5, || async {
            deliveries(&base, "status=delivered").await.len() == 1
        })
        .await;
        receiver.assert_all_signatures_good().await;
        gw.shutdown().await.unwrap();
    }

    pub async fn dead_letters_are_visible_and_redriven(db: Arc<TestDb>) {
        let receiver = Receiver::new(500);
        let addr = receiver.serve("127.0.0.1:0".parse().unwrap()).await;
        let gw = common::start(&db, common::config(&db, &webhook_toml(addr, 3, 20))).await;
        let base = gw.base_url.clone();
        let ids = insert_events(&gw.gateway.store, 2, &["hooks"]).await;
        let gone = insert_events(&gw.gateway.store, 1, &["removed-hook"]).await;
        gw.gateway.outbox_ready.notify_waiters();
        common::wait_until("three dead letters", 15, || async {
            deliveries(&base, "status=dead").await.len() == 3
        })
        .await;
        let dead = deliveries(&base, "status=dead&webhook=hooks").await;
        assert_eq!(dead.len(), 2);
        for d in &dead {
            assert_eq!(d["attempts"], 3);
            assert!(d["last_error"].as_str().unwrap().contains("500"), "{d}");
        }
        let orphan = deliveries(&base, "status=dead&webhook=removed-hook").await;
        assert_eq!(orphan[0]["event_id"], gone[0].as_str());
        assert!(
            orphan[0]["last_error"]
                .as_str()
                .unwrap()
                .contains("no longer configured"),
            "{orphan:?}"
        );
        assert!(receiver.received().await.is_empty());

        // Paging through the list with the cursor.
        let first = admin_get(&base, "/api/v1/deliveries?status=dead&limit=2").await;
        assert_eq!(first["deliveries"].as_array().unwrap().len(), 2);
        let cursor = first["next_cursor"].as_str().unwrap().to_owned();
        let rest = deliveries(&base, &format!("status=dead&limit=2&cursor={cursor}")).await;
        assert_eq!(rest.len(), 1);

        receiver.answer(200);
        let one = dead
            .iter()
            .find(|d| d["event_id"] == ids[0].as_str())
            .unwrap();
        let (status, body) =
            admin_post(&base, &format!("/api/v1/deliveries/{}/redrive", one["id"])).await;
        assert_eq!((status, body), (200, json!({"redriven": 1})));
        common::wait_until("the redriven delivery", 10, || async {
            receiver.ids().await == vec![ids[0].clone()]
        })
        .await;
        assert_eq!(
            receiver.received().await[0].headers["wxgate-delivery-attempt"],
            "1"
        );
        // Redriving a pending or unknown delivery is refused with a clear status.
        let (status, _) = admin_post(&base, "/api/v1/deliveries/999999/redrive").await;
        assert_eq!(status, 404);

        let (status, body) = admin_post(&base, "/api/v1/webhooks/hooks/redrive-dead").await;
        assert_eq!((status, body), (200, json!({"redriven": 1})));
        common::wait_until("both delivered", 10, || async {
            receiver.received().await.len() == 2
        })
        .await;
        let mut got = receiver.ids().await;
        got.sort();
        let mut want = ids.clone();
        want.sort();
        assert_eq!(got, want);
        receiver.assert_all_signatures_good().await;
        gw.shutdown().await.unwrap();
    }

    pub async fn restart_loses_nothing(db: Arc<TestDb>) {
        let receiver = Receiver::new(503);
        let addr = receiver.serve("127.0.0.1:0".parse().unwrap()).await;
        let config = || common::config(&db, &webhook_toml(addr, 50, 100));
        let first = common::start(&db, config()).await;
        let base = first.base_url.clone();
        let mut ids = insert_events(&first.gateway.store, 5, &["hooks"]).await;
        first.gateway.outbox_ready.notify_waiters();
        common::wait_until("every delivery attempted once", 10, || async {
            let d = deliveries(&base, "status=pending").await;
            d.len() == 5 && d.iter().all(|d| d["attempts"].as_i64().unwrap() >= 1)
        })
        .await;
        first.shutdown().await.unwrap();

        // Events accepted while no gateway runs (another instance, or just before a crash).
        let store = db.store().await;
        ids.extend(insert_events(&store, 5, &["hooks"]).await);
        store.close().await;

        receiver.answer(200);
        let second = common::start(&db, config()).await;
        let base = second.base_url.clone();
        common::wait_until("every event delivered", 20, || async {
            let mut got = receiver.ids().await;
            got.sort();
            got.dedup();
            got.len() == 10
        })
        .await;
        let mut got = receiver.ids().await;
        got.sort();
        got.dedup();
        let mut want = ids.clone();
        want.sort();
        assert_eq!(got, want, "every event delivered, none lost");
        common::wait_until("all marked delivered", 10, || async {
            deliveries(&base, "status=delivered").await.len() == 10
        })
        .await;
        assert!(deliveries(&base, "status=pending").await.is_empty());
        receiver.assert_all_signatures_good().await;
        second.shutdown().await.unwrap();
    }

    pub async fn pull_api_pages_in_order(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, "")).await;
        let base = gw.base_url.clone();
        let ids = insert_events(&gw.gateway.store, 5, &[]).await;
        let mut seen = Vec::new();
        let mut cursor = String::new();
        let mut pages = 0;
        loop {
            let page = admin_get(&base, &format!("/api/v1/events?limit=2&after={cursor}")).await;
            let events = page["events"].as_array().unwrap();
            let next = page["next_cursor"].as_str().unwrap().to_owned();
            if events.is_empty() {
                assert_eq!(next, cursor, "an empty page keeps the cursor");
                break;
            }
            assert!(events.len() <= 2);
            for event in events {
                assert_eq!(event["type"], "wecom.message.text");
                assert_eq!(event["source"]["name"], "hr");
                seen.push(event["id"].as_str().unwrap().to_owned());
            }
            cursor = next;
            pages += 1;
        }
        assert_eq!(seen, ids);
        assert_eq!(pages, 3);
        // The last cursor stays put when nothing is new, and picks up a later event.
        let later = insert_events(&gw.gateway.store, 1, &[]).await;
        let page = admin_get(&base, &format!("/api/v1/events?after={cursor}")).await;
        assert_eq!(page["events"][0]["id"], later[0].as_str());
        let bad = http()
            .get(format!("{base}/api/v1/events?after=nope"))
            .bearer_auth(common::ADMIN_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        let missing = http()
            .get(format!("{base}/api/v1/events/evt_missing"))
            .bearer_auth(common::ADMIN_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        gw.shutdown().await.unwrap();
    }

    pub async fn event_stream_is_live_and_resumes(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, "")).await;
        let base = gw.base_url.clone();
        let ids = insert_events(&gw.gateway.store, 2, &[]).await;
        let mut stream = SseReader::open(&base, None).await;
        let first = stream.next().await;
        let second = stream.next().await;
        assert_eq!(first.event, "wecom.message.text");
        assert_eq!(first.data["id"], ids[0].as_str());
        assert_eq!(second.data["id"], ids[1].as_str());
        // Live: an event committed after the stream opened arrives.
        let live = insert_events(&gw.gateway.store, 1, &[]).await;
        gw.gateway.outbox_ready.notify_waiters();
        let third = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
            .await
            .expect("live event within 5 s");
        assert_eq!(third.data["id"], live[0].as_str());
        drop(stream);
        // Resume after the second event with Last-Event-ID.
        let mut resumed = SseReader::open(&base, Some(&second.id)).await;
        let next = resumed.next().await;
        assert_eq!(next.data["id"], live[0].as_str());
        assert_eq!(next.id, third.id);
        drop(resumed);
        gw.shutdown().await.unwrap();
    }

    pub async fn admin_endpoints_need_the_key(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, "")).await;
        let base = gw.base_url.clone();
        let ids = insert_events(&gw.gateway.store, 1, &[]).await;
        let gets = [
            "/api/v1/deliveries".to_owned(),
            "/api/v1/events".to_owned(),
            "/api/v1/events/stream".to_owned(),
            format!("/api/v1/events/{}", ids[0]),
        ];
        for path in &gets {
            let none = http().get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(none.status(), 401, "{path}");
            let wrong = http()
                .get(format!("{base}{path}"))
                .bearer_auth("wrong-key-0123456789abcdef")
                .send()
                .await
                .unwrap();
            assert_eq!(wrong.status(), 401, "{path}");
        }
        for path in [
            "/api/v1/deliveries/1/redrive",
            "/api/v1/webhooks/hooks/redrive-dead",
        ] {
            let none = http().post(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(none.status(), 401, "{path}");
        }
        gw.shutdown().await.unwrap();
    }
}

/// One Server-Sent Event.
#[derive(Debug)]
struct SseEvent {
    id: String,
    event: String,
    data: Value,
}

/// A minimal SSE client over reqwest's chunked body.
struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    async fn open(base: &str, last_event_id: Option<&str>) -> SseReader {
        let mut request = http()
            .get(format!("{base}/api/v1/events/stream"))
            .bearer_auth(common::ADMIN_KEY);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        SseReader {
            response,
            buffer: String::new(),
        }
    }

    /// The next event that carries data (keep-alive comments are skipped).
    async fn next(&mut self) -> SseEvent {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if !data.is_empty() {
                    return SseEvent {
                        id,
                        event,
                        data: serde_json::from_str(&data).unwrap(),
                    };
                }
            }
            let chunk = self
                .response
                .chunk()
                .await
                .unwrap()
                .expect("stream still open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

on_both_backends!(
    delivered_once_with_signed_headers,
    retried_until_the_receiver_comes_up,
    dead_letters_are_visible_and_redriven,
    restart_loses_nothing,
    pull_api_pages_in_order,
    event_stream_is_live_and_resumes,
    admin_endpoints_need_the_key,
);
