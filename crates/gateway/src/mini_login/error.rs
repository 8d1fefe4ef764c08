//! Why a mini-program login was refused, with what to do; the token endpoint turns each into an
//! OAuth error (`invalid_grant` for the person's side, `invalid_target` for a wrong app,
//! `temporarily_unavailable` when the platform failed).

use wxgate_client::{ClientError, ErrorKind};
use wxgate_store::StoreError;

use crate::accounts::SignInError;
use crate::oidc::error::OAuthError;

/// A refused mini-program login.
#[derive(Debug, thiserror::Error)]
pub enum MiniLoginError {
    /// No app of that name is configured.
    #[error(
        "no mini program `{0}` is configured; name a [[wechat.miniprograms]] or [[wecom.miniprograms]] entry"
    )]
    UnknownApp(String),
    /// The app is not the kind the subject_token_type names.
    #[error("`{app}` is not a {expected}; use the subject_token_type of its platform")]
    WrongKind {
        /// The app.
        app: String,
        /// What the token type needs.
        expected: &'static str,
    },
    /// The platform refused the code (40029 / 40163).
    #[error(
        "the login code is invalid, expired or already used (errcode {errcode}); call {call} again and send the new code"
    )]
    InvalidCode {
        /// The platform's errcode.
        errcode: i64,
        /// `wx.login` or `wx.qy.login`.
        call: &'static str,
    },
    /// WeChat blocked the user as high-risk (40226).
    #[error(
        "WeChat refused this user's login as high-risk (errcode 40226); the user must resolve it with WeChat"
    )]
    Blocked,
    /// The member's corp is not on the allowlist.
    #[error(
        "members of corp {corp_id} may not sign in through WeCom mini programs; add it to [oidc] wecom_mini_allowed_corps"
    )]
    CorpNotAllowed {
        /// The member's corp.
        corp_id: String,
    },
    /// The member is outside the visible range of the linked app.
    #[error(
        "the WeCom member is outside the visible range (可见范围) of the app linked to mini program `{app}` (errcode {errcode}); an administrator can add them in the WeCom admin console"
    )]
    Invisible {
        /// The mini program.
        app: String,
        /// The platform's errcode.
        errcode: i64,
    },
    /// The WeCom member is not active (status ≠ 1).
    #[error(
        "WeCom member {userid} of corp {corp_id} is not active (status {status}: 2 disabled, 4 not activated, 5 left); only active members can sign in"
    )]
    MemberInactive {
        /// The corp.
        corp_id: String,
        /// The member.
        userid: String,
        /// WeCom's status.
        status: i64,
    },
    /// The wxgate user is disabled.
    #[error("user {0} is disabled in wxgate; an administrator can re-enable it")]
    Disabled(String),
    /// Another upstream failure.
    #[error("{0}")]
    Upstream(ClientError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SignInError> for MiniLoginError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Disabled { user_id } => MiniLoginError::Disabled(user_id),
            SignInError::Store(e) => MiniLoginError::Store(e),
            SignInError::NoIdentity => {
                MiniLoginError::Store(StoreError::Conflict("the login proved no identity".into()))
            }
        }
    }
}

impl MiniLoginError {
    /// Classifies an upstream error of a code exchange.
    pub fn from_exchange(e: ClientError, call: &'static str, app: &str) -> MiniLoginError {
        let errcode = e.platform().map(|p| p.errcode).unwrap_or_default();
        match e.kind() {
            Some(ErrorKind::InvalidCode | ErrorKind::CodeUsed) => {
                MiniLoginError::InvalidCode { errcode, call }
            }
            Some(ErrorKind::NoPermission) => MiniLoginError::Invisible {
                app: app.to_owned(),
                errcode,
            },
            _ if errcode == 40226 => MiniLoginError::Blocked,
            _ => MiniLoginError::Upstream(e),
        }
    }
}

impl From<MiniLoginError> for OAuthError {
    fn from(e: MiniLoginError) -> Self {
        let text = e.to_string();
        match e {
            MiniLoginError::UnknownApp(_) | MiniLoginError::WrongKind { .. } => {
                OAuthError::invalid_target(text)
            }
            MiniLoginError::Upstream(_) => {
                OAuthError::upstream(format!("{text}; retry with a new code"))
            }
            MiniLoginError::Store(e) => OAuthError::from(e),
            _ => OAuthError::invalid_grant(text),
        }
    }
}
