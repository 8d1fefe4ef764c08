//! WeChat browser logins end to end, through real HTTP with cookies and hand-followed
//! redirects, against the simulator's pages and APIs, on SQLite and PostgreSQL: Official Account
//! OAuth (silent `snsapi_base`, then `snsapi_userinfo`), website QR login, a unionid merge across
//! the two, and every way a callback can be refused (declined consent, replayed callback, a used
//! code, another browser's state, a missing state, a state for another redirect URI).

mod common;
mod login_common;

gateway_on_both_backends!(
    oa_oauth_then_qr_then_consent_merges_one_person,
    callbacks_are_refused_clearly,
    me_and_logout,
);

mod cases {
    use std::sync::Arc;

    use reqwest::StatusCode;
    use serde_json::{Value, json};

    use crate::common::TestDb;
    use crate::login_common::{DESKTOP_UA, Env, LOGIN, OA, PUBLIC, WEB, WECHAT_UA, query_value};

    fn identities(me: &Value) -> Vec<(String, String)> {
        let mut ids: Vec<(String, String)> = me["identities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["kind"].as_str().unwrap().to_owned(),
                    i["scope"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        ids.sort();
        ids
    }

    pub async fn oa_oauth_then_qr_then_consent_merges_one_person(db: Arc<TestDb>) {
        let env = Env::start(db.clone()).await;

        // 1. In the WeChat browser, silently (snsapi_base): the openid only, no unionid.
        let phone = env.browser(WECHAT_UA);
        let platform = phone
            .start("/login?return_to=%2Foauth2%2Fauthorize%3Fclient_id%3Dshop%26state%3Dxyz")
            .await;
        assert!(platform.contains(&format!("/connect/oauth2/authorize?appid={OA}&redirect_uri=http%3A%2F%2Fwx.example.test%2Flogin%2Fcallback%2Fwechat_oauth%2Fnews&response_type=code&scope=snsapi_base&state=")), "{platform}");
        assert!(platform.ends_with("#wechat_redirect"));
        let callback = phone.pick(&platform, "sim_person=alice").await;
        assert_eq!(
            query_value(&callback, "state"),
            query_value(&platform, "state")
        );
        let done = phone.get(&callback).await;
        assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
        // The OIDC contract: back to the authorize URL, exactly.
        assert_eq!(
            done.location(),
            "/oauth2/authorize?client_id=shop&state=xyz"
        );
        let session_cookie = done
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("wxgate_session="))
            .expect("a session cookie");
        assert!(session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"));
        let (status, me) = phone.me().await;
        assert_eq!(status, StatusCode::OK, "{me}");
        let user_a = me["user"]["id"].as_str().unwrap().to_owned();
        assert_eq!(
            identities(&me),
            vec![("wechat_openid".to_owned(), OA.to_owned())]
        );
        assert_eq!(me["session"]["method"], "wechat_oauth:news");

        // 2. On a desktop, WeChat QR login: another openid, and the unionid → a second user.
        let mut desktop = env.browser(DESKTOP_UA);
        let platform = desktop
            .start("/login?return_to=https%3A%2F%2Fapp.example.test%2Fhome")
            .await;
        assert!(
            platform.contains(&format!("/connect/qrconnect?appid={WEB}&redirect_uri=")),
            "{platform}"
        );
        assert!(platform.contains("&scope=snsapi_login&"));
        let done = desktop.login_from(&platform, "sim_person=alice").await;
        assert_eq!(done.location(), "https://app.example.test/home");
        let (_, me) = desktop.me().await;
        let user_b = me["user"]["id"].as_str().unwrap().to_owned();
        assert_ne!(user_a, user_b, "nothing links the two yet");
        assert_eq!(
            identities(&me),
            vec![
                ("wechat_openid".to_owned(), WEB.to_owned()),
                ("wechat_unionid".to_owned(), "acme-open".to_owned())
            ]
        );
        assert!(me["user"]["name"].as_str().unwrap().ends_with("-alice"));

        // 3. The operator asks for consent in the official account: the unionid comes with the
        //    openid, meets the QR login's user, and the two users merge into the older one.
        let env = env
            .restart_gateway(&LOGIN.replace(
                "[login.apps.news]\nscope = \"snsapi_base\"",
                "[login.apps.news]\nscope = \"snsapi_userinfo\"",
            ))
            .await;
        let phone2 = env.browser(WECHAT_UA);
        let platform = phone2.start("/login").await;
        assert!(platform.contains("&scope=snsapi_userinfo&"), "{platform}");
        let done = phone2.login_from(&platform, "sim_person=alice").await;
        assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
        assert_eq!(done.location(), "/me", "default return_to");
        let (_, me) = phone2.me().await;
        assert_eq!(me["user"]["id"], json!(user_a), "the older user survives");
        assert_eq!(
            identities(&me),
            vec![
                ("wechat_openid".to_owned(), OA.to_owned()),
                ("wechat_openid".to_owned(), WEB.to_owned()),
                ("wechat_unionid".to_owned(), "acme-open".to_owned())
            ]
        );
        let events = env.event_types().await;
        let merged: Vec<&Value> = events
            .iter()
            .filter(|(t, _)| t == "user.merged")
            .map(|(_, d)| d)
            .collect();
        assert_eq!(merged.len(), 1, "{events:?}");
        assert_eq!(merged[0]["survivor"], json!(user_a));
        assert_eq!(merged[0]["merged"], json!(user_b));
        let signed_in = events.iter().filter(|(t, _)| t == "user.signed_in").count();
        assert_eq!(signed_in, 3);
        // The desktop's session followed its user into the survivor.
        desktop.gateway = env.gateway.base_url.clone();
        let (status, me) = desktop.me().await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["user"]["id"], json!(user_a));
        env.stop().await;
    }

    pub async fn callbacks_are_refused_clearly(db: Arc<TestDb>) {
        let env = Env::start(db).await;
        let phone = env.browser(WECHAT_UA);

        // Declined on the platform's page: no code.
        let platform = phone.start("/login?return_to=%2Fdone").await;
        let callback = phone.pick(&platform, "sim_deny=1").await;
        assert!(query_value(&callback, "code").is_none());
        let page = phone.get(&callback).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert_eq!(page.error_code(), "consent_declined");
        assert!(page.body.contains("href=\"/login?return_to=%2Fdone\""));

        // A complete login, then the same callback replayed: its state is used.
        let platform = phone.start("/login?return_to=%2Fdone").await;
        let callback = phone.pick(&platform, "sim_person=bob").await;
        let done = phone.get(&callback).await;
        assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
        let replay = phone.get(&callback).await;
        assert_eq!(replay.status, StatusCode::BAD_REQUEST);
        assert_eq!(replay.error_code(), "login_already_used");
        assert!(replay.body.contains("What to do:"));

        // That (used) code with a fresh state: the platform refuses it (40163), and says so.
        let code = query_value(&callback, "code").unwrap();
        let platform = phone.start("/login?return_to=%2Fdone").await;
        let state = query_value(&platform, "state").unwrap();
        let reused = phone
            .get(&format!(
                "/login/callback/wechat_oauth/news?code={code}&state={state}"
            ))
            .await;
        assert_eq!(reused.status, StatusCode::BAD_REQUEST);
        assert_eq!(reused.error_code(), "invalid_code");
        assert!(
            reused.body.contains("Platform error 40163"),
            "{}",
            reused.body
        );

        // A state issued to another browser (login CSRF): refused, and not burnt.
        let victim = env.browser(WECHAT_UA);
        let platform = phone.start("/login").await;
        let attacker_callback = phone.pick(&platform, "sim_person=mallory").await;
        let page = victim.get(&attacker_callback).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert_eq!(page.error_code(), "state_mismatch");
        let (status, _) = victim.me().await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "no session for the victim"
        );
        let page = phone.get(&attacker_callback).await;
        assert_eq!(
            page.status,
            StatusCode::FOUND,
            "its own browser can still finish"
        );

        // Missing or unknown state, and JSON when asked.
        let page = phone
            .get("/login/callback/wechat_oauth/news?code=abc")
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert_eq!(page.error_code(), "missing_state");
        let page = phone
            .get_with(
                "/login/callback/wechat_oauth/news?code=abc&state=0000",
                &[("accept", "application/json")],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert_eq!(page.json()["error"]["code"], "invalid_state");
        assert!(
            page.json()["error"]["hint"]
                .as_str()
                .unwrap()
                .contains("start the login again")
        );

        // A state presented at another redirect URI than the one it was issued for.
        let platform = phone.start("/login").await;
        let callback = phone.pick(&platform, "sim_person=carol").await;
        let elsewhere = callback.replace("/wechat_oauth/news?", "/wechat_qr/portal?");
        assert!(elsewhere.starts_with(&format!("{PUBLIC}/login/callback/wechat_qr/portal?")));
        let page = phone.get(&elsewhere).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert_eq!(page.error_code(), "invalid_state");
        // And an unknown flow.
        let page = phone
            .get("/login/callback/github/news?code=a&state=b")
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert_eq!(page.error_code(), "unknown_flow");
        env.stop().await;
    }

    pub async fn me_and_logout(db: Arc<TestDb>) {
        let env = Env::start(db).await;
        let phone = env.browser(WECHAT_UA);
        let (status, body) = phone.me().await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "not_signed_in");
        let done = phone.login("/login", "sim_person=dave").await;
        assert_eq!(done.status, StatusCode::FOUND);
        let (status, me) = phone.me().await;
        assert_eq!(status, StatusCode::OK);
        // Logging in again replaces the browser's session (the old one is revoked).
        let done = phone.login("/login", "sim_person=dave").await;
        assert_eq!(done.status, StatusCode::FOUND);
        let (_, me2) = phone.me().await;
        assert_eq!(me2["user"]["id"], me["user"]["id"]);
        let sessions = env
            .g()
            .store
            .sessions_of_user(me["user"]["id"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(sessions.len(), 1, "the first session was revoked");

        // GET /logout with a foreign return_to: refused, still signed in.
        let page = phone
            .get("/logout?return_to=https%3A%2F%2Fevil.example%2F")
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert_eq!(page.error_code(), "invalid_return_to");
        assert_eq!(phone.me().await.0, StatusCode::OK);
        // GET /logout with an allowed one: signed out, sent there.
        let page = phone
            .get("/logout?return_to=https%3A%2F%2Fapp.example.test%2Fbye")
            .await;
        assert_eq!(page.status, StatusCode::FOUND);
        assert_eq!(page.location(), "https://app.example.test/bye");
        assert_eq!(phone.me().await.0, StatusCode::UNAUTHORIZED);
        // POST /logout: a page, the cookie cleared.
        phone.login("/login", "sim_person=dave").await;
        assert_eq!(phone.me().await.0, StatusCode::OK);
        let page = phone.post("/logout").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("signed out"));
        assert!(
            page.set_cookies()
                .iter()
                .any(|c| c.starts_with("wxgate_session=;") && c.contains("Max-Age=0"))
        );
        assert_eq!(phone.me().await.0, StatusCode::UNAUTHORIZED);
        env.stop().await;
    }
}
