//! The account system through the gateway, on SQLite and PostgreSQL: sign-in creates, links and
//! merges users and emits the `user.*`/`identity.*` events; disabled users are refused; sessions
//! come back through the cookie; the users admin API lists, shows, disables, links, unlinks and
//! grants roles.

mod common;

gateway_on_both_backends!(
    sign_in_emits_account_events_and_merges,
    disabled_users_are_refused_and_sessions_follow_status,
    users_admin_api,
);

mod cases {
    use std::sync::Arc;

    use axum::extract::FromRequestParts;
    use axum::http::{HeaderMap, HeaderValue, header};
    use reqwest::StatusCode;
    use serde_json::{Value, json};
    use wxgate_gateway::Gateway;
    use wxgate_gateway::accounts::{
        ClientInfo, CurrentSession, LoginProof, Profile, SignInError, sign_in, start_session,
        wechat_identities,
    };
    use wxgate_store::{IdentityKey, IdentityKind};

    use crate::common::{self, ADMIN_KEY, TestDb};

    const APPS: &str = r#"
[[wechat.official_accounts]]
name = "news"
app_id = "wxaa00000000000001"
app_secret = "news-secret-0123456789"
open_platform = "acme-open"

[[wechat.miniprograms]]
name = "shop"
app_id = "wxbb00000000000001"
app_secret = "shop-secret-0123456789"
open_platform = "acme-open"
"#;

    fn proof(gateway: &Gateway, app: &str, openid: &str, unionid: Option<&str>) -> LoginProof {
        let entry = gateway.registry.get(app).unwrap();
        LoginProof {
            app: app.into(),
            method: "test".into(),
            identities: wechat_identities(gateway, &entry, openid, unionid),
            profile: Profile {
                name: Some(format!("name of {openid}")),
                ..Profile::default()
            },
        }
    }

    async fn events(gateway: &Gateway) -> Vec<(String, Value)> {
        gateway
            .store
            .events_after(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.stored_data().clone(), e.event_type))
            .map(|(data, event_type)| (event_type, data))
            .collect()
    }

    pub async fn sign_in_emits_account_events_and_merges(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, APPS)).await;
        let g = &gw.gateway;
        let a = sign_in(g, proof(g, "news", "o-news", None)).await.unwrap();
        assert!(a.created);
        let b = sign_in(g, proof(g, "shop", "o-shop", Some("u-1")))
            .await
            .unwrap();
        assert!(b.created);
        // The unionid is scoped by the open platform label.
        let union = g
            .store
            .find_identity(&IdentityKey::new(
                IdentityKind::WechatUnionid,
                "acme-open",
                "u-1",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(union.user_id, b.user.id);
        let c = sign_in(g, proof(g, "news", "o-news", Some("u-1")))
            .await
            .unwrap();
        assert_eq!(c.user.id, a.user.id);
        assert_eq!(c.merges.len(), 1);
        let events = events(g).await;
        let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(types.iter().filter(|t| **t == "user.created").count(), 2);
        assert_eq!(types.iter().filter(|t| **t == "identity.linked").count(), 3);
        assert_eq!(types.iter().filter(|t| **t == "user.signed_in").count(), 3);
        assert_eq!(types.iter().filter(|t| **t == "user.merged").count(), 1);
        assert_eq!(types.iter().filter(|t| **t == "identity.merged").count(), 2);
        let merged = events.iter().find(|(t, _)| t == "user.merged").unwrap();
        assert_eq!(merged.1["survivor"], json!(a.user.id));
        assert_eq!(merged.1["merged"], json!(b.user.id));
        gw.shutdown().await.unwrap();
    }

    pub async fn disabled_users_are_refused_and_sessions_follow_status(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, APPS)).await;
        let g = &gw.gateway;
        let a = sign_in(g, proof(g, "news", "o-1", None)).await.unwrap();
        let (_, cookie) = start_session(g, &a.user.id, "test", &ClientInfo::default())
            .await
            .unwrap();
        let cookie_text = cookie.to_str().unwrap().to_owned();
        assert!(cookie_text.starts_with("wxgate_session="));
        assert!(cookie_text.contains("HttpOnly"));
        assert!(
            cookie_text.contains("Secure"),
            "public_url is https: {cookie_text}"
        );
        assert!(cookie_text.contains("SameSite=Lax"));
        let pair = cookie_text.split(';').next().unwrap().to_owned();
        let current = current_session(g, &pair).await;
        assert_eq!(current.unwrap().user.id, a.user.id);
        assert!(current_session(g, "wxgate_session=forged").await.is_none());

        let client = reqwest::Client::new();
        let res = client
            .patch(format!("{}/api/v1/users/{}", gw.base_url, a.user.id))
            .bearer_auth(ADMIN_KEY)
            .json(&json!({"status": "disabled"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            current_session(g, &pair).await.is_none(),
            "disabling ends sessions"
        );
        let err = sign_in(g, proof(g, "news", "o-1", None)).await.unwrap_err();
        assert!(matches!(err, SignInError::Disabled { .. }), "{err}");
        assert!(err.to_string().contains("re-enable"));
        gw.shutdown().await.unwrap();
    }

    async fn current_session(
        g: &Gateway,
        cookie: &str,
    ) -> Option<wxgate_gateway::accounts::SessionUser> {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        let mut req = axum::http::Request::builder().uri("/").body(()).unwrap();
        *req.headers_mut() = headers;
        let (mut parts, ()) = req.into_parts();
        CurrentSession::from_request_parts(&mut parts, g)
            .await
            .unwrap()
            .0
    }

    pub async fn users_admin_api(db: Arc<TestDb>) {
        let gw = common::start(&db, common::config(&db, APPS)).await;
        let g = &gw.gateway;
        let a = sign_in(g, proof(g, "news", "o-a", Some("u-a")))
            .await
            .unwrap();
        let b = sign_in(g, proof(g, "shop", "o-b", None)).await.unwrap();
        let client = reqwest::Client::new();
        let call = |method: reqwest::Method, path: String, body: Option<Value>| {
            let mut req = client
                .request(method, format!("{}{path}", gw.base_url))
                .bearer_auth(ADMIN_KEY);
            if let Some(body) = body {
                req = req.json(&body);
            }
            async move {
                let res = req.send().await.unwrap();
                let status = res.status();
                let text = res.text().await.unwrap();
                (
                    status,
                    serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
                )
            }
        };
        use reqwest::Method;
        // Without the key: refused.
        let res = client
            .get(format!("{}/api/v1/users", gw.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

        let (s, list) = call(Method::GET, "/api/v1/users".into(), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list["users"].as_array().unwrap().len(), 2);
        let (_, found) = call(Method::GET, "/api/v1/users?q=o-b".into(), None).await;
        assert_eq!(found["users"][0]["id"], json!(b.user.id));
        let (s, _) = call(Method::GET, "/api/v1/users?status=sleepy".into(), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        let (s, shown) = call(Method::GET, format!("/api/v1/users/{}", a.user.id), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(shown["identities"].as_array().unwrap().len(), 2);
        assert_eq!(shown["user"]["name"], "name of o-a");
        let (s, _) = call(Method::GET, "/api/v1/users/usr_nobody".into(), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Link: a fresh identity is 201, b's identity is 409 naming b.
        let (s, linked) = call(
            Method::POST,
            format!("/api/v1/users/{}/identities", a.user.id),
            Some(json!({"kind": "wecom_user", "scope": "wwcorp", "subject": "zhangsan"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{linked}");
        let (s, err) = call(
            Method::POST,
            format!("/api/v1/users/{}/identities", a.user.id),
            Some(json!({"kind": "wechat_openid", "scope": "wxbb00000000000001", "subject": "o-b"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&b.user.id)
        );
        let (s, _) = call(
            Method::POST,
            format!("/api/v1/users/{}/identities", a.user.id),
            Some(json!({"kind": "qq", "scope": "x", "subject": "y"})),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // The user behind an identity.
        let (s, behind) = call(
            Method::GET,
            "/api/v1/identities/wecom_user/wwcorp/zhangsan".into(),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(behind["user"]["id"], json!(a.user.id));

        // Unlink.
        let identity_id = linked["identity"]["id"].as_str().unwrap().to_owned();
        let (s, _) = call(
            Method::DELETE,
            format!("/api/v1/users/{}/identities/{identity_id}", a.user.id),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = call(
            Method::GET,
            "/api/v1/identities/wecom_user/wwcorp/zhangsan".into(),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Roles.
        let (s, _) = call(
            Method::PUT,
            format!("/api/v1/users/{}/roles/admin", a.user.id),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, _) = call(
            Method::PUT,
            format!("/api/v1/users/{}/roles/admin", a.user.id),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, shown) = call(Method::GET, format!("/api/v1/users/{}", a.user.id), None).await;
        assert_eq!(shown["roles"], json!(["admin"]));
        let (s, _) = call(
            Method::DELETE,
            format!("/api/v1/users/{}/roles/admin", a.user.id),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
        let (s, _) = call(
            Method::DELETE,
            format!("/api/v1/users/{}/roles/admin", a.user.id),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Status.
        let (s, _) = call(
            Method::PATCH,
            format!("/api/v1/users/{}", b.user.id),
            Some(json!({"status": "merged"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, updated) = call(
            Method::PATCH,
            format!("/api/v1/users/{}", b.user.id),
            Some(json!({"status": "disabled"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(updated["user"]["status"], "disabled");
        let (_, disabled) = call(Method::GET, "/api/v1/users?status=disabled".into(), None).await;
        assert_eq!(disabled["users"].as_array().unwrap().len(), 1);
        gw.shutdown().await.unwrap();
    }
}
