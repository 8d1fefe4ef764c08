//! WeCom third-party web login through the service provider (login_type `ServiceApp`): a
//! desktop browser goes to `/wwlogin/sso/login?login_type=ServiceApp&appid=PROVIDER_CORPID&
//! redirect_uri=…&state=…`, a member (or admin) of any corp scans it, and the browser comes back
//! with a code (`code`, or `auth_code` as the older provider login named it) for
//! `service/get_login_info` with the provider token → `usertype`, `user_info{userid,
//! open_userid, name, avatar}`, `corp_info{corpid}`.
//!
//! Proves `wecom_open_user` (scope: the provider's corp id) and `wecom_user` (that corp, the
//! userid). `get_login_info` does not say whether a member is disabled; when the member's corp
//! has installed the suite, a plain member (`usertype` 5) is checked in that corp's directory
//! like the in-app flow (visible range, status). Admins of a corp may log in to the provider's
//! site without being in the app's visible range.

use wxgate_client::TokenKey;
use wxgate_store::{AuthCorpState, IdentityKey, IdentityKind};

use crate::accounts::{LoginProof, Profile, open_user_scope};
use crate::login::error::LoginError;
use crate::login::flow::{Flow, encode, redirect_uri};
use crate::login::wecom_3rd::suite_id;
use crate::login::wecom_member::visible_active_member;
use crate::registry::{AppEntry, AppKind, Provider};
use crate::state::Gateway;

/// `get_login_info`'s `usertype` of a plain member (1–4 are admins of kinds).
const USERTYPE_MEMBER: i64 = 5;

fn provider(app: &AppEntry) -> Result<&Provider, LoginError> {
    match &app.kind {
        AppKind::Suite {
            provider: Some(provider),
            ..
        } => Ok(provider),
        _ => Err(LoginError::bad_request(
            "unsupported_provider",
            format!(
                "`{}` has no service-provider credentials, so it has no web login.",
                app.name
            ),
            "Open the app inside WeCom, or ask an administrator to set provider_corp_id and provider_secret on the suite.",
        )),
    }
}

/// The provider web-login page for a login with `state`.
pub fn authorize_url(gateway: &Gateway, app: &AppEntry, state: &str) -> Result<String, LoginError> {
    let provider = provider(app)?;
    Ok(format!(
        "{}/wwlogin/sso/login?login_type=ServiceApp&appid={}&redirect_uri={}&state={state}",
        gateway.config.upstream.wecom_login.trim_end_matches('/'),
        provider.corp_id,
        encode(&redirect_uri(gateway, Flow::Wecom3rdWeb, &app.name)),
    ))
}

/// Exchanges a provider login code for what it proves.
pub async fn complete(
    gateway: &Gateway,
    app: &AppEntry,
    code: &str,
) -> Result<LoginProof, LoginError> {
    let provider = provider(app)?;
    let suite_id = suite_id(app)?;
    let info = gateway
        .client
        .provider(
            gateway.tokens.clone(),
            TokenKey::provider(&provider.corp_id),
        )
        .get_login_info(code)
        .await
        .map_err(|e| LoginError::upstream("the code exchange (get_login_info)", &e))?;
    let user = info.user_info.as_ref();
    let corp_id = info.corp_info.as_ref().map(|c| c.corpid.as_str());
    let userid = user
        .and_then(|u| u.userid.as_deref())
        .filter(|u| !u.is_empty());
    let open_userid = user
        .and_then(|u| u.open_userid.as_deref())
        .filter(|u| !u.is_empty());
    let mut identities = Vec::new();
    if let Some(open_userid) = open_userid {
        identities.push(IdentityKey::new(
            IdentityKind::WecomOpenUser,
            open_user_scope(app),
            open_userid,
        ));
    }
    let mut profile = user.map(Profile::from_wecom_login_user).unwrap_or_default();
    if let (Some(corp_id), Some(userid)) = (corp_id, userid) {
        identities.push(IdentityKey::new(IdentityKind::WecomUser, corp_id, userid));
        let installed = gateway
            .store
            .get_auth_corp(suite_id, corp_id)
            .await?
            .is_some_and(|c| c.state == AuthCorpState::Active);
        if installed && info.usertype == Some(USERTYPE_MEMBER) {
            let corp_api = gateway.client.wecom(
                gateway.tokens.clone(),
                TokenKey::auth_corp(suite_id, corp_id),
            );
            let member = visible_active_member(&corp_api, userid).await?;
            profile = profile.or(Profile::from_wecom_member(&member));
        }
    }
    if identities.is_empty() {
        return Err(LoginError::new(
            axum::http::StatusCode::BAD_GATEWAY,
            "upstream_error",
            "get_login_info named nobody (no open_userid, no userid).",
            "Try again; if it persists, report it to the administrator.",
        ));
    }
    Ok(LoginProof {
        app: app.name.clone(),
        method: Flow::Wecom3rdWeb.as_str().to_owned(),
        identities,
        profile,
    })
}
