//! WeCom browser logins end to end against the simulator, on SQLite and PostgreSQL: in-app
//! OAuth (`snsapi_base`, and `snsapi_privateinfo` with consented mobile and email from
//! `getuserdetail`), web login (`CorpApp`), a member outside the app's visible range, a disabled
//! member, visitors who are not members (refused, or guests), and the third-party suite: in-app
//! OAuth before and after the corp installs it, and the provider's web login (`ServiceApp`).

mod common;
mod login_common;

gateway_on_both_backends!(
    wecom_oauth_base_and_privateinfo,
    wecom_web_login_on_the_desktop,
    invisible_and_disabled_members_are_refused,
    non_members_refused_or_guests,
    third_party_oauth_and_provider_web_login,
);

mod cases {
    use std::sync::Arc;

    use reqwest::StatusCode;
    use serde_json::{Value, json};

    use crate::common::TestDb;
    use crate::login_common::{CORP, DESKTOP_UA, Env, PROVIDER, SUITE_ID, WECOM_UA, query_value};

    fn identity_keys(me: &Value) -> Vec<String> {
        let mut keys: Vec<String> = me["identities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                format!(
                    "{}:{}:{}",
                    i["kind"].as_str().unwrap(),
                    i["scope"].as_str().unwrap(),
                    i["subject"].as_str().unwrap()
                )
            })
            .collect();
        keys.sort();
        keys
    }

    pub async fn wecom_oauth_base_and_privateinfo(db: Arc<TestDb>) {
        let env = Env::start(db).await;
        // snsapi_base through [login] wecom = acme-oa: the directory gives the profile.
        let phone = env.browser(WECOM_UA);
        let platform = phone.start("/login?return_to=%2Fapp").await;
        assert!(platform.contains(&format!("/connect/oauth2/authorize?appid={CORP}&redirect_uri=http%3A%2F%2Fwx.example.test%2Flogin%2Fcallback%2Fwecom_oauth%2Facme-oa&response_type=code&scope=snsapi_base&state=")), "{platform}");
        assert!(
            platform.ends_with("&agentid=1000002#wechat_redirect"),
            "{platform}"
        );
        let done = phone.login_from(&platform, "sim_user=u-li").await;
        assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
        assert_eq!(done.location(), "/app");
        let (_, me) = phone.me().await;
        assert_eq!(identity_keys(&me), vec![format!("wecom_user:{CORP}:u-li")]);
        assert_eq!(me["user"]["name"], "李四");
        assert_eq!(me["session"]["method"], "wecom_oauth:acme-oa");

        // snsapi_privateinfo on acme-hr (created after the 2022 privacy rules: user/get has no
        // mobile or email): the member consents and getuserdetail brings them.
        let phone = env.browser(WECOM_UA);
        let platform = phone.start("/login?provider=wecom:acme-hr").await;
        assert!(
            platform.contains("&scope=snsapi_privateinfo&"),
            "{platform}"
        );
        assert!(platform.contains("&agentid=1000003"));
        let done = phone.login_from(&platform, "sim_user=u-zhang").await;
        assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
        let (_, me) = phone.me().await;
        assert_eq!(
            identity_keys(&me),
            vec![format!("wecom_user:{CORP}:u-zhang")]
        );
        assert_eq!(me["user"]["phone_number"], "13800000001");
        assert_eq!(me["user"]["email"], "u-zhang@acme.test");
        assert_eq!(me["user"]["picture"], "https://wework.qpic.cn/u-zhang/0");
        assert_eq!(me["user"]["name"], "张三");
        let profile = &me["identities"][0]["profile"];
        assert_eq!(profile["mobile"], "13800000001", "{profile}");
        assert_eq!(profile["gender"], "male");

        // The same member through the other app: the same identity, the same user.
        let other = env.browser(WECOM_UA);
        let done = other
            .login("/login?provider=wecom:acme-oa", "sim_user=u-zhang")
            .await;
        assert_eq!(done.status, StatusCode::FOUND);
        let (_, again) = other.me().await;
        assert_eq!(again["user"]["id"], me["user"]["id"]);
        let types: Vec<String> = env
            .event_types()
            .await
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(types.iter().filter(|t| *t == "user.created").count(), 2);
        assert_eq!(types.iter().filter(|t| *t == "user.signed_in").count(), 3);
        env.stop().await;
    }

    pub async fn wecom_web_login_on_the_desktop(db: Arc<TestDb>) {
        let env = Env::start(db).await;
        let desktop = env.browser(DESKTOP_UA);
        // [login] desktop is the website; provider=wecom picks WeCom web login with [login] wecom.
        let platform = desktop
            .start("/login?provider=wecom&return_to=%2Fhome")
            .await;
        assert!(platform.contains(&format!("/wwlogin/sso/login?login_type=CorpApp&appid={CORP}&agentid=1000002&redirect_uri=http%3A%2F%2Fwx.example.test%2Flogin%2Fcallback%2Fwecom_web%2Facme-oa&state=")), "{platform}");
        let done = desktop.login_from(&platform, "sim_user=u-wang").await;
        assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
        assert_eq!(done.location(), "/home");
        let (_, me) = desktop.me().await;
        assert_eq!(
            identity_keys(&me),
            vec![format!("wecom_user:{CORP}:u-wang")]
        );
        assert_eq!(me["session"]["method"], "wecom_web:acme-oa");
        // A corp name as the hint: the corp's login app.
        let desktop = env.browser(DESKTOP_UA);
        let platform = desktop.start("/login?provider=wecom:acme").await;
        assert!(
            platform.contains("/wwlogin/sso/login?login_type=CorpApp"),
            "{platform}"
        );
        assert!(platform.contains("callback%2Fwecom_web%2Facme-oa"));
        env.stop().await;
    }

    pub async fn invisible_and_disabled_members_are_refused(db: Arc<TestDb>) {
        let env = Env::start(db).await;
        // acme-hr's visible range is u-zhang and u-wang: u-li gets a clear page, not a 500.
        let phone = env.browser(WECOM_UA);
        let page = phone
            .login("/login?provider=wecom:acme-hr", "sim_user=u-li")
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
        assert_eq!(page.error_code(), "not_visible");
        assert!(page.body.contains("visible range"), "{}", page.body);
        assert!(page.body.contains("id=\"start-over\""));
        assert_eq!(phone.me().await.0, StatusCode::UNAUTHORIZED);
        // The same as JSON.
        let platform = phone.start("/login?provider=wecom:acme-hr").await;
        let callback = phone.pick(&platform, "sim_user=u-li").await;
        let page = phone
            .get_with(&callback, &[("accept", "application/json")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let error = &page.json()["error"];
        assert_eq!(error["code"], "not_visible");
        assert!(error["hint"].as_str().unwrap().contains("visible range"));

        // A disabled member: WeCom's page refuses them; a code minted anyway (the control API
        // stands in for a stale or forged one) is refused by the gateway's member check.
        env.sim_control(
            reqwest::Method::PATCH,
            &format!("directory/{CORP}/users/u-wang"),
            json!({"enable": 0}),
        )
        .await;
        let platform = phone.start("/login?provider=wecom:acme-oa").await;
        let base = platform.split('#').next().unwrap().to_owned();
        let sim_page = phone.get(&format!("{base}&sim_user=u-wang")).await;
        assert!(
            sim_page.body.contains("not an active member"),
            "{}",
            sim_page.body
        );
        let state = query_value(&platform, "state").unwrap();
        let code = env
            .mint_code(json!({"kind": "wecom_oauth", "app": "acme-oa", "user": "u-wang"}))
            .await;
        let page = phone
            .get(&format!(
                "/login/callback/wecom_oauth/acme-oa?code={code}&state={state}"
            ))
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
        assert_eq!(page.error_code(), "member_disabled");
        assert!(page.body.contains("disabled"));
        assert_eq!(phone.me().await.0, StatusCode::UNAUTHORIZED);
        env.stop().await;
    }

    pub async fn non_members_refused_or_guests(db: Arc<TestDb>) {
        let env = Env::start(db).await;
        // acme-oa refuses non-members (the default).
        let phone = env.browser(WECOM_UA);
        let page = phone.login("/login", "sim_nonmember=alice").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
        assert_eq!(page.error_code(), "not_a_member");
        // acme-hr admits them as guests, keyed by the corp-scoped openid.
        let done = phone
            .login("/login?provider=wecom:acme-hr", "sim_nonmember=alice")
            .await;
        assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
        let (_, me) = phone.me().await;
        let keys = identity_keys(&me);
        assert_eq!(keys.len(), 1);
        assert!(
            keys[0].starts_with(&format!("wechat_openid:wecom:{CORP}:o")),
            "{keys:?}"
        );
        // The same visitor again: the same guest.
        let again = env.browser(WECOM_UA);
        again
            .login("/login?provider=wecom:acme-hr", "sim_nonmember=alice")
            .await;
        assert_eq!(again.me().await.1["user"]["id"], me["user"]["id"]);
        env.stop().await;
    }

    pub async fn third_party_oauth_and_provider_web_login(db: Arc<TestDb>) {
        let mut env = Env::start(db).await;
        env.pump("suite_ticket").await;
        // Before the corp installs the suite: refused with a reason.
        let phone = env.browser(WECOM_UA);
        let platform = phone.start("/login?provider=wecom:crm").await;
        assert!(platform.contains(&format!("/connect/oauth2/authorize?appid={SUITE_ID}&redirect_uri=http%3A%2F%2Fwx.example.test%2Flogin%2Fcallback%2Fwecom_3rd%2Fcrm&response_type=code&scope=snsapi_privateinfo&state=")), "{platform}");
        let page = phone
            .login_from(&platform, &format!("sim_user=u-zhang&sim_corp={CORP}"))
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
        assert_eq!(page.error_code(), "corp_not_authorised");

        // The corp installs it for u-zhang only.
        env.install_suite("u-zhang").await;
        let page = phone
            .login(
                "/login?provider=wecom:crm",
                &format!("sim_user=u-zhang&sim_corp={CORP}"),
            )
            .await;
        assert_eq!(page.status, StatusCode::FOUND, "{}", page.body);
        let (_, me) = phone.me().await;
        let keys = identity_keys(&me);
        assert_eq!(keys.len(), 2, "{keys:?}");
        assert!(
            keys[0].starts_with(&format!("wecom_open_user:{PROVIDER}:wo")),
            "{keys:?}"
        );
        assert_eq!(keys[1], format!("wecom_user:{CORP}:u-zhang"));
        assert_eq!(me["session"]["method"], "wecom_3rd:crm");
        // snsapi_privateinfo: getuserdetail3rd brought what the third-party view of the
        // directory hides.
        assert_eq!(me["user"]["picture"], "https://wework.qpic.cn/u-zhang/0");
        // A member outside the install's visible range.
        let other = env.browser(WECOM_UA);
        let page = other
            .login(
                "/login?provider=wecom:crm",
                &format!("sim_user=u-li&sim_corp={CORP}"),
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
        assert_eq!(page.error_code(), "not_visible");

        // The provider's web login on a desktop: the same open_userid, the same user.
        let desktop = env.browser(DESKTOP_UA);
        let platform = desktop.start("/login?provider=wecom:crm").await;
        assert!(platform.contains(&format!("/wwlogin/sso/login?login_type=ServiceApp&appid={PROVIDER}&redirect_uri=http%3A%2F%2Fwx.example.test%2Flogin%2Fcallback%2Fwecom_3rd_web%2Fcrm&state=")), "{platform}");
        let done = desktop
            .login_from(&platform, &format!("sim_user=u-zhang&sim_corp={CORP}"))
            .await;
        assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
        let (_, me2) = desktop.me().await;
        assert_eq!(me2["user"]["id"], me["user"]["id"]);
        assert_eq!(me2["session"]["method"], "wecom_3rd_web:crm");
        // And the corp's own app knows them by the same wecom_user identity.
        let own = env.browser(WECOM_UA);
        own.login("/login", "sim_user=u-zhang").await;
        assert_eq!(own.me().await.1["user"]["id"], me["user"]["id"]);
        env.stop().await;
    }
}
