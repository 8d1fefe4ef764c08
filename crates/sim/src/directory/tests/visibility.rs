//! Visible ranges: nested departments, listed users, tags, and the whole corp.

use super::small;
use crate::directory::{FieldView, VisibleRange};

fn users_visible(range: &VisibleRange) -> Vec<String> {
    let dir = small();
    let visible = dir.visible(range);
    let listed: Vec<String> = visible.members().map(|m| m.userid.clone()).collect();
    for userid in ["zhangsan", "lisi", "wangwu", "zhaoliu"] {
        assert_eq!(
            visible.contains_user(userid),
            listed.iter().any(|u| u == userid),
            "{userid}: contains_user and members() disagree"
        );
    }
    listed
}

#[test]
fn a_department_range_covers_its_subtree_only() {
    let range = VisibleRange {
        departments: vec![3],
        ..VisibleRange::default()
    };
    let dir = small();
    let visible = dir.visible(&range);
    assert!(visible.contains_department(3));
    assert!(visible.contains_department(4), "nested sub-department");
    assert!(!visible.contains_department(2), "parent is not visible");
    assert!(!visible.contains_department(1));
    assert!(!visible.contains_department(5));
    assert_eq!(users_visible(&range), ["lisi", "wangwu"]);
}

#[test]
fn listed_users_are_visible_without_their_departments() {
    let range = VisibleRange {
        users: vec!["ZhaoLiu".to_owned(), "ghost".to_owned()],
        ..VisibleRange::default()
    };
    let dir = small();
    let visible = dir.visible(&range);
    assert!(visible.contains_user("zhaoliu"));
    assert!(visible.contains_user("ZHAOLIU"));
    assert!(!visible.contains_user("ghost"));
    assert!(!visible.contains_department(5));
    assert_eq!(users_visible(&range), ["zhaoliu"]);
}

#[test]
fn tags_bring_their_users_and_departments() {
    let by_party = VisibleRange {
        tags: vec![2],
        ..VisibleRange::default()
    };
    let dir = small();
    let visible = dir.visible(&by_party);
    assert!(visible.contains_tag(2));
    assert!(!visible.contains_tag(1));
    assert!(visible.contains_department(5));
    assert_eq!(users_visible(&by_party), ["lisi", "zhaoliu"]);

    let by_user = VisibleRange {
        tags: vec![1],
        ..VisibleRange::default()
    };
    assert_eq!(users_visible(&by_user), ["zhangsan"]);
    assert!(!dir.visible(&by_user).contains_department(2));
}

#[test]
fn member_json_lists_only_visible_departments() {
    let dir = small();
    let lisi = dir.member("lisi").unwrap();
    let range = VisibleRange {
        departments: vec![5],
        ..VisibleRange::default()
    };
    let v = dir.visible(&range).member_json(lisi, FieldView::Full);
    assert_eq!(v["department"], serde_json::json!([5]));
    assert_eq!(v["order"], serde_json::json!([2]));
    assert_eq!(v["is_leader_in_dept"], serde_json::json!([0]));
    let whole = dir
        .visible(&VisibleRange::default())
        .member_json(lisi, FieldView::Full);
    assert_eq!(whole["department"], serde_json::json!([3, 5]));
}

#[test]
fn an_empty_range_is_the_whole_corp() {
    let range = VisibleRange::default();
    assert!(range.is_whole_corp());
    let dir = small();
    let visible = dir.visible(&range);
    assert!((1..=5).all(|d| visible.contains_department(d)));
    assert!(!visible.contains_department(6));
    assert!(!visible.contains_user("ghost"));
    assert!(visible.contains_tag(1));
    assert_eq!(users_visible(&range).len(), 4);
}

#[test]
fn a_range_of_unknown_ids_sees_nothing() {
    let range = VisibleRange {
        departments: vec![99],
        users: vec!["ghost".to_owned()],
        tags: vec![42],
    };
    assert!(users_visible(&range).is_empty());
    let dir = small();
    assert!(!dir.visible(&range).contains_department(1));
}

#[test]
fn deep_generated_trees_resolve_iteratively() {
    use crate::directory::{Directory, GenerateOptions};
    let dir = Directory::generate(&GenerateOptions {
        members: 2000,
        departments: 300,
        ..GenerateOptions::default()
    });
    // The first division and everything under it.
    let division = dir.children(1)[0].id;
    let range = VisibleRange {
        departments: vec![division],
        ..VisibleRange::default()
    };
    let visible = dir.visible(&range);
    for dept in dir.departments() {
        let expected = dept.id == division || dir.ancestors(dept.id).contains(&division);
        assert_eq!(
            visible.contains_department(dept.id),
            expected,
            "{}",
            dept.id
        );
    }
    for member in dir.members() {
        let expected = member
            .department
            .iter()
            .any(|d| visible.contains_department(*d));
        assert_eq!(visible.contains_user(&member.userid), expected);
    }
}
