//! `POST /oidc/revoke` (RFC 7009). The client authenticates as at the token endpoint.
//!
//! - A refresh token revokes its whole grant: every refresh and access token of that sign-in.
//! - An access token is revoked on its own (until it expires).
//!
//! A token that is unknown, malformed, already revoked or issued to another client is answered
//! 200 all the same (§2.2: the client cannot learn anything from the answer).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::oidc::access_token::verify_signed;
use crate::oidc::clients;
use crate::oidc::error::OAuthError;
use crate::oidc::issue::ACCESS_TOKEN_TYP;
use crate::oidc::token::form;
use crate::state::Gateway;

/// The revocation route.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/oidc/revoke", post(revoke))
}

async fn revoke(
    State(gateway): State<Gateway>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, OAuthError> {
    let params = form(&body)?;
    let creds = clients::credentials(&headers, &params)?;
    let client = clients::authenticate(&gateway, &creds).await?;
    let token = params
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    let hint = params.get("token_type_hint").map(String::as_str);
    let refresh_first = hint != Some("access_token");
    if refresh_first && revoke_refresh(&gateway, &client.client_id, token).await? {
        return Ok(StatusCode::OK.into_response());
    }
    if revoke_access(&gateway, &client.client_id, token).await? {
        return Ok(StatusCode::OK.into_response());
    }
    if !refresh_first {
        revoke_refresh(&gateway, &client.client_id, token).await?;
    }
    Ok(StatusCode::OK.into_response())
}

/// Revokes the grant of refresh token `token` if it is `client_id`'s; whether it was one.
async fn revoke_refresh(
    gateway: &Gateway,
    client_id: &str,
    token: &str,
) -> Result<bool, OAuthError> {
    match gateway.store.refresh_token_grant(token).await? {
        Some(grant) if grant.client_id == client_id => {
            gateway
                .store
                .revoke_grant(&grant.id, "revoked by the client")
                .await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Revokes access token `token` if it is a live one of `client_id`; whether it was one.
async fn revoke_access(
    gateway: &Gateway,
    client_id: &str,
    token: &str,
) -> Result<bool, OAuthError> {
    let Ok(claims) = verify_signed(gateway, token, Some(ACCESS_TOKEN_TYP), true).await else {
        return Ok(false);
    };
    if claims["client_id"].as_str() != Some(client_id) {
        return Ok(false);
    }
    let (Some(jti), Some(exp)) = (claims["jti"].as_str(), claims["exp"].as_i64()) else {
        return Ok(false);
    };
    gateway.store.revoke_access_token(jti, exp * 1000).await?;
    Ok(true)
}
