//! Binding a login's `state` to the browser that started it.
//!
//! The browser carries a random nonce in the `wxgate_login` cookie (HttpOnly, SameSite=Lax so it
//! comes back on the platform's top-level redirect, `Path=/login`, Secure on https, 10 minutes by
//! default). Each `/login` stores a fresh `state` with the nonce's keyed fingerprint
//! ([`wxgate_store::Store::start_login`]); the callback must present both, once, in time
//! ([`wxgate_store::Store::take_login`]). One nonce serves every login the browser runs in
//! parallel (several tabs), so starting a login never breaks another one in progress.

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};

use crate::state::Gateway;

/// The cookie's name.
pub const LOGIN_COOKIE: &str = "wxgate_login";

/// The browser's login nonce, if it sent one.
pub fn browser_nonce(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == LOGIN_COOKIE && is_nonce(c.value()))
        .map(|c| c.value().to_owned())
}

/// A nonce is 64 hex characters; anything else is ignored (and replaced).
fn is_nonce(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A fresh nonce.
pub fn new_nonce() -> String {
    format!(
        "{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    )
}

/// The `Set-Cookie` value carrying `nonce` for the login's lifetime.
pub fn login_cookie(gateway: &Gateway, nonce: &str) -> HeaderValue {
    let secure = gateway.config.server.base_url().starts_with("https://");
    let max_age = i64::try_from(gateway.config.login.timeout_secs).unwrap_or(600);
    let cookie = Cookie::build((LOGIN_COOKIE, nonce.to_owned()))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_nonces_are_read() {
        let nonce = new_nonce();
        assert!(is_nonce(&nonce));
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("a=1; {LOGIN_COOKIE}={nonce}")).unwrap(),
        );
        assert_eq!(browser_nonce(&headers), Some(nonce));
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("{LOGIN_COOKIE}=short")).unwrap(),
        );
        assert_eq!(browser_nonce(&headers), None);
    }
}
