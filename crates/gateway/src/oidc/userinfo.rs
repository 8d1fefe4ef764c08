//! `GET|POST /oidc/userinfo` (OIDC Core §5.3): the claims of the access token's scopes about its
//! user, read fresh from the store. The token must be valid, unrevoked, of an unrevoked grant,
//! and its user active; otherwise 401 with `WWW-Authenticate: Bearer error="invalid_token"`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::oidc::access_token;
use crate::oidc::claims::{ClaimTarget, has_scope, user_claims};
use crate::oidc::error::OAuthError;
use crate::state::Gateway;

/// The userinfo route.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/oidc/userinfo", get(userinfo).post(userinfo))
}

async fn userinfo(
    State(gateway): State<Gateway>,
    headers: HeaderMap,
) -> Result<Response, OAuthError> {
    let auth = access_token::from_headers(&gateway, &headers).await?;
    let scope = auth.claims["scope"].as_str().unwrap_or_default();
    if !has_scope(scope, "openid") {
        return Err(OAuthError::insufficient_scope(
            "userinfo needs a token with the `openid` scope",
        ));
    }
    let mut claims = user_claims(&gateway, &auth.user, scope, ClaimTarget::Userinfo).await?;
    claims.insert("sub".into(), json!(auth.user.id));
    let mut response = Json(Value::Object(claims)).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
