//! How each token kind is fetched from the platform — the one place that knows which endpoint,
//! which secret from the registry and which record from the store a kind needs.
//!
//! MP access tokens come from `stable_token` with `force_refresh=false`, never from the legacy
//! `/cgi-bin/token`: the legacy endpoint invalidates the previous token on every call, so if
//! any other service (or a second wxgate deployment) also fetches the token of the same appid,
//! the two keep invalidating each other's tokens. `stable_token` in normal mode returns the same
//! token while it is valid, so concurrent fetchers converge on one token.
//!
//! −1 (system busy) is retried by the client (`call_with_busy_retry`, ≤ 3 retries with backoff);
//! this module does not retry again. Tickets and authorised-corp tokens need another token
//! first; if the platform rejects that one it is invalidated and the fetch repeated once.

use std::future::Future;
use std::sync::Arc;

use wxgate_client::wechat::tokens::MpTicketType;
use wxgate_client::{AccessToken, BoxFuture, ClientError, Ticket, TokenKey, TokenKind};
use wxgate_store::AuthCorpState;

use crate::registry::{AppEntry, AppKind};
use crate::token::error::TokenError;
use crate::token::keys;
use crate::token::service::TokenService;

/// A freshly fetched credential.
#[derive(Clone)]
pub struct Fetched {
    /// The token or ticket.
    pub value: String,
    /// Its lifetime according to the platform, in seconds.
    pub expires_in: i64,
}

impl From<AccessToken> for Fetched {
    fn from(t: AccessToken) -> Fetched {
        Fetched {
            value: t.access_token.into_inner(),
            expires_in: t.expires_in,
        }
    }
}

impl From<Ticket> for Fetched {
    fn from(t: Ticket) -> Fetched {
        Fetched {
            value: t.ticket.into_inner(),
            expires_in: t.expires_in,
        }
    }
}

fn upstream(key: &TokenKey) -> impl Fn(ClientError) -> TokenError + '_ {
    move |e| TokenError::Upstream {
        key: key.to_string(),
        source: Arc::new(e),
    }
}

fn unknown(key: &TokenKey) -> TokenError {
    TokenError::UnknownKey {
        key: key.to_string(),
    }
}

/// The configured app owning `key`.
fn owner(service: &TokenService, key: &TokenKey) -> Result<Arc<AppEntry>, TokenError> {
    service
        .registry
        .find(|app| keys::owns(app, key))
        .ok_or_else(|| unknown(key))
}

/// Fetches `key` from the platform.
pub(crate) fn fetch<'a>(
    service: &'a TokenService,
    key: &'a TokenKey,
) -> BoxFuture<'a, Result<Fetched, TokenError>> {
    Box::pin(async move {
        let client = &service.client;
        let app = owner(service, key)?;
        let secret = app.secret.expose();
        match (key.kind(), &app.kind) {
            (
                TokenKind::WecomApp | TokenKind::WecomContacts | TokenKind::WecomMiniProgram,
                AppKind::WecomApp { corp_id, .. }
                | AppKind::WecomContacts { corp_id }
                | AppKind::WecomMiniProgram { corp_id, .. },
            ) => Ok(client
                .wecom_get_token(corp_id, secret)
                .await
                .map_err(upstream(key))?
                .into()),
            (TokenKind::WecomJsapiTicket, _) => {
                let app_key =
                    keys::for_app(&app, TokenKind::WecomApp).ok_or_else(|| unknown(key))?;
                with_token(service, &app_key, key, |t| async move {
                    client.wecom_get_jsapi_ticket(&t).await
                })
                .await
                .map(Fetched::from)
            }
            (TokenKind::WecomAgentTicket, _) => {
                let app_key =
                    keys::for_app(&app, TokenKind::WecomApp).ok_or_else(|| unknown(key))?;
                with_token(service, &app_key, key, |t| async move {
                    client.wecom_get_agent_ticket(&t).await
                })
                .await
                .map(Fetched::from)
            }
            (
                TokenKind::MpAccessToken,
                AppKind::OfficialAccount { app_id } | AppKind::MiniProgram { app_id, .. },
            ) => Ok(client
                .mp_stable_token(app_id, secret, false)
                .await
                .map_err(upstream(key))?
                .into()),
            (TokenKind::MpJsapiTicket, AppKind::OfficialAccount { app_id }) => {
                with_token(service, &TokenKey::mp(app_id), key, |t| async move {
                    client.mp_get_ticket(&t, MpTicketType::Jsapi).await
                })
                .await
                .map(Fetched::from)
            }
            (TokenKind::SuiteAccessToken, AppKind::Suite { suite_id, .. }) => {
                let ticket = service
                    .store
                    .get_suite_ticket(suite_id)
                    .await
                    .map_err(TokenError::storage)?
                    .ok_or_else(|| TokenError::NoSuiteTicket {
                        suite_id: suite_id.clone(),
                    })?;
                Ok(client
                    .get_suite_token(suite_id, secret, ticket.ticket.expose())
                    .await
                    .map_err(upstream(key))?
                    .into())
            }
            (
                TokenKind::ProviderAccessToken,
                AppKind::Suite {
                    provider: Some(provider),
                    ..
                },
            ) => Ok(client
                .get_provider_token(&provider.corp_id, provider.secret.expose())
                .await
                .map_err(upstream(key))?
                .into()),
            (TokenKind::AuthCorpAccessToken, AppKind::Suite { suite_id, .. }) => {
                let corp_id = keys::parts(key)
                    .get(1)
                    .copied()
                    .ok_or_else(|| unknown(key))?
                    .to_owned();
                let not_authorised = || TokenError::NotAuthorised {
                    suite_id: suite_id.clone(),
                    corp_id: corp_id.clone(),
                };
                let corp = service
                    .store
                    .get_auth_corp(suite_id, &corp_id)
                    .await
                    .map_err(TokenError::storage)?
                    .filter(|c| c.state == AuthCorpState::Active)
                    .ok_or_else(not_authorised)?;
                let permanent_code = corp.permanent_code.ok_or_else(not_authorised)?;
                let code = permanent_code.expose();
                let corp_id = corp_id.as_str();
                with_token(service, &TokenKey::suite(suite_id), key, |t| async move {
                    client.get_corp_token(&t, corp_id, code).await
                })
                .await
                .map(Fetched::from)
            }
            (
                TokenKind::AuthCorpJsapiTicket | TokenKind::AuthCorpAgentTicket,
                AppKind::Suite { suite_id, .. },
            ) => {
                let corp_id = keys::parts(key)
                    .get(1)
                    .copied()
                    .ok_or_else(|| unknown(key))?;
                let corp_key = TokenKey::auth_corp(suite_id, corp_id);
                if key.kind() == TokenKind::AuthCorpJsapiTicket {
                    with_token(service, &corp_key, key, |t| async move {
                        client.wecom_get_jsapi_ticket(&t).await
                    })
                    .await
                    .map(Fetched::from)
                } else {
                    with_token(service, &corp_key, key, |t| async move {
                        client.wecom_get_agent_ticket(&t).await
                    })
                    .await
                    .map(Fetched::from)
                }
            }
            _ => Err(unknown(key)),
        }
    })
}

/// Runs `call` with the token of `via`; if the platform rejects that token, invalidates it and
/// runs `call` once more with a fresh one.
async fn with_token<T, F, Fut>(
    service: &TokenService,
    via: &TokenKey,
    key: &TokenKey,
    call: F,
) -> Result<T, TokenError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    let mut retried = false;
    loop {
        let token = service.get(via).await?;
        match call(token.value.clone()).await {
            Err(ClientError::Platform(e)) if e.invalidates_token() && !retried => {
                tracing::info!(key = %via, errcode = e.errcode, "token rejected while fetching {key}; invalidating and retrying once");
                service.invalidate(via, &token.value).await;
                retried = true;
            }
            other => return other.map_err(upstream(key)),
        }
    }
}
