//! Incremental contacts end to end over real HTTP, on SQLite and PostgreSQL: the simulator's
//! directory is edited through its control API (as an admin would in the WeCom console), it
//! pushes `change_contact` callbacks to the gateway's contacts callback URL and to the suite's
//! instruction URL, and the gateway's consumer applies them to its copy of the directory.
//!
//! The copy is seeded from the simulator's directory through the store API (`apply_full_sync`),
//! as a full sync would leave it. Then: every change type, a NewUserID rename with the linked
//! identity following, tags, a suite's third-party `change_contact`, changes arriving while a
//! full sync runs (applied after it, in order), post-2022 events completed by `user/get` or left
//! as they were, the lookups admin API both ways, and department roles in the OIDC `roles` claim.

mod common;
mod oidc_env;

gateway_on_both_backends!(
    every_change_type_is_applied_incrementally,
    suite_changes_and_changes_during_a_full_sync,
    post_2022_events_are_completed_or_left_as_they_were,
    lookups_both_ways_over_http,
    department_roles_in_the_oidc_roles_claim,
);

mod cases {
    use std::sync::Arc;
    use std::time::Duration;

    use reqwest::Method;
    use serde_json::{Value, json};
    use wxgate_config::Config;
    use wxgate_gateway::{GatewayHandle, GatewayOptions};
    use wxgate_sim::world::DirectorySource;
    use wxgate_sim::{SimHandle, SimOptions, World};
    use wxgate_store::{
        Department, IdentityKey, IdentityKind, Member, MemberDepartment, SignIn, Store,
        SyncJobState,
    };

    use crate::common::{ADMIN_KEY, TestDb, wait_until};

    const CORP: &str = "wwacme0000000001";
    const SUITE_ID: &str = "wwsuite000000001";
    const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    /// The simulator and a gateway receiving its callbacks.
    struct Env {
        sim: SimHandle,
        gw: GatewayHandle,
        http: reqwest::Client,
    }

    fn toml(db: &TestDb, sim_url: &str, port: u16, extra: &str) -> String {
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
  encoding_aes_key = "{AES_KEY}"

[[suites]]
name = "crm"
suite_id = "{SUITE_ID}"
suite_secret = "crm-suite-secret"
token = "hJ4kW8sQ2m"
encoding_aes_key = "XpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZD"

{extra}
"#,
            db = db.url
        )
    }

    impl Env {
        /// Starts both; `extra` is appended to the gateway's (and so the world's) configuration.
        async fn start(db: &TestDb, extra: &str) -> Env {
            // The port is chosen before anything binds it (the world needs the gateway's URL);
            // another test may take it in between: start over with another port then.
            let mut attempts = 0;
            let (sim, gw) = loop {
                attempts += 1;
                let port = crate::oidc_env::free_port();
                let draft =
                    Config::from_toml_str(&toml(db, "http://127.0.0.1:1", port, extra), |_| None)
                        .expect("test configuration");
                let mut world = World::from_config(&draft);
                world.gateway_url = Some(format!("http://127.0.0.1:{port}"));
                let sim =
                    wxgate_sim::start(world, SimOptions::default(), "127.0.0.1:0".parse().unwrap())
                        .await
                        .expect("simulator");
                let config = Config::from_toml_str(&toml(db, &sim.base_url, port, extra), |_| None)
                    .expect("test configuration");
                match wxgate_gateway::start(
                    config,
                    GatewayOptions {
                        secrets: db.secrets(),
                        listen: None,
                    },
                )
                .await
                {
                    Ok(gw) => break (sim, gw),
                    Err(wxgate_gateway::StartError::Listen { .. }) if attempts < 5 => continue,
                    Err(e) => panic!("gateway: {e}"),
                }
            };
            Env {
                sim,
                gw,
                http: reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap(),
            }
        }

        fn store(&self) -> Store {
            self.gw.gateway.store.clone()
        }

        /// An admin edit of the simulated directory (pushes its change_contact callbacks).
        async fn edit(&self, method: Method, path: &str, body: Option<Value>) -> Value {
            let mut request = self.http.request(
                method,
                format!("{}/sim/directory/{CORP}/{path}", self.sim.base_url),
            );
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert!(
                status.is_success(),
                "/sim/directory/{path}: {status} {body}"
            );
            body
        }

        /// Calls the gateway's admin API (`key` false: without the admin key).
        async fn api(&self, path: &str, key: bool) -> (u16, Value) {
            let mut request = self.http.get(format!("{}{path}", self.gw.base_url));
            if key {
                request = request.bearer_auth(ADMIN_KEY);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }

        /// The simulator's directory as a full sync would store it.
        fn sim_directory(&self) -> (Vec<Department>, Vec<Member>) {
            let shared = self.sim.state.directories.get(CORP).expect("directory");
            let dir = shared.read().unwrap();
            let departments = dir
                .departments()
                .map(|d| Department {
                    dept_id: d.id.into(),
                    parent_id: d.parentid.into(),
                    name: Some(d.name.clone()),
                    name_en: d.name_en.clone(),
                    sort_order: d.order.into(),
                    leaders: d.department_leader.clone(),
                    ..Department::default()
                })
                .collect();
            let members = dir
                .members()
                .map(|m| {
                    let mut s = Member::new(&m.userid);
                    let text = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
                    s.name = text(&m.name);
                    s.mobile = text(&m.mobile);
                    s.email = text(&m.email);
                    s.position = text(&m.position);
                    s.open_userid = text(&m.open_userid);
                    s.gender = text(&m.gender);
                    s.status = Some(m.status.into());
                    s.main_department = Some(m.main_department.into());
                    s.departments = m
                        .department
                        .iter()
                        .enumerate()
                        .map(|(i, d)| MemberDepartment {
                            dept_id: (*d).into(),
                            is_leader: m.is_leader_in_dept.get(i) == Some(&1),
                            sort_order: m.order.get(i).copied().unwrap_or(0).into(),
                        })
                        .collect();
                    s
                })
                .collect();
            (departments, members)
        }

        /// Seeds the gateway's copy of `acme` from the simulator (what a full sync stores).
        async fn seed(&self) -> (Vec<Department>, Vec<Member>) {
            let (departments, members) = self.sim_directory();
            let store = self.store();
            store.upsert_directory("acme", CORP, None).await.unwrap();
            let diff = store
                .apply_full_sync("acme", departments.clone(), members.clone(), None, &[])
                .await
                .unwrap();
            assert_eq!(diff.members.created.count as usize, members.len());
            (departments, members)
        }

        async fn stop(self) {
            self.gw.shutdown().await.unwrap();
        }
    }

    /// The ids of the active members of the default generated directory.
    fn active_members() -> Vec<String> {
        DirectorySource::default()
            .build(CORP)
            .unwrap()
            .members()
            .filter(|m| m.status == 1)
            .map(|m| m.userid.clone())
            .collect()
    }

    async fn member(store: &Store, directory: &str, userid: &str) -> Option<Member> {
        store.member(directory, userid).await.unwrap()
    }

    /// Waits until member `userid` of `directory` satisfies `check`.
    async fn wait_member(
        store: &Store,
        directory: &str,
        userid: &str,
        what: &str,
        check: impl Fn(Option<&Member>) -> bool,
    ) {
        let check = &check;
        wait_until(what, 20, || {
            let store = store.clone();
            async move { check(member(&store, directory, userid).await.as_ref()) }
        })
        .await;
    }

    async fn events(store: &Store, event_type: &str) -> Vec<Value> {
        store
            .events_after(0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event_type == event_type)
            .map(|e| e.stored_data().clone())
            .collect()
    }

    /// Waits until `n` events of `event_type` were emitted (they follow the store write) and
    /// returns them.
    async fn wait_events(store: &Store, event_type: &str, n: usize) -> Vec<Value> {
        wait_until(&format!("{n} {event_type} events"), 20, || {
            let store = store.clone();
            async move { events(&store, event_type).await.len() >= n }
        })
        .await;
        let all = events(store, event_type).await;
        assert_eq!(all.len(), n, "{event_type}: {all:?}");
        all
    }

    /// Every queued change of `directory` was applied without error.
    async fn all_applied(store: &Store, directory: &str) {
        // A change is marked applied just after its row is written: wait for the marks.
        wait_until("every queued change marked applied", 20, || {
            let store = store.clone();
            async move {
                store
                    .pending_contact_changes(directory, 10)
                    .await
                    .unwrap()
                    .is_empty()
            }
        })
        .await;
        let changes = store.recent_contact_changes(directory, 1000).await.unwrap();
        assert!(!changes.is_empty());
        for c in &changes {
            assert!(c.applied_at.is_some(), "not applied: {c:?}");
            assert_eq!(c.error, None, "failed: {c:?}");
        }
    }

    fn dept_ids(m: &Member) -> Vec<i64> {
        m.departments.iter().map(|d| d.dept_id).collect()
    }

    pub async fn every_change_type_is_applied_incrementally(db: Arc<TestDb>) {
        let env = Env::start(&db, "").await;
        let store = env.store();
        let (departments, members) = env.seed().await;
        let someone = members
            .iter()
            .find(|m| m.status == Some(1))
            .unwrap()
            .userid
            .clone();

        // create_user
        env.edit(
            Method::POST,
            "users",
            Some(json!({"userid": "newbie", "name": "New Bie", "department": [1], "mobile": "13900000001"})),
        )
        .await;
        wait_member(&store, "acme", "newbie", "create_user applied", |m| {
            m.is_some_and(|m| m.active && m.name.as_deref() == Some("New Bie"))
        })
        .await;
        let newbie = member(&store, "acme", "newbie").await.unwrap();
        assert_eq!(newbie.mobile.as_deref(), Some("13900000001"));
        assert_eq!(dept_ids(&newbie), vec![1]);
        let created = wait_events(&store, "contact.member.created", 1).await;
        assert_eq!(created[0]["userid"], "newbie");
        assert_eq!(created[0]["directory"], "acme");
        assert_eq!(created[0]["member"]["name"], "New Bie");

        // update_user: a field and a move.
        let other_dept = departments
            .iter()
            .map(|d| d.dept_id)
            .find(|d| *d != 1)
            .unwrap();
        env.edit(
            Method::PATCH,
            "users/newbie",
            Some(json!({"position": "Engineer", "department": [other_dept]})),
        )
        .await;
        wait_member(&store, "acme", "newbie", "update_user applied", |m| {
            m.is_some_and(|m| m.position.as_deref() == Some("Engineer"))
        })
        .await;
        let newbie = member(&store, "acme", "newbie").await.unwrap();
        assert_eq!(dept_ids(&newbie), vec![other_dept]);
        assert_eq!(
            newbie.name.as_deref(),
            Some("New Bie"),
            "fields the event did not change stay"
        );
        wait_events(&store, "contact.member.updated", 1).await;

        // NewUserID: the member and the wxgate identity linked to it follow.
        let user = store
            .sign_in(&SignIn {
                identities: vec![(
                    IdentityKey::new(IdentityKind::WecomUser, CORP, "newbie"),
                    json!({}),
                )],
                ..SignIn::default()
            })
            .await
            .unwrap()
            .user;
        env.edit(
            Method::PATCH,
            "users/newbie",
            Some(json!({"new_userid": "newbie2"})),
        )
        .await;
        wait_member(&store, "acme", "newbie2", "rename applied", |m| m.is_some()).await;
        assert!(member(&store, "acme", "newbie").await.is_none());
        // The identity is renamed right after the member rows.
        wait_until("the identity renamed", 20, || {
            let store = store.clone();
            async move {
                store
                    .find_identity(&IdentityKey::new(IdentityKind::WecomUser, CORP, "newbie2"))
                    .await
                    .unwrap()
                    .is_some()
            }
        })
        .await;
        let identity = store
            .find_identity(&IdentityKey::new(IdentityKind::WecomUser, CORP, "newbie2"))
            .await
            .unwrap()
            .expect("the identity was renamed");
        assert_eq!(identity.user_id, user.id);
        assert!(
            store
                .find_identity(&IdentityKey::new(IdentityKind::WecomUser, CORP, "newbie"))
                .await
                .unwrap()
                .is_none()
        );
        let renamed = wait_events(&store, "contact.member.renamed", 1).await;
        assert_eq!(
            (renamed[0]["from"].as_str(), renamed[0]["to"].as_str()),
            (Some("newbie"), Some("newbie2"))
        );
        assert_eq!(renamed[0]["user_id"], user.id.as_str());
        let (status, body) = env
            .api("/api/v1/corps/acme/members/newbie2/user", true)
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["user"]["id"], user.id.as_str());

        // delete_user: inactive, never deleted; the identity stays linked.
        env.edit(Method::DELETE, "users/newbie2", None).await;
        wait_member(&store, "acme", "newbie2", "delete_user applied", |m| {
            m.is_some_and(|m| !m.active && m.left_at.is_some())
        })
        .await;
        assert_eq!(
            store.member_user("acme", "newbie2").await.unwrap(),
            Some(user.id.clone())
        );
        wait_events(&store, "contact.member.removed", 1).await;

        // create_party, update_party (a move), delete_party.
        let created = env
            .edit(
                Method::POST,
                "departments",
                Some(json!({"name": "Ops", "parentid": 1})),
            )
            .await;
        let ops = created["result"]["id"].as_i64().expect("department id");
        wait_until("create_party applied", 20, || {
            let store = store.clone();
            async move {
                store
                    .department("acme", ops)
                    .await
                    .unwrap()
                    .is_some_and(|d| d.name.as_deref() == Some("Ops") && d.parent_id == 1)
            }
        })
        .await;
        env.edit(
            Method::PATCH,
            &format!("departments/{ops}"),
            Some(json!({"parentid": other_dept})),
        )
        .await;
        wait_until("update_party applied", 20, || {
            let store = store.clone();
            async move {
                store
                    .department("acme", ops)
                    .await
                    .unwrap()
                    .is_some_and(|d| d.parent_id == other_dept)
            }
        })
        .await;
        env.edit(Method::DELETE, &format!("departments/{ops}"), None)
            .await;
        wait_until("delete_party applied", 20, || {
            let store = store.clone();
            async move {
                store
                    .department("acme", ops)
                    .await
                    .unwrap()
                    .is_some_and(|d| !d.active && d.removed_at.is_some())
            }
        })
        .await;
        wait_events(&store, "contact.department.created", 1).await;
        wait_events(&store, "contact.department.updated", 1).await;
        wait_events(&store, "contact.department.removed", 1).await;

        // update_tag: members and departments added, then some removed.
        env.edit(
            Method::POST,
            "tags",
            Some(json!({"tagname": "vip", "tagid": 9})),
        )
        .await;
        env.edit(
            Method::POST,
            "tags/9/members",
            Some(json!({"userlist": [someone], "partylist": [other_dept]})),
        )
        .await;
        wait_until("update_tag (add) applied", 20, || {
            let store = store.clone();
            let someone = someone.clone();
            async move {
                store.tag("acme", 9).await.unwrap().is_some_and(|t| {
                    t.userids == vec![someone.clone()] && t.dept_ids == vec![other_dept]
                })
            }
        })
        .await;
        env.edit(
            Method::DELETE,
            "tags/9/members",
            Some(json!({"userlist": [someone]})),
        )
        .await;
        wait_until("update_tag (remove) applied", 20, || {
            let store = store.clone();
            async move {
                store
                    .tag("acme", 9)
                    .await
                    .unwrap()
                    .is_some_and(|t| t.userids.is_empty() && t.dept_ids == vec![other_dept])
            }
        })
        .await;
        wait_events(&store, "contact.tag.updated", 2).await;

        all_applied(&store, "acme").await;
        env.stop().await;
    }

    /// Waits for a suite ticket, then installs the suite in Acme through the simulated install
    /// page; the create_auth callback makes the gateway exchange the permanent code.
    async fn install_suite(env: &Env) {
        let store = env.store();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while store.get_suite_ticket(SUITE_ID).await.unwrap().is_none() {
            let _ = env
                .http
                .post(format!("{}/sim/suites/{SUITE_ID}/ticket", env.sim.base_url))
                .send()
                .await;
            assert!(
                tokio::time::Instant::now() < deadline,
                "no suite ticket persisted"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let response = env
            .http
            .post(format!("{}/api/v1/suites/crm/install-url", env.gw.base_url))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"redirect_uri": format!("{}/suites/crm/installed", env.gw.base_url)}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let body: Value = response.json().await.unwrap();
        let url = body["url"].as_str().unwrap();
        let page = env
            .http
            .get(format!("{url}&sim_corp={CORP}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            page.status().as_u16(),
            302,
            "{}",
            page.text().await.unwrap()
        );
        wait_until("the suite is authorised in Acme", 20, || {
            let store = store.clone();
            async move { !store.list_auth_corps(SUITE_ID).await.unwrap().is_empty() }
        })
        .await;
    }

    pub async fn suite_changes_and_changes_during_a_full_sync(db: Arc<TestDb>) {
        let env = Env::start(&db, "").await;
        let store = env.store();
        let (_, members) = env.seed().await;
        install_suite(&env).await;

        // A suite's InfoType=change_contact lands in the directory `crm:{corp}`.
        let suite_dir = format!("crm:{CORP}");
        env.edit(
            Method::POST,
            "users",
            Some(json!({"userid": "suiter", "name": "Sui Ter", "department": [1], "mobile": "13900000002"})),
        )
        .await;
        wait_member(
            &store,
            &suite_dir,
            "suiter",
            "suite create_user applied",
            |m| m.is_some_and(|m| m.active && dept_ids(m) == vec![1]),
        )
        .await;
        let dir = store.directory(&suite_dir).await.unwrap().unwrap();
        assert_eq!(
            (dir.corp_id.as_str(), dir.suite_id.as_deref()),
            (CORP, Some(SUITE_ID))
        );
        assert!(
            member(&store, &suite_dir, "suiter")
                .await
                .unwrap()
                .open_userid
                .is_some(),
            "the suite's event carries OpenUserID"
        );
        env.edit(Method::DELETE, "users/suiter", None).await;
        wait_member(
            &store,
            &suite_dir,
            "suiter",
            "suite delete_user applied",
            |m| m.is_some_and(|m| !m.active),
        )
        .await;
        let created = events(&store, "contact.member.created").await;
        assert!(
            created
                .iter()
                .any(|e| e["directory"] == suite_dir.as_str() && e["userid"] == "suiter")
        );
        all_applied(&store, &suite_dir).await;

        // The contacts callback told acme too: wait until both its changes are applied.
        wait_member(
            &store,
            "acme",
            "suiter",
            "acme's own delete_user applied",
            |m| m.is_some_and(|m| !m.active),
        )
        .await;
        // A full sync of acme is running: changes queue up and wait.
        wait_until("acme's earlier changes applied", 20, || {
            let store = store.clone();
            async move {
                store
                    .pending_contact_changes("acme", 100)
                    .await
                    .unwrap()
                    .is_empty()
            }
        })
        .await;
        let target = members
            .iter()
            .find(|m| m.status == Some(1))
            .unwrap()
            .userid
            .clone();
        let (job, started) = store.start_sync_job("acme", "test-sync").await.unwrap();
        assert!(started);
        let queued_before = store
            .recent_contact_changes("acme", 1000)
            .await
            .unwrap()
            .len();
        for position in ["First", "Second", "Third"] {
            env.edit(
                Method::PATCH,
                &format!("users/{target}"),
                Some(json!({"position": position})),
            )
            .await;
        }
        wait_until("three changes queued", 20, || {
            let store = store.clone();
            async move {
                store
                    .pending_contact_changes("acme", 100)
                    .await
                    .unwrap()
                    .len()
                    >= 3
            }
        })
        .await;
        assert!(
            store
                .recent_contact_changes("acme", 1000)
                .await
                .unwrap()
                .len()
                >= queued_before + 3
        );
        // Wake the consumer explicitly: it must still leave them alone while the sync runs.
        wxgate_gateway::contacts::changes::drain(&env.gw.gateway, "acme")
            .await
            .unwrap();
        assert_eq!(
            store
                .pending_contact_changes("acme", 100)
                .await
                .unwrap()
                .len(),
            3
        );
        assert_ne!(
            member(&store, "acme", &target)
                .await
                .unwrap()
                .position
                .as_deref(),
            Some("Third")
        );

        // The sync ends and kicks the consumer: all three are applied, in arrival order.
        store
            .finish_sync_job(&job.id, SyncJobState::Done, Some(&json!({})), None)
            .await
            .unwrap();
        wxgate_gateway::contacts::changes::kick(&env.gw.gateway, "acme");
        wait_until("changes applied after the sync", 20, || {
            let store = store.clone();
            async move {
                store
                    .pending_contact_changes("acme", 100)
                    .await
                    .unwrap()
                    .is_empty()
            }
        })
        .await;
        assert_eq!(
            member(&store, "acme", &target)
                .await
                .unwrap()
                .position
                .as_deref(),
            Some("Third")
        );
        let updates: Vec<String> = events(&store, "contact.member.updated")
            .await
            .into_iter()
            .filter(|e| e["directory"] == "acme" && e["userid"] == target.as_str())
            .map(|e| {
                e["member"]["position"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            updates,
            vec!["First", "Second", "Third"],
            "applied in order"
        );
        all_applied(&store, "acme").await;
        env.stop().await;
    }

    pub async fn post_2022_events_are_completed_or_left_as_they_were(db: Arc<TestDb>) {
        // A callback configured after 2022-08-15 (new_ip): member events carry only UserID and
        // Department, and the contacts secret may not call user/get. acme-app sees one member.
        let ids = active_members();
        let (seen, unseen) = (ids[0].clone(), ids[1].clone());
        let extra = format!(
            "[[sim.apps]]\napp = \"acme-contacts\"\nnew_ip = true\n\n[[sim.apps]]\napp = \"acme-app\"\nvisible_users = [\"{seen}\"]\n"
        );
        let env = Env::start(&db, &extra).await;
        let store = env.store();
        let (departments, _) = env.seed().await;
        let unseen_before = member(&store, "acme", &unseen).await.unwrap();

        // Readable through acme-app: the new name is fetched with user/get.
        env.edit(
            Method::PATCH,
            &format!("users/{seen}"),
            Some(json!({"name": "Renamed Seen"})),
        )
        .await;
        wait_member(&store, "acme", &seen, "name fetched with user/get", |m| {
            m.is_some_and(|m| m.name.as_deref() == Some("Renamed Seen"))
        })
        .await;

        // Readable by no credential: the department from the event applies, the rest stays.
        let target = departments
            .iter()
            .map(|d| d.dept_id)
            .find(|d| !dept_ids(&unseen_before).contains(d))
            .unwrap();
        env.edit(
            Method::PATCH,
            &format!("users/{unseen}"),
            Some(json!({"name": "Renamed Unseen", "department": [target]})),
        )
        .await;
        wait_member(
            &store,
            "acme",
            &unseen,
            "department from the event applied",
            |m| m.is_some_and(|m| dept_ids(m) == vec![target]),
        )
        .await;
        let unseen_after = member(&store, "acme", &unseen).await.unwrap();
        assert_eq!(unseen_after.name, unseen_before.name, "left as it was");
        assert_eq!(unseen_after.mobile, unseen_before.mobile);
        all_applied(&store, "acme").await;
        env.stop().await;
    }

    pub async fn lookups_both_ways_over_http(db: Arc<TestDb>) {
        let env = Env::start(&db, "").await;
        let store = env.store();
        let (departments, members) = env.seed().await;
        let active: Vec<&Member> = members.iter().filter(|m| m.status == Some(1)).collect();

        assert_eq!(
            env.api("/api/v1/corps/acme/departments", false).await.0,
            401
        );
        let (status, body) = env.api("/api/v1/corps/nope/departments", true).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("unknown_directory")),
            "{body}"
        );

        // The tree: the root counts every member once.
        let (status, body) = env.api("/api/v1/corps/acme/departments", true).await;
        assert_eq!(status, 200, "{body}");
        let roots = body["departments"].as_array().unwrap();
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0]["dept_id"], 1);
        assert_eq!(
            roots[0]["total_members"].as_u64().unwrap() as usize,
            members.len()
        );
        fn count(nodes: &[Value]) -> usize {
            nodes
                .iter()
                .map(|n| 1 + count(n["children"].as_array().unwrap()))
                .sum()
        }
        assert_eq!(count(roots), departments.len());

        // Department members, direct and recursive, against the seeded data.
        let child = departments.iter().find(|d| d.parent_id == 1).unwrap();
        let (_, direct) = env
            .api(
                &format!("/api/v1/corps/acme/departments/{}/members", child.dept_id),
                true,
            )
            .await;
        let expected: Vec<&str> = {
            let mut v: Vec<&str> = members
                .iter()
                .filter(|m| dept_ids(m).contains(&child.dept_id))
                .map(|m| m.userid.as_str())
                .collect();
            v.sort();
            v
        };
        let got: Vec<&str> = direct["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["userid"].as_str().unwrap())
            .collect();
        assert_eq!(got, expected);
        let (_, all) = env
            .api(
                "/api/v1/corps/acme/departments/1/members?recursive=true",
                true,
            )
            .await;
        assert_eq!(all["members"].as_array().unwrap().len(), members.len());
        assert!(all["next_after"].is_null(), "one page holds them all");
        // The same listing in pages of 7, each starting after the previous page's last userid.
        let mut paged: Vec<String> = Vec::new();
        let mut after = String::new();
        loop {
            let (status, page) = env
                .api(
                    &format!(
                        "/api/v1/corps/acme/departments/1/members?recursive=true&limit=7{after}"
                    ),
                    true,
                )
                .await;
            assert_eq!(status, 200, "{page}");
            let got = page["members"].as_array().unwrap();
            assert!(got.len() <= 7);
            paged.extend(got.iter().map(|m| m["userid"].as_str().unwrap().to_owned()));
            match page["next_after"].as_str() {
                Some(next) => {
                    assert_eq!(got.len(), 7, "only a full page has a next one");
                    after = format!("&after={next}");
                }
                None => break,
            }
        }
        let listed: Vec<String> = all["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["userid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(paged, listed);
        for bad in ["limit=0", "limit=10001", "limit=x"] {
            let (status, _) = env
                .api(
                    &format!("/api/v1/corps/acme/departments/1/members?{bad}"),
                    true,
                )
                .await;
            assert_eq!(status, 400, "{bad}");
        }
        let (status, _) = env
            .api("/api/v1/corps/acme/departments/abc/members", true)
            .await;
        assert_eq!(status, 400);
        let (status, _) = env
            .api("/api/v1/corps/acme/departments/99999/members", true)
            .await;
        assert_eq!(status, 404);

        // Leaders: department_leader plus is_leader_in_dept.
        if let Some(led) = departments.iter().find(|d| !d.leaders.is_empty()) {
            let (_, body) = env
                .api(
                    &format!("/api/v1/corps/acme/departments/{}/leaders", led.dept_id),
                    true,
                )
                .await;
            let got: Vec<&str> = body["leaders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["userid"].as_str().unwrap())
                .collect();
            for l in &led.leaders {
                assert!(
                    got.contains(&l.as_str()),
                    "{l} leads {}: {body}",
                    led.dept_id
                );
            }
        }

        // One member, by userid, open_userid, mobile and email.
        let m = active
            .iter()
            .find(|m| m.mobile.is_some() && m.email.is_some() && m.open_userid.is_some())
            .unwrap();
        let (status, body) = env
            .api(&format!("/api/v1/corps/acme/members/{}", m.userid), true)
            .await;
        assert_eq!(status, 200);
        assert_eq!(body["member"]["name"], m.name.clone().unwrap().as_str());
        for query in [
            format!("open_userid={}", m.open_userid.as_ref().unwrap()),
            format!("mobile={}", m.mobile.as_ref().unwrap()),
            format!("email={}", m.email.as_ref().unwrap().to_uppercase()),
        ] {
            let (status, body) = env
                .api(&format!("/api/v1/corps/acme/members?{query}"), true)
                .await;
            assert_eq!(status, 200, "{body}");
            assert!(
                body["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["userid"] == m.userid.as_str()),
                "{query}: {body}"
            );
        }
        let (status, _) = env
            .api("/api/v1/corps/acme/members?mobile=1&email=a@b", true)
            .await;
        assert_eq!(status, 400);
        let (status, _) = env.api("/api/v1/corps/acme/members/nobody", true).await;
        assert_eq!(status, 404);

        // Member → user and user → members.
        let (_, body) = env
            .api(
                &format!("/api/v1/corps/acme/members/{}/user", m.userid),
                true,
            )
            .await;
        assert_eq!(body["user"], Value::Null);
        let user = store
            .sign_in(&SignIn {
                identities: vec![(
                    IdentityKey::new(IdentityKind::WecomUser, CORP, &m.userid),
                    json!({}),
                )],
                ..SignIn::default()
            })
            .await
            .unwrap()
            .user;
        let (_, body) = env
            .api(
                &format!("/api/v1/corps/acme/members/{}/user", m.userid),
                true,
            )
            .await;
        assert_eq!(body["user"]["id"], user.id.as_str());
        let (status, body) = env
            .api(&format!("/api/v1/users/{}/members", user.id), true)
            .await;
        assert_eq!(status, 200, "{body}");
        let linked = body["members"].as_array().unwrap();
        assert_eq!(linked.len(), 1);
        assert_eq!(
            (
                linked[0]["directory"].as_str(),
                linked[0]["userid"].as_str()
            ),
            (Some("acme"), Some(m.userid.as_str()))
        );
        let (status, _) = env.api("/api/v1/users/usr_nobody/members", true).await;
        assert_eq!(status, 404);
        env.stop().await;
    }

    pub async fn department_roles_in_the_oidc_roles_claim(db: Arc<TestDb>) {
        use crate::oidc_env::{
            CRM_CALLBACK, CRM_SECRET, Env as OidcEnv, members as oidc_members, oidc_toml, query,
        };
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;

        let env = OidcEnv::start(&db, &oidc_toml("")).await;
        let store = env.gw.gateway.store.clone();
        let userid = oidc_members()[0].clone();
        // Root 1 > 2 > 5, and 1 > 3; the member sits in 5 and 3.
        let dept = |id: i64, parent: i64| Department {
            dept_id: id,
            parent_id: parent,
            name: Some(format!("D{id}")),
            ..Department::default()
        };
        let mut m = Member::new(&userid);
        m.departments = [5, 3]
            .map(|dept_id| MemberDepartment {
                dept_id,
                ..MemberDepartment::default()
            })
            .to_vec();
        store
            .upsert_directory("acme", crate::oidc_env::CORP, None)
            .await
            .unwrap();
        store
            .apply_full_sync(
                "acme",
                vec![dept(5, 2), dept(3, 1), dept(2, 1), dept(1, 0)],
                vec![m],
                None,
                &[],
            )
            .await
            .unwrap();
        let (user_id, cookie) = env.signed_in(&userid).await;
        store.grant_role(&user_id, "sales").await.unwrap();

        let payload = |jwt: &str| -> Value {
            let part = jwt.split('.').nth(1).unwrap();
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
        };
        let tokens = || async {
            let (challenge, verifier) = openidconnect::PkceCodeChallenge::new_random_sha256();
            let mut url = url::Url::parse(&env.url("/oidc/authorize")).unwrap();
            url.query_pairs_mut()
                .append_pair("client_id", "crm")
                .append_pair("redirect_uri", CRM_CALLBACK)
                .append_pair("response_type", "code")
                .append_pair("scope", "openid profile roles")
                .append_pair("state", "st4te")
                .append_pair("nonce", "n0nce")
                .append_pair("code_challenge", challenge.as_str())
                .append_pair("code_challenge_method", "S256");
            let (status, location, body) = env.visit(url.as_str(), Some(&cookie)).await;
            assert_eq!(status, 302, "{body}");
            let code = query(&location.unwrap())["code"].clone();
            let (status, body) = env
                .token(
                    &[
                        ("grant_type", "authorization_code"),
                        ("code", &code),
                        ("redirect_uri", CRM_CALLBACK),
                        ("code_verifier", verifier.secret()),
                    ],
                    Some(("crm", CRM_SECRET)),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            body
        };
        let body = tokens().await;
        let access = body["access_token"].as_str().unwrap();
        let expected = json!([
            "dept:acme:1",
            "dept:acme:1/2",
            "dept:acme:1/2/5",
            "dept:acme:1/3",
            "sales"
        ]);
        assert_eq!(payload(access)["roles"], expected);
        let (status, info) = env.userinfo(access).await;
        assert_eq!(status, 200);
        assert_eq!(info["roles"], expected);

        // The member leaves the directory: only the manual role remains.
        store.remove_member("acme", &userid).await.unwrap();
        let body = tokens().await;
        assert_eq!(
            payload(body["access_token"].as_str().unwrap())["roles"],
            json!(["sales"])
        );
        env.gw.shutdown().await.unwrap();
    }
}
