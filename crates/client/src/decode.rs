//! Turning a platform response body into a typed value. WeCom and WeChat answer HTTP 200 with
//! `{"errcode":N,"errmsg":…}` on failure; success carries `errcode: 0` or no errcode at all
//! (suite and MP token APIs). So the errcode is checked first, then the body is decoded.

use serde::de::DeserializeOwned;

use crate::error::{CallContext, ClientError, PlatformError};
use crate::redact::{body_snippet, strip_quoted};

/// How much of an undecodable body goes into [`ClientError::Decode`].
const SNIPPET_CHARS: usize = 200;

/// Decodes `body` as the response of `api`: a non-zero `errcode` becomes
/// [`ClientError::Platform`], anything else is decoded into `T`.
pub fn decode<T: DeserializeOwned>(
    api: &'static str,
    context: CallContext,
    body: &[u8],
) -> Result<T, ClientError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| decode_error(api, &e, body))?;
    if let Some(err) = platform_error(api, context, &value) {
        return Err(ClientError::Platform(err));
    }
    T::deserialize(value).map_err(|e| decode_error(api, &e, body))
}

/// The platform error carried by a decoded body, if its errcode is present and non-zero.
/// An errcode sent as a string (`"40001"`) is accepted too.
fn platform_error(
    api: &'static str,
    context: CallContext,
    value: &serde_json::Value,
) -> Option<PlatformError> {
    let code = value.get("errcode")?;
    let errcode = code
        .as_i64()
        .or_else(|| code.as_str().and_then(|s| s.trim().parse().ok()))?;
    if errcode == 0 {
        return None;
    }
    let errmsg = value
        .get("errmsg")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(PlatformError {
        errcode,
        errmsg,
        api,
        context,
    })
}

fn decode_error(api: &'static str, err: &serde_json::Error, body: &[u8]) -> ClientError {
    ClientError::Decode {
        api,
        reason: strip_quoted(&err.to_string()),
        body_snippet: body_snippet(body, SNIPPET_CHARS),
    }
}

/// The empty success body (`{"errcode":0,"errmsg":"ok"}`) of APIs that return nothing else.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Ack {
    /// The errmsg (usually `"ok"`).
    #[serde(default)]
    pub errmsg: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Tok {
        access_token: String,
    }

    #[test]
    fn zero_or_missing_errcode_is_success() {
        let t: Tok = decode("t", CallContext::TokenFetch, br#"{"access_token":"a"}"#).unwrap();
        assert_eq!(t.access_token, "a");
        let t: Tok = decode(
            "t",
            CallContext::TokenFetch,
            br#"{"errcode":0,"access_token":"b"}"#,
        )
        .unwrap();
        assert_eq!(t.access_token, "b");
    }

    #[test]
    fn nonzero_errcode_wins_over_shape() {
        let e = decode::<Tok>(
            "t",
            CallContext::TokenFetch,
            br#"{"errcode":40091,"errmsg":"secret is invalid"}"#,
        )
        .unwrap_err();
        let p = e.platform().unwrap();
        assert_eq!(
            (p.errcode, p.errmsg.as_str(), p.api),
            (40091, "secret is invalid", "t")
        );
        let e = decode::<Tok>(
            "t",
            CallContext::TokenFetch,
            br#"{"errcode":"-1","errmsg":"busy"}"#,
        )
        .unwrap_err();
        assert_eq!(e.platform().unwrap().errcode, -1);
    }

    #[test]
    fn garbage_and_wrong_shapes_are_decode_errors_without_secrets() {
        let e = decode::<Tok>("t", CallContext::TokenFetch, b"<html>502</html>").unwrap_err();
        assert!(matches!(e, ClientError::Decode { .. }));
        let e = decode::<Tok>(
            "t",
            CallContext::TokenFetch,
            br#"{"access_token":12345678}"#,
        )
        .unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("12345678"), "{shown}");
    }
}
