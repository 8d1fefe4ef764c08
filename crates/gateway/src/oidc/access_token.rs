//! Checking the JWTs wxgate issued: signature against the published keys (by `kid`), issuer,
//! expiry, and for access tokens the `at+jwt` type, the grant (not revoked), the token itself
//! (not revoked one by one) and the user (still active). Used by userinfo, the revocation
//! endpoint, RP-initiated logout (`id_token_hint`) and the mini-program open-data endpoint.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use jsonwebtoken::{Validation, decode, decode_header};
use serde_json::Value;
use wxgate_store::{Grant, User, UserStatus};

use crate::oidc::error::OAuthError;
use crate::oidc::issue::{ACCESS_TOKEN_TYP, GRANT_CLAIM};
use crate::oidc::issuer;
use crate::state::Gateway;

/// Seconds of clock skew tolerated on `exp`.
const LEEWAY_SECS: u64 = 30;

/// Verifies a JWT signed by one of the published keys and issued by this issuer; returns its
/// claims. `typ` (when given) must match the header's; `check_exp` off accepts expired tokens
/// (an `id_token_hint` may be).
pub async fn verify_signed(
    gateway: &Gateway,
    token: &str,
    typ: Option<&str>,
    check_exp: bool,
) -> Result<Value, String> {
    let header = decode_header(token).map_err(|e| format!("not a JWT ({e})"))?;
    if let Some(typ) = typ
        && !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(typ))
    {
        return Err(format!("not a token of type {typ}"));
    }
    let kid = header.kid.ok_or("the JWT names no signing key (kid)")?;
    let key = gateway
        .oidc
        .keys
        .find(&gateway.store, &kid)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("signing key {kid} is unknown or was retired long ago"))?;
    let mut validation = Validation::new(key.algorithm());
    validation.set_issuer(&[issuer(gateway)]);
    validation.validate_aud = false;
    validation.validate_exp = check_exp;
    validation.leeway = LEEWAY_SECS;
    validation.set_required_spec_claims(&["iss", "sub"]);
    decode::<Value>(token, &key.decoding, &validation)
        .map(|data| data.claims)
        .map_err(|e| format!("rejected ({e})"))
}

/// A valid access token and what it stands for.
#[derive(Debug, Clone)]
pub struct Authorized {
    /// Its claims.
    pub claims: Value,
    /// Its grant (live).
    pub grant: Grant,
    /// Its user (active; a merged user resolves to the survivor).
    pub user: User,
}

impl Authorized {
    /// The client it was issued to.
    pub fn client_id(&self) -> &str {
        self.claims["client_id"].as_str().unwrap_or_default()
    }
}

/// Validates an access token for use now.
pub async fn validate(gateway: &Gateway, token: &str) -> Result<Authorized, OAuthError> {
    let claims = verify_signed(gateway, token, Some(ACCESS_TOKEN_TYP), true)
        .await
        .map_err(|why| {
            OAuthError::invalid_token(format!("the access token is invalid: {why}; get a new one"))
        })?;
    let grant_id = claims[GRANT_CLAIM].as_str().unwrap_or_default();
    let grant = gateway
        .store
        .get_grant(grant_id)
        .await?
        .filter(|g| g.revoked_at.is_none())
        .ok_or_else(|| OAuthError::invalid_token("the access token was revoked; sign in again"))?;
    if let Some(jti) = claims["jti"].as_str()
        && gateway.store.is_access_token_revoked(jti).await?
    {
        return Err(OAuthError::invalid_token(
            "the access token was revoked; refresh or sign in again",
        ));
    }
    let user = gateway
        .store
        .resolve_user(&grant.user_id)
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(|| {
            OAuthError::invalid_token("the user is disabled; an administrator can re-enable it")
        })?;
    Ok(Authorized {
        claims,
        grant,
        user,
    })
}

/// The bearer token of `Authorization: Bearer …`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Validates the request's `Authorization: Bearer` access token.
pub async fn from_headers(
    gateway: &Gateway,
    headers: &HeaderMap,
) -> Result<Authorized, OAuthError> {
    let token = bearer(headers).ok_or_else(|| {
        OAuthError::invalid_token("send the access token as `Authorization: Bearer <token>`")
    })?;
    validate(gateway, token).await
}
