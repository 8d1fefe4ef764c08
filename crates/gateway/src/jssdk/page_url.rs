//! The page URL a JS-SDK signature is made for: an absolute `http(s)` URL, signed without its
//! `#…` fragment (the platforms sign `location.href.split('#')[0]`, NOTES §1.1), and only when
//! its host is one of the app's trusted domains (可信域名 / JS接口安全域名) — a signature for any
//! other page would be refused by the platform anyway, and signing it would hand out a working
//! signature to a site that is not ours.

/// A page URL accepted for signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUrl {
    signed: String,
}

/// Why a page URL cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageUrlError {
    /// Not an absolute http(s) URL with a host.
    #[error(
        "`url` must be the page's absolute http(s) URL (location.href), e.g. `https://app.example.com/page?x=1`"
    )]
    NotAbsolute,
    /// The app has no trusted domains configured.
    #[error(
        "app `{app}` has no trusted_domains; add the host of your pages to its `trusted_domains` (the JSSDK 可信域名 configured on the platform)"
    )]
    NoTrustedDomains {
        /// The app.
        app: String,
    },
    /// The host is not a trusted domain of the app.
    #[error(
        "`{host}` is not a trusted domain of app `{app}`; pages may only be signed on: {allowed}"
    )]
    Untrusted {
        /// The app.
        app: String,
        /// The page's host.
        host: String,
        /// The trusted domains, comma-separated.
        allowed: String,
    },
}

impl PageUrl {
    /// Checks `url` against `trusted_domains` of `app`. A domain matches the URL's host, or its
    /// `host:port` when the domain names a port; case does not matter.
    pub fn parse(
        url: &str,
        app: &str,
        trusted_domains: &[String],
    ) -> Result<PageUrl, PageUrlError> {
        let signed = url.split_once('#').map_or(url, |(before, _)| before);
        if signed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(PageUrlError::NotAbsolute);
        }
        let rest = signed
            .strip_prefix("https://")
            .or_else(|| signed.strip_prefix("http://"))
            .ok_or(PageUrlError::NotAbsolute)?;
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        if authority.contains('@') {
            // user:password@host is a classic way to make a URL look like another host.
            return Err(PageUrlError::NotAbsolute);
        }
        let host_port = authority.to_ascii_lowercase();
        let host = match host_port.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h.to_owned(),
            _ => host_port.clone(),
        };
        if host.is_empty() {
            return Err(PageUrlError::NotAbsolute);
        }
        if trusted_domains.is_empty() {
            return Err(PageUrlError::NoTrustedDomains {
                app: app.to_owned(),
            });
        }
        let trusted = trusted_domains.iter().any(|d| {
            let d = d.to_ascii_lowercase();
            d == host || d == host_port
        });
        if !trusted {
            return Err(PageUrlError::Untrusted {
                app: app.to_owned(),
                host,
                allowed: trusted_domains.join(", "),
            });
        }
        Ok(PageUrl {
            signed: signed.to_owned(),
        })
    }

    /// The URL that is signed (without the fragment).
    pub fn as_str(&self) -> &str {
        &self.signed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains() -> Vec<String> {
        vec!["app.example.com".into(), "dev.example.com:8443".into()]
    }

    #[test]
    fn strips_the_fragment_and_accepts_trusted_hosts() {
        let url =
            PageUrl::parse("https://App.Example.com/p?a=1#/route?b=2", "oa", &domains()).unwrap();
        assert_eq!(url.as_str(), "https://App.Example.com/p?a=1");
        assert!(PageUrl::parse("http://app.example.com:8080/x", "oa", &domains()).is_ok());
        assert!(PageUrl::parse("https://dev.example.com:8443/", "oa", &domains()).is_ok());
        assert!(PageUrl::parse("https://app.example.com", "oa", &domains()).is_ok());
    }

    #[test]
    fn refuses_other_hosts_and_malformed_urls() {
        for url in [
            "https://evil.example.com/",
            "https://app.example.com.evil.com/",
            "https://sub.app.example.com/",
        ] {
            assert!(
                matches!(
                    PageUrl::parse(url, "oa", &domains()),
                    Err(PageUrlError::Untrusted { .. })
                ),
                "{url}"
            );
        }
        for url in [
            "app.example.com/x",
            "ftp://app.example.com/",
            "https:///x",
            "https://app.example.com@evil.com/",
            "https://app.example.com/ x",
        ] {
            assert_eq!(
                PageUrl::parse(url, "oa", &domains()),
                Err(PageUrlError::NotAbsolute),
                "{url}"
            );
        }
        assert!(matches!(
            PageUrl::parse("https://app.example.com/", "oa", &[]),
            Err(PageUrlError::NoTrustedDomains { .. })
        ));
    }
}
