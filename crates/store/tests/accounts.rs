//! The account system's storage on both backends: sign-in creates, links and merges; identities
//! are unique under concurrency; roles move on merge; sessions open, expire and revoke.

mod common;

on_both_backends!(
    first_sign_in_creates_a_user_and_its_identities,
    second_sign_in_finds_the_same_user_and_refreshes_the_profile,
    a_new_identity_is_linked_to_the_known_user,
    unionid_meeting_another_users_openid_merges_them,
    merge_moves_roles_and_sessions_and_keeps_disabled_locked,
    concurrent_first_logins_make_one_user,
    concurrent_logins_that_merge_converge_on_one_user,
    admin_link_unlink_and_rename,
    list_users_searches_and_pages,
    disabling_revokes_sessions,
    sessions_open_and_revoke,
);

mod cases {
    use std::sync::Arc;

    use serde_json::json;
    use wxgate_store::{
        IdentityKey, IdentityKind, NewSession, SignIn, Store, StoreError, UserFilter, UserStatus,
    };

    use crate::common::TestDb;

    fn openid(app: &str, id: &str) -> IdentityKey {
        IdentityKey::new(IdentityKind::WechatOpenid, app, id)
    }

    fn unionid(id: &str) -> IdentityKey {
        IdentityKey::new(IdentityKind::WechatUnionid, "wechat", id)
    }

    fn login(keys: &[&IdentityKey]) -> SignIn {
        SignIn {
            identities: keys.iter().map(|k| ((*k).clone(), json!({}))).collect(),
            ..SignIn::default()
        }
    }

    pub async fn first_sign_in_creates_a_user_and_its_identities(db: Arc<TestDb>) {
        let store = db.store().await;
        let out = store
            .sign_in(&SignIn {
                identities: vec![
                    (openid("wxA", "o1"), json!({"nickname": "Zhang San"})),
                    (unionid("u1"), json!({})),
                ],
                name: Some("Zhang San".into()),
                picture: Some("https://img/1".into()),
                ..SignIn::default()
            })
            .await
            .unwrap();
        assert!(out.created);
        assert!(out.merges.is_empty());
        assert_eq!(out.linked.len(), 2);
        assert!(out.user.id.starts_with("usr_"));
        assert_eq!(out.user.status, UserStatus::Active);
        assert_eq!(out.user.name.as_deref(), Some("Zhang San"));
        let stored = store.get_user(&out.user.id).await.unwrap().unwrap();
        assert_eq!(stored.name.as_deref(), Some("Zhang San"));
        assert_eq!(stored.picture.as_deref(), Some("https://img/1"));
        assert!(stored.last_login_at.is_some());
        let ids = store.identities_of_user(&out.user.id).await.unwrap();
        assert_eq!(ids.len(), 2);
        let openid_identity = ids
            .iter()
            .find(|i| i.key.kind == IdentityKind::WechatOpenid)
            .unwrap();
        assert_eq!(openid_identity.profile["nickname"], "Zhang San");
        let found = store.find_identity(&unionid("u1")).await.unwrap().unwrap();
        assert_eq!(found.user_id, out.user.id);
    }

    pub async fn second_sign_in_finds_the_same_user_and_refreshes_the_profile(db: Arc<TestDb>) {
        let store = db.store().await;
        let a = store
            .sign_in(&login(&[&openid("wxA", "o1")]))
            .await
            .unwrap();
        let b = store
            .sign_in(&SignIn {
                identities: vec![(openid("wxA", "o1"), json!({"nickname": "New"}))],
                name: Some("New".into()),
                ..SignIn::default()
            })
            .await
            .unwrap();
        assert!(!b.created);
        assert!(b.linked.is_empty());
        assert_eq!(a.user.id, b.user.id);
        assert_eq!(b.user.name.as_deref(), Some("New"));
        let identity = store
            .find_identity(&openid("wxA", "o1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(identity.profile["nickname"], "New");
        // An empty name from the platform does not wipe the known one.
        let c = store
            .sign_in(&SignIn {
                name: Some(String::new()),
                ..login(&[&openid("wxA", "o1")])
            })
            .await
            .unwrap();
        assert_eq!(c.user.name.as_deref(), Some("New"));
    }

    pub async fn a_new_identity_is_linked_to_the_known_user(db: Arc<TestDb>) {
        let store = db.store().await;
        let a = store.sign_in(&login(&[&unionid("u1")])).await.unwrap();
        let b = store
            .sign_in(&login(&[&openid("wxMini", "m1"), &unionid("u1")]))
            .await
            .unwrap();
        assert!(!b.created);
        assert_eq!(b.user.id, a.user.id);
        assert_eq!(b.linked.len(), 1);
        assert_eq!(b.linked[0].key, openid("wxMini", "m1"));
        assert!(b.merges.is_empty());
    }

    pub async fn unionid_meeting_another_users_openid_merges_them(db: Arc<TestDb>) {
        let store = db.store().await;
        // The OA login without a unionid (snsapi_base) made user A ...
        let a = store
            .sign_in(&login(&[&openid("wxOA", "o1")]))
            .await
            .unwrap();
        // ... the Mini Program login with the unionid made user B ...
        let b = store
            .sign_in(&SignIn {
                phone_number: Some("13800000000".into()),
                ..login(&[&openid("wxMini", "m1"), &unionid("u1")])
            })
            .await
            .unwrap();
        assert_ne!(a.user.id, b.user.id);
        // ... and the OA login that reveals the unionid proves they are one person.
        let c = store
            .sign_in(&login(&[&openid("wxOA", "o1"), &unionid("u1")]))
            .await
            .unwrap();
        assert_eq!(c.merges.len(), 1);
        let merge = &c.merges[0];
        assert_eq!(merge.survivor, a.user.id, "the oldest user survives");
        assert_eq!(merge.merged, b.user.id);
        assert_eq!(merge.moved.len(), 2);
        assert_eq!(c.user.id, a.user.id);
        assert_eq!(
            c.user.phone_number.as_deref(),
            Some("13800000000"),
            "fields carried over"
        );
        let ids = store.identities_of_user(&a.user.id).await.unwrap();
        assert_eq!(ids.len(), 3);
        let merged = store.get_user(&b.user.id).await.unwrap().unwrap();
        assert_eq!(merged.status, UserStatus::Merged);
        assert_eq!(merged.merged_into.as_deref(), Some(a.user.id.as_str()));
        assert!(
            store
                .identities_of_user(&b.user.id)
                .await
                .unwrap()
                .is_empty()
        );
        // Old references resolve to the survivor.
        let resolved = store.resolve_user(&b.user.id).await.unwrap().unwrap();
        assert_eq!(resolved.id, a.user.id);
        // A merged user cannot be re-enabled or linked to.
        assert!(matches!(
            store.set_user_status(&b.user.id, UserStatus::Active).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store
                .link_identity(&b.user.id, &openid("wxX", "x"), &json!({}))
                .await,
            Err(StoreError::Conflict(_))
        ));
    }

    pub async fn merge_moves_roles_and_sessions_and_keeps_disabled_locked(db: Arc<TestDb>) {
        let store = db.store().await;
        let a = store
            .sign_in(&login(&[&openid("wxOA", "o1")]))
            .await
            .unwrap();
        let b = store.sign_in(&login(&[&unionid("u1")])).await.unwrap();
        store.grant_role(&a.user.id, "admin").await.unwrap();
        store.grant_role(&b.user.id, "admin").await.unwrap();
        store.grant_role(&b.user.id, "sales").await.unwrap();
        let (token, _) = store
            .create_session(&NewSession {
                user_id: b.user.id.clone(),
                method: "test".into(),
                ttl_ms: 60_000,
                client_ip: None,
                user_agent: None,
            })
            .await
            .unwrap();
        store
            .set_user_status(&b.user.id, UserStatus::Disabled)
            .await
            .unwrap();
        let c = store
            .sign_in(&login(&[&openid("wxOA", "o1"), &unionid("u1")]))
            .await
            .unwrap();
        assert_eq!(c.user.id, a.user.id);
        assert_eq!(
            c.user.status,
            UserStatus::Disabled,
            "a merge never re-opens a locked account"
        );
        assert_eq!(
            store.get_user(&a.user.id).await.unwrap().unwrap().status,
            UserStatus::Disabled
        );
        assert_eq!(
            store.roles_of_user(&a.user.id).await.unwrap(),
            ["admin", "sales"]
        );
        assert!(store.roles_of_user(&b.user.id).await.unwrap().is_empty());
        // The session was revoked by disabling; nothing revived it.
        assert!(store.session_by_token(&token).await.unwrap().is_none());
    }

    pub async fn concurrent_first_logins_make_one_user(db: Arc<TestDb>) {
        let stores: Vec<Store> = futures_join(4, &db).await;
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = stores[i % stores.len()].clone();
            tasks.push(tokio::spawn(async move {
                store
                    .sign_in(&login(&[&openid("wxOA", "same"), &unionid("u-same")]))
                    .await
                    .unwrap()
            }));
        }
        let mut users = std::collections::BTreeSet::new();
        let mut created = 0;
        for t in tasks {
            let out = t.await.unwrap();
            users.insert(out.user.id.clone());
            created += usize::from(out.created);
        }
        assert_eq!(users.len(), 1, "{users:?}");
        assert_eq!(created, 1);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM users").await, 1);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM identities").await, 2);
    }

    pub async fn concurrent_logins_that_merge_converge_on_one_user(db: Arc<TestDb>) {
        let stores: Vec<Store> = futures_join(4, &db).await;
        // Five apps, each with a user for the same person, none knowing the unionid yet.
        let mut originals = Vec::new();
        for app in 0..5 {
            let out = stores[0]
                .sign_in(&login(&[&openid(&format!("wx{app}"), &format!("o{app}"))]))
                .await
                .unwrap();
            originals.push(out.user.id);
        }
        // Now every app learns the unionid at once, several times.
        let mut tasks = Vec::new();
        for round in 0..3 {
            for app in 0..5 {
                let store = stores[(app + round) % stores.len()].clone();
                tasks.push(tokio::spawn(async move {
                    store
                        .sign_in(&login(&[
                            &openid(&format!("wx{app}"), &format!("o{app}")),
                            &unionid("u-all"),
                        ]))
                        .await
                        .unwrap()
                }));
            }
        }
        let mut merged = 0;
        for t in tasks {
            merged += t.await.unwrap().merges.len();
        }
        assert_eq!(
            merged, 4,
            "each of the four younger users merged exactly once"
        );
        let survivor = store_first(&stores)
            .resolve_user(&originals[4])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(survivor.id, originals[0], "the oldest survives");
        assert_eq!(
            store_first(&stores)
                .identities_of_user(&survivor.id)
                .await
                .unwrap()
                .len(),
            6
        );
        assert_eq!(
            db.raw_i64("SELECT COUNT(*) FROM users WHERE status = 'active'")
                .await,
            1
        );
    }

    fn store_first(stores: &[Store]) -> &Store {
        &stores[0]
    }

    /// Several independent stores (pools) on one database, like several instances.
    async fn futures_join(n: usize, db: &TestDb) -> Vec<Store> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(db.store().await);
        }
        out
    }

    pub async fn admin_link_unlink_and_rename(db: Arc<TestDb>) {
        let store = db.store().await;
        let a = store
            .sign_in(&login(&[&IdentityKey::new(
                IdentityKind::WecomUser,
                "wwcorp",
                "zhangsan",
            )]))
            .await
            .unwrap();
        let b = store
            .sign_in(&login(&[&openid("wxOA", "o1")]))
            .await
            .unwrap();
        // Linking someone else's identity is refused, with the owner named.
        let err = store
            .link_identity(&a.user.id, &openid("wxOA", "o1"), &json!({}))
            .await
            .unwrap_err();
        assert!(err.to_string().contains(&b.user.id), "{err}");
        let linked = store
            .link_identity(&a.user.id, &openid("wxMini", "m9"), &json!({"by": "admin"}))
            .await
            .unwrap();
        assert_eq!(linked.user_id, a.user.id);
        // Idempotent.
        let again = store
            .link_identity(&a.user.id, &openid("wxMini", "m9"), &json!({}))
            .await
            .unwrap();
        assert_eq!(again.id, linked.id);
        assert!(store.unlink_identity(&a.user.id, &linked.id).await.unwrap());
        assert!(!store.unlink_identity(&a.user.id, &linked.id).await.unwrap());
        // WeCom renamed zhangsan to zhangsan2 (change_contact NewUserID).
        let from = IdentityKey::new(IdentityKind::WecomUser, "wwcorp", "zhangsan");
        let renamed = store
            .rename_identity(&from, "zhangsan2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(renamed.user_id, a.user.id);
        assert_eq!(renamed.key.subject, "zhangsan2");
        assert!(store.find_identity(&from).await.unwrap().is_none());
        // A retried rename is a no-op; renaming an unknown member does nothing.
        let retried = store
            .rename_identity(&from, "zhangsan2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(retried.id, renamed.id);
        let unknown = IdentityKey::new(IdentityKind::WecomUser, "wwcorp", "nobody");
        assert!(
            store
                .rename_identity(&unknown, "nobody2")
                .await
                .unwrap()
                .is_none()
        );
        // The user of wecom identity in scope wwcorp.
        let of = store
            .identity_of_user(&a.user.id, IdentityKind::WecomUser, "wwcorp")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(of.key.subject, "zhangsan2");
    }

    pub async fn list_users_searches_and_pages(db: Arc<TestDb>) {
        let store = db.store().await;
        let mut ids = Vec::new();
        for i in 0..5 {
            let out = store
                .sign_in(&SignIn {
                    name: Some(format!("Person {i}")),
                    email: Some(format!("p{i}@example.com")),
                    ..login(&[&openid("wxOA", &format!("open-{i}"))])
                })
                .await
                .unwrap();
            ids.push(out.user.id);
        }
        let all = store.list_users(&UserFilter::default()).await.unwrap();
        assert_eq!(all.len(), 5);
        let page = store
            .list_users(&UserFilter {
                limit: Some(2),
                ..UserFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(page.len(), 2);
        let next = store
            .list_users(&UserFilter {
                limit: Some(10),
                after: Some(page[1].id.clone()),
                ..UserFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(next.len(), 3);
        let by_email = store
            .list_users(&UserFilter {
                query: Some("P3@EXAMPLE".into()),
                ..UserFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(by_email.len(), 1);
        assert_eq!(by_email[0].name.as_deref(), Some("Person 3"));
        let by_subject = store
            .list_users(&UserFilter {
                query: Some("open-4".into()),
                ..UserFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(by_subject.len(), 1);
        assert_eq!(by_subject[0].id, ids[4]);
        store
            .set_user_status(&ids[1], UserStatus::Disabled)
            .await
            .unwrap();
        let disabled = store
            .list_users(&UserFilter {
                status: Some(UserStatus::Disabled),
                ..UserFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(disabled.len(), 1);
        assert_eq!(disabled[0].id, ids[1]);
    }

    pub async fn disabling_revokes_sessions(db: Arc<TestDb>) {
        let store = db.store().await;
        let a = store
            .sign_in(&login(&[&openid("wxOA", "o1")]))
            .await
            .unwrap();
        let (token, _) = store
            .create_session(&NewSession {
                user_id: a.user.id.clone(),
                method: "wechat_oauth:news".into(),
                ttl_ms: 60_000,
                client_ip: Some("10.0.0.1".into()),
                user_agent: Some("x".repeat(1000)),
            })
            .await
            .unwrap();
        let live = store.session_by_token(&token).await.unwrap().unwrap();
        assert_eq!(live.user_agent.as_ref().unwrap().len(), 256);
        let user = store
            .set_user_status(&a.user.id, UserStatus::Disabled)
            .await
            .unwrap();
        assert_eq!(user.status, UserStatus::Disabled);
        assert!(store.session_by_token(&token).await.unwrap().is_none());
        let user = store
            .set_user_status(&a.user.id, UserStatus::Active)
            .await
            .unwrap();
        assert_eq!(user.status, UserStatus::Active);
        assert!(
            store.session_by_token(&token).await.unwrap().is_none(),
            "stays revoked"
        );
    }

    pub async fn sessions_open_and_revoke(db: Arc<TestDb>) {
        let store = db.store().await;
        let a = store
            .sign_in(&login(&[&openid("wxOA", "o1")]))
            .await
            .unwrap();
        let new = NewSession {
            user_id: a.user.id.clone(),
            method: "test".into(),
            ttl_ms: 60_000,
            client_ip: None,
            user_agent: None,
        };
        let (t1, s1) = store.create_session(&new).await.unwrap();
        let (t2, _) = store.create_session(&new).await.unwrap();
        assert_ne!(t1, t2);
        assert_ne!(s1.id, t1, "only the fingerprint is stored");
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM sessions").await, 2,);
        assert_eq!(store.sessions_of_user(&a.user.id).await.unwrap().len(), 2);
        assert!(store.revoke_session(&t1).await.unwrap());
        assert!(!store.revoke_session(&t1).await.unwrap());
        assert!(store.session_by_token(&t1).await.unwrap().is_none());
        assert!(store.session_by_token(&t2).await.unwrap().is_some());
        assert!(
            store
                .session_by_token("not-a-token")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.revoke_sessions_of_user(&a.user.id).await.unwrap(), 1);
        // An expired session is not live.
        let (t3, _) = store
            .create_session(&NewSession { ttl_ms: -1, ..new })
            .await
            .unwrap();
        assert!(store.session_by_token(&t3).await.unwrap().is_none());
    }
}
