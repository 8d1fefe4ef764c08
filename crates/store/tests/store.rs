//! The store's behaviour, written once and run against SQLite and PostgreSQL.

mod common;

on_both_backends!(
    migrations_are_idempotent,
    accept_dedups_across_and_within_batches,
    delivery_lifecycle_with_dead_letters_and_redrive,
    concurrent_workers_never_claim_the_same_delivery,
    events_after_pages_in_seq_order,
    events_after_misses_nothing_under_concurrent_writers,
    token_compare_and_delete_keeps_fresher_token,
    locks_are_exclusive_and_released_on_drop,
    suite_tickets_and_auth_corp_revocation,
    runtime_apps_and_version,
    wrong_master_key_is_a_clear_error,
    retention_keeps_pending_and_frees_dedup_keys,
    retention_walks_in_arrival_order_chunk_by_chunk,
    data_derived_at_read_is_not_stored,
    large_batches_span_several_statements,
    batches_without_webhooks_dedup_like_the_others,
    event_writer_dedups_with_the_pool_and_recovers_from_errors,
);

mod cases {
    use std::collections::{BTreeMap, HashSet};
    use std::sync::Arc;
    use std::time::Duration;

    use serde_json::json;
    use wxgate_store::{
        Accepted, AppSource, AuthCorpState, DeliveryFilter, DeliveryStatus, NewApp, NewAuthCorp,
        NewEvent, Secret, Store, StoreError,
    };

    use crate::common::TestDb;

    fn now() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    }

    fn event(app: &str, key: &str, webhooks: &[&str]) -> NewEvent {
        NewEvent {
            app: app.into(),
            event_type: "message.text".into(),
            source: json!({"platform": "wecom", "corp_id": "wwcorp"}).into(),
            dedup_key: key.into(),
            received_at: now(),
            data: Some(json!({"content": format!("hello {key}"), "n": [1, 2]}).into()),
            raw: format!("<xml><MsgId>{key}</MsgId></xml>"),
            webhooks: webhooks.iter().map(|w| w.to_string()).collect(),
        }
    }

    fn new_seq(a: &Accepted) -> i64 {
        match a {
            Accepted::New { seq, .. } => *seq,
            other => panic!("expected a new event, got {other:?}"),
        }
    }

    pub async fn event_writer_dedups_with_the_pool_and_recovers_from_errors(db: Arc<TestDb>) {
        let store = db.store().await;
        let mut writer = store.event_writer();
        assert!(writer.accept(vec![]).await.unwrap().is_empty());
        let out = writer
            .accept(vec![
                event("app", "w1", &["crm", "crm"]),
                event("app", "w1", &["crm"]), // duplicate inside the batch
                event("app", "w2", &[]),
            ])
            .await
            .unwrap();
        let s1 = new_seq(&out[0]);
        assert_eq!(
            out[1],
            Accepted::Duplicate {
                id: out[0].id().to_owned()
            }
        );
        assert!(new_seq(&out[2]) > s1);
        // A file-backed SQLite store gives the writer a connection of its own.
        assert_eq!(writer.has_own_connection(), !db.is_postgres());

        // The writer and the pool see one dedup window, both ways.
        let from_pool = store
            .accept_events(vec![event("app", "w2", &[]), event("app", "p1", &[])])
            .await
            .unwrap();
        assert_eq!(
            from_pool[0],
            Accepted::Duplicate {
                id: out[2].id().to_owned()
            }
        );
        let again = writer
            .accept(vec![event("app", "p1", &["crm"])])
            .await
            .unwrap();
        assert_eq!(
            again[0],
            Accepted::Duplicate {
                id: from_pool[1].id().to_owned()
            }
        );
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM events").await, 3);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM deliveries").await, 1);
        let stored = store.get_event(out[0].id()).await.unwrap().unwrap();
        assert_eq!(stored.raw, "<xml><MsgId>w1</MsgId></xml>");

        // A failed batch is an error, writes nothing, and the writer starts over with a fresh
        // connection once the database is usable again.
        db.raw_exec("ALTER TABLE events RENAME TO events_away")
            .await;
        let failed = writer.accept(vec![event("app", "w3", &["crm"])]).await;
        assert!(failed.is_err(), "{failed:?}");
        assert!(!writer.has_own_connection());
        db.raw_exec("ALTER TABLE events_away RENAME TO events")
            .await;
        let after = writer
            .accept(vec![event("app", "w3", &["crm"]), event("app", "w1", &[])])
            .await
            .unwrap();
        assert!(new_seq(&after[0]) > s1);
        assert_eq!(
            after[1],
            Accepted::Duplicate {
                id: out[0].id().to_owned()
            }
        );
        assert_eq!(writer.has_own_connection(), !db.is_postgres());
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM events").await, 4);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM deliveries").await, 2);
    }

    pub async fn migrations_are_idempotent(db: Arc<TestDb>) {
        let store = db.store().await;
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        assert_eq!(store.apps_version().await.unwrap(), 0);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM events").await, 0);
    }

    pub async fn accept_dedups_across_and_within_batches(db: Arc<TestDb>) {
        let store = db.store().await;
        let out = store
            .accept_events(vec![
                event("app1", "m1", &["crm", "crm", "audit"]),
                event("app1", "m2", &["crm"]),
                event("app1", "m1", &["crm"]), // duplicate inside the batch
                event("app2", "m1", &["crm"]), // same key, other app: new
            ])
            .await
            .unwrap();
        assert_eq!(out.len(), 4);
        let s1 = new_seq(&out[0]);
        let s2 = new_seq(&out[1]);
        assert!(s1 < s2);
        assert!(out[0].id().starts_with("evt_") && out[0].id().len() == 30);
        assert_eq!(
            out[2],
            Accepted::Duplicate {
                id: out[0].id().to_owned()
            }
        );
        new_seq(&out[3]);

        let again = store
            .accept_events(vec![
                event("app1", "m2", &["crm"]),
                event("app1", "m3", &[]),
            ])
            .await
            .unwrap();
        assert_eq!(
            again[0],
            Accepted::Duplicate {
                id: out[1].id().to_owned()
            }
        );
        assert!(new_seq(&again[1]) > s2);

        // m1: crm + audit (duplicate webhook ignored); m2: crm; app2/m1: crm; m3: none.
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM deliveries").await, 4);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM events").await, 4);
        let stored = store.get_event(out[0].id()).await.unwrap().unwrap();
        assert_eq!(
            stored.data,
            Some(json!({"content": "hello m1", "n": [1, 2]}))
        );
        assert_eq!(stored.source["corp_id"], "wwcorp");
        assert_eq!(stored.event_type, "message.text");
        assert_eq!(stored.raw, "<xml><MsgId>m1</MsgId></xml>");
        assert!(store.accept_events(vec![]).await.unwrap().is_empty());
    }

    pub async fn delivery_lifecycle_with_dead_letters_and_redrive(db: Arc<TestDb>) {
        let store = db.store().await;
        let accepted = store
            .accept_events(vec![event("app", "k1", &["a", "b"])])
            .await
            .unwrap();
        let t0 = now();
        let claimed = store
            .claim_due_deliveries(t0, 10, "w1", 30_000)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 2);
        assert!(claimed.iter().all(|d| d.event.id == accepted[0].id()));
        assert!(
            claimed
                .iter()
                .all(|d| d.delivery.event_id == accepted[0].id())
        );
        assert!(
            store
                .claim_due_deliveries(t0, 10, "w2", 30_000)
                .await
                .unwrap()
                .is_empty()
        );
        let a = claimed
            .iter()
            .find(|d| d.delivery.webhook == "a")
            .unwrap()
            .delivery
            .id;
        let b = claimed
            .iter()
            .find(|d| d.delivery.webhook == "b")
            .unwrap()
            .delivery
            .id;

        store.mark_delivered(b).await.unwrap();
        store.mark_failed(a, "HTTP 502", t0 + 1_000).await.unwrap();
        assert!(
            store
                .claim_due_deliveries(t0 + 500, 10, "w1", 30_000)
                .await
                .unwrap()
                .is_empty()
        );
        let retry = store
            .claim_due_deliveries(t0 + 1_000, 10, "w1", 30_000)
            .await
            .unwrap();
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].delivery.id, a);
        assert_eq!(retry[0].delivery.attempts, 1);
        assert_eq!(retry[0].delivery.last_error.as_deref(), Some("HTTP 502"));

        let lag = store.outbox_lag(t0 + 2_000).await.unwrap();
        assert_eq!(lag.pending, 1);
        assert!(lag.oldest_age_ms.unwrap() >= 2_000 - 100);

        store
            .mark_dead(a, "gave up after 2 attempts")
            .await
            .unwrap();
        let dead = store
            .list_deliveries(
                &DeliveryFilter {
                    status: Some(DeliveryStatus::Dead),
                    webhook: None,
                },
                10,
                0,
            )
            .await
            .unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!((dead[0].id, dead[0].attempts), (a, 2));
        let delivered = store
            .list_deliveries(
                &DeliveryFilter {
                    status: Some(DeliveryStatus::Delivered),
                    webhook: None,
                },
                10,
                0,
            )
            .await
            .unwrap();
        assert_eq!(delivered.len(), 1);
        assert!(delivered[0].delivered_at.is_some());
        assert_eq!(store.outbox_lag(t0).await.unwrap().pending, 0);
        assert_eq!(store.outbox_lag(t0).await.unwrap().oldest_age_ms, None);
        // A dead delivery is never claimed.
        assert!(
            store
                .claim_due_deliveries(t0 + 99_000, 10, "w1", 1)
                .await
                .unwrap()
                .is_empty()
        );

        store.redrive(a).await.unwrap();
        assert!(matches!(
            store.redrive(a).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store.redrive(999_999).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.mark_delivered(999_999).await,
            Err(StoreError::NotFound(_))
        ));
        let redriven = store
            .claim_due_deliveries(now() + 10, 10, "w1", 30_000)
            .await
            .unwrap();
        assert_eq!(redriven.len(), 1);
        assert_eq!(
            (redriven[0].delivery.attempts, redriven[0].delivery.status),
            (0, DeliveryStatus::Pending)
        );

        store.mark_dead(a, "again").await.unwrap();
        assert_eq!(store.redrive_all_dead("b").await.unwrap(), 0);
        assert_eq!(store.redrive_all_dead("a").await.unwrap(), 1);

        // Filter by webhook and page with the cursor.
        store
            .accept_events(vec![event("app", "k2", &["a"]), event("app", "k3", &["a"])])
            .await
            .unwrap();
        let filter = DeliveryFilter {
            status: None,
            webhook: Some("a".into()),
        };
        let page1 = store.list_deliveries(&filter, 2, 0).await.unwrap();
        let page2 = store
            .list_deliveries(&filter, 2, page1[1].id)
            .await
            .unwrap();
        assert_eq!(page1.len(), 2);
        assert_eq!(page2.len(), 1);
        assert!(page1.iter().chain(&page2).all(|d| d.webhook == "a"));
        assert!(page1[1].id < page2[0].id);
    }

    pub async fn concurrent_workers_never_claim_the_same_delivery(db: Arc<TestDb>) {
        let writer = db.store().await;
        for chunk in 0..10 {
            let batch = (0..20)
                .map(|i| event("app", &format!("c{chunk}-{i}"), &["hook"]))
                .collect();
            writer.accept_events(batch).await.unwrap();
        }
        let instances = [db.store().await, db.store().await];
        let mut tasks = Vec::new();
        for w in 0..4 {
            let store = instances[w % 2].clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = store
                        .claim_due_deliveries(now(), 7, &format!("w{w}"), 60_000)
                        .await
                        .unwrap();
                    if got.is_empty() {
                        break mine;
                    }
                    mine.extend(got.into_iter().map(|d| d.delivery.id));
                }
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let unique: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "a delivery was claimed twice");
        assert_eq!(all.len(), 200);
        // Claims nobody reported (a crashed worker) become claimable again after the lease.
        assert!(
            writer
                .claim_due_deliveries(now(), 500, "w9", 60_000)
                .await
                .unwrap()
                .is_empty()
        );
        let reclaimed = writer
            .claim_due_deliveries(now() + 61_000, 500, "w9", 60_000)
            .await
            .unwrap();
        assert_eq!(reclaimed.len(), 200);
    }

    pub async fn events_after_pages_in_seq_order(db: Arc<TestDb>) {
        let store = db.store().await;
        let mut ids = Vec::new();
        for b in 0..3 {
            let batch = (0..4)
                .map(|i| event("app", &format!("p{b}-{i}"), &[]))
                .collect();
            ids.extend(
                store
                    .accept_events(batch)
                    .await
                    .unwrap()
                    .iter()
                    .map(|a| a.id().to_owned()),
            );
        }
        let mut cursor = 0;
        let mut seen = Vec::new();
        loop {
            let page = store.events_after(cursor, 5).await.unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 5);
            for e in &page {
                assert!(e.seq > cursor);
                cursor = e.seq;
                seen.push(e.id.clone());
            }
        }
        assert_eq!(seen, ids);
    }

    pub async fn events_after_misses_nothing_under_concurrent_writers(db: Arc<TestDb>) {
        let instances = [db.store().await, db.store().await];
        let reader = db.store().await;
        let mut writers = Vec::new();
        for w in 0..4 {
            let store = instances[w % 2].clone();
            writers.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for b in 0..15 {
                    let batch = (0..3)
                        .map(|i| event("app", &format!("w{w}-{b}-{i}"), &["h"]))
                        .collect();
                    ids.extend(
                        store
                            .accept_events(batch)
                            .await
                            .unwrap()
                            .iter()
                            .map(|a| a.id().to_owned()),
                    );
                }
                ids
            }));
        }
        let mut cursor = 0;
        let mut seen = Vec::new();
        let mut done = false;
        loop {
            let finished = writers.iter().all(|w| w.is_finished());
            let page = reader.events_after(cursor, 1000).await.unwrap();
            for e in page {
                assert!(e.seq > cursor);
                cursor = e.seq;
                seen.push(e.id);
            }
            if done {
                break;
            }
            done = finished; // one more read after every writer has committed
            tokio::task::yield_now().await;
        }
        let mut written = HashSet::new();
        for w in writers {
            written.extend(w.await.unwrap());
        }
        let seen_set: HashSet<String> = seen.iter().cloned().collect();
        assert_eq!(seen_set.len(), seen.len(), "an event was returned twice");
        assert_eq!(
            seen_set, written,
            "the cursor skipped an event that committed late"
        );
    }

    pub async fn token_compare_and_delete_keeps_fresher_token(db: Arc<TestDb>) {
        let store = db.store().await;
        assert!(store.get_token("corp:ww1:app").await.unwrap().is_none());
        assert_eq!(
            store
                .put_token("corp:ww1:app", "token-old", now() + 7_200_000)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .put_token("corp:ww1:app", "token-new", now() + 7_200_000)
                .await
                .unwrap(),
            2
        );
        let got = store.get_token("corp:ww1:app").await.unwrap().unwrap();
        assert_eq!(got.value.expose(), "token-new");
        assert_eq!(got.version, 2);
        assert!(got.fetched_at > 0 && got.expires_at > got.fetched_at);
        // The stale token a caller saw rejected must not drop the fresh one.
        assert!(
            !store
                .delete_token_if("corp:ww1:app", "token-old")
                .await
                .unwrap()
        );
        assert_eq!(
            store
                .get_token("corp:ww1:app")
                .await
                .unwrap()
                .unwrap()
                .value
                .expose(),
            "token-new"
        );
        // Secrets are not readable in the raw row.
        let raw = db.raw_texts("SELECT value FROM tokens").await;
        assert_eq!(raw.len(), 1);
        let raw = raw[0].clone().unwrap();
        assert!(raw.starts_with("v1:") && !raw.contains("token-new"));
        let hash = db.raw_texts("SELECT value_hash FROM tokens").await[0]
            .clone()
            .unwrap();
        assert!(!hash.contains("token-new"));
        assert!(
            store
                .delete_token_if("corp:ww1:app", "token-new")
                .await
                .unwrap()
        );
        assert!(store.get_token("corp:ww1:app").await.unwrap().is_none());
    }

    pub async fn locks_are_exclusive_and_released_on_drop(db: Arc<TestDb>) {
        let a = db.store().await;
        // On SQLite one process is one instance: its clones share the locks.
        let b = if db.is_postgres() {
            db.store().await
        } else {
            a.clone()
        };
        let guard = a
            .try_lock("token:wecom:ww1")
            .await
            .unwrap()
            .expect("free lock");
        assert_eq!(guard.name(), "token:wecom:ww1");
        assert!(b.try_lock("token:wecom:ww1").await.unwrap().is_none());
        assert!(b.try_lock("token:wecom:ww2").await.unwrap().is_some());
        let busy = b
            .lock("token:wecom:ww1", Duration::from_millis(150))
            .await
            .unwrap_err();
        assert!(matches!(busy, StoreError::LockBusy { .. }), "{busy}");
        drop(guard);
        let again = b
            .lock("token:wecom:ww1", Duration::from_secs(5))
            .await
            .expect("released on drop");
        assert!(a.try_lock("token:wecom:ww1").await.unwrap().is_none());
        again.release().await.unwrap();
        assert!(a.try_lock("token:wecom:ww1").await.unwrap().is_some());

        if db.is_postgres() {
            // A holder that dies (never releases) loses the lease after its TTL.
            let stuck = a
                .try_lock_for("suite:s1", Duration::from_millis(200))
                .await
                .unwrap()
                .unwrap();
            assert!(b.try_lock("suite:s1").await.unwrap().is_none());
            tokio::time::sleep(Duration::from_millis(400)).await;
            let taken = b
                .try_lock("suite:s1")
                .await
                .unwrap()
                .expect("expired lease is taken over");
            assert!(
                !stuck.extend(Duration::from_secs(60)).await.unwrap(),
                "old holder must learn it lost the lease"
            );
            std::mem::forget(stuck);
            assert!(taken.extend(Duration::from_secs(60)).await.unwrap());
        }
    }

    pub async fn suite_tickets_and_auth_corp_revocation(db: Arc<TestDb>) {
        let store = db.store().await;
        assert!(store.get_suite_ticket("s1").await.unwrap().is_none());
        store
            .put_suite_ticket("s1", "ticket-1", 1_000)
            .await
            .unwrap();
        store
            .put_suite_ticket("s1", "ticket-2", 2_000)
            .await
            .unwrap();
        store
            .put_suite_ticket("s1", "ticket-late", 1_500)
            .await
            .unwrap(); // older: ignored
        let t = store.get_suite_ticket("s1").await.unwrap().unwrap();
        assert_eq!((t.ticket.expose(), t.received_at), ("ticket-2", 2_000));
        let raw = db.raw_texts("SELECT ticket FROM suite_tickets").await[0]
            .clone()
            .unwrap();
        assert!(!raw.contains("ticket-2"));

        for corp in ["c1", "c10"] {
            store
                .upsert_auth_corp(&NewAuthCorp {
                    suite_id: "s1".into(),
                    corp_id: corp.into(),
                    permanent_code: Secret::new(format!("perm-{corp}")),
                    corp_name: format!("Corp {corp}"),
                    agent_id: Some(1000002),
                    auth_info: json!({"agent": [{"agentid": 1000002}]}),
                })
                .await
                .unwrap();
        }
        let raw_codes = db.raw_texts("SELECT permanent_code FROM auth_corps").await;
        assert!(
            raw_codes
                .iter()
                .all(|c| !c.as_deref().unwrap().contains("perm-"))
        );
        let c1 = store.get_auth_corp("s1", "c1").await.unwrap().unwrap();
        assert_eq!(c1.permanent_code.as_ref().unwrap().expose(), "perm-c1");
        assert_eq!(
            (c1.state, c1.agent_id),
            (AuthCorpState::Active, Some(1000002))
        );
        assert_eq!(c1.auth_info["agent"][0]["agentid"], 1000002);
        assert_eq!(store.list_auth_corps("s1").await.unwrap().len(), 2);

        for key in [
            "authcorp:s1:c1",
            "authcorp:s1:c1:agent:1000002",
            "authcorp:s1:c10:agent:1",
            "authcorp-jsapi:s1:c1",
            "authcorp-agent-ticket:s1:c1",
            "authcorp-jsapi:s1:c10",
            "suite:s1",
        ] {
            store.put_token(key, "tok", now() + 1000).await.unwrap();
        }
        store.revoke_auth_corp("s1", "c1").await.unwrap();
        let c1 = store.get_auth_corp("s1", "c1").await.unwrap().unwrap();
        assert_eq!(
            (c1.state, c1.permanent_code),
            (AuthCorpState::Revoked, None)
        );
        assert_eq!(
            db.raw_texts("SELECT permanent_code FROM auth_corps WHERE corp_id = 'c1'")
                .await,
            vec![None]
        );
        assert!(store.get_token("authcorp:s1:c1").await.unwrap().is_none());
        assert!(
            store
                .get_token("authcorp-jsapi:s1:c1")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .get_token("authcorp-agent-ticket:s1:c1")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .get_token("authcorp-jsapi:s1:c10")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .get_token("authcorp:s1:c1:agent:1000002")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .get_token("authcorp:s1:c10:agent:1")
                .await
                .unwrap()
                .is_some()
        );
        assert!(store.get_token("suite:s1").await.unwrap().is_some());
        assert!(matches!(
            store.revoke_auth_corp("s1", "nope").await,
            Err(StoreError::NotFound(_))
        ));
        // Re-authorising makes it active again.
        store
            .upsert_auth_corp(&NewAuthCorp {
                suite_id: "s1".into(),
                corp_id: "c1".into(),
                permanent_code: Secret::new("perm-new"),
                corp_name: "Corp c1".into(),
                agent_id: None,
                auth_info: json!({}),
            })
            .await
            .unwrap();
        let c1 = store.get_auth_corp("s1", "c1").await.unwrap().unwrap();
        assert_eq!(c1.state, AuthCorpState::Active);
        assert_eq!(c1.permanent_code.unwrap().expose(), "perm-new");
    }

    pub async fn runtime_apps_and_version(db: Arc<TestDb>) {
        let store = db.store().await;
        let v0 = store.apps_version().await.unwrap();
        let app = NewApp {
            name: "hr".into(),
            kind: "wecom".into(),
            config: json!({"corp_id": "ww1", "agent_id": 1000002}),
            secrets: BTreeMap::from([
                ("secret".to_owned(), Secret::new("app-secret-value")),
                ("encoding_aes_key".to_owned(), Secret::new("aes-key-value")),
            ]),
            source: AppSource::Api,
        };
        store.put_app(&app).await.unwrap();
        let v1 = store.apps_version().await.unwrap();
        assert!(v1 > v0);
        let got = store.get_app("hr").await.unwrap().unwrap();
        assert_eq!((got.kind.as_str(), got.source), ("wecom", AppSource::Api));
        assert_eq!(got.config, app.config);
        assert_eq!(got.secrets, app.secrets);
        let raw = db.raw_texts("SELECT secrets FROM apps").await[0]
            .clone()
            .unwrap();
        assert!(!raw.contains("app-secret-value") && !raw.contains("aes-key-value"));
        let raw_config = db.raw_texts("SELECT config FROM apps").await[0]
            .clone()
            .unwrap();
        assert!(!raw_config.contains("app-secret-value"));

        store
            .put_app(&NewApp {
                kind: "official_account".into(),
                source: AppSource::File,
                ..app.clone()
            })
            .await
            .unwrap();
        assert!(store.apps_version().await.unwrap() > v1);
        assert_eq!(
            store.get_app("hr").await.unwrap().unwrap().kind,
            "official_account"
        );
        store
            .put_app(&NewApp {
                name: "crm".into(),
                ..app.clone()
            })
            .await
            .unwrap();
        let names: Vec<String> = store
            .list_apps()
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(names, ["crm", "hr"]);
        let before = store.apps_version().await.unwrap();
        assert!(store.delete_app("hr").await.unwrap());
        assert!(!store.delete_app("hr").await.unwrap());
        assert_eq!(store.apps_version().await.unwrap(), before + 1);
        assert!(store.get_app("hr").await.unwrap().is_none());
    }

    pub async fn wrong_master_key_is_a_clear_error(db: Arc<TestDb>) {
        let store = db.store().await;
        store
            .put_token("k", "secret-token", now() + 1000)
            .await
            .unwrap();
        let (_, other_key) = wxgate_store::SecretBox::generate();
        let other: Store = db.store_with_key(&other_key).await;
        let err = other.get_token("k").await.unwrap_err();
        assert!(matches!(err, StoreError::Decryption { .. }), "{err:?}");
        let text = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        assert!(text.contains("master key differs"), "{text}");
        assert!(!text.contains("secret-token"));
    }

    /// A batch that writes no deliveries takes SQLite's one-statement path: it must dedup within
    /// and across batches, report originals and keep seq order exactly like a transaction.
    pub async fn batches_without_webhooks_dedup_like_the_others(db: Arc<TestDb>) {
        let store = db.store().await;
        let first = store
            .accept_events(vec![event("app", "k0", &[]), event("app", "k1", &[])])
            .await
            .unwrap();
        let out = store
            .accept_events(vec![
                event("app", "k2", &[]),
                event("app", "k1", &[]), // stored by the batch before
                event("app", "k2", &[]), // earlier in this batch
                event("other", "k2", &[]),
            ])
            .await
            .unwrap();
        assert_eq!(
            out[1],
            Accepted::Duplicate {
                id: first[1].id().to_owned()
            }
        );
        assert_eq!(
            out[2],
            Accepted::Duplicate {
                id: out[0].id().to_owned()
            }
        );
        let seqs = [&first[0], &first[1], &out[0], &out[3]].map(new_seq);
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM events").await, 4);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM deliveries").await, 0);
        let stored = store.get_event(out[3].id()).await.unwrap().unwrap();
        assert_eq!(stored.app, "other");
        assert_eq!(stored.dedup_key, "k2");
        let after = store.events_after(seqs[1], 10).await.unwrap();
        let ids: Vec<&str> = after.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, [out[0].id(), out[3].id()]);
    }

    pub async fn large_batches_span_several_statements(db: Arc<TestDb>) {
        let store = db.store().await;
        let first = store
            .accept_events(vec![event("app", "old", &["h"])])
            .await
            .unwrap();
        let mut batch: Vec<NewEvent> = (0..600)
            .map(|i| event("app", &format!("b{i}"), &["h", "g"]))
            .collect();
        batch[300] = event("app", "old", &["h"]); // stored by an earlier batch
        batch[550] = event("app", "b10", &["h"]); // duplicate across statement chunks
        let out = store.accept_events(batch).await.unwrap();
        assert_eq!(out.len(), 600);
        assert_eq!(
            out[300],
            Accepted::Duplicate {
                id: first[0].id().to_owned()
            }
        );
        assert_eq!(
            out[550],
            Accepted::Duplicate {
                id: out[10].id().to_owned()
            }
        );
        let seqs: Vec<i64> = out
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 300 && *i != 550)
            .map(|(_, a)| new_seq(a))
            .collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "seqs follow batch order"
        );
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM events").await, 599);
        assert_eq!(
            db.raw_i64("SELECT COUNT(*) FROM deliveries").await,
            1 + 598 * 2
        );
    }

    pub async fn retention_keeps_pending_and_frees_dedup_keys(db: Arc<TestDb>) {
        let store = db.store().await;
        let old = |key: &str, hooks: &[&str]| NewEvent {
            received_at: 1_000,
            ..event("app", key, hooks)
        };
        let out = store
            .accept_events(vec![
                old("r1", &["h"]),
                old("r2", &["h"]),
                old("r3", &[]),
                event("app", "fresh", &[]),
            ])
            .await
            .unwrap();
        let claimed = store
            .claim_due_deliveries(now(), 10, "w", 60_000)
            .await
            .unwrap();
        let r1 = claimed.iter().find(|d| d.event.id == out[0].id()).unwrap();
        store.mark_delivered(r1.delivery.id).await.unwrap();
        // r1 (delivered) and r3 (no deliveries) go; r2 (pending) and fresh stay.
        assert_eq!(store.purge_events_older_than(5_000).await.unwrap(), 2);
        assert!(store.get_event(out[0].id()).await.unwrap().is_none());
        assert!(store.get_event(out[1].id()).await.unwrap().is_some());
        assert!(store.get_event(out[3].id()).await.unwrap().is_some());
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM deliveries").await, 1);
        // The dedup window ends with retention.
        let again = store
            .accept_events(vec![old("r1", &[]), old("r2", &[])])
            .await
            .unwrap();
        new_seq(&again[0]);
        assert_eq!(
            again[1],
            Accepted::Duplicate {
                id: out[1].id().to_owned()
            }
        );
    }

    pub async fn data_derived_at_read_is_not_stored(db: Arc<TestDb>) {
        let store = db.store().await;
        let bare = |key: &str, hooks: &[&str]| NewEvent {
            data: None,
            ..event("app", key, hooks)
        };
        // Both write paths of the pool: one statement (no webhooks), a transaction (webhooks).
        let out = store
            .accept_events(vec![bare("d1", &[]), event("app", "d2", &[])])
            .await
            .unwrap();
        let more = store.accept_events(vec![bare("d3", &["h"])]).await.unwrap();
        let d1 = store.get_event(out[0].id()).await.unwrap().unwrap();
        assert_eq!(d1.data, None);
        assert_eq!(d1.raw, "<xml><MsgId>d1</MsgId></xml>");
        let d2 = store.get_event(out[1].id()).await.unwrap().unwrap();
        assert_eq!(d2.data, Some(json!({"content": "hello d2", "n": [1, 2]})));
        let claimed = store
            .claim_due_deliveries(now(), 10, "w", 60_000)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].event.id, more[0].id());
        assert_eq!(claimed[0].event.data, None);
        assert_eq!(
            db.raw_i64("SELECT COUNT(*) FROM events WHERE data = ''")
                .await,
            2
        );
    }

    pub async fn retention_walks_in_arrival_order_chunk_by_chunk(db: Arc<TestDb>) {
        let store = db.store().await;
        let at = |key: String, received_at: i64| NewEvent {
            received_at,
            ..event("app", &key, &[])
        };
        // 2 500 old events (more than two purge chunks), then a young one, then an old one that
        // arrived after it (a clock set back).
        let mut batch: Vec<NewEvent> = (0..2_500)
            .map(|i| at(format!("old{i}"), 1_000 + i))
            .collect();
        batch.push(at("young".into(), 9_000));
        batch.push(at("late".into(), 2_000));
        let out = store.accept_events(batch).await.unwrap();
        assert_eq!(store.purge_events_older_than(5_000).await.unwrap(), 2_500);
        assert_eq!(db.raw_i64("SELECT COUNT(*) FROM events").await, 2);
        assert!(store.get_event(out[2_500].id()).await.unwrap().is_some());
        // The walk stopped at the young event: the late one waits for it to age out.
        assert!(store.get_event(out[2_501].id()).await.unwrap().is_some());
        assert_eq!(store.purge_events_older_than(10_000).await.unwrap(), 2);
        assert_eq!(store.purge_events_older_than(10_000).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn unreachable_postgres_says_where_and_hides_the_password() {
    let err = wxgate_store::Store::connect(
        "postgres://wx:hunter2@127.0.0.1:1/wxgate",
        wxgate_store::SecretBox::generate().0,
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, wxgate_store::StoreError::NotConnected { .. }));
    assert!(
        text.contains("postgres://wx:***@127.0.0.1:1/wxgate"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn unknown_url_scheme_is_refused() {
    let err = wxgate_store::Store::connect("mysql://x@y/z", wxgate_store::SecretBox::generate().0)
        .await
        .unwrap_err();
    assert!(
        matches!(err, wxgate_store::StoreError::UnsupportedUrl { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn in_memory_sqlite_works() {
    let store =
        wxgate_store::Store::connect("sqlite::memory:", wxgate_store::SecretBox::generate().0)
            .await
            .unwrap();
    store.migrate().await.unwrap();
    store.put_token("k", "v", 1).await.unwrap();
    assert_eq!(
        store.get_token("k").await.unwrap().unwrap().value.expose(),
        "v"
    );
    assert_eq!(store.backend(), wxgate_store::Backend::Sqlite);
}

#[tokio::test]
async fn sqlite_in_a_missing_directory_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        dir.path().join("no/such/dir/wx.db").display()
    );
    let err = wxgate_store::Store::connect(&url, wxgate_store::SecretBox::generate().0)
        .await
        .unwrap_err();
    assert!(
        matches!(err, wxgate_store::StoreError::NotConnected { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("directory exists"), "{err}");
}
