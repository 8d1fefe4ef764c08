//! How a failed send is answered: the caller's mistakes are 4xx (including what the platform
//! refused: 81013 when nobody can receive the message, a wrong msgtype, an expired media_id, an
//! invalid openid…), the platform's or the network's trouble is 5xx, rate limits are 429. The
//! platform's `errcode`/`errmsg` are kept.

use axum::http::StatusCode;
use wxgate_client::{ClientError, ErrorKind};

use crate::error::ApiError;

/// The API error for a failed upstream call of a send.
pub fn upstream(e: ClientError) -> ApiError {
    let Some(p) = e.platform() else {
        return ApiError::from(e);
    };
    let (status, code, hint) = match p.kind() {
        ErrorKind::AllRecipientsInvalid => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "all_recipients_invalid",
            "none of the recipients exists or is in the app's visible range",
        ),
        ErrorKind::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "the platform's rate limit was reached; retry later",
        ),
        ErrorKind::Other | ErrorKind::NotFound | ErrorKind::NoPermission => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "rejected_by_platform",
            "the platform refused the message as sent; fix the request",
        ),
        _ => return ApiError::from(e),
    };
    ApiError::upstream(
        status,
        code,
        format!("{hint}: {e}"),
        p.errcode,
        p.errmsg.clone(),
    )
}

/// 404: no app of that name.
pub fn unknown_app(name: &str) -> ApiError {
    ApiError::unknown_app(name)
}

/// 400: the app's kind sends no messages through this endpoint.
pub fn wrong_kind(name: &str, kind: &str) -> ApiError {
    ApiError::bad_request(format!(
        "app `{name}` is a {kind} app, which sends no messages; use a WeCom app, a suite, an official account (template messages) or a mini program (subscribe messages)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wxgate_client::{CallContext, PlatformError};

    fn platform(errcode: i64) -> ClientError {
        ClientError::Platform(PlatformError {
            errcode,
            errmsg: "x".into(),
            api: "message/send",
            context: CallContext::TokenBearing,
        })
    }

    #[test]
    fn callers_mistakes_are_4xx_and_keep_the_errcode() {
        for (errcode, status, code) in [
            (81013, 422, "all_recipients_invalid"),
            (40007, 422, "rejected_by_platform"),
            (40008, 422, "rejected_by_platform"),
            (45009, 429, "rate_limited"),
            (-1, 502, "upstream_error"),
            (42001, 502, "upstream_error"),
        ] {
            let e = upstream(platform(errcode));
            assert_eq!((e.status().as_u16(), e.code()), (status, code), "{errcode}");
            assert_eq!(e.to_json()["errcode"], errcode);
        }
    }
}
