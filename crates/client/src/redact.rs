//! Keeping credentials out of logs, errors and `Debug` output: a [`Secret`] string wrapper and
//! the maskers applied to anything (a URL, a response body) that is about to be shown.

use serde::Deserialize;

/// A credential received from the platform (access token, ticket, session key, permanent code,
/// refresh token). `Debug` and `Display` print `***`; call [`Secret::expose`] to use it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Consumes the wrapper and returns the credential.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

/// Query parameters and JSON keys whose values are credentials.
const SECRET_QUERY_KEYS: &[&str] = &[
    "access_token",
    "suite_access_token",
    "provider_access_token",
    "secret",
    "corpsecret",
    "key",
    "js_code",
    "code",
    "refresh_token",
];

/// True when a JSON key's value must be masked before it is shown.
fn is_secret_json_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("token")
        || k.contains("secret")
        || k.contains("ticket")
        || k.contains("session_key")
        || k.ends_with("_code")
        || k == "code"
}

/// Masks the values of credential query parameters (`access_token=`, `secret=`, `corpsecret=`,
/// `key=`, …) in a URL or any text containing one.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, q),
        None => return url.to_owned(),
    };
    let masked: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_QUERY_KEYS.contains(&k) => format!("{k}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}?{}", masked.join("&"))
}

/// The first bytes of a response body, safe to put into an error: JSON credential fields are
/// masked, and the text is cut at `max` characters.
pub fn body_snippet(body: &[u8], max: usize) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            mask_json(&mut value);
            value.to_string()
        }
        Err(_) => redact_url(&String::from_utf8_lossy(body)),
    };
    let mut out: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

fn mask_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_json_key(k) && !v.is_object() && !v.is_array() {
                    *v = serde_json::Value::String("***".into());
                } else {
                    mask_json(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_json),
        _ => {}
    }
}

/// A decode error message with the offending values removed (serde quotes them, and they may
/// be credentials): `invalid type: string "abc", expected u32` → `invalid type: string "…",
/// expected u32`; `` invalid type: integer `123` `` → `` integer `…` ``. Backticked field names
/// (`` missing field `ticket` ``) are kept.
pub fn strip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(pos) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[pos] as char;
        out.push_str(&rest[..=pos]);
        let after = &rest[pos + 1..];
        let Some(end) = after.find(quote) else {
            out.push('…');
            return out;
        };
        let inner = &after[..end];
        let is_name = quote == '`'
            && inner.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        out.push_str(if is_name { inner } else { "…" });
        out.push(quote);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_credentials_are_masked_and_other_params_kept() {
        let url = "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=S3CR3T";
        assert_eq!(
            redact_url(url),
            "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=***"
        );
        let url = "http://x/cgi-bin/user/get?access_token=TOK&userid=u";
        assert_eq!(
            redact_url(url),
            "http://x/cgi-bin/user/get?access_token=***&userid=u"
        );
        assert_eq!(redact_url("http://x/a"), "http://x/a");
    }

    #[test]
    fn snippets_mask_json_credentials_and_truncate() {
        let body = br#"{"access_token":"TOKEN123","expires_in":"x","nested":{"session_key":"SK"}}"#;
        let s = body_snippet(body, 200);
        assert!(!s.contains("TOKEN123") && !s.contains("SK\""), "{s}");
        assert!(s.contains("expires_in"));
        let long = vec![b'a'; 500];
        assert_eq!(body_snippet(&long, 10).chars().count(), 11);
    }

    #[test]
    fn quoted_values_are_removed_from_messages() {
        assert_eq!(
            strip_quoted(r#"invalid type: string "TOKEN", expected u32"#),
            r#"invalid type: string "…", expected u32"#
        );
        assert_eq!(
            strip_quoted("invalid type: integer `123`, expected a string"),
            "invalid type: integer `…`, expected a string"
        );
        assert_eq!(
            strip_quoted("missing field `ticket`"),
            "missing field `ticket`"
        );
        assert_eq!(strip_quoted("open \"tail"), "open \"…");
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(s.expose(), "hunter2");
    }
}
