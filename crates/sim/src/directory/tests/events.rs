//! The callback XML of directory changes, read back with wxgate-protocol's own `change_contact`
//! parser: the simulator and the gateway must agree on every field.

use serde_json::json;
use wxgate_protocol::message::{ContactChange, Normalized, WecomEvent, WecomMessage, parse_wecom};

use super::small;
use crate::directory::{Department, DepartmentUpdate, DirectoryChange, Member, MemberUpdate};

fn parse(change: &DirectoryChange) -> ContactChange {
    let xml = change.to_xml("wwsmallcorp", 1_403_610_513);
    let message = parse_wecom(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    assert_eq!(
        message.event_type(),
        format!("wecom.contact.{}", change.change_type())
    );
    match message {
        WecomMessage::Event {
            header,
            event: WecomEvent::ChangeContact(parsed),
            extra,
        } => {
            assert_eq!(header.from_user_name, "sys");
            assert_eq!(header.to_user_name, "wwsmallcorp");
            assert!(
                extra.is_empty(),
                "fields the parser did not expect: {extra:?}"
            );
            parsed
        }
        other => panic!("not a change_contact event: {other:?}"),
    }
}

#[test]
fn create_user_round_trips_through_the_gateway_parser() {
    let mut dir = small();
    let mut m = Member::new("sunqi", "孙七]]>", vec![3, 5]);
    m.mobile = "13900000007".to_owned();
    m.is_leader_in_dept = vec![1, 0];
    m.direct_leader = vec!["zhangsan".to_owned()];
    m.gender = "2".to_owned();
    m.email = "sunqi@sim.example".to_owned();
    m.extattr = json!({"attrs": [
        {"type": 0, "name": "爱好", "text": {"value": "旅游"}},
        {"type": 1, "name": "主页", "web": {"url": "https://work.weixin.qq.com", "title": "企业微信"}}
    ]});
    let changes = dir.create_user(m).unwrap();
    let ContactChange::CreateUser(u) = parse(&changes[0]) else {
        panic!("not create_user")
    };
    assert_eq!(u.user_id, "sunqi");
    assert_eq!(u.name.as_deref(), Some("孙七]]>"));
    assert_eq!(u.department, Some(vec![3, 5]));
    assert_eq!(u.main_department, Some(3));
    assert_eq!(u.is_leader_in_dept, Some(vec![1, 0]));
    assert_eq!(u.direct_leader, Some(vec!["zhangsan".to_owned()]));
    assert_eq!(u.mobile.as_deref(), Some("13900000007"));
    assert_eq!(u.gender, Some(2));
    assert_eq!(u.email.as_deref(), Some("sunqi@sim.example"));
    assert_eq!(u.status, Some(1));
    let ext = u.ext_attr.expect("ExtAttr was sent").to_string();
    assert!(
        ext.contains("旅游") && ext.contains("https://work.weixin.qq.com"),
        "{ext}"
    );
}

#[test]
fn update_and_delete_user_round_trip() {
    let mut dir = small();
    let changes = dir
        .update_user(
            "zhangsan",
            MemberUpdate {
                new_userid: Some("zhangsan001".to_owned()),
                ..MemberUpdate::default()
            },
        )
        .unwrap();
    let ContactChange::UpdateUser(u) = parse(&changes[0]) else {
        panic!("not update_user")
    };
    assert_eq!(u.user_id, "zhangsan");
    assert_eq!(u.new_user_id.as_deref(), Some("zhangsan001"));
    assert_eq!(u.position.as_deref(), Some("研发总监"));

    let changes = dir.delete_user("zhangsan001").unwrap();
    let ContactChange::DeleteUser(u) = parse(&changes[0]) else {
        panic!("not delete_user")
    };
    assert_eq!(u.user_id, "zhangsan001");
    assert_eq!(u.name, None);
}

#[test]
fn party_events_round_trip() {
    let mut dir = small();
    let created = dir
        .create_department(Department {
            id: 0,
            name: "华南销售一组".to_owned(),
            name_en: None,
            parentid: 5,
            order: 3,
            department_leader: Vec::new(),
        })
        .unwrap();
    let ContactChange::CreateParty(p) = parse(&created[0]) else {
        panic!("not create_party")
    };
    assert_eq!(
        (p.id, p.name.as_deref(), p.parent_id, p.order),
        (6, Some("华南销售一组"), Some(5), Some(3))
    );

    let moved = dir
        .update_department(
            6,
            DepartmentUpdate {
                parentid: Some(2),
                ..DepartmentUpdate::default()
            },
        )
        .unwrap();
    let ContactChange::UpdateParty(p) = parse(&moved[0]) else {
        panic!("not update_party")
    };
    assert_eq!(p.parent_id, Some(2));

    let deleted = dir.delete_department(6).unwrap();
    let ContactChange::DeleteParty(p) = parse(&deleted[0]) else {
        panic!("not delete_party")
    };
    assert_eq!((p.id, p.name), (6, None));
}

#[test]
fn update_tag_round_trips() {
    let mut dir = small();
    let outcome = dir
        .add_tag_members(1, &["lisi".to_owned(), "wangwu".to_owned()], &[3, 4])
        .unwrap();
    let ContactChange::UpdateTag(t) = parse(&outcome.changes[0]) else {
        panic!("not update_tag")
    };
    assert_eq!(t.tag_id, 1);
    assert_eq!(t.add_user_items, ["lisi", "wangwu"]);
    assert_eq!(t.add_party_items, [3, 4]);
    assert!(t.del_user_items.is_empty() && t.del_party_items.is_empty());
}
