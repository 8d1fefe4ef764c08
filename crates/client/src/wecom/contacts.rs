//! Contacts (通讯录) reads: members, departments, tags (NOTES §3.3). Since the 2022 privacy
//! changes many member fields are absent for most apps, so every field except the id is an
//! `Option` (or an empty list); `gender` arrives as a string and `extattr` stays raw JSON.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::ClientError;
use crate::http::Base;
use crate::lenient::{self, Gender};
use crate::wecom::WecomApi;

const TOKEN: &str = "access_token";

/// A member as returned by `user/get` and `user/list`.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    /// The member's userid.
    #[serde(alias = "UserId")]
    pub userid: String,
    /// Name (not returned to third-party apps since 2020-06-30).
    #[serde(default)]
    pub name: Option<String>,
    /// Department ids.
    #[serde(default)]
    pub department: Vec<i64>,
    /// Order within each department, parallel to `department`.
    #[serde(default)]
    pub order: Vec<i64>,
    /// Job title.
    #[serde(default)]
    pub position: Option<String>,
    /// Mobile (privacy-restricted since 2022-06-20).
    #[serde(default)]
    pub mobile: Option<String>,
    /// Gender (privacy-restricted; sent as a string).
    #[serde(default)]
    pub gender: Option<Gender>,
    /// Email (privacy-restricted).
    #[serde(default)]
    pub email: Option<String>,
    /// Corp mailbox (privacy-restricted).
    #[serde(default)]
    pub biz_mail: Option<String>,
    /// 1 if leader of the department at the same index.
    #[serde(default)]
    pub is_leader_in_dept: Vec<i64>,
    /// Direct leaders' userids.
    #[serde(default)]
    pub direct_leader: Vec<String>,
    /// Avatar URL (privacy-restricted).
    #[serde(default)]
    pub avatar: Option<String>,
    /// Thumbnail avatar URL (privacy-restricted).
    #[serde(default)]
    pub thumb_avatar: Option<String>,
    /// Landline.
    #[serde(default)]
    pub telephone: Option<String>,
    /// Alias.
    #[serde(default)]
    pub alias: Option<String>,
    /// Address (privacy-restricted).
    #[serde(default)]
    pub address: Option<String>,
    /// Cross-suite id (third-party apps).
    #[serde(default)]
    pub open_userid: Option<String>,
    /// Main department.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub main_department: Option<i64>,
    /// Extended attributes, raw (`{"attrs":[…]}`).
    #[serde(default)]
    pub extattr: Option<Value>,
    /// 1 active, 2 disabled, 4 not activated, 5 left.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub status: Option<i64>,
    /// Personal QR code URL (privacy-restricted).
    #[serde(default)]
    pub qr_code: Option<String>,
    /// External job title.
    #[serde(default)]
    pub external_position: Option<String>,
    /// External profile, raw.
    #[serde(default)]
    pub external_profile: Option<Value>,
    /// English name (legacy).
    #[serde(default)]
    pub english_name: Option<String>,
    /// Legacy enable flag.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub enable: Option<i64>,
    /// Legacy leader flag.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub isleader: Option<i64>,
    /// Legacy hide-mobile flag.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub hide_mobile: Option<i64>,
    /// Fields not modelled here (errcode/errmsg of `user/get` included).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A member in `user/simplelist` or a tag's `userlist`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SimpleMember {
    /// The member's userid.
    #[serde(alias = "UserId")]
    pub userid: String,
    /// Name (absent for third parties).
    #[serde(default)]
    pub name: Option<String>,
    /// Department ids.
    #[serde(default)]
    pub department: Vec<i64>,
    /// Cross-suite id.
    #[serde(default)]
    pub open_userid: Option<String>,
}

/// A department.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Department {
    /// Department id (root is 1).
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    /// Name (absent for third parties).
    #[serde(default)]
    pub name: Option<String>,
    /// English name.
    #[serde(default)]
    pub name_en: Option<String>,
    /// Leaders' userids.
    #[serde(default)]
    pub department_leader: Vec<String>,
    /// Parent id (0 for the root).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub parentid: Option<i64>,
    /// Order among siblings (larger first).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub order: Option<i64>,
}

/// A department in `department/simplelist`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct DepartmentId {
    /// Department id.
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    /// Parent id.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub parentid: Option<i64>,
    /// Order among siblings.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub order: Option<i64>,
}

/// One page of `user/list_id`: one record per (user, department).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct UserIdPage {
    /// Cursor of the next page; `None` or empty at the end.
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// The records.
    #[serde(default)]
    pub dept_user: Vec<DeptUser>,
}

impl UserIdPage {
    /// The cursor to request next, or `None` when this was the last page.
    pub fn next(&self) -> Option<&str> {
        self.next_cursor.as_deref().filter(|c| !c.is_empty())
    }
}

/// A (user, department) pair from `user/list_id`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeptUser {
    /// The userid (or open_userid for third parties).
    #[serde(alias = "open_userid")]
    pub userid: String,
    /// The department id.
    #[serde(deserialize_with = "lenient::int")]
    pub department: i64,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Tag {
    /// Tag id.
    #[serde(deserialize_with = "lenient::int")]
    pub tagid: i64,
    /// Tag name.
    #[serde(default)]
    pub tagname: Option<String>,
}

/// A tag's members (`tag/get`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TagMembers {
    /// Tag name.
    #[serde(default)]
    pub tagname: Option<String>,
    /// Members.
    #[serde(default)]
    pub userlist: Vec<SimpleMember>,
    /// Department ids.
    #[serde(default)]
    pub partylist: Vec<i64>,
}

#[derive(Deserialize)]
struct UserList<T> {
    #[serde(default = "Vec::new")]
    userlist: Vec<T>,
}

#[derive(Deserialize)]
struct DepartmentList {
    #[serde(default)]
    department: Vec<Department>,
}

#[derive(Deserialize)]
struct DepartmentIdList {
    #[serde(default)]
    department_id: Vec<DepartmentId>,
}

#[derive(Deserialize)]
struct DepartmentOne {
    department: Department,
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    taglist: Vec<Tag>,
}

impl WecomApi {
    /// `GET /cgi-bin/user/get?userid=`. An unknown userid is 60111 → [`crate::ErrorKind::NotFound`].
    pub async fn user_get(&self, userid: &str) -> Result<Member, ClientError> {
        self.scope
            .get(
                "user/get",
                Base::Wecom,
                "/cgi-bin/user/get",
                TOKEN,
                &[("userid", userid)],
            )
            .await
    }

    /// `GET /cgi-bin/user/list?department_id=`: members of one department (no recursion).
    pub async fn user_list(&self, department_id: i64) -> Result<Vec<Member>, ClientError> {
        let id = department_id.to_string();
        let list: UserList<Member> = self
            .scope
            .get(
                "user/list",
                Base::Wecom,
                "/cgi-bin/user/list",
                TOKEN,
                &[("department_id", &id)],
            )
            .await?;
        Ok(list.userlist)
    }

    /// `GET /cgi-bin/user/simplelist?department_id=`.
    pub async fn user_simplelist(
        &self,
        department_id: i64,
    ) -> Result<Vec<SimpleMember>, ClientError> {
        let id = department_id.to_string();
        let list: UserList<SimpleMember> = self
            .scope
            .get(
                "user/simplelist",
                Base::Wecom,
                "/cgi-bin/user/simplelist",
                TOKEN,
                &[("department_id", &id)],
            )
            .await?;
        Ok(list.userlist)
    }

    /// `POST /cgi-bin/user/list_id`: one page of (userid, department) pairs; `limit` 1..=10000.
    /// Only the contacts-sync secret may call it.
    pub async fn user_list_id(
        &self,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<UserIdPage, ClientError> {
        let mut body = json!({ "limit": limit.clamp(1, 10_000) });
        if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
            body["cursor"] = json!(cursor);
        }
        self.scope
            .post_json(
                "user/list_id",
                Base::Wecom,
                "/cgi-bin/user/list_id",
                TOKEN,
                &body,
            )
            .await
    }

    /// `GET /cgi-bin/department/list[?id=]`: the subtree under `id` (whole tree if `None`).
    pub async fn department_list(&self, id: Option<i64>) -> Result<Vec<Department>, ClientError> {
        let id = id.map(|i| i.to_string());
        let query: Vec<(&str, &str)> = id.iter().map(|i| ("id", i.as_str())).collect();
        let list: DepartmentList = self
            .scope
            .get(
                "department/list",
                Base::Wecom,
                "/cgi-bin/department/list",
                TOKEN,
                &query,
            )
            .await?;
        Ok(list.department)
    }

    /// `GET /cgi-bin/department/simplelist[?id=]`: ids only, recursive.
    pub async fn department_simplelist(
        &self,
        id: Option<i64>,
    ) -> Result<Vec<DepartmentId>, ClientError> {
        let id = id.map(|i| i.to_string());
        let query: Vec<(&str, &str)> = id.iter().map(|i| ("id", i.as_str())).collect();
        let list: DepartmentIdList = self
            .scope
            .get(
                "department/simplelist",
                Base::Wecom,
                "/cgi-bin/department/simplelist",
                TOKEN,
                &query,
            )
            .await?;
        Ok(list.department_id)
    }

    /// `GET /cgi-bin/department/get?id=`.
    pub async fn department_get(&self, id: i64) -> Result<Department, ClientError> {
        let id = id.to_string();
        let one: DepartmentOne = self
            .scope
            .get(
                "department/get",
                Base::Wecom,
                "/cgi-bin/department/get",
                TOKEN,
                &[("id", &id)],
            )
            .await?;
        Ok(one.department)
    }

    /// `GET /cgi-bin/tag/list`.
    pub async fn tag_list(&self) -> Result<Vec<Tag>, ClientError> {
        let list: TagList = self
            .scope
            .get("tag/list", Base::Wecom, "/cgi-bin/tag/list", TOKEN, &[])
            .await?;
        Ok(list.taglist)
    }

    /// `GET /cgi-bin/tag/get?tagid=`.
    pub async fn tag_get(&self, tagid: i64) -> Result<TagMembers, ClientError> {
        let id = tagid.to_string();
        self.scope
            .get(
                "tag/get",
                Base::Wecom,
                "/cgi-bin/tag/get",
                TOKEN,
                &[("tagid", &id)],
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::error::CallContext;

    fn d<T: serde::de::DeserializeOwned>(body: &str) -> T {
        decode("t", CallContext::TokenBearing, body.as_bytes()).unwrap()
    }

    #[test]
    fn documented_user_get_sample_decodes() {
        let m: Member = d(
            r#"{"errcode":0,"errmsg":"ok","userid":"zhangsan","name":"张三","department":[1,2],"order":[1,2],"position":"p","mobile":"13800000000","gender":"1","email":"e","biz_mail":"b","is_leader_in_dept":[1,0],"direct_leader":["lisi"],"avatar":"a","thumb_avatar":"t","telephone":"020","alias":"jackzhang","address":"ad","open_userid":"xxxxxx","main_department":1,"extattr":{"attrs":[{"type":0,"name":"文本名称","text":{"value":"文本"}}]},"status":1,"qr_code":"q","external_position":"xp","external_profile":{"external_corp_name":"c"}}"#,
        );
        assert_eq!(m.userid, "zhangsan");
        assert_eq!(m.department, [1, 2]);
        assert_eq!(m.gender, Some(Gender::Male));
        assert_eq!(m.direct_leader, ["lisi"]);
        assert_eq!(m.main_department, Some(1));
        assert_eq!(m.extattr.unwrap()["attrs"][0]["name"], "文本名称");
    }

    #[test]
    fn privacy_stripped_member_decodes() {
        let m: Member = d(r#"{"errcode":0,"errmsg":"ok","userid":"u1","department":[1]}"#);
        assert!(m.name.is_none() && m.gender.is_none() && m.mobile.is_none());
    }

    #[test]
    fn ids_tags_and_departments_decode() {
        let p: UserIdPage = d(
            r#"{"errcode":0,"errmsg":"ok","next_cursor":"aaaaaaaaa","dept_user":[{"userid":"zhangsan","department":1},{"userid":"zhangsan","department":2},{"userid":"lisi","department":2}]}"#,
        );
        assert_eq!((p.dept_user.len(), p.next()), (3, Some("aaaaaaaaa")));
        let end: UserIdPage = d(r#"{"errcode":0,"errmsg":"ok","next_cursor":"","dept_user":[]}"#);
        assert_eq!(end.next(), None);
        let s: DepartmentIdList = d(
            r#"{"errcode":0,"errmsg":"ok","department_id":[{"id":2,"parentid":1,"order":10},{"id":3,"parentid":2,"order":40}]}"#,
        );
        assert_eq!(
            s.department_id[1],
            DepartmentId {
                id: 3,
                parentid: Some(2),
                order: Some(40)
            }
        );
        let one: DepartmentOne = d(
            r#"{"errcode":0,"errmsg":"ok","department":{"id":2,"name":"广州研发中心","name_en":"RDGZ","department_leader":["zhangsan","lisi"],"parentid":1,"order":10}}"#,
        );
        assert_eq!(one.department.department_leader, ["zhangsan", "lisi"]);
        let t: TagMembers = d(
            r#"{"errcode":0,"errmsg":"ok","tagname":"乒乓球协会","userlist":[{"userid":"zhangsan","name":"李四"}],"partylist":[2]}"#,
        );
        assert_eq!(
            (t.userlist[0].userid.as_str(), t.partylist.as_slice()),
            ("zhangsan", &[2][..])
        );
        let l: TagList = d(
            r#"{"errcode":0,"errmsg":"ok","taglist":[{"tagid":1,"tagname":"a"},{"tagid":2,"tagname":"b"}]}"#,
        );
        assert_eq!(l.taglist[1].tagid, 2);
    }
}
