//! The contacts APIs over HTTP: shapes, visibility (60011), the privacy view, the new-IP rule,
//! list_id paging through a 25 000-member corp, writes and the change_contact callbacks they push,
//! and the `/sim/directory` control endpoints.

mod common;

use common::{errcode, options};
use serde_json::{Value, json};
use wxgate_sim::directory::VisibleRange;
use wxgate_sim::push::{CallbackTarget, PushJob};
use wxgate_sim::world::{SimApp, SimCorp, SimSecret};
use wxgate_sim::{SimState, World};

const CORP: &str = "wwcontacts000001";
const AES: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

fn with_callbacks(app: SimApp) -> SimApp {
    SimApp {
        token: Some("cb-token".into()),
        encoding_aes_key: Some(SimSecret::new(AES)),
        ..app
    }
}

fn world() -> World {
    World {
        corps: vec![SimCorp::new(
            "Contacts",
            CORP,
            vec![
                with_callbacks(SimApp::self_built("full-app", 1000002, "full-secret")),
                with_callbacks(SimApp {
                    created_after_privacy_rules: true,
                    visible: VisibleRange {
                        departments: vec![2],
                        ..VisibleRange::default()
                    },
                    ..SimApp::self_built("narrow-app", 1000003, "narrow-secret")
                }),
                SimApp::self_built("quiet-app", 1000004, "quiet-secret"),
                with_callbacks(SimApp::contacts("sync", "sync-secret")),
                with_callbacks(SimApp {
                    new_ip: true,
                    ..SimApp::contacts("sync-newip", "sync-newip-secret")
                }),
            ],
        )],
        ..World::default()
    }
}

struct Sim {
    base: String,
    state: SimState,
    http: reqwest::Client,
    queue: tokio::sync::mpsc::UnboundedReceiver<PushJob>,
}

impl Sim {
    async fn start() -> Self {
        // Served without the delivery worker (which `wxgate_sim::start` spawns): the test reads
        // the push queue itself.
        let state = SimState::try_new(world(), options()).unwrap();
        let queue = state.pusher.take_queue().expect("queue not taken yet");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = wxgate_sim::router(state.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base,
            state,
            http: reqwest::Client::new(),
            queue,
        }
    }

    fn url(&self, p: &str) -> String {
        format!("{}{p}", self.base)
    }

    async fn get(&self, p: &str) -> Value {
        let r = self.http.get(self.url(p)).send().await.unwrap();
        assert_eq!(r.status(), 200, "GET {p}");
        r.json().await.unwrap()
    }

    async fn post(&self, p: &str, body: Value) -> Value {
        let r = self
            .http
            .post(self.url(p))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "POST {p}");
        r.json().await.unwrap()
    }

    async fn control(&self, method: reqwest::Method, p: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, self.url(p));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), 200, "{p}");
        r.json().await.unwrap()
    }

    async fn token(&self, secret: &str) -> String {
        let body = self
            .get(&format!(
                "/cgi-bin/gettoken?corpid={CORP}&corpsecret={secret}"
            ))
            .await;
        body["access_token"].as_str().unwrap().to_owned()
    }

    fn drain(&mut self) -> Vec<PushJob> {
        let mut jobs = Vec::new();
        while let Ok(job) = self.queue.try_recv() {
            jobs.push(job);
        }
        jobs
    }

    /// (userid inside department 2's subtree, userid outside the narrow app's range).
    fn inside_and_outside(&self) -> (String, String) {
        let shared = self.state.directories.get(CORP).unwrap();
        let dir = shared.read().unwrap();
        let range = VisibleRange {
            departments: vec![2],
            ..VisibleRange::default()
        };
        let visible = dir.visible(&range);
        let inside = dir
            .members()
            .find(|m| visible.contains_user(&m.userid) && m.department.len() == 1)
            .or_else(|| dir.members().find(|m| visible.contains_user(&m.userid)))
            .expect("department 2 has members")
            .userid
            .clone();
        let outside = dir
            .members()
            .find(|m| !visible.contains_user(&m.userid))
            .expect("someone outside department 2")
            .userid
            .clone();
        (inside, outside)
    }
}

fn to_app(job: &PushJob) -> &str {
    match &job.target {
        CallbackTarget::WecomApp { app } => app,
        other => panic!("unexpected target {other:?}"),
    }
}

#[tokio::test]
async fn user_get_shapes_privacy_and_visibility() {
    let sim = Sim::start().await;
    let (inside, outside) = sim.inside_and_outside();
    let full = sim.token("full-secret").await;
    let narrow = sim.token("narrow-secret").await;

    let body = sim
        .get(&format!(
            "/cgi-bin/user/get?access_token={full}&userid={inside}"
        ))
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    assert_eq!(body["errmsg"], "ok");
    assert_eq!(body["userid"], inside.as_str());
    assert!(body["gender"].is_string(), "gender is a string: {body}");
    assert!(body["mobile"].is_string() && body["department"].is_array());

    let body = sim
        .get(&format!(
            "/cgi-bin/user/get?access_token={narrow}&userid={inside}"
        ))
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    for hidden in ["mobile", "email", "avatar", "gender", "address"] {
        assert!(body.get(hidden).is_none(), "{hidden} leaked: {body}");
    }
    assert!(body["name"].is_string());

    let body = sim
        .get(&format!(
            "/cgi-bin/user/get?access_token={narrow}&userid={outside}"
        ))
        .await;
    assert_eq!(errcode(&body), 60011, "{body}");
    let body = sim
        .get(&format!(
            "/cgi-bin/user/get?access_token={full}&userid=nobody-here"
        ))
        .await;
    assert_eq!(errcode(&body), 60111);
}

#[tokio::test]
async fn lists_follow_the_visible_range() {
    let sim = Sim::start().await;
    let full = sim.token("full-secret").await;
    let narrow = sim.token("narrow-secret").await;

    let body = sim
        .get(&format!("/cgi-bin/department/list?access_token={full}"))
        .await;
    let all = body["department"].as_array().unwrap().len();
    assert!(all >= 3, "{body}");
    assert_eq!(body["department"][0]["id"], 1);
    assert!(body["department"][0]["name"].is_string());

    let body = sim
        .get(&format!("/cgi-bin/department/list?access_token={narrow}"))
        .await;
    let ids: Vec<u64> = body["department"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    assert!(
        ids.contains(&2) && !ids.contains(&1) && ids.len() < all,
        "{ids:?}"
    );

    let body = sim
        .get(&format!(
            "/cgi-bin/department/get?access_token={narrow}&id=1"
        ))
        .await;
    assert_eq!(errcode(&body), 60011);
    let body = sim
        .get(&format!(
            "/cgi-bin/department/get?access_token={narrow}&id=2"
        ))
        .await;
    assert_eq!(body["department"]["id"], 2, "{body}");

    let body = sim
        .get(&format!(
            "/cgi-bin/department/simplelist?access_token={full}&id=1"
        ))
        .await;
    let first = &body["department_id"][0];
    assert_eq!(
        (first["id"].as_u64(), first["parentid"].as_u64()),
        (Some(1), Some(0))
    );
    assert!(first.get("name").is_none());

    let body = sim
        .get(&format!(
            "/cgi-bin/user/list?access_token={narrow}&department_id=1"
        ))
        .await;
    assert_eq!(errcode(&body), 60011);
    let direct = sim
        .get(&format!(
            "/cgi-bin/user/list?access_token={narrow}&department_id=2"
        ))
        .await;
    let recursive = sim
        .get(&format!(
            "/cgi-bin/user/list?access_token={narrow}&department_id=2&fetch_child=1"
        ))
        .await;
    let n = |b: &Value| b["userlist"].as_array().unwrap().len();
    assert!(
        n(&recursive) >= n(&direct) && n(&recursive) > 0,
        "{recursive}"
    );
    for member in recursive["userlist"].as_array().unwrap() {
        assert!(member.get("mobile").is_none());
        for d in member["department"].as_array().unwrap() {
            assert_ne!(
                d, 1,
                "department lists only name visible departments: {member}"
            );
        }
    }
    let simple = sim
        .get(&format!(
            "/cgi-bin/user/simplelist?access_token={full}&department_id=1&fetch_child=1"
        ))
        .await;
    let entry = &simple["userlist"][0];
    assert!(
        entry["userid"].is_string() && entry["name"].is_string() && entry.get("mobile").is_none()
    );
    assert_eq!(n(&simple), 30);

    let body = sim
        .get(&format!("/cgi-bin/tag/list?access_token={full}"))
        .await;
    assert_eq!(errcode(&body), 0);
    assert!(body["taglist"].is_array());
}

#[tokio::test]
async fn new_ip_and_list_id_privileges() {
    let sim = Sim::start().await;
    let (inside, _) = sim.inside_and_outside();
    let newip = sim.token("sync-newip-secret").await;
    let full = sim.token("full-secret").await;
    for path in [
        format!("/cgi-bin/user/get?access_token={newip}&userid={inside}"),
        format!("/cgi-bin/user/list?access_token={newip}&department_id=1"),
        format!("/cgi-bin/department/list?access_token={newip}"),
        format!("/cgi-bin/department/get?access_token={newip}&id=1"),
    ] {
        assert_eq!(errcode(&sim.get(&path).await), 60020, "{path}");
    }
    let body = sim
        .get(&format!(
            "/cgi-bin/department/simplelist?access_token={newip}"
        ))
        .await;
    assert_eq!(errcode(&body), 0);
    let body = sim
        .post(
            &format!("/cgi-bin/user/list_id?access_token={newip}"),
            json!({"limit": 5}),
        )
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    assert_eq!(body["dept_user"].as_array().unwrap().len(), 5);
    assert!(!body["next_cursor"].as_str().unwrap().is_empty());

    let body = sim
        .post(
            &format!("/cgi-bin/user/list_id?access_token={full}"),
            json!({"limit": 5}),
        )
        .await;
    assert_eq!(errcode(&body), 48002);
    let body = sim
        .post(
            &format!("/cgi-bin/user/list_id?access_token={newip}"),
            json!({"limit": 10001}),
        )
        .await;
    assert_eq!(errcode(&body), 40058);
}

#[tokio::test]
async fn list_id_pages_through_a_generated_25000_member_corp() {
    let mut sim = Sim::start().await;
    let body = sim
        .control(
            reqwest::Method::POST,
            &format!("/sim/directory/{CORP}/regenerate"),
            Some(json!({"members": 25000, "departments": 300, "seed": 7})),
        )
        .await;
    assert_eq!(body["members"], 25000);
    assert!(sim.drain().is_empty(), "regenerate pushes no callbacks");
    let summary = sim
        .control(
            reqwest::Method::GET,
            &format!("/sim/directory/{CORP}"),
            None,
        )
        .await;
    assert_eq!(summary["members"], 25000);

    let expected: usize = {
        let shared = sim.state.directories.get(CORP).unwrap();
        let dir = shared.read().unwrap();
        dir.members().map(|m| m.department.len()).sum()
    };
    let token = sim.token("sync-secret").await;
    let mut cursor = String::new();
    let mut seen = std::collections::HashSet::new();
    let mut pages = 0;
    loop {
        let body = sim
            .post(
                &format!("/cgi-bin/user/list_id?access_token={token}"),
                json!({"cursor": cursor, "limit": 10000}),
            )
            .await;
        assert_eq!(errcode(&body), 0, "{body}");
        for record in body["dept_user"].as_array().unwrap() {
            let key = (
                record["userid"].as_str().unwrap().to_owned(),
                record["department"].as_u64().unwrap(),
            );
            assert!(seen.insert(key), "duplicate record {record}");
        }
        pages += 1;
        cursor = body["next_cursor"].as_str().unwrap().to_owned();
        if cursor.is_empty() {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen.len(), expected);
    assert!(pages >= 3);
}

#[tokio::test]
async fn writes_need_the_contacts_secret_and_push_change_contact() {
    let mut sim = Sim::start().await;
    let sync = sim.token("sync-secret").await;
    let full = sim.token("full-secret").await;
    let member =
        json!({"userid": "NewGuy", "name": "新人", "department": [1], "mobile": "+86 13900000001"});

    let body = sim
        .post(
            &format!("/cgi-bin/user/create?access_token={full}"),
            member.clone(),
        )
        .await;
    assert_eq!(errcode(&body), 60011);
    assert!(sim.drain().is_empty());

    let body = sim
        .post(&format!("/cgi-bin/user/create?access_token={sync}"), member)
        .await;
    assert_eq!(
        (errcode(&body), body["errmsg"].as_str()),
        (0, Some("created")),
        "{body}"
    );
    let jobs = sim.drain();
    let targets: Vec<&str> = jobs.iter().map(to_app).collect();
    // Not back to "sync" (its own call), not to the narrow app (outside its range), not to the
    // app without callbacks.
    assert_eq!(targets, vec!["full-app", "sync-newip"], "{jobs:?}");
    let full_xml = &jobs[0].plaintext;
    assert!(
        full_xml.contains("<ChangeType>create_user</ChangeType>"),
        "{full_xml}"
    );
    assert!(full_xml.contains("<UserID><![CDATA[NewGuy]]></UserID>"));
    assert!(full_xml.contains("<Name><![CDATA[新人]]></Name>"));
    assert!(full_xml.contains(&format!("<ToUserName><![CDATA[{CORP}]]></ToUserName>")));
    let reduced = &jobs[1].plaintext;
    assert!(
        reduced.contains("<UserID><![CDATA[NewGuy]]></UserID>"),
        "{reduced}"
    );
    assert!(reduced.contains("<Department><![CDATA[1]]></Department>"));
    assert!(
        !reduced.contains("<Name>") && !reduced.contains("Mobile"),
        "{reduced}"
    );

    // Into department 2: the narrow app hears about it too.
    let body = sim
        .post(
            &format!("/cgi-bin/user/update?access_token={sync}"),
            json!({"userid": "newguy", "department": [2]}),
        )
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    let targets: Vec<String> = sim.drain().iter().map(|j| to_app(j).to_owned()).collect();
    assert_eq!(targets, vec!["full-app", "narrow-app", "sync-newip"]);

    let body = sim
        .get(&format!(
            "/cgi-bin/user/get?access_token={full}&userid=NewGuy"
        ))
        .await;
    assert_eq!(body["department"], json!([2]));

    let body = sim
        .post(
            &format!("/cgi-bin/department/create?access_token={sync}"),
            json!({"name": "Sim Lab", "parentid": 1}),
        )
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    let id = body["id"].as_u64().unwrap();
    let jobs = sim.drain();
    let reduced = jobs.iter().find(|j| to_app(j) == "sync-newip").unwrap();
    assert!(
        reduced.plaintext.contains(&format!("<Id>{id}</Id>")),
        "{}",
        reduced.plaintext
    );
    assert!(
        reduced
            .plaintext
            .contains("<ParentId><![CDATA[1]]></ParentId>")
            && !reduced.plaintext.contains("<Name>")
    );

    // Renaming a department (no parent change): no reduced update_party.
    sim.post(
        &format!("/cgi-bin/department/update?access_token={sync}"),
        json!({"id": id, "name": "Sim Lab 2"}),
    )
    .await;
    let targets: Vec<String> = sim.drain().iter().map(|j| to_app(j).to_owned()).collect();
    assert_eq!(targets, vec!["full-app"]);

    let body = sim
        .post(
            &format!("/cgi-bin/tag/create?access_token={sync}"),
            json!({"tagname": "SimTag"}),
        )
        .await;
    let tagid = body["tagid"].as_u64().unwrap();
    let body = sim
        .post(
            &format!("/cgi-bin/tag/addtagusers?access_token={sync}"),
            json!({"tagid": tagid, "userlist": ["NewGuy", "ghost"]}),
        )
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    assert_eq!(body["invalidlist"], "ghost");
    let body = sim
        .get(&format!(
            "/cgi-bin/tag/get?access_token={full}&tagid={tagid}"
        ))
        .await;
    assert_eq!(body["tagname"], "SimTag");
    assert_eq!(body["userlist"][0]["userid"], "NewGuy");
    sim.drain();

    let body = sim
        .get(&format!(
            "/cgi-bin/user/delete?access_token={sync}&userid=NewGuy"
        ))
        .await;
    assert_eq!(errcode(&body), 0);
    assert!(
        sim.drain()
            .iter()
            .any(|j| j.plaintext.contains("delete_user"))
    );
    let body = sim
        .get(&format!(
            "/cgi-bin/user/delete?access_token={sync}&userid=NewGuy"
        ))
        .await;
    assert_eq!(errcode(&body), 60111);
}

#[tokio::test]
async fn control_edits_answer_with_changes_and_deliveries() {
    let mut sim = Sim::start().await;
    let body = sim
        .control(
            reqwest::Method::POST,
            &format!("/sim/directory/{CORP}/users"),
            Some(json!({"userid": "admin-made", "name": "Admin Made", "department": [2], "email": "admin@made.example"})),
        )
        .await;
    assert_eq!(body["changes"][0]["change_type"], "create_user", "{body}");
    // Made in the admin console: the contacts-sync app is called back too.
    assert_eq!(body["deliveries"].as_array().unwrap().len(), 4, "{body}");
    let jobs = sim.drain();
    let ids: Vec<u64> = jobs.iter().map(|j| j.id).collect();
    let answered: Vec<u64> = body["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(ids, answered);

    let body = sim
        .control(
            reqwest::Method::PATCH,
            &format!("/sim/directory/{CORP}/users/admin-made"),
            Some(json!({"new_userid": "admin-renamed"})),
        )
        .await;
    assert_eq!(body["changes"][0]["NewUserID"], "admin-renamed", "{body}");
    let jobs = sim.drain();
    assert!(jobs.iter().all(|j| {
        j.plaintext
            .contains("<NewUserID><![CDATA[admin-renamed]]></NewUserID>")
    }));

    let body = sim
        .control(
            reqwest::Method::DELETE,
            &format!("/sim/directory/{CORP}/users/admin-renamed"),
            None,
        )
        .await;
    assert_eq!(body["changes"][0]["change_type"], "delete_user");

    let r = sim
        .http
        .delete(sim.url(&format!("/sim/directory/{CORP}/users/admin-renamed")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(text.contains("60111"), "{text}");

    let export = sim
        .control(
            reqwest::Method::GET,
            &format!("/sim/directory/{CORP}/export"),
            None,
        )
        .await;
    assert_eq!(export["members"].as_array().unwrap().len(), 30);
    assert!(export["departments"].is_array());
}

/// Every field (and its JSON type) of the recorded `user/list` and `department/list` answers
/// that the directory model knows is present with the same type.
#[tokio::test]
async fn shapes_match_the_recorded_fixtures() {
    let sim = Sim::start().await;
    let full = sim.token("full-secret").await;
    let fixture = |name: &str| -> Value {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let kind = |v: &Value| match v {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    };
    let recorded = fixture("wechatpy__work__user_list.json");
    let ours = sim
        .get(&format!(
            "/cgi-bin/user/list?access_token={full}&department_id=1&fetch_child=1"
        ))
        .await;
    let ours = &ours["userlist"][0];
    let mut compared = 0;
    for (key, value) in recorded["userlist"][0].as_object().unwrap() {
        if let Some(mine) = ours.get(key) {
            assert_eq!(kind(mine), kind(value), "user/list field {key}: {ours}");
            compared += 1;
        }
    }
    assert!(compared >= 12, "only {compared} fields in common: {ours}");

    let recorded = fixture("wechatpy__work__department_list.json");
    let ours = sim
        .get(&format!(
            "/cgi-bin/department/list?access_token={full}&id=1"
        ))
        .await;
    for (key, value) in recorded["department"][0].as_object().unwrap() {
        assert_eq!(
            kind(&ours["department"][1][key]),
            kind(value),
            "department field {key}"
        );
    }
}

/// A token of a corp that installed a suite (issued directly, as the suite module would) gets
/// the third-party view: the userid as name, open_userid, no department names.
#[tokio::test]
async fn authorised_corp_tokens_get_the_third_party_view() {
    use wxgate_sim::tokens::{TokenKind, TokenOwner};
    let sim = Sim::start().await;
    let (inside, _) = sim.inside_and_outside();
    let state = &sim.state;
    let token = state.tokens.issue(
        &TokenOwner::AuthorisedCorp {
            suite_id: "wwsuite".into(),
            corp_id: CORP.into(),
        },
        TokenKind::AuthCorpToken,
        state.clock.now(),
        7200,
        None,
    );
    let body = sim
        .get(&format!(
            "/cgi-bin/user/get?access_token={}&userid={inside}",
            token.value
        ))
        .await;
    assert_eq!(errcode(&body), 0, "{body}");
    assert_eq!(body["name"], inside.as_str());
    assert!(body["open_userid"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(body.get("mobile").is_none() && body.get("position").is_none());
    let body = sim
        .get(&format!(
            "/cgi-bin/department/get?access_token={}&id=2",
            token.value
        ))
        .await;
    assert!(body["department"].get("name").is_none(), "{body}");
    let body = sim
        .post(
            &format!("/cgi-bin/user/list_id?access_token={}", token.value),
            json!({"limit": 1}),
        )
        .await;
    assert_eq!(errcode(&body), 48002);
}
