//! What each suite instruction callback does, called once the callback is stored and answered
//! (`suite_ticket` is persisted by the callback handler itself and ignored here):
//!
//! * `create_auth`: remember the AuthCode, exchange it for the permanent code, store the corp,
//!   seed its token, emit `suite.corp_authorized`;
//! * `change_auth`: `get_auth_info`, store the new privileges, emit `suite.corp_auth_changed`;
//! * `cancel_auth`: revoke the corp (permanent code and tokens purged), emit `suite.corp_revoked`;
//! * `reset_permanent_code`: exchange the new AuthCode, replacing the permanent code.
//!
//! Other instructions (change_contact, …) are events for the webhooks only.

use wxgate_protocol::message::SuiteEvent;

use crate::registry::AppEntry;
use crate::state::Gateway;
use crate::suite::exchange::{self, CodeOrigin};
use crate::suite::{SuiteError, corps};

/// Runs the lifecycle step of `event` for `suite`.
pub async fn handle_instruction(
    gateway: &Gateway,
    suite: &AppEntry,
    event: &SuiteEvent,
) -> Result<(), SuiteError> {
    match event {
        SuiteEvent::CreateAuth {
            auth_code, state, ..
        } => {
            exchange::remember_and_exchange(
                gateway,
                suite,
                auth_code.expose(),
                CodeOrigin::CreateAuth,
                state.clone(),
                None,
            )
            .await?;
        }
        SuiteEvent::ResetPermanentCode { header, auth_code } => {
            exchange::remember_and_exchange(
                gateway,
                suite,
                auth_code.expose(),
                CodeOrigin::ResetPermanentCode,
                None,
                header.auth_corp_id.clone(),
            )
            .await?;
        }
        SuiteEvent::ChangeAuth { header, .. } => {
            let corp_id = auth_corp(suite, header.auth_corp_id.as_deref(), "change_auth")?;
            corps::refresh(gateway, suite, corp_id).await?;
        }
        SuiteEvent::CancelAuth { header } => {
            let corp_id = auth_corp(suite, header.auth_corp_id.as_deref(), "cancel_auth")?;
            corps::revoke(gateway, suite, corp_id).await?;
        }
        _ => {}
    }
    Ok(())
}

fn auth_corp<'a>(
    suite: &AppEntry,
    corp_id: Option<&'a str>,
    info_type: &'static str,
) -> Result<&'a str, SuiteError> {
    corp_id.filter(|c| !c.is_empty()).ok_or_else(|| {
        tracing::warn!(suite = %suite.name, info_type, "instruction without AuthCorpId; ignored");
        SuiteError::Incomplete {
            api: info_type,
            field: "AuthCorpId",
        }
    })
}
