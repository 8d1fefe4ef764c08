//! Mini-program logins through RFC 8693 token exchange, end to end against the simulator on
//! SQLite and PostgreSQL: a `wx.login` code and a `wx.qy.login` code become wxgate tokens; the
//! session_key stays sealed in the store and later decrypts the mini program's open data (user
//! info, phone number). Failures: a used code, a mini program the client may not use, the wrong
//! platform for the app, a WeCom member outside the linked app's visible range, a member disabled
//! in WeCom, a user disabled in wxgate, a corp not on the allowlist.

mod common;
mod oidc_env;

gateway_on_both_backends!(
    wechat_mini_program_exchange_and_open_data,
    wecom_mini_program_exchange_and_refusals,
    wecom_corp_allowlist,
);

mod cases {
    use std::sync::Arc;

    use serde_json::{Value, json};
    use wxgate_sim::directory::MemberUpdate;
    use wxgate_store::{IdentityKind, UserStatus};

    use crate::common::TestDb;
    use crate::oidc_env::{CORP, Env, LINKED_MINI, MINI, members, oidc_toml};

    const WECHAT: &str = "urn:wxgate:params:oauth:token-type:wechat-mini-code";
    const WECOM: &str = "urn:wxgate:params:oauth:token-type:wecom-mini-code";
    const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

    async fn exchange(
        env: &Env,
        client: &str,
        app: &str,
        token_type: &str,
        code: &str,
        scope: &str,
    ) -> (u16, Value) {
        env.token(
            &[
                ("grant_type", EXCHANGE),
                ("client_id", client),
                ("subject_token", code),
                ("subject_token_type", token_type),
                ("app", app),
                ("scope", scope),
            ],
            None,
        )
        .await
    }

    async fn open_data(env: &Env, access_token: &str, body: Value) -> (u16, Value) {
        let response = env
            .browser
            .post(env.url("/oidc/mini/open-data"))
            .bearer_auth(access_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    fn description(body: &Value) -> &str {
        body["error_description"].as_str().unwrap_or_default()
    }

    pub async fn wechat_mini_program_exchange_and_open_data(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let code = env.sim_code("mini", "shop", "alice").await;
        let (status, tokens) = exchange(
            &env,
            "shop-mini",
            "shop",
            WECHAT,
            &code,
            "openid profile phone identities offline_access",
        )
        .await;
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(
            tokens["issued_token_type"],
            "urn:ietf:params:oauth:token-type:access_token"
        );
        assert_eq!(tokens["token_type"], "Bearer");
        assert!(tokens["id_token"].is_string() && tokens["refresh_token"].is_string());
        assert!(!tokens.to_string().contains("session_key"));
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let (status, info) = env.userinfo(&access).await;
        assert_eq!(status, 200, "{info}");
        let user_id = info["sub"].as_str().unwrap().to_owned();
        assert!(user_id.starts_with("usr_"));
        let kinds: Vec<(&str, &str)> = info["identities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["kind"].as_str().unwrap(), i["scope"].as_str().unwrap()))
            .collect();
        assert!(
            kinds.contains(&("wechat_openid", MINI))
                && kinds.contains(&("wechat_unionid", "acme-open")),
            "{kinds:?}"
        );

        // The session_key is kept, sealed, for later.
        let session = env
            .gw
            .gateway
            .store
            .mini_session("shop", &user_id)
            .await
            .unwrap()
            .expect("a mini session");
        assert_eq!(session.identity.kind, IdentityKind::WechatOpenid);
        assert_eq!(session.session_key.expose().len(), 24, "base64 of 16 bytes");

        // The code is single use.
        let (status, body) = exchange(&env, "shop-mini", "shop", WECHAT, &code, "openid").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        assert!(description(&body).contains("call wx.login again"), "{body}");

        // Open data: the user info (signature checked, data decrypted), then the phone number.
        let user_info = env.sim_open_data("shop", "alice", "userinfo").await;
        let mut tampered = user_info.clone();
        tampered["signature"] = json!("0".repeat(40));
        let (status, body) = open_data(
            &env,
            &access,
            json!({"rawData": tampered["rawData"], "signature": tampered["signature"]}),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("bad_signature")),
            "{body}"
        );
        let (status, body) = open_data(
            &env,
            &access,
            json!({
                "rawData": user_info["rawData"], "signature": user_info["signature"],
                "encryptedData": user_info["encryptedData"], "iv": user_info["iv"],
            }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let nickname: Value = serde_json::from_str(user_info["rawData"].as_str().unwrap()).unwrap();
        assert_eq!(body["user"]["name"], nickname["nickName"]);
        assert!(body["data"].get("watermark").is_none());
        let phone = env.sim_open_data("shop", "alice", "phone").await;
        let (status, body) = open_data(
            &env,
            &access,
            json!({"encryptedData": phone["encryptedData"], "iv": phone["iv"]}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let number = body["data"]["purePhoneNumber"].as_str().unwrap().to_owned();
        assert_eq!(body["user"]["phone_number"], number.as_str());
        let (_, info) = env.userinfo(&access).await;
        assert_eq!(
            info["phone_number"],
            number.as_str(),
            "the phone scope shows it"
        );
        assert_eq!(info["name"], nickname["nickName"]);
        let (status, body) = open_data(
            &env,
            &access,
            json!({"encryptedData": phone["encryptedData"], "iv": user_info["iv"]}),
        )
        .await;
        assert_eq!(status, 400, "a wrong iv does not decrypt: {body}");
        let (status, _) = open_data(
            &env,
            "not-a-token",
            json!({"rawData": "{}", "signature": "x"}),
        )
        .await;
        assert_eq!(status, 401);

        // A second login of the same person is the same user; the refresh token works.
        let again = env.sim_code("mini", "shop", "alice").await;
        let (status, second) = exchange(&env, "shop-mini", "shop", WECHAT, &again, "openid").await;
        assert_eq!(status, 200);
        let (_, info) = env.userinfo(second["access_token"].as_str().unwrap()).await;
        assert_eq!(info["sub"], user_id.as_str());
        let (status, refreshed) = env
            .token(
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", "shop-mini"),
                    ("refresh_token", second["refresh_token"].as_str().unwrap()),
                ],
                None,
            )
            .await;
        assert_eq!(status, 200, "{refreshed}");

        // Refusals: a mini program the client may not use, the wrong platform, unsupported types.
        let code = env.sim_code("mini", "shop", "bob").await;
        let (status, body) =
            exchange(&env, "other-mini", "acme-mini", WECOM, &code, "openid").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("unauthorized_client"))
        );
        let (status, body) = exchange(&env, "shop-mini", "shop", WECOM, &code, "openid").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_target")),
            "{body}"
        );
        let (status, body) = exchange(
            &env,
            "shop-mini",
            "shop",
            "urn:ietf:params:oauth:token-type:jwt",
            &code,
            "openid",
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_request"))
        );
        let (status, body) = exchange(&env, "crm", "shop", WECHAT, &code, "openid").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "crm is confidential"
        );
        // The code refused above was never sent upstream, so it still works.
        let (status, _) = exchange(&env, "shop-mini", "shop", WECHAT, &code, "openid").await;
        assert_eq!(status, 200);
    }

    pub async fn wecom_mini_program_exchange_and_refusals(db: Arc<TestDb>) {
        let env = Env::start(&db, &oidc_toml("")).await;
        let ids = members();
        let code = env.sim_code("wecom_mini", "acme-mini", &ids[0]).await;
        let (status, tokens) = exchange(
            &env,
            "shop-mini",
            "acme-mini",
            WECOM,
            &code,
            "openid profile identities",
        )
        .await;
        assert_eq!(status, 200, "{tokens}");
        let (_, info) = env.userinfo(tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(
            info["identities"],
            json!([{"kind": "wecom_user", "scope": CORP, "subject": ids[0]}])
        );
        assert!(
            info["name"].as_str().is_some_and(|n| !n.is_empty()),
            "the name from user/get: {info}"
        );
        let user_id = info["sub"].as_str().unwrap().to_owned();
        let session = env
            .gw
            .gateway
            .store
            .mini_session("acme-mini", &user_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.identity.subject, ids[0]);

        // Used code.
        let (status, body) = exchange(&env, "shop-mini", "acme-mini", WECOM, &code, "openid").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant"))
        );
        assert!(description(&body).contains("wx.qy.login"), "{body}");

        // Outside the linked app's visible range: a clear refusal, not a 500.
        let code = env.sim_code("wecom_mini", "acme-mini", &ids[1]).await;
        let (status, body) = exchange(&env, "shop-mini", "acme-mini", WECOM, &code, "openid").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
        assert!(description(&body).contains("visible range"), "{body}");

        // Disabled in WeCom (visible, but status 2).
        {
            let directory = env.sim.state.directories.get(CORP).unwrap();
            directory
                .write()
                .unwrap()
                .update_user(
                    &ids[2],
                    MemberUpdate {
                        enable: Some(0),
                        ..Default::default()
                    },
                )
                .unwrap();
        }
        let code = env.sim_code("wecom_mini", "acme-mini", &ids[2]).await;
        let (status, body) = exchange(&env, "shop-mini", "acme-mini", WECOM, &code, "openid").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
        assert!(
            description(&body).contains("not active (status 2"),
            "{body}"
        );

        // Disabled in wxgate.
        env.gw
            .gateway
            .store
            .set_user_status(&user_id, UserStatus::Disabled)
            .await
            .unwrap();
        let code = env.sim_code("wecom_mini", "acme-mini", &ids[0]).await;
        let (status, body) = exchange(&env, "shop-mini", "acme-mini", WECOM, &code, "openid").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
        assert!(description(&body).contains("disabled"), "{body}");

        // The open data of a WeCom mini program decrypts with its own session_key.
        env.gw
            .gateway
            .store
            .set_user_status(&user_id, UserStatus::Active)
            .await
            .unwrap();
        let code = env.sim_code("wecom_mini", "acme-mini", &ids[0]).await;
        let (status, tokens) =
            exchange(&env, "shop-mini", "acme-mini", WECOM, &code, "openid").await;
        assert_eq!(status, 200, "{tokens}");
        let data = env.sim_open_data(LINKED_MINI, &ids[0], "phone").await;
        let (status, body) = open_data(
            &env,
            tokens["access_token"].as_str().unwrap(),
            json!({"encryptedData": data["encryptedData"], "iv": data["iv"]}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(body["user"]["phone_number"].is_string());
    }

    pub async fn wecom_corp_allowlist(db: Arc<TestDb>) {
        let env = Env::start(
            &db,
            &oidc_toml(r#"wecom_mini_allowed_corps = ["wwother0000000001"]"#),
        )
        .await;
        let code = env.sim_code("wecom_mini", "acme-mini", &members()[0]).await;
        let (status, body) = exchange(&env, "shop-mini", "acme-mini", WECOM, &code, "openid").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
        assert!(
            description(&body).contains("wecom_mini_allowed_corps"),
            "{body}"
        );
    }
}
