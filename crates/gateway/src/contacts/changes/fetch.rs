//! Reading what a `change_contact` left out: since 2022 member events carry little more than the
//! userid, so the consumer asks `user/get` (and `department/get` for a department without a name)
//! with the directory's own credential. When the credential may not (privacy rules, a new-IP
//! contacts secret, a suite without the field), the stored values stay as they were.

use wxgate_client::wecom::contacts::{Department, Member};
use wxgate_client::{TokenKey, WecomApi};

use crate::registry::AppKind;
use crate::state::Gateway;

/// The API handle that reads `directory` with its credential: the corp's contacts secret (or,
/// without one, its first app's secret), or the authorised-corp token of a suite directory.
pub fn directory_api(gateway: &Gateway, directory: &str) -> Option<WecomApi> {
    let key = if let Some((suite, corp_id)) = directory.split_once(':') {
        match &gateway.registry.get(suite)?.kind {
            AppKind::Suite { suite_id, .. } => TokenKey::auth_corp(suite_id, corp_id),
            _ => return None,
        }
    } else {
        let corp = gateway.config.wecom.iter().find(|c| c.name == directory)?;
        if corp.contacts.is_some() {
            TokenKey::wecom_contacts(&corp.corp_id)
        } else {
            let app = corp.apps.first()?;
            TokenKey::wecom_app(&corp.corp_id, &app.agent_id.to_string())
        }
    };
    Some(gateway.client.wecom(gateway.tokens.clone(), key))
}

/// `user/get` of `userid` in `directory`, or `None` when it cannot be read (logged).
pub async fn member(gateway: &Gateway, directory: &str, userid: &str) -> Option<Member> {
    let api = directory_api(gateway, directory)?;
    match api.user_get(userid).await {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::info!(%directory, %userid, error = %e, "user/get refused; the member keeps its stored fields");
            None
        }
    }
}

/// `department/get` of `id` in `directory`, or `None` when it cannot be read (logged).
pub async fn department(gateway: &Gateway, directory: &str, id: i64) -> Option<Department> {
    let api = directory_api(gateway, directory)?;
    match api.department_get(id).await {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::info!(%directory, id, error = %e, "department/get refused; the department keeps its stored fields");
            None
        }
    }
}
