//! The redirect_uri rules of the login pages: it must arrive URL-encoded, be an http(s) URL whose
//! host is one of the app's trusted domains (an empty list accepts any host), and the browser is
//! sent back to it with `code` and `state` appended to its own query, without the fragment.

/// Why a redirect_uri is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectProblem {
    /// Missing or not an absolute http(s) URL.
    Invalid(String),
    /// Sent without URL-encoding (the raw query shows `://` or `/`).
    NotEncoded,
    /// The host is not a trusted domain of the app.
    Untrusted(String),
}

/// The raw (still encoded) value of `name` in a query string.
pub fn raw_param<'a>(raw_query: &'a str, name: &str) -> Option<&'a str> {
    raw_query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The `host[:port]` of an absolute http(s) URL.
pub fn host_port(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    (!host.is_empty()).then_some(host)
}

/// Checks a decoded `redirect_uri` (and its raw form) against `trusted` domains.
pub fn check(
    decoded: Option<&str>,
    raw: Option<&str>,
    trusted: &[String],
) -> Result<String, RedirectProblem> {
    let Some(uri) = decoded else {
        return Err(RedirectProblem::Invalid("redirect_uri is missing".into()));
    };
    if raw.is_some_and(|raw| raw.contains("://") || raw.contains('/')) {
        return Err(RedirectProblem::NotEncoded);
    }
    let host_port = host_port(uri).ok_or_else(|| {
        RedirectProblem::Invalid(format!("redirect_uri {uri:?} is not an http(s) URL"))
    })?;
    let host = host_port.split(':').next().unwrap_or(host_port);
    let ok = trusted.is_empty()
        || trusted
            .iter()
            .any(|d| d.eq_ignore_ascii_case(host_port) || d.eq_ignore_ascii_case(host));
    if !ok {
        return Err(RedirectProblem::Untrusted(host_port.to_owned()));
    }
    Ok(uri.to_owned())
}

/// Percent-encodes a query value (unreserved characters pass).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `redirect_uri` without its fragment, with `code` (when given) and `state` added to its query.
pub fn target(redirect_uri: &str, code: Option<&str>, state: &str) -> String {
    let base = redirect_uri.split('#').next().unwrap_or(redirect_uri);
    let sep = match base.find('?') {
        None => "?",
        Some(_) if base.ends_with('?') || base.ends_with('&') => "",
        Some(_) => "&",
    };
    match code {
        Some(code) => format!("{base}{sep}code={}&state={}", encode(code), encode(state)),
        None => format!("{base}{sep}state={}", encode(state)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_and_builds_redirects() {
        let trusted = vec!["app.example.com".to_owned()];
        assert_eq!(
            check(
                Some("https://app.example.com/cb?x=1"),
                Some("https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1"),
                &trusted
            ),
            Ok("https://app.example.com/cb?x=1".to_owned())
        );
        assert_eq!(
            check(Some("https://evil.com/cb"), None, &trusted),
            Err(RedirectProblem::Untrusted("evil.com".into()))
        );
        assert_eq!(
            check(Some("https://a/cb"), Some("https://a/cb"), &[]),
            Err(RedirectProblem::NotEncoded)
        );
        assert!(matches!(
            check(Some("ftp://a"), None, &[]),
            Err(RedirectProblem::Invalid(_))
        ));
        assert!(check(Some("http://app.example.com:8080/"), None, &trusted).is_ok());
        assert_eq!(
            target("https://a/cb?x=1#wechat_redirect", Some("C"), "s t"),
            "https://a/cb?x=1&code=C&state=s%20t"
        );
        assert_eq!(target("https://a/cb", None, "s"), "https://a/cb?state=s");
        assert_eq!(
            raw_param("a=1&redirect_uri=x%2F&b", "redirect_uri"),
            Some("x%2F")
        );
    }
}
