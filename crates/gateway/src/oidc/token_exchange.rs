//! RFC 8693 token exchange at the token endpoint: a mini program has no browser to redirect, so
//! it sends its login code and gets wxgate tokens back.
//!
//! ```text
//! POST /oidc/token
//! grant_type=urn:ietf:params:oauth:grant-type:token-exchange
//! &client_id=shop-mini                      (public; confidential clients authenticate as usual)
//! &subject_token=<code from wx.login / wx.qy.login>
//! &subject_token_type=urn:wxgate:params:oauth:token-type:wechat-mini-code
//!                   | urn:wxgate:params:oauth:token-type:wecom-mini-code
//! &app=shop                                 (the configured mini program's name)
//! &scope=openid profile phone               (optional; default `openid`)
//! ```
//!
//! The client must list the mini program in `token_exchange_apps`. The answer is a normal token
//! response plus `issued_token_type=urn:ietf:params:oauth:token-type:access_token`: an access
//! token, an ID token (with `openid`) and a refresh token. `requested_token_type`, when sent,
//! must be the access-token type. The session_key never leaves wxgate.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use wxgate_store::NewGrant;

use crate::accounts::SignedIn;
use crate::mini_login::{self, MiniLoginError};
use crate::oidc::clients::Client;
use crate::oidc::error::OAuthError;
use crate::oidc::issue::{IssueRequest, issue};
use crate::oidc::now_secs;
use crate::state::Gateway;

/// `subject_token_type` of a WeChat Mini Program `wx.login` code.
pub const WECHAT_MINI_CODE: &str = "urn:wxgate:params:oauth:token-type:wechat-mini-code";
/// `subject_token_type` of a WeCom Mini Program `wx.qy.login` code.
pub const WECOM_MINI_CODE: &str = "urn:wxgate:params:oauth:token-type:wecom-mini-code";
/// The token type issued (RFC 8693 §3).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Exchanges a mini-program login code for tokens.
pub async fn exchange(
    gateway: &Gateway,
    client: &Client,
    params: &HashMap<String, String>,
) -> Result<Map<String, Value>, OAuthError> {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let code = get("subject_token").ok_or_else(|| {
        OAuthError::invalid_request("subject_token (the mini program's login code) is missing")
    })?;
    let token_type = get("subject_token_type").ok_or_else(|| {
        OAuthError::invalid_request(format!(
            "subject_token_type is missing; use {WECHAT_MINI_CODE} or {WECOM_MINI_CODE}"
        ))
    })?;
    if let Some(requested) = get("requested_token_type")
        && requested != ACCESS_TOKEN_TYPE
    {
        return Err(OAuthError::invalid_request(format!(
            "requested_token_type `{requested}` is not supported; wxgate issues {ACCESS_TOKEN_TYPE} (with an ID token and a refresh token)"
        )));
    }
    if get("actor_token").is_some() {
        return Err(OAuthError::invalid_request(
            "actor_token (delegation) is not supported",
        ));
    }
    let app = get("app").ok_or_else(|| {
        OAuthError::invalid_request("app (the configured mini program's name) is missing")
    })?;
    if !client.token_exchange_apps.iter().any(|a| a == app) {
        return Err(OAuthError::unauthorized_client(format!(
            "client `{}` may not exchange codes of `{app}`; add it to the client's token_exchange_apps",
            client.client_id
        )));
    }
    let scope = scope(client, get("scope").unwrap_or("openid"))?;
    let signed_in: SignedIn = match token_type {
        WECHAT_MINI_CODE => mini_login::wechat::login(gateway, app, code).await,
        WECOM_MINI_CODE => mini_login::wecom::login(gateway, app, code).await,
        other => {
            return Err(OAuthError::invalid_request(format!(
                "subject_token_type `{other}` is not supported; use {WECHAT_MINI_CODE} or {WECOM_MINI_CODE}"
            )));
        }
    }
    .map_err(|e: MiniLoginError| {
        tracing::info!(app, client = %client.client_id, error = %e, "mini-program token exchange refused");
        OAuthError::from(e)
    })?;
    let grant = gateway
        .store
        .create_grant(&NewGrant {
            client_id: client.client_id.clone(),
            user_id: signed_in.user.id.clone(),
            scope,
            session_id: None,
            method: format!("token_exchange:{app}"),
            auth_time: now_secs() * 1000,
        })
        .await?;
    let mut body = issue(
        gateway,
        IssueRequest {
            client,
            grant: &grant,
            user: &signed_in.user,
            nonce: None,
        },
        None,
    )
    .await?;
    body.insert("issued_token_type".into(), json!(ACCESS_TOKEN_TYPE));
    Ok(body)
}

/// The requested scopes the client may have; `openid` is added when missing (the exchange is a
/// sign-in).
fn scope(client: &Client, requested: &str) -> Result<String, OAuthError> {
    let mut scopes = vec!["openid"];
    for s in requested.split(' ').filter(|s| !s.is_empty()) {
        if !client.allows_scope(s) {
            return Err(OAuthError::invalid_scope(format!(
                "client `{}` may not receive scope `{s}`",
                client.client_id
            )));
        }
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    Ok(scopes.join(" "))
}
