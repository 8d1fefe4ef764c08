//! `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0): where everything is
//! and what wxgate supports. Endpoints are under the issuer.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use wxgate_config::OIDC_SCOPES;

use crate::oidc::token_exchange::{WECHAT_MINI_CODE, WECOM_MINI_CODE};
use crate::oidc::{endpoint, issuer};
use crate::state::Gateway;

/// The discovery route.
pub fn routes() -> Router<Gateway> {
    Router::new().route("/.well-known/openid-configuration", get(configuration))
}

/// The discovery document.
pub fn document(gateway: &Gateway) -> Value {
    json!({
        "issuer": issuer(gateway),
        "authorization_endpoint": endpoint(gateway, "/oidc/authorize"),
        "token_endpoint": endpoint(gateway, "/oidc/token"),
        "userinfo_endpoint": endpoint(gateway, "/oidc/userinfo"),
        "jwks_uri": endpoint(gateway, "/oidc/jwks"),
        "revocation_endpoint": endpoint(gateway, "/oidc/revoke"),
        "end_session_endpoint": endpoint(gateway, "/oidc/logout"),
        "scopes_supported": OIDC_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash",
            "name", "picture", "email", "phone_number", "roles", "identities",
        ],
        "prompt_values_supported": ["none", "login"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "claims_parameter_supported": false,
        "wxgate_token_exchange_subject_token_types": [WECHAT_MINI_CODE, WECOM_MINI_CODE],
    })
}

async fn configuration(State(gateway): State<Gateway>) -> Json<Value> {
    Json(document(&gateway))
}
