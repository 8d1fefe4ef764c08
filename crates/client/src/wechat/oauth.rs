//! WeChat OAuth: web authorisation (`sns/oauth2/*`, `sns/userinfo`, `sns/auth`) and Mini
//! Program login (`sns/jscode2session`) (NOTES §4). User tokens, refresh tokens and session
//! keys are secrets and wrapped in [`Secret`]. Key spellings (`openId`, `unionId`) and `sex` as
//! a number or a string are normalised here.

use serde::Deserialize;

use crate::error::{CallContext, ClientError};
use crate::http::{Base, Client};
use crate::lenient::{self, Gender};
use crate::redact::Secret;

/// A user's OAuth access token (`sns/oauth2/access_token` and `refresh_token`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OAuthToken {
    /// The user access token (for `sns/userinfo`).
    pub access_token: Secret,
    /// Its lifetime in seconds.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub expires_in: Option<i64>,
    /// Refresh token (30 days for website apps).
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    /// The user's openid under this app.
    #[serde(alias = "openId")]
    pub openid: String,
    /// Granted scopes, comma-separated.
    #[serde(default)]
    pub scope: Option<String>,
    /// The user's unionid, if the app is bound to an open-platform account.
    #[serde(default, alias = "unionId")]
    pub unionid: Option<String>,
    /// 1 for a 快照页 virtual user.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub is_snapshotuser: Option<i64>,
}

/// A user's profile from `sns/userinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SnsUserInfo {
    /// The openid.
    #[serde(alias = "openId")]
    pub openid: String,
    /// Nickname.
    #[serde(default)]
    pub nickname: Option<String>,
    /// Gender (number or string).
    #[serde(default, alias = "gender")]
    pub sex: Gender,
    /// Province.
    #[serde(default)]
    pub province: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
    /// Avatar URL.
    #[serde(default, alias = "avatarUrl")]
    pub headimgurl: Option<String>,
    /// Privileges.
    #[serde(default)]
    pub privilege: Vec<String>,
    /// The unionid.
    #[serde(default, alias = "unionId")]
    pub unionid: Option<String>,
}

/// A Mini Program login session (`sns/jscode2session`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MiniSession {
    /// The openid.
    #[serde(alias = "openId")]
    pub openid: String,
    /// The session key: decrypts `wx.getUserInfo`/phone payloads. Never log it.
    pub session_key: Secret,
    /// The unionid, if bound to an open-platform account.
    #[serde(default, alias = "unionId")]
    pub unionid: Option<String>,
}

#[derive(Deserialize)]
struct Empty {}

impl Client {
    /// `GET /sns/oauth2/access_token`: exchange a web-authorisation `code` (single use, 10 min).
    pub async fn sns_oauth2_access_token(
        &self,
        appid: &str,
        secret: &str,
        code: &str,
    ) -> Result<OAuthToken, ClientError> {
        self.call_with_busy_retry(|| {
            let req = self.get(Base::Wechat, "/sns/oauth2/access_token").query(&[
                ("appid", appid),
                ("secret", secret),
                ("code", code),
                ("grant_type", "authorization_code"),
            ]);
            self.execute("sns/oauth2/access_token", CallContext::TokenFetch, req)
        })
        .await
    }

    /// `GET /sns/oauth2/refresh_token`.
    pub async fn sns_oauth2_refresh_token(
        &self,
        appid: &str,
        refresh_token: &str,
    ) -> Result<OAuthToken, ClientError> {
        self.call_with_busy_retry(|| {
            let req = self.get(Base::Wechat, "/sns/oauth2/refresh_token").query(&[
                ("appid", appid),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ]);
            self.execute("sns/oauth2/refresh_token", CallContext::TokenFetch, req)
        })
        .await
    }

    /// `GET /sns/userinfo` with a user access token (`lang`: `zh_CN`, `zh_TW`, `en`).
    pub async fn sns_userinfo(
        &self,
        user_access_token: &str,
        openid: &str,
        lang: &str,
    ) -> Result<SnsUserInfo, ClientError> {
        self.call_with_busy_retry(|| {
            let req = self.get(Base::Wechat, "/sns/userinfo").query(&[
                ("access_token", user_access_token),
                ("openid", openid),
                ("lang", lang),
            ]);
            self.execute("sns/userinfo", CallContext::TokenBearing, req)
        })
        .await
    }

    /// `GET /sns/auth`: whether a user access token is still valid (an error if not).
    pub async fn sns_auth(&self, user_access_token: &str, openid: &str) -> Result<(), ClientError> {
        let _: Empty = self
            .call_with_busy_retry(|| {
                let req = self
                    .get(Base::Wechat, "/sns/auth")
                    .query(&[("access_token", user_access_token), ("openid", openid)]);
                self.execute("sns/auth", CallContext::TokenBearing, req)
            })
            .await?;
        Ok(())
    }

    /// `GET /sns/jscode2session`: a Mini Program login. 40029 invalid code, 40226 blocked
    /// high-risk user, 45011 per-user minute limit.
    pub async fn sns_jscode2session(
        &self,
        appid: &str,
        secret: &str,
        js_code: &str,
    ) -> Result<MiniSession, ClientError> {
        self.call_with_busy_retry(|| {
            let req = self.get(Base::Wechat, "/sns/jscode2session").query(&[
                ("appid", appid),
                ("secret", secret),
                ("js_code", js_code),
                ("grant_type", "authorization_code"),
            ]);
            self.execute("sns/jscode2session", CallContext::TokenFetch, req)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_keys_and_numeric_sex_normalise() {
        let u: SnsUserInfo =
            serde_json::from_str(r#"{"openId":"o1","sex":2,"unionId":"u1","privilege":[]}"#)
                .unwrap();
        assert_eq!(
            (u.openid.as_str(), u.sex, u.unionid.as_deref()),
            ("o1", Gender::Female, Some("u1"))
        );
        let s: MiniSession =
            serde_json::from_str(r#"{"openid":"xxxxxx","session_key":"xxxxx","unionid":"xxxxx","errcode":0,"errmsg":"xxxxx"}"#).unwrap();
        assert_eq!(s.session_key.expose(), "xxxxx");
        assert!(!format!("{s:?}").contains("session_key: \"xxxxx"));
    }
}
