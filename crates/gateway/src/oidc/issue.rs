//! Minting the tokens of a grant: a JWT access token (RFC 9068 profile), an ID token when
//! `openid` was granted, and a rotating refresh token. All signed with the client's algorithm
//! by the current key of that algorithm.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Header, encode};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use wxgate_store::{Grant, User};

use crate::oidc::claims::{ClaimTarget, has_scope, user_claims};
use crate::oidc::clients::Client;
use crate::oidc::error::OAuthError;
use crate::oidc::{issuer, now_secs};
use crate::state::Gateway;

/// The `typ` of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// The claim naming the grant an access token belongs to (revoking the grant revokes it).
pub const GRANT_CLAIM: &str = "wxgate_grant";

/// What to issue.
#[derive(Debug, Clone, Copy)]
pub struct IssueRequest<'a> {
    /// The client the tokens are for.
    pub client: &'a Client,
    /// The grant they belong to.
    pub grant: &'a Grant,
    /// The (live, active) user.
    pub user: &'a User,
    /// The authorization request's `nonce`, for the ID token.
    pub nonce: Option<&'a str>,
}

/// A fresh opaque token: 32 random bytes, base64url.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// `at_hash` (OIDC Core §3.1.3.6): base64url of the left half of SHA-256 of the access token
/// (the hash of RS256 and ES256 alike).
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

async fn sign(
    gateway: &Gateway,
    client: &Client,
    typ: &str,
    claims: &Value,
) -> Result<String, OAuthError> {
    let key = gateway
        .oidc
        .keys
        .signing_key(&gateway.store, client.signing_alg)
        .await?;
    let mut header = Header::new(key.algorithm());
    header.typ = Some(typ.to_owned());
    header.kid = Some(key.kid.clone());
    encode(&header, claims, &key.encoding)
        .map_err(|e| OAuthError::server_error(format!("cannot sign a token: {e}")))
}

/// Issues the access token and ID token (when `openid` is granted) of the grant, with
/// `refresh_token` when the caller already stored one (a rotation) or else a new stored one,
/// and returns the token response body (RFC 6749 §5.1).
pub async fn issue(
    gateway: &Gateway,
    req: IssueRequest<'_>,
    refresh_token: Option<String>,
) -> Result<Map<String, Value>, OAuthError> {
    let oidc = &gateway.config.oidc;
    let iss = issuer(gateway);
    let now = now_secs();
    let auth_time = req.grant.auth_time / 1000;
    let access_ttl = i64::try_from(oidc.access_token_ttl_secs).unwrap_or(600);
    let mut access = json!({
        "iss": iss,
        "sub": req.user.id,
        "aud": req.client.client_id,
        "client_id": req.client.client_id,
        "iat": now,
        "exp": now + access_ttl,
        "jti": random_token(),
        "scope": req.grant.scope,
        "auth_time": auth_time,
        GRANT_CLAIM: req.grant.id,
    });
    extend(
        &mut access,
        user_claims(
            gateway,
            req.user,
            &req.grant.scope,
            ClaimTarget::AccessToken,
        )
        .await?,
    );
    let access_token = sign(gateway, req.client, ACCESS_TOKEN_TYP, &access).await?;

    let mut body = Map::new();
    if has_scope(&req.grant.scope, "openid") {
        let id_ttl = i64::try_from(oidc.id_token_ttl_secs).unwrap_or(600);
        let mut id = json!({
            "iss": iss,
            "sub": req.user.id,
            "aud": req.client.client_id,
            "iat": now,
            "exp": now + id_ttl,
            "auth_time": auth_time,
            "at_hash": at_hash(&access_token),
        });
        if let Some(nonce) = req.nonce {
            id["nonce"] = json!(nonce);
        }
        extend(
            &mut id,
            user_claims(gateway, req.user, &req.grant.scope, ClaimTarget::IdToken).await?,
        );
        body.insert(
            "id_token".into(),
            json!(sign(gateway, req.client, "JWT", &id).await?),
        );
    }
    let refresh_token = match refresh_token {
        Some(rotated) => rotated,
        None => {
            let token = random_token();
            gateway
                .store
                .insert_refresh_token(&req.grant.id, &token, refresh_expires_at(gateway))
                .await?;
            token
        }
    };
    body.insert("access_token".into(), json!(access_token));
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("expires_in".into(), json!(access_ttl));
    body.insert("scope".into(), json!(req.grant.scope));
    body.insert("refresh_token".into(), json!(refresh_token));
    Ok(body)
}

/// When a refresh token issued now expires (unix ms).
pub fn refresh_expires_at(gateway: &Gateway) -> i64 {
    let days = gateway.config.oidc.refresh_token_ttl_days;
    now_secs() * 1000 + i64::try_from(days.saturating_mul(86_400_000)).unwrap_or(i64::MAX / 4)
}

fn extend(target: &mut Value, claims: Map<String, Value>) {
    if let Value::Object(map) = target {
        map.extend(claims);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_sha256() {
        // OpenID Connect Core 1.0, Appendix A.4 (RS256 example): access token and its at_hash.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    #[test]
    fn random_tokens_differ() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
    }
}
