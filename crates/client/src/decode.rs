//! Turning a platform response body into a typed value. WeCom and WeChat answer HTTP 200 with
//! `{"errcode":N,"errmsg":…}` on failure; success carries `errcode: 0` or no errcode at all
//! (suite and MP token APIs). So the errcode is checked first, then the body is decoded.
//!
//! The errcode is read with every other field skipped unread, and the body then goes straight
//! into its type: a large answer (a `user/list` page of a 100 000-member sync) is never a
//! [`serde_json::Value`] tree first.

use serde::Deserialize;
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
    if let Some(err) = platform_error(api, context, body) {
        return Err(ClientError::Platform(err));
    }
    serde_json::from_slice(body).map_err(|e| decode_error(api, &e, body))
}

/// The `errcode` and `errmsg` of an answer; every other field is skipped.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    errcode: Option<serde_json::Value>,
    #[serde(default)]
    errmsg: Option<serde_json::Value>,
}

/// The platform error carried by a body, if it is an object whose errcode is present and
/// non-zero. An errcode sent as a string (`"40001"`) is accepted too.
fn platform_error(api: &'static str, context: CallContext, body: &[u8]) -> Option<PlatformError> {
    // Only an object carries an errcode (a derived struct would also read an array).
    if body.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    let envelope: Envelope = serde_json::from_slice(body).ok()?;
    let code = envelope.errcode?;
    let errcode = code
        .as_i64()
        .or_else(|| code.as_str().and_then(|s| s.trim().parse().ok()))?;
    if errcode == 0 {
        return None;
    }
    let errmsg = envelope
        .errmsg
        .as_ref()
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

    #[test]
    fn only_the_top_level_errcode_counts_wherever_it_is() {
        let e = decode::<Tok>(
            "t",
            CallContext::TokenBearing,
            b" \n{\"userlist\":[{\"errcode\":0,\"x\":[1,{}]}],\"errcode\":60011,\"errmsg\":\"no privilege\"}",
        )
        .unwrap_err();
        let p = e.platform().unwrap();
        assert_eq!((p.errcode, p.errmsg.as_str()), (60011, "no privilege"));

        #[derive(Debug, serde::Deserialize)]
        struct Wrap {
            inner: serde_json::Value,
        }
        let w: Wrap = decode(
            "t",
            CallContext::TokenBearing,
            br#"{"inner":{"errcode":40001}}"#,
        )
        .unwrap();
        assert_eq!(w.inner["errcode"], 40001, "a nested errcode is data");
        let v: Vec<i64> = decode("t", CallContext::TokenBearing, b"[1, 2]").unwrap();
        assert_eq!(v, [1, 2], "an array body is no envelope");
        let t: Tok = decode(
            "t",
            CallContext::TokenBearing,
            br#"{"errcode":null,"access_token":"c"}"#,
        )
        .unwrap();
        assert_eq!(t.access_token, "c");
    }
}
