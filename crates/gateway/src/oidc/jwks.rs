//! `GET /oidc/jwks`: the public keys relying parties verify tokens with — the active key of each
//! algorithm and the retired ones whose tokens may still be valid.

use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use wxgate_config::SigningAlg;

use crate::oidc::error::OAuthError;
use crate::state::Gateway;

/// The JWKS route.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/oidc/jwks", get(jwks))
}

/// The key set (making the first key of each algorithm if there is none yet).
pub async fn key_set(gateway: &Gateway) -> Result<Value, OAuthError> {
    for alg in SigningAlg::ALL {
        gateway.oidc.keys.signing_key(&gateway.store, alg).await?;
    }
    let keys: Vec<Value> = gateway
        .oidc
        .keys
        .published(&gateway.store)
        .await?
        .iter()
        .map(|k| k.jwk.clone())
        .collect();
    Ok(json!({ "keys": keys }))
}

async fn jwks(State(gateway): State<Gateway>) -> Result<Response, OAuthError> {
    let mut response = Json(key_set(&gateway).await?).into_response();
    // Short: after a rotation, relying parties see the new key within a minute.
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(response)
}
