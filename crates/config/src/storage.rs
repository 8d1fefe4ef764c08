//! `[storage]`: which database holds tokens, the outbox and synced contacts. The URL may carry a
//! password, so `Debug` masks it.

use std::fmt;

use serde::Deserialize;

/// The `[storage]` section.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// `sqlite://PATH` (default `sqlite://wxgate.db`) or `postgres://…` / `postgresql://…`.
    #[serde(default = "default_url")]
    pub url: String,
}

fn default_url() -> String {
    "sqlite://wxgate.db".to_owned()
}

impl Default for Storage {
    fn default() -> Self {
        Self { url: default_url() }
    }
}

impl Storage {
    /// The URL with any password replaced by `****`, safe to log.
    pub fn redacted_url(&self) -> String {
        redact_password(&self.url)
    }
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("url", &self.redacted_url())
            .finish()
    }
}

/// `scheme://user:pass@host/…` → `scheme://user:****@host/…`; anything else unchanged.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    let Some((user, _password)) = userinfo.split_once(':') else {
        return url.to_owned();
    };
    format!("{scheme}://{user}:****@{host}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_masked() {
        assert_eq!(
            redact_password("postgres://wx:s3cr3t@db:5432/wxgate?sslmode=require"),
            "postgres://wx:****@db:5432/wxgate?sslmode=require"
        );
        assert_eq!(redact_password("sqlite://wxgate.db"), "sqlite://wxgate.db");
        assert_eq!(redact_password("postgres://wx@db/x"), "postgres://wx@db/x");
        let s = Storage {
            url: "postgresql://a:topsecretpw@h/d".into(),
        };
        assert!(!format!("{s:?}").contains("topsecretpw"));
    }
}
