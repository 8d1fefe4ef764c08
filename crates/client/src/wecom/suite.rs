//! Third-party (服务商) suite installation: pre-auth code, session info, permanent code and
//! authorisation info (NOTES §3.5, path/90601–90605, 100776). Every field the docs mark as
//! optional or version-dependent is an `Option`; what we do not model lands in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::decode::Ack;
use crate::error::ClientError;
use crate::http::Base;
use crate::lenient;
use crate::redact::Secret;
use crate::wecom::SuiteApi;

const TOKEN: &str = "suite_access_token";

/// A pre-authorisation code for the install URL.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PreAuthCode {
    /// The code (valid `expires_in` seconds, usually 1200).
    pub pre_auth_code: Secret,
    /// Seconds until it expires.
    #[serde(deserialize_with = "lenient::int")]
    pub expires_in: i64,
}

/// `session_info` of `set_session_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SessionInfo {
    /// App ids to authorise (old multi-app suites only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appid: Option<Vec<i64>>,
    /// 0 正式授权 (default), 1 测试授权.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<i64>,
}

/// The answer of `get_permanent_code` (v1: everything; v2: permanent_code, auth_corp_info
/// {corpid, corp_name}, auth_user_info, register_code_info, state).
#[derive(Debug, Clone, Deserialize)]
pub struct PermanentCode {
    /// The authorised corp's access_token (v1 only).
    #[serde(default)]
    pub access_token: Option<Secret>,
    /// Lifetime of `access_token` (v1 only).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub expires_in: Option<i64>,
    /// The permanent code: store it; it authenticates `get_corp_token` forever.
    pub permanent_code: Secret,
    /// The reseller corp, when installed through one.
    #[serde(default)]
    pub dealer_corp_info: Option<DealerCorpInfo>,
    /// The corp that installed the suite.
    #[serde(default)]
    pub auth_corp_info: Option<AuthCorpInfo>,
    /// The authorised apps (v1 only).
    #[serde(default)]
    pub auth_info: Option<AuthInfo>,
    /// The admin who installed.
    #[serde(default)]
    pub auth_user_info: Option<AuthUserInfo>,
    /// Registration-code info (raw).
    #[serde(default)]
    pub register_code_info: Option<Value>,
    /// The `state` passed in the install URL (v2).
    #[serde(default)]
    pub state: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer of `get_auth_info`.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthInfoResponse {
    /// The reseller corp, when installed through one.
    #[serde(default)]
    pub dealer_corp_info: Option<DealerCorpInfo>,
    /// The authorised corp.
    #[serde(default)]
    pub auth_corp_info: Option<AuthCorpInfo>,
    /// The authorised apps.
    #[serde(default)]
    pub auth_info: Option<AuthInfo>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A reseller (代理服务商) corp.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DealerCorpInfo {
    /// Its corp id.
    #[serde(default)]
    pub corpid: Option<String>,
    /// Its name.
    #[serde(default)]
    pub corp_name: Option<String>,
}

/// The corp that authorised the suite.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthCorpInfo {
    /// Corp id (encrypted for third parties).
    pub corpid: String,
    /// Short name.
    #[serde(default)]
    pub corp_name: Option<String>,
    /// `verified`, `unverified`, ….
    #[serde(default)]
    pub corp_type: Option<String>,
    /// Square logo URL.
    #[serde(default)]
    pub corp_square_logo_url: Option<String>,
    /// Round logo URL.
    #[serde(default)]
    pub corp_round_logo_url: Option<String>,
    /// Member limit.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub corp_user_max: Option<i64>,
    /// Full legal name.
    #[serde(default)]
    pub corp_full_name: Option<String>,
    /// Verification end, Unix seconds.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub verified_end_time: Option<i64>,
    /// Subject type (1 enterprise, 2 government, 3 other, 4 team).
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub subject_type: Option<i64>,
    /// WeChat-plugin QR code URL.
    #[serde(default)]
    pub corp_wxqrcode: Option<String>,
    /// Size bucket, e.g. `1-50人`.
    #[serde(default)]
    pub corp_scale: Option<String>,
    /// Industry.
    #[serde(default)]
    pub corp_industry: Option<String>,
    /// Sub-industry.
    #[serde(default)]
    pub corp_sub_industry: Option<String>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The apps a corp authorised.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthInfo {
    /// One entry per app.
    #[serde(default)]
    pub agent: Vec<AuthAgent>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One authorised app.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthAgent {
    /// The agent id inside the authorising corp.
    #[serde(deserialize_with = "lenient::int")]
    pub agentid: i64,
    /// App name.
    #[serde(default)]
    pub name: Option<String>,
    /// Round logo URL.
    #[serde(default)]
    pub round_logo_url: Option<String>,
    /// Square logo URL.
    #[serde(default)]
    pub square_logo_url: Option<String>,
    /// Old multi-app suite app id.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub appid: Option<i64>,
    /// 0 admin authorised, 1 member authorised.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub auth_mode: Option<i64>,
    /// True for a 代开发 app.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub is_customized_app: Option<bool>,
    /// True when authorised from a third-party app.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    pub auth_from_thirdapp: Option<bool>,
    /// The app's visible range.
    #[serde(default)]
    pub privilege: Option<Privilege>,
    /// The sharing corp, for shared apps.
    #[serde(default)]
    pub shared_from: Option<SharedFrom>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An app's visible range and permission level.
#[derive(Debug, Clone, Deserialize)]
pub struct Privilege {
    /// 1 read-only contacts, 2 read members only, 3 read+write (old), ….
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub level: Option<i64>,
    /// Visible departments.
    #[serde(default)]
    pub allow_party: Vec<i64>,
    /// Visible members.
    #[serde(default)]
    pub allow_user: Vec<String>,
    /// Visible tags.
    #[serde(default)]
    pub allow_tag: Vec<i64>,
    /// Extra departments.
    #[serde(default)]
    pub extra_party: Vec<i64>,
    /// Extra members.
    #[serde(default)]
    pub extra_user: Vec<String>,
    /// Extra tags.
    #[serde(default)]
    pub extra_tag: Vec<i64>,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where a shared app comes from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SharedFrom {
    /// The sharing corp.
    #[serde(default)]
    pub corpid: Option<String>,
    /// 0 enterprise-interconnect, 1 upstream/downstream.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub share_type: Option<i64>,
}

/// The admin who installed the suite.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuthUserInfo {
    /// Their userid in the corp.
    #[serde(default, alias = "UserId")]
    pub userid: Option<String>,
    /// Their cross-suite open_userid.
    #[serde(default)]
    pub open_userid: Option<String>,
    /// Name (replaced by userid for third parties).
    #[serde(default)]
    pub name: Option<String>,
    /// Avatar URL.
    #[serde(default)]
    pub avatar: Option<String>,
}

impl SuiteApi {
    /// `GET /cgi-bin/service/get_pre_auth_code`.
    pub async fn get_pre_auth_code(&self) -> Result<PreAuthCode, ClientError> {
        self.scope
            .get(
                "service/get_pre_auth_code",
                Base::Wecom,
                "/cgi-bin/service/get_pre_auth_code",
                TOKEN,
                &[],
            )
            .await
    }

    /// `POST /cgi-bin/service/set_session_info`: e.g. mark an install as a test authorisation.
    pub async fn set_session_info(
        &self,
        pre_auth_code: &str,
        session_info: &SessionInfo,
    ) -> Result<(), ClientError> {
        let body = json!({ "pre_auth_code": pre_auth_code, "session_info": session_info });
        let _: Ack = self
            .scope
            .post_json(
                "service/set_session_info",
                Base::Wecom,
                "/cgi-bin/service/set_session_info",
                TOKEN,
                &body,
            )
            .await?;
        Ok(())
    }

    /// `POST /cgi-bin/service/get_permanent_code` with the single-use `auth_code` from the
    /// create_auth callback or the install redirect.
    pub async fn get_permanent_code(&self, auth_code: &str) -> Result<PermanentCode, ClientError> {
        self.scope
            .post_json(
                "service/get_permanent_code",
                Base::Wecom,
                "/cgi-bin/service/get_permanent_code",
                TOKEN,
                &json!({ "auth_code": auth_code }),
            )
            .await
    }

    /// `POST /cgi-bin/service/v2/get_permanent_code`: the faster variant with fewer fields.
    pub async fn get_permanent_code_v2(
        &self,
        auth_code: &str,
    ) -> Result<PermanentCode, ClientError> {
        self.scope
            .post_json(
                "service/v2/get_permanent_code",
                Base::Wecom,
                "/cgi-bin/service/v2/get_permanent_code",
                TOKEN,
                &json!({ "auth_code": auth_code }),
            )
            .await
    }

    /// `POST /cgi-bin/service/get_auth_info`: what `auth_corpid` currently authorises.
    pub async fn get_auth_info(
        &self,
        auth_corpid: &str,
        permanent_code: &str,
    ) -> Result<AuthInfoResponse, ClientError> {
        self.scope
            .post_json(
                "service/get_auth_info",
                Base::Wecom,
                "/cgi-bin/service/get_auth_info",
                TOKEN,
                &json!({ "auth_corpid": auth_corpid, "permanent_code": permanent_code }),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented get_permanent_code sample (NOTES §3.5, path/90603).
    const V1: &str = r#"{"errcode":0,"errmsg":"ok","access_token":"xxxxxx","expires_in":7200,"permanent_code":"xxxx","dealer_corp_info":{"corpid":"xxxx","corp_name":"name"},"auth_corp_info":{"corpid":"xxxx","corp_name":"name","corp_type":"verified","corp_square_logo_url":"yyyyy","corp_user_max":50,"corp_full_name":"full_name","verified_end_time":1431775834,"subject_type":1,"corp_wxqrcode":"zzzzz","corp_scale":"1-50人","corp_industry":"IT服务","corp_sub_industry":"计算机软件/硬件/信息服务"},"auth_info":{"agent":[{"agentid":1,"name":"NAME","round_logo_url":"xxxxxx","square_logo_url":"yyyyyy","appid":1,"auth_mode":1,"is_customized_app":false,"auth_from_thirdapp":false,"privilege":{"level":1,"allow_party":[1,2,3],"allow_user":["zhansan","lisi"],"allow_tag":[1,2,3],"extra_party":[4,5,6],"extra_user":["wangwu"],"extra_tag":[4,5,6]},"shared_from":{"corpid":"wwyyyyy","share_type":1}}]},"auth_user_info":{"userid":"aa","open_userid":"xxxxxx","name":"xxx","avatar":"http://xxx"},"register_code_info":{"register_code":"1111","template_id":"tpl1111","state":"state001"}}"#;

    #[test]
    fn decodes_the_documented_permanent_code_sample() {
        let p: PermanentCode =
            crate::decode::decode("t", crate::error::CallContext::TokenBearing, V1.as_bytes())
                .unwrap();
        assert_eq!(p.permanent_code.expose(), "xxxx");
        assert_eq!(p.expires_in, Some(7200));
        let corp = p.auth_corp_info.unwrap();
        assert_eq!(corp.corp_user_max, Some(50));
        assert_eq!(corp.corp_scale.as_deref(), Some("1-50人"));
        let agent = &p.auth_info.unwrap().agent[0];
        assert_eq!(agent.agentid, 1);
        assert_eq!(agent.is_customized_app, Some(false));
        let privilege = agent.privilege.as_ref().unwrap();
        assert_eq!(privilege.allow_user, ["zhansan", "lisi"]);
        assert_eq!(privilege.extra_tag, [4, 5, 6]);
        assert_eq!(agent.shared_from.as_ref().unwrap().share_type, Some(1));
        assert_eq!(
            p.auth_user_info.unwrap().open_userid.as_deref(),
            Some("xxxxxx")
        );
        assert!(p.register_code_info.is_some());
        // The token and code never print.
        assert!(!format!("{:?}", p.access_token).contains("xxxxxx"));
    }

    #[test]
    fn decodes_the_v2_shape_without_v1_fields() {
        let body = br#"{"permanent_code":"pc","auth_corp_info":{"corpid":"wwc","corp_name":"n"},"auth_user_info":{"userid":"u"},"state":"s1"}"#;
        let p: PermanentCode =
            crate::decode::decode("t", crate::error::CallContext::TokenBearing, body).unwrap();
        assert!(p.access_token.is_none() && p.auth_info.is_none());
        assert_eq!(p.state.as_deref(), Some("s1"));
        assert_eq!(p.auth_corp_info.unwrap().corpid, "wwc");
    }

    #[test]
    fn session_info_omits_unset_fields() {
        let s = SessionInfo {
            appid: None,
            auth_type: Some(1),
        };
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"auth_type":1}"#);
    }
}
