//! Random mutation sequences: every index always equals a from-scratch rebuild, a refused
//! mutation changes nothing, and every accepted one reports at least the event it promises.

use proptest::prelude::*;

use crate::directory::{
    Department, DepartmentUpdate, Directory, DirectoryChange, GenerateOptions, Member, MemberUpdate,
};

/// Small pools so that operations collide (same userid, same mobile, same name) often.
const USERIDS: [&str; 6] = ["alpha", "beta", "Gamma", "delta", "zhangwei", "liwei"];
const NAMES: [&str; 4] = ["测试部", "一组", "二组", "研发中心"];

#[derive(Debug, Clone)]
enum Op {
    CreateUser {
        id: usize,
        depts: Vec<u8>,
        mobile: u8,
    },
    UpdateUser {
        pick: u16,
        rename: Option<usize>,
        depts: Option<Vec<u8>>,
        mobile: Option<u8>,
    },
    DeleteUser {
        pick: u16,
    },
    CreateDept {
        parent: u8,
        name: usize,
    },
    MoveDept {
        pick: u8,
        parent: u8,
        order: u16,
    },
    DeleteDept {
        pick: u8,
    },
    TagMembers {
        tag: u8,
        user: u16,
        dept: u8,
        add: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let depts = proptest::collection::vec(any::<u8>(), 0..4);
    prop_oneof![
        (0..USERIDS.len(), depts.clone(), any::<u8>())
            .prop_map(|(id, depts, mobile)| Op::CreateUser { id, depts, mobile }),
        (
            any::<u16>(),
            proptest::option::of(0..USERIDS.len()),
            proptest::option::of(depts),
            proptest::option::of(any::<u8>())
        )
            .prop_map(|(pick, rename, depts, mobile)| Op::UpdateUser {
                pick,
                rename,
                depts,
                mobile
            }),
        any::<u16>().prop_map(|pick| Op::DeleteUser { pick }),
        (any::<u8>(), 0..NAMES.len()).prop_map(|(parent, name)| Op::CreateDept { parent, name }),
        (any::<u8>(), any::<u8>(), any::<u16>()).prop_map(|(pick, parent, order)| Op::MoveDept {
            pick,
            parent,
            order
        }),
        any::<u8>().prop_map(|pick| Op::DeleteDept { pick }),
        (any::<u8>(), any::<u16>(), any::<u8>(), any::<bool>()).prop_map(
            |(tag, user, dept, add)| Op::TagMembers {
                tag,
                user,
                dept,
                add
            }
        ),
    ]
}

fn nth_dept(dir: &Directory, n: u8) -> u32 {
    let ids: Vec<u32> = dir.departments().map(|d| d.id).collect();
    ids[n as usize % ids.len()]
}

fn nth_user(dir: &Directory, n: u16) -> String {
    let ids: Vec<&str> = dir.members().map(|m| m.userid.as_str()).collect();
    if ids.is_empty() {
        "nobody".to_owned()
    } else {
        ids[n as usize % ids.len()].to_owned()
    }
}

/// Applies `op`; returns whether it was accepted and the events it produced.
fn apply(dir: &mut Directory, op: &Op) -> (bool, Vec<DirectoryChange>) {
    let result = match op {
        Op::CreateUser { id, depts, mobile } => {
            let depts: Vec<u32> = depts.iter().map(|d| nth_dept(dir, *d)).collect();
            let mut m = Member::new(USERIDS[*id], "测试", depts);
            m.mobile = format!("1380000{:04}", mobile % 16);
            dir.create_user(m)
        }
        Op::UpdateUser {
            pick,
            rename,
            depts,
            mobile,
        } => {
            let userid = nth_user(dir, *pick);
            let update = MemberUpdate {
                new_userid: rename.map(|r| USERIDS[r].to_owned()),
                department: depts
                    .as_ref()
                    .map(|d| d.iter().map(|x| nth_dept(dir, *x)).collect()),
                mobile: mobile.map(|m| format!("1380000{:04}", m % 16)),
                ..MemberUpdate::default()
            };
            dir.update_user(&userid, update)
        }
        Op::DeleteUser { pick } => {
            let userid = nth_user(dir, *pick);
            dir.delete_user(&userid)
        }
        Op::CreateDept { parent, name } => {
            let parentid = nth_dept(dir, *parent);
            dir.create_department(Department {
                id: 0,
                name: NAMES[*name].to_owned(),
                name_en: None,
                parentid,
                order: 0,
                department_leader: Vec::new(),
            })
        }
        Op::MoveDept {
            pick,
            parent,
            order,
        } => {
            let id = nth_dept(dir, *pick);
            let parentid = nth_dept(dir, *parent);
            dir.update_department(
                id,
                DepartmentUpdate {
                    parentid: Some(parentid),
                    order: Some(u32::from(*order % 4)),
                    ..DepartmentUpdate::default()
                },
            )
        }
        Op::DeleteDept { pick } => {
            let id = nth_dept(dir, *pick);
            dir.delete_department(id)
        }
        Op::TagMembers {
            tag,
            user,
            dept,
            add,
        } => {
            let tagid = u32::from(tag % 6);
            let users = vec![nth_user(dir, *user)];
            let parties = vec![nth_dept(dir, *dept)];
            let outcome = if *add {
                dir.add_tag_members(tagid, &users, &parties)
            } else {
                dir.remove_tag_members(tagid, &users, &parties)
            };
            outcome.map(|o| o.changes)
        }
    };
    match result {
        Ok(changes) => (true, changes),
        Err(err) => {
            assert!(err.errcode() > 0);
            assert!(!err.errmsg().is_empty());
            (false, Vec::new())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn indexes_match_a_rebuild_after_any_mutations(
        seed in 0u64..1000,
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let mut dir = Directory::generate(&GenerateOptions {
            corp_id: "wwprop".to_owned(),
            members: 25,
            departments: 8,
            seed,
        });
        for op in &ops {
            let before = dir.to_seed_json();
            let version = dir.version();
            let (accepted, changes) = apply(&mut dir, op);
            prop_assert!(dir.indexes_are_consistent(), "indexes diverged after {:?}", op);
            if accepted {
                prop_assert_eq!(dir.version() > version, !changes.is_empty() || dir.to_seed_json() != before);
            } else {
                prop_assert_eq!(dir.to_seed_json(), before, "refused {:?} changed the directory", op);
                prop_assert_eq!(dir.version(), version);
            }
            // A reload of the export is the same directory.
            let reloaded = Directory::from_seed_json("wwprop", &dir.to_seed_json());
            prop_assert!(reloaded.is_ok(), "export no longer loads after {:?}: {:?}", op, reloaded.err());
        }
    }
}

/// Guards the property above against vacuity: a long fixed sequence of the same random operations
/// gets every kind of operation both accepted and (overall) refused.
#[test]
fn random_operations_are_both_accepted_and_refused() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let ops = proptest::collection::vec(op(), 600)
        .new_tree(&mut runner)
        .unwrap()
        .current();
    let mut dir = Directory::generate(&GenerateOptions {
        corp_id: "wwprop".to_owned(),
        members: 25,
        departments: 8,
        seed: 9,
    });
    let mut accepted = [0usize; 7];
    let mut refused = 0;
    for op in &ops {
        let kind = match op {
            Op::CreateUser { .. } => 0,
            Op::UpdateUser { .. } => 1,
            Op::DeleteUser { .. } => 2,
            Op::CreateDept { .. } => 3,
            Op::MoveDept { .. } => 4,
            Op::DeleteDept { .. } => 5,
            Op::TagMembers { .. } => 6,
        };
        let (ok, _) = apply(&mut dir, op);
        if ok {
            accepted[kind] += 1;
        } else {
            refused += 1;
        }
        assert!(dir.indexes_are_consistent());
    }
    assert!(
        accepted.iter().all(|n| *n > 0),
        "accepted per kind: {accepted:?}"
    );
    assert!(refused > 50, "only {refused} refused");
}
