//! The streamed full-sync apply on both backends: paging changes nothing (a directory applied in
//! many small pages gives the same diffs and rows as in one page), a dropped apply writes
//! nothing, pages out of byte order are refused and poison the apply, a member listed twice in a
//! page is merged, the call order is checked, and staging is read back in byte order (also on
//! the apply's own connection when the pool has only one).

mod common;

on_both_backends!(
    many_small_pages_give_the_same_diffs_and_rows_as_one_page,
    a_dropped_apply_writes_nothing_and_the_next_one_sees_the_old_rows,
    pages_out_of_byte_order_are_refused_and_poison_the_apply,
    a_member_listed_twice_in_one_page_is_one_member_with_both_departments,
    departments_are_applied_exactly_once_and_tags_at_most_once,
    staged_keys_come_back_in_byte_order,
);

/// `sqlite::memory:` has one connection: while an apply holds it, staging is read through the
/// apply.
#[tokio::test]
async fn a_one_connection_database_reads_staging_through_the_apply() {
    use wxgate_store::{SecretBox, Store};
    let store = Store::connect("sqlite::memory:", SecretBox::generate().0)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
        .upsert_directory("acme", "wwcorp", None)
        .await
        .unwrap();
    let (job, _) = store.start_sync_job("acme", "inst").await.unwrap();
    store
        .stage(
            &job.id,
            "member",
            vec![("a".to_owned(), serde_json::json!({"n": 1}))],
        )
        .await
        .unwrap();
    let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
    let page = apply
        .staged_page_json(&job.id, "member", None, 10)
        .await
        .unwrap();
    assert_eq!(page, vec![("a".to_owned(), r#"{"n":1}"#.to_owned())]);
    apply.departments(vec![]).await.unwrap();
    apply.finish().await.unwrap();
}

mod cases {
    use std::sync::Arc;

    use wxgate_store::{
        Department, FullSyncApply, Member, MemberDepartment, Store, StoreError, SyncDiff, Tag,
    };

    use crate::common::TestDb;

    fn dept(id: i64, parent: i64) -> Department {
        Department {
            dept_id: id,
            parent_id: parent,
            name: Some(format!("Dept {id}")),
            sort_order: id % 7,
            leaders: if id % 5 == 0 {
                vec![format!("u{id:04}")]
            } else {
                vec![]
            },
            ..Department::default()
        }
    }

    fn member(userid: &str, depts: &[i64]) -> Member {
        let mut m = Member::new(userid);
        m.name = Some(format!("Name of {userid}"));
        m.mobile = Some(format!("138{:08}", userid.len()));
        m.status = Some(1);
        m.main_department = depts.first().copied();
        m.extra = serde_json::json!({"telephone": format!("020-{userid}")});
        m.departments = depts
            .iter()
            .map(|d| MemberDepartment {
                dept_id: *d,
                is_leader: d % 3 == 0,
                sort_order: *d,
            })
            .collect();
        m
    }

    /// 30 departments; 250 members (`u0000`…), some listed twice (once per department), and a
    /// few userids that sort differently in byte order than case-insensitively.
    fn first_directory() -> (Vec<Department>, Vec<Member>, Vec<Tag>) {
        let depts = (1..=30)
            .map(|id| dept(id, if id == 1 { 0 } else { id / 2 }))
            .collect();
        let mut members = Vec::new();
        for i in 0..250 {
            let userid = format!("u{i:04}");
            members.push(member(&userid, &[1 + i % 30]));
            if i % 9 == 0 {
                // Listed again in another department, the other fields the same.
                let mut again = member(&userid, &[1 + (i + 11) % 30]);
                again.main_department = Some(1 + i % 30);
                members.push(again);
            }
        }
        for userid in ["Zed", "_under", "zed", "Émile"] {
            members.push(member(userid, &[2]));
        }
        let tags = vec![
            Tag {
                tag_id: 1,
                name: Some("oncall".into()),
                userids: vec!["u0003".into(), "Zed".into()],
                dept_ids: vec![4],
            },
            Tag {
                tag_id: 2,
                name: Some("vip".into()),
                userids: vec!["u0100".into()],
                dept_ids: vec![],
            },
        ];
        (depts, members, tags)
    }

    /// The directory later: 3 departments gone, 1 moved, 1 renamed; 20 members gone, 10 moved,
    /// 10 updated, 5 new; a tag changed, one gone, one new.
    fn second_directory() -> (Vec<Department>, Vec<Member>, Vec<Tag>) {
        let (mut depts, members, _) = first_directory();
        depts.retain(|d| d.dept_id < 28);
        depts[4].parent_id = 1;
        depts[5].name = Some("Renamed".into());
        let mut out = Vec::new();
        for mut m in members {
            let n: Option<u32> = m.userid.strip_prefix('u').and_then(|n| n.parse().ok());
            match n.map(|n| n % 25) {
                Some(0 | 1) => continue,
                // Moved out of its first department (a second listing keeps the other one).
                Some(2) if m.main_department == m.departments.first().map(|d| d.dept_id) => {
                    m.departments[0].dept_id = 27;
                }
                Some(3) => m.position = Some("Engineer".into()),
                _ => {}
            }
            out.push(m);
        }
        for i in 0..5 {
            out.push(member(&format!("new{i}"), &[3]));
        }
        let tags = vec![
            Tag {
                tag_id: 1,
                name: Some("on-call".into()),
                userids: vec!["u0003".into()],
                dept_ids: vec![4, 5],
            },
            Tag {
                tag_id: 3,
                name: Some("new".into()),
                userids: vec!["new1".into()],
                dept_ids: vec![],
            },
        ];
        (depts, out, tags)
    }

    /// Members sorted by userid (byte order) cut into pages of about `size`, never splitting a
    /// userid's listings.
    fn pages(mut members: Vec<Member>, size: usize) -> Vec<Vec<Member>> {
        members.sort_by(|a, b| a.userid.cmp(&b.userid));
        let mut out: Vec<Vec<Member>> = Vec::new();
        for m in members {
            let same = out
                .last()
                .and_then(|p| p.last())
                .is_some_and(|l| l.userid == m.userid);
            match out.last_mut() {
                Some(p) if p.len() < size || same => p.push(m),
                _ => out.push(vec![m]),
            }
        }
        out
    }

    async fn apply_in_pages(
        store: &Store,
        directory: &str,
        (depts, members, tags): (Vec<Department>, Vec<Member>, Vec<Tag>),
        size: usize,
        unavailable: &[String],
    ) -> SyncDiff {
        let mut apply = store.begin_full_sync(directory, unavailable).await.unwrap();
        apply.departments(depts).await.unwrap();
        for page in pages(members, size) {
            apply.members(page).await.unwrap();
        }
        apply.tags(tags).await.unwrap();
        apply.finish().await.unwrap()
    }

    /// What a directory holds, without its name and the times of change.
    async fn rows(store: &Store, directory: &str) -> Rows {
        let depts = store
            .departments(directory)
            .await
            .unwrap()
            .into_iter()
            .map(|d| Department {
                directory: String::new(),
                removed_at: d.removed_at.map(|_| 1),
                ..d
            })
            .collect();
        let members = store
            .all_members(directory)
            .await
            .unwrap()
            .into_iter()
            .map(|m| Member {
                directory: String::new(),
                left_at: m.left_at.map(|_| 1),
                ..m
            })
            .collect();
        (depts, members, store.tags(directory).await.unwrap())
    }

    type Rows = (Vec<Department>, Vec<Member>, Vec<Tag>);

    /// Asserts two directories hold the same rows, naming the first that differs.
    fn same_rows(a: &Rows, b: &Rows, round: usize) {
        fn first_difference<T: PartialEq + std::fmt::Debug>(
            a: &[T],
            b: &[T],
            what: &str,
            round: usize,
        ) {
            assert_eq!(a.len(), b.len(), "round {round}: number of {what}");
            if let Some((x, y)) = a.iter().zip(b).find(|(x, y)| x != y) {
                panic!("round {round}: {what} differ:\n{x:?}\n{y:?}");
            }
        }
        first_difference(&a.0, &b.0, "departments", round);
        first_difference(&a.1, &b.1, "members", round);
        first_difference(&a.2, &b.2, "tags", round);
    }

    async fn directories(store: &Store, names: &[&str]) {
        for name in names {
            store.upsert_directory(name, "wwcorp", None).await.unwrap();
        }
    }

    pub async fn many_small_pages_give_the_same_diffs_and_rows_as_one_page(db: Arc<TestDb>) {
        let store = db.store().await;
        directories(&store, &["paged", "whole", "wrapper"]).await;
        let unavailable: Vec<String> = vec![];
        for (round, directory) in [first_directory(), second_directory()]
            .into_iter()
            .enumerate()
        {
            let paged = apply_in_pages(&store, "paged", directory.clone(), 7, &unavailable).await;
            let whole =
                apply_in_pages(&store, "whole", directory.clone(), usize::MAX, &unavailable).await;
            let (depts, mut members, tags) = directory;
            members.reverse();
            let wrapper = store
                .apply_full_sync("wrapper", depts, members, Some(tags), &unavailable)
                .await
                .unwrap();
            assert_eq!(paged, whole, "round {round}");
            assert_eq!(paged, wrapper, "round {round}");
            let stored = rows(&store, "paged").await;
            same_rows(&stored, &rows(&store, "whole").await, round);
            same_rows(&stored, &rows(&store, "wrapper").await, round);
            if round == 0 {
                assert_eq!(paged.members.created.count, 254);
                assert_eq!(paged.departments.created.count, 30);
                assert_eq!(paged.tags.created.count, 2);
                assert_eq!(
                    paged.members.created.examples[..4],
                    ["Zed", "_under", "u0000", "u0001"],
                    "byte order: uppercase, then `_`, then lowercase"
                );
                let u0 = stored.1.iter().find(|m| m.userid == "u0000").unwrap();
                assert_eq!(
                    u0.departments.iter().map(|d| d.dept_id).collect::<Vec<_>>(),
                    [1, 12],
                    "listed twice: both departments"
                );
            } else {
                assert_eq!(paged.members.removed.count, 20);
                assert_eq!(paged.members.created.count, 5);
                assert_eq!(paged.members.moved.count, 10);
                assert_eq!(paged.members.updated.count, 10);
                assert_eq!(paged.departments.removed.examples, ["28", "29", "30"]);
                assert_eq!(paged.departments.moved.examples, ["5"]);
                assert_eq!(paged.departments.updated.examples, ["6"]);
                assert_eq!(
                    (
                        paged.tags.created.count,
                        paged.tags.updated.count,
                        paged.tags.removed.count
                    ),
                    (1, 1, 1)
                );
                let gone = stored.1.iter().find(|m| m.userid == "u0000").unwrap();
                assert!(!gone.active && gone.left_at.is_some());
            }
        }
        // Once more, paged: nothing to do.
        let again = apply_in_pages(&store, "paged", second_directory(), 3, &unavailable).await;
        assert!(again.is_empty(), "{again:?}");
        // A credential that cannot read mobiles keeps the stored ones, paged or not.
        let (depts, members, tags) = second_directory();
        let bare: Vec<Member> = members
            .into_iter()
            .map(|m| Member { mobile: None, ..m })
            .collect();
        let unavailable = vec!["mobile".to_owned()];
        let diff = apply_in_pages(&store, "paged", (depts, bare, tags), 11, &unavailable).await;
        assert!(diff.is_empty(), "{diff:?}");
        let m = store.member("paged", "u0005").await.unwrap().unwrap();
        assert_eq!(m.mobile.as_deref(), Some("13800000005"));
    }

    pub async fn a_dropped_apply_writes_nothing_and_the_next_one_sees_the_old_rows(
        db: Arc<TestDb>,
    ) {
        let store = db.store().await;
        directories(&store, &["acme"]).await;
        apply_in_pages(&store, "acme", first_directory(), 50, &[]).await;
        let before = rows(&store, "acme").await;
        let synced_at = store
            .directory("acme")
            .await
            .unwrap()
            .unwrap()
            .last_full_sync_at;

        {
            let (depts, members, tags) = second_directory();
            let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
            apply.departments(depts).await.unwrap();
            let mut listed = std::collections::BTreeSet::new();
            for page in pages(members, 40).into_iter().take(3) {
                listed.extend(page.iter().map(|m| m.userid.clone()));
                apply.members(page).await.unwrap();
            }
            apply.tags(tags).await.unwrap();
            assert_eq!(apply.members_listed(), listed.len() as u64);
            assert!(listed.len() >= 100, "{}", listed.len());
            // Dropped here: the process "crashed" mid-apply.
        }
        same_rows(&rows(&store, "acme").await, &before, 0);
        assert_eq!(
            store
                .directory("acme")
                .await
                .unwrap()
                .unwrap()
                .last_full_sync_at,
            synced_at
        );

        // The next apply (another connection; the lock is free again) sees the old rows: its
        // diff is the whole change, the same as on a directory that never saw the dropped one.
        store
            .upsert_directory("twin", "wwcorp", None)
            .await
            .unwrap();
        apply_in_pages(&store, "twin", first_directory(), 50, &[]).await;
        let diff = apply_in_pages(&store, "acme", second_directory(), 40, &[]).await;
        let twin = apply_in_pages(&store, "twin", second_directory(), 40, &[]).await;
        assert_eq!(diff, twin);
        assert_eq!(diff.members.removed.count, 20);
    }

    fn conflict(result: Result<(), StoreError>) -> String {
        match result {
            Err(StoreError::Conflict(message)) => message,
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    pub async fn pages_out_of_byte_order_are_refused_and_poison_the_apply(db: Arc<TestDb>) {
        let store = db.store().await;
        directories(&store, &["acme"]).await;
        let depts = vec![dept(1, 0), dept(2, 1)];

        // Byte order: "Zed" < "alice" (uppercase first), so this order is fine…
        let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
        apply.departments(depts.clone()).await.unwrap();
        apply.members(vec![member("Zed", &[2])]).await.unwrap();
        apply.members(vec![]).await.unwrap();
        apply
            .members(vec![member("bob", &[2]), member("alice", &[2])])
            .await
            .unwrap();
        let diff = apply.finish().await.unwrap();
        assert_eq!(diff.members.created.examples, ["Zed", "alice", "bob"]);

        // …and this one is not.
        let mut apply: FullSyncApply = store.begin_full_sync("acme", &[]).await.unwrap();
        apply.departments(depts.clone()).await.unwrap();
        apply
            .members(vec![member("carol", &[1]), member("bob", &[1])])
            .await
            .unwrap();
        let message = conflict(apply.members(vec![member("alice", &[1])]).await);
        assert!(
            message.contains("members page out of order: `alice` does not sort after `carol`"),
            "{message}"
        );
        assert!(
            message.contains("sorted by userid (byte order)"),
            "{message}"
        );
        // Poisoned: nothing more is accepted, finish included.
        let later = conflict(apply.members(vec![member("dave", &[1])]).await);
        assert!(later.contains("failed earlier"), "{later}");
        let finished = apply.finish().await.unwrap_err();
        assert!(
            finished.to_string().contains("failed earlier"),
            "{finished}"
        );
        let bob = store.member("acme", "bob").await.unwrap().unwrap();
        assert_eq!(
            bob.departments[0].dept_id, 2,
            "the refused apply wrote nothing"
        );

        // The same userid in two pages is out of order too.
        let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
        apply.departments(depts).await.unwrap();
        apply.members(vec![member("bob", &[1])]).await.unwrap();
        let message = conflict(apply.members(vec![member("bob", &[2])]).await);
        assert!(
            message.contains("`bob` does not sort after `bob`"),
            "{message}"
        );
    }

    pub async fn a_member_listed_twice_in_one_page_is_one_member_with_both_departments(
        db: Arc<TestDb>,
    ) {
        let store = db.store().await;
        directories(&store, &["acme"]).await;
        let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
        apply
            .departments(vec![dept(1, 0), dept(2, 1), dept(3, 1)])
            .await
            .unwrap();
        let mut later = member("x", &[3, 2]);
        later.position = Some("from the second listing".into());
        later.departments[1].sort_order = 99;
        apply
            .members(vec![member("x", &[2]), member("y", &[1]), later])
            .await
            .unwrap();
        assert_eq!(apply.members_listed(), 2);
        let diff = apply.finish().await.unwrap();
        assert_eq!(diff.members.created.examples, ["x", "y"]);
        let x = store.member("acme", "x").await.unwrap().unwrap();
        assert_eq!(
            x.departments
                .iter()
                .map(|d| (d.dept_id, d.sort_order))
                .collect::<Vec<_>>(),
            [(2, 99), (3, 3)],
            "one row per department, the later listing's values"
        );
        assert_eq!(x.position.as_deref(), Some("from the second listing"));
    }

    pub async fn departments_are_applied_exactly_once_and_tags_at_most_once(db: Arc<TestDb>) {
        let store = db.store().await;
        let err = store.begin_full_sync("nowhere", &[]).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        let err = store
            .begin_full_sync("nowhere", &["nmae".into()])
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown unavailable field `nmae`"),
            "{err}"
        );
        directories(&store, &["acme"]).await;

        let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
        apply.members(vec![member("a", &[1])]).await.unwrap();
        let err = apply.finish().await.unwrap_err();
        assert!(
            err.to_string().contains("did not apply its departments"),
            "{err}"
        );
        assert!(store.member("acme", "a").await.unwrap().is_none());

        let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
        apply.departments(vec![dept(1, 0)]).await.unwrap();
        let message = conflict(apply.departments(vec![dept(1, 0)]).await);
        assert!(message.contains("applied once"), "{message}");
        drop(apply);

        let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
        apply.departments(vec![dept(1, 0)]).await.unwrap();
        apply.tags(vec![]).await.unwrap();
        let message = conflict(apply.tags(vec![]).await);
        assert!(message.contains("applied once"), "{message}");
        drop(apply);

        // Without a tags call the stored tags stay.
        apply_in_pages(&store, "acme", first_directory(), 100, &[]).await;
        let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
        apply.departments(first_directory().0).await.unwrap();
        for page in pages(first_directory().1, 100) {
            apply.members(page).await.unwrap();
        }
        let diff = apply.finish().await.unwrap();
        assert!(diff.is_empty(), "{diff:?}");
        assert_eq!(store.tags("acme").await.unwrap().len(), 2);
    }

    pub async fn staged_keys_come_back_in_byte_order(db: Arc<TestDb>) {
        let store = db.store().await;
        directories(&store, &["acme"]).await;
        let (job, _) = store.start_sync_job("acme", "inst").await.unwrap();
        let mut keys: Vec<String> = [
            "bob", "Zed", "_under", "alice", "Émile", "zed", "Alice", "10", "9",
        ]
        .map(String::from)
        .to_vec();
        let items = keys
            .iter()
            .map(|k| (k.clone(), serde_json::json!({ "userid": k })))
            .collect();
        store.stage(&job.id, "member", items).await.unwrap();
        keys.sort();
        let mut read = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = store
                .staged_page_json(&job.id, "member", after.as_deref(), 2)
                .await
                .unwrap();
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            read.extend(page.into_iter().map(|(k, _)| k));
        }
        assert_eq!(read, keys, "byte order on both backends");
        if db.is_postgres() {
            // Whatever the database's collation (this test server's may already be bytewise).
            assert_eq!(
                db.raw_texts(
                    "SELECT collation_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = 'contact_sync_staging' AND column_name = 'key'"
                )
                .await,
                [Some("C".to_owned())]
            );
        }
        // The same through an open apply.
        let mut apply = store.begin_full_sync("acme", &[]).await.unwrap();
        let page = apply
            .staged_page_json(&job.id, "member", Some("Zed"), 3)
            .await
            .unwrap();
        assert_eq!(
            page.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["_under", "alice", "bob"]
        );
        assert_eq!(page[0].1, r#"{"userid":"_under"}"#);
    }
}
