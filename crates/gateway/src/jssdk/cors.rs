//! CORS for the two signature endpoints, per app: a page on a trusted domain fetches its
//! signature from the gateway, which is another origin, so the browser asks first (preflight) and
//! then needs `Access-Control-Allow-Origin` on the answer. The allowed origins are the app's
//! `cors_origins`, or `https://{domain}` for each of its trusted domains when none are
//! configured. A request from any other origin is refused outright (403), not merely left
//! unreadable, so other sites cannot use the gateway as a signing oracle from their visitors'
//! browsers. Requests without an `Origin` (server-side callers) pass.

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_MAX_AGE, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::registry::AppEntry;

/// The origins allowed to call `app`'s signature endpoints.
pub fn allowed_origins(app: &AppEntry) -> Vec<String> {
    if app.cors_origins.is_empty() {
        app.trusted_domains
            .iter()
            .map(|d| format!("https://{}", d.to_ascii_lowercase()))
            .collect()
    } else {
        app.cors_origins
            .iter()
            .map(|o| o.to_ascii_lowercase())
            .collect()
    }
}

/// The request's `Origin`, when it is one `app` allows: `Ok(None)` without an `Origin`, 403 for
/// an origin it does not allow.
pub fn check(app: &AppEntry, headers: &HeaderMap) -> Result<Option<HeaderValue>, ApiError> {
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(None);
    };
    let text = origin.to_str().unwrap_or_default().to_ascii_lowercase();
    if allowed_origins(app).contains(&text) {
        Ok(Some(origin.clone()))
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!(
                "origin `{text}` may not fetch JS-SDK signatures of app `{}`; add it to the app's `cors_origins` (or serve the page from a trusted domain over https)",
                app.name
            ),
        ))
    }
}

/// Adds the headers that let the allowed `origin` read `response`.
pub fn allow(mut response: Response, origin: Option<HeaderValue>) -> Response {
    let headers = response.headers_mut();
    headers.insert(VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

/// The answer to a preflight (`OPTIONS`) from an allowed origin.
pub fn preflight(origin: HeaderValue) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    allow(response, Some(origin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::AppKind;

    fn app(trusted: &[&str], cors: &[&str]) -> AppEntry {
        AppEntry {
            trusted_domains: trusted.iter().map(|s| (*s).to_owned()).collect(),
            cors_origins: cors.iter().map(|s| (*s).to_owned()).collect(),
            ..AppEntry::bare(
                "oa",
                AppKind::OfficialAccount {
                    app_id: "wx1".into(),
                },
            )
        }
    }

    fn origin(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ORIGIN, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn trusted_domains_over_https_by_default() {
        let a = app(&["App.example.com"], &[]);
        assert_eq!(allowed_origins(&a), ["https://app.example.com"]);
        assert!(
            check(&a, &origin("https://app.example.com"))
                .unwrap()
                .is_some()
        );
        assert!(check(&a, &origin("http://app.example.com")).is_err());
        assert!(check(&a, &HeaderMap::new()).unwrap().is_none());
    }

    #[test]
    fn configured_origins_replace_the_default() {
        let a = app(&["app.example.com"], &["http://localhost:3000"]);
        assert!(
            check(&a, &origin("http://localhost:3000"))
                .unwrap()
                .is_some()
        );
        let refused = check(&a, &origin("https://app.example.com")).unwrap_err();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert_eq!(refused.code(), "origin_not_allowed");
    }
}
