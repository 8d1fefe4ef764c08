//! Identity APIs, login codes, login pages and the identity control API, over real HTTP.
#![allow(missing_docs)]

mod common;

use common::{errcode, options};
use serde_json::{Value, json};
use wxgate_protocol::miniprogram::{decrypt_user_data, raw_data_signature};
use wxgate_sim::directory::{MemberUpdate, VisibleRange};
use wxgate_sim::tokens::{TokenKind, TokenOwner};
use wxgate_sim::world::{
    DirectorySource, SimApp, SimAppKind, SimCorp, SimMiniProgram, SimOfficialAccount,
    SimPushFormat, SimSuite, SimWebsite,
};
use wxgate_sim::{SimHandle, World};

const CORP: &str = "wwacme0000000001";
const OA: &str = "wxoa000000000001";
const OA2: &str = "wxoa000000000002";
const MINI: &str = "wxmini00000000001";
const LINKED_MINI: &str = "wxqymini000000001";
const WEB: &str = "wxweb00000000001";
const SUITE: &str = "wwsuite000000001";
const PROVIDER: &str = "wwprovider000001";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// The active members' userids of the default generated directory (30 members).
fn userids() -> Vec<String> {
    let dir = DirectorySource::default().build(CORP).unwrap();
    dir.members()
        .filter(|m| m.status == 1)
        .map(|m| m.userid.clone())
        .collect()
}

fn world() -> World {
    let ids = userids();
    World {
        corps: vec![SimCorp::new(
            "Acme",
            CORP,
            vec![
                SimApp {
                    trusted_domains: vec!["app.example.com".into()],
                    ..SimApp::self_built("acme-app", 1000002, "acme-secret")
                },
                // Sees only the first member.
                SimApp {
                    visible: VisibleRange {
                        users: vec![ids[0].clone()],
                        ..VisibleRange::default()
                    },
                    ..SimApp::self_built("narrow-app", 1000003, "narrow-secret")
                },
                SimApp {
                    kind: SimAppKind::MiniProgram {
                        app_id: LINKED_MINI.into(),
                    },
                    visible: VisibleRange {
                        users: vec![ids[0].clone()],
                        ..VisibleRange::default()
                    },
                    ..SimApp::self_built("acme-mini", 1000004, "acme-mini-secret")
                },
            ],
        )],
        suites: vec![SimSuite {
            name: "suite".into(),
            suite_id: SUITE.into(),
            suite_secret: "suite-secret".into(),
            token: "t".into(),
            encoding_aes_key: KEY.into(),
            provider_corp_id: Some(PROVIDER.into()),
            provider_secret: Some("provider-secret".into()),
            trusted_domains: Vec::new(),
        }],
        official_accounts: vec![
            SimOfficialAccount {
                name: "oa".into(),
                app_id: OA.into(),
                app_secret: "oa-secret".into(),
                token: "t".into(),
                encoding_aes_key: KEY.into(),
                open_platform: Some("open-1".into()),
                trusted_domains: vec!["oa.example.com".into()],
            },
            SimOfficialAccount {
                name: "oa2".into(),
                app_id: OA2.into(),
                app_secret: "oa2-secret".into(),
                token: "t".into(),
                encoding_aes_key: KEY.into(),
                open_platform: None,
                trusted_domains: Vec::new(),
            },
        ],
        miniprograms: vec![SimMiniProgram {
            name: "mini".into(),
            app_id: MINI.into(),
            app_secret: "mini-secret".into(),
            token: "t".into(),
            encoding_aes_key: KEY.into(),
            open_platform: Some("open-1".into()),
            format: SimPushFormat::Json,
        }],
        websites: vec![SimWebsite {
            name: "web".into(),
            app_id: WEB.into(),
            app_secret: "web-secret".into(),
            token: String::new(),
            encoding_aes_key: Default::default(),
            open_platform: Some("open-1".into()),
            trusted_domains: vec!["www.example.com".into()],
        }],
        gateway_url: None,
    }
}

struct Sim {
    handle: SimHandle,
    http: reqwest::Client,
}

impl Sim {
    async fn start() -> Self {
        let handle = wxgate_sim::start(world(), options(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { handle, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url)
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "POST {path}");
        response.json().await.unwrap()
    }

    async fn code(&self, request: Value) -> String {
        let response = self
            .http
            .post(self.url("/sim/identity/codes"))
            .json(&request)
            .send()
            .await
            .unwrap();
        let body: Value = response.json().await.unwrap();
        body["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no code: {body}"))
            .to_owned()
    }

    async fn wecom_token(&self, secret: &str) -> String {
        let body = self
            .get(&format!(
                "/cgi-bin/gettoken?corpid={CORP}&corpsecret={secret}"
            ))
            .await;
        body["access_token"].as_str().unwrap().to_owned()
    }

    fn issue(&self, owner: TokenOwner, kind: TokenKind) -> String {
        let state = &self.handle.state;
        state
            .tokens
            .issue(&owner, kind, state.clock.now(), 7200, None)
            .value
    }

    /// The Location of a page that must redirect.
    async fn location(&self, path: &str) -> String {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        if response.status() != 302 {
            panic!("GET {path}: {}", response.text().await.unwrap());
        }
        response.headers()["location"].to_str().unwrap().to_owned()
    }

    async fn page(&self, path: &str) -> String {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }
}

fn enc(text: &str) -> String {
    wxgate_sim::identity::redirect::encode(text)
}

fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_owned)
}

#[tokio::test]
async fn wecom_oauth_member_ticket_detail_single_use_and_expiry() {
    let sim = Sim::start().await;
    let ids = userids();
    let token = sim.wecom_token("acme-secret").await;
    let code = sim
        .code(json!({"kind":"wecom_oauth","app":"acme-app","user":ids[1],"scope":"snsapi_privateinfo"}))
        .await;
    let info = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={token}&code={code}"
        ))
        .await;
    assert_eq!(info["errcode"], 0, "{info}");
    assert_eq!(info["userid"], ids[1].as_str());
    let ticket = info["user_ticket"].as_str().unwrap().to_owned();
    let keys: Vec<&String> = info.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{info}");
    // Single use: WeCom answers 40029 again.
    let again = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={token}&code={code}"
        ))
        .await;
    assert_eq!(errcode(&again), 40029);
    // Detail from the directory record.
    let detail = sim
        .post(
            &format!("/cgi-bin/auth/getuserdetail?access_token={token}"),
            json!({ "user_ticket": ticket }),
        )
        .await;
    let state = &sim.handle.state;
    let dir = state.directories.get(CORP).unwrap();
    let member = dir.read().unwrap().member(&ids[1]).unwrap().clone();
    assert_eq!(detail["errcode"], 0, "{detail}");
    assert_eq!(detail["gender"], member.gender.as_str());
    assert!(detail["gender"].is_string());
    assert_eq!(detail["mobile"], member.mobile.as_str());
    assert_eq!(detail["email"], member.email.as_str());
    assert_eq!(detail["biz_mail"], member.biz_mail.as_str());
    assert_eq!(detail["avatar"], member.avatar.as_str());
    assert_eq!(detail["qr_code"], member.qr_code.as_str());
    // The ticket expires after 1800 s.
    sim.post("/sim/clock/advance", json!({"secs": 1800})).await;
    let token = sim.wecom_token("acme-secret").await;
    let late = sim
        .post(
            &format!("/cgi-bin/auth/getuserdetail?access_token={token}"),
            json!({ "user_ticket": ticket }),
        )
        .await;
    assert_eq!(errcode(&late), 40058);
    // An unused code expires after 5 minutes.
    let code = sim
        .code(json!({"kind":"wecom_oauth","app":CORP,"user":ids[1]}))
        .await;
    sim.post("/sim/clock/advance", json!({"secs": 300})).await;
    let expired = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={token}&code={code}"
        ))
        .await;
    assert_eq!(errcode(&expired), 40029);
    // Base scope: no ticket.
    let code = sim
        .code(json!({"kind":"wecom_oauth","app":CORP,"user":ids[2]}))
        .await;
    let base = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={token}&code={code}"
        ))
        .await;
    assert_eq!(base["userid"], ids[2].as_str());
    assert!(base.get("user_ticket").is_none());
    let listed = sim.get("/sim/identity/codes").await;
    assert!(listed["codes"].as_array().unwrap().len() >= 3);
    assert_eq!(listed["codes"][0]["used"], true);
}

#[tokio::test]
async fn wecom_non_member_invisible_member_and_legacy_keys() {
    let sim = Sim::start().await;
    let ids = userids();
    let narrow = sim.wecom_token("narrow-secret").await;
    // Outside the visible range: the userid, no user_ticket.
    let code = sim
        .code(json!({"kind":"wecom_oauth","app":"narrow-app","user":ids[5],"scope":"snsapi_privateinfo"}))
        .await;
    let info = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={narrow}&code={code}"
        ))
        .await;
    assert_eq!(info["userid"], ids[5].as_str());
    assert!(info.get("user_ticket").is_none(), "{info}");
    // Inside: a ticket.
    let code = sim
        .code(json!({"kind":"wecom_oauth","app":"narrow-app","user":ids[0],"scope":"snsapi_privateinfo"}))
        .await;
    let info = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={narrow}&code={code}"
        ))
        .await;
    assert!(info["user_ticket"].is_string(), "{info}");
    // Non-member.
    let code = sim
        .code(json!({"kind":"wecom_oauth","app":CORP,"user":"alice","non_member":true}))
        .await;
    let info = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={narrow}&code={code}"
        ))
        .await;
    assert_eq!(info["errcode"], 0);
    assert!(info["openid"].as_str().unwrap().starts_with('o'));
    assert!(info["external_userid"].as_str().unwrap().starts_with("wm"));
    assert!(info.get("userid").is_none());
    // Legacy capitalised keys.
    let code = sim
        .code(json!({"kind":"wecom_oauth","app":"narrow-app","user":ids[0],"scope":"snsapi_privateinfo"}))
        .await;
    let legacy = sim
        .get(&format!(
            "/cgi-bin/user/getuserinfo?access_token={narrow}&code={code}"
        ))
        .await;
    assert_eq!(legacy["UserId"], ids[0].as_str());
    assert!(legacy["DeviceId"].is_string());
    assert!(legacy["user_ticket"].is_string());
    assert_eq!(legacy["expires_in"], 1800);
    assert!(legacy.get("userid").is_none());
    let code = sim
        .code(json!({"kind":"wecom_oauth","app":CORP,"user":"bob","non_member":true}))
        .await;
    let legacy = sim
        .get(&format!(
            "/cgi-bin/user/getuserinfo?access_token={narrow}&code={code}"
        ))
        .await;
    assert!(legacy["OpenId"].is_string() && legacy["DeviceId"].is_string());
    // Unknown code, missing token.
    let bad = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={narrow}&code=nope"
        ))
        .await;
    assert_eq!(errcode(&bad), 40029);
    let bad = sim.get("/cgi-bin/auth/getuserinfo?code=nope").await;
    assert_eq!(errcode(&bad), 41001);
    // Unknown user through the control API: 400.
    let response = sim
        .http
        .post(sim.url("/sim/identity/codes"))
        .json(&json!({"kind":"wecom_oauth","app":CORP,"user":"nobody"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn disabled_member_refused_on_page_but_control_code_works() {
    let sim = Sim::start().await;
    let ids = userids();
    {
        let dir = sim.handle.state.directories.get(CORP).unwrap();
        dir.write()
            .unwrap()
            .update_user(
                &ids[3],
                MemberUpdate {
                    enable: Some(0),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    let redirect = enc("https://app.example.com/cb");
    let html = sim
        .page(&format!(
            "/connect/oauth2/authorize?appid={CORP}&redirect_uri={redirect}&response_type=code&scope=snsapi_base&state=s&sim_user={}",
            ids[3]
        ))
        .await;
    assert!(html.contains("not an active member"), "{html}");
    let code = sim
        .code(json!({"kind":"wecom_oauth","app":CORP,"user":ids[3]}))
        .await;
    let token = sim.wecom_token("acme-secret").await;
    let info = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={token}&code={code}"
        ))
        .await;
    assert_eq!(info["userid"], ids[3].as_str());
}

#[tokio::test]
async fn wecom_pages_redirect_deny_and_trusted_domains() {
    let sim = Sim::start().await;
    let ids = userids();
    let redirect = enc("https://app.example.com/cb?x=1#wechat_redirect");
    let base = format!(
        "/connect/oauth2/authorize?appid={CORP}&redirect_uri={redirect}&response_type=code&scope=snsapi_privateinfo&agentid=1000002&state=st%201"
    );
    // The chooser lists members.
    let html = sim.page(&base).await;
    assert!(
        html.contains(&ids[0]) && html.contains("sim_user"),
        "{html}"
    );
    // Preselected user: 302 with code and state, existing query kept, fragment dropped.
    let location = sim.location(&format!("{base}&sim_user={}", ids[0])).await;
    assert!(
        location.starts_with("https://app.example.com/cb?x=1&code="),
        "{location}"
    );
    assert!(location.ends_with("&state=st%201"), "{location}");
    assert!(!location.contains('#'));
    let code = query_value(&location, "code").unwrap();
    let token = sim.wecom_token("acme-secret").await;
    let info = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={token}&code={code}"
        ))
        .await;
    assert_eq!(info["userid"], ids[0].as_str());
    assert!(info["user_ticket"].is_string());
    // A non-member chosen on the page.
    let location = sim.location(&format!("{base}&sim_nonmember=alice")).await;
    let code = query_value(&location, "code").unwrap();
    let info = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={token}&code={code}"
        ))
        .await;
    assert!(info["external_userid"].is_string(), "{info}");
    // Deny: no code.
    let location = sim.location(&format!("{base}&sim_deny=1")).await;
    assert_eq!(location, "https://app.example.com/cb?x=1&state=st%201");
    // Untrusted domain: 50001 page.
    let evil = enc("https://evil.example.org/cb");
    let html = sim
        .page(&format!(
            "/connect/oauth2/authorize?appid={CORP}&redirect_uri={evil}&response_type=code&scope=snsapi_base&agentid=1000002&state=s"
        ))
        .await;
    assert!(html.contains("50001") && html.contains("redirect_uri 与配置的授权完成回调域名不一致"));
    // privateinfo without agentid, unknown appid, unencoded redirect_uri.
    let html = sim
        .page(&format!(
            "/connect/oauth2/authorize?appid={CORP}&redirect_uri={redirect}&response_type=code&scope=snsapi_privateinfo&state=s"
        ))
        .await;
    assert!(html.contains("agentid is required"), "{html}");
    let html = sim
        .page(&format!(
            "/connect/oauth2/authorize?appid=wwnobody&redirect_uri={redirect}&response_type=code&scope=snsapi_base"
        ))
        .await;
    assert!(html.contains("10016"), "{html}");
    let html = sim
        .page(&format!(
            "/connect/oauth2/authorize?appid={CORP}&redirect_uri=https://app.example.com/cb&response_type=code&scope=snsapi_base"
        ))
        .await;
    assert!(html.contains("URL-encoded"), "{html}");
    // Web login (CorpApp).
    let location = sim
        .location(&format!(
            "/wwlogin/sso/login?login_type=CorpApp&appid={CORP}&agentid=1000002&redirect_uri={redirect}&state=w&sim_user={}",
            ids[2]
        ))
        .await;
    let code = query_value(&location, "code").unwrap();
    let info = sim
        .get(&format!(
            "/cgi-bin/auth/getuserinfo?access_token={token}&code={code}"
        ))
        .await;
    assert_eq!(info["userid"], ids[2].as_str());
    assert!(info.get("user_ticket").is_none());
    let html = sim
        .page(&format!(
            "/wwlogin/sso/login?login_type=CorpApp&appid={CORP}&agentid=1000002&redirect_uri={evil}&state=w"
        ))
        .await;
    assert!(html.contains("50001"));
}

#[tokio::test]
async fn third_party_login_and_provider_login_info() {
    let sim = Sim::start().await;
    let ids = userids();
    let suite_token = sim.issue(
        TokenOwner::Suite {
            suite_id: SUITE.into(),
        },
        TokenKind::SuiteToken,
    );
    let provider_token = sim.issue(
        TokenOwner::Provider {
            corp_id: PROVIDER.into(),
        },
        TokenKind::ProviderToken,
    );
    let code = sim
        .code(json!({"kind":"wecom_3rd","app":SUITE,"user":ids[4],"scope":"snsapi_privateinfo"}))
        .await;
    let info = sim
        .get(&format!(
            "/cgi-bin/service/auth/getuserinfo3rd?suite_access_token={suite_token}&code={code}"
        ))
        .await;
    assert_eq!(info["errcode"], 0, "{info}");
    assert_eq!(info["corpid"], CORP);
    assert_eq!(info["userid"], ids[4].as_str());
    assert_eq!(info["expires_in"], 1800);
    assert!(info["open_userid"].as_str().unwrap().starts_with("wo"));
    let ticket = info["user_ticket"].as_str().unwrap();
    let again = sim
        .get(&format!(
            "/cgi-bin/service/auth/getuserinfo3rd?suite_access_token={suite_token}&code={code}"
        ))
        .await;
    assert_eq!(errcode(&again), 40029);
    let detail = sim
        .post(
            &format!("/cgi-bin/service/auth/getuserdetail3rd?suite_access_token={suite_token}"),
            json!({ "user_ticket": ticket }),
        )
        .await;
    assert_eq!(detail["corpid"], CORP);
    assert_eq!(detail["name"], ids[4].as_str());
    assert!(detail["gender"].is_string());
    // The same login through the third-party OAuth page (appid = suite id, no agentid).
    let redirect = enc("https://crm.example.com/cb");
    let base = format!(
        "/connect/oauth2/authorize?appid={SUITE}&redirect_uri={redirect}&response_type=code&scope=snsapi_privateinfo&state=t"
    );
    let html = sim.page(&base).await;
    assert!(
        html.contains(&ids[0]) && html.contains("sim_user"),
        "{html}"
    );
    let location = sim.location(&format!("{base}&sim_user={}", ids[4])).await;
    let code = query_value(&location, "code").unwrap();
    let info = sim
        .get(&format!(
            "/cgi-bin/service/auth/getuserinfo3rd?suite_access_token={suite_token}&code={code}"
        ))
        .await;
    assert_eq!(info["userid"], ids[4].as_str(), "{info}");
    assert!(info["user_ticket"].is_string());
    let html = sim
        .page(&format!(
            "/connect/oauth2/authorize?appid={SUITE}&redirect_uri={redirect}&response_type=code&scope=snsapi_userinfo&state=t"
        ))
        .await;
    assert!(html.contains("10005"), "{html}");
    // Non-member.
    let code = sim
        .code(json!({"kind":"wecom_3rd","app":SUITE,"corp":CORP,"user":"carol","non_member":true}))
        .await;
    let info = sim
        .get(&format!(
            "/cgi-bin/service/auth/getuserinfo3rd?suite_access_token={suite_token}&code={code}"
        ))
        .await;
    assert!(info["openid"].is_string() && info.get("userid").is_none());
    // A corp app token is not a suite token.
    let token = sim.wecom_token("acme-secret").await;
    let bad = sim
        .get(&format!(
            "/cgi-bin/service/auth/getuserinfo3rd?suite_access_token={token}&code=x"
        ))
        .await;
    assert_eq!(errcode(&bad), 40082);
    // ServiceApp web login through the page → get_login_info.
    let redirect = enc("https://provider.example.com/login");
    let location = sim
        .location(&format!(
            "/wwlogin/sso/login?login_type=ServiceApp&appid={PROVIDER}&redirect_uri={redirect}&state=p&sim_user={}",
            ids[6]
        ))
        .await;
    let auth_code = query_value(&location, "code").unwrap();
    let login = sim
        .post(
            &format!("/cgi-bin/service/get_login_info?access_token={provider_token}"),
            json!({ "auth_code": auth_code }),
        )
        .await;
    assert!(login.get("errcode").is_none(), "{login}");
    assert_eq!(login["usertype"], 5);
    assert_eq!(login["user_info"]["userid"], ids[6].as_str());
    assert!(login["user_info"]["open_userid"].is_string());
    assert!(login["user_info"]["name"].is_string());
    assert!(login["user_info"]["avatar"].is_string());
    assert_eq!(login["corp_info"]["corpid"], CORP);
    assert!(login["agent"].is_array());
    assert!(login["auth_info"]["department"].is_array());
    let again = sim
        .post(
            &format!("/cgi-bin/service/get_login_info?access_token={provider_token}"),
            json!({ "auth_code": auth_code }),
        )
        .await;
    assert_eq!(errcode(&again), 40029);
    // ServiceApp web login with the suite id → getuserinfo3rd (no user_ticket for web login).
    let location = sim
        .location(&format!(
            "/wwlogin/sso/login?login_type=ServiceApp&appid={SUITE}&redirect_uri={redirect}&state=p&sim_corp={CORP}&sim_user={}",
            ids[8]
        ))
        .await;
    let code = query_value(&location, "code").unwrap();
    let info = sim
        .get(&format!(
            "/cgi-bin/service/auth/getuserinfo3rd?suite_access_token={suite_token}&code={code}"
        ))
        .await;
    assert_eq!(info["userid"], ids[8].as_str());
    assert!(info.get("user_ticket").is_none(), "{info}");
    // Service mini program.
    let code = sim
        .code(json!({"kind":"wecom_mini","app":SUITE,"user":ids[7]}))
        .await;
    let session = sim
        .get(&format!(
            "/cgi-bin/service/miniprogram/jscode2session?suite_access_token={suite_token}&js_code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(session["errcode"], 0, "{session}");
    assert_eq!(session["corpid"], CORP);
    assert_eq!(session["userid"], ids[7].as_str());
    assert!(session["open_userid"].is_string() && session["session_key"].is_string());
}

#[tokio::test]
async fn wecom_mini_program_jscode2session() {
    let sim = Sim::start().await;
    let ids = userids();
    let mini_token = sim.wecom_token("acme-mini-secret").await;
    let code = sim
        .code(json!({"kind":"wecom_mini","app":LINKED_MINI,"user":ids[0]}))
        .await;
    let session = sim
        .get(&format!(
            "/cgi-bin/miniprogram/jscode2session?access_token={mini_token}&js_code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(session["errcode"], 0, "{session}");
    assert_eq!(session["corpid"], CORP);
    assert_eq!(session["userid"], ids[0].as_str());
    let session_key = session["session_key"].as_str().unwrap().to_owned();
    let again = sim
        .get(&format!(
            "/cgi-bin/miniprogram/jscode2session?access_token={mini_token}&js_code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(errcode(&again), 40029);
    // Outside the mini program app's visible range: 60011.
    let code = sim
        .code(json!({"kind":"wecom_mini","app":"acme-mini","user":ids[1]}))
        .await;
    let outside = sim
        .get(&format!(
            "/cgi-bin/miniprogram/jscode2session?access_token={mini_token}&js_code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(errcode(&outside), 60011);
    // Another app's token may not call it.
    let token = sim.wecom_token("acme-secret").await;
    let code = sim
        .code(json!({"kind":"wecom_mini","app":LINKED_MINI,"user":ids[0]}))
        .await;
    let forbidden = sim
        .get(&format!(
            "/cgi-bin/miniprogram/jscode2session?access_token={token}&js_code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(errcode(&forbidden), 48002);
    // Open data under the WeCom session_key.
    let data = sim
        .post(
            "/sim/identity/open-data",
            json!({"app": LINKED_MINI, "person": ids[0], "kind": "phone"}),
        )
        .await;
    let plain = decrypt_user_data(
        &session_key,
        data["iv"].as_str().unwrap(),
        data["encryptedData"].as_str().unwrap(),
        Some(LINKED_MINI),
    )
    .unwrap();
    assert_eq!(plain["countryCode"], "86");
}

#[tokio::test]
async fn wechat_oauth_tokens_userinfo_unionid_and_errors() {
    let sim = Sim::start().await;
    let redirect = enc("https://oa.example.com/oauth?from=menu");
    let base = format!(
        "/connect/oauth2/authorize?appid={OA}&redirect_uri={redirect}&response_type=code&scope=snsapi_userinfo&state=abc"
    );
    let html = sim.page(&base).await;
    assert!(html.contains("alice") && html.contains("sim_person"));
    let location = sim.location(&format!("{base}&sim_person=alice")).await;
    assert!(location.starts_with("https://oa.example.com/oauth?from=menu&code="));
    let code = query_value(&location, "code").unwrap();
    let exchange = format!(
        "/sns/oauth2/access_token?appid={OA}&secret=oa-secret&code={code}&grant_type=authorization_code"
    );
    let tokens = sim.get(&exchange).await;
    assert!(tokens.get("errcode").is_none(), "{tokens}");
    assert_eq!(tokens["expires_in"], 7200);
    assert_eq!(tokens["scope"], "snsapi_userinfo");
    assert!(tokens.get("is_snapshotuser").is_none());
    let openid = tokens["openid"].as_str().unwrap().to_owned();
    let unionid = tokens["unionid"].as_str().unwrap().to_owned();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    // Single use: 40163.
    assert_eq!(errcode(&sim.get(&exchange).await), 40163);
    // Userinfo: sex is a number, unionid as the token's.
    let info = sim
        .get(&format!(
            "/sns/userinfo?access_token={access}&openid={openid}&lang=zh_CN"
        ))
        .await;
    assert_eq!(info["openid"], openid.as_str());
    assert!(info["sex"].is_u64(), "{info}");
    assert!(info["nickname"].is_string() && info["headimgurl"].is_string());
    assert_eq!(info["unionid"], unionid.as_str());
    let auth = sim
        .get(&format!("/sns/auth?access_token={access}&openid={openid}"))
        .await;
    assert_eq!(auth, json!({"errcode":0,"errmsg":"ok"}));
    let wrong = sim
        .get(&format!("/sns/auth?access_token={access}&openid=oNOBODY"))
        .await;
    assert_eq!(errcode(&wrong), 40003);
    // Refresh.
    let refreshed = sim
        .get(&format!(
            "/sns/oauth2/refresh_token?appid={OA}&grant_type=refresh_token&refresh_token={refresh}"
        ))
        .await;
    assert_eq!(refreshed["openid"], openid.as_str());
    assert_eq!(refreshed["refresh_token"], refresh.as_str());
    assert_ne!(refreshed["access_token"], access.as_str());
    let bad = sim
        .get(&format!(
            "/sns/oauth2/refresh_token?appid={OA}&grant_type=refresh_token&refresh_token=nope"
        ))
        .await;
    assert_eq!(errcode(&bad), 40030);
    // The access token expires after 7200 s.
    sim.post("/sim/clock/advance", json!({"secs": 7200})).await;
    let expired = sim
        .get(&format!("/sns/auth?access_token={access}&openid={openid}"))
        .await;
    assert_eq!(errcode(&expired), 42001);
    // snsapi_base: no userinfo (48001); another OA: another openid and no unionid.
    let code = sim
        .code(json!({"kind":"wechat_oauth","app":"oa2","user":"alice"}))
        .await;
    let tokens2 = sim
        .get(&format!(
            "/sns/oauth2/access_token?appid={OA2}&secret=oa2-secret&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_ne!(tokens2["openid"], openid.as_str());
    assert!(tokens2.get("unionid").is_none());
    // snsapi_base on the bound OA: the openid, but no unionid (only snsapi_userinfo has one).
    let code = sim
        .code(json!({"kind":"wechat_oauth","app":OA,"user":"alice"}))
        .await;
    let silent = sim
        .get(&format!(
            "/sns/oauth2/access_token?appid={OA}&secret=oa-secret&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(silent["openid"], openid.as_str());
    assert!(silent.get("unionid").is_none(), "{silent}");
    assert_eq!(tokens2["scope"], "snsapi_base");
    let denied = sim
        .get(&format!(
            "/sns/userinfo?access_token={}&openid={}",
            tokens2["access_token"].as_str().unwrap(),
            tokens2["openid"].as_str().unwrap()
        ))
        .await;
    assert_eq!(errcode(&denied), 48001);
    // Code expiry after 10 minutes, wrong secret, unknown appid, code of another app.
    let code = sim
        .code(json!({"kind":"wechat_oauth","app":OA,"user":"bob"}))
        .await;
    let wrong_secret = sim
        .get(&format!(
            "/sns/oauth2/access_token?appid={OA}&secret=nope&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(errcode(&wrong_secret), 40125);
    let unknown = sim
        .get(&format!(
            "/sns/oauth2/access_token?appid=wxnobody&secret=x&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(errcode(&unknown), 40013);
    let other_app = sim
        .get(&format!(
            "/sns/oauth2/access_token?appid={OA2}&secret=oa2-secret&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(errcode(&other_app), 40029);
    sim.post("/sim/clock/advance", json!({"secs": 600})).await;
    let late = sim
        .get(&format!(
            "/sns/oauth2/access_token?appid={OA}&secret=oa-secret&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(errcode(&late), 40029);
    // Untrusted domain on the WeChat page, and deny.
    let evil = enc("https://evil.example.org/x");
    let html = sim
        .page(&format!(
            "/connect/oauth2/authorize?appid={OA}&redirect_uri={evil}&response_type=code&scope=snsapi_base&state=s"
        ))
        .await;
    assert!(html.contains("10003"), "{html}");
    let location = sim.location(&format!("{base}&sim_deny=1")).await;
    assert_eq!(location, "https://oa.example.com/oauth?from=menu&state=abc");
}

#[tokio::test]
async fn website_qr_login_shares_the_unionid() {
    let sim = Sim::start().await;
    let redirect = enc("https://www.example.com/login/callback");
    let location = sim
        .location(&format!(
            "/connect/qrconnect?appid={WEB}&redirect_uri={redirect}&response_type=code&scope=snsapi_login&state=q&sim_person=dave"
        ))
        .await;
    let code = query_value(&location, "code").unwrap();
    let web = sim
        .get(&format!(
            "/sns/oauth2/access_token?appid={WEB}&secret=web-secret&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(web["scope"], "snsapi_login");
    let info = sim
        .get(&format!(
            "/sns/userinfo?access_token={}&openid={}",
            web["access_token"].as_str().unwrap(),
            web["openid"].as_str().unwrap()
        ))
        .await;
    assert!(info["nickname"].as_str().unwrap().ends_with("-dave"));
    let code = sim
        .code(json!({"kind":"wechat_oauth","app":OA,"user":"dave","scope":"snsapi_userinfo"}))
        .await;
    let oa = sim
        .get(&format!(
            "/sns/oauth2/access_token?appid={OA}&secret=oa-secret&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_ne!(web["openid"], oa["openid"]);
    assert_eq!(web["unionid"], oa["unionid"]);
    // Wrong scope and untrusted host.
    let html = sim
        .page(&format!(
            "/connect/qrconnect?appid={WEB}&redirect_uri={redirect}&response_type=code&scope=snsapi_base&state=q"
        ))
        .await;
    assert!(html.contains("10005"));
    let html = sim
        .page(&format!(
            "/connect/qrconnect?appid={WEB}&redirect_uri={}&response_type=code&scope=snsapi_login",
            enc("https://oa.example.com/x")
        ))
        .await;
    assert!(html.contains("10003"));
    let location = sim
        .location(&format!(
            "/connect/qrconnect?appid={WEB}&redirect_uri={redirect}&response_type=code&scope=snsapi_login&state=q&sim_deny=1"
        ))
        .await;
    assert!(!location.contains("code="));
}

#[tokio::test]
async fn mini_program_login_and_open_data() {
    let sim = Sim::start().await;
    let code = sim
        .code(json!({"kind":"mini","app":"mini","user":"erin"}))
        .await;
    let url = format!(
        "/sns/jscode2session?appid={MINI}&secret=mini-secret&js_code={code}&grant_type=authorization_code"
    );
    let session = sim.get(&url).await;
    assert!(session.get("errcode").is_none(), "{session}");
    let session_key = session["session_key"].as_str().unwrap().to_owned();
    assert_eq!(session_key.len(), 24);
    let openid = session["openid"].as_str().unwrap().to_owned();
    assert_eq!(errcode(&sim.get(&url).await), 40163);
    // Same person on the OA (same open platform): same unionid, other openid.
    let code = sim
        .code(json!({"kind":"wechat_oauth","app":OA,"user":"erin","scope":"snsapi_userinfo"}))
        .await;
    let oa = sim
        .get(&format!(
            "/sns/oauth2/access_token?appid={OA}&secret=oa-secret&code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(oa["unionid"], session["unionid"]);
    assert_ne!(oa["openid"], openid.as_str());
    // Open data decrypts with the session_key and carries the watermark.
    let data = sim
        .post(
            "/sim/identity/open-data",
            json!({"app": "mini", "person": "erin", "kind": "userinfo"}),
        )
        .await;
    let raw = data["rawData"].as_str().unwrap();
    assert_eq!(
        raw_data_signature(raw, &session_key).to_hex(),
        data["signature"].as_str().unwrap()
    );
    let plain = decrypt_user_data(
        &session_key,
        data["iv"].as_str().unwrap(),
        data["encryptedData"].as_str().unwrap(),
        Some(MINI),
    )
    .unwrap();
    assert_eq!(plain["openId"], openid.as_str());
    assert_eq!(plain["unionId"], session["unionid"]);
    let phone = sim
        .post(
            "/sim/identity/open-data",
            json!({"app": MINI, "person": "erin", "kind": "phone"}),
        )
        .await;
    let plain = decrypt_user_data(
        &session_key,
        phone["iv"].as_str().unwrap(),
        phone["encryptedData"].as_str().unwrap(),
        Some(MINI),
    )
    .unwrap();
    assert!(plain["phoneNumber"].as_str().unwrap().starts_with("138"));
    // A new login replaces the session_key; the old one no longer decrypts new data.
    let code = sim
        .code(json!({"kind":"mini","app":MINI,"user":"erin"}))
        .await;
    let second = sim
        .get(&format!(
            "/sns/jscode2session?appid={MINI}&secret=mini-secret&js_code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_ne!(second["session_key"], session_key.as_str());
    // Errors: wrong secret, no session_key for a stranger, an OA code on jscode2session.
    let code = sim
        .code(json!({"kind":"mini","app":MINI,"user":"erin"}))
        .await;
    let wrong = sim
        .get(&format!(
            "/sns/jscode2session?appid={MINI}&secret=x&js_code={code}&grant_type=authorization_code"
        ))
        .await;
    assert_eq!(errcode(&wrong), 40125);
    let response = sim
        .http
        .post(sim.url("/sim/identity/open-data"))
        .json(&json!({"app": MINI, "person": "stranger"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = sim
        .http
        .post(sim.url("/sim/identity/codes"))
        .json(&json!({"kind":"mini","app":OA,"user":"erin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}
