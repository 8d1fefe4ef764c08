//! The OpenID Connect provider's storage on both backends: single-use codes that create their
//! grant, refresh-token rotation with reuse detection, concurrent redemptions, revocations,
//! sealed signing keys and session keys, and the purge of expired rows.

mod common;

on_both_backends!(
    a_code_is_redeemed_once_and_names_its_grant,
    refresh_tokens_rotate_and_reuse_revokes_the_grant,
    concurrent_refreshes_rotate_once,
    session_grants_are_revoked_except_offline_access,
    signing_keys_are_sealed_and_retire,
    mini_sessions_are_sealed_and_replaced,
    expired_rows_are_purged,
);

mod cases {
    use std::sync::Arc;

    use serde_json::json;
    use wxgate_store::{
        IdentityKey, IdentityKind, NewCode, NewGrant, NewSigningKey, Redeemed, Refreshed, Secret,
        SignIn, Store,
    };

    use crate::common::TestDb;

    const FAR: i64 = 4_000_000_000_000;

    async fn user(store: &Store, name: &str) -> String {
        store
            .sign_in(&SignIn {
                identities: vec![(
                    IdentityKey::new(IdentityKind::WecomUser, "wwcorp", name),
                    json!({}),
                )],
                ..SignIn::default()
            })
            .await
            .unwrap()
            .user
            .id
    }

    fn code(user_id: &str, code: &str, expires_at: i64) -> NewCode {
        NewCode {
            code: code.into(),
            client_id: "crm".into(),
            user_id: user_id.into(),
            session_id: Some("sess-1".into()),
            redirect_uri: "https://crm.example/cb".into(),
            scope: "openid profile".into(),
            nonce: Some("n".into()),
            code_challenge: Some("c".repeat(43)),
            method: "wecom_oauth".into(),
            auth_time: 1,
            expires_at,
        }
    }

    async fn grant(store: &Store, user_id: &str, scope: &str) -> wxgate_store::Grant {
        store
            .create_grant(&NewGrant {
                client_id: "crm".into(),
                user_id: user_id.into(),
                scope: scope.into(),
                session_id: Some("sess-1".into()),
                method: "authorization_code".into(),
                auth_time: 1,
            })
            .await
            .unwrap()
    }

    pub async fn a_code_is_redeemed_once_and_names_its_grant(db: Arc<TestDb>) {
        let store = db.store().await;
        let u = user(&store, "alice").await;
        let grant_id = store.insert_code(&code(&u, "code-1", FAR)).await.unwrap();
        assert!(grant_id.starts_with("grt_"));
        assert_eq!(
            db.raw_i64("SELECT COUNT(*) FROM oidc_codes WHERE code_hash = 'code-1'")
                .await,
            0,
            "only the fingerprint is stored"
        );
        let stored = store.find_code("code-1").await.unwrap().unwrap();
        assert_eq!(
            (stored.grant_id.as_str(), stored.used_at),
            (grant_id.as_str(), None)
        );
        let Redeemed::Granted(grant) = store.redeem_code(&stored).await.unwrap() else {
            panic!("first redemption");
        };
        assert_eq!(
            (grant.id.as_str(), grant.scope.as_str()),
            (grant_id.as_str(), "openid profile")
        );
        assert_eq!(
            store.redeem_code(&stored).await.unwrap(),
            Redeemed::AlreadyUsed
        );
        assert!(
            store
                .find_code("code-1")
                .await
                .unwrap()
                .unwrap()
                .used_at
                .is_some()
        );
        assert!(store.find_code("other").await.unwrap().is_none());
        assert!(store.revoke_grant(&grant_id, "code reused").await.unwrap());
        assert!(!store.revoke_grant(&grant_id, "again").await.unwrap());
        let revoked = store.get_grant(&grant_id).await.unwrap().unwrap();
        assert_eq!(revoked.revoked_reason.as_deref(), Some("code reused"));
    }

    pub async fn refresh_tokens_rotate_and_reuse_revokes_the_grant(db: Arc<TestDb>) {
        let store = db.store().await;
        let u = user(&store, "bob").await;
        let g = grant(&store, &u, "openid").await;
        store.insert_refresh_token(&g.id, "r1", FAR).await.unwrap();
        assert!(
            matches!(store.rotate_refresh_token("r1", "r2", FAR).await.unwrap(), Refreshed::Rotated(ref x) if x.id == g.id)
        );
        assert!(matches!(
            store.rotate_refresh_token("r2", "r3", FAR).await.unwrap(),
            Refreshed::Rotated(_)
        ));
        assert_eq!(
            store.rotate_refresh_token("nope", "x", FAR).await.unwrap(),
            Refreshed::Unknown
        );
        let Refreshed::Reused(revoked) = store.rotate_refresh_token("r1", "r4", FAR).await.unwrap()
        else {
            panic!("r1 was used");
        };
        assert!(revoked.revoked_at.is_some());
        assert!(
            matches!(
                store.rotate_refresh_token("r3", "r5", FAR).await.unwrap(),
                Refreshed::Revoked(_)
            ),
            "the live token died with its family"
        );
        assert_eq!(
            store.refresh_token_grant("r3").await.unwrap().unwrap().id,
            g.id
        );
        // Expired tokens are refused without revoking anything.
        let g2 = grant(&store, &u, "openid").await;
        store.insert_refresh_token(&g2.id, "old", 1).await.unwrap();
        assert_eq!(
            store.rotate_refresh_token("old", "new", FAR).await.unwrap(),
            Refreshed::Expired
        );
        assert!(
            store
                .get_grant(&g2.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );
    }

    pub async fn concurrent_refreshes_rotate_once(db: Arc<TestDb>) {
        let store = db.store().await;
        let u = user(&store, "carol").await;
        let g = grant(&store, &u, "openid").await;
        store
            .insert_refresh_token(&g.id, "shared", FAR)
            .await
            .unwrap();
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .rotate_refresh_token("shared", &format!("next-{i}"), FAR)
                        .await
                })
            })
            .collect();
        let mut rotated = 0;
        for t in tasks {
            if let Ok(Refreshed::Rotated(_)) = t.await.unwrap() {
                rotated += 1;
            }
        }
        assert_eq!(rotated, 1, "exactly one concurrent refresh wins");
        assert!(
            store
                .get_grant(&g.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_some(),
            "the losers count as reuse"
        );
    }

    pub async fn session_grants_are_revoked_except_offline_access(db: Arc<TestDb>) {
        let store = db.store().await;
        let u = user(&store, "dave").await;
        let online = grant(&store, &u, "openid profile").await;
        let offline = grant(&store, &u, "openid offline_access").await;
        assert_eq!(
            store
                .revoke_session_grants("sess-1", "logout")
                .await
                .unwrap(),
            1
        );
        assert!(
            store
                .get_grant(&online.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_some()
        );
        assert!(
            store
                .get_grant(&offline.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );
        store.revoke_access_token("jti-1", FAR).await.unwrap();
        store.revoke_access_token("jti-1", FAR).await.unwrap();
        assert!(store.is_access_token_revoked("jti-1").await.unwrap());
        assert!(!store.is_access_token_revoked("jti-2").await.unwrap());
    }

    pub async fn signing_keys_are_sealed_and_retire(db: Arc<TestDb>) {
        let store = db.store().await;
        let key = |kid: &str, created_at| NewSigningKey {
            kid: kid.into(),
            alg: "RS256".into(),
            private_key: Secret::new(format!("private-{kid}")),
            public_jwk: json!({"kid": kid}),
            created_at,
        };
        store.insert_signing_key(&key("k1", 1)).await.unwrap();
        store.insert_signing_key(&key("k2", 2)).await.unwrap();
        assert_eq!(
            db.raw_i64("SELECT COUNT(*) FROM oidc_signing_keys WHERE private_key LIKE 'private-%'")
                .await,
            0,
            "sealed at rest"
        );
        assert_eq!(
            store
                .retire_signing_keys("RS256", "k2", 10, 100)
                .await
                .unwrap(),
            1
        );
        let now: Vec<(String, Option<i64>)> = store
            .published_signing_keys(50)
            .await
            .unwrap()
            .into_iter()
            .map(|k| (k.kid, k.retired_at))
            .collect();
        assert_eq!(
            now,
            vec![("k2".to_owned(), None), ("k1".to_owned(), Some(10))]
        );
        assert_eq!(
            store.published_signing_keys(50).await.unwrap()[1]
                .private_key
                .expose(),
            "private-k1"
        );
        let later: Vec<String> = store
            .published_signing_keys(100)
            .await
            .unwrap()
            .into_iter()
            .map(|k| k.kid)
            .collect();
        assert_eq!(later, vec!["k2".to_owned()]);
        assert_eq!(store.delete_expired_signing_keys(100).await.unwrap(), 1);
    }

    pub async fn mini_sessions_are_sealed_and_replaced(db: Arc<TestDb>) {
        let store = db.store().await;
        let u = user(&store, "erin").await;
        let id = IdentityKey::new(IdentityKind::WechatOpenid, "wxmini", "o-erin");
        store
            .put_mini_session("shop", &u, &id, &Secret::new("key-one"))
            .await
            .unwrap();
        store
            .put_mini_session("shop", &u, &id, &Secret::new("key-two"))
            .await
            .unwrap();
        let s = store.mini_session("shop", &u).await.unwrap().unwrap();
        assert_eq!((s.session_key.expose(), &s.identity), ("key-two", &id));
        assert_eq!(
            db.raw_i64("SELECT COUNT(*) FROM mini_sessions WHERE session_key LIKE 'key-%'")
                .await,
            0
        );
        assert!(store.mini_session("other", &u).await.unwrap().is_none());
    }

    pub async fn expired_rows_are_purged(db: Arc<TestDb>) {
        let store = db.store().await;
        let u = user(&store, "frank").await;
        store.insert_code(&code(&u, "expired", 10)).await.unwrap();
        store.insert_code(&code(&u, "live", FAR)).await.unwrap();
        let g = grant(&store, &u, "openid").await;
        store
            .insert_refresh_token(&g.id, "r-expired", 10)
            .await
            .unwrap();
        store
            .insert_refresh_token(&g.id, "r-live", FAR)
            .await
            .unwrap();
        store.revoke_access_token("jti-old", 10).await.unwrap();
        assert_eq!(store.purge_expired_oidc_rows(1000).await.unwrap(), 3);
        assert!(store.find_code("expired").await.unwrap().is_none());
        assert!(store.find_code("live").await.unwrap().is_some());
        assert!(store.refresh_token_grant("r-live").await.unwrap().is_some());
        assert!(
            store
                .refresh_token_grant("r-expired")
                .await
                .unwrap()
                .is_none()
        );
    }
}
