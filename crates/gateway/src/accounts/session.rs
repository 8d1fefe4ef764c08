//! The browser session: a `wxgate_session` cookie (HttpOnly, SameSite=Lax, Secure when
//! `public_url` is https) holding a random token whose fingerprint is the session's row.
//!
//! Login flows call [`start_session`] when a sign-in succeeds; the OIDC authorize endpoint and
//! the logout endpoints read it with the [`CurrentSession`] extractor.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{COOKIE, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};
use wxgate_store::{NewSession, Session, User, UserStatus};

use crate::error::ApiError;
use crate::state::Gateway;

/// The cookie's name.
pub const SESSION_COOKIE: &str = "wxgate_session";

/// A signed-in browser: its live session and active user.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The session row.
    pub session: Session,
    /// The user (active; a merged user resolves to its survivor).
    pub user: User,
    /// The cookie's token (to revoke it).
    pub token: String,
}

/// The request's session, if it carries a live one for an active user. Never rejects for a
/// missing or stale cookie (that is `None`); only storage failures reject.
#[derive(Debug, Clone)]
pub struct CurrentSession(pub Option<SessionUser>);

impl FromRequestParts<Gateway> for CurrentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, gateway: &Gateway) -> Result<Self, ApiError> {
        let Some(token) = session_token(&parts.headers) else {
            return Ok(CurrentSession(None));
        };
        let Some(session) = gateway.store.session_by_token(&token).await? else {
            return Ok(CurrentSession(None));
        };
        let user = gateway.store.resolve_user(&session.user_id).await?;
        Ok(CurrentSession(
            user.filter(|u| u.status == UserStatus::Active)
                .map(|user| SessionUser {
                    session,
                    user,
                    token,
                }),
        ))
    }
}

/// The session token in the request's cookies, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

/// Where a request came from, for the session's audit columns.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The peer address.
    pub ip: Option<String>,
    /// The User-Agent.
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// Reads the peer address (when the server records it) and User-Agent.
    pub fn from_parts(parts: &Parts) -> ClientInfo {
        ClientInfo {
            ip: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
            user_agent: parts
                .headers
                .get(USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientInfo::from_parts(parts))
    }
}

/// Opens a session for `user_id` and returns it with the `Set-Cookie` value to send.
pub async fn start_session(
    gateway: &Gateway,
    user_id: &str,
    method: &str,
    client: &ClientInfo,
) -> Result<(Session, HeaderValue), ApiError> {
    let ttl_secs = gateway
        .config
        .accounts
        .session_ttl_hours
        .saturating_mul(3600);
    let (token, session) = gateway
        .store
        .create_session(&NewSession {
            user_id: user_id.to_owned(),
            method: method.to_owned(),
            ttl_ms: i64::try_from(ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
            client_ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
        })
        .await?;
    let cookie = session_cookie(gateway, token, ttl_secs);
    Ok((session, cookie))
}

/// Revokes the request's session (if any) and returns the `Set-Cookie` value that clears it.
pub async fn end_session(gateway: &Gateway, headers: &HeaderMap) -> Result<HeaderValue, ApiError> {
    if let Some(token) = session_token(headers) {
        gateway.store.revoke_session(&token).await?;
    }
    Ok(session_cookie(gateway, String::new(), 0))
}

fn session_cookie(gateway: &Gateway, token: String, max_age_secs: u64) -> HeaderValue {
    let secure = gateway.config.server.base_url().starts_with("https://");
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(
            i64::try_from(max_age_secs).unwrap_or(i64::MAX),
        ))
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; wxgate_session=abc; b=2"),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("abc"));
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1"));
        headers.append(COOKIE, HeaderValue::from_static("wxgate_session=xyz"));
        assert_eq!(session_token(&headers).as_deref(), Some("xyz"));
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("wxgate_session="));
        assert_eq!(session_token(&headers), None);
    }
}
