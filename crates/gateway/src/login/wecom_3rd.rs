//! WeCom in-app OAuth of a third-party suite (第三方应用网页授权, path/91120–91122): inside
//! the WeCom app the browser goes to `/connect/oauth2/authorize?appid=SUITE_ID&…&scope=…&state=…`
//! and comes back with a `code`, exchanged with the suite token at
//! `service/auth/getuserinfo3rd` → `corpid`, `userid`, `open_userid` (+ `user_ticket` under
//! `snsapi_privateinfo`, for `getuserdetail3rd`).
//!
//! The member's corp must have installed the suite (an active authorisation in this gateway);
//! the member is then checked in that corp's directory with the authorised corp's token (visible
//! range of the install, status). Proves `wecom_open_user` (scope: the provider's corp id when
//! configured, else the suite id) and `wecom_user` (the auth corp, the userid as the suite sees
//! it). Visitors who are not members get an openid only: refused or guests per
//! `[login.apps.NAME] non_members`.

use wxgate_client::TokenKey;
use wxgate_client::wecom::identity::LoginIdentity;
use wxgate_config::NonMembers;
use wxgate_store::{AuthCorpState, IdentityKey, IdentityKind};

use crate::accounts::{LoginProof, Profile, open_user_scope};
use crate::login::error::LoginError;
use crate::login::flow::{Flow, encode, redirect_uri};
use crate::login::wecom_member::{
    guest_identity, member_profile, non_member_refused, visible_active_member,
};
use crate::login::wecom_oauth::scope;
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;

/// The suite id of a suite app.
pub fn suite_id(app: &AppEntry) -> Result<&str, LoginError> {
    match &app.kind {
        AppKind::Suite { suite_id, .. } => Ok(suite_id),
        _ => Err(LoginError::bad_request(
            "unsupported_provider",
            format!("`{}` is not a WeCom third-party suite.", app.name),
            "Use another provider= value.",
        )),
    }
}

/// The third-party OAuth page for a login with `state`.
pub fn authorize_url(gateway: &Gateway, app: &AppEntry, state: &str) -> Result<String, LoginError> {
    let suite_id = suite_id(app)?;
    Ok(format!(
        "{}/connect/oauth2/authorize?appid={suite_id}&redirect_uri={}&response_type=code&scope={}&state={state}#wechat_redirect",
        gateway.config.upstream.wechat_open.trim_end_matches('/'),
        encode(&redirect_uri(gateway, Flow::Wecom3rd, &app.name)),
        scope(gateway, app),
    ))
}

/// Refuses a corp that has not (or no longer) installed the suite.
pub async fn require_installed(
    gateway: &Gateway,
    app: &AppEntry,
    suite_id: &str,
    corp_id: &str,
) -> Result<(), LoginError> {
    let installed = gateway
        .store
        .get_auth_corp(suite_id, corp_id)
        .await?
        .is_some_and(|c| c.state == AuthCorpState::Active);
    if installed {
        Ok(())
    } else {
        Err(LoginError::refused(
            "corp_not_authorised",
            format!(
                "Your organisation ({corp_id}) has not installed `{}`, or removed it.",
                app.name
            ),
            "Ask your WeCom administrator to install the app from the WeCom app marketplace, then log in again.",
        ))
    }
}

/// Exchanges a third-party OAuth code for what it proves.
pub async fn complete(
    gateway: &Gateway,
    app: &AppEntry,
    code: &str,
) -> Result<LoginProof, LoginError> {
    let suite_id = suite_id(app)?;
    let suite = gateway
        .client
        .suite(gateway.tokens.clone(), TokenKey::suite(suite_id));
    let who = suite
        .getuserinfo3rd(code)
        .await
        .map_err(|e| LoginError::upstream("the code exchange (getuserinfo3rd)", &e))?;
    let open_scope = open_user_scope(app);
    let (identities, profile) = match who {
        LoginIdentity::Member(member) => {
            let corp_id = member.corpid.clone().ok_or_else(|| {
                LoginError::new(
                    axum::http::StatusCode::BAD_GATEWAY,
                    "upstream_error",
                    "getuserinfo3rd named a member without their corp.",
                    "Try again; if it persists, report it to the administrator.",
                )
            })?;
            require_installed(gateway, app, suite_id, &corp_id).await?;
            let corp_api = gateway.client.wecom(
                gateway.tokens.clone(),
                TokenKey::auth_corp(suite_id, &corp_id),
            );
            let directory = visible_active_member(&corp_api, &member.userid).await?;
            let consented = match &member.user_ticket {
                Some(ticket) => match suite.getuserdetail3rd(ticket.expose()).await {
                    Ok(detail) => Some(Profile::from_wecom_detail(&detail)),
                    Err(e) => {
                        tracing::warn!(app = %app.name, error = %e, "getuserdetail3rd failed; signing in without the consented details");
                        None
                    }
                },
                None => None,
            };
            let mut identities = Vec::new();
            if let Some(open_userid) = member.open_userid.as_deref().filter(|o| !o.is_empty()) {
                identities.push(IdentityKey::new(
                    IdentityKind::WecomOpenUser,
                    &open_scope,
                    open_userid,
                ));
            }
            identities.push(IdentityKey::new(
                IdentityKind::WecomUser,
                &corp_id,
                &member.userid,
            ));
            (identities, member_profile(&directory, consented))
        }
        LoginIdentity::NonMember(visitor) => {
            match gateway.config.login.app(&app.name).non_members {
                NonMembers::Refuse => return Err(non_member_refused(&app.name)),
                NonMembers::Guest => (
                    vec![guest_identity(&open_scope, &visitor.openid)],
                    Profile::default(),
                ),
            }
        }
    };
    Ok(LoginProof {
        app: app.name.clone(),
        method: Flow::Wecom3rd.as_str().to_owned(),
        identities,
        profile,
    })
}
