//! What WeCom logins do once the platform named a member: ask the corp's directory (`user/get`,
//! with the token of the app the member logged in to) whether the member is inside the app's
//! visible range (60011 when not) and active (`status` 1: WeCom's own pages refuse disabled,
//! unactivated and departed members, and a code minted for one must not open a session either),
//! and take the profile it gives. Also the guest identity of visitors who are not members.

use wxgate_client::wecom::contacts::Member;
use wxgate_client::{ErrorKind, WecomApi};
use wxgate_store::{IdentityKey, IdentityKind};

use crate::accounts::Profile;
use crate::login::error::LoginError;

/// The member `userid` as the app sees it, if it may log in.
pub async fn visible_active_member(api: &WecomApi, userid: &str) -> Result<Member, LoginError> {
    let member = match api.user_get(userid).await {
        Ok(member) => member,
        Err(e) if matches!(e.kind(), Some(ErrorKind::NoPermission)) => {
            return Err(LoginError::refused(
                "not_visible",
                format!(
                    "You ({userid}) are a member of the organisation, but outside this app's visible range, so you cannot log in to it."
                ),
                "Ask your WeCom administrator to add you (or your department) to the app's visible range (应用可见范围).",
            ));
        }
        Err(e) if matches!(e.kind(), Some(ErrorKind::NotFound)) => {
            return Err(LoginError::refused(
                "not_a_member",
                format!("WeCom named {userid}, who is not in the organisation's directory."),
                "Ask your WeCom administrator whether your account is still in the organisation.",
            ));
        }
        Err(e) => return Err(LoginError::upstream("the member check (user/get)", &e)),
    };
    match member.status {
        Some(1) | None => Ok(member),
        Some(status) => {
            let what = match status {
                2 => "disabled",
                4 => "not activated yet",
                5 => "no longer in the organisation",
                _ => "not active",
            };
            Err(LoginError::refused(
                "member_disabled",
                format!(
                    "Your WeCom account ({userid}) is {what} (status {status}), so you cannot log in."
                ),
                "Ask your WeCom administrator to enable (or activate) your account.",
            ))
        }
    }
}

/// The profile of a member: what they consented to share first, then the directory's.
pub fn member_profile(member: &Member, consented: Option<Profile>) -> Profile {
    let directory = Profile::from_wecom_member(member);
    match consented {
        Some(consented) => consented.or(directory),
        None => directory,
    }
}

/// The identity a visitor who is not a member gets when the app admits guests: their openid as
/// WeCom gives it for `scope` (a corp id, or a suite / provider), kind `wechat_openid` with scope
/// `wecom:{scope}` — never an app id, so it cannot collide with WeChat apps' openids. Guests have
/// no unionid, so they are never merged automatically; an administrator can link them.
pub fn guest_identity(scope: &str, openid: &str) -> IdentityKey {
    IdentityKey::new(IdentityKind::WechatOpenid, format!("wecom:{scope}"), openid)
}

/// The refusal of a visitor who is not a member.
pub fn non_member_refused(app: &str) -> LoginError {
    LoginError::refused(
        "not_a_member",
        format!(
            "WeCom says you are not a member of the organisation behind `{app}`; only members may log in here."
        ),
        "Log in with your organisation's WeCom account, or ask an administrator to admit guests ([login.apps] non_members = \"guest\").",
    )
}

/// `CorpId/userid` (a member of a linked corp, 互联企业) split into corp and userid.
pub fn linked_corp_userid(userid: &str) -> Option<(&str, &str)> {
    userid
        .split_once('/')
        .filter(|(corp, user)| !corp.is_empty() && !user.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guests_and_linked_corps() {
        let key = guest_identity("ww1", "oABC");
        assert_eq!(key.to_string(), "wechat_openid:wecom:ww1:oABC");
        assert_eq!(
            linked_corp_userid("wwother/lisi"),
            Some(("wwother", "lisi"))
        );
        assert_eq!(linked_corp_userid("lisi"), None);
        assert_eq!(linked_corp_userid("/lisi"), None);
    }
}
