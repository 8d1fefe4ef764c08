//! WeCom Mini Program login: the `wx.qy.login` code → `miniprogram/jscode2session` with the
//! access token of the WeCom app the mini program is linked to (from the central token service)
//! → corp id, userid and a session_key. Refused with a reason: a corp not on the allowlist
//! (`[oidc] wecom_mini_allowed_corps`, default the mini program's own corp), a member outside the
//! linked app's visible range (60011), a member who is not active in WeCom (status ≠ 1, read with
//! `user/get`, which also gives the profile), a disabled wxgate user.

use wxgate_client::TokenKind;
use wxgate_store::{IdentityKey, IdentityKind, Secret};

use crate::accounts::{LoginProof, Profile, SignedIn, sign_in};
use crate::mini_login::MiniLoginError;
use crate::registry::AppKind;
use crate::state::Gateway;
use crate::token::keys;

/// The login method recorded on events and sessions.
pub const METHOD: &str = "wecom_mini_program";

/// Signs in the member behind `code` from WeCom mini program `app`.
pub async fn login(gateway: &Gateway, app: &str, code: &str) -> Result<SignedIn, MiniLoginError> {
    let entry = gateway
        .registry
        .get(app)
        .ok_or_else(|| MiniLoginError::UnknownApp(app.to_owned()))?;
    let AppKind::WecomMiniProgram { corp_id, .. } = &entry.kind else {
        return Err(MiniLoginError::WrongKind {
            app: app.to_owned(),
            expected: "WeCom mini program ([[wecom.miniprograms]])",
        });
    };
    let key = keys::for_app(&entry, TokenKind::WecomMiniProgram).ok_or_else(|| {
        MiniLoginError::WrongKind {
            app: app.to_owned(),
            expected: "WeCom mini program ([[wecom.miniprograms]])",
        }
    })?;
    let api = gateway.client.wecom(gateway.tokens.clone(), key);
    let session = api
        .miniprogram_jscode2session(code)
        .await
        .map_err(|e| MiniLoginError::from_exchange(e, "wx.qy.login", app))?;
    let member_corp = session.corpid.clone().unwrap_or_else(|| corp_id.clone());
    let allowed = &gateway.config.oidc.wecom_mini_allowed_corps;
    let is_allowed = if allowed.is_empty() {
        &member_corp == corp_id
    } else {
        allowed.contains(&member_corp)
    };
    if !is_allowed {
        return Err(MiniLoginError::CorpNotAllowed {
            corp_id: member_corp,
        });
    }
    let member = api
        .user_get(&session.userid)
        .await
        .map_err(|e| MiniLoginError::from_exchange(e, "wx.qy.login", app))?;
    if let Some(status) = member.status.filter(|s| *s != 1) {
        return Err(MiniLoginError::MemberInactive {
            corp_id: member_corp,
            userid: session.userid,
            status,
        });
    }
    let identity = IdentityKey::new(IdentityKind::WecomUser, member_corp, &session.userid);
    let signed_in = sign_in(
        gateway,
        LoginProof {
            app: app.to_owned(),
            method: METHOD.to_owned(),
            identities: vec![identity.clone()],
            profile: Profile::from_wecom_member(&member),
        },
    )
    .await?;
    gateway
        .store
        .put_mini_session(
            app,
            &signed_in.user.id,
            &identity,
            &Secret::new(session.session_key.expose()),
        )
        .await?;
    Ok(signed_in)
}
