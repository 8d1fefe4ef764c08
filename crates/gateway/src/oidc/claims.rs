//! What tokens and userinfo say about a user, by scope.
//!
//! | scope | claims | in |
//! |---|---|---|
//! | `openid` | `sub` = the wxgate user id (`usr_…`, never an openid) | everywhere |
//! | `profile` | `name`, `picture` | ID token, userinfo |
//! | `email` | `email` | ID token, userinfo |
//! | `phone` | `phone_number` | ID token, userinfo |
//! | `roles` | `roles`: manual roles and department roles | access token, userinfo |
//! | `identities` | `identities`: `[{kind, scope, subject}]`, the linked platform identities | access token, userinfo |
//!
//! ID tokens stay small: roles and identities go only to the access token and userinfo, and only
//! when their scope was granted.

use serde_json::{Map, Value, json};
use wxgate_store::{StoreError, User};

use crate::state::Gateway;

/// Where claims go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimTarget {
    /// The ID token: profile claims only.
    IdToken,
    /// The access token: roles and identities only.
    AccessToken,
    /// The userinfo response: everything granted.
    Userinfo,
}

/// The roles of `user_id`: the manual roles granted through the admin API and the roles of the
/// WeCom departments the user's directory members sit in ([`crate::contacts::roles`]), sorted,
/// each once.
pub async fn roles_of(gateway: &Gateway, user_id: &str) -> Result<Vec<String>, StoreError> {
    let mut roles = gateway.store.roles_of_user(user_id).await?;
    roles.extend(crate::contacts::roles::department_roles(gateway, user_id).await?);
    roles.sort();
    roles.dedup();
    Ok(roles)
}

/// Whether space-separated `scope` contains `wanted`.
pub fn has_scope(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

/// The claims about `user` that `scope` grants for `target` (without `sub`).
pub async fn user_claims(
    gateway: &Gateway,
    user: &User,
    scope: &str,
    target: ClaimTarget,
) -> Result<Map<String, Value>, StoreError> {
    let mut claims = Map::new();
    let profile = target != ClaimTarget::AccessToken;
    let extended = target != ClaimTarget::IdToken;
    let mut put = |name: &str, value: &Option<String>| {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            claims.insert(name.to_owned(), json!(v));
        }
    };
    if profile && has_scope(scope, "profile") {
        put("name", &user.name);
        put("picture", &user.picture);
    }
    if profile && has_scope(scope, "email") {
        put("email", &user.email);
    }
    if profile && has_scope(scope, "phone") {
        put("phone_number", &user.phone_number);
    }
    if extended && has_scope(scope, "roles") {
        claims.insert("roles".into(), json!(roles_of(gateway, &user.id).await?));
    }
    if extended && has_scope(scope, "identities") {
        let identities: Vec<Value> = gateway
            .store
            .identities_of_user(&user.id)
            .await?
            .into_iter()
            .map(|i| json!({"kind": i.key.kind, "scope": i.key.scope, "subject": i.key.subject}))
            .collect();
        claims.insert("identities".into(), json!(identities));
    }
    Ok(claims)
}
