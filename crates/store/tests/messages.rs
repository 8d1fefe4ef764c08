//! The message send records (idempotency claims) and the media cache, on SQLite and PostgreSQL.

mod common;

on_both_backends!(
    idempotency_claims_replay_mismatch_and_reclaim,
    sends_list_newest_first_with_filters,
    media_cache_upserts_by_content,
);

mod cases {
    use std::sync::Arc;

    use serde_json::json;
    use wxgate_store::{CachedMedia, NewMessageSend, SendClaim, SendFilter, SendStatus};

    use crate::common::TestDb;

    fn send(app: &str, key: Option<&str>, hash: &str) -> NewMessageSend {
        NewMessageSend {
            app: app.into(),
            channel: "wecom_app".into(),
            msgtype: "text".into(),
            idempotency_key: key.map(str::to_owned),
            request_hash: hash.into(),
            request: json!({"msgtype": "text", "text": {"content": "hi"}}),
        }
    }

    pub async fn idempotency_claims_replay_mismatch_and_reclaim(db: Arc<TestDb>) {
        let store = db.store().await;
        let SendClaim::Claimed(first) = store
            .claim_message_send(&send("a", Some("k1"), "h1"))
            .await
            .unwrap()
        else {
            panic!("a new key is claimed");
        };
        assert_eq!(first.status, SendStatus::Pending);
        assert!(first.id.starts_with("msg_"));
        // The same request while the first is under way.
        assert!(matches!(
            store.claim_message_send(&send("a", Some("k1"), "h1")).await.unwrap(),
            SendClaim::InProgress(s) if s.id == first.id
        ));
        // Another request reusing the key.
        assert!(matches!(
            store.claim_message_send(&send("a", Some("k1"), "h2")).await.unwrap(),
            SendClaim::Mismatch(s) if s.id == first.id
        ));
        // The same key for another app is another send.
        assert!(matches!(
            store
                .claim_message_send(&send("b", Some("k1"), "h1"))
                .await
                .unwrap(),
            SendClaim::Claimed(_)
        ));
        // Without a key every request is new.
        for _ in 0..2 {
            assert!(matches!(
                store
                    .claim_message_send(&send("a", None, "h1"))
                    .await
                    .unwrap(),
                SendClaim::Claimed(_)
            ));
        }

        // A failed send may be claimed again; a finished one replays.
        let failed = store
            .finish_message_send(
                &first.id,
                SendStatus::Failed,
                None,
                Some(&json!({"code": "upstream_unavailable"})),
            )
            .await
            .unwrap();
        assert_eq!(failed.error.unwrap()["code"], "upstream_unavailable");
        let SendClaim::Claimed(again) = store
            .claim_message_send(&send("a", Some("k1"), "h1"))
            .await
            .unwrap()
        else {
            panic!("a failed send is claimed again");
        };
        assert_eq!(again.id, first.id);
        assert_eq!((again.status, again.error), (SendStatus::Pending, None));
        store
            .finish_message_send(
                &first.id,
                SendStatus::Sent,
                Some(&json!({"msgids": ["m1"]})),
                None,
            )
            .await
            .unwrap();
        let SendClaim::Replay(done) = store
            .claim_message_send(&send("a", Some("k1"), "h1"))
            .await
            .unwrap()
        else {
            panic!("a finished send replays");
        };
        assert_eq!(done.status, SendStatus::Sent);
        assert_eq!(done.result.unwrap()["msgids"][0], "m1");
        assert!(
            store
                .finish_message_send("msg_nope", SendStatus::Sent, None, None)
                .await
                .is_err()
        );
    }

    pub async fn sends_list_newest_first_with_filters(db: Arc<TestDb>) {
        let store = db.store().await;
        let mut ids = Vec::new();
        for (i, app) in ["a", "b", "a", "a"].iter().enumerate() {
            let SendClaim::Claimed(s) = store
                .claim_message_send(&send(app, None, &format!("h{i}")))
                .await
                .unwrap()
            else {
                panic!("claimed");
            };
            ids.push(s.id);
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        store
            .finish_message_send(&ids[3], SendStatus::Sent, None, None)
            .await
            .unwrap();
        let all = store
            .list_message_sends(&SendFilter::default(), 10)
            .await
            .unwrap();
        let listed: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(listed, [&ids[3], &ids[2], &ids[1], &ids[0]]);
        let a = SendFilter {
            app: Some("a".into()),
            ..SendFilter::default()
        };
        let page = store.list_message_sends(&a, 2).await.unwrap();
        assert_eq!(page.len(), 2);
        assert_eq!(
            (page[0].id.as_str(), page[1].id.as_str()),
            (&*ids[3], &*ids[2])
        );
        let next = store
            .list_message_sends(
                &SendFilter {
                    before: Some(page[1].id.clone()),
                    ..a.clone()
                },
                2,
            )
            .await
            .unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].id, ids[0]);
        let sent = store
            .list_message_sends(
                &SendFilter {
                    status: Some(SendStatus::Sent),
                    ..SendFilter::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].request["text"]["content"], "hi");
        assert!(store.get_message_send(&ids[1]).await.unwrap().is_some());
        assert!(store.get_message_send("msg_x").await.unwrap().is_none());
    }

    pub async fn media_cache_upserts_by_content(db: Arc<TestDb>) {
        let store = db.store().await;
        assert!(
            store
                .get_cached_media("ww1", "image", "abc")
                .await
                .unwrap()
                .is_none()
        );
        let mut media = CachedMedia {
            scope: "ww1".into(),
            media_type: "image".into(),
            sha256: "abc".into(),
            media_id: "m1".into(),
            filename: "a.png".into(),
            size: 10,
            uploaded_by: "app".into(),
            created_at: 1_000,
            expires_at: Some(2_000),
        };
        store.put_cached_media(&media).await.unwrap();
        assert_eq!(
            store.get_cached_media("ww1", "image", "abc").await.unwrap(),
            Some(media.clone())
        );
        media.media_id = "m2".into();
        media.created_at = 3_000;
        media.expires_at = Some(4_000);
        store.put_cached_media(&media).await.unwrap();
        assert_eq!(
            store.get_cached_media("ww1", "image", "abc").await.unwrap(),
            Some(media.clone())
        );
        assert!(
            store
                .get_cached_media("ww1", "file", "abc")
                .await
                .unwrap()
                .is_none()
        );
        media.media_type = "uploadimg".into();
        media.expires_at = None;
        store.put_cached_media(&media).await.unwrap();
        assert_eq!(
            store
                .get_cached_media("ww1", "uploadimg", "abc")
                .await
                .unwrap()
                .unwrap()
                .expires_at,
            None
        );
    }
}
