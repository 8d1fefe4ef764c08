//! Authorised corps: what is stored after an exchange or a change (`auth_info` JSON, agent id),
//! the admin view (never the permanent code), the refresh from `get_auth_info`, and revocation.

use serde::Serialize;
use serde_json::{Value, json};
use wxgate_client::wecom::suite::{AuthInfoResponse, PermanentCode};
use wxgate_store::{AuthCorp, AuthCorpState, NewAuthCorp, Secret};

use crate::registry::AppEntry;
use crate::state::Gateway;
use crate::suite::{SuiteError, outbox, suite_api, suite_id};

/// An authorised corp as the admin API shows it (no permanent code).
#[derive(Debug, Clone, Serialize)]
pub struct CorpView {
    /// The corp id.
    pub corp_id: String,
    /// The corp's name.
    pub corp_name: String,
    /// The suite's agent id in that corp.
    pub agent_id: Option<i64>,
    /// `active` or `revoked`.
    pub state: &'static str,
    /// First authorised (unix ms).
    pub installed_at: i64,
    /// Last changed (unix ms).
    pub updated_at: i64,
    /// The platform's authorisation details (`auth_corp_info`, `auth_info` with each agent's
    /// privilege, `auth_user_info`, …).
    pub privileges: Value,
}

impl From<&AuthCorp> for CorpView {
    fn from(c: &AuthCorp) -> CorpView {
        CorpView {
            corp_id: c.corp_id.clone(),
            corp_name: c.corp_name.clone(),
            agent_id: c.agent_id,
            state: match c.state {
                AuthCorpState::Active => "active",
                AuthCorpState::Revoked => "revoked",
            },
            installed_at: c.created_at,
            updated_at: c.updated_at,
            privileges: c.auth_info.clone(),
        }
    }
}

fn to_json<T: Serialize>(value: &Option<T>) -> Value {
    value
        .as_ref()
        .and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or(Value::Null)
}

/// The record written after `get_permanent_code` (v1 carries everything; v2 only the corp).
pub fn from_permanent_code(
    suite_id: &str,
    answer: &PermanentCode,
) -> Result<NewAuthCorp, SuiteError> {
    let corp = answer
        .auth_corp_info
        .as_ref()
        .ok_or(SuiteError::Incomplete {
            api: "get_permanent_code",
            field: "auth_corp_info",
        })?;
    Ok(NewAuthCorp {
        suite_id: suite_id.to_owned(),
        corp_id: corp.corpid.clone(),
        permanent_code: Secret::new(answer.permanent_code.expose()),
        corp_name: corp.corp_name.clone().unwrap_or_default(),
        agent_id: answer
            .auth_info
            .as_ref()
            .and_then(|i| i.agent.first())
            .map(|a| a.agentid),
        auth_info: json!({
            "auth_corp_info": to_json(&answer.auth_corp_info),
            "auth_info": to_json(&answer.auth_info),
            "auth_user_info": to_json(&answer.auth_user_info),
            "dealer_corp_info": to_json(&answer.dealer_corp_info),
        }),
    })
}

/// `existing` with the authorisation details of a `get_auth_info` answer.
fn with_auth_info(
    existing: &AuthCorp,
    permanent_code: &Secret,
    answer: &AuthInfoResponse,
) -> NewAuthCorp {
    let mut auth_info = existing.auth_info.clone();
    if !auth_info.is_object() {
        auth_info = json!({});
    }
    auth_info["auth_corp_info"] = to_json(&answer.auth_corp_info);
    auth_info["auth_info"] = to_json(&answer.auth_info);
    auth_info["dealer_corp_info"] = to_json(&answer.dealer_corp_info);
    NewAuthCorp {
        suite_id: existing.suite_id.clone(),
        corp_id: existing.corp_id.clone(),
        permanent_code: permanent_code.clone(),
        corp_name: answer
            .auth_corp_info
            .as_ref()
            .and_then(|c| c.corp_name.clone())
            .unwrap_or_else(|| existing.corp_name.clone()),
        agent_id: answer
            .auth_info
            .as_ref()
            .and_then(|i| i.agent.first())
            .map(|a| a.agentid)
            .or(existing.agent_id),
        auth_info,
    }
}

/// The active authorisation of `corp_id`, with its permanent code.
async fn active(
    gateway: &Gateway,
    suite_id: &str,
    corp_id: &str,
) -> Result<(AuthCorp, Secret), SuiteError> {
    let not_authorised = || SuiteError::NotAuthorised {
        suite_id: suite_id.to_owned(),
        corp_id: corp_id.to_owned(),
    };
    let corp = gateway
        .store
        .get_auth_corp(suite_id, corp_id)
        .await?
        .filter(|c| c.state == AuthCorpState::Active)
        .ok_or_else(not_authorised)?;
    let code = corp.permanent_code.clone().ok_or_else(not_authorised)?;
    Ok((corp, code))
}

/// Re-reads what `corp_id` authorises (`get_auth_info`), stores it and emits
/// `suite.corp_auth_changed`. Used by change_auth and `POST …/corps/{corp_id}/refresh`.
pub async fn refresh(
    gateway: &Gateway,
    suite: &AppEntry,
    corp_id: &str,
) -> Result<AuthCorp, SuiteError> {
    let suite_id = suite_id(suite)?;
    let (existing, code) = active(gateway, suite_id, corp_id).await?;
    let answer = suite_api(gateway, suite_id)
        .get_auth_info(corp_id, code.expose())
        .await?;
    let updated = with_auth_info(&existing, &code, &answer);
    gateway.store.upsert_auth_corp(&updated).await?;
    let stored = gateway
        .store
        .get_auth_corp(suite_id, corp_id)
        .await?
        .ok_or_else(|| SuiteError::NotAuthorised {
            suite_id: suite_id.to_owned(),
            corp_id: corp_id.to_owned(),
        })?;
    outbox::emit(
        gateway,
        suite,
        suite_id,
        corp_id,
        outbox::CORP_AUTH_CHANGED,
        format!("corp_auth_changed:{corp_id}:{}", stored.updated_at),
        json!({
            "corp_id": corp_id,
            "corp_name": stored.corp_name,
            "agent_id": stored.agent_id,
            "privileges": stored.auth_info,
        }),
    )
    .await?;
    tracing::info!(suite = %suite.name, corp_id, "authorisation refreshed");
    Ok(stored)
}

/// cancel_auth: marks the corp revoked, purges its permanent code and tokens (store and memory)
/// and emits `suite.corp_revoked`. A corp unknown here is only logged (nothing to purge).
pub async fn revoke(gateway: &Gateway, suite: &AppEntry, corp_id: &str) -> Result<(), SuiteError> {
    let suite_id = suite_id(suite)?;
    let Some(existing) = gateway.store.get_auth_corp(suite_id, corp_id).await? else {
        tracing::warn!(suite = %suite.name, corp_id, "cancel_auth for a corp never authorised here; nothing to purge");
        return Ok(());
    };
    gateway.store.revoke_auth_corp(suite_id, corp_id).await?;
    for key in crate::token::keys::auth_corp_keys(suite_id, corp_id) {
        gateway.tokens.forget(&key);
    }
    outbox::emit(
        gateway,
        suite,
        suite_id,
        corp_id,
        outbox::CORP_REVOKED,
        format!("corp_revoked:{corp_id}:{}", existing.updated_at),
        json!({ "corp_id": corp_id, "corp_name": existing.corp_name }),
    )
    .await?;
    tracing::info!(suite = %suite.name, corp_id, "authorisation revoked; permanent code and tokens purged");
    Ok(())
}
