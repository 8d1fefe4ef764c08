//! WeCom in-app OAuth of a self-built app (企业微信网页授权, NOTES §3.2): inside the WeCom app
//! the browser goes to `/connect/oauth2/authorize?appid=CORPID&…&scope=…&state=…&agentid=…`
//! and comes back with a `code`, exchanged with the app's token at `auth/getuserinfo`.
//!
//! * `snsapi_base` (default): silent; the userid only.
//! * `snsapi_privateinfo`: the member consents; `getuserinfo` adds a `user_ticket` (members
//!   inside the visible range only) and `auth/getuserdetail` returns the consented mobile, email,
//!   avatar and gender.
//!
//! A member is then checked against the directory (visible range, status: see
//! [`wecom_member`](crate::login::wecom_member)). A visitor who is not a member (WeCom answers an
//! openid) is refused, or signed in as a guest, per `[login.apps.NAME] non_members`.
//! WeCom web login ([`wecom_web`](crate::login::wecom_web)) ends in the same exchange.

use wxgate_client::TokenKey;
use wxgate_client::wecom::identity::LoginIdentity;
use wxgate_config::NonMembers;
use wxgate_store::{IdentityKey, IdentityKind};

use crate::accounts::{LoginProof, Profile};
use crate::login::error::LoginError;
use crate::login::flow::{Flow, encode, redirect_uri};
use crate::login::wecom_member::{
    guest_identity, linked_corp_userid, member_profile, non_member_refused, visible_active_member,
};
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;

/// The corp id and agent id of a self-built app.
pub fn corp_and_agent(app: &AppEntry) -> Result<(&str, i64), LoginError> {
    match &app.kind {
        AppKind::WecomApp { corp_id, agent_id } => Ok((corp_id, *agent_id)),
        _ => Err(LoginError::bad_request(
            "unsupported_provider",
            format!("`{}` is not a WeCom self-built app.", app.name),
            "Use another provider= value.",
        )),
    }
}

/// The scope configured for `app` (`snsapi_base` unless `[login.apps.NAME] scope` says otherwise).
pub fn scope(gateway: &Gateway, app: &AppEntry) -> String {
    gateway
        .config
        .login
        .app(&app.name)
        .scope
        .unwrap_or_else(|| "snsapi_base".to_owned())
}

/// The WeCom OAuth page for a login with `state` (parameter order as documented).
pub fn authorize_url(gateway: &Gateway, app: &AppEntry, state: &str) -> Result<String, LoginError> {
    let (corp_id, agent_id) = corp_and_agent(app)?;
    Ok(format!(
        "{}/connect/oauth2/authorize?appid={corp_id}&redirect_uri={}&response_type=code&scope={}&state={state}&agentid={agent_id}#wechat_redirect",
        gateway.config.upstream.wechat_open.trim_end_matches('/'),
        encode(&redirect_uri(gateway, Flow::WecomOauth, &app.name)),
        scope(gateway, app),
    ))
}

/// Exchanges a code of a self-built app (OAuth or web login) for what it proves.
pub async fn complete(
    gateway: &Gateway,
    app: &AppEntry,
    flow: Flow,
    code: &str,
) -> Result<LoginProof, LoginError> {
    let (corp_id, agent_id) = corp_and_agent(app)?;
    let api = gateway.client.wecom(
        gateway.tokens.clone(),
        TokenKey::wecom_app(corp_id, &agent_id.to_string()),
    );
    let who = api
        .auth_getuserinfo(code)
        .await
        .map_err(|e| LoginError::upstream("the code exchange (auth/getuserinfo)", &e))?;
    let (identity, profile) = match who {
        LoginIdentity::Member(member) => {
            if let Some((other_corp, userid)) = linked_corp_userid(&member.userid) {
                // A member of a linked corp (互联企业): not in this corp's directory.
                (
                    IdentityKey::new(IdentityKind::WecomUser, other_corp, userid),
                    Profile::default(),
                )
            } else {
                let directory = visible_active_member(&api, &member.userid).await?;
                let consented = match &member.user_ticket {
                    Some(ticket) => match api.auth_getuserdetail(ticket.expose()).await {
                        Ok(detail) => Some(Profile::from_wecom_detail(&detail)),
                        Err(e) => {
                            tracing::warn!(app = %app.name, error = %e, "auth/getuserdetail failed; signing in without the consented details");
                            None
                        }
                    },
                    None => None,
                };
                (
                    IdentityKey::new(IdentityKind::WecomUser, corp_id, &member.userid),
                    member_profile(&directory, consented),
                )
            }
        }
        LoginIdentity::NonMember(visitor) => {
            match gateway.config.login.app(&app.name).non_members {
                NonMembers::Refuse => return Err(non_member_refused(&app.name)),
                NonMembers::Guest => (guest_identity(corp_id, &visitor.openid), Profile::default()),
            }
        }
    };
    Ok(LoginProof {
        app: app.name.clone(),
        method: flow.as_str().to_owned(),
        identities: vec![identity],
        profile,
    })
}
