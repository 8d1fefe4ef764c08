//! The `refresh_token` grant with rotation: each refresh token works once and is replaced; a
//! used one presented again revokes its whole grant (every refresh and access token of it), since
//! it means the token leaked. `scope` may narrow the grant's scopes for this response only.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use wxgate_store::Refreshed;

use crate::oidc::claims::has_scope;
use crate::oidc::clients::Client;
use crate::oidc::error::OAuthError;
use crate::oidc::issue::{IssueRequest, issue, random_token, refresh_expires_at};
use crate::oidc::token::active_user;
use crate::state::Gateway;

/// Redeems a refresh token.
pub async fn refresh(
    gateway: &Gateway,
    client: &Client,
    params: &HashMap<String, String>,
) -> Result<Map<String, Value>, OAuthError> {
    let presented = params
        .get("refresh_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))?;
    // Check ownership before touching the token: another client's token stays untouched.
    let owner = gateway.store.refresh_token_grant(presented).await?;
    let invalid =
        || OAuthError::invalid_grant("the refresh token is invalid or expired; sign in again");
    match &owner {
        Some(grant) if grant.client_id == client.client_id => {}
        _ => return Err(invalid()),
    }
    let successor = random_token();
    let grant = match gateway
        .store
        .rotate_refresh_token(presented, &successor, refresh_expires_at(gateway))
        .await?
    {
        Refreshed::Rotated(grant) => grant,
        Refreshed::Reused(_) => {
            return Err(OAuthError::invalid_grant(
                "the refresh token was already used: it may have leaked, so every token of this sign-in is revoked; sign in again",
            ));
        }
        Refreshed::Revoked(_) => {
            return Err(OAuthError::invalid_grant(
                "the refresh token was revoked; sign in again",
            ));
        }
        Refreshed::Expired | Refreshed::Unknown => return Err(invalid()),
    };
    let mut narrowed = grant.clone();
    if let Some(scope) = params.get("scope").filter(|s| !s.is_empty()) {
        for s in scope.split(' ').filter(|s| !s.is_empty()) {
            if !has_scope(&grant.scope, s) {
                return Err(OAuthError::invalid_scope(format!(
                    "scope `{s}` was not granted originally; a refresh can only narrow the scopes"
                )));
            }
        }
        narrowed.scope = scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    }
    let user = match active_user(gateway, &grant.user_id).await {
        Ok(user) => user,
        Err(e) => {
            gateway
                .store
                .revoke_grant(&grant.id, "user disabled")
                .await?;
            return Err(e);
        }
    };
    let mut body = issue(
        gateway,
        IssueRequest {
            client,
            grant: &narrowed,
            user: &user,
            nonce: None,
        },
        Some(successor),
    )
    .await?;
    body.insert("scope".into(), json!(narrowed.scope));
    Ok(body)
}
