//! The platforms' error answers: `{"errcode":N,"errmsg":"…"}` with HTTP 200, as both WeCom and
//! WeChat send them. Constructors exist for the documented codes (NOTES §3.7 and §4.1) so handlers
//! never spell a code by hand.
//!
//! An [`ApiError`] turned into a response carries itself as a response extension; the API layer
//! ([`crate::api_layer`]) then re-renders the body with the live-style suffix of the platform that
//! served the route (`hint: […], from ip: …, more info at …` for WeCom, ` rid: …` for WeChat), so
//! clients learn to compare on `errcode` only, and counts the error in the stats.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::api_context::Platform;

/// A platform error: an `errcode` and a human-readable `errmsg`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// The documented error code (never 0).
    pub errcode: i64,
    /// The message without the live-style suffix (WeCom wording).
    pub errmsg: String,
    /// WeChat's wording when it differs from WeCom's.
    #[serde(skip)]
    wechat_errmsg: Option<String>,
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident => $code:expr, $msg:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name() -> Self {
                Self::new($code, $msg)
            }
        )*
    };
}

impl ApiError {
    /// An error with this code and message (used on both platforms).
    pub fn new(errcode: i64, errmsg: impl Into<String>) -> Self {
        Self {
            errcode,
            errmsg: errmsg.into(),
            wechat_errmsg: None,
        }
    }

    /// An error whose message differs between WeCom and WeChat.
    pub fn with_wording(errcode: i64, wecom: impl Into<String>, wechat: impl Into<String>) -> Self {
        Self {
            errcode,
            errmsg: wecom.into(),
            wechat_errmsg: Some(wechat.into()),
        }
    }

    /// The message this platform would send (without the suffix).
    pub fn errmsg_for(&self, platform: Platform) -> &str {
        match (platform, &self.wechat_errmsg) {
            (Platform::WeChat, Some(wechat)) => wechat,
            _ => &self.errmsg,
        }
    }

    /// −1: the platform is busy; retry later (fault injection uses it).
    pub fn system_busy() -> Self {
        Self::with_wording(-1, "system busy", "system error")
    }

    /// 40001: an access_token that is no longer the latest, or (WeCom) a wrong secret.
    pub fn invalid_credential() -> Self {
        Self::with_wording(
            40001,
            "invalid credential",
            "invalid credential, access_token is invalid or not latest",
        )
    }

    /// 45009: a call or quota limit was exceeded; `what` says which.
    pub fn rate_limited(what: &str) -> Self {
        Self::with_wording(
            45009,
            format!("api freq out of limit ({what})"),
            format!("reach max api daily quota limit ({what})"),
        )
    }

    /// 41002: a required id parameter (`corpid` / `appid`) is missing.
    pub fn missing_id(param: &str) -> Self {
        Self::new(41002, format!("{param} missing"))
    }

    /// 41004: a required secret parameter (`corpsecret` / `secret`) is missing.
    pub fn missing_secret(param: &str) -> Self {
        Self::new(41004, format!("{param} missing"))
    }

    /// 40058 (WeCom): a parameter is missing or has an invalid value; `detail` names it.
    pub fn invalid_parameter(detail: &str) -> Self {
        Self::new(40058, format!("invalid parameter: {detail}"))
    }

    /// 40097 (WeChat): invalid arguments; `detail` names them.
    pub fn invalid_args(detail: &str) -> Self {
        Self::new(40097, format!("invalid args: {detail}"))
    }

    /// 47001 (WeChat): the body is not the JSON the API expects; `detail` says why.
    pub fn data_format_error(detail: &str) -> Self {
        Self::new(47001, format!("data format error: {detail}"))
    }

    /// The API path is not served by the simulator (HTTP 404 with this body; see docs/simulator.md).
    pub fn unknown_path(path: &str) -> Self {
        Self::new(
            -1,
            format!(
                "invalid url: {path} is not an API the simulator serves (check the path and the base URL)"
            ),
        )
    }

    codes! {
        /// 40002 (WeChat): `grant_type` is missing or not `client_credential`.
        invalid_grant_type => 40002, "invalid grant_type";
        /// 40013 (WeCom): no corp has this corpid.
        invalid_corp_id => 40013, "invalid corpid";
        /// 40013 (WeChat): no account has this appid.
        invalid_app_id => 40013, "invalid appid";
        /// 40014: the access_token is unknown (or was invalidated early).
        invalid_access_token => 40014, "invalid access_token";
        /// 40029: the OAuth / js code is invalid, used or expired.
        invalid_code => 40029, "invalid code";
        /// 40082 (WeCom): the suite_access_token is unknown.
        invalid_suite_token => 40082, "invalid suite_token";
        /// 40085 (WeCom): the suite_ticket is missing, unknown or expired.
        invalid_suite_ticket => 40085, "invalid suite_ticket";
        /// 40091 (WeCom): the secret belongs to another corp / is not valid for this corp.
        secret_invalid => 40091, "secret is invalid";
        /// 40125 (WeChat): wrong AppSecret.
        invalid_app_secret => 40125, "invalid appsecret";
        /// 40163 (WeChat): the code was already used.
        code_been_used => 40163, "code been used";
        /// 41001: the access_token parameter is missing.
        missing_access_token => 41001, "access_token missing";
        /// 41022 (WeCom): the suite_access_token parameter is missing.
        missing_suite_token => 41022, "suite_access_token missing";
        /// 42001: the access_token has expired; fetch a new one.
        access_token_expired => 42001, "access_token expired";
        /// 42009 (WeCom): the suite_access_token has expired.
        suite_token_expired => 42009, "suite_access_token expired";
        /// 43001: the API requires GET.
        require_get => 43001, "require GET method";
        /// 43002: the API requires POST.
        require_post => 43002, "require POST method";
        /// 45011 (WeChat): minute quota reached.
        too_frequent => 45011, "api minute-quota reach limit mustslower retry next minute";
        /// 48002 (WeCom): the app may not call this API.
        api_forbidden => 48002, "api forbidden";
        /// 50001 (WeCom): redirect_uri is not on the app's trusted domain.
        redirect_uri_not_trusted => 50001, "redirect_uri domain not match the app trusted domain";
        /// 60011 (WeCom): no privilege for this member/department/tag.
        no_privilege => 60011, "no privilege to access/modify contact/party/agent";
        /// 60020 (WeCom): the caller's IP is not on the app's allowlist.
        ip_not_allowed => 60020, "not allow to access from your ip";
        /// 60111 (WeCom): no member has this userid.
        user_not_found => 60111, "invalid string value `userid`. userid not found";
        /// 81013 (WeCom): every recipient of a message is invalid or out of range.
        all_recipients_invalid => 81013, "user & party & tag all invalid";
        /// 40003 (WeChat): the openid does not belong to this access_token.
        invalid_openid => 40003, "invalid openid";
        /// 40030 (WeChat): the refresh_token is unknown, expired or of another app.
        invalid_refresh_token => 40030, "invalid refresh_token";
        /// 48001 (WeChat): the token's scope does not allow this API (e.g. sns/userinfo with snsapi_base).
        api_unauthorized => 48001, "api unauthorized";
        /// 40077 (WeCom suites): the pre_auth_code is unknown, used or for another suite.
        invalid_pre_auth_code => 40077, "invalid pre_auth_code";
        /// 40078 (WeCom suites): the auth_code is unknown, used, expired or for another suite.
        invalid_auth_code => 40078, "invalid auth_code";
        /// 40080 (WeCom suites): wrong suite_secret.
        invalid_suite_secret => 40080, "invalid suite_secret";
        /// 40083 (WeCom suites): no suite has this suite_id.
        invalid_suite_id => 40083, "invalid suite_id";
        /// 40084 (WeCom suites): wrong permanent_code, or the corp cancelled the authorisation.
        invalid_permanent_code => 40084, "invalid permanent_code";
        /// 41008 (WeCom suites): the auth_code parameter is missing.
        missing_auth_code => 41008, "missing auth code";
        /// 41021 (WeCom suites): the suite_id parameter is missing.
        missing_suite_id => 41021, "suite_id missing";
        /// 41025 (WeCom suites): the permanent_code parameter is missing.
        missing_permanent_code => 41025, "permanent_code missing";
        /// 42007 (WeCom suites): the pre_auth_code has expired; fetch a new one.
        pre_auth_code_expired => 42007, "pre_auth_code expired";
        /// 40004: the media `type` is not one the API takes.
        invalid_media_type => 40004, "invalid media type";
        /// 40005: the uploaded file's type is not allowed for this media type.
        invalid_file_type => 40005, "invalid file type";
        /// 40006: the uploaded file is empty, too small or too large.
        invalid_file_size => 40006, "invalid file size";
        /// 40007: no usable media has this media_id (unknown, another corp's or expired).
        invalid_media_id => 40007, "invalid media_id";
        /// 41005: the multipart body has no `media` part.
        media_data_missing => 41005, "media data missing";
        /// 93000 (WeCom group robot): the webhook key is unknown.
        invalid_webhook_url => 93000, "invalid webhook url";
    }

    /// The plain JSON body (no suffix): `{"errcode":N,"errmsg":"…"}`.
    pub fn body(&self, errmsg: &str) -> serde_json::Value {
        serde_json::json!({ "errcode": self.errcode, "errmsg": errmsg })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "errcode {}: {}", self.errcode, self.errmsg)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (StatusCode::OK, Json(self.body(&self.errmsg))).into_response();
        response.extensions_mut().insert(self);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_follows_the_platform() {
        let e = ApiError::system_busy();
        assert_eq!(e.errmsg_for(Platform::WeCom), "system busy");
        assert_eq!(e.errmsg_for(Platform::WeChat), "system error");
        let e = ApiError::invalid_app_secret();
        assert_eq!(e.errcode, 40125);
        assert_eq!(e.errmsg_for(Platform::WeChat), "invalid appsecret");
        assert_eq!(ApiError::ip_not_allowed().errcode, 60020);
    }

    #[tokio::test]
    async fn response_is_http_200_json_and_carries_the_error() {
        let response = ApiError::invalid_access_token().into_response();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.extensions().get::<ApiError>().map(|e| e.errcode),
            Some(40014)
        );
    }
}
