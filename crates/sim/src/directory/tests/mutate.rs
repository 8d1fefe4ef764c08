//! Mutations: their change_contact events, their side effects and their errcodes.

use super::small;
use crate::directory::{
    Department, DepartmentUpdate, DirectoryChange, DirectoryError, Member, MemberUpdate,
    PartyChange, TagChange,
};

fn newcomer(userid: &str, departments: Vec<u32>) -> Member {
    let mut m = Member::new(userid, "孙七", departments);
    m.mobile = "13900000007".to_owned();
    m
}

fn code<T: std::fmt::Debug>(result: Result<T, DirectoryError>) -> i64 {
    result.unwrap_err().errcode()
}

fn field<'a>(fields: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn create_user_emits_create_user_with_the_member_fields() {
    let mut dir = small();
    let mut m = newcomer("sunqi", vec![3, 5]);
    m.is_leader_in_dept = vec![1, 0];
    let changes = dir.create_user(m).unwrap();
    assert_eq!(changes.len(), 1);
    let change = &changes[0];
    assert_eq!(change.change_type(), "create_user");
    let fields = change.event_fields();
    assert_eq!(fields[0], ("UserID", "sunqi".to_owned()));
    assert_eq!(field(&fields, "Name"), Some("孙七"));
    assert_eq!(field(&fields, "Department"), Some("3,5"));
    assert_eq!(field(&fields, "IsLeaderInDept"), Some("1,0"));
    assert_eq!(field(&fields, "MainDepartment"), Some("3"));
    assert_eq!(field(&fields, "Mobile"), Some("13900000007"));
    assert_eq!(field(&fields, "Status"), Some("1"));

    let stored = dir.member("sunqi").unwrap();
    assert!(stored.open_userid.starts_with("wo"));
    assert_eq!(
        dir.member_by_open_userid(&stored.open_userid)
            .unwrap()
            .userid,
        "sunqi"
    );
    assert!(
        dir.department(3)
            .unwrap()
            .department_leader
            .contains(&"sunqi".to_owned())
    );
    assert!(dir.members_of(5, false).iter().any(|m| m.userid == "sunqi"));
    assert!(dir.indexes_are_consistent());
    assert_eq!(dir.version(), 1);
}

#[test]
fn create_user_errors_use_the_platform_codes() {
    let mut dir = small();
    assert_eq!(code(dir.create_user(newcomer("ZhangSan", vec![3]))), 60102);
    assert_eq!(
        code(dir.create_user(newcomer("-leading-dash", vec![3]))),
        40003
    );
    assert_eq!(code(dir.create_user(newcomer("has space", vec![3]))), 40003);
    assert_eq!(code(dir.create_user(newcomer("", vec![3]))), 40003);
    assert_eq!(
        code(dir.create_user(newcomer("a".repeat(65).as_str(), vec![3]))),
        40003
    );
    assert_eq!(code(dir.create_user(newcomer("sunqi", vec![99]))), 60003);
    assert_eq!(code(dir.create_user(newcomer("sunqi", vec![]))), 41019);

    let mut m = newcomer("sunqi", vec![3]);
    m.name = String::new();
    assert_eq!(code(dir.create_user(m)), 60112);
    let mut m = newcomer("sunqi", vec![3]);
    m.mobile = "13800000001".to_owned();
    assert_eq!(code(dir.create_user(m)), 60104);
    let mut m = newcomer("sunqi", vec![3]);
    m.mobile = "call me".to_owned();
    assert_eq!(code(dir.create_user(m)), 60103);
    let mut m = newcomer("sunqi", vec![3]);
    m.email = "zhangsan@sim.example".to_owned();
    assert_eq!(code(dir.create_user(m)), 60106);
    let mut m = newcomer("sunqi", vec![3]);
    m.email = "not-an-email".to_owned();
    assert_eq!(code(dir.create_user(m)), 60105);
    let mut m = newcomer("sunqi", vec![3]);
    m.mobile.clear();
    assert_eq!(code(dir.create_user(m)), 60129);
    let mut m = newcomer("sunqi", vec![3, 5]);
    m.is_leader_in_dept = vec![1];
    assert_eq!(code(dir.create_user(m)), 60132);
    let mut m = newcomer("sunqi", vec![3]);
    m.direct_leader = vec!["ghost".to_owned()];
    assert_eq!(code(dir.create_user(m)), 60111);
    let mut m = newcomer("sunqi", vec![3]);
    m.gender = "male".to_owned();
    assert_eq!(code(dir.create_user(m)), 40058);

    // Nothing was half-applied.
    assert_eq!(dir.version(), 0);
    assert!(dir.member("sunqi").is_none());
    assert!(dir.indexes_are_consistent());
}

#[test]
fn renaming_a_member_emits_new_userid_and_rewrites_references() {
    let mut dir = small();
    let open_userid = dir.member("zhangsan").unwrap().open_userid.clone();
    let changes = dir
        .update_user(
            "zhangsan",
            MemberUpdate {
                new_userid: Some("zhangsan001".to_owned()),
                position: Some("CTO".to_owned()),
                ..MemberUpdate::default()
            },
        )
        .unwrap();
    let DirectoryChange::UpdateUser {
        userid,
        new_userid,
        member,
    } = &changes[0]
    else {
        panic!("expected update_user, got {changes:?}");
    };
    assert_eq!(userid, "zhangsan");
    assert_eq!(new_userid.as_deref(), Some("zhangsan001"));
    assert_eq!(member.position, "CTO");
    let fields = changes[0].event_fields();
    assert_eq!(field(&fields, "UserID"), Some("zhangsan"));
    assert_eq!(field(&fields, "NewUserID"), Some("zhangsan001"));

    assert!(dir.member("zhangsan").is_none());
    let renamed = dir.member("zhangsan001").unwrap();
    assert_eq!(
        renamed.open_userid, open_userid,
        "open_userid survives a rename"
    );
    assert_eq!(dir.tag(1).unwrap().userlist, ["zhangsan001"]);
    assert_eq!(
        dir.department(2).unwrap().department_leader,
        ["zhangsan001"]
    );
    assert_eq!(dir.member("lisi").unwrap().direct_leader, ["zhangsan001"]);
    assert!(dir.indexes_are_consistent());

    // The old userid is free again and gets a fresh open_userid.
    dir.create_user(newcomer("zhangsan", vec![3])).unwrap();
    assert_ne!(dir.member("zhangsan").unwrap().open_userid, open_userid);
}

#[test]
fn update_user_edge_cases() {
    let mut dir = small();
    let rename_to = |u: &str| MemberUpdate {
        new_userid: Some(u.to_owned()),
        ..MemberUpdate::default()
    };
    assert_eq!(code(dir.update_user("zhangsan", rename_to("LISI"))), 60102);
    assert_eq!(
        code(dir.update_user("nobody", MemberUpdate::default())),
        60111
    );
    assert_eq!(
        code(dir.update_user("zhangsan", rename_to("bad id"))),
        40003
    );
    // A case-only rename is allowed (same member).
    let changes = dir.update_user("zhangsan", rename_to("ZhangSan")).unwrap();
    assert_eq!(changes.len(), 1);
    assert!(dir.member("ZhangSan").is_some());

    // Nothing changed: no event, no version bump.
    let version = dir.version();
    let same = MemberUpdate {
        name: Some("李四".to_owned()),
        ..MemberUpdate::default()
    };
    assert!(dir.update_user("lisi", same).unwrap().is_empty());
    assert_eq!(dir.version(), version);

    // Changing departments keeps the order of departments that stay.
    dir.update_user(
        "lisi",
        MemberUpdate {
            department: Some(vec![5, 4]),
            ..MemberUpdate::default()
        },
    )
    .unwrap();
    let lisi = dir.member("lisi").unwrap();
    assert_eq!(lisi.order, [2, 0]);
    assert_eq!(lisi.main_department, 5, "main department 3 was left");
    assert!(dir.members_of(3, false).is_empty());

    // enable=0 disables.
    dir.update_user(
        "lisi",
        MemberUpdate {
            enable: Some(0),
            ..MemberUpdate::default()
        },
    )
    .unwrap();
    assert_eq!(dir.member("lisi").unwrap().status, 2);
    // Taking someone else's mobile is refused; keeping one's own is fine.
    let mobile = |m: &str| MemberUpdate {
        mobile: Some(m.to_owned()),
        ..MemberUpdate::default()
    };
    assert_eq!(code(dir.update_user("lisi", mobile("13800000003"))), 60104);
    assert!(
        dir.update_user("lisi", mobile("13800000002"))
            .unwrap()
            .is_empty()
    );
    assert!(dir.indexes_are_consistent());
}

#[test]
fn delete_user_emits_delete_user_and_drops_references() {
    let mut dir = small();
    let changes = dir.delete_user("ZHANGSAN").unwrap();
    assert_eq!(
        changes,
        [DirectoryChange::DeleteUser {
            userid: "zhangsan".to_owned()
        }]
    );
    assert_eq!(
        changes[0].event_fields(),
        [("UserID", "zhangsan".to_owned())]
    );
    assert!(dir.member("zhangsan").is_none());
    assert!(dir.tag(1).unwrap().userlist.is_empty());
    assert!(dir.department(2).unwrap().department_leader.is_empty());
    assert!(dir.member("lisi").unwrap().direct_leader.is_empty());
    assert_eq!(code(dir.delete_user("zhangsan")), 60111);
    assert!(dir.indexes_are_consistent());
}

fn dept(id: u32, name: &str, parentid: u32) -> Department {
    Department {
        id,
        name: name.to_owned(),
        name_en: None,
        parentid,
        order: 7,
        department_leader: Vec::new(),
    }
}

#[test]
fn department_create_update_delete_events() {
    let mut dir = small();
    let changes = dir.create_department(dept(0, "华南销售一组", 5)).unwrap();
    assert_eq!(
        changes,
        [DirectoryChange::CreateParty(PartyChange {
            id: 6,
            name: "华南销售一组".to_owned(),
            parentid: 5,
            order: 7
        })]
    );
    let fields = changes[0].event_fields();
    assert_eq!(
        fields,
        [
            ("Id", "6".to_owned()),
            ("Name", "华南销售一组".to_owned()),
            ("ParentId", "5".to_owned()),
            ("Order", "7".to_owned())
        ]
    );
    assert_eq!(dir.children(5)[0].id, 6);

    let changes = dir
        .update_department(
            6,
            DepartmentUpdate {
                name: Some("华南销售二组".to_owned()),
                parentid: Some(2),
                ..DepartmentUpdate::default()
            },
        )
        .unwrap();
    assert_eq!(changes[0].change_type(), "update_party");
    assert_eq!(field(&changes[0].event_fields(), "ParentId"), Some("2"));
    assert!(dir.children(5).is_empty());
    assert_eq!(dir.ancestors(6), [2, 1]);

    let changes = dir.delete_department(6).unwrap();
    assert_eq!(changes, [DirectoryChange::DeleteParty { id: 6 }]);
    assert_eq!(changes[0].event_fields(), [("Id", "6".to_owned())]);
    assert!(dir.department(6).is_none());
    assert!(dir.indexes_are_consistent());
}

#[test]
fn department_errors_use_the_platform_codes() {
    let mut dir = small();
    assert_eq!(code(dir.create_department(dept(0, "研发中心", 1))), 60008);
    assert_eq!(code(dir.create_department(dept(3, "新部门", 1))), 60008);
    assert_eq!(code(dir.create_department(dept(0, "新部门", 99))), 60004);
    assert_eq!(code(dir.create_department(dept(0, "", 1))), 60001);
    assert_eq!(
        code(dir.create_department(dept(0, &"部".repeat(33), 1))),
        60001
    );
    assert_eq!(code(dir.create_department(dept(0, "a|b", 1))), 60009);

    let move_to = |p: u32| DepartmentUpdate {
        parentid: Some(p),
        ..DepartmentUpdate::default()
    };
    assert_eq!(code(dir.update_department(2, move_to(4))), 60010);
    assert_eq!(code(dir.update_department(2, move_to(2))), 60010);
    assert_eq!(code(dir.update_department(1, move_to(5))), 60007);
    assert_eq!(code(dir.update_department(3, move_to(99))), 60004);
    assert_eq!(code(dir.update_department(99, move_to(1))), 60003);
    let rename = DepartmentUpdate {
        name: Some("销售中心".to_owned()),
        ..DepartmentUpdate::default()
    };
    assert_eq!(code(dir.update_department(2, rename)), 60008);

    assert_eq!(code(dir.delete_department(1)), 60007);
    assert_eq!(code(dir.delete_department(99)), 60003);
    assert_eq!(code(dir.delete_department(4)), 60005);
    dir.create_department(dept(10, "空部门", 1)).unwrap();
    dir.create_department(dept(11, "空小组", 10)).unwrap();
    assert_eq!(code(dir.delete_department(10)), 60006);
    dir.delete_department(11).unwrap();
    dir.delete_department(10).unwrap();

    // Ids run out at u32::MAX: an explicit id is then required, never an overflow.
    dir.create_department(dept(u32::MAX, "最大编号", 1))
        .unwrap();
    assert_eq!(code(dir.create_department(dept(0, "再来一个", 1))), 40058);
    dir.delete_department(u32::MAX).unwrap();
    dir.create_tag("最大标签", Some(u32::MAX)).unwrap();
    assert_eq!(code(dir.create_tag("再来一个", None)), 40058);

    // 15 levels at most: the root is level 1.
    let mut parent = 4; // level 4
    for level in 5..=15 {
        let changes = dir
            .create_department(dept(0, &format!("第{level}层"), parent))
            .unwrap();
        let DirectoryChange::CreateParty(p) = &changes[0] else {
            panic!()
        };
        parent = p.id;
    }
    assert_eq!(
        code(dir.create_department(dept(0, "第16层", parent))),
        81002
    );
    assert!(dir.indexes_are_consistent());
}

#[test]
fn deleting_a_tagged_department_drops_it_from_tags() {
    let mut dir = small();
    dir.update_user(
        "lisi",
        MemberUpdate {
            department: Some(vec![3]),
            ..MemberUpdate::default()
        },
    )
    .unwrap();
    dir.delete_user("zhaoliu").unwrap();
    dir.delete_department(5).unwrap();
    assert!(dir.tag(2).unwrap().partylist.is_empty());
}

#[test]
fn tag_membership_changes_emit_update_tag() {
    let mut dir = small();
    let tagid = dir.create_tag("新员工", None).unwrap();
    assert_eq!(tagid, 3);
    let outcome = dir
        .add_tag_members(tagid, &["lisi".into(), "ghost".into()], &[5, 99])
        .unwrap();
    assert_eq!(outcome.invalid_users, ["ghost"]);
    assert_eq!(outcome.invalid_parties, [99]);
    assert_eq!(
        outcome.changes,
        [DirectoryChange::UpdateTag(TagChange {
            tagid: 3,
            add_user_items: vec!["lisi".into()],
            add_party_items: vec![5],
            ..TagChange::default()
        })]
    );
    let fields = outcome.changes[0].event_fields();
    assert_eq!(field(&fields, "TagId"), Some("3"));
    assert_eq!(field(&fields, "AddUserItems"), Some("lisi"));
    assert_eq!(field(&fields, "AddPartyItems"), Some("5"));
    assert_eq!(
        field(&fields, "DelUserItems"),
        None,
        "empty lists are left out"
    );

    // Adding again changes nothing.
    let again = dir.add_tag_members(tagid, &["lisi".into()], &[]).unwrap();
    assert!(again.changes.is_empty());

    let removed = dir
        .remove_tag_members(tagid, &["LISI".into()], &[5])
        .unwrap();
    let DirectoryChange::UpdateTag(change) = &removed.changes[0] else {
        panic!()
    };
    assert_eq!(change.del_user_items, ["lisi"]);
    assert_eq!(change.del_party_items, [5]);
    assert!(dir.tag(tagid).unwrap().userlist.is_empty());
}

#[test]
fn tag_errors_use_the_platform_codes() {
    let mut dir = small();
    assert_eq!(code(dir.create_tag("管理层", None)), 40071);
    assert_eq!(code(dir.create_tag("", None)), 40072);
    assert_eq!(code(dir.create_tag(&"标".repeat(33), None)), 40072);
    assert_eq!(code(dir.create_tag("新标签", Some(1))), 40068);
    assert_eq!(dir.create_tag("新标签", Some(40)).unwrap(), 40);
    assert_eq!(code(dir.add_tag_members(99, &["lisi".into()], &[])), 40068);
    assert_eq!(
        code(dir.add_tag_members(1, &["ghost".into()], &[99])),
        40070
    );
    assert_eq!(code(dir.add_tag_members(1, &[], &[])), 40035);
    assert_eq!(code(dir.update_tag(1, "华南")), 40071);
    assert_eq!(code(dir.update_tag(99, "x")), 40068);
    assert!(dir.update_tag(1, "领导层").unwrap().is_empty());
    assert_eq!(dir.tag(1).unwrap().tagname, "领导层");
    assert!(dir.delete_tag(1).unwrap().is_empty());
    assert_eq!(code(dir.delete_tag(1)), 40068);
}

#[test]
fn errors_carry_errcode_and_a_helpful_errmsg() {
    let err = DirectoryError::DepartmentHasMembers(4);
    assert_eq!(err.errcode(), 60005);
    assert!(err.errmsg().contains("move or delete them first"));
    assert_eq!(DirectoryError::DepartmentHasChildren(4).errcode(), 60006);
    assert_eq!(DirectoryError::InvalidCursor.errcode(), 50100);
    assert_eq!(DirectoryError::InvalidLimit(0).errcode(), 40058);
}
