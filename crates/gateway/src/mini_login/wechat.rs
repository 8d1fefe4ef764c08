//! WeChat Mini Program login: the `wx.login` code → `sns/jscode2session` (the mini program's
//! AppSecret) → openid (+ unionid when bound to an open platform) and a session_key. The person
//! signs in with those identities; the session_key is kept sealed, never returned.

use wxgate_store::Secret;

use crate::accounts::{LoginProof, Profile, SignedIn, sign_in, wechat_identities};
use crate::mini_login::MiniLoginError;
use crate::registry::AppKind;
use crate::state::Gateway;

/// The login method recorded on events and sessions.
pub const METHOD: &str = "mini_program";

/// Signs in the person behind `code` from mini program `app`.
pub async fn login(gateway: &Gateway, app: &str, code: &str) -> Result<SignedIn, MiniLoginError> {
    let entry = gateway
        .registry
        .get(app)
        .ok_or_else(|| MiniLoginError::UnknownApp(app.to_owned()))?;
    let AppKind::MiniProgram { app_id, .. } = &entry.kind else {
        return Err(MiniLoginError::WrongKind {
            app: app.to_owned(),
            expected: "WeChat mini program ([[wechat.miniprograms]])",
        });
    };
    let session = gateway
        .client
        .sns_jscode2session(app_id, entry.secret.expose(), code)
        .await
        .map_err(|e| MiniLoginError::from_exchange(e, "wx.login", app))?;
    let identities =
        wechat_identities(gateway, &entry, &session.openid, session.unionid.as_deref());
    let openid_identity = identities[0].clone();
    let signed_in = sign_in(
        gateway,
        LoginProof {
            app: app.to_owned(),
            method: METHOD.to_owned(),
            identities,
            profile: Profile::default(),
        },
    )
    .await?;
    gateway
        .store
        .put_mini_session(
            app,
            &signed_in.user.id,
            &openid_identity,
            &Secret::new(session.session_key.expose()),
        )
        .await?;
    Ok(signed_in)
}
