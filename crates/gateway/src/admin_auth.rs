//! The admin key check: `Authorization: Bearer <key>` against `[server] admin_keys`, compared
//! in constant time. Token endpoints, the proxy and the admin API require it.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::state::Gateway;

/// Proof that the request carried a valid admin key; add it as a handler argument.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequestParts<Gateway> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Gateway) -> Result<Admin, ApiError> {
        let provided = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        let mut ok = subtle::Choice::from(0u8);
        for key in &state.config.server.admin_keys {
            let key = key.expose().as_bytes();
            if key.len() == provided.len() {
                ok |= key.ct_eq(provided.as_bytes());
            }
        }
        if bool::from(ok) {
            Ok(Admin)
        } else {
            Err(ApiError::unauthorized())
        }
    }
}
