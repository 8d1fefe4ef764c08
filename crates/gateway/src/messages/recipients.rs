//! Addressing by wxgate user id: a user (`usr_…`, merged users followed to the survivor) is sent
//! to under the name the target app knows them by — their WeCom userid in the app's corp, their
//! open_userid for a suite, their openid in a WeChat app — looked up in the account system's
//! identities. A user without such an identity cannot be reached through that app: the whole
//! request is refused (422), naming every such user, before anything is sent.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use wxgate_store::{IdentityKind, Store};

use crate::error::ApiError;

/// Where a user's identity for one app is looked for, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// The identity kind.
    pub kind: IdentityKind,
    /// Its scope (corp id, suite id, appid).
    pub scope: String,
}

impl Lookup {
    /// A lookup of `kind` in `scope`.
    pub fn new(kind: IdentityKind, scope: impl Into<String>) -> Lookup {
        Lookup {
            kind,
            scope: scope.into(),
        }
    }

    fn describe(&self) -> String {
        format!("a {} identity in {}", self.kind, self.scope)
    }
}

/// The platform id of every user in `user_ids` for an app whose identities are found through
/// `lookups`, as `user id → subject`. Refuses with 422 when a user is unknown or has no identity.
pub async fn resolve(
    store: &Store,
    app: &str,
    user_ids: &[String],
    lookups: &[Lookup],
) -> Result<BTreeMap<String, String>, ApiError> {
    let mut resolved = BTreeMap::new();
    let mut unknown = Vec::new();
    let mut unreachable = Vec::new();
    for user_id in user_ids {
        if resolved.contains_key(user_id) {
            continue;
        }
        let Some(user) = store.resolve_user(user_id).await? else {
            unknown.push(user_id.clone());
            continue;
        };
        let mut subject = None;
        for lookup in lookups {
            if let Some(identity) = store
                .identity_of_user(&user.id, lookup.kind, &lookup.scope)
                .await?
            {
                subject = Some(identity.key.subject);
                break;
            }
        }
        match subject {
            Some(s) => {
                resolved.insert(user_id.clone(), s);
            }
            None => unreachable.push(user_id.clone()),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_user",
            format!(
                "no wxgate user has the id {}; check the ids (GET /api/v1/users lists them)",
                unknown.join(", ")
            ),
        ));
    }
    if !unreachable.is_empty() {
        let wanted: Vec<String> = lookups.iter().map(Lookup::describe).collect();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_identity",
            format!(
                "user {} cannot be reached through app `{app}`: no {} is linked; the user must sign in through this app once, or link the identity through the accounts API",
                unreachable.join(", "),
                wanted.join(" or ")
            ),
        ));
    }
    Ok(resolved)
}
