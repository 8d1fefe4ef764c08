//! Full contacts syncs end to end, over real HTTP against the simulator, on SQLite and
//! PostgreSQL: a generated directory synced exactly (every department and member compared with
//! what the simulator serves), a second run that changes nothing, removals and moves, the
//! restricted paths (an app's visible range, the 2022 privacy rules, a contacts secret on a new
//! IP) with their unavailable fields, a gateway stopped mid-sync whose job a new gateway resumes
//! from its checkpoint, −1 and 45009 injected, the progress stream and `contact.synced`.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use common::{ADMIN_KEY, TestDb};
use serde_json::{Value, json};
use wxgate_config::Config;
use wxgate_gateway::contacts::sync::schedule;
use wxgate_gateway::{GatewayHandle, GatewayOptions};
use wxgate_sim::directory::{
    Directory, FieldView, GenerateOptions, ROOT_DEPARTMENT, VisibleRange, department_json,
};
use wxgate_sim::world::{DirectorySource, SimApp, SimCorp};
use wxgate_sim::{SimHandle, SimOptions, World};
use wxgate_store::{Member, Store};

const CORP: &str = "wwacme0000000001";
const SUITE_ID: &str = "wwsuite000000001";

/// What the simulated corp looks like and how the gateway reads it.
#[derive(Clone)]
struct Setup {
    members: usize,
    departments: usize,
    /// The gateway has `[wecom.contacts]`.
    contacts_secret: bool,
    /// The contacts secret calls from a new IP (only list_id + simplelist).
    new_ip: bool,
    /// acme-app was created after the 2022-06-20 privacy rules.
    privacy_restricted_app: bool,
    /// acme-app's visible range.
    visible: VisibleRange,
    concurrency: usize,
    /// `[contacts] sync_interval_minutes` (0: no scheduled syncs).
    sync_interval_minutes: u64,
    options: SimOptions,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            members: 300,
            departments: 40,
            contacts_secret: true,
            new_ip: false,
            privacy_restricted_app: false,
            visible: VisibleRange::default(),
            concurrency: 4,
            sync_interval_minutes: 0,
            options: SimOptions {
                clock_speed: 0.0,
                fault_seed: Some(7),
                start_unix: Some(1_763_600_000),
                ..SimOptions::default()
            },
        }
    }
}

fn generate_options(setup: &Setup) -> GenerateOptions {
    GenerateOptions {
        corp_id: CORP.into(),
        members: setup.members,
        departments: setup.departments,
        seed: 11,
    }
}

async fn start_sim(setup: &Setup) -> SimHandle {
    let mut app = SimApp::self_built("acme-app", 1000002, "acme-secret");
    app.created_after_privacy_rules = setup.privacy_restricted_app;
    app.visible = setup.visible.clone();
    let mut contacts = SimApp::contacts("acme-contacts", "acme-contacts-secret");
    contacts.new_ip = setup.new_ip;
    let world = World {
        corps: vec![SimCorp {
            name: "Acme".into(),
            corp_id: CORP.into(),
            apps: vec![app, contacts],
            directory: DirectorySource::Generate(generate_options(setup)),
        }],
        ..World::default()
    };
    wxgate_sim::start(world, setup.options.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts")
}

fn gateway_config(db: &TestDb, sim: &SimHandle, setup: &Setup) -> Config {
    let contacts = if setup.contacts_secret {
        "  [wecom.contacts]\n  name = \"acme-contacts\"\n  secret = \"acme-contacts-secret\"\n"
    } else {
        ""
    };
    let toml = format!(
        r#"
[server]
admin_keys = ["{ADMIN_KEY}"]

[storage]
url = "{db}"

[upstream]
wecom = "{sim}"
wechat = "{sim}"

[contacts]
sync_interval_minutes = {interval}
concurrency = {concurrency}
rate_limited_pause_secs = 1

[[wecom]]
name = "acme"
corp_id = "{CORP}"
  [[wecom.apps]]
  name = "acme-app"
  agent_id = 1000002
  secret = "acme-secret"
{contacts}"#,
        db = db.url,
        sim = sim.base_url,
        concurrency = setup.concurrency,
        interval = setup.sync_interval_minutes,
    );
    Config::from_toml_str(&toml, |_| None).expect("test config loads")
}

async fn start_gateway(db: &TestDb, sim: &SimHandle, setup: &Setup) -> GatewayHandle {
    wxgate_gateway::start(
        gateway_config(db, sim, setup),
        GatewayOptions {
            secrets: db.secrets(),
            listen: Some("127.0.0.1:0".parse().unwrap()),
        },
    )
    .await
    .expect("gateway starts")
}

struct Admin {
    base: String,
    http: reqwest::Client,
}

impl Admin {
    fn new(gateway: &GatewayHandle) -> Admin {
        Admin {
            base: gateway.base_url.clone(),
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str) -> (u16, Value) {
        let res = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn start_sync(&self, directory: &str) -> Value {
        let (status, job) = self
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/corps/{directory}/sync"),
            )
            .await;
        assert_eq!(status, 202, "{job}");
        assert!(job["id"].as_str().unwrap().starts_with("sync_"), "{job}");
        job
    }

    async fn job(&self, id: &str) -> Value {
        let (status, job) = self
            .send(reqwest::Method::GET, &format!("/api/v1/sync/{id}"))
            .await;
        assert_eq!(status, 200, "{job}");
        job
    }

    /// Waits for job `id` to end; panics unless it ended `done`.
    async fn finished(&self, id: &str) -> Value {
        let job = self.wait(id, 90, |job| job["state"] != "running").await;
        assert_eq!(job["state"], "done", "{job:#}");
        job
    }

    /// Polls job `id` until `done(job)`; panics after `secs` seconds.
    async fn wait(&self, id: &str, secs: u64, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let job = self.job(id).await;
            if done(&job) {
                return job;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {secs} s; the job: {job:#}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn sync(&self, directory: &str) -> Value {
        let job = self.start_sync(directory).await;
        self.finished(job["id"].as_str().unwrap()).await
    }
}

/// The departments and members `view` shows of the simulator's directory within `range`, as the
/// platform's JSON.
fn sim_view(sim: &SimHandle, range: &VisibleRange, view: FieldView) -> (Vec<Value>, Vec<Value>) {
    let shared = sim.state.directories.get(CORP).expect("corp directory");
    let dir: std::sync::RwLockReadGuard<'_, Directory> = shared.read().unwrap();
    let visible = dir.visible(range);
    let departments = dir
        .departments()
        .filter(|d| visible.contains_department(d.id))
        .map(|d| department_json(d, view))
        .collect();
    let members = visible
        .members()
        .map(|m| visible.member_json(m, view))
        .collect();
    (departments, members)
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// What the store holds for `directory` (active rows), by id.
async fn stored(
    store: &Store,
    directory: &str,
) -> (
    BTreeMap<i64, wxgate_store::Department>,
    BTreeMap<String, Member>,
) {
    let departments = store
        .departments(directory)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.active)
        .map(|d| (d.dept_id, d))
        .collect();
    let members = store
        .all_members(directory)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.active)
        .map(|m| (m.userid.clone(), m))
        .collect();
    (departments, members)
}

/// Which fields the comparison expects to be stored (others must be as before: `None` here).
#[derive(Clone, Copy)]
struct Expect {
    department_names: bool,
    member_details: bool,
    privacy_fields: bool,
}

/// Every department and member of the simulator's view equals the stored one, and nothing else
/// is stored as active.
async fn assert_synced_exactly(
    store: &Store,
    sim: &SimHandle,
    range: &VisibleRange,
    view: FieldView,
    expect: Expect,
) {
    let (sim_departments, sim_members) = sim_view(sim, range, view);
    let (departments, members) = stored(store, "acme").await;
    assert_eq!(departments.len(), sim_departments.len(), "department count");
    assert_eq!(members.len(), sim_members.len(), "member count");
    for d in &sim_departments {
        let id = d["id"].as_i64().unwrap();
        let s = departments
            .get(&id)
            .unwrap_or_else(|| panic!("department {id} missing"));
        assert_eq!(
            s.parent_id,
            d["parentid"].as_i64().unwrap(),
            "parent of {id}"
        );
        assert_eq!(s.sort_order, d["order"].as_i64().unwrap(), "order of {id}");
        if expect.department_names {
            assert_eq!(s.name, text(&d["name"]), "name of {id}");
            let leaders: Vec<String> =
                serde_json::from_value(d["department_leader"].clone()).unwrap();
            assert_eq!(s.leaders, leaders, "leaders of {id}");
        } else {
            assert_eq!(s.name, None, "name of {id} is unavailable");
        }
    }
    for m in &sim_members {
        let userid = m["userid"].as_str().unwrap();
        let s = members
            .get(userid)
            .unwrap_or_else(|| panic!("member {userid} missing"));
        let depts: Vec<i64> = serde_json::from_value(m["department"].clone()).unwrap();
        let mut stored_depts: Vec<i64> = s.departments.iter().map(|d| d.dept_id).collect();
        stored_depts.sort_unstable();
        let mut want = depts.clone();
        want.sort_unstable();
        assert_eq!(stored_depts, want, "departments of {userid}");
        if !expect.member_details {
            assert_eq!(
                (&s.name, &s.mobile, s.status),
                (&None, &None, None),
                "{userid}"
            );
            continue;
        }
        let orders: Vec<i64> = serde_json::from_value(m["order"].clone()).unwrap();
        let leaders: Vec<i64> = serde_json::from_value(m["is_leader_in_dept"].clone()).unwrap();
        for (i, dept) in depts.iter().enumerate() {
            let sd = s.departments.iter().find(|d| d.dept_id == *dept).unwrap();
            assert_eq!(sd.sort_order, orders[i], "order of {userid} in {dept}");
            assert_eq!(
                sd.is_leader,
                leaders[i] == 1,
                "leader flag of {userid} in {dept}"
            );
        }
        if view == FieldView::ThirdParty {
            assert_eq!(s.name, None, "third parties get no names");
            assert_eq!(s.open_userid, text(&m["open_userid"]), "{userid}");
        } else {
            assert_eq!(s.name, text(&m["name"]), "name of {userid}");
            assert_eq!(s.position, text(&m["position"]), "position of {userid}");
        }
        assert_eq!(s.alias, text(&m["alias"]), "alias of {userid}");
        assert_eq!(s.status, m["status"].as_i64(), "status of {userid}");
        assert_eq!(
            s.main_department,
            m["main_department"].as_i64(),
            "main dept of {userid}"
        );
        assert_eq!(
            s.extra["telephone"], m["telephone"],
            "telephone of {userid}"
        );
        assert_eq!(s.extra["extattr"], m["extattr"], "extattr of {userid}");
        if expect.privacy_fields {
            assert_eq!(s.mobile, text(&m["mobile"]), "mobile of {userid}");
            assert_eq!(s.email, text(&m["email"]), "email of {userid}");
            assert_eq!(s.gender, text(&m["gender"]), "gender of {userid}");
            assert_eq!(s.avatar, text(&m["avatar"]), "avatar of {userid}");
            assert_eq!(s.biz_mail, text(&m["biz_mail"]), "biz_mail of {userid}");
        }
    }
}

fn unavailable(job: &Value) -> Vec<String> {
    serde_json::from_value(job["unavailable_fields"].clone()).unwrap_or_default()
}

fn diff_count(job: &Value, entity: &str, part: &str) -> u64 {
    job["diff"][entity][part]["count"].as_u64().unwrap_or(0)
}

fn diff_is_empty(job: &Value) -> bool {
    ["departments", "members", "tags"].iter().all(|e| {
        ["created", "updated", "moved", "removed", "reactivated"]
            .iter()
            .all(|p| diff_count(job, e, p) == 0)
    })
}

fn calls(sim: &SimHandle, path: &str) -> u64 {
    sim.state.stats.snapshot().calls(path)
}

async fn control(sim: &SimHandle, method: reqwest::Method, path: &str, body: Value) {
    let res = reqwest::Client::new()
        .request(
            method,
            format!("{}/sim/directory/{CORP}/{path}", sim.base_url),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "{path}: {}",
        res.text().await.unwrap()
    );
}

/// Reads the progress stream of job `id` to its end: (event name, data) pairs.
async fn progress_events(admin: &Admin, id: &str) -> Vec<(String, Value)> {
    let res = admin
        .http
        .get(format!("{}/api/v1/sync/{id}/events", admin.base))
        .bearer_auth(ADMIN_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = tokio::time::timeout(Duration::from_secs(90), res.text())
        .await
        .expect("the stream ends with the job")
        .unwrap();
    let mut events = Vec::new();
    for block in body.split("\n\n") {
        let mut name = None;
        let mut data = None;
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                name = Some(v.trim().to_owned());
            } else if let Some(v) = line.strip_prefix("data:") {
                data = serde_json::from_str(v.trim()).ok();
            }
        }
        if let (Some(name), Some(data)) = (name, data) {
            events.push((name, data));
        }
    }
    events
}

mod cases {
    use super::*;

    /// A generated directory synced exactly through the contacts secret; the second run changes
    /// nothing; a removed member is marked inactive (not deleted) and a moved one moves.
    pub async fn generated_directory_synced_exactly(db: Arc<TestDb>) {
        let setup = Setup::default();
        let sim = start_sim(&setup).await;
        let gateway = start_gateway(&db, &sim, &setup).await;
        let admin = Admin::new(&gateway);
        let store = gateway.gateway.store.clone();

        let job = admin.sync("acme").await;
        assert_synced_exactly(
            &store,
            &sim,
            &VisibleRange::default(),
            FieldView::Full,
            Expect {
                department_names: true,
                member_details: true,
                privacy_fields: true,
            },
        )
        .await;
        assert_eq!(
            diff_count(&job, "members", "created"),
            setup.members as u64,
            "{job:#}"
        );
        assert_eq!(
            diff_count(&job, "departments", "created"),
            setup.departments as u64
        );
        // The contacts secret reads everything but the third-party open_userid.
        assert_eq!(unavailable(&job), ["open_userid"], "{job:#}");
        // One user/list_id page; user/list only for departments with direct members.
        assert_eq!(calls(&sim, "/cgi-bin/user/list_id"), 1);
        assert_eq!(calls(&sim, "/cgi-bin/department/list"), 1);
        assert!(calls(&sim, "/cgi-bin/user/list") <= setup.departments as u64 + 1);
        assert_eq!(calls(&sim, "/cgi-bin/user/get"), 0);
        assert!(job["counts"]["upstream_calls"].as_u64().unwrap() > 2);
        let dir = store.directory("acme").await.unwrap().unwrap();
        assert!(dir.last_full_sync_at.is_some());

        // contact.synced with the diff summary.
        let synced: Vec<_> = store
            .events_after(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event_type == "contact.synced")
            .collect();
        assert_eq!(synced.len(), 1);
        assert_eq!(synced[0].stored_data()["directory"], "acme");
        assert_eq!(synced[0].stored_data()["job_id"], job["id"]);
        assert_eq!(
            synced[0].stored_data()["diff"]["members"]["created"]["count"],
            setup.members as u64
        );

        // Twice: nothing changes. Its progress stream ends with `done`, in a few events.
        let second = admin.start_sync("acme").await;
        let id = second["id"].as_str().unwrap().to_owned();
        let events = progress_events(&admin, &id).await;
        let (last_name, last) = events.last().expect("at least one event");
        assert_eq!(last_name, "done", "{events:?}");
        assert_eq!(last["state"], "done");
        assert!(
            events.len() < setup.members,
            "throttled, not one event per row: {}",
            events.len()
        );
        let second = admin.finished(&id).await;
        assert!(diff_is_empty(&second), "{:#}", second["diff"]);

        // A member leaves and another moves: inactive, not deleted; moved.
        let (leaver, mover, target) = {
            let shared = sim.state.directories.get(CORP).unwrap();
            let dir = shared.read().unwrap();
            let mut members = dir.members();
            let leaver = members.next().unwrap().userid.clone();
            let mover = members.next().unwrap();
            let target = dir
                .departments()
                .map(|d| d.id)
                .find(|id| !mover.department.contains(id) && *id != ROOT_DEPARTMENT)
                .unwrap();
            (leaver, mover.userid.clone(), target)
        };
        control(
            &sim,
            reqwest::Method::DELETE,
            &format!("users/{leaver}"),
            json!({}),
        )
        .await;
        control(
            &sim,
            reqwest::Method::PATCH,
            &format!("users/{mover}"),
            json!({ "department": [target], "main_department": target }),
        )
        .await;
        let third = admin.sync("acme").await;
        assert_eq!(
            diff_count(&third, "members", "removed"),
            1,
            "{:#}",
            third["diff"]
        );
        assert_eq!(
            diff_count(&third, "members", "moved"),
            1,
            "{:#}",
            third["diff"]
        );
        let gone = store.member("acme", &leaver).await.unwrap().expect("kept");
        assert!(!gone.active && gone.left_at.is_some());
        let moved = store.member("acme", &mover).await.unwrap().unwrap();
        assert_eq!(
            moved
                .departments
                .iter()
                .map(|d| d.dept_id)
                .collect::<Vec<_>>(),
            [i64::from(target)]
        );
        assert_synced_exactly(
            &store,
            &sim,
            &VisibleRange::default(),
            FieldView::Full,
            Expect {
                department_names: true,
                member_details: true,
                privacy_fields: true,
            },
        )
        .await;

        // The latest job of the directory; an unknown directory and job.
        let (status, latest) = admin
            .send(reqwest::Method::GET, "/api/v1/corps/acme/sync")
            .await;
        assert_eq!((status, &latest["id"]), (200, &third["id"]));
        let (status, body) = admin
            .send(reqwest::Method::POST, "/api/v1/corps/nope/sync")
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("unknown_directory"))
        );
        let (status, _) = admin
            .send(reqwest::Method::GET, "/api/v1/sync/sync_nope")
            .await;
        assert_eq!(status, 404);
        gateway.shutdown().await.unwrap();
    }

    /// An app created after the 2022-06-20 rules (no contacts secret configured): no user/list_id,
    /// details without mobile/email/avatar/gender, which are recorded as unavailable and keep the
    /// values an earlier sync through the contacts secret stored.
    pub async fn privacy_rules_keep_unavailable_fields(db: Arc<TestDb>) {
        let full = Setup {
            privacy_restricted_app: true,
            ..Setup::default()
        };
        let sim = start_sim(&full).await;
        let gateway = start_gateway(&db, &sim, &full).await;
        Admin::new(&gateway).sync("acme").await;
        gateway.shutdown().await.unwrap();

        let restricted = Setup {
            contacts_secret: false,
            ..full.clone()
        };
        let gateway = start_gateway(&db, &sim, &restricted).await;
        let admin = Admin::new(&gateway);
        let list_id_before = calls(&sim, "/cgi-bin/user/list_id");
        let job = admin.sync("acme").await;
        let fields = unavailable(&job);
        for f in ["mobile", "email", "avatar", "gender", "biz_mail"] {
            assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
        }
        assert!(!fields.contains(&"name".to_owned()), "{fields:?}");
        // The app may not call user/list_id: tried once, refused with 48002, not failed.
        assert_eq!(calls(&sim, "/cgi-bin/user/list_id"), list_id_before + 1);
        assert_eq!(
            sim.state
                .stats
                .snapshot()
                .errors("/cgi-bin/user/list_id", 48002),
            1
        );
        // Everything matches, privacy fields included: kept from the first sync.
        assert_synced_exactly(
            &gateway.gateway.store,
            &sim,
            &VisibleRange::default(),
            FieldView::Full,
            Expect {
                department_names: true,
                member_details: true,
                privacy_fields: true,
            },
        )
        .await;
        let dir = gateway
            .gateway
            .store
            .directory("acme")
            .await
            .unwrap()
            .unwrap();
        assert!(dir.unavailable_fields.contains(&"mobile".to_owned()));
        gateway.shutdown().await.unwrap();
    }

    /// An app's visible range: exactly the visible departments and members, with departments
    /// cut to the visible ones.
    pub async fn visible_range_is_the_directory(db: Arc<TestDb>) {
        let base = Setup::default();
        let top = {
            let dir = Directory::generate(&generate_options(&base));
            dir.children(ROOT_DEPARTMENT)
                .into_iter()
                .max_by_key(|d| dir.members_of(d.id, true).len())
                .unwrap()
                .id
        };
        let range = VisibleRange {
            departments: vec![top],
            ..VisibleRange::default()
        };
        let setup = Setup {
            contacts_secret: false,
            visible: range.clone(),
            ..base
        };
        let sim = start_sim(&setup).await;
        let gateway = start_gateway(&db, &sim, &setup).await;
        let job = Admin::new(&gateway).sync("acme").await;
        assert_synced_exactly(
            &gateway.gateway.store,
            &sim,
            &range,
            FieldView::Full,
            Expect {
                department_names: true,
                member_details: true,
                privacy_fields: true,
            },
        )
        .await;
        let members = job["counts"]["members"].as_u64().unwrap();
        assert!(members > 0 && members < setup.members as u64, "{job:#}");
        gateway.shutdown().await.unwrap();
    }

    /// A contacts secret calling from an IP added after 2022-08-15: only user/list_id and
    /// department/simplelist answer; members are known by id and departments, every other field
    /// is recorded as unavailable, and the sync still completes.
    pub async fn new_ip_contacts_secret_syncs_ids_only(db: Arc<TestDb>) {
        let setup = Setup {
            new_ip: true,
            ..Setup::default()
        };
        let sim = start_sim(&setup).await;
        let gateway = start_gateway(&db, &sim, &setup).await;
        let job = Admin::new(&gateway).sync("acme").await;
        let fields = unavailable(&job);
        for f in [
            "department_names",
            "department_leaders",
            "name",
            "mobile",
            "department_order",
            "is_leader",
        ] {
            assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
        }
        // Each refusal is reported with the platform's errcode, not as a failure.
        let reported = job["counts"]["errors"].to_string();
        assert!(reported.contains("errcode 60020"), "{reported}");
        let errors = sim.state.stats.snapshot();
        assert!(errors.errors("/cgi-bin/department/list", 60020) >= 1);
        assert!(errors.errors("/cgi-bin/user/list", 60020) >= 1);
        assert_synced_exactly(
            &gateway.gateway.store,
            &sim,
            &VisibleRange::default(),
            FieldView::Full,
            Expect {
                department_names: false,
                member_details: false,
                privacy_fields: false,
            },
        )
        .await;
        gateway.shutdown().await.unwrap();
    }

    /// A gateway that receives the simulator's callbacks: `change_contact` of acme arriving while
    /// a real full sync runs is queued, not dropped, and applied after the sync, in order; then
    /// the suite is installed in acme and the authorised corp's directory `crm:{corp}` is synced
    /// through the third-party view (no names, open_userids).
    pub async fn changes_during_a_sync_and_a_suite_corp(db: Arc<TestDb>) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let toml = |sim_url: &str| {
            format!(
                r#"
[server]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
admin_keys = ["{ADMIN_KEY}"]

[storage]
url = "{db}"

[upstream]
wecom = "{sim_url}"
wechat = "{sim_url}"
wecom_open = "{sim_url}"

[contacts]
sync_interval_minutes = 0
concurrency = 1

[[wecom]]
name = "acme"
corp_id = "{CORP}"
  [[wecom.apps]]
  name = "acme-app"
  agent_id = 1000002
  secret = "acme-secret"
  [wecom.contacts]
  name = "acme-contacts"
  secret = "acme-contacts-secret"
  token = "C0ntactsT0ken"
  encoding_aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

[[suites]]
name = "crm"
suite_id = "{SUITE_ID}"
suite_secret = "crm-suite-secret"
token = "hJ4kW8sQ2m"
encoding_aes_key = "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD"

[[sim.corps]]
corp = "acme"
members = 200
departments = 20
seed = 5
"#,
                db = db.url
            )
        };
        let draft = Config::from_toml_str(&toml("http://127.0.0.1:1"), |_| None).unwrap();
        let mut world = World::from_config(&draft);
        world.gateway_url = Some(format!("http://127.0.0.1:{port}"));
        let sim = wxgate_sim::start(world, SimOptions::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let config = Config::from_toml_str(&toml(&sim.base_url), |_| None).unwrap();
        let gateway = wxgate_gateway::start(
            config,
            GatewayOptions {
                secrets: db.secrets(),
                listen: None,
            },
        )
        .await
        .unwrap();
        let admin = Admin::new(&gateway);
        let store = gateway.gateway.store.clone();
        admin.sync("acme").await;

        // A slow second sync; three edits of one member arrive while it runs.
        sim.state
            .faults
            .set(wxgate_sim::faults::FaultConfig {
                latency_ms: 400,
                paths: vec!["/cgi-bin/user/list".into()],
                ..Default::default()
            })
            .unwrap();
        let target = store.all_members("acme").await.unwrap()[0].userid.clone();
        let job = admin.start_sync("acme").await;
        let id = job["id"].as_str().unwrap().to_owned();
        admin
            .wait(&id, 30, |j| j["phase"] == "member_details")
            .await;
        for position in ["First", "Second", "Third"] {
            control(
                &sim,
                reqwest::Method::PATCH,
                &format!("users/{target}"),
                json!({ "position": position }),
            )
            .await;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while store
            .pending_contact_changes("acme", 100)
            .await
            .unwrap()
            .len()
            < 3
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "changes not queued: {} received, job {:#}",
                store
                    .recent_contact_changes("acme", 100)
                    .await
                    .unwrap()
                    .len(),
                admin.job(&id).await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            admin.job(&id).await["state"],
            "running",
            "queued while the sync runs"
        );
        admin.finished(&id).await;
        sim.state.faults.set(Default::default()).unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !store
            .pending_contact_changes("acme", 100)
            .await
            .unwrap()
            .is_empty()
        {
            assert!(
                tokio::time::Instant::now() < deadline,
                "changes not applied after the sync"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let member = store.member("acme", &target).await.unwrap().unwrap();
        assert_eq!(
            member.position.as_deref(),
            Some("Third"),
            "applied in order, last wins"
        );
        let updates: Vec<String> = store
            .events_after(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| {
                e.event_type == "contact.member.updated"
                    && e.stored_data()["userid"] == target.as_str()
            })
            .filter_map(|e| {
                e.stored_data()["member"]["position"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect();
        assert_eq!(updates, ["First", "Second", "Third"]);

        // The suite, installed in acme: its directory is `crm:{corp}`.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while store.get_suite_ticket(SUITE_ID).await.unwrap().is_none() {
            let _ = admin
                .http
                .post(format!("{}/sim/suites/{SUITE_ID}/ticket", sim.base_url))
                .send()
                .await;
            assert!(tokio::time::Instant::now() < deadline, "no suite ticket");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let body: Value = admin
            .http
            .post(format!("{}/api/v1/suites/crm/install-url", admin.base))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({ "redirect_uri": format!("{}/suites/crm/installed", admin.base) }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = no_redirects
            .get(format!("{}&sim_corp={CORP}", body["url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 302);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while store.list_auth_corps(SUITE_ID).await.unwrap().is_empty() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "suite not authorised"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let directory = format!("crm:{CORP}");
        // Wait for the install's own change_contact traffic to settle, then sync.
        let job = admin.sync(&directory).await;
        let fields = unavailable(&job);
        for f in ["name", "mobile", "position", "department_names"] {
            assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
        }
        assert_eq!(job["counts"]["members"], 200, "{job:#}");
        let (sim_departments, sim_members) = sim_view(
            &sim,
            &VisibleRange {
                departments: vec![ROOT_DEPARTMENT],
                ..VisibleRange::default()
            },
            FieldView::ThirdParty,
        );
        let (departments, members) = stored(&store, &directory).await;
        assert_eq!(departments.len(), sim_departments.len());
        assert_eq!(members.len(), sim_members.len());
        for m in &sim_members {
            let s = &members[m["userid"].as_str().unwrap()];
            assert_eq!(s.name, None);
            assert_eq!(s.open_userid, text(&m["open_userid"]));
            assert_eq!(s.status, m["status"].as_i64());
        }
        assert!(departments.values().all(|d| d.name.is_none()));
        let synced = store
            .events_after(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .find(|e| {
                e.event_type == "contact.synced"
                    && e.stored_data()["directory"] == directory.as_str()
            })
            .expect("contact.synced for the suite corp");
        assert_eq!(synced.app, "crm");
        assert_eq!(synced.stored_data()["credential"], "authorised_corp");
        gateway.shutdown().await.unwrap();
    }

    /// A gateway stopped mid-sync: the job stays running with its checkpoint; a new gateway on
    /// the same database takes it over and finishes it without fetching the staged part again.
    pub async fn stopped_mid_sync_then_resumed(db: Arc<TestDb>) {
        let setup = Setup {
            members: 1500,
            departments: 120,
            concurrency: 2,
            ..Setup::default()
        };
        let sim = start_sim(&setup).await;
        // Slow member listing, so the stop lands mid-way.
        sim.state
            .faults
            .set(wxgate_sim::faults::FaultConfig {
                latency_ms: 40,
                paths: vec!["/cgi-bin/user/list".into()],
                ..Default::default()
            })
            .unwrap();
        let first = start_gateway(&db, &sim, &setup).await;
        let admin = Admin::new(&first);
        let job = admin.start_sync("acme").await;
        let id = job["id"].as_str().unwrap().to_owned();
        admin
            .wait(&id, 60, |job| {
                job["counts"]["details_done"].as_u64().unwrap_or(0) >= 15
            })
            .await;
        first.shutdown().await.unwrap();
        // Let the stopped job's task notice and write its last batch.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let store = db.store().await;
        let stopped = store.sync_job(&id).await.unwrap().unwrap();
        assert_eq!(stopped.state, wxgate_store::SyncJobState::Running);
        let done_before = stopped.checkpoint["details_progress"]["low_water"]
            .as_u64()
            .unwrap();
        assert!(done_before > 0, "{:#}", stopped.checkpoint);
        assert!(!store.staged_keys(&id, "member").await.unwrap().is_empty());
        let listed_before = calls(&sim, "/cgi-bin/user/list");
        let list_id_before = calls(&sim, "/cgi-bin/user/list_id");

        let second = start_gateway(&db, &sim, &setup).await;
        let admin = Admin::new(&second);
        let job = admin.finished(&id).await;
        assert_ne!(
            job["owner"],
            stopped.owner.clone().map_or(Value::Null, Value::from)
        );
        assert_eq!(diff_count(&job, "members", "created"), setup.members as u64);
        // Resumed, not restarted: the ids were not paged again, the listed departments not
        // listed again.
        assert_eq!(calls(&sim, "/cgi-bin/user/list_id"), list_id_before);
        let total = job["counts"]["details_total"].as_u64().unwrap();
        let listed_after = calls(&sim, "/cgi-bin/user/list") - listed_before;
        assert!(
            listed_after <= total - done_before + 2,
            "{listed_after} calls after resuming, {done_before} of {total} were done"
        );
        assert_synced_exactly(
            &second.gateway.store,
            &sim,
            &VisibleRange::default(),
            FieldView::Full,
            Expect {
                department_names: true,
                member_details: true,
                privacy_fields: true,
            },
        )
        .await;
        assert!(
            store.staged_keys(&id, "member").await.unwrap().is_empty(),
            "staging dropped"
        );
        second.shutdown().await.unwrap();
    }

    /// −1 on a third of the calls: retried (by the client, then by the sync), the result exact.
    pub async fn system_busy_is_retried(db: Arc<TestDb>) {
        let setup = Setup::default();
        let sim = start_sim(&setup).await;
        sim.state
            .faults
            .set(wxgate_sim::faults::FaultConfig {
                system_error_probability: 0.35,
                paths: vec![
                    "/cgi-bin/user/list".into(),
                    "/cgi-bin/user/list_id".into(),
                    "/cgi-bin/department/list".into(),
                ],
                ..Default::default()
            })
            .unwrap();
        let gateway = start_gateway(&db, &sim, &setup).await;
        Admin::new(&gateway).sync("acme").await;
        assert!(sim.state.stats.snapshot().errors("/cgi-bin/user/list", -1) > 0);
        assert_synced_exactly(
            &gateway.gateway.store,
            &sim,
            &VisibleRange::default(),
            FieldView::Full,
            Expect {
                department_names: true,
                member_details: true,
                privacy_fields: true,
            },
        )
        .await;
        gateway.shutdown().await.unwrap();
    }

    /// 45009: the simulator's per-corp limit scaled down to 3 calls a minute; the sync pauses
    /// (`rate_limited_pause_secs`) and goes on while simulated minutes pass.
    pub async fn rate_limited_sync_pauses_and_finishes(db: Arc<TestDb>) {
        let setup = Setup {
            members: 60,
            departments: 8,
            options: SimOptions {
                rate_limit_factor: 0.0003,
                ..Setup::default().options
            },
            ..Setup::default()
        };
        let sim = start_sim(&setup).await;
        let gateway = start_gateway(&db, &sim, &setup).await;
        // Time passes on the platform: a simulated minute every 300 ms.
        let clock = sim.state.clock.clone();
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(300)).await;
                clock.advance(61);
            }
        });
        let job = Admin::new(&gateway).sync("acme").await;
        ticker.abort();
        assert!(
            sim.state
                .stats
                .snapshot()
                .errors("/cgi-bin/user/list", 45009)
                > 0,
            "the limit was reached"
        );
        assert!(
            job["counts"]["rate_limited"].as_u64().unwrap() > 0,
            "{job:#}"
        );
        assert_synced_exactly(
            &gateway.gateway.store,
            &sim,
            &VisibleRange::default(),
            FieldView::Full,
            Expect {
                department_names: true,
                member_details: true,
                privacy_fields: true,
            },
        )
        .await;
        gateway.shutdown().await.unwrap();
    }

    /// The scheduler's decision against a real directory: not due right after start, due when
    /// the instance started longer than the interval ago and the directory was never synced,
    /// and not due again right after that sync.
    pub async fn scheduled_sync_starts_when_due(db: Arc<TestDb>) {
        let setup = Setup {
            members: 40,
            departments: 6,
            sync_interval_minutes: 60,
            ..Setup::default()
        };
        let sim = start_sim(&setup).await;
        let gateway = start_gateway(&db, &sim, &setup).await;
        let gw = &gateway.gateway;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let hour_ago = now - 61 * 60_000;
        assert!(
            schedule::start_due(gw, now).await.unwrap().is_empty(),
            "never synced, but the instance just started"
        );
        let started = schedule::start_due(gw, hour_ago).await.unwrap();
        assert_eq!(started.len(), 1, "one directory, due: {started:?}");
        let admin = Admin::new(&gateway);
        let job = admin.finished(&started[0]).await;
        assert_eq!(job["directory"], "acme", "{job:#}");
        assert_eq!(diff_count(&job, "members", "created"), 40, "{job:#}");
        assert!(
            schedule::start_due(gw, hour_ago).await.unwrap().is_empty(),
            "synced a moment ago: not due"
        );
        gateway.shutdown().await.unwrap();
    }
}

gateway_on_both_backends!(
    scheduled_sync_starts_when_due,
    generated_directory_synced_exactly,
    privacy_rules_keep_unavailable_fields,
    visible_range_is_the_directory,
    new_ip_contacts_secret_syncs_ids_only,
    stopped_mid_sync_then_resumed,
    system_busy_is_retried,
    rate_limited_sync_pauses_and_finishes,
    changes_during_a_sync_and_a_suite_corp,
);
