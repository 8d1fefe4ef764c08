//! The WeCom directory store on both backends: full-sync diffs (order-independent, idempotent,
//! moves, removals as inactive, unavailable fields kept), sync jobs and staging, the change
//! queue and single-row appliers, NewUserID renames with the identity following, and lookups.

mod common;

on_both_backends!(
    full_sync_creates_everything_in_any_order_and_a_second_run_changes_nothing,
    full_sync_detects_moves_updates_removals_and_returns,
    unavailable_fields_keep_their_stored_values,
    sync_jobs_run_one_at_a_time_and_resume_after_a_crash,
    staging_is_idempotent_and_dropped_when_the_job_ends,
    changes_queue_in_order_and_appliers_change_only_what_they_carry,
    rename_moves_the_member_and_its_identity,
    lookups_both_ways_and_department_paths,
);

mod cases {
    use std::sync::Arc;

    use serde_json::json;
    use wxgate_store::{
        ChangeOutcome, Department, DepartmentPatch, IdentityKey, IdentityKind, Member,
        MemberDepartment, MemberPatch, SignIn, Store, StoreError, SyncJobState, Tag,
    };

    use crate::common::TestDb;

    fn dept(id: i64, parent: i64, name: &str) -> Department {
        Department {
            dept_id: id,
            parent_id: parent,
            name: Some(name.into()),
            sort_order: 100 - id,
            ..Department::default()
        }
    }

    fn member(userid: &str, depts: &[i64]) -> Member {
        let mut m = Member::new(userid);
        m.name = Some(format!("Name of {userid}"));
        m.mobile = Some(format!("138{:08}", userid.len()));
        m.email = Some(format!("{userid}@acme.test"));
        m.status = Some(1);
        m.main_department = depts.first().copied();
        m.departments = depts
            .iter()
            .map(|d| MemberDepartment {
                dept_id: *d,
                is_leader: false,
                sort_order: 0,
            })
            .collect();
        m
    }

    /// Root 1 > {2 > {4}, 3}; members a (2), b (4, 3), c (3). Listed children first.
    fn directory() -> (Vec<Department>, Vec<Member>) {
        (
            vec![
                dept(4, 2, "Backend"),
                dept(3, 1, "Sales"),
                dept(2, 1, "R&D"),
                dept(1, 0, "Acme"),
            ],
            vec![member("c", &[3]), member("b", &[4, 3]), member("a", &[2])],
        )
    }

    async fn acme(store: &Store) {
        store
            .upsert_directory("acme", "wwcorp", None)
            .await
            .unwrap();
    }

    pub async fn full_sync_creates_everything_in_any_order_and_a_second_run_changes_nothing(
        db: Arc<TestDb>,
    ) {
        let store = db.store().await;
        let (depts, members) = directory();
        let err = store
            .apply_full_sync("acme", depts.clone(), members.clone(), None, &[])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        acme(&store).await;
        let tags = vec![Tag {
            tag_id: 7,
            name: Some("oncall".into()),
            userids: vec!["b".into(), "a".into()],
            dept_ids: vec![3],
        }];
        let diff = store
            .apply_full_sync(
                "acme",
                depts.clone(),
                members.clone(),
                Some(tags.clone()),
                &[],
            )
            .await
            .unwrap();
        assert_eq!(diff.departments.created.count, 4);
        assert_eq!(diff.members.created.count, 3);
        assert_eq!(diff.members.created.examples, vec!["a", "b", "c"]);
        assert_eq!(diff.tags.created.count, 1);
        assert!(diff.members.removed.count == 0 && diff.departments.updated.count == 0);

        let stored = store.departments("acme").await.unwrap();
        assert_eq!(stored.len(), 4);
        for d in &depts {
            let s = stored.iter().find(|s| s.dept_id == d.dept_id).unwrap();
            assert_eq!(
                (s.parent_id, &s.name, s.sort_order),
                (d.parent_id, &d.name, d.sort_order)
            );
            assert!(s.active);
        }
        let b = store.member("acme", "b").await.unwrap().unwrap();
        assert_eq!(
            b.departments.iter().map(|d| d.dept_id).collect::<Vec<_>>(),
            vec![3, 4]
        );
        assert_eq!(b.name.as_deref(), Some("Name of b"));
        assert_eq!(b.directory, "acme");
        let tag = store.tag("acme", 7).await.unwrap().unwrap();
        assert_eq!(tag.userids, vec!["a", "b"]);
        assert_eq!(tag.dept_ids, vec![3]);
        let dir = store.directory("acme").await.unwrap().unwrap();
        assert!(dir.last_full_sync_at.is_some());

        // The same directory again, in another order: nothing to do.
        let mut depts2 = depts.clone();
        depts2.reverse();
        let mut members2 = members.clone();
        members2.reverse();
        let again = store
            .apply_full_sync("acme", depts2, members2, Some(tags), &[])
            .await
            .unwrap();
        assert!(again.is_empty(), "{again:?}");
    }

    pub async fn full_sync_detects_moves_updates_removals_and_returns(db: Arc<TestDb>) {
        let store = db.store().await;
        acme(&store).await;
        let (depts, members) = directory();
        store
            .apply_full_sync("acme", depts.clone(), members.clone(), None, &[])
            .await
            .unwrap();
        // c is linked to a user: leaving must not touch the identity.
        let user = store
            .sign_in(&SignIn {
                identities: vec![(
                    IdentityKey::new(IdentityKind::WecomUser, "wwcorp", "c"),
                    json!({}),
                )],
                ..SignIn::default()
            })
            .await
            .unwrap()
            .user;

        // 4 moves under 3; 3 renamed; 2 gone; a moves to 3; b gets a new position; c leaves.
        let depts2 = vec![
            dept(1, 0, "Acme"),
            dept(3, 1, "Sales & Marketing"),
            dept(4, 3, "Backend"),
        ];
        let mut a = member("a", &[3]);
        a.main_department = Some(2);
        let mut b = member("b", &[4, 3]);
        b.position = Some("Engineer".into());
        let diff = store
            .apply_full_sync(
                "acme",
                depts2.clone(),
                vec![b.clone(), a.clone()],
                None,
                &[],
            )
            .await
            .unwrap();
        assert_eq!(diff.departments.moved.examples, vec!["4"]);
        assert_eq!(diff.departments.updated.examples, vec!["3"]);
        assert_eq!(diff.departments.removed.examples, vec!["2"]);
        assert_eq!(diff.members.moved.examples, vec!["a"]);
        assert_eq!(diff.members.updated.examples, vec!["b"]);
        assert_eq!(diff.members.removed.examples, vec!["c"]);
        assert_eq!(
            diff.members.created.count + diff.departments.created.count,
            0
        );

        let c = store.member("acme", "c").await.unwrap().unwrap();
        assert!(!c.active);
        assert!(c.left_at.is_some());
        assert_eq!(
            c.name.as_deref(),
            Some("Name of c"),
            "a member who left keeps its data"
        );
        let gone = store.department("acme", 2).await.unwrap().unwrap();
        assert!(!gone.active && gone.removed_at.is_some());
        assert_eq!(
            store
                .department("acme", 4)
                .await
                .unwrap()
                .unwrap()
                .parent_id,
            3
        );
        let identity = store
            .find_identity(&IdentityKey::new(IdentityKind::WecomUser, "wwcorp", "c"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(identity.user_id, user.id);
        assert_eq!(
            store.member_user("acme", "c").await.unwrap(),
            Some(user.id.clone())
        );

        // Idempotent, then c and 2 come back.
        let again = store
            .apply_full_sync(
                "acme",
                depts2.clone(),
                vec![a.clone(), b.clone()],
                None,
                &[],
            )
            .await
            .unwrap();
        assert!(again.is_empty(), "{again:?}");
        let mut depts3 = depts2;
        depts3.push(dept(2, 1, "R&D"));
        let back = store
            .apply_full_sync("acme", depts3, vec![a, b, member("c", &[3])], None, &[])
            .await
            .unwrap();
        assert_eq!(back.members.reactivated.examples, vec!["c"]);
        assert_eq!(back.departments.reactivated.examples, vec!["2"]);
        let c = store.member("acme", "c").await.unwrap().unwrap();
        assert!(c.active && c.left_at.is_none());
    }

    pub async fn unavailable_fields_keep_their_stored_values(db: Arc<TestDb>) {
        let store = db.store().await;
        acme(&store).await;
        let (depts, members) = directory();
        store
            .apply_full_sync("acme", depts.clone(), members.clone(), None, &[])
            .await
            .unwrap();
        // A restricted credential: no names, mobiles or emails.
        let bare_depts: Vec<Department> = depts
            .iter()
            .map(|d| Department {
                name: None,
                ..d.clone()
            })
            .collect();
        let bare_members: Vec<Member> = members
            .iter()
            .map(|m| Member {
                name: None,
                mobile: None,
                email: None,
                ..m.clone()
            })
            .collect();
        let unavailable: Vec<String> = ["name", "mobile", "email", "department_names"]
            .map(String::from)
            .to_vec();
        let diff = store
            .apply_full_sync(
                "acme",
                bare_depts.clone(),
                bare_members.clone(),
                None,
                &unavailable,
            )
            .await
            .unwrap();
        assert!(diff.is_empty(), "{diff:?}");
        let a = store.member("acme", "a").await.unwrap().unwrap();
        assert_eq!(a.name.as_deref(), Some("Name of a"));
        assert_eq!(a.email.as_deref(), Some("a@acme.test"));
        assert_eq!(
            store
                .department("acme", 2)
                .await
                .unwrap()
                .unwrap()
                .name
                .as_deref(),
            Some("R&D")
        );
        assert_eq!(
            store
                .directory("acme")
                .await
                .unwrap()
                .unwrap()
                .unavailable_fields,
            unavailable
        );
        // Without the flag, a missing value is a real change.
        let diff = store
            .apply_full_sync("acme", bare_depts, bare_members, None, &[])
            .await
            .unwrap();
        assert_eq!(diff.members.updated.count, 3);
        assert_eq!(diff.departments.updated.count, 4);
        assert_eq!(store.member("acme", "a").await.unwrap().unwrap().name, None);

        let err = store
            .apply_full_sync("acme", vec![], vec![], None, &["nmae".into()])
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown unavailable field `nmae`"),
            "{err}"
        );
    }

    pub async fn sync_jobs_run_one_at_a_time_and_resume_after_a_crash(db: Arc<TestDb>) {
        let store = db.store().await;
        acme(&store).await;
        let (job, started) = store.start_sync_job("acme", "inst-1").await.unwrap();
        assert!(started);
        assert!(job.id.starts_with("sync_"));
        assert_eq!(job.state, SyncJobState::Running);
        let (same, started) = store.start_sync_job("acme", "inst-2").await.unwrap();
        assert!(!started);
        assert_eq!(same.id, job.id);
        let (other, started) = store.start_sync_job("other", "inst-2").await.unwrap();
        assert!(started);
        assert_ne!(other.id, job.id);

        assert!(
            store
                .update_sync_job_progress(
                    &job.id,
                    "members",
                    &json!({"members": 10}),
                    &json!({"cursor": "c1"})
                )
                .await
                .unwrap()
        );
        let read = store.sync_job(&job.id).await.unwrap().unwrap();
        assert_eq!(read.phase, "members");
        assert_eq!(read.checkpoint["cursor"], "c1");
        assert_eq!(
            store.latest_sync_job("acme").await.unwrap().unwrap().id,
            job.id
        );

        // The owner dies: the heartbeat ages; another instance takes it over once.
        assert!(store.stale_running_jobs(60_000).await.unwrap().is_empty());
        assert!(
            store
                .take_over_sync_job(&job.id, "inst-2", 60_000)
                .await
                .unwrap()
                .is_none()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let stale = store.stale_running_jobs(5).await.unwrap();
        assert!(stale.iter().any(|j| j.id == job.id));
        let taken = store
            .take_over_sync_job(&job.id, "inst-2", 5)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(taken.owner.as_deref(), Some("inst-2"));
        assert_eq!(taken.checkpoint["cursor"], "c1", "the checkpoint survives");
        assert!(
            store
                .take_over_sync_job(&job.id, "inst-3", 60_000)
                .await
                .unwrap()
                .is_none()
        );
        // The compare-and-set claim, heartbeat by owner, and release on graceful shutdown.
        assert!(store.heartbeat_sync_job(&job.id, "inst-2").await.unwrap());
        assert!(!store.heartbeat_sync_job(&job.id, "inst-1").await.unwrap());
        assert!(
            !store
                .claim_sync_job(&job.id, "inst-3", taken.heartbeat_at - 1)
                .await
                .unwrap()
        );
        assert!(!store.release_sync_job(&job.id, "inst-3").await.unwrap());
        assert!(store.release_sync_job(&job.id, "inst-2").await.unwrap());
        assert_eq!(
            store.sync_job(&job.id).await.unwrap().unwrap().heartbeat_at,
            0
        );
        assert!(store.claim_sync_job(&job.id, "inst-3", 1).await.unwrap());
        assert!(
            !store.claim_sync_job(&job.id, "inst-4", 1).await.unwrap(),
            "only one instance wins"
        );
        assert_eq!(
            store
                .sync_job(&job.id)
                .await
                .unwrap()
                .unwrap()
                .owner
                .as_deref(),
            Some("inst-3")
        );

        let done = store
            .finish_sync_job(
                &job.id,
                SyncJobState::Done,
                Some(&json!({"members": {"created": 3}})),
                None,
            )
            .await
            .unwrap();
        assert_eq!(done.state, SyncJobState::Done);
        assert!(done.finished_at.is_some());
        assert_eq!(done.diff.unwrap()["members"]["created"], 3);
        assert_eq!(
            store
                .directory("acme")
                .await
                .unwrap()
                .unwrap()
                .last_job_id
                .as_deref(),
            Some(job.id.as_str())
        );
        let err = store
            .finish_sync_job(&job.id, SyncJobState::Failed, None, Some("late"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert!(
            !store
                .update_sync_job_progress(&job.id, "x", &json!({}), &json!({}))
                .await
                .unwrap()
        );
        let (next, started) = store.start_sync_job("acme", "inst-1").await.unwrap();
        assert!(started && next.id != job.id);
        let failed = store
            .finish_sync_job(&next.id, SyncJobState::Failed, None, Some("errcode 60011"))
            .await
            .unwrap();
        assert_eq!(failed.error.as_deref(), Some("errcode 60011"));
        assert_eq!(store.list_sync_jobs("acme", 10).await.unwrap().len(), 2);
    }

    pub async fn staging_is_idempotent_and_dropped_when_the_job_ends(db: Arc<TestDb>) {
        let store = db.store().await;
        let (job, _) = store.start_sync_job("acme", "inst-1").await.unwrap();
        let items: Vec<(String, serde_json::Value)> = (0..2500)
            .map(|i| (format!("u{i:05}"), json!({"userid": i})))
            .collect();
        store.stage(&job.id, "member", items.clone()).await.unwrap();
        store
            .stage(
                &job.id,
                "member",
                vec![("u00001".into(), json!({"userid": "again"}))],
            )
            .await
            .unwrap();
        store
            .stage(&job.id, "department", vec![("1".into(), json!({"id": 1}))])
            .await
            .unwrap();
        let keys = store.staged_keys(&job.id, "member").await.unwrap();
        assert_eq!(keys.len(), 2500);
        let staged = store.staged(&job.id, "member").await.unwrap();
        assert_eq!(staged[1], ("u00001".to_owned(), json!({"userid": "again"})));
        assert_eq!(store.staged(&job.id, "department").await.unwrap().len(), 1);
        let page = store
            .staged_page(&job.id, "member", None, 1000)
            .await
            .unwrap();
        assert_eq!(
            (page.len(), page[0].0.as_str(), page[999].0.as_str()),
            (1000, "u00000", "u00999")
        );
        let page = store
            .staged_page(&job.id, "member", Some("u00999"), 1000)
            .await
            .unwrap();
        assert_eq!(page[0].0, "u01000");
        let last = store
            .staged_page(&job.id, "member", Some("u02000"), 1000)
            .await
            .unwrap();
        assert_eq!(last.len(), 499);
        store
            .finish_sync_job(&job.id, SyncJobState::Cancelled, None, None)
            .await
            .unwrap();
        assert!(
            store
                .staged_keys(&job.id, "member")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            db.raw_i64("SELECT COUNT(*) FROM contact_sync_staging")
                .await,
            0
        );
    }

    pub async fn changes_queue_in_order_and_appliers_change_only_what_they_carry(db: Arc<TestDb>) {
        let store = db.store().await;
        acme(&store).await;
        let (depts, members) = directory();
        store
            .apply_full_sync("acme", depts, members, None, &[])
            .await
            .unwrap();

        let s1 = store
            .enqueue_contact_change("acme", 1, &json!({"n": 1}))
            .await
            .unwrap();
        let s2 = store
            .enqueue_contact_change("acme", 2, &json!({"n": 2}))
            .await
            .unwrap();
        let s3 = store
            .enqueue_contact_change("other", 3, &json!({"n": 3}))
            .await
            .unwrap();
        assert!(s1 < s2 && s2 < s3);
        let s4 = store
            .enqueue_contact_change_once("other", "evt_1", 4, &json!({"n": 4}))
            .await
            .unwrap();
        assert!(s4.is_some_and(|s| s > s3));
        let again = store
            .enqueue_contact_change_once("other", "evt_1", 5, &json!({"n": 4}))
            .await
            .unwrap();
        assert_eq!(again, None, "a redelivered callback is queued once");
        assert_eq!(
            store
                .pending_contact_changes("other", 10)
                .await
                .unwrap()
                .len(),
            2
        );
        let pending = store.pending_contact_changes("acme", 10).await.unwrap();
        assert_eq!(
            pending.iter().map(|c| c.seq).collect::<Vec<_>>(),
            vec![s1, s2]
        );
        assert_eq!(pending[1].change["n"], 2);
        assert_eq!(
            store.directories_with_pending_changes().await.unwrap(),
            vec!["acme", "other"]
        );
        store.mark_contact_change_applied(s1, None).await.unwrap();
        store
            .mark_contact_change_applied(s2, Some("boom"))
            .await
            .unwrap();
        assert!(
            store
                .pending_contact_changes("acme", 10)
                .await
                .unwrap()
                .is_empty()
        );
        let recent = store.recent_contact_changes("acme", 10).await.unwrap();
        assert_eq!(recent[0].error.as_deref(), Some("boom"));

        // A post-2022 update: only userid and departments. Name and mobile stay.
        let (a, outcome) = store
            .apply_member_change(
                "acme",
                MemberPatch {
                    userid: "a".into(),
                    departments: Some(vec![MemberDepartment {
                        dept_id: 4,
                        is_leader: true,
                        sort_order: 0,
                    }]),
                    ..MemberPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(outcome, ChangeOutcome::Moved);
        assert_eq!(a.name.as_deref(), Some("Name of a"));
        let stored = store.member("acme", "a").await.unwrap().unwrap();
        assert_eq!(stored, a);
        assert!(stored.departments[0].is_leader);
        let (_, again) = store
            .apply_member_change(
                "acme",
                MemberPatch {
                    userid: "a".into(),
                    departments: Some(vec![MemberDepartment {
                        dept_id: 4,
                        is_leader: true,
                        sort_order: 0,
                    }]),
                    ..MemberPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(again, ChangeOutcome::Unchanged);
        let mut extra = serde_json::Map::new();
        extra.insert("telephone".into(), json!("010-1"));
        let (a, outcome) = store
            .apply_member_change(
                "acme",
                MemberPatch {
                    userid: "a".into(),
                    position: Some("CTO".into()),
                    extra,
                    ..MemberPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(outcome, ChangeOutcome::Updated);
        assert_eq!(a.extra["telephone"], "010-1");
        let (d, outcome) = store
            .apply_member_change(
                "acme",
                MemberPatch {
                    userid: "d".into(),
                    name: Some("Dee".into()),
                    ..MemberPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((outcome, d.active), (ChangeOutcome::Created, true));
        assert!(store.remove_member("acme", "d").await.unwrap());
        assert!(!store.remove_member("acme", "d").await.unwrap());
        let d = store.member("acme", "d").await.unwrap().unwrap();
        assert!(!d.active && d.left_at.is_some());

        let (p, outcome) = store
            .apply_department_change(
                "acme",
                DepartmentPatch {
                    dept_id: 9,
                    parent_id: Some(3),
                    name: Some("Ops".into()),
                    ..DepartmentPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((outcome, p.parent_id), (ChangeOutcome::Created, 3));
        let (p, outcome) = store
            .apply_department_change(
                "acme",
                DepartmentPatch {
                    dept_id: 9,
                    parent_id: Some(2),
                    ..DepartmentPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (outcome, p.name.as_deref()),
            (ChangeOutcome::Moved, Some("Ops"))
        );
        let (_, outcome) = store
            .apply_department_change(
                "acme",
                DepartmentPatch {
                    dept_id: 9,
                    name: Some("Operations".into()),
                    ..DepartmentPatch::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(outcome, ChangeOutcome::Updated);
        assert!(store.remove_department("acme", 9).await.unwrap());
        assert!(!store.department("acme", 9).await.unwrap().unwrap().active);

        let tag = store
            .apply_tag_change("acme", 5, None, &["a".into(), "b".into()], &[], &[2], &[])
            .await
            .unwrap();
        assert_eq!(
            (tag.userids.clone(), tag.dept_ids.clone()),
            (vec!["a".to_owned(), "b".to_owned()], vec![2])
        );
        let tag = store
            .apply_tag_change(
                "acme",
                5,
                Some("vip"),
                &["c".into()],
                &["a".into()],
                &[],
                &[2],
            )
            .await
            .unwrap();
        assert_eq!(tag.userids, vec!["b", "c"]);
        assert!(tag.dept_ids.is_empty());
        assert_eq!(tag.name.as_deref(), Some("vip"));
    }

    pub async fn rename_moves_the_member_and_its_identity(db: Arc<TestDb>) {
        let store = db.store().await;
        acme(&store).await;
        let (mut depts, members) = directory();
        depts[0].leaders = vec!["b".into()]; // b leads 4
        store
            .apply_full_sync("acme", depts, members, None, &[])
            .await
            .unwrap();
        store
            .apply_tag_change("acme", 5, None, &["b".into()], &[], &[], &[])
            .await
            .unwrap();
        let user = store
            .sign_in(&SignIn {
                identities: vec![(
                    IdentityKey::new(IdentityKind::WecomUser, "wwcorp", "b"),
                    json!({}),
                )],
                ..SignIn::default()
            })
            .await
            .unwrap()
            .user;

        let out = store.rename_member("acme", "b", "bee").await.unwrap();
        assert!(out.renamed);
        let m = out.member.unwrap();
        assert_eq!(m.userid, "bee");
        assert_eq!(m.departments.len(), 2);
        assert_eq!(out.identity.unwrap().key.subject, "bee");
        assert!(store.member("acme", "b").await.unwrap().is_none());
        assert_eq!(
            store.department("acme", 4).await.unwrap().unwrap().leaders,
            vec!["bee"]
        );
        assert_eq!(
            store.tag("acme", 5).await.unwrap().unwrap().userids,
            vec!["bee"]
        );
        assert_eq!(
            store.member_user("acme", "bee").await.unwrap(),
            Some(user.id.clone())
        );
        // Delivered again: nothing left to rename, same result.
        let again = store.rename_member("acme", "b", "bee").await.unwrap();
        assert!(!again.renamed);
        assert_eq!(again.member.unwrap().userid, "bee");
        assert_eq!(again.identity.unwrap().user_id, user.id);
        // Onto another active member: refused.
        let err = store.rename_member("acme", "a", "c").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    }

    pub async fn lookups_both_ways_and_department_paths(db: Arc<TestDb>) {
        let store = db.store().await;
        acme(&store).await;
        store
            .upsert_directory("crm:wwother", "wwother", Some("suite1"))
            .await
            .unwrap();
        let (mut depts, mut members) = directory();
        depts[1].leaders = vec!["c".into()]; // c leads 3 by department_leader
        members[1].departments[1].is_leader = true; // b leads 3 by is_leader_in_dept
        members[0].open_userid = Some("open-c".into());
        members.push(member("gone", &[4]));
        store
            .apply_full_sync("acme", depts.clone(), members, None, &[])
            .await
            .unwrap();
        store.remove_member("acme", "gone").await.unwrap();
        let mut other = member("x", &[2]);
        other.open_userid = Some("open-x".into());
        store
            .apply_full_sync(
                "crm:wwother",
                vec![dept(1, 0, "Other"), dept(2, 1, "Team")],
                vec![other],
                None,
                &[],
            )
            .await
            .unwrap();

        let tree = store.department_tree("acme").await.unwrap();
        assert_eq!(tree.len(), 1);
        let root = &tree[0];
        assert_eq!(
            (
                root.department.dept_id,
                root.direct_members,
                root.total_members
            ),
            (1, 0, 3)
        );
        let rd = root
            .children
            .iter()
            .find(|n| n.department.dept_id == 2)
            .unwrap();
        assert_eq!((rd.direct_members, rd.total_members), (1, 2));
        assert_eq!(rd.children[0].department.dept_id, 4);
        assert_eq!(
            rd.children[0].total_members, 1,
            "a member who left is not counted"
        );

        let ids = |ms: Vec<Member>| ms.into_iter().map(|m| m.userid).collect::<Vec<_>>();
        assert_eq!(
            ids(store
                .department_members("acme", 2, false, None, None)
                .await
                .unwrap()),
            vec!["a"]
        );
        assert_eq!(
            ids(store
                .department_members("acme", 2, true, None, None)
                .await
                .unwrap()),
            vec!["a", "b"]
        );
        assert_eq!(
            ids(store
                .department_members("acme", 1, true, None, None)
                .await
                .unwrap()),
            vec!["a", "b", "c"]
        );
        // Paged: two, then the rest after the last userid, then nothing; each member still
        // carries all its departments (read with the same selection).
        let first = store
            .department_members("acme", 1, true, None, Some(2))
            .await
            .unwrap();
        assert!(first.iter().all(|m| !m.departments.is_empty()));
        assert_eq!(ids(first), vec!["a", "b"]);
        assert_eq!(
            ids(store
                .department_members("acme", 1, true, Some("b"), Some(2))
                .await
                .unwrap()),
            vec!["c"]
        );
        assert!(
            store
                .department_members("acme", 1, true, Some("c"), Some(2))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            ids(store.department_leaders("acme", 3).await.unwrap()),
            vec!["b", "c"]
        );
        assert_eq!(
            store
                .member_by_open_userid("acme", "open-c")
                .await
                .unwrap()
                .unwrap()
                .userid,
            "c"
        );
        assert_eq!(
            ids(store.members_by_email("acme", "B@ACME.test").await.unwrap()),
            vec!["b"]
        );
        assert_eq!(
            ids(store
                .members_by_mobile("acme", "13800000001")
                .await
                .unwrap()),
            vec!["a", "b", "c"]
        );

        // A user with both a corp identity (b in acme) and a suite identity (x in crm:wwother).
        let user = store
            .sign_in(&SignIn {
                identities: vec![
                    (
                        IdentityKey::new(IdentityKind::WecomUser, "wwcorp", "b"),
                        json!({}),
                    ),
                    (
                        IdentityKey::new(IdentityKind::WecomOpenUser, "suite1", "open-x"),
                        json!({}),
                    ),
                ],
                ..SignIn::default()
            })
            .await
            .unwrap()
            .user;
        assert_eq!(
            store.member_user("acme", "b").await.unwrap(),
            Some(user.id.clone())
        );
        assert_eq!(
            store.member_user("crm:wwother", "x").await.unwrap(),
            Some(user.id.clone())
        );
        assert_eq!(store.member_user("acme", "a").await.unwrap(), None);
        let linked = store.user_members(&user.id).await.unwrap();
        assert_eq!(
            linked
                .iter()
                .map(|m| (m.directory.as_str(), m.userid.as_str()))
                .collect::<Vec<_>>(),
            vec![("acme", "b"), ("crm:wwother", "x")]
        );
        let paths = store.member_department_paths(&user.id).await.unwrap();
        let paths: Vec<(String, Vec<i64>)> =
            paths.into_iter().map(|p| (p.directory, p.path)).collect();
        assert_eq!(
            paths,
            vec![
                ("acme".to_owned(), vec![1, 2, 4]),
                ("acme".to_owned(), vec![1, 3]),
                ("crm:wwother".to_owned(), vec![1, 2]),
            ]
        );
        // A member who left gives no paths.
        store.remove_member("acme", "b").await.unwrap();
        let paths = store.member_department_paths(&user.id).await.unwrap();
        assert_eq!(paths.len(), 1);
    }
}
