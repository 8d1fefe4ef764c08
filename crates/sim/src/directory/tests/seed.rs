//! Seed files: round trips, pasted API output, and each validation error.

use serde_json::{Value, json};

use super::{SMALL_SEED, small};
use crate::directory::{Directory, GenerateOptions, SeedError};

#[test]
fn export_and_reload_round_trips() {
    let dir = Directory::generate(&GenerateOptions {
        members: 500,
        departments: 50,
        ..GenerateOptions::default()
    });
    let json = dir.to_seed_json();
    let again = Directory::from_seed_json(dir.corp_id(), &json).unwrap();
    assert_eq!(again.to_seed_json(), json);
    // The borrowed export and the owned document agree.
    assert_eq!(serde_json::to_string_pretty(&dir.to_seed()).unwrap(), json);
    assert!(again.indexes_are_consistent());
    assert_eq!(again.member_count(), 500);
}

#[test]
fn small_seed_round_trips_and_fills_defaults() {
    let dir = small();
    let wangwu = dir.member("wangwu").unwrap();
    assert_eq!(wangwu.order, vec![0]);
    assert_eq!(wangwu.is_leader_in_dept, vec![0]);
    assert_eq!(wangwu.main_department, 4);
    assert_eq!(wangwu.gender, "0");
    assert!(wangwu.open_userid.starts_with("wo"));
    let tags: Vec<&str> = dir.tags().map(|t| t.tagname.as_str()).collect();
    assert_eq!(tags, ["管理层", "华南"]);
    let again = Directory::from_seed_json("wwsmallcorp", &dir.to_seed_json()).unwrap();
    assert_eq!(again.to_seed_json(), dir.to_seed_json());
}

fn seed_with(edit: impl FnOnce(&mut Value)) -> Result<Directory, SeedError> {
    let mut v: Value = serde_json::from_str(SMALL_SEED).unwrap();
    edit(&mut v);
    Directory::from_seed_json("wwsmallcorp", &v.to_string())
}

#[test]
fn real_api_output_can_be_pasted() {
    let user_list: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/wechatpy__work__user_list.json"
    ))
    .unwrap();
    let department_list: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/wechatpy__work__department_list.json"
    ))
    .unwrap();
    let mut departments = vec![json!({"id": 1, "name": "根", "parentid": 0})];
    departments.extend(
        department_list["department"]
            .as_array()
            .unwrap()
            .iter()
            .cloned(),
    );
    let mut seed = json!({ "departments": departments, "members": user_list["userlist"] });

    // The recorded member is in department 345678, which the recorded list does not have.
    let err = Directory::from_seed_json("ww", &seed.to_string()).unwrap_err();
    assert!(
        matches!(&err, SeedError::UnknownDepartment { userid, department: 345678 } if userid == "zhangthree-userid"),
        "{err}"
    );
    assert!(err.to_string().contains("345678"));

    seed["departments"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": 345678, "name": "总裁办", "parentid": 3}));
    let dir = Directory::from_seed_json("ww", &seed.to_string()).unwrap();
    let m = dir.member("zhangthree-userid").unwrap();
    assert_eq!(m.position, "CEO");
    assert_eq!(m.gender, "1");
    assert_eq!(m.mobile, "15723333333");
    assert_eq!(dir.ancestors(345678), vec![3, 2, 1]);
}

#[test]
fn leaders_outside_the_file_are_kept_and_do_not_block_updates() {
    let mut dir =
        seed_with(|v| v["members"][2]["direct_leader"] = json!(["boss-elsewhere"])).unwrap();
    let update = crate::directory::MemberUpdate {
        position: Some("工程师".to_owned()),
        ..Default::default()
    };
    assert_eq!(dir.update_user("wangwu", update).unwrap().len(), 1);
    assert_eq!(
        dir.member("wangwu").unwrap().direct_leader,
        ["boss-elsewhere"]
    );
    // A newly named leader must exist.
    let update = crate::directory::MemberUpdate {
        direct_leader: Some(vec!["boss-elsewhere".to_owned(), "ghost".to_owned()]),
        ..Default::default()
    };
    assert_eq!(
        dir.update_user("wangwu", update).unwrap_err().errcode(),
        60111
    );
}

#[test]
fn tag_userlist_accepts_tag_get_entries() {
    let dir = seed_with(|v| {
        v["tags"][0]["userlist"] = json!([{"userid": "zhangsan", "name": "张三"}, "lisi"]);
    })
    .unwrap();
    assert_eq!(dir.tag(1).unwrap().userlist, ["zhangsan", "lisi"]);
}

#[test]
fn validation_errors_name_the_problem() {
    let err = seed_with(|v| {
        v["departments"].as_array_mut().unwrap().remove(0);
    })
    .unwrap_err();
    assert!(matches!(err, SeedError::MissingRoot), "{err}");

    let err = seed_with(|v| v["departments"][2]["id"] = json!(2)).unwrap_err();
    assert!(matches!(err, SeedError::DuplicateDepartment(2)), "{err}");

    let err = seed_with(|v| v["departments"][3]["id"] = json!(0)).unwrap_err();
    assert!(matches!(err, SeedError::ZeroId(_)), "{err}");

    let err = seed_with(|v| v["departments"][3]["parentid"] = json!(77)).unwrap_err();
    assert!(
        matches!(
            err,
            SeedError::UnknownParent {
                id: 4,
                parentid: 77
            }
        ),
        "{err}"
    );

    let err = seed_with(|v| v["departments"][1]["parentid"] = json!(4)).unwrap_err();
    assert!(matches!(err, SeedError::Cycle(_)), "{err}");

    let err = seed_with(|v| v["departments"][4]["name"] = json!("研发中心")).unwrap_err();
    assert!(
        matches!(
            err,
            SeedError::DuplicateSiblingName {
                first: 2,
                second: 5,
                ..
            }
        ),
        "{err}"
    );

    let err = seed_with(|v| v["members"][1]["userid"] = json!("ZhangSan")).unwrap_err();
    assert!(
        matches!(err, SeedError::DuplicateUser(ref u) if u == "ZhangSan"),
        "{err}"
    );

    let err = seed_with(|v| v["members"][1]["userid"] = json!("bad id")).unwrap_err();
    assert!(matches!(err, SeedError::InvalidUserId(_)), "{err}");

    let err = seed_with(|v| v["members"][2]["department"] = json!([4, 9])).unwrap_err();
    assert!(
        matches!(err, SeedError::UnknownDepartment { department: 9, .. }),
        "{err}"
    );

    let err = seed_with(|v| v["members"][2]["department"] = json!([4, 4])).unwrap_err();
    assert!(
        matches!(err, SeedError::RepeatedDepartment { department: 4, .. }),
        "{err}"
    );

    let err = seed_with(|v| v["members"][2]["gender"] = json!("male")).unwrap_err();
    assert!(
        matches!(
            err,
            SeedError::BadValue {
                field: "gender",
                ..
            }
        ),
        "{err}"
    );

    let err = seed_with(|v| v["members"][2]["status"] = json!(3)).unwrap_err();
    assert!(
        matches!(
            err,
            SeedError::BadValue {
                field: "status",
                ..
            }
        ),
        "{err}"
    );

    let err = seed_with(|v| v["members"][2]["department"] = json!([])).unwrap_err();
    assert!(matches!(err, SeedError::NoDepartment(_)), "{err}");

    let err = seed_with(|v| v["members"][1]["order"] = json!([1])).unwrap_err();
    assert!(
        matches!(
            err,
            SeedError::LengthMismatch {
                field: "order",
                got: 1,
                expected: 2,
                ..
            }
        ),
        "{err}"
    );

    let err = seed_with(|v| v["members"][1]["main_department"] = json!(4)).unwrap_err();
    assert!(
        matches!(err, SeedError::BadMainDepartment { main: 4, .. }),
        "{err}"
    );

    let err = seed_with(|v| v["members"][2]["mobile"] = json!("13800000001")).unwrap_err();
    assert!(
        matches!(
            err,
            SeedError::DuplicateContact {
                field: "mobile",
                ..
            }
        ),
        "{err}"
    );

    let err = seed_with(|v| v["tags"][1]["tagname"] = json!("管理层")).unwrap_err();
    assert!(matches!(err, SeedError::DuplicateTag(_)), "{err}");

    let err = seed_with(|v| v["tags"][0]["userlist"] = json!(["ghost"])).unwrap_err();
    assert!(
        matches!(err, SeedError::UnknownTagItem { tagid: 1, .. }),
        "{err}"
    );

    let err = seed_with(|v| v["tags"][1]["partylist"] = json!([42])).unwrap_err();
    assert!(
        matches!(err, SeedError::UnknownTagItem { tagid: 2, .. }),
        "{err}"
    );

    let err = Directory::from_seed_json("ww", "{\"departments\": 3}").unwrap_err();
    assert!(matches!(err, SeedError::Json(_)), "{err}");
}
