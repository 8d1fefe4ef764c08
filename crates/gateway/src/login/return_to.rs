//! Where a finished login (or a logout) may send the browser: no open redirects.
//!
//! Accepted: a path on this gateway (`/oauth2/authorize?…`: percent-encoded ASCII starting with
//! one `/`, not `//`, no backslash, no control characters — browsers read `//host` and `/\host`
//! as another host), or an absolute `http(s)` URL without credentials whose origin (scheme, host,
//! port) is `[server] public_url`'s or one of `[login] return_to_origins`. Everything else is
//! refused.

use url::Url;

/// The longest `return_to` accepted.
pub const MAX_RETURN_TO: usize = 2048;

/// Why a `return_to` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnToError {
    /// Longer than [`MAX_RETURN_TO`].
    #[error("return_to is longer than {MAX_RETURN_TO} characters")]
    TooLong,
    /// Not a path nor an absolute http(s) URL, or a path browsers would read as another host.
    #[error(
        "return_to {0:?} is neither a path on this gateway (starting with a single `/`) nor an absolute http(s) URL"
    )]
    Malformed(String),
    /// An absolute URL on an origin that is not allowed.
    #[error(
        "return_to points at {0}, which is not this gateway's origin nor in [login] return_to_origins"
    )]
    ForeignOrigin(String),
}

/// The allowed places, built once from the configuration.
#[derive(Debug, Clone)]
pub struct ReturnToPolicy {
    origins: Vec<String>,
}

/// `scheme://host[:port]` of a URL (default ports omitted), lower-cased by the parser.
fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

impl ReturnToPolicy {
    /// The policy for `public_url` plus `extra` origins (unparseable entries are ignored; the
    /// configuration validates them).
    pub fn new(public_url: &str, extra: &[String]) -> ReturnToPolicy {
        let origins = std::iter::once(public_url)
            .chain(extra.iter().map(String::as_str))
            .filter_map(|u| Url::parse(u).ok())
            .map(|u| origin_of(&u))
            .collect();
        ReturnToPolicy { origins }
    }

    /// Checks `raw`; returns the value to redirect to.
    pub fn check(&self, raw: &str) -> Result<String, ReturnToError> {
        if raw.len() > MAX_RETURN_TO {
            return Err(ReturnToError::TooLong);
        }
        if raw.chars().any(|c| c.is_control() || c.is_whitespace()) || raw.contains('\\') {
            return Err(ReturnToError::Malformed(raw.to_owned()));
        }
        if raw.starts_with('/') {
            // A path must already be percent-encoded (it goes into a Location header as is).
            if raw.starts_with("//") || !raw.is_ascii() {
                return Err(ReturnToError::Malformed(raw.to_owned()));
            }
            return Ok(raw.to_owned());
        }
        let url = Url::parse(raw).map_err(|_| ReturnToError::Malformed(raw.to_owned()))?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host().is_none()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(ReturnToError::Malformed(raw.to_owned()));
        }
        let origin = origin_of(&url);
        if self.origins.contains(&origin) {
            Ok(url.to_string())
        } else {
            Err(ReturnToError::ForeignOrigin(origin))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ReturnToPolicy {
        ReturnToPolicy::new(
            "https://wx.example.com",
            &["https://app.example.com".to_owned(), "not a url".to_owned()],
        )
    }

    #[test]
    fn paths_on_this_gateway_pass() {
        let p = policy();
        assert_eq!(p.check("/me").unwrap(), "/me");
        assert_eq!(
            p.check("/oauth2/authorize?client_id=a&redirect_uri=https%3A%2F%2Fx")
                .unwrap(),
            "/oauth2/authorize?client_id=a&redirect_uri=https%3A%2F%2Fx"
        );
        assert_eq!(p.check("/").unwrap(), "/");
    }

    #[test]
    fn host_confusions_are_refused() {
        let p = policy();
        for bad in [
            "//evil.com/x",
            "/\\evil.com",
            "\\\\evil.com",
            "/ok\r\nSet-Cookie: a=b",
            "/a b",
            "/路径",
            "javascript:alert(1)",
            "evil.com/x",
            "data:text/html,hi",
            "https://user:pw@wx.example.com/",
            "ftp://wx.example.com/",
            "",
        ] {
            assert!(p.check(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(p.check(&format!("/{}", "a".repeat(MAX_RETURN_TO))).is_err());
    }

    #[test]
    fn absolute_urls_need_an_allowed_origin() {
        let p = policy();
        assert_eq!(
            p.check("https://wx.example.com/me").unwrap(),
            "https://wx.example.com/me"
        );
        assert_eq!(
            p.check("https://APP.example.com:443/x?y=1#z").unwrap(),
            "https://app.example.com/x?y=1#z"
        );
        assert_eq!(
            p.check("https://evil.com/").unwrap_err(),
            ReturnToError::ForeignOrigin("https://evil.com".into())
        );
        assert!(matches!(
            p.check("http://app.example.com/").unwrap_err(),
            ReturnToError::ForeignOrigin(_)
        ));
        assert!(matches!(
            p.check("https://app.example.com:8443/").unwrap_err(),
            ReturnToError::ForeignOrigin(_)
        ));
        assert!(matches!(
            p.check("https://app.example.com.evil.com/").unwrap_err(),
            ReturnToError::ForeignOrigin(_)
        ));
    }
}
