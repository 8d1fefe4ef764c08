//! JSON views: field names and types against the recorded responses, and the privacy rules.

use serde_json::Value;

use super::small;
use crate::directory::views::PRIVACY_FIELDS;
use crate::directory::{DirectoryError, FieldView, member_json};

const USER_LIST: &str = include_str!("../../../tests/fixtures/wechatpy__work__user_list.json");
const DEPARTMENT_LIST: &str =
    include_str!("../../../tests/fixtures/wechatpy__work__department_list.json");
const SIMPLELIST: &str =
    include_str!("../../../tests/fixtures/wechatpy__work__user_simplelist.json");

/// Fields in the old fixture that the current user/list documentation no longer has.
const REMOVED_FIELDS: [&str; 3] = ["enable", "isleader", "hide_mobile"];

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn assert_same_shape(recorded: &Value, ours: &Value, skip: &[&str]) {
    let recorded = recorded.as_object().unwrap();
    let ours = ours.as_object().unwrap();
    for (key, value) in recorded {
        if skip.contains(&key.as_str()) {
            continue;
        }
        let Some(mine) = ours.get(key) else {
            panic!("field {key} missing from our view");
        };
        assert_eq!(json_type(value), json_type(mine), "type of {key}");
        if let (Value::Array(a), Value::Array(b)) = (value, mine)
            && let (Some(x), Some(y)) = (a.first(), b.first())
        {
            assert_eq!(json_type(x), json_type(y), "element type of {key}");
        }
    }
}

#[test]
fn user_list_matches_the_recorded_response() {
    let recorded: Value = serde_json::from_str(USER_LIST).unwrap();
    let dir = small();
    let ours = dir.user_list_json(2, FieldView::Full).unwrap();
    assert_eq!(ours["errcode"], 0);
    assert_eq!(ours["errmsg"], "ok");
    assert_same_shape(
        &recorded["userlist"][0],
        &ours["userlist"][0],
        &REMOVED_FIELDS,
    );
    assert_eq!(ours["userlist"][0]["gender"], "1");
    assert_eq!(ours["userlist"][0]["status"], 1);
    assert_eq!(
        ours["userlist"][0]["extattr"],
        serde_json::json!({"attrs": []})
    );
}

#[test]
fn department_list_matches_the_recorded_response() {
    let recorded: Value = serde_json::from_str(DEPARTMENT_LIST).unwrap();
    let dir = small();
    let ours = dir.department_list_json(Some(2), FieldView::Full).unwrap();
    assert_same_shape(&recorded["department"][0], &ours["department"][0], &[]);
    let ids: Vec<u64> = ours["department"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![2, 3, 4]);
    assert_eq!(ours["department"][0]["name_en"], "R&D");
    assert_eq!(
        ours["department"][0]["department_leader"],
        serde_json::json!(["zhangsan"])
    );
    let whole = dir.department_list_json(None, FieldView::Full).unwrap();
    assert_eq!(whole["department"].as_array().unwrap().len(), 5);
}

#[test]
fn simplelist_matches_the_recorded_response() {
    let recorded: Value = serde_json::from_str(SIMPLELIST).unwrap();
    let dir = small();
    let ours = dir.user_simplelist_json(5, FieldView::Full).unwrap();
    assert_same_shape(&recorded["userlist"][0], &ours["userlist"][0], &[]);
    let entry = ours["userlist"][0].as_object().unwrap();
    let mut keys: Vec<&str> = entry.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["department", "name", "userid"]);
    let third = dir.user_simplelist_json(5, FieldView::ThirdParty).unwrap();
    for entry in third["userlist"].as_array().unwrap() {
        assert_eq!(entry["name"], entry["userid"]);
        assert!(entry["open_userid"].as_str().unwrap().starts_with("wo"));
    }
}

#[test]
fn user_get_full_has_every_documented_field() {
    let dir = small();
    let v = dir.user_get_json("lisi", FieldView::Full).unwrap();
    for field in [
        "errcode",
        "errmsg",
        "userid",
        "name",
        "department",
        "order",
        "position",
        "mobile",
        "gender",
        "email",
        "biz_mail",
        "is_leader_in_dept",
        "direct_leader",
        "avatar",
        "thumb_avatar",
        "telephone",
        "alias",
        "address",
        "main_department",
        "extattr",
        "status",
        "qr_code",
    ] {
        assert!(v.get(field).is_some(), "missing {field}");
    }
    assert_eq!(v["department"], serde_json::json!([3, 5]));
    assert_eq!(v["order"], serde_json::json!([1, 2]));
    assert_eq!(v["is_leader_in_dept"], serde_json::json!([0, 0]));
    assert_eq!(v["main_department"], 3);
    assert_eq!(v["gender"], "2");
    assert!(
        v.get("open_userid").is_none(),
        "open_userid is for third-party apps only"
    );
    // user/get matches userids ignoring case.
    assert_eq!(
        dir.user_get_json("LiSi", FieldView::Full).unwrap()["userid"],
        "lisi"
    );
}

#[test]
fn privacy_restricted_view_drops_the_2022_fields() {
    let dir = small();
    let member = dir.member("zhangsan").unwrap();
    let v = member_json(member, FieldView::PrivacyRestricted);
    for field in PRIVACY_FIELDS {
        assert!(v.get(field).is_none(), "{field} leaked");
    }
    assert_eq!(v["name"], "张三");
    assert_eq!(v["position"], "研发总监");
    assert_eq!(v["department"], serde_json::json!([2]));
}

#[test]
fn third_party_view_hides_names() {
    let dir = small();
    let member = dir.member("zhangsan").unwrap();
    let v = member_json(member, FieldView::ThirdParty);
    assert_eq!(v["name"], "zhangsan");
    assert_eq!(v["open_userid"], member.open_userid);
    assert!(v.get("position").is_none());
    assert!(v.get("mobile").is_none());
    let dept = dir.department_get_json(2, FieldView::ThirdParty).unwrap();
    assert!(dept["department"].get("name").is_none());
    assert!(dept["department"].get("name_en").is_none());
    assert_eq!(dept["department"]["parentid"], 1);
}

#[test]
fn unknown_ids_give_the_platform_errcodes() {
    let dir = small();
    let err = dir.user_get_json("nobody", FieldView::Full).unwrap_err();
    assert_eq!(err, DirectoryError::UserNotFound("nobody".into()));
    assert_eq!(err.errcode(), 60111);
    assert_eq!(
        dir.user_list_json(99, FieldView::Full)
            .unwrap_err()
            .errcode(),
        60003
    );
    assert_eq!(
        dir.department_get_json(99, FieldView::Full)
            .unwrap_err()
            .errcode(),
        60003
    );
}

#[test]
fn department_simplelist_has_ids_only() {
    let dir = small();
    let v = dir.department_simplelist_json(None).unwrap();
    let first = v["department_id"][0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "order", "parentid"]);
    assert_eq!(v["department_id"].as_array().unwrap().len(), 5);
}

#[test]
fn user_list_is_direct_members_by_order() {
    let dir = small();
    let v = dir.user_list_json(5, FieldView::Full).unwrap();
    let ids: Vec<&str> = v["userlist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["userid"].as_str().unwrap())
        .collect();
    // lisi has order 2 in department 5, zhaoliu 0: larger first.
    assert_eq!(ids, ["lisi", "zhaoliu"]);
    let direct = dir.user_list_json(2, FieldView::Full).unwrap();
    assert_eq!(direct["userlist"].as_array().unwrap().len(), 1);
    let recursive: Vec<&str> = dir
        .members_of(2, true)
        .iter()
        .map(|m| m.userid.as_str())
        .collect();
    assert_eq!(recursive, ["zhangsan", "lisi", "wangwu"]);
}
