//! Who is logging in: WeCom OAuth2 / web-login code exchanges for self-built apps and suites,
//! the sensitive-detail follow-ups, the provider's QR login, and Mini Program `jscode2session`
//! (NOTES §3.2). Capitalised legacy keys (`UserId`, `OpenId`, `DeviceId`) are accepted as
//! aliases.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::ClientError;
use crate::http::Base;
use crate::lenient::{self, Gender};
use crate::redact::Secret;
use crate::wecom::{ProviderApi, SuiteApi, WecomApi};

/// The result of exchanging a login code: a corp member, or a visitor who is not one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawIdentity")]
pub enum LoginIdentity {
    /// A member of the corp.
    Member(MemberIdentity),
    /// Not a member (visible only as an openid, possibly an external contact).
    NonMember(NonMemberIdentity),
}

/// A corp member identified by a login code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberIdentity {
    /// The member's userid (`CorpId/userid` for linked corps).
    pub userid: String,
    /// The corp (third-party `getuserinfo3rd` only).
    pub corpid: Option<String>,
    /// For `getuserdetail` (scope snsapi_privateinfo, valid 1800 s).
    pub user_ticket: Option<Secret>,
    /// Lifetime of `user_ticket`.
    pub expires_in: Option<i64>,
    /// Cross-suite id (third-party only).
    pub open_userid: Option<String>,
    /// Device id (legacy `user/getuserinfo`).
    pub device_id: Option<String>,
}

/// A visitor who is not a corp member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonMemberIdentity {
    /// The visitor's openid.
    pub openid: String,
    /// Their external_userid, if they are an external contact.
    pub external_userid: Option<String>,
    /// Device id (legacy `user/getuserinfo`).
    pub device_id: Option<String>,
}

#[derive(Deserialize)]
struct RawIdentity {
    #[serde(default, alias = "UserId")]
    userid: Option<String>,
    #[serde(default, alias = "OpenId")]
    openid: Option<String>,
    #[serde(default, alias = "CorpId")]
    corpid: Option<String>,
    #[serde(default)]
    user_ticket: Option<Secret>,
    #[serde(default, deserialize_with = "lenient::opt_int")]
    expires_in: Option<i64>,
    #[serde(default)]
    open_userid: Option<String>,
    #[serde(default)]
    external_userid: Option<String>,
    #[serde(default, alias = "DeviceId")]
    deviceid: Option<String>,
}

impl TryFrom<RawIdentity> for LoginIdentity {
    type Error = String;

    fn try_from(raw: RawIdentity) -> Result<Self, String> {
        match (raw.userid.filter(|u| !u.is_empty()), raw.openid) {
            (Some(userid), _) => Ok(LoginIdentity::Member(MemberIdentity {
                userid,
                corpid: raw.corpid,
                user_ticket: raw.user_ticket,
                expires_in: raw.expires_in,
                open_userid: raw.open_userid,
                device_id: raw.deviceid,
            })),
            (None, Some(openid)) => Ok(LoginIdentity::NonMember(NonMemberIdentity {
                openid,
                external_userid: raw.external_userid,
                device_id: raw.deviceid,
            })),
            (None, None) => Err("neither userid nor openid in the login answer".to_owned()),
        }
    }
}

/// Sensitive member details from `getuserdetail` / `getuserdetail3rd`; fields are present only
/// if the admin enabled them and the member consented (snsapi_privateinfo).
#[derive(Debug, Clone, Deserialize)]
pub struct UserDetail {
    /// The member's userid.
    #[serde(alias = "UserId")]
    pub userid: String,
    /// The corp (third-party only).
    #[serde(default)]
    pub corpid: Option<String>,
    /// Name (third parties get the userid instead).
    #[serde(default)]
    pub name: Option<String>,
    /// Gender (sent as a string).
    #[serde(default)]
    pub gender: Option<Gender>,
    /// Avatar URL.
    #[serde(default)]
    pub avatar: Option<String>,
    /// Personal QR code URL.
    #[serde(default)]
    pub qr_code: Option<String>,
    /// Mobile number.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Corp mailbox.
    #[serde(default)]
    pub biz_mail: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer of WeCom Mini Program `jscode2session`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WecomSession {
    /// The member's corp.
    #[serde(default)]
    pub corpid: Option<String>,
    /// The member's userid (encrypted for third parties when the app is not installed).
    #[serde(alias = "UserId")]
    pub userid: String,
    /// The session key (decrypts `wx.getUserInfo` payloads). A secret.
    pub session_key: Secret,
    /// Cross-suite id (third-party variant only).
    #[serde(default)]
    pub open_userid: Option<String>,
}

/// The answer of the provider's `get_login_info` (QR login into the provider's site).
#[derive(Debug, Clone, Deserialize)]
pub struct LoginInfo {
    /// 1 creator, 2 internal admin, 3 external admin, 4 partner admin, 5 member.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub usertype: Option<i64>,
    /// Legacy: is a system admin.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_sys: Option<bool>,
    /// Legacy: is an internal admin.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_inner: Option<bool>,
    /// The user.
    #[serde(default)]
    pub user_info: Option<LoginUser>,
    /// The user's corp.
    #[serde(default)]
    pub corp_info: Option<LoginCorp>,
    /// Apps the admin may manage.
    #[serde(default)]
    pub agent: Vec<LoginAgent>,
    /// Departments the admin may manage.
    #[serde(default)]
    pub auth_info: Option<LoginAuthInfo>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The user in [`LoginInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LoginUser {
    /// Userid.
    #[serde(default, alias = "UserId")]
    pub userid: Option<String>,
    /// Cross-suite id.
    #[serde(default)]
    pub open_userid: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Avatar URL.
    #[serde(default)]
    pub avatar: Option<String>,
    /// Email (legacy).
    #[serde(default)]
    pub email: Option<String>,
    /// Mobile (legacy).
    #[serde(default)]
    pub mobile: Option<String>,
}

/// The corp in [`LoginInfo`].
#[derive(Debug, Clone, Deserialize)]
pub struct LoginCorp {
    /// Corp id.
    pub corpid: String,
    /// Fields not modelled here (name, logo, limits; partly legacy).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An app in [`LoginInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LoginAgent {
    /// Agent id.
    #[serde(deserialize_with = "lenient::int")]
    pub agentid: i64,
    /// 1 admin, 3 …; see the doc.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub auth_type: Option<i64>,
}

/// Departments in [`LoginInfo`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LoginAuthInfo {
    /// The departments.
    #[serde(default)]
    pub department: Vec<LoginDepartment>,
}

/// A department the admin may manage (`id` and `writable` arrive as strings).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LoginDepartment {
    /// Department id.
    #[serde(deserialize_with = "lenient::int")]
    pub id: i64,
    /// Whether the admin may write it.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub writable: Option<bool>,
}

impl WecomApi {
    /// `GET /cgi-bin/auth/getuserinfo?code=`: who logged in (self-built / 代开发 apps).
    /// A used or expired code is 40029 → [`crate::ErrorKind::InvalidCode`].
    pub async fn auth_getuserinfo(&self, code: &str) -> Result<LoginIdentity, ClientError> {
        self.scope
            .get(
                "auth/getuserinfo",
                Base::Wecom,
                "/cgi-bin/auth/getuserinfo",
                "access_token",
                &[("code", code)],
            )
            .await
    }

    /// `POST /cgi-bin/auth/getuserdetail`: sensitive details for a `user_ticket`.
    pub async fn auth_getuserdetail(&self, user_ticket: &str) -> Result<UserDetail, ClientError> {
        self.scope
            .post_json(
                "auth/getuserdetail",
                Base::Wecom,
                "/cgi-bin/auth/getuserdetail",
                "access_token",
                &json!({ "user_ticket": user_ticket }),
            )
            .await
    }

    /// `GET /cgi-bin/miniprogram/jscode2session`: a WeCom Mini Program login (the token must be
    /// the linked app's).
    pub async fn miniprogram_jscode2session(
        &self,
        js_code: &str,
    ) -> Result<WecomSession, ClientError> {
        self.scope
            .get(
                "miniprogram/jscode2session",
                Base::Wecom,
                "/cgi-bin/miniprogram/jscode2session",
                "access_token",
                &[("js_code", js_code), ("grant_type", "authorization_code")],
            )
            .await
    }
}

impl SuiteApi {
    /// `GET /cgi-bin/service/auth/getuserinfo3rd?code=`: who logged in to a suite app.
    pub async fn getuserinfo3rd(&self, code: &str) -> Result<LoginIdentity, ClientError> {
        self.scope
            .get(
                "service/auth/getuserinfo3rd",
                Base::Wecom,
                "/cgi-bin/service/auth/getuserinfo3rd",
                "suite_access_token",
                &[("code", code)],
            )
            .await
    }

    /// `POST /cgi-bin/service/auth/getuserdetail3rd`: sensitive details for a `user_ticket`.
    pub async fn getuserdetail3rd(&self, user_ticket: &str) -> Result<UserDetail, ClientError> {
        self.scope
            .post_json(
                "service/auth/getuserdetail3rd",
                Base::Wecom,
                "/cgi-bin/service/auth/getuserdetail3rd",
                "suite_access_token",
                &json!({ "user_ticket": user_ticket }),
            )
            .await
    }

    /// `GET /cgi-bin/service/miniprogram/jscode2session`: a suite Mini Program login.
    pub async fn miniprogram_jscode2session(
        &self,
        js_code: &str,
    ) -> Result<WecomSession, ClientError> {
        self.scope
            .get(
                "service/miniprogram/jscode2session",
                Base::Wecom,
                "/cgi-bin/service/miniprogram/jscode2session",
                "suite_access_token",
                &[("js_code", js_code), ("grant_type", "authorization_code")],
            )
            .await
    }
}

impl ProviderApi {
    /// `POST /cgi-bin/service/get_login_info?access_token=PROVIDER_ACCESS_TOKEN`: who scanned
    /// the provider's login QR code.
    pub async fn get_login_info(&self, auth_code: &str) -> Result<LoginInfo, ClientError> {
        self.scope
            .post_json(
                "service/get_login_info",
                Base::Wecom,
                "/cgi-bin/service/get_login_info",
                "access_token",
                &json!({ "auth_code": auth_code }),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::error::{CallContext, ErrorKind};

    fn d<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ClientError> {
        decode("t", CallContext::TokenBearing, body.as_bytes())
    }

    #[test]
    fn member_and_non_member_shapes_decode_to_the_enum() {
        let m: LoginIdentity =
            d(r#"{"errcode":0,"errmsg":"ok","userid":"USERID","user_ticket":"USER_TICKET"}"#)
                .unwrap();
        let LoginIdentity::Member(m) = m else {
            panic!("member expected")
        };
        assert_eq!(m.userid, "USERID");
        assert_eq!(m.user_ticket.unwrap().expose(), "USER_TICKET");
        let n: LoginIdentity = d(
            r#"{"errcode":0,"errmsg":"ok","openid":"OPENID","external_userid":"EXTERNAL_USERID"}"#,
        )
        .unwrap();
        assert_eq!(
            n,
            LoginIdentity::NonMember(NonMemberIdentity {
                openid: "OPENID".into(),
                external_userid: Some("EXTERNAL_USERID".into()),
                device_id: None
            })
        );
        let legacy: LoginIdentity =
            d(r#"{"errcode":0,"errmsg":"ok","UserId":"U","DeviceId":"D","user_ticket":"T","expires_in":7200}"#).unwrap();
        let LoginIdentity::Member(l) = legacy else {
            panic!()
        };
        assert_eq!(
            (l.userid.as_str(), l.device_id.as_deref(), l.expires_in),
            ("U", Some("D"), Some(7200))
        );
        let third: LoginIdentity = d(r#"{"errcode":0,"errmsg":"ok","corpid":"CORPID","userid":"USERID","user_ticket":"USER_TICKET","expires_in":7200,"open_userid":"wwxxxx"}"#).unwrap();
        let LoginIdentity::Member(t) = third else {
            panic!()
        };
        assert_eq!(
            (t.corpid.as_deref(), t.open_userid.as_deref()),
            (Some("CORPID"), Some("wwxxxx"))
        );
        assert!(matches!(
            d::<LoginIdentity>(r#"{"errcode":0}"#),
            Err(ClientError::Decode { .. })
        ));
        let bad = d::<LoginIdentity>(r#"{"errcode":40029,"errmsg":"invalid code"}"#).unwrap_err();
        assert_eq!(bad.kind(), Some(ErrorKind::InvalidCode));
    }

    #[test]
    fn user_detail_and_sessions_decode() {
        let u: UserDetail = d(r#"{"errcode":0,"errmsg":"ok","userid":"lisi","gender":"1","avatar":"a","qr_code":"q","mobile":"13800000000","email":"e","biz_mail":"b","address":"ad"}"#).unwrap();
        assert_eq!(
            (u.gender, u.mobile.as_deref()),
            (Some(Gender::Male), Some("13800000000"))
        );
        let s: WecomSession = d(r#"{"corpid":"CORPID","userid":"USERID","session_key":"kJtdi6RF+Dv67QkbLlPGjw==","errcode":0,"errmsg":"ok"}"#).unwrap();
        assert_eq!(s.session_key.expose(), "kJtdi6RF+Dv67QkbLlPGjw==");
        assert!(!format!("{s:?}").contains("kJtdi6RF"));
    }
}
