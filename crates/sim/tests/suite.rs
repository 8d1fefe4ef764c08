//! The third-party (service provider) platform over real HTTP: tickets, suite / provider /
//! authorised-corp tokens, the install page, permanent codes and the authorisation lifecycle.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{CORP, Sim, errcode};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;
use wxgate_sim::SimOptions;
use wxgate_sim::push::{CallbackTarget, PushJob};
use wxgate_sim::world::SimSuite;

const SUITE: &str = "wwsuite000000001";
const SUITE_SECRET: &str = "suite-secret";
const PROVIDER: &str = "wwprovider000001";

fn world() -> wxgate_sim::World {
    let mut world = common::world();
    world.suites.push(SimSuite {
        name: "crm-suite".into(),
        suite_id: SUITE.into(),
        suite_secret: SUITE_SECRET.into(),
        token: "suite-token".into(),
        encoding_aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG".into(),
        provider_corp_id: Some(PROVIDER.into()),
        provider_secret: Some("provider-secret".into()),
        trusted_domains: Vec::new(),
    });
    world
}

struct Suite {
    sim: Sim,
    queue: UnboundedReceiver<PushJob>,
    no_redirect: reqwest::Client,
}

impl Suite {
    async fn start() -> Self {
        Self::with(common::options()).await
    }

    async fn with(options: SimOptions) -> Self {
        // These tests read the pushes from the queue themselves.
        let options = SimOptions {
            deliver_callbacks: false,
            ..options
        };
        let handle = wxgate_sim::start(world(), options, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let queue = handle.state.pusher.take_queue().unwrap();
        Suite {
            sim: Sim {
                handle,
                http: reqwest::Client::new(),
            },
            queue,
            no_redirect: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// Every push queued so far.
    fn pushes(&mut self) -> Vec<PushJob> {
        let mut out = Vec::new();
        while let Ok(job) = self.queue.try_recv() {
            out.push(job);
        }
        out
    }

    fn instruction_pushes(&mut self, info_type: &str) -> Vec<String> {
        let tag = format!("<InfoType><![CDATA[{info_type}]]></InfoType>");
        self.pushes()
            .into_iter()
            .filter(|j| {
                j.target
                    == CallbackTarget::SuiteInstruction {
                        suite_id: SUITE.into(),
                    }
            })
            .map(|j| j.plaintext)
            .filter(|p| p.contains(&tag))
            .collect()
    }

    async fn suite_token(&mut self, ticket: &str) -> Value {
        self.sim
            .post(
                "/cgi-bin/service/get_suite_token",
                json!({"suite_id": SUITE, "suite_secret": SUITE_SECRET, "suite_ticket": ticket}),
            )
            .await
    }

    async fn fresh_ticket(&mut self) -> String {
        let body = self
            .sim
            .post(&format!("/sim/suites/{SUITE}/ticket"), json!({}))
            .await;
        body["suite_ticket"].as_str().unwrap().to_owned()
    }

    async fn token(&mut self) -> String {
        let ticket = self.fresh_ticket().await;
        let body = self.suite_token(&ticket).await;
        body["suite_access_token"].as_str().unwrap().to_owned()
    }

    /// Installs the suite in `corp_query` (`sim_corp=…` or `sim_new_corp=…`) and returns the
    /// redirect's query parameters.
    async fn install(&mut self, token: &str, corp_query: &str) -> HashMap<String, String> {
        self.install_with(token, corp_query, None).await
    }

    /// [`install`](Self::install), after `set_session_info` with `auth_type` when given.
    async fn install_with(
        &mut self,
        token: &str,
        corp_query: &str,
        auth_type: Option<u8>,
    ) -> HashMap<String, String> {
        let code = self
            .sim
            .get(&format!(
                "/cgi-bin/service/get_pre_auth_code?suite_access_token={token}"
            ))
            .await;
        let pre_auth_code = code["pre_auth_code"].as_str().unwrap();
        if let Some(auth_type) = auth_type {
            let set = self
                .sim
                .post(
                    &format!("/cgi-bin/service/set_session_info?suite_access_token={token}"),
                    json!({"pre_auth_code": pre_auth_code, "session_info": {"auth_type": auth_type}}),
                )
                .await;
            assert_eq!(errcode(&set), 0);
        }
        let response = self
            .no_redirect
            .get(self.sim.url(&format!(
                "/3rdapp/install?suite_id={SUITE}&pre_auth_code={pre_auth_code}\
                 &redirect_uri=https%3A%2F%2Fcrm.example.com%2Finstalled%3Ffrom%3Dwecom\
                 &state=st%20ate&{corp_query}"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let url = reqwest::Url::parse(&location).unwrap();
        assert_eq!(url.path(), "/installed");
        url.query_pairs().into_owned().collect()
    }

    async fn permanent_code(&mut self, token: &str, auth_code: &str) -> Value {
        self.sim
            .post(
                &format!("/cgi-bin/service/get_permanent_code?suite_access_token={token}"),
                json!({ "auth_code": auth_code }),
            )
            .await
    }
}

async fn corp_token(sim: &Sim, token: &str, code: &str) -> Value {
    sim.post(
        &format!("/cgi-bin/service/get_corp_token?suite_access_token={token}"),
        json!({"auth_corpid": CORP, "permanent_code": code}),
    )
    .await
}

fn xml_field(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let start = xml.find(&open).unwrap_or_else(|| panic!("{name} in {xml}")) + open.len();
    let end = xml[start..].find(&format!("</{name}>")).unwrap() + start;
    xml[start..end]
        .trim_start_matches("<![CDATA[")
        .trim_end_matches("]]>")
        .to_owned()
}

#[tokio::test]
async fn a_ticket_is_pushed_at_start_and_on_demand() {
    let mut s = Suite::start().await;
    let at_start = s.instruction_pushes("suite_ticket");
    assert_eq!(at_start.len(), 1, "{at_start:?}");
    let xml = &at_start[0];
    assert_eq!(xml_field(xml, "SuiteId"), SUITE);
    assert_eq!(xml_field(xml, "TimeStamp"), "1763600000");
    let first = xml_field(xml, "SuiteTicket");
    assert!(first.len() >= 32);
    let pushed = s.fresh_ticket().await;
    let on_demand = s.instruction_pushes("suite_ticket");
    assert_eq!(on_demand.len(), 1);
    assert_eq!(xml_field(&on_demand[0], "SuiteTicket"), pushed);
    assert_ne!(pushed, first);
    let listed = s.sim.get("/sim/suites").await;
    let tickets = listed["suites"][0]["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 2);
    assert_eq!(tickets[1]["suite_ticket"], pushed.as_str());
    assert_eq!(tickets[1]["age_secs"], 0);
    let unknown = s
        .sim
        .http
        .post(s.sim.url("/sim/suites/nosuchsuite/ticket"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
}

#[tokio::test]
async fn suite_token_needs_a_fresh_pushed_ticket_and_answers_without_errcode() {
    let mut s = Suite::start().await;
    let ticket = xml_field(&s.instruction_pushes("suite_ticket")[0], "SuiteTicket");
    let body = s.suite_token(&ticket).await;
    assert!(body.get("errcode").is_none(), "{body}");
    assert!(body.get("errmsg").is_none(), "{body}");
    assert_eq!(body["expires_in"], 7200);
    let token = body["suite_access_token"].as_str().unwrap().to_owned();
    let again = s.suite_token(&ticket).await;
    assert_eq!(again["suite_access_token"], token.as_str());
    assert_eq!(errcode(&s.suite_token("not-a-ticket").await), 40085);
    assert_eq!(errcode(&s.suite_token("").await), 40085);
    let wrong_secret = s
        .sim
        .post(
            "/cgi-bin/service/get_suite_token",
            json!({"suite_id": SUITE, "suite_secret": "nope", "suite_ticket": ticket}),
        )
        .await;
    assert_eq!(errcode(&wrong_secret), 40080);
    let unknown_suite = s
        .sim
        .post(
            "/cgi-bin/service/get_suite_token",
            json!({"suite_id": "wwnobody", "suite_secret": SUITE_SECRET, "suite_ticket": ticket}),
        )
        .await;
    assert_eq!(errcode(&unknown_suite), 40083);
    let missing = s
        .sim
        .post("/cgi-bin/service/get_suite_token", json!({}))
        .await;
    assert_eq!(errcode(&missing), 41021);
    s.sim.advance(1801).await;
    assert_eq!(errcode(&s.suite_token(&ticket).await), 40085);
}

#[tokio::test]
async fn provider_token() {
    let s = Suite::start().await;
    let body = s
        .sim
        .post(
            "/cgi-bin/service/get_provider_token",
            json!({"corpid": PROVIDER, "provider_secret": "provider-secret"}),
        )
        .await;
    assert_eq!(errcode(&body), 0);
    assert_eq!(body["expires_in"], 7200);
    assert!(body["provider_access_token"].as_str().unwrap().len() > 40);
    let wrong = s
        .sim
        .post(
            "/cgi-bin/service/get_provider_token",
            json!({"corpid": PROVIDER, "provider_secret": "nope"}),
        )
        .await;
    assert_eq!(errcode(&wrong), 40001);
    let unknown = s
        .sim
        .post(
            "/cgi-bin/service/get_provider_token",
            json!({"corpid": CORP, "provider_secret": "provider-secret"}),
        )
        .await;
    assert_eq!(errcode(&unknown), 40013);
}

#[tokio::test]
async fn pre_auth_code_and_session_info() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    let body = s
        .sim
        .get(&format!(
            "/cgi-bin/service/get_pre_auth_code?suite_access_token={token}"
        ))
        .await;
    assert_eq!(errcode(&body), 0);
    assert_eq!(body["errmsg"], "ok");
    assert_eq!(body["expires_in"], 1200);
    let code = body["pre_auth_code"].as_str().unwrap().to_owned();
    let set = |code: String, session: Value| {
        let token = token.clone();
        let sim = &s.sim;
        async move {
            sim.post(
                &format!("/cgi-bin/service/set_session_info?suite_access_token={token}"),
                json!({"pre_auth_code": code, "session_info": session}),
            )
            .await
        }
    };
    let ok = set(code.clone(), json!({"appid": [], "auth_type": 1})).await;
    assert_eq!(ok, json!({"errcode": 0, "errmsg": "ok"}));
    assert_eq!(
        errcode(&set(code.clone(), json!({"auth_type": 7})).await),
        40058
    );
    assert_eq!(
        errcode(&set("unknown".into(), json!({"auth_type": 0})).await),
        40077
    );
    let no_token = s
        .sim
        .get("/cgi-bin/service/get_pre_auth_code?suite_access_token=garbage")
        .await;
    assert_eq!(errcode(&no_token), 40082);
    let missing = s.sim.get("/cgi-bin/service/get_pre_auth_code").await;
    assert_eq!(errcode(&missing), 41022);
    s.sim.advance(1200).await;
    assert_eq!(errcode(&set(code, json!({"auth_type": 0})).await), 42007);
}

#[tokio::test]
async fn install_redirects_pushes_create_auth_and_permanent_code_works() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    // A test authorisation (auth_type 1) is recorded from the session info.
    let params = s.install(&token, &format!("sim_corp={CORP}")).await;
    assert_eq!(params["state"], "st ate");
    assert_eq!(params["expires_in"], "600");
    assert_eq!(params["from"], "wecom");
    let auth_code = params["auth_code"].clone();
    let created = s.instruction_pushes("create_auth");
    assert_eq!(created.len(), 1);
    assert_eq!(xml_field(&created[0], "AuthCode"), auth_code);
    assert_eq!(xml_field(&created[0], "State"), "st ate");
    assert_eq!(xml_field(&created[0], "SuiteId"), SUITE);

    let v1 = s.permanent_code(&token, &auth_code).await;
    assert_eq!(errcode(&v1), 0, "{v1}");
    assert_eq!(v1["expires_in"], 7200);
    let permanent = v1["permanent_code"].as_str().unwrap().to_owned();
    assert_eq!(v1["auth_corp_info"]["corpid"], CORP);
    assert_eq!(v1["auth_corp_info"]["corp_name"], "Acme");
    assert_eq!(v1["auth_corp_info"]["corp_type"], "verified");
    assert!(v1["auth_corp_info"]["corp_user_max"].is_u64());
    let agent = &v1["auth_info"]["agent"][0];
    assert!(agent["agentid"].is_u64());
    assert_eq!(agent["name"], "crm-suite");
    assert_eq!(agent["privilege"]["level"], 1);
    assert_eq!(agent["privilege"]["allow_party"], json!([1]));
    assert_eq!(agent["privilege"]["allow_user"], json!([]));
    let admin = v1["auth_user_info"]["userid"].as_str().unwrap();
    assert!(!admin.is_empty());
    assert!(v1["auth_user_info"]["open_userid"].as_str().unwrap().len() > 10);
    assert!(!v1["auth_user_info"]["name"].as_str().unwrap().is_empty());
    assert_eq!(v1["state"], "st ate");

    // The access_token is an authorised-corp token that works on corp APIs.
    let access = v1["access_token"].as_str().unwrap().to_owned();
    let ips = s
        .sim
        .get(&format!("/cgi-bin/getcallbackip?access_token={access}"))
        .await;
    assert_eq!(errcode(&ips), 0, "{ips}");

    // Single use.
    assert_eq!(errcode(&s.permanent_code(&token, &auth_code).await), 40078);

    // get_auth_info and get_corp_token.
    let info = s
        .sim
        .post(
            &format!("/cgi-bin/service/get_auth_info?suite_access_token={token}"),
            json!({"auth_corpid": CORP, "permanent_code": permanent}),
        )
        .await;
    assert_eq!(errcode(&info), 0);
    assert_eq!(info["auth_corp_info"]["corpid"], CORP);
    assert!(info.get("permanent_code").is_none() && info.get("access_token").is_none());
    assert_eq!(
        info["auth_info"]["agent"][0]["privilege"]["allow_party"],
        json!([1])
    );
    let corp_token = s
        .sim
        .post(
            &format!("/cgi-bin/service/get_corp_token?suite_access_token={token}"),
            json!({"auth_corpid": CORP, "permanent_code": permanent}),
        )
        .await;
    assert!(corp_token.get("errcode").is_none(), "{corp_token}");
    assert_eq!(corp_token["access_token"], access.as_str());
    let wrong = s
        .sim
        .post(
            &format!("/cgi-bin/service/get_corp_token?suite_access_token={token}"),
            json!({"auth_corpid": CORP, "permanent_code": "nope"}),
        )
        .await;
    assert_eq!(errcode(&wrong), 40084);
    let privileges = wxgate_sim::suite::privileges(&s.sim.handle.state, SUITE, CORP).unwrap();
    assert_eq!(privileges.departments, vec![1]);
    assert!(
        wxgate_sim::suite::privileges(&s.sim.handle.state, SUITE, "wwother000000001").is_none()
    );
}

#[tokio::test]
async fn v2_permanent_code_and_a_new_customer_corp() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    let params = s
        .install(
            &token,
            "sim_new_corp=Beta%20Ltd&sim_allow_user=&sim_allow_party=1",
        )
        .await;
    let v2 = s
        .sim
        .post(
            &format!("/cgi-bin/service/v2/get_permanent_code?suite_access_token={token}"),
            json!({ "auth_code": params["auth_code"] }),
        )
        .await;
    assert_eq!(errcode(&v2), 0, "{v2}");
    let corp_id = wxgate_sim::suite::install::customer_corp_id("Beta Ltd");
    assert!(corp_id.starts_with("ww") && corp_id.len() == 18);
    assert_eq!(
        v2["auth_corp_info"],
        json!({"corpid": corp_id, "corp_name": "Beta Ltd"})
    );
    assert!(v2.get("access_token").is_none() && v2.get("auth_info").is_none());
    assert!(v2["permanent_code"].is_string());
    assert_eq!(v2["state"], "st ate");
    assert!(v2["auth_user_info"]["userid"].is_string());
    assert!(s.sim.handle.state.directories.get(&corp_id).is_some());
}

#[tokio::test]
async fn install_page_refuses_bad_codes_and_shows_a_form() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    let bad = s
        .no_redirect
        .get(s.sim.url(&format!(
            "/3rdapp/install?suite_id={SUITE}&pre_auth_code=nope&redirect_uri=https%3A%2F%2Fx&sim_corp={CORP}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let code = s
        .sim
        .get(&format!(
            "/cgi-bin/service/get_pre_auth_code?suite_access_token={token}"
        ))
        .await;
    let code = code["pre_auth_code"].as_str().unwrap();
    let page = s
        .no_redirect
        .get(s.sim.url(&format!(
            "/3rdapp/install?suite_id={SUITE}&pre_auth_code={code}&redirect_uri=https%3A%2F%2Fx&state=1"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(CORP) && html.contains("crm-suite"), "{html}");
    let unknown_user = s
        .no_redirect
        .get(s.sim.url(&format!(
            "/3rdapp/install?suite_id={SUITE}&pre_auth_code={code}&redirect_uri=https%3A%2F%2Fx&sim_corp={CORP}&sim_user=nobody"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_user.status(), 400);
    assert!(s.instruction_pushes("create_auth").is_empty());
}

#[tokio::test]
async fn change_cancel_and_reset_lifecycle() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    let params = s.install(&token, &format!("sim_corp={CORP}")).await;
    let v1 = s.permanent_code(&token, &params["auth_code"]).await;
    let permanent = v1["permanent_code"].as_str().unwrap().to_owned();
    let access = v1["access_token"].as_str().unwrap().to_owned();
    s.pushes();

    // change_auth with new privileges.
    let base = format!("/sim/suites/{SUITE}/corps/{CORP}");
    s.sim
        .post(
            &format!("{base}/change_auth"),
            json!({"allow_party": [2], "allow_user": ["someone"]}),
        )
        .await;
    let changed = s.instruction_pushes("change_auth");
    assert_eq!(changed.len(), 1);
    assert_eq!(xml_field(&changed[0], "AuthCorpId"), CORP);
    let range = wxgate_sim::suite::privileges(&s.sim.handle.state, SUITE, CORP).unwrap();
    assert_eq!(range.departments, vec![2]);
    assert_eq!(range.users, vec!["someone".to_owned()]);

    // reset_permanent_code: the pushed AuthCode exchanges for a new code; the old one stops.
    s.sim
        .post(&format!("{base}/reset_permanent_code"), json!({}))
        .await;
    let reset = s.instruction_pushes("reset_permanent_code");
    assert_eq!(reset.len(), 1);
    let reset_code = xml_field(&reset[0], "AuthCode");
    let renewed = s.permanent_code(&token, &reset_code).await;
    assert_eq!(errcode(&renewed), 0);
    let new_permanent = renewed["permanent_code"].as_str().unwrap().to_owned();
    assert_ne!(new_permanent, permanent);
    assert_eq!(
        errcode(&corp_token(&s.sim, &token, &permanent).await),
        40084
    );
    assert!(corp_token(&s.sim, &token, &new_permanent).await["access_token"].is_string());

    // cancel_auth: permanent code and tokens stop working.
    s.sim.post(&format!("{base}/cancel_auth"), json!({})).await;
    let cancelled = s.instruction_pushes("cancel_auth");
    assert_eq!(cancelled.len(), 1);
    assert_eq!(xml_field(&cancelled[0], "AuthCorpId"), CORP);
    assert_eq!(
        errcode(&corp_token(&s.sim, &token, &new_permanent).await),
        40084
    );
    let ips = s
        .sim
        .get(&format!("/cgi-bin/getcallbackip?access_token={access}"))
        .await;
    assert_eq!(errcode(&ips), 42001);
    assert!(wxgate_sim::suite::privileges(&s.sim.handle.state, SUITE, CORP).is_none());
    // The corp's own app tokens are untouched.
    let own = s.sim.wecom_token("acme-secret").await;
    let ips = s
        .sim
        .get(&format!("/cgi-bin/getcallbackip?access_token={own}"))
        .await;
    assert_eq!(errcode(&ips), 0);
    // A second cancel is refused by the control API.
    let again = s
        .sim
        .http
        .post(s.sim.url(&format!("{base}/cancel_auth")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
}

#[tokio::test]
async fn data_callbacks_and_contact_changes_reach_the_suite() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    s.install(&token, &format!("sim_corp={CORP}")).await;
    s.pushes();
    s.sim
        .post(
            &format!("/sim/suites/{SUITE}/corps/{CORP}/events"),
            json!({"xml": "<xml><MsgType><![CDATA[text]]></MsgType></xml>"}),
        )
        .await;
    let pushes = s.pushes();
    assert_eq!(pushes.len(), 1);
    assert_eq!(
        pushes[0].target,
        CallbackTarget::SuiteData {
            suite_id: SUITE.into(),
            corp_id: CORP.into()
        }
    );
    let not_installed = s
        .sim
        .http
        .post(s.sim.url(&format!(
            "/sim/suites/{SUITE}/corps/wwother000000001/events"
        )))
        .json(&json!({"xml": "<xml/>"}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_installed.status(), 400);

    let change = wxgate_sim::directory::DirectoryChange::DeleteUser {
        userid: "zhangsan".into(),
    };
    let ids = wxgate_sim::suite::notify_contact_change(&s.sim.handle.state, CORP, &change);
    assert_eq!(ids.len(), 1);
    let pushed = s.instruction_pushes("change_contact");
    assert_eq!(xml_field(&pushed[0], "AuthCorpId"), CORP);
    assert_eq!(xml_field(&pushed[0], "ChangeType"), "delete_user");
    assert_eq!(xml_field(&pushed[0], "UserID"), "zhangsan");
    assert!(
        wxgate_sim::suite::notify_contact_change(&s.sim.handle.state, "wwother000000001", &change)
            .is_empty()
    );
}

#[tokio::test]
async fn the_timer_pushes_once_per_interval_and_never_bursts() {
    let mut s = Suite::start().await;
    assert_eq!(s.instruction_pushes("suite_ticket").len(), 1);
    s.sim.advance(599).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(s.instruction_pushes("suite_ticket").is_empty());
    s.sim.advance(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(s.instruction_pushes("suite_ticket").len(), 1);
    s.sim.advance(600 * 100).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        s.instruction_pushes("suite_ticket").len(),
        1,
        "one, not 100"
    );
}

#[tokio::test]
async fn a_fast_clock_pushes_a_ticket_every_interval() {
    // 1200× real time: one 600 s interval every 0.5 s of real time.
    let mut s = Suite::with(SimOptions {
        clock_speed: 1200.0,
        ..common::options()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let tickets = s.instruction_pushes("suite_ticket");
    let elapsed = s.sim.handle.state.clock.now() - 1_763_600_000;
    let most = usize::try_from(elapsed / 600 + 1).unwrap();
    assert!(
        tickets.len() >= 4 && tickets.len() <= most,
        "{} tickets in {elapsed} s",
        tickets.len()
    );
    let stamps: Vec<i64> = tickets
        .iter()
        .map(|t| xml_field(t, "TimeStamp").parse().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[1] - w[0] >= 600), "{stamps:?}");
}

#[tokio::test]
async fn the_session_auth_type_is_recorded_and_listed() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    s.install_with(&token, &format!("sim_corp={CORP}"), Some(1))
        .await;
    s.install_with(&token, "sim_new_corp=Gamma", None).await;
    let listed = s.sim.get("/sim/suites").await;
    let auths = listed["suites"][0]["authorisations"]
        .as_array()
        .unwrap()
        .clone();
    let by_corp = |corp: &str| {
        auths
            .iter()
            .find(|a| a["corp_id"] == corp)
            .unwrap_or_else(|| panic!("{corp} in {auths:?}"))
            .clone()
    };
    assert_eq!(by_corp(CORP)["auth_type"], 1);
    assert_eq!(by_corp(CORP)["allow_party"], json!([1]));
    let gamma = wxgate_sim::suite::install::customer_corp_id("Gamma");
    assert_eq!(by_corp(&gamma)["auth_type"], 0);
    assert_eq!(by_corp(&gamma)["corp_name"], "Gamma");
    assert!(by_corp(&gamma)["permanent_code"].is_string());
}

#[tokio::test]
async fn a_reinstall_replaces_the_permanent_code_and_auth_codes_expire() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    let first = s.install(&token, &format!("sim_corp={CORP}")).await;
    let v1 = s.permanent_code(&token, &first["auth_code"]).await;
    let old_code = v1["permanent_code"].as_str().unwrap().to_owned();
    let old_access = v1["access_token"].as_str().unwrap().to_owned();
    let second = s.install(&token, &format!("sim_corp={CORP}")).await;
    assert_eq!(errcode(&corp_token(&s.sim, &token, &old_code).await), 40084);
    let ips = s
        .sim
        .get(&format!("/cgi-bin/getcallbackip?access_token={old_access}"))
        .await;
    assert_eq!(errcode(&ips), 42001);
    s.sim.advance(600).await;
    // The suite token is still valid (7200 s); the auth_code is not (600 s).
    assert_eq!(
        errcode(&s.permanent_code(&token, &second["auth_code"]).await),
        40078
    );
}

#[tokio::test]
async fn reset_forgets_authorisations_and_pushes_a_fresh_ticket() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    s.install(&token, &format!("sim_corp={CORP}")).await;
    s.pushes();
    s.sim.post("/sim/reset", json!({})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let tickets = s.instruction_pushes("suite_ticket");
    assert_eq!(tickets.len(), 1);
    let body = s.suite_token(&xml_field(&tickets[0], "SuiteTicket")).await;
    assert!(body["suite_access_token"].is_string(), "{body}");
    assert!(wxgate_sim::suite::privileges(&s.sim.handle.state, SUITE, CORP).is_none());
}

#[tokio::test]
async fn contact_changes_outside_the_authorised_range_are_not_pushed() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    let state = s.sim.handle.state.clone();
    let (inside, outside) = {
        let directory = state.directories.get(CORP).unwrap();
        let directory = directory.read().unwrap();
        let member = directory.members().next().unwrap().clone();
        let other = directory
            .members()
            .find(|m| m.department.iter().all(|d| !member.department.contains(d)))
            .expect("a member in other departments")
            .clone();
        (member, other)
    };
    s.install(
        &token,
        &format!(
            "sim_corp={CORP}&sim_allow_user={}&sim_allow_party=",
            inside.userid
        ),
    )
    .await;
    s.pushes();
    let create = |member| wxgate_sim::directory::DirectoryChange::CreateUser { member };
    assert_eq!(
        wxgate_sim::suite::notify_contact_change(&state, CORP, &create(inside.clone())).len(),
        1
    );
    assert!(
        wxgate_sim::suite::notify_contact_change(&state, CORP, &create(outside.clone())).is_empty()
    );
    let pushed = s.instruction_pushes("change_contact");
    assert_eq!(pushed.len(), 1);
    assert_eq!(xml_field(&pushed[0], "UserID"), inside.userid);
    assert_eq!(xml_field(&pushed[0], "Name"), inside.userid);
}

/// An admin edit through the control API with a suite authorised over part of the corp: the
/// edit answers (the suite's range is judged on the directory the write already holds, not by
/// locking it again) and the suite hears of the change on its instruction callback.
#[tokio::test]
async fn a_control_edit_reaches_a_partially_authorised_suite() {
    let mut s = Suite::start().await;
    let token = s.token().await;
    s.install(&token, &format!("sim_corp={CORP}&sim_allow_party=1"))
        .await;
    s.pushes();
    let edit = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        s.sim.http.post(s.sim.url(&format!("/sim/directory/{CORP}/users"))).json(&json!({
            "userid": "newcomer", "name": "New Comer", "department": [1], "mobile": "13900000009"
        }))
        .send(),
    )
    .await
    .expect("the control edit answers")
    .unwrap();
    assert_eq!(edit.status(), 200);
    let pushed = s.instruction_pushes("change_contact");
    assert_eq!(pushed.len(), 1);
    assert_eq!(xml_field(&pushed[0], "ChangeType"), "create_user");
    assert_eq!(xml_field(&pushed[0], "UserID"), "newcomer");
}
