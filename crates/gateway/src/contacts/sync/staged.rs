//! What a full sync stages while it fetches (the `contact_sync_staging` rows): one record per
//! department, per member and per tag in a shape of our own, so a sync resumed by another
//! instance (or another version) reads back exactly what was fetched. A field the platform did not
//! send stays `None` — "not sent" and "empty" are different things to the diff.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxgate_client::Gender;
use wxgate_client::wecom::contacts as upstream;

/// Staging kind of a department.
pub const DEPARTMENT: &str = "department";
/// Staging kind of a member with details.
pub const MEMBER: &str = "member";
/// Staging kind of one `user/list_id` page (key: the zero-padded page number).
pub const MEMBER_IDS: &str = "member_ids";
/// Staging kind of a tag.
pub const TAG: &str = "tag";

/// A department as fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedDepartment {
    /// Department id.
    pub id: i64,
    /// Parent id (0 for the root).
    pub parent_id: i64,
    /// Order among siblings.
    pub order: i64,
    /// Name, when the credential may read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// English name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    /// Leaders' userids, when names were readable (`None`: not fetched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaders: Option<Vec<String>>,
}

impl StagedDepartment {
    /// From `department/list` or `department/get`.
    pub fn from_full(d: &upstream::Department) -> StagedDepartment {
        StagedDepartment {
            id: d.id,
            parent_id: d.parentid.unwrap_or(0),
            order: d.order.unwrap_or(0),
            name: d.name.clone(),
            name_en: d.name_en.clone(),
            leaders: Some(d.department_leader.clone()),
        }
    }

    /// From `department/simplelist` (ids only).
    pub fn from_id(d: &upstream::DepartmentId) -> StagedDepartment {
        StagedDepartment {
            id: d.id,
            parent_id: d.parentid.unwrap_or(0),
            order: d.order.unwrap_or(0),
            name: None,
            name_en: None,
            leaders: None,
        }
    }

    /// The staging key.
    pub fn key(&self) -> String {
        key_of_department(self.id)
    }
}

/// The staging key of a department (zero-padded so keys sort like ids).
pub fn key_of_department(id: i64) -> String {
    format!("{id:012}")
}

/// One of a member's departments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedMembership {
    /// Department id.
    pub dept_id: i64,
    /// Leader of it (`None`: not sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_leader: Option<bool>,
    /// Order within it (`None`: not sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<i64>,
}

/// A member as fetched with details (`user/list`, `user/get`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StagedMember {
    /// The userid.
    pub userid: String,
    /// Departments.
    pub departments: Vec<StagedMembership>,
    /// Cross-suite id (third-party view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_userid: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Mobile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Corp mailbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biz_mail: Option<String>,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Gender: `"0"` unknown, `"1"` male, `"2"` female.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// 1 active, 2 disabled, 4 not activated, 5 quit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    /// Main department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_department: Option<i64>,
    /// Every other field the platform sent (telephone, address, extattr, direct_leader, …).
    #[serde(default)]
    pub extra: Map<String, Value>,
}

/// Keys of the platform's answer that are envelope, not member data.
const ENVELOPE: [&str; 2] = ["errcode", "errmsg"];

impl StagedMember {
    /// From `user/list` or `user/get`.
    pub fn from_upstream(m: upstream::Member) -> StagedMember {
        let departments = m
            .department
            .iter()
            .enumerate()
            .map(|(i, &dept_id)| StagedMembership {
                dept_id,
                is_leader: m.is_leader_in_dept.get(i).map(|&l| l == 1),
                order: m.order.get(i).copied(),
            })
            .collect();
        let mut extra = Map::new();
        let mut keep = |key: &str, value: Option<Value>| {
            if let Some(v) = value {
                extra.insert(key.to_owned(), v);
            }
        };
        keep("telephone", m.telephone.map(Value::from));
        keep("address", m.address.map(Value::from));
        keep("thumb_avatar", m.thumb_avatar.map(Value::from));
        keep("qr_code", m.qr_code.map(Value::from));
        keep("english_name", m.english_name.map(Value::from));
        keep("external_position", m.external_position.map(Value::from));
        keep("external_profile", m.external_profile);
        keep("extattr", m.extattr);
        if !m.direct_leader.is_empty() {
            extra.insert("direct_leader".into(), Value::from(m.direct_leader));
        }
        for (k, v) in m.extra {
            if !ENVELOPE.contains(&k.as_str()) {
                extra.insert(k, v);
            }
        }
        StagedMember {
            userid: m.userid,
            departments,
            open_userid: m.open_userid,
            name: m.name,
            alias: m.alias,
            mobile: m.mobile,
            email: m.email,
            biz_mail: m.biz_mail,
            avatar: m.avatar,
            gender: m.gender.map(|g| {
                match g {
                    Gender::Male => "1",
                    Gender::Female => "2",
                    Gender::Unknown => "0",
                }
                .to_owned()
            }),
            position: m.position,
            status: m.status,
            main_department: m.main_department,
            extra,
        }
    }

    /// A member known only by its id and departments (`user/list_id`).
    pub fn from_ids(userid: String, mut departments: Vec<i64>) -> StagedMember {
        departments.sort_unstable();
        departments.dedup();
        StagedMember {
            userid,
            departments: departments
                .into_iter()
                .map(|dept_id| StagedMembership {
                    dept_id,
                    is_leader: None,
                    order: None,
                })
                .collect(),
            open_userid: None,
            name: None,
            alias: None,
            mobile: None,
            email: None,
            biz_mail: None,
            avatar: None,
            gender: None,
            position: None,
            status: None,
            main_department: None,
            extra: Map::new(),
        }
    }
}

/// One `user/list_id` page as staged: (userid, department) pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedIdPage {
    /// The pairs, in the order the platform sent them.
    pub pairs: Vec<(String, i64)>,
}

/// The staging key of `user/list_id` page `n`.
pub fn key_of_page(n: u32) -> String {
    format!("{n:08}")
}

/// A tag as fetched (`tag/list` + `tag/get`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedTag {
    /// Tag id.
    pub tag_id: i64,
    /// Name.
    pub name: Option<String>,
    /// Member userids.
    pub userids: Vec<String>,
    /// Department ids.
    pub dept_ids: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_keeps_absent_fields_absent_and_extras() {
        let m: upstream::Member = serde_json::from_str(
            r#"{"errcode":0,"errmsg":"ok","userid":"zhangsan","name":"张三","department":[1,2],"order":[5,6],"is_leader_in_dept":[1,0],"telephone":"020","status":1,"main_department":2,"extattr":{"attrs":[]},"hobby":"go"}"#,
        )
        .unwrap();
        let s = StagedMember::from_upstream(m);
        assert_eq!(s.mobile, None);
        assert_eq!(s.name.as_deref(), Some("张三"));
        assert_eq!(
            s.departments,
            [
                StagedMembership {
                    dept_id: 1,
                    is_leader: Some(true),
                    order: Some(5)
                },
                StagedMembership {
                    dept_id: 2,
                    is_leader: Some(false),
                    order: Some(6)
                }
            ]
        );
        assert_eq!(s.extra["telephone"], "020");
        assert_eq!(s.extra["hobby"], "go");
        assert!(!s.extra.contains_key("errcode"));
        let back: StagedMember = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let json = serde_json::to_value(&s).unwrap();
        assert!(json.get("mobile").is_none(), "absent stays absent: {json}");
    }

    #[test]
    fn keys_sort_like_numbers() {
        assert!(key_of_department(9) < key_of_department(10));
        assert!(key_of_page(9) < key_of_page(10));
    }
}
