//! The platforms' quirks, normalised in one place.
//!
//! The same fact has many spellings: WeChat OAuth says `openid`/`unionid`/`headimgurl`/`sex`, the
//! Mini Program's decrypted user data says `openId`/`unionId`/`avatarUrl`/`gender` (a number),
//! WeCom says `userid` in JSON and `UserId` in XML, `gender` as the string `"1"`, `open_userid`
//! for third-party apps, `biz_mail` beside `email`. Login flows hand the platform's JSON to
//! [`PlatformIds::from_platform`] and [`Profile::from_platform`] and never look at raw keys; the
//! client's typed answers (`user/get`, `getuserdetail`, `sns/userinfo`, `get_login_info`) go
//! through the `Profile::from_*` constructors below, which feed the same normalisation.

use serde::Serialize;
use serde_json::{Value, json};
use wxgate_client::Gender as WireGender;
use wxgate_client::wechat::oauth::SnsUserInfo;
use wxgate_client::wecom::contacts::Member;
use wxgate_client::wecom::identity::{LoginUser, UserDetail};

/// Gender, as the platforms encode it (`1` male, `2` female, `0` unknown; number or string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// `1`.
    Male,
    /// `2`.
    Female,
    /// `0` or anything else (WeChat returns `0` for everyone since 2021).
    Unknown,
}

impl Gender {
    fn from_value(v: &Value) -> Option<Gender> {
        let code = match v {
            Value::Number(n) => n.as_i64()?,
            Value::String(s) => match s.trim() {
                "男" | "male" | "m" => 1,
                "女" | "female" | "f" => 2,
                s => s.parse().ok()?,
            },
            _ => return None,
        };
        Some(match code {
            1 => Gender::Male,
            2 => Gender::Female,
            _ => Gender::Unknown,
        })
    }
}

/// What a platform says about a person, whatever the spelling. Empty strings are absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Profile {
    /// Display name (`name`, `nickname`, `nickName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Avatar URL (`avatar`, `headimgurl`, `avatarUrl`, `thumb_avatar`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Gender (`gender`, `sex`; number or string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Mobile number (`mobile`, `purePhoneNumber`, `phoneNumber`, `phone_number`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// Email (`email`, else WeCom's `biz_mail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// WeCom job title (`position`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

impl Profile {
    /// Reads a platform's user JSON (any of the shapes above).
    pub fn from_platform(raw: &Value) -> Profile {
        Profile {
            name: text(raw, &["name", "nickname", "nickName"]),
            avatar: text(raw, &["avatar", "headimgurl", "avatarUrl", "thumb_avatar"]),
            gender: ["gender", "sex"]
                .iter()
                .find_map(|k| raw.get(*k).and_then(Gender::from_value)),
            mobile: text(
                raw,
                &["mobile", "purePhoneNumber", "phoneNumber", "phone_number"],
            ),
            email: text(raw, &["email", "biz_mail"]),
            position: text(raw, &["position"]),
        }
    }

    /// A WeCom member as `user/get` returns it (apps created after 2022-06-20 get no avatar,
    /// gender, mobile or email there; those come from [`Profile::from_wecom_detail`]; a `name`
    /// that is the userid, as third-party apps see it, is no name).
    pub fn from_wecom_member(member: &Member) -> Profile {
        // Third-party apps see the userid in place of the name (since 2020-06-30).
        let name = member.name.as_deref().filter(|n| *n != member.userid);
        Profile::from_platform(&json!({
            "name": name,
            "avatar": member.avatar,
            "thumb_avatar": member.thumb_avatar,
            "gender": member.gender.and_then(gender_code),
            "mobile": member.mobile,
            "email": member.email,
            "biz_mail": member.biz_mail,
            "position": member.position,
        }))
    }

    /// What a member consented to share (`auth/getuserdetail`, `getuserdetail3rd`; the
    /// third-party `name` is the userid, so it is ignored there).
    pub fn from_wecom_detail(detail: &UserDetail) -> Profile {
        let name = detail.name.as_deref().filter(|n| *n != detail.userid);
        Profile::from_platform(&json!({
            "name": name,
            "avatar": detail.avatar,
            "gender": detail.gender.and_then(gender_code),
            "mobile": detail.mobile,
            "email": detail.email,
            "biz_mail": detail.biz_mail,
        }))
    }

    /// The user of a provider web login (`service/get_login_info`).
    pub fn from_wecom_login_user(user: &LoginUser) -> Profile {
        Profile::from_platform(&json!({
            "name": user.name,
            "avatar": user.avatar,
            "mobile": user.mobile,
            "email": user.email,
        }))
    }

    /// A WeChat web-authorisation profile (`sns/userinfo`; WeChat sends `sex` 0 for everyone
    /// since 2021, kept as unknown).
    pub fn from_sns_userinfo(info: &SnsUserInfo) -> Profile {
        Profile::from_platform(&json!({
            "nickname": info.nickname,
            "headimgurl": info.headimgurl,
            "sex": gender_code(info.sex),
        }))
    }

    /// `self`, with the fields it lacks taken from `fallback`.
    pub fn or(self, fallback: Profile) -> Profile {
        Profile {
            name: self.name.or(fallback.name),
            avatar: self.avatar.or(fallback.avatar),
            gender: self.gender.or(fallback.gender),
            mobile: self.mobile.or(fallback.mobile),
            email: self.email.or(fallback.email),
            position: self.position.or(fallback.position),
        }
    }

    /// As the JSON stored on an identity.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The person's ids in a platform response, whatever the casing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformIds {
    /// `openid` / `openId` / `OpenId`.
    pub openid: Option<String>,
    /// `unionid` / `unionId` / `UnionId`.
    pub unionid: Option<String>,
    /// `userid` / `UserId` / `userId`.
    pub userid: Option<String>,
    /// `open_userid` / `OpenUserId` / `openUserId`.
    pub open_userid: Option<String>,
    /// `corpid` / `CorpId` / `corpId` (third-party logins name the user's corp).
    pub corpid: Option<String>,
}

impl PlatformIds {
    /// Reads the ids from a platform's JSON.
    pub fn from_platform(raw: &Value) -> PlatformIds {
        PlatformIds {
            openid: text(raw, &["openid", "openId", "OpenId", "OpenID"]),
            unionid: text(raw, &["unionid", "unionId", "UnionId", "UnionID"]),
            userid: text(raw, &["userid", "UserId", "userId", "UserID"]),
            open_userid: text(
                raw,
                &["open_userid", "OpenUserId", "openUserId", "open_userId"],
            ),
            corpid: text(raw, &["corpid", "CorpId", "corpId", "CorpID"]),
        }
    }
}

/// The client's typed gender as the platforms' code (`None` when not given: the client reads a
/// missing gender as unknown).
fn gender_code(gender: WireGender) -> Option<u8> {
    match gender {
        WireGender::Male => Some(1),
        WireGender::Female => Some(2),
        WireGender::Unknown => None,
    }
}

/// The first of `keys` holding a non-empty string (or a number, as text).
fn text(raw: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match raw.get(*k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wechat_oauth_userinfo() {
        let raw = json!({"openid": "oX1", "nickname": "张三", "sex": 1, "headimgurl": "https://h/1", "unionid": "uX1", "privilege": []});
        let ids = PlatformIds::from_platform(&raw);
        assert_eq!(ids.openid.as_deref(), Some("oX1"));
        assert_eq!(ids.unionid.as_deref(), Some("uX1"));
        let p = Profile::from_platform(&raw);
        assert_eq!(p.name.as_deref(), Some("张三"));
        assert_eq!(p.avatar.as_deref(), Some("https://h/1"));
        assert_eq!(p.gender, Some(Gender::Male));
    }

    #[test]
    fn mini_program_user_data_is_camel_case() {
        let raw = json!({"openId": "oM", "unionId": "uM", "nickName": "Li", "gender": 2, "avatarUrl": "https://a", "watermark": {"appid": "wx"}});
        let ids = PlatformIds::from_platform(&raw);
        assert_eq!(
            (ids.openid.as_deref(), ids.unionid.as_deref()),
            (Some("oM"), Some("uM"))
        );
        let p = Profile::from_platform(&raw);
        assert_eq!(p.gender, Some(Gender::Female));
        assert_eq!(p.name.as_deref(), Some("Li"));
        let phone = json!({"phoneNumber": "+8613800000000", "purePhoneNumber": "13800000000", "countryCode": "86"});
        assert_eq!(
            Profile::from_platform(&phone).mobile.as_deref(),
            Some("13800000000")
        );
    }

    #[test]
    fn wecom_user_detail_gender_is_a_string() {
        let raw = json!({"userid": "zhangsan", "gender": "1", "avatar": "https://w/a", "mobile": "13900000000", "email": "", "biz_mail": "z@corp.com"});
        let p = Profile::from_platform(&raw);
        assert_eq!(p.gender, Some(Gender::Male));
        assert_eq!(
            p.email.as_deref(),
            Some("z@corp.com"),
            "an empty email falls back to biz_mail"
        );
        assert_eq!(
            PlatformIds::from_platform(&raw).userid.as_deref(),
            Some("zhangsan")
        );
        let xml_style =
            json!({"UserId": "lisi", "OpenUserId": "woAbc", "CorpId": "wwX", "Gender": "2"});
        let ids = PlatformIds::from_platform(&xml_style);
        assert_eq!(ids.userid.as_deref(), Some("lisi"));
        assert_eq!(ids.open_userid.as_deref(), Some("woAbc"));
        assert_eq!(ids.corpid.as_deref(), Some("wwX"));
    }

    #[test]
    fn typed_answers_feed_the_same_normalisation() {
        let detail: UserDetail = serde_json::from_value(json!({"userid": "lisi", "name": "lisi", "gender": "2", "avatar": " ", "mobile": "13800000000", "biz_mail": "l@corp.com"})).unwrap();
        let p = Profile::from_wecom_detail(&detail);
        assert_eq!(
            p.name, None,
            "a third-party `name` that is the userid is no name"
        );
        assert_eq!(p.gender, Some(Gender::Female));
        assert_eq!(p.avatar, None);
        assert_eq!(p.email.as_deref(), Some("l@corp.com"));
        let member: Member = serde_json::from_value(
            json!({"userid": "lisi", "name": "李四", "position": "PM", "department": [1]}),
        )
        .unwrap();
        let merged = p.or(Profile::from_wecom_member(&member));
        assert_eq!(merged.name.as_deref(), Some("李四"));
        assert_eq!(merged.position.as_deref(), Some("PM"));
        assert_eq!(merged.mobile.as_deref(), Some("13800000000"));
        let info: SnsUserInfo = serde_json::from_value(
            json!({"openid": "o1", "nickname": "小明", "sex": "1", "headimgurl": "https://h"}),
        )
        .unwrap();
        let p = Profile::from_sns_userinfo(&info);
        assert_eq!(
            (p.name.as_deref(), p.gender),
            (Some("小明"), Some(Gender::Male))
        );
    }

    #[test]
    fn unknown_or_odd_genders() {
        assert_eq!(
            Profile::from_platform(&json!({"sex": 0})).gender,
            Some(Gender::Unknown)
        );
        assert_eq!(
            Profile::from_platform(&json!({"gender": "女"})).gender,
            Some(Gender::Female)
        );
        assert_eq!(Profile::from_platform(&json!({"gender": "x"})).gender, None);
        assert_eq!(Profile::from_platform(&json!({})), Profile::default());
        assert_eq!(Profile::default().to_json(), json!({}));
    }
}
