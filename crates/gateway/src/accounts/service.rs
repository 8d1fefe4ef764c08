//! Signing a person in: what every login flow calls once the platform has proved who they are.
//!
//! [`sign_in`] resolves the proved identities to one user (creating, linking or merging, see
//! [`wxgate_store::Store::sign_in`]), refuses disabled users, and writes the account events to
//! the outbox:
//!
//! | type | when | `data` |
//! |---|---|---|
//! | `user.created` | a login made a new user | `user` |
//! | `identity.linked` | a login (or an admin) attached an identity to a user | `user_id`, `identity` |
//! | `user.merged` | two users proved to be one person | `survivor`, `merged`, `moved` |
//! | `identity.merged` | each identity that moved in that merge | `user_id`, `from_user_id`, `identity` |
//! | `user.signed_in` | a login succeeded | `user_id`, `method`, `app`, `created` |
//!
//! `source` is `{"kind":"accounts","app":…,"method":…}`.

use serde_json::{Value, json};
use wxgate_store::{
    Identity, IdentityKey, IdentityKind, Merge, SignIn, StoreError, User, UserStatus,
};

use crate::accounts::profile::Profile;
use crate::events::emit::{InternalEvent, emit_all};
use crate::registry::{AppEntry, AppKind};
use crate::state::Gateway;

/// What a login flow proved about a person.
#[derive(Debug, Clone)]
pub struct LoginProof {
    /// The configured app the login went through (its name).
    pub app: String,
    /// The flow, e.g. `wecom_oauth`, `wechat_qr`, `mini_program` (the session and `amr` carry it).
    pub method: String,
    /// The identities proved, the app's own first.
    pub identities: Vec<IdentityKey>,
    /// What the platform said about the person.
    pub profile: Profile,
}

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user (active).
    pub user: User,
    /// Whether this login created the user.
    pub created: bool,
    /// Identities this login attached.
    pub linked: Vec<Identity>,
    /// Users this login merged.
    pub merges: Vec<Merge>,
}

/// Why a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The user is disabled (by an admin, or a merge with a disabled user).
    #[error("user {user_id} is disabled; an administrator can re-enable it")]
    Disabled {
        /// The user.
        user_id: String,
    },
    /// The login proved nothing (a bug in the flow).
    #[error("the login proved no identity")]
    NoIdentity,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Signs a person in: resolves the user, refuses a disabled one, emits the events.
pub async fn sign_in(gateway: &Gateway, proof: LoginProof) -> Result<SignedIn, SignInError> {
    if proof.identities.is_empty() {
        return Err(SignInError::NoIdentity);
    }
    let profile_json = proof.profile.to_json();
    let request = SignIn {
        identities: proof
            .identities
            .iter()
            .map(|k| (k.clone(), profile_json.clone()))
            .collect(),
        name: proof.profile.name.clone(),
        picture: proof.profile.avatar.clone(),
        email: proof.profile.email.clone(),
        phone_number: proof.profile.mobile.clone(),
    };
    let outcome = gateway.store.sign_in(&request).await?;
    let source = json!({"kind": "accounts", "app": proof.app, "method": proof.method});
    let event = |event_type: &str, dedup_key: String, data: Value| InternalEvent {
        app: proof.app.clone(),
        event_type: event_type.to_owned(),
        source: source.clone(),
        dedup_key,
        data,
    };
    let mut events = Vec::new();
    if outcome.created {
        events.push(event(
            "user.created",
            format!("user.created:{}", outcome.user.id),
            json!({"user": outcome.user}),
        ));
    }
    for identity in &outcome.linked {
        events.push(event(
            "identity.linked",
            format!("identity.linked:{}", identity.id),
            json!({"user_id": identity.user_id, "identity": identity}),
        ));
    }
    for merge in &outcome.merges {
        events.push(event(
            "user.merged",
            format!("user.merged:{}", merge.merged),
            json!(merge),
        ));
        for key in &merge.moved {
            events.push(event(
                "identity.merged",
                format!("identity.merged:{}:{key}", merge.merged),
                json!({"user_id": merge.survivor, "from_user_id": merge.merged, "identity": key}),
            ));
        }
    }
    let active = outcome.user.status == UserStatus::Active;
    if active {
        events.push(event(
            "user.signed_in",
            format!("user.signed_in:{:032x}", rand::random::<u128>()),
            json!({"user_id": outcome.user.id, "method": proof.method, "app": proof.app, "created": outcome.created}),
        ));
    }
    emit_all(gateway, events).await?;
    if !active {
        return Err(SignInError::Disabled {
            user_id: outcome.user.id,
        });
    }
    Ok(SignedIn {
        user: outcome.user,
        created: outcome.created,
        linked: outcome.linked,
        merges: outcome.merges,
    })
}

/// The identities a WeChat login through `app` proves: its openid (scope = the app's appid) and,
/// when given, the unionid (scope = the app's open platform, or `[accounts]
/// default_open_platform`).
pub fn wechat_identities(
    gateway: &Gateway,
    app: &AppEntry,
    openid: &str,
    unionid: Option<&str>,
) -> Vec<IdentityKey> {
    let app_id = app.kind.app_id().unwrap_or(&app.name);
    let mut keys = vec![IdentityKey::new(IdentityKind::WechatOpenid, app_id, openid)];
    if let Some(unionid) = unionid.filter(|u| !u.is_empty()) {
        keys.push(IdentityKey::new(
            IdentityKind::WechatUnionid,
            unionid_scope(gateway, app),
            unionid,
        ));
    }
    keys
}

/// The scope of the unionids `app` sees.
pub fn unionid_scope(gateway: &Gateway, app: &AppEntry) -> String {
    app.open_platform
        .clone()
        .unwrap_or_else(|| gateway.config.accounts.default_open_platform.clone())
}

/// The scope of the `open_userid`s a suite sees: the provider's corp id when configured (WeCom
/// gives one member the same open_userid in every app of a provider, and the provider's web
/// login says the same), else the suite id.
pub fn open_user_scope(app: &AppEntry) -> String {
    match &app.kind {
        AppKind::Suite {
            provider: Some(provider),
            ..
        } => provider.corp_id.clone(),
        AppKind::Suite { suite_id, .. } => suite_id.clone(),
        _ => app.name.clone(),
    }
}
