//! `GET /login` itself, on SQLite and PostgreSQL: the User-Agent and `provider` hints pick the
//! flow and app, unconfigured or unknown apps are said so plainly, `return_to` admits only this
//! gateway and the configured origins, the login cookie is bound and hardened, and the login
//! endpoints are rate limited per client IP (429 + Retry-After).

mod common;
mod login_common;

gateway_on_both_backends!(
    user_agent_and_hints_pick_the_flow,
    unconfigured_and_unknown_apps_are_said_plainly,
    return_to_admits_only_known_places,
    login_endpoints_are_rate_limited,
);

mod cases {
    use std::sync::Arc;

    use reqwest::StatusCode;

    use crate::common::TestDb;
    use crate::login_common::{
        CORP, DESKTOP_UA, Env, OA, PROVIDER, SUITE_ID, WEB, WECHAT_UA, WECOM_UA,
    };

    pub async fn user_agent_and_hints_pick_the_flow(db: Arc<TestDb>) {
        let env = Env::start(db).await;
        let cases = [
            (
                WECOM_UA,
                "",
                format!("/connect/oauth2/authorize?appid={CORP}&"),
                "wecom_oauth%2Facme-oa",
            ),
            (
                WECHAT_UA,
                "",
                format!("/connect/oauth2/authorize?appid={OA}&"),
                "wechat_oauth%2Fnews",
            ),
            (
                DESKTOP_UA,
                "",
                format!("/connect/qrconnect?appid={WEB}&"),
                "wechat_qr%2Fportal",
            ),
            (
                DESKTOP_UA,
                "&provider=wecom",
                format!("/wwlogin/sso/login?login_type=CorpApp&appid={CORP}&agentid=1000002&"),
                "wecom_web%2Facme-oa",
            ),
            (
                WECOM_UA,
                "&provider=wecom:acme-hr",
                format!("/connect/oauth2/authorize?appid={CORP}&"),
                "wecom_oauth%2Facme-hr",
            ),
            (
                WECOM_UA,
                "&provider=wecom:acme",
                format!("/connect/oauth2/authorize?appid={CORP}&"),
                "wecom_oauth%2Facme-oa",
            ),
            (
                WECOM_UA,
                "&provider=wecom:crm",
                format!("/connect/oauth2/authorize?appid={SUITE_ID}&"),
                "wecom_3rd%2Fcrm",
            ),
            (
                DESKTOP_UA,
                "&provider=wecom:crm",
                format!("/wwlogin/sso/login?login_type=ServiceApp&appid={PROVIDER}&"),
                "wecom_3rd_web%2Fcrm",
            ),
            (
                WECHAT_UA,
                "&provider=wechat:portal",
                format!("/connect/qrconnect?appid={WEB}&"),
                "wechat_qr%2Fportal",
            ),
            (
                DESKTOP_UA,
                "&provider=wechat",
                format!("/connect/qrconnect?appid={WEB}&"),
                "wechat_qr%2Fportal",
            ),
            (
                DESKTOP_UA,
                "&provider=wechat:news",
                format!("/connect/oauth2/authorize?appid={OA}&"),
                "wechat_oauth%2Fnews",
            ),
        ];
        for (ua, hint, page, callback) in cases {
            let browser = env.browser(ua);
            let url = browser.start(&format!("/login?return_to=%2F{hint}")).await;
            assert!(
                url.starts_with(&format!("{}{page}", env.sim.base_url)),
                "{ua} {hint}: {url}"
            );
            assert!(url.contains(callback), "{ua} {hint}: {url}");
        }

        // The login cookie: one random nonce per browser, hardened, reused by a second tab.
        let browser = env.browser(DESKTOP_UA);
        let first = browser.get("/login").await;
        let cookie = first
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("wxgate_login="))
            .expect("login cookie");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/login", "Max-Age=600"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(!cookie.contains("Secure"), "public_url is http: {cookie}");
        assert_eq!(first.headers["cache-control"], "no-store");
        let second = browser.get("/login").await;
        let again = second
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("wxgate_login="))
            .unwrap();
        assert_eq!(
            cookie.split(';').next(),
            again.split(';').next(),
            "a second tab keeps the nonce"
        );
        let state = |p: &crate::login_common::Page| {
            crate::login_common::query_value(p.location(), "state").unwrap()
        };
        assert_ne!(state(&first), state(&second), "but gets its own state");

        // Hints that do not work.
        let browser = env.browser(WECOM_UA);
        for (hint, status, code) in [
            ("github", StatusCode::BAD_REQUEST, "invalid_provider"),
            ("wecom:Nope!", StatusCode::BAD_REQUEST, "invalid_provider"),
            ("wecom:nope", StatusCode::NOT_FOUND, "unknown_app"),
            (
                "wechat:acme-oa",
                StatusCode::BAD_REQUEST,
                "unsupported_provider",
            ),
            (
                "wecom:news",
                StatusCode::BAD_REQUEST,
                "unsupported_provider",
            ),
            (
                "wecom:acme-contacts",
                StatusCode::BAD_REQUEST,
                "unsupported_provider",
            ),
        ] {
            let page = browser.get(&format!("/login?provider={hint}")).await;
            assert_eq!(page.status, status, "{hint}: {}", page.body);
            assert_eq!(page.error_code(), code, "{hint}");
        }
        env.stop().await;
    }

    pub async fn unconfigured_and_unknown_apps_are_said_plainly(db: Arc<TestDb>) {
        let env = Env::with_login(db, "[login]\nwecom = \"acme-oa\"\n").await;
        let phone = env.browser(WECHAT_UA);
        let page = phone.get("/login").await;
        assert_eq!(page.status, StatusCode::NOT_IMPLEMENTED, "{}", page.body);
        assert_eq!(page.error_code(), "login_not_configured");
        assert!(page.body.contains("WeChat app"), "{}", page.body);
        assert!(page.body.contains("[login] wechat"), "{}", page.body);
        let page = phone
            .get_with("/login", &[("accept", "application/json")])
            .await;
        assert_eq!(page.status, StatusCode::NOT_IMPLEMENTED);
        assert_eq!(page.json()["error"]["code"], "login_not_configured");
        let desktop = env.browser(DESKTOP_UA);
        let page = desktop.get("/login?provider=wechat").await;
        assert_eq!(page.error_code(), "login_not_configured");
        // The WeCom browser still works.
        let wecom = env.browser(WECOM_UA);
        wecom.start("/login").await;
        // With no [login] at all, even WeCom says so.
        let env = env.restart_gateway("").await;
        let wecom = env.browser(WECOM_UA);
        let page = wecom.get("/login").await;
        assert_eq!(page.status, StatusCode::NOT_IMPLEMENTED);
        assert!(page.body.contains("[login] wecom"));
        // But an explicit hint needs no default.
        wecom.start("/login?provider=wecom:acme-oa").await;
        env.stop().await;
    }

    pub async fn return_to_admits_only_known_places(db: Arc<TestDb>) {
        let env = Env::start(db).await;
        let browser = env.browser(WECOM_UA);
        for bad in [
            "%2F%2Fevil.example%2Fx",
            "https%3A%2F%2Fevil.example%2F",
            "%2F%5Cevil.example",
            "javascript%3Aalert(1)",
            "https%3A%2F%2Fapp.example.test.evil.example%2F",
            "http%3A%2F%2Fapp.example.test%2F",
            "https%3A%2F%2Fuser%40app.example.test%2F",
        ] {
            let page = browser.get(&format!("/login?return_to={bad}")).await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}: {}", page.body);
            assert_eq!(page.error_code(), "invalid_return_to", "{bad}");
        }
        for good in [
            "%2Foauth2%2Fauthorize%3Fclient_id%3Da",
            "https%3A%2F%2Fapp.example.test%2Fx%3Fy%3D1",
            "http%3A%2F%2Fwx.example.test%2Fme",
        ] {
            browser.start(&format!("/login?return_to={good}")).await;
        }
        // An absolute return_to to an allowed origin survives the whole login.
        let done = browser
            .login(
                "/login?return_to=https%3A%2F%2Fapp.example.test%2Fx%3Fy%3D1",
                "sim_user=u-li",
            )
            .await;
        assert_eq!(done.location(), "https://app.example.test/x?y=1");
        env.stop().await;
    }

    pub async fn login_endpoints_are_rate_limited(db: Arc<TestDb>) {
        let env = Env::with_login(
            db,
            "[login]\nwecom = \"acme-oa\"\nrate_limit_per_minute = 1\nrate_limit_burst = 3\n",
        )
        .await;
        let browser = env.browser(WECOM_UA);
        for _ in 0..3 {
            browser.start("/login").await;
        }
        let page = browser.get("/login").await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
        assert_eq!(page.error_code(), "rate_limited");
        let retry: u64 = page.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        // Callbacks count too; /me does not.
        let page = browser
            .get_with(
                "/login/callback/wecom_oauth/acme-oa?code=x&state=y",
                &[("accept", "application/json")],
            )
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(page.json()["error"]["code"], "rate_limited");
        assert_eq!(browser.me().await.0, StatusCode::UNAUTHORIZED);
        env.stop().await;
    }
}
