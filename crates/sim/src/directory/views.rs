//! The JSON bodies the contacts read APIs return (NOTES.md §3.3), field for field, for the kind of
//! app that asks: the HTTP layer picks a [`FieldView`] per app and sends these values as they are.

use serde_json::{Map, Value, json};

use super::error::DirectoryError;
use super::model::{Department, Directory, Member};

/// Which member and department fields an app may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldView {
    /// Everything: 通讯录同步 and self-built apps created before 2022-06-20.
    Full,
    /// Self-built/代开发 apps created after 2022-06-20 and basic apps: no avatar, thumb_avatar,
    /// gender, mobile, email, biz_mail, qr_code or address (path/96255, 96260).
    PrivacyRestricted,
    /// Third-party apps: the privacy restrictions, plus `name` replaced by the userid, no
    /// `position` (第三方仅通讯录应用可获取), `open_userid` added (仅第三方应用可获取), and no
    /// department `name`/`name_en` (path/90344, 96259).
    ThirdParty,
}

/// Fields removed by [`FieldView::PrivacyRestricted`] (and by [`FieldView::ThirdParty`]).
pub const PRIVACY_FIELDS: [&str; 8] = [
    "avatar",
    "thumb_avatar",
    "gender",
    "mobile",
    "email",
    "biz_mail",
    "qr_code",
    "address",
];

fn ok_envelope() -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("errcode".into(), json!(0));
    map.insert("errmsg".into(), json!("ok"));
    map
}

/// One member as it appears in `user/get` and in `user/list`'s `userlist`.
pub fn member_json(member: &Member, view: FieldView) -> Value {
    let name = match view {
        FieldView::ThirdParty => &member.userid,
        _ => &member.name,
    };
    let mut map = Map::new();
    map.insert("userid".into(), json!(member.userid));
    map.insert("name".into(), json!(name));
    map.insert("department".into(), json!(member.department));
    map.insert("order".into(), json!(member.order));
    map.insert("position".into(), json!(member.position));
    map.insert("mobile".into(), json!(member.mobile));
    map.insert("gender".into(), json!(member.gender));
    map.insert("email".into(), json!(member.email));
    map.insert("biz_mail".into(), json!(member.biz_mail));
    map.insert("is_leader_in_dept".into(), json!(member.is_leader_in_dept));
    map.insert("direct_leader".into(), json!(member.direct_leader));
    map.insert("avatar".into(), json!(member.avatar));
    map.insert("thumb_avatar".into(), json!(member.thumb_avatar));
    map.insert("telephone".into(), json!(member.telephone));
    map.insert("alias".into(), json!(member.alias));
    map.insert("status".into(), json!(member.status));
    map.insert("address".into(), json!(member.address));
    map.insert("english_name".into(), json!(member.english_name));
    map.insert("main_department".into(), json!(member.main_department));
    map.insert("extattr".into(), member.extattr.clone());
    map.insert("qr_code".into(), json!(member.qr_code));
    if view != FieldView::Full {
        for field in PRIVACY_FIELDS {
            map.remove(field);
        }
    }
    if view == FieldView::ThirdParty {
        map.remove("position");
        map.insert("open_userid".into(), json!(member.open_userid));
    }
    Value::Object(map)
}

/// One department as it appears in `department/get` and `department/list`.
pub fn department_json(dept: &Department, view: FieldView) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), json!(dept.id));
    if view != FieldView::ThirdParty {
        map.insert("name".into(), json!(dept.name));
        if let Some(name_en) = &dept.name_en {
            map.insert("name_en".into(), json!(name_en));
        }
    }
    map.insert("department_leader".into(), json!(dept.department_leader));
    map.insert("parentid".into(), json!(dept.parentid));
    map.insert("order".into(), json!(dept.order));
    Value::Object(map)
}

impl Directory {
    fn existing_department(&self, id: u32) -> Result<&Department, DirectoryError> {
        self.department(id)
            .ok_or(DirectoryError::DepartmentNotFound(id))
    }

    /// The `user/get` response for `userid` (matched ignoring case, as the platform does).
    pub fn user_get_json(&self, userid: &str, view: FieldView) -> Result<Value, DirectoryError> {
        let member = self
            .member_ignoring_case(userid)
            .ok_or_else(|| DirectoryError::UserNotFound(userid.to_owned()))?;
        let mut map = ok_envelope();
        if let Value::Object(fields) = member_json(member, view) {
            map.extend(fields);
        }
        Ok(Value::Object(map))
    }

    /// The `user/list` response for one department (direct members only, as the current API).
    pub fn user_list_json(
        &self,
        department: u32,
        view: FieldView,
    ) -> Result<Value, DirectoryError> {
        self.existing_department(department)?;
        let list: Vec<Value> = self
            .members_of(department, false)
            .into_iter()
            .map(|m| member_json(m, view))
            .collect();
        let mut map = ok_envelope();
        map.insert("userlist".into(), Value::Array(list));
        Ok(Value::Object(map))
    }

    /// The `user/simplelist` response for one department: userid, name (the userid for
    /// third-party apps), department, and open_userid for third-party apps only.
    pub fn user_simplelist_json(
        &self,
        department: u32,
        view: FieldView,
    ) -> Result<Value, DirectoryError> {
        self.existing_department(department)?;
        let list: Vec<Value> = self
            .members_of(department, false)
            .into_iter()
            .map(|m| {
                let mut entry = Map::new();
                entry.insert("userid".into(), json!(m.userid));
                let name = if view == FieldView::ThirdParty {
                    &m.userid
                } else {
                    &m.name
                };
                entry.insert("name".into(), json!(name));
                entry.insert("department".into(), json!(m.department));
                if view == FieldView::ThirdParty {
                    entry.insert("open_userid".into(), json!(m.open_userid));
                }
                Value::Object(entry)
            })
            .collect();
        let mut map = ok_envelope();
        map.insert("userlist".into(), Value::Array(list));
        Ok(Value::Object(map))
    }

    /// The `department/get` response.
    pub fn department_get_json(&self, id: u32, view: FieldView) -> Result<Value, DirectoryError> {
        let dept = self.existing_department(id)?;
        let mut map = ok_envelope();
        map.insert("department".into(), department_json(dept, view));
        Ok(Value::Object(map))
    }

    /// The `department/list` response: `id` and all its descendants, or the whole tree for `None`.
    pub fn department_list_json(
        &self,
        id: Option<u32>,
        view: FieldView,
    ) -> Result<Value, DirectoryError> {
        let ids = self.subtree(id)?;
        let list: Vec<Value> = ids
            .into_iter()
            .filter_map(|d| self.department(d))
            .map(|d| department_json(d, view))
            .collect();
        let mut map = ok_envelope();
        map.insert("department".into(), Value::Array(list));
        Ok(Value::Object(map))
    }

    /// The `department/simplelist` response: `{"id","parentid","order"}` for the subtree.
    pub fn department_simplelist_json(&self, id: Option<u32>) -> Result<Value, DirectoryError> {
        let ids = self.subtree(id)?;
        let list: Vec<Value> = ids
            .into_iter()
            .filter_map(|d| self.department(d))
            .map(|d| json!({ "id": d.id, "parentid": d.parentid, "order": d.order }))
            .collect();
        let mut map = ok_envelope();
        map.insert("department_id".into(), Value::Array(list));
        Ok(Value::Object(map))
    }

    fn subtree(&self, id: Option<u32>) -> Result<Vec<u32>, DirectoryError> {
        let top = id.unwrap_or(super::model::ROOT_DEPARTMENT);
        self.existing_department(top)?;
        let mut ids = vec![top];
        ids.extend(self.descendants(top));
        Ok(ids)
    }
}
