//! Why a browser login failed, said to a person: every failure has an HTTP status, a stable
//! machine code, what happened, what to do, and — when it makes sense — a link to start over.
//! Browsers get an HTML page; clients sending `Accept: application/json` get
//! `{"error":{"code","message","hint",…}}` (the shape of wxgate's other APIs, plus `hint`).

use axum::Json;
use axum::http::header::{CACHE_CONTROL, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};
use wxgate_client::{ClientError, ErrorKind};

use crate::accounts::SignInError;
use crate::login::page::{escape, render, wants_json};

/// A failed login, ready to be shown (boxed: it travels in every `Result` of the flows).
#[derive(Debug, Clone)]
pub struct LoginError(Box<Details>);

#[derive(Debug, Clone)]
struct Details {
    status: StatusCode,
    code: &'static str,
    message: String,
    hint: String,
    upstream: Option<(i64, String)>,
    retry_after_secs: Option<u64>,
    start_over: Option<String>,
}

impl LoginError {
    /// A failure with `status`, machine `code`, what happened and what to do.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> LoginError {
        LoginError(Box::new(Details {
            status,
            code,
            message: message.into(),
            hint: hint.into(),
            upstream: None,
            retry_after_secs: None,
            start_over: None,
        }))
    }

    /// Adds a "start again" link (a `/login?…` URL on this gateway).
    pub fn start_over(mut self, url: impl Into<String>) -> LoginError {
        self.0.start_over = Some(url.into());
        self
    }

    /// Adds `Retry-After` (429 answers).
    pub fn retry_after(mut self, secs: u64) -> LoginError {
        self.0.retry_after_secs = Some(secs);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The machine code (`invalid_state`, `not_visible`, …).
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// What happened.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// 400: the request itself is wrong (a bad parameter).
    pub fn bad_request(
        code: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> LoginError {
        LoginError::new(StatusCode::BAD_REQUEST, code, message, hint)
    }

    /// 403: the platform proved who the person is, and that person may not log in here.
    pub fn refused(
        code: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> LoginError {
        LoginError::new(StatusCode::FORBIDDEN, code, message, hint)
    }

    /// What a platform API error means for a login in progress (`what` names the step).
    pub fn upstream(what: &str, e: &ClientError) -> LoginError {
        let upstream = e.platform().map(|p| (p.errcode, p.errmsg.clone()));
        let mut error = match e.kind() {
            Some(ErrorKind::InvalidCode | ErrorKind::CodeUsed) => LoginError::bad_request(
                "invalid_code",
                format!(
                    "The platform refused the login code ({what}): it was already used or has expired. Login codes work once, within minutes."
                ),
                "Start the login again; do not reload or share the page the platform sent you back to.",
            ),
            Some(ErrorKind::NoPermission) => LoginError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_refused",
                format!("The platform refused {what}: {e}"),
                "An administrator must grant the app this permission (or visibility) in the platform's admin console.",
            ),
            Some(_) => LoginError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_error",
                format!("The platform answered an error during {what}: {e}"),
                "Try again in a moment; if it persists, an administrator should check the app's configuration.",
            ),
            None => match e {
                ClientError::Timeout { .. } => LoginError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "upstream_timeout",
                    format!("The platform did not answer in time during {what}."),
                    "Try again in a moment.",
                ),
                _ => LoginError::new(
                    StatusCode::BAD_GATEWAY,
                    "upstream_unavailable",
                    format!("The platform could not be reached during {what}: {e}"),
                    "Try again in a moment; if it persists, an administrator should check the gateway's network and credentials.",
                ),
            },
        };
        error.0.upstream = upstream;
        error
    }

    /// 503: storage failed.
    pub fn storage(e: &wxgate_store::StoreError) -> LoginError {
        tracing::error!(error = %e, "login: storage error");
        LoginError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage",
            "The gateway could not reach its database.",
            "Try again in a moment.",
        )
    }

    /// Renders as HTML, or JSON when `headers` prefer it.
    pub fn render(self, headers: &HeaderMap) -> Response {
        if wants_json(headers) {
            self.into_json()
        } else {
            self.into_html()
        }
    }

    fn into_json(self) -> Response {
        let d = &self.0;
        let mut error = Map::new();
        error.insert("code".into(), d.code.into());
        error.insert("message".into(), d.message.clone().into());
        error.insert("hint".into(), d.hint.clone().into());
        if let Some((errcode, errmsg)) = &d.upstream {
            error.insert("errcode".into(), (*errcode).into());
            error.insert("errmsg".into(), errmsg.clone().into());
        }
        if let Some(url) = &d.start_over {
            error.insert("start_over".into(), url.clone().into());
        }
        let body = Json(json!({ "error": Value::Object(error) }));
        self.with_headers((d.status, body).into_response())
    }

    fn into_html(self) -> Response {
        let d = &self.0;
        let mut body = format!(
            "<p id=\"message\">{}</p><p id=\"hint\"><b>What to do:</b> {}</p>",
            escape(&d.message),
            escape(&d.hint)
        );
        if let Some((errcode, errmsg)) = &d.upstream {
            body.push_str(&format!(
                "<p class=\"code\">Platform error {errcode}: {}</p>",
                escape(errmsg)
            ));
        }
        if let Some(url) = &d.start_over {
            body.push_str(&format!(
                "<p><a id=\"start-over\" href=\"{}\">Start the login again</a></p>",
                escape(url)
            ));
        }
        body.push_str(&format!(
            "<p class=\"code\">Error code: <code id=\"code\">{}</code> (HTTP {})</p>",
            d.code,
            d.status.as_u16()
        ));
        let page = render(title(d.status), &body);
        self.with_headers((d.status, Html(page)).into_response())
    }

    fn with_headers(&self, mut response: Response) -> Response {
        let d = &self.0;
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(secs) = d.retry_after_secs {
            headers.insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        403 => "Login refused",
        429 => "Too many login attempts",
        400..=499 => "Login failed",
        _ => "Login unavailable",
    }
}

impl From<SignInError> for LoginError {
    fn from(e: SignInError) -> LoginError {
        match e {
            SignInError::Disabled { user_id } => LoginError::refused(
                "user_disabled",
                format!("Your account ({user_id}) is disabled in this gateway."),
                "Ask an administrator to re-enable it.",
            ),
            SignInError::NoIdentity => LoginError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "no_identity",
                "The platform's answer named nobody.",
                "Try again; if it persists, report it to the administrator.",
            ),
            SignInError::Store(e) => LoginError::storage(&e),
        }
    }
}

impl From<wxgate_store::StoreError> for LoginError {
    fn from(e: wxgate_store::StoreError) -> LoginError {
        LoginError::storage(&e)
    }
}

impl From<crate::error::ApiError> for LoginError {
    fn from(e: crate::error::ApiError) -> LoginError {
        LoginError::new(
            e.status(),
            e.code(),
            e.to_string(),
            "Try again in a moment.",
        )
    }
}

#[cfg(test)]
mod tests {
    use axum::http::header::{ACCEPT, CONTENT_TYPE};

    use super::*;

    async fn body(response: Response) -> (StatusCode, HeaderMap, String) {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn renders_html_or_json_with_what_to_do() {
        let e = LoginError::refused("not_visible", "You <b>cannot</b>.", "Ask an admin.")
            .start_over("/login?return_to=%2F");
        let (status, headers, html) = body(e.clone().render(&HeaderMap::new())).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(
            headers[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(headers[CACHE_CONTROL], "no-store");
        assert!(html.contains("You &lt;b&gt;cannot&lt;/b&gt;."));
        assert!(html.contains("Ask an admin."));
        assert!(html.contains("<code id=\"code\">not_visible</code>"));
        assert!(html.contains("href=\"/login?return_to=%2F\""));
        let mut accept = HeaderMap::new();
        accept.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let (status, _, json) = body(e.render(&accept)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["error"]["code"], "not_visible");
        assert_eq!(v["error"]["hint"], "Ask an admin.");
        assert_eq!(v["error"]["start_over"], "/login?return_to=%2F");
        let limited =
            LoginError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "x", "y").retry_after(7);
        let (_, headers, _) = body(limited.render(&HeaderMap::new())).await;
        assert_eq!(headers[RETRY_AFTER], "7");
    }
}
