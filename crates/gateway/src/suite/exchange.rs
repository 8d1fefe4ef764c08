//! The durable auth code → permanent code exchange. An auth code (create_auth,
//! reset_permanent_code, the install redirect) is single use and valid 10 minutes, and the
//! callback is answered before the exchange; so the code is first written to the store (sealed)
//! and only then exchanged. A crash in between leaves a pending row the [`retry`](super::retry)
//! task finishes. The exchange of one code runs under a store lock (`authcode:{suite}:{hash}`),
//! and a code already exchanged answers the earlier result: the callback, its retries and the
//! redirect may all bring the same code.
//!
//! Neither the auth code nor the permanent code is ever logged.

use std::time::Duration;

use serde_json::json;
use wxgate_client::{ClientError, TokenKey};
use wxgate_store::{NewPendingAuthCode, PendingAuthCode, PendingAuthCodeStatus, Secret};

use crate::registry::AppEntry;
use crate::state::Gateway;
use crate::suite::outbox::{self, now_ms};
use crate::suite::{SuiteError, corps, suite_api, suite_id};

/// How long an auth code is valid (NOTES §5.1: 10 minutes).
pub const AUTH_CODE_TTL_MS: i64 = 600_000;
/// First retry delay; doubles per attempt.
pub const RETRY_BASE_MS: i64 = 1_000;
/// Longest retry delay.
pub const RETRY_MAX_MS: i64 = 60_000;
/// errcode of an invalid (used, unknown or expired) auth code: retrying cannot help.
const INVALID_AUTH_CODE: i64 = 40078;

/// Where an auth code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeOrigin {
    /// The create_auth instruction.
    CreateAuth,
    /// The reset_permanent_code instruction.
    ResetPermanentCode,
    /// The browser landing on the install redirect.
    InstallRedirect,
}

impl CodeOrigin {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeOrigin::CreateAuth => "create_auth",
            CodeOrigin::ResetPermanentCode => "reset_permanent_code",
            CodeOrigin::InstallRedirect => "install_redirect",
        }
    }
}

/// The outcome of an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchanged {
    /// The authorised corp.
    pub corp_id: String,
    /// Its name.
    pub corp_name: String,
    /// Whether the code had been exchanged before (by the callback, a retry or the redirect).
    pub already: bool,
}

/// Remembers `auth_code` and exchanges it now; on a transient failure the retry task takes over
/// (the error is still returned, for the caller to report).
pub async fn remember_and_exchange(
    gateway: &Gateway,
    suite: &AppEntry,
    auth_code: &str,
    origin: CodeOrigin,
    install_state: Option<String>,
    corp_id: Option<String>,
) -> Result<Exchanged, SuiteError> {
    let row = gateway
        .store
        .put_pending_auth_code(&NewPendingAuthCode {
            suite_id: suite_id(suite)?.to_owned(),
            auth_code: Secret::new(auth_code),
            kind: origin.as_str().to_owned(),
            install_state,
            corp_id,
            expires_at: now_ms() + AUTH_CODE_TTL_MS,
        })
        .await?;
    exchange(gateway, suite, &row).await
}

/// Exchanges a remembered code (once, under the code's lock).
pub async fn exchange(
    gateway: &Gateway,
    suite: &AppEntry,
    row: &PendingAuthCode,
) -> Result<Exchanged, SuiteError> {
    let lock = format!("authcode:{}:{}", row.suite_id, row.code_hash);
    let guard = gateway.store.lock(&lock, Duration::from_secs(15)).await?;
    let result = exchange_locked(gateway, suite, row).await;
    if let Err(e) = guard.release().await {
        tracing::warn!(error = %e, "could not release the auth code lock; it expires by itself");
    }
    result
}

async fn exchange_locked(
    gateway: &Gateway,
    suite: &AppEntry,
    row: &PendingAuthCode,
) -> Result<Exchanged, SuiteError> {
    let suite_id = suite_id(suite)?;
    let current = gateway
        .store
        .get_pending_auth_code(&row.suite_id, &row.code_hash)
        .await?
        .unwrap_or_else(|| row.clone());
    match current.status {
        PendingAuthCodeStatus::Done => return already_done(gateway, &current).await,
        PendingAuthCodeStatus::Expired => {
            return Err(SuiteError::CodeExpired {
                suite_id: suite_id.to_owned(),
                reason: current.last_error.unwrap_or_else(|| "expired".into()),
            });
        }
        PendingAuthCodeStatus::Pending => {}
    }
    let now = now_ms();
    if now >= current.expires_at {
        return expire(
            gateway,
            &current,
            "the 10 minutes passed before it could be exchanged",
        )
        .await;
    }
    let answer = match suite_api(gateway, suite_id)
        .get_permanent_code(current.auth_code.expose())
        .await
    {
        Ok(answer) => answer,
        Err(ClientError::Platform(p)) if p.errcode == INVALID_AUTH_CODE => {
            return expire(gateway, &current, &format!("errcode {}", p.errcode)).await;
        }
        Err(e) => {
            let delay = (RETRY_BASE_MS << current.attempts.clamp(0, 16)).min(RETRY_MAX_MS);
            let reason = e.to_string();
            gateway
                .store
                .retry_pending_auth_code(
                    &current.suite_id,
                    &current.code_hash,
                    now + delay,
                    &reason,
                )
                .await?;
            tracing::warn!(suite = %suite.name, kind = %current.kind, attempts = current.attempts + 1, retry_in_ms = delay, error = %e, "auth code exchange failed; will retry");
            return Err(e.into());
        }
    };
    let record = corps::from_permanent_code(suite_id, &answer)?;
    gateway.store.upsert_auth_corp(&record).await?;
    let key = TokenKey::auth_corp(suite_id, &record.corp_id);
    match (&answer.access_token, answer.expires_in) {
        (Some(token), Some(expires_in)) if expires_in > 0 => {
            if let Err(e) = gateway.tokens.seed(&key, token.expose(), expires_in).await {
                tracing::warn!(error = %e, "could not seed the authorised corp's token; it will be fetched on first use");
            }
        }
        // A reset invalidates the old permanent code; a cached token stays valid until it
        // expires, but the next fetch must use the new code.
        _ => gateway.tokens.forget(&key),
    }
    // The event goes out before the code is marked done: a crash in between re-runs the
    // exchange (the event's dedup key makes a second emit a no-op) instead of losing the event.
    if current.kind != CodeOrigin::ResetPermanentCode.as_str() {
        outbox::emit(
            gateway,
            suite,
            suite_id,
            &record.corp_id,
            outbox::CORP_AUTHORIZED,
            format!("corp_authorized:{}:{}", record.corp_id, current.code_hash),
            json!({
                "corp_id": record.corp_id,
                "corp_name": record.corp_name,
                "agent_id": record.agent_id,
                "install_state": current.install_state,
                "auth_user": record.auth_info.get("auth_user_info"),
            }),
        )
        .await?;
    }
    gateway
        .store
        .finish_pending_auth_code(
            &current.suite_id,
            &current.code_hash,
            PendingAuthCodeStatus::Done,
            Some(&record.corp_id),
            None,
        )
        .await?;
    tracing::info!(suite = %suite.name, corp_id = %record.corp_id, kind = %current.kind, "auth code exchanged; permanent code stored");
    Ok(Exchanged {
        corp_id: record.corp_id,
        corp_name: record.corp_name,
        already: false,
    })
}

async fn already_done(gateway: &Gateway, row: &PendingAuthCode) -> Result<Exchanged, SuiteError> {
    let corp_id = row.corp_id.clone().unwrap_or_default();
    let corp_name = gateway
        .store
        .get_auth_corp(&row.suite_id, &corp_id)
        .await?
        .map(|c| c.corp_name)
        .unwrap_or_default();
    Ok(Exchanged {
        corp_id,
        corp_name,
        already: true,
    })
}

async fn expire(
    gateway: &Gateway,
    row: &PendingAuthCode,
    reason: &str,
) -> Result<Exchanged, SuiteError> {
    gateway
        .store
        .finish_pending_auth_code(
            &row.suite_id,
            &row.code_hash,
            PendingAuthCodeStatus::Expired,
            None,
            Some(reason),
        )
        .await?;
    tracing::warn!(suite_id = %row.suite_id, kind = %row.kind, reason, "auth code given up");
    Err(SuiteError::CodeExpired {
        suite_id: row.suite_id.clone(),
        reason: reason.to_owned(),
    })
}
