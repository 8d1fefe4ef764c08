//! The third-party suite lifecycle end to end, against the simulator in-process, on SQLite and
//! PostgreSQL: suite ticket → install URL → simulated install page → create_auth → permanent
//! code → authorised corp token → change_auth → reset_permanent_code → cancel_auth, the
//! `suite.*` events in the outbox, and an auth code left pending by a crash exchanged at start.
//!
//! The simulator's pushes are taken from its queue (`deliver_callbacks: false`) and handed to
//! the lifecycle the way the callback endpoint does: suite tickets are persisted, the other
//! instructions go to `suite::lifecycle::handle_instruction`.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;
use wxgate_client::TokenKey;
use wxgate_config::Config;
use wxgate_gateway::suite::lifecycle::handle_instruction;
use wxgate_gateway::{Gateway, GatewayHandle, GatewayOptions};
use wxgate_protocol::message::{SuiteEvent, parse_suite};
use wxgate_sim::push::PushJob;
use wxgate_sim::{SimHandle, SimOptions, World};
use wxgate_store::{
    AuthCorpState, DeliveryFilter, NewPendingAuthCode, PendingAuthCodeStatus, Secret, SecretBox,
    Store,
};

const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";
const SUITE: &str = "crm";

/// An isolated database: a temp SQLite file, or a fresh schema on the test PostgreSQL server.
struct TestDb {
    url: String,
    master_key: String,
    schema: Option<(sqlx::PgPool, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("wxgate.db").display());
        TestDb {
            url,
            master_key: SecretBox::generate().1,
            schema: None,
            _dir: Some(dir),
        }
    }

    /// Fails (never skips) when PostgreSQL is unreachable.
    async fn postgres() -> TestDb {
        let base = std::env::var("WXGATE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let admin = sqlx::PgPool::connect(&base).await.unwrap_or_else(|e| {
            panic!("PostgreSQL at {base} is unreachable ({e}); start it or set WXGATE_TEST_POSTGRES_URL")
        });
        let schema = format!("t_{:032x}", rand::random::<u128>());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&admin)
            .await
            .expect("create test schema");
        let sep = if base.contains('?') { '&' } else { '?' };
        TestDb {
            url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
            master_key: SecretBox::generate().1,
            schema: Some((admin, schema)),
            _dir: None,
        }
    }

    async fn store(&self) -> Store {
        let store = Store::connect(&self.url, SecretBox::from_base64(&self.master_key).unwrap())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        store
    }

    async fn cleanup(&self) {
        if let Some((admin, schema)) = &self.schema {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(admin)
            .await;
        }
    }
}

fn config(db: &TestDb, sim: &str) -> Config {
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1:1"
admin_keys = ["{ADMIN_KEY}"]

[storage]
url = "{url}"

[upstream]
wecom = "{sim}"
wechat = "{sim}"
wecom_open = "{sim}"

[[webhooks]]
name = "backend"
url = "http://127.0.0.1:9/events"
secret = "test-webhook-secret-0123456789"
events = ["suite.*"]

[[suites]]
name = "{SUITE}"
suite_id = "ww9f8e7d6c5b4a3210"
suite_secret = "BMptUsGr7CmY-uCu3ZR1zTOlUcR64cXQLioDnkHIfxI"
token = "hJ4kW8sQ2m"
encoding_aes_key = "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD"
"#,
        url = db.url
    );
    Config::from_toml_str(&text, |_| None).expect("test configuration")
}

const SUITE_ID: &str = "ww9f8e7d6c5b4a3210";

struct Env {
    sim: SimHandle,
    pushes: UnboundedReceiver<PushJob>,
    http: reqwest::Client,
}

async fn start_sim(db: &TestDb) -> Env {
    // The world only needs the suite; upstream URLs do not matter to it.
    let world = World::from_config(&config(db, "http://127.0.0.1:1"));
    let sim = wxgate_sim::start(
        world,
        SimOptions {
            deliver_callbacks: false,
            ..SimOptions::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("simulator");
    let pushes = sim.state.pusher.take_queue().expect("push queue");
    Env {
        sim,
        pushes,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

async fn start_gateway(db: &TestDb, sim: &SimHandle) -> GatewayHandle {
    wxgate_gateway::start(
        config(db, &sim.base_url),
        GatewayOptions {
            secrets: SecretBox::from_base64(&db.master_key).unwrap(),
            listen: Some("127.0.0.1:0".parse().unwrap()),
        },
    )
    .await
    .expect("gateway")
}

/// What the callback endpoint does with a suite instruction: persist tickets, run the lifecycle
/// for the rest. Delivers pushes until one with `info_type` was handled; returns its result.
async fn pump(
    env: &mut Env,
    gateway: &Gateway,
    info_type: &str,
) -> Result<SuiteEvent, wxgate_gateway::suite::SuiteError> {
    let suite = gateway.registry.get(SUITE).unwrap();
    loop {
        let job = tokio::time::timeout(Duration::from_secs(10), env.pushes.recv())
            .await
            .unwrap_or_else(|_| panic!("no {info_type} pushed within 10 s"))
            .expect("push queue open");
        let event = parse_suite(&job.plaintext).expect("suite instruction");
        let result = match &event {
            SuiteEvent::SuiteTicket { suite_ticket, .. } => {
                gateway
                    .store
                    .put_suite_ticket(SUITE_ID, suite_ticket.expose(), now_ms())
                    .await
                    .expect("persist ticket");
                Ok(())
            }
            other => handle_instruction(gateway, &suite, other).await,
        };
        if event.info_type() == info_type {
            return result.map(|()| event);
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn admin(
    env: &Env,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = env.http.request(method, url).bearer_auth(ADMIN_KEY);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Asks the API for an install link and follows the simulated install page for a new corp;
/// returns the redirect location (the gateway's `/suites/crm/installed?auth_code=…`).
async fn install(env: &Env, gateway: &GatewayHandle, corp_name: &str) -> String {
    let (status, body) = admin(
        env,
        reqwest::Method::POST,
        format!("{}/api/v1/suites/{SUITE}/install-url", gateway.base_url),
        Some(json!({
            "redirect_uri": format!("{}/suites/{SUITE}/installed", gateway.base_url),
            "state": "campaign-7",
            "auth_type": "test",
        })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!(
            "{}/3rdapp/install?suite_id={SUITE_ID}&pre_auth_code=",
            env.sim.base_url
        )),
        "{url}"
    );
    assert!(
        url.contains("&redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{url}"
    );
    assert!(url.ends_with("&state=campaign-7"), "{url}");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    let page = env
        .http
        .get(format!("{url}&sim_new_corp={corp_name}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status().as_u16(),
        302,
        "{}",
        page.text().await.unwrap()
    );
    let location = page.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!(
            "{}/suites/{SUITE}/installed?auth_code=",
            gateway.base_url
        )),
        "{location}"
    );
    location
}

async fn events_of(store: &Store, event_type: &str) -> Vec<wxgate_store::StoredEvent> {
    store
        .events_after(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == event_type)
        .collect()
}

async fn lifecycle(db: &TestDb) {
    let mut env = start_sim(db).await;
    let handle = start_gateway(db, &env.sim).await;
    let gateway = handle.gateway.clone();
    let base = handle.base_url.clone();

    // The suite ticket arrives and is persisted.
    pump(&mut env, &gateway, "suite_ticket").await.unwrap();
    assert!(
        gateway
            .store
            .get_suite_ticket(SUITE_ID)
            .await
            .unwrap()
            .is_some()
    );

    // Install for a new corp; create_auth is pushed and exchanged.
    let location = install(&env, &handle, "Globex").await;
    let created = pump(&mut env, &gateway, "create_auth").await.unwrap();
    let SuiteEvent::CreateAuth { state, .. } = created else {
        panic!("not create_auth")
    };
    assert_eq!(state.as_deref(), Some("campaign-7"));
    let corps = gateway.store.list_auth_corps(SUITE_ID).await.unwrap();
    assert_eq!(corps.len(), 1);
    let corp = corps[0].clone();
    let corp_id = corp.corp_id.clone();
    assert_eq!(corp.corp_name, "Globex");
    assert_eq!(corp.state, AuthCorpState::Active);
    assert!(corp.agent_id.is_some());
    let first_code = corp.permanent_code.clone().expect("permanent code stored");

    // The admin API lists it, without the permanent code.
    let (status, listed) = admin(
        &env,
        reqwest::Method::GET,
        format!("{base}/api/v1/suites/{SUITE}/corps"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["corps"][0]["corp_id"], corp_id.as_str());
    assert_eq!(listed["corps"][0]["corp_name"], "Globex");
    assert_eq!(listed["corps"][0]["state"], "active");
    assert_eq!(listed["corps"][0]["agent_id"], json!(corp.agent_id));
    assert!(listed["corps"][0]["installed_at"].as_i64().unwrap() > 0);
    assert_eq!(
        listed["corps"][0]["privileges"]["auth_info"]["agent"][0]["privilege"]["allow_party"],
        json!([1])
    );
    assert!(!listed.to_string().contains(first_code.expose()));
    let (status, _) = admin(
        &env,
        reqwest::Method::GET,
        format!("{base}/api/v1/suites/{SUITE}/corps/wwnosuchcorp"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = env
        .http
        .get(format!("{base}/api/v1/suites/{SUITE}/corps"))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 401);

    // The browser lands on the redirect: already exchanged, so it just says so.
    let page = env.http.get(&location).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("installed for Globex"));
    assert_eq!(
        gateway.store.list_auth_corps(SUITE_ID).await.unwrap().len(),
        1
    );

    // The corp token works upstream (seeded from get_permanent_code).
    let (status, token) = admin(
        &env,
        reqwest::Method::GET,
        format!("{base}/api/v1/suites/{SUITE}/corps/{corp_id}/token"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{token}");
    let access_token = token["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();
    let ips: Value = env
        .http
        .get(format!(
            "{}/cgi-bin/getcallbackip?access_token={access_token}",
            env.sim.base_url
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(ips["ip_list"].is_array(), "{ips}");

    // change_auth: privileges are re-read.
    let sim = env.sim.base_url.clone();
    let changed = env
        .http
        .post(format!(
            "{sim}/sim/suites/{SUITE_ID}/corps/{corp_id}/change_auth"
        ))
        .json(&json!({"allow_party": [1, 2]}))
        .send()
        .await
        .unwrap();
    assert!(
        changed.status().is_success(),
        "{}",
        changed.text().await.unwrap()
    );
    pump(&mut env, &gateway, "change_auth").await.unwrap();
    let (status, one) = admin(
        &env,
        reqwest::Method::GET,
        format!("{base}/api/v1/suites/{SUITE}/corps/{corp_id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        one["privileges"]["auth_info"]["agent"][0]["privilege"]["allow_party"],
        json!([1, 2])
    );
    let (status, refreshed) = admin(
        &env,
        reqwest::Method::POST,
        format!("{base}/api/v1/suites/{SUITE}/corps/{corp_id}/refresh"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["corp_name"], "Globex");

    // reset_permanent_code: a new code replaces the old one, which the platform now refuses.
    let reset = env
        .http
        .post(format!(
            "{sim}/sim/suites/{SUITE_ID}/corps/{corp_id}/reset_permanent_code"
        ))
        .send()
        .await
        .unwrap();
    assert!(reset.status().is_success());
    pump(&mut env, &gateway, "reset_permanent_code")
        .await
        .unwrap();
    let after = gateway
        .store
        .get_auth_corp(SUITE_ID, &corp_id)
        .await
        .unwrap()
        .unwrap();
    let second_code = after.permanent_code.clone().unwrap();
    assert_ne!(second_code.expose(), first_code.expose());
    let suite_token = gateway
        .tokens
        .get(&TokenKey::suite(SUITE_ID))
        .await
        .unwrap();
    let old = gateway
        .client
        .get_corp_token(&suite_token.value, &corp_id, first_code.expose())
        .await;
    assert_eq!(old.unwrap_err().platform().map(|p| p.errcode), Some(40084));
    assert!(
        gateway
            .client
            .get_corp_token(&suite_token.value, &corp_id, second_code.expose())
            .await
            .is_ok()
    );

    // cancel_auth: revoked, permanent code and tokens purged, the token endpoint refuses.
    let cancel = env
        .http
        .post(format!(
            "{sim}/sim/suites/{SUITE_ID}/corps/{corp_id}/cancel_auth"
        ))
        .send()
        .await
        .unwrap();
    assert!(cancel.status().is_success());
    pump(&mut env, &gateway, "cancel_auth").await.unwrap();
    let revoked = gateway
        .store
        .get_auth_corp(SUITE_ID, &corp_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.state, AuthCorpState::Revoked);
    assert!(revoked.permanent_code.is_none());
    let key = TokenKey::auth_corp(SUITE_ID, &corp_id);
    assert!(
        gateway
            .store
            .get_token(key.as_str())
            .await
            .unwrap()
            .is_none()
    );
    let (status, refused) = admin(
        &env,
        reqwest::Method::GET,
        format!("{base}/api/v1/suites/{SUITE}/corps/{corp_id}/token"),
        None,
    )
    .await;
    assert!(status == 404 || status == 410, "{status} {refused}");
    let (_, listed) = admin(
        &env,
        reqwest::Method::GET,
        format!("{base}/api/v1/suites/{SUITE}/corps"),
        None,
    )
    .await;
    assert_eq!(listed["corps"][0]["state"], "revoked");

    // The outbox holds suite.corp_authorized / suite.corp_revoked for the webhook.
    let authorized = events_of(&gateway.store, "suite.corp_authorized").await;
    assert_eq!(
        authorized.len(),
        1,
        "one install, one event (the redirect is idempotent)"
    );
    assert_eq!(authorized[0].app, SUITE);
    assert_eq!(authorized[0].stored_data()["corp_id"], corp_id.as_str());
    assert_eq!(authorized[0].stored_data()["corp_name"], "Globex");
    assert_eq!(authorized[0].stored_data()["install_state"], "campaign-7");
    assert_eq!(authorized[0].source["suite_id"], SUITE_ID);
    let revoked_events = events_of(&gateway.store, "suite.corp_revoked").await;
    assert_eq!(revoked_events.len(), 1);
    assert!(
        !events_of(&gateway.store, "suite.corp_auth_changed")
            .await
            .is_empty()
    );
    let deliveries = gateway
        .store
        .list_deliveries(
            &DeliveryFilter {
                status: None,
                webhook: Some("backend".into()),
            },
            100,
            0,
        )
        .await
        .unwrap();
    for event in [&authorized[0], &revoked_events[0]] {
        assert!(
            deliveries.iter().any(|d| d.event_id == event.id),
            "no delivery of {}",
            event.event_type
        );
    }

    handle.shutdown().await.unwrap();
}

async fn pending_code_exchanged_at_start(db: &TestDb) {
    let mut env = start_sim(db).await;
    let first = start_gateway(db, &env.sim).await;
    pump(&mut env, &first.gateway, "suite_ticket")
        .await
        .unwrap();
    let location = install(&env, &first, "Initech").await;
    // The gateway "crashes" after acknowledging create_auth, before the exchange.
    first.shutdown().await.unwrap();
    let auth_code = location
        .split("auth_code=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .unwrap()
        .to_owned();
    let store = db.store().await;
    let pending = NewPendingAuthCode {
        suite_id: SUITE_ID.into(),
        auth_code: Secret::new(auth_code.clone()),
        kind: "create_auth".into(),
        install_state: Some("campaign-7".into()),
        corp_id: None,
        expires_at: now_ms() + 600_000,
    };
    let row = store.put_pending_auth_code(&pending).await.unwrap();
    assert_eq!(row.status, PendingAuthCodeStatus::Pending);
    // The same code again (a retried callback) is the same row.
    let again = store.put_pending_auth_code(&pending).await.unwrap();
    assert_eq!(again.code_hash, row.code_hash);

    let second = start_gateway(db, &env.sim).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    // The corp row is written before the code is marked done: wait for both.
    let corp = loop {
        let done = store
            .get_pending_auth_code(SUITE_ID, &row.code_hash)
            .await
            .unwrap()
            .is_some_and(|code| code.status == PendingAuthCodeStatus::Done);
        if let Some(corp) = store.list_auth_corps(SUITE_ID).await.unwrap().pop()
            && done
        {
            break corp;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "pending code not exchanged at start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(corp.corp_name, "Initech");
    assert_eq!(corp.state, AuthCorpState::Active);
    let done = store
        .get_pending_auth_code(SUITE_ID, &row.code_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, PendingAuthCodeStatus::Done);
    assert_eq!(done.corp_id.as_deref(), Some(corp.corp_id.as_str()));

    // The create_auth callback arriving late is idempotent: no second exchange, no second event.
    pump(&mut env, &second.gateway, "create_auth")
        .await
        .unwrap();
    assert_eq!(events_of(&store, "suite.corp_authorized").await.len(), 1);

    // A code the platform refuses (unknown) is given up, not retried forever.
    let bogus = store
        .put_pending_auth_code(&NewPendingAuthCode {
            auth_code: Secret::new("not-a-real-auth-code"),
            ..pending.clone()
        })
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let row = store
            .get_pending_auth_code(SUITE_ID, &bogus.code_hash)
            .await
            .unwrap()
            .unwrap();
        if row.status == PendingAuthCodeStatus::Expired {
            assert!(row.last_error.unwrap().contains("40078"));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "refused code not given up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    second.shutdown().await.unwrap();
    store.close().await;
}

/// The same install through the real callback endpoint: the simulator delivers to the gateway
/// over HTTP (the gateway's port is reserved first, so the world knows its URL), the callback
/// handler persists the ticket and runs the lifecycle through its suite hook.
async fn through_callbacks(db: &TestDb) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let gateway_url = format!("http://127.0.0.1:{port}");
    let mut world = World::from_config(&config(db, "http://127.0.0.1:1"));
    world.gateway_url = Some(gateway_url.clone());
    let sim = wxgate_sim::start(world, SimOptions::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator");
    let handle = wxgate_gateway::start(
        config(db, &sim.base_url),
        GatewayOptions {
            secrets: SecretBox::from_base64(&db.master_key).unwrap(),
            listen: Some(format!("127.0.0.1:{port}").parse().unwrap()),
        },
    )
    .await
    .expect("gateway");
    let store = handle.gateway.store.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while store.get_suite_ticket(SUITE_ID).await.unwrap().is_none() {
        // The first ticket may have gone out before the gateway listened: ask for another.
        let _ = reqwest::Client::new()
            .post(format!("{}/sim/suites/{SUITE_ID}/ticket", sim.base_url))
            .send()
            .await;
        assert!(
            tokio::time::Instant::now() < deadline,
            "no suite ticket persisted"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (_, pushes) = tokio::sync::mpsc::unbounded_channel();
    let env = Env {
        sim,
        pushes,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    install(&env, &handle, "Umbrella").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    // The corp row is written before its event: wait for both.
    let corp = loop {
        let announced = !events_of(&store, "suite.corp_authorized").await.is_empty();
        if let Some(corp) = store.list_auth_corps(SUITE_ID).await.unwrap().pop()
            && announced
        {
            break corp;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "create_auth not exchanged through the callback"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(corp.corp_name, "Umbrella");
    assert_eq!(events_of(&store, "suite.corp_authorized").await.len(), 1);
    handle.shutdown().await.unwrap();
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::TestDb::sqlite().await;
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::TestDb::postgres().await;
                    let result = tokio::spawn({
                        let url = db.url.clone();
                        let key = db.master_key.clone();
                        async move {
                            let db = super::TestDb { url, master_key: key, schema: None, _dir: None };
                            super::$name(&db).await;
                        }
                    })
                    .await;
                    db.cleanup().await;
                    if let Err(e) = result {
                        std::panic::resume_unwind(e.into_panic());
                    }
                }
            )*
        }
    };
}

on_both_backends!(
    lifecycle,
    pending_code_exchanged_at_start,
    through_callbacks
);
