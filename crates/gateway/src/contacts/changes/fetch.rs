//! Reading what a `change_contact` left out: since 2022 member events carry little more than the
//! userid, so the consumer asks `user/get` (and `department/get` for a department without a name)
//! with the directory's own credential. When the credential may not (privacy rules, a new-IP
//! contacts secret, a suite without the field), the stored values stay as they were.

use wxgate_client::wecom::contacts::{Department, Member};
use wxgate_client::{TokenKey, WecomApi};

use crate::registry::AppKind;
use crate::state::Gateway;

/// The API handles that can read `directory`, best first: the corp's contacts secret, then each
/// of its apps' secrets (an app sees its visible range; a contacts secret used from a new IP may
/// not call `user/get` at all), or the authorised-corp token of a suite directory.
pub fn directory_apis(gateway: &Gateway, directory: &str) -> Vec<WecomApi> {
    let keys: Vec<TokenKey> = if let Some((suite, corp_id)) = directory.split_once(':') {
        match gateway.registry.get(suite).map(|a| a.kind.clone()) {
            Some(AppKind::Suite { suite_id, .. }) => vec![TokenKey::auth_corp(&suite_id, corp_id)],
            _ => Vec::new(),
        }
    } else {
        match gateway.config.wecom.iter().find(|c| c.name == directory) {
            Some(corp) => corp
                .contacts
                .iter()
                .map(|_| TokenKey::wecom_contacts(&corp.corp_id))
                .chain(
                    corp.apps
                        .iter()
                        .map(|app| TokenKey::wecom_app(&corp.corp_id, &app.agent_id.to_string())),
                )
                .collect(),
            None => Vec::new(),
        }
    };
    keys.into_iter()
        .map(|key| gateway.client.wecom(gateway.tokens.clone(), key))
        .collect()
}

/// `user/get` of `userid` in `directory` through the first credential allowed to read it, or
/// `None` when none may (each refusal logged).
pub async fn member(gateway: &Gateway, directory: &str, userid: &str) -> Option<Member> {
    for api in directory_apis(gateway, directory) {
        match api.user_get(userid).await {
            Ok(m) => return Some(m),
            Err(e) => {
                tracing::info!(%directory, %userid, error = %e, "user/get refused with this credential")
            }
        }
    }
    None
}

/// `department/get` of `id` in `directory` through the first credential allowed to read it.
pub async fn department(gateway: &Gateway, directory: &str, id: i64) -> Option<Department> {
    for api in directory_apis(gateway, directory) {
        match api.department_get(id).await {
            Ok(d) => return Some(d),
            Err(e) => {
                tracing::info!(%directory, id, error = %e, "department/get refused with this credential")
            }
        }
    }
    None
}
