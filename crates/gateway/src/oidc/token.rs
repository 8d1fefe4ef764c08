//! `POST /oidc/token` (RFC 6749 §3.2): rate limit (per client address, then per client id),
//! client authentication, then the grant:
//!
//! - `authorization_code`: the code must be live, issued to this client, with the same
//!   `redirect_uri`, and the PKCE `code_verifier` must hash to its challenge. A code is redeemed
//!   once; presenting it again revokes the tokens issued from it (RFC 6749 §4.1.2).
//! - `refresh_token`: see [`crate::oidc::refresh`].
//! - `urn:ietf:params:oauth:grant-type:token-exchange`: see [`crate::oidc::token_exchange`].

use std::collections::HashMap;

use std::net::SocketAddr;

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{CACHE_CONTROL, PRAGMA};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Map, Value};
use wxgate_store::{Redeemed, User, UserStatus};

use crate::oidc::clients::{self, Client};
use crate::oidc::error::OAuthError;
use crate::oidc::issue::{IssueRequest, issue};
use crate::oidc::{now_secs, pkce, refresh, token_exchange};
use crate::state::Gateway;

/// The grant type of RFC 8693.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// The token route.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/oidc/token", post(token))
}

/// A form body's parameters, refusing repeated ones (RFC 6749 §3.2).
pub fn form(body: &str) -> Result<HashMap<String, String>, OAuthError> {
    let mut params = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body.as_bytes()) {
        if params.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "the parameter `{k}` appears more than once"
            )));
        }
    }
    Ok(params)
}

/// A successful token response: JSON, never cached.
pub fn token_response(body: Map<String, Value>) -> Response {
    let mut response = Json(Value::Object(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

async fn token(
    State(gateway): State<Gateway>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, OAuthError> {
    let limits = &gateway.oidc.token_limits;
    limits
        .check_address(peer.map(|p| p.0.0.ip()), &headers)
        .map_err(|l| OAuthError::rate_limited(l.retry_after_secs, &l.who))?;
    let params = form(&body)?;
    let creds = clients::credentials(&headers, &params)?;
    limits
        .check_client(&creds.client_id)
        .map_err(|l| OAuthError::rate_limited(l.retry_after_secs, &l.who))?;
    let client = clients::authenticate(&gateway, &creds).await?;
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is missing"))?;
    let body = match grant_type.as_str() {
        "authorization_code" => authorization_code(&gateway, &client, &params).await?,
        "refresh_token" => refresh::refresh(&gateway, &client, &params).await?,
        TOKEN_EXCHANGE => token_exchange::exchange(&gateway, &client, &params).await?,
        other => {
            return Err(OAuthError::unsupported_grant_type(format!(
                "grant_type `{other}` is not supported; use authorization_code, refresh_token or {TOKEN_EXCHANGE}"
            )));
        }
    };
    Ok(token_response(body))
}

/// The live, active user behind a grant's user id (following merges), or `invalid_grant`.
pub async fn active_user(gateway: &Gateway, user_id: &str) -> Result<User, OAuthError> {
    gateway
        .store
        .resolve_user(user_id)
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(|| {
            OAuthError::invalid_grant("the user is disabled; an administrator can re-enable it")
        })
}

async fn authorization_code(
    gateway: &Gateway,
    client: &Client,
    params: &HashMap<String, String>,
) -> Result<Map<String, Value>, OAuthError> {
    let code = params
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("code is missing"))?;
    let invalid = || {
        OAuthError::invalid_grant(
            "the authorization code is invalid, expired or was issued to another client; start the sign-in again",
        )
    };
    let stored = gateway.store.find_code(code).await?.ok_or_else(invalid)?;
    if stored.client_id != client.client_id {
        return Err(invalid());
    }
    if stored.used_at.is_some() {
        gateway
            .store
            .revoke_grant(&stored.grant_id, "authorization code reused")
            .await?;
        return Err(OAuthError::invalid_grant(
            "the authorization code was already used; the tokens issued from it are now revoked. Start the sign-in again",
        ));
    }
    if stored.expires_at <= now_secs() * 1000 {
        return Err(invalid());
    }
    if params.get("redirect_uri") != Some(&stored.redirect_uri) {
        return Err(OAuthError::invalid_grant(
            "redirect_uri must be the exact redirect_uri of the authorization request",
        ));
    }
    match (&stored.code_challenge, params.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            if !pkce::verify_s256(verifier, challenge) {
                return Err(OAuthError::invalid_grant(
                    "code_verifier does not match the code_challenge (S256) of the authorization request",
                ));
            }
        }
        (Some(_), None) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier is missing: the authorization request used PKCE",
            ));
        }
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant(
                "code_verifier sent, but the authorization request had no code_challenge",
            ));
        }
        (None, None) => {}
    }
    let grant = match gateway.store.redeem_code(&stored).await? {
        Redeemed::Granted(grant) => grant,
        Redeemed::AlreadyUsed => {
            gateway
                .store
                .revoke_grant(&stored.grant_id, "authorization code reused")
                .await?;
            return Err(OAuthError::invalid_grant(
                "the authorization code was already used; the tokens issued from it are now revoked",
            ));
        }
    };
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
    issue(
        gateway,
        IssueRequest {
            client,
            grant: &grant,
            user: &user,
            nonce: stored.nonce.as_deref(),
        },
        None,
    )
    .await
}
