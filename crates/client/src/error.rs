//! Errors of an upstream call: the platform's own `errcode` (kept exactly as returned) and the
//! transport failures around it, each classified so callers can decide to retry, refresh a
//! token, back off or give up — without ever seeing a secret.

use std::time::Duration;

/// Whether a call produces a credential or spends one. The same errcode means different things
/// in the two cases: 40001 is "wrong secret" on WeCom `gettoken` and MP `token`, but "access_token
/// invalid or not latest" on an MP call that carries a token (NOTES §3.7, §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallContext {
    /// A call that exchanges a secret (or a code) for a token: `gettoken`, `stable_token`,
    /// `get_suite_token`, `sns/oauth2/access_token`, ….
    TokenFetch,
    /// A call authenticated by a cached token (`access_token=`, `suite_access_token=`, …).
    TokenBearing,
    /// A call authenticated by neither (e.g. a group robot webhook, authenticated by its key).
    Unauthenticated,
}

/// What an errcode means for the caller, independent of platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// −1 系统繁忙 (WeCom 90455, MP 全局返回码): retry later, at most 3 times.
    SystemBusy,
    /// The token sent is not valid: 40014 不合法的access_token, 40082 不合法的suite_token,
    /// 41001 缺少access_token参数, and 40001 on a token-bearing MP call ("access_token is invalid
    /// or not latest"). Drop the token and fetch a fresh one.
    InvalidToken,
    /// The token sent has expired: 42001 access_token已过期, 42009 suite_access_token已过期.
    /// Drop the token and fetch a fresh one.
    TokenExpired,
    /// The secret used to fetch a token is wrong: WeCom 40001 不合法的secret参数 and 40091
    /// secret不合法, MP 40001 (on a token fetch) and 40125 invalid appsecret, 40013 invalid
    /// CorpID / AppID. Fix the configuration; retrying cannot help.
    InvalidCredential,
    /// 40029 不合法的oauth_code: the login code is invalid, expired or already used. Restart
    /// the login.
    InvalidCode,
    /// 40163 code been used (MP/open platform): the login code was already exchanged.
    CodeUsed,
    /// 45009 接口调用超过限制, 45011 API minute-quota, 45033 接口并发调用超过限制: back off;
    /// the block lasts 60 s for minute limits and 60 min for hour limits (NOTES §3.6).
    RateLimited,
    /// 48002 API接口无权限调用, 60011 指定的成员/部门/标签参数无权限, 50001 redirect_uri not a
    /// trusted domain: grant the permission or visibility in the admin console.
    NoPermission,
    /// 60020 访问ip不在白名单之中 (WeCom), 40164 invalid ip, not in whitelist (MP, WxJava
    /// `WxMpErrorMsgEnum`): add the egress IP to the
    /// app's trusted IP list.
    IpNotAllowed,
    /// 60111 UserID不存在 (WxJava `WxCpErrorMsgEnum`), 60003 部门不存在 (WeCom 全局错误码 as
    /// transcribed by several SDK error tables): the object does not exist. (40068 is not
    /// mapped: it is "不合法的标签ID" on WeCom but "contain malicious url" on MP.)
    NotFound,
    /// 40085 不合法的suite_ticket: wait for the next suite_ticket push (every 10 min).
    InvalidSuiteTicket,
    /// 81013 UserID、部门ID、标签ID全部非法或无权限 (message/send): nobody can receive it.
    AllRecipientsInvalid,
    /// Any other errcode: see its errmsg and the platform's error-code page.
    Other,
}

/// An error the platform itself returned (`{"errcode":N,"errmsg":"…"}` with N ≠ 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{api} failed with errcode {errcode} ({errmsg}); see https://open.work.weixin.qq.com/devtool/query?e={errcode} or the MP error-code page"
)]
pub struct PlatformError {
    /// The errcode, exactly as returned.
    pub errcode: i64,
    /// The errmsg, exactly as returned (it may carry `hint:` and `from ip:` suffixes; never match on it).
    pub errmsg: String,
    /// The API that answered, e.g. `"user/get"`.
    pub api: &'static str,
    /// Whether the call fetched a token or carried one; decides the meaning of 40001.
    pub context: CallContext,
}

impl PlatformError {
    /// Classifies the errcode in the context of the call (see [`ErrorKind`] for sources).
    pub fn kind(&self) -> ErrorKind {
        match self.errcode {
            -1 => ErrorKind::SystemBusy,
            40001 => match self.context {
                CallContext::TokenBearing => ErrorKind::InvalidToken,
                CallContext::TokenFetch | CallContext::Unauthenticated => {
                    ErrorKind::InvalidCredential
                }
            },
            40014 | 40082 | 41001 => ErrorKind::InvalidToken,
            42001 | 42009 => ErrorKind::TokenExpired,
            40091 | 40125 | 40013 => ErrorKind::InvalidCredential,
            40029 => ErrorKind::InvalidCode,
            40163 => ErrorKind::CodeUsed,
            45009 | 45011 | 45033 => ErrorKind::RateLimited,
            48002 | 60011 | 50001 => ErrorKind::NoPermission,
            60020 | 40164 => ErrorKind::IpNotAllowed,
            60111 | 60003 => ErrorKind::NotFound,
            40085 => ErrorKind::InvalidSuiteTicket,
            81013 => ErrorKind::AllRecipientsInvalid,
            _ => ErrorKind::Other,
        }
    }

    /// True when the token this call carried must be dropped (compare-and-delete) and the call
    /// retried once with a fresh one. Only a token-bearing call can invalidate its token: a 40001
    /// from `gettoken` means the secret is wrong, not that a cached token is stale.
    pub fn invalidates_token(&self) -> bool {
        self.context == CallContext::TokenBearing
            && matches!(
                self.kind(),
                ErrorKind::InvalidToken | ErrorKind::TokenExpired
            )
    }
}

/// Everything that can go wrong with one upstream call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The platform answered with a non-zero errcode.
    #[error(transparent)]
    Platform(#[from] PlatformError),
    /// The request could not be sent or the response not read (DNS, connect, TLS, reset).
    /// Check connectivity to the platform; the URL is stripped from `source`.
    #[error("{api}: HTTP transport error ({source}); check network access to the platform")]
    Http {
        /// The API called.
        api: &'static str,
        /// The transport error, with its URL removed.
        #[source]
        source: reqwest::Error,
    },
    /// No response within the configured timeout. Safe to retry idempotent calls.
    #[error("{api}: timed out waiting for the platform; retry later or raise the timeout")]
    Timeout {
        /// The API called.
        api: &'static str,
    },
    /// The body was not the JSON shape expected for this API.
    #[error(
        "{api}: unexpected response body ({reason}); body starts with: {body_snippet}; report this shape"
    )]
    Decode {
        /// The API called.
        api: &'static str,
        /// Why decoding failed (quoted values removed).
        reason: String,
        /// The first bytes of the body, with credential values masked.
        body_snippet: String,
    },
    /// The platform (or a proxy) answered with a non-success HTTP status.
    #[error("{api}: platform answered HTTP {status}; retry later if it is 5xx")]
    Status {
        /// The API called.
        api: &'static str,
        /// The HTTP status.
        status: u16,
    },
    /// The client-side rate limiter would have had to wait longer than allowed.
    #[error(
        "{api}: client-side rate limit for this corp reached; next slot in {wait:?}, try again later"
    )]
    RateLimitWait {
        /// The API called.
        api: &'static str,
        /// How long the next slot is away.
        wait: Duration,
    },
    /// The token provider could not supply a token.
    #[error("{api}: no token available for {key}: {reason}")]
    TokenUnavailable {
        /// The API (or token kind) requested.
        api: &'static str,
        /// The token's cache key (never the token).
        key: String,
        /// Why the provider failed.
        reason: String,
    },
}

impl ClientError {
    /// The platform error, if this is one.
    pub fn platform(&self) -> Option<&PlatformError> {
        match self {
            ClientError::Platform(e) => Some(e),
            _ => None,
        }
    }

    /// The errcode classification, if the platform answered with one.
    pub fn kind(&self) -> Option<ErrorKind> {
        self.platform().map(PlatformError::kind)
    }

    /// True when the same call may succeed if repeated later unchanged: system busy, timeouts,
    /// transport errors and 5xx/429 statuses. Rate limits are *not* retryable here: the gateway's
    /// breaker decides when to call again.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Platform(e) => e.kind() == ErrorKind::SystemBusy,
            ClientError::Timeout { .. } => true,
            // A request that could not even be built (bad base URL) will not build next time.
            ClientError::Http { source, .. } => !source.is_builder(),
            ClientError::Status { status, .. } => *status >= 500 || *status == 429,
            ClientError::Decode { .. }
            | ClientError::RateLimitWait { .. }
            | ClientError::TokenUnavailable { .. } => false,
        }
    }

    /// The value reported to the metrics observer: the errcode for platform errors, 0 is never
    /// produced here (success), [`OBSERVED_TRANSPORT`] for transport failures and timeouts,
    /// [`OBSERVED_BAD_RESPONSE`] for bad statuses and undecodable bodies.
    pub fn observed_code(&self) -> i64 {
        match self {
            ClientError::Platform(e) => e.errcode,
            ClientError::Http { .. } | ClientError::Timeout { .. } => OBSERVED_TRANSPORT,
            ClientError::Status { .. } | ClientError::Decode { .. } => OBSERVED_BAD_RESPONSE,
            ClientError::RateLimitWait { .. } | ClientError::TokenUnavailable { .. } => {
                OBSERVED_NOT_SENT
            }
        }
    }
}

/// Observer code for a transport failure or timeout (no answer from the platform).
pub const OBSERVED_TRANSPORT: i64 = -2;
/// Observer code for a non-success HTTP status or an undecodable body.
pub const OBSERVED_BAD_RESPONSE: i64 = -3;
/// Observer code for a call never sent (rate limiter or token provider refused).
pub const OBSERVED_NOT_SENT: i64 = -4;

#[cfg(test)]
mod tests {
    use super::*;

    fn e(errcode: i64, context: CallContext) -> PlatformError {
        PlatformError {
            errcode,
            errmsg: String::new(),
            api: "t",
            context,
        }
    }

    #[test]
    fn errcodes_map_to_kinds() {
        use ErrorKind::*;
        let bearing = CallContext::TokenBearing;
        let table = [
            (-1, SystemBusy),
            (40014, InvalidToken),
            (40082, InvalidToken),
            (41001, InvalidToken),
            (42001, TokenExpired),
            (42009, TokenExpired),
            (40091, InvalidCredential),
            (40125, InvalidCredential),
            (40013, InvalidCredential),
            (40029, InvalidCode),
            (40163, CodeUsed),
            (45009, RateLimited),
            (45011, RateLimited),
            (45033, RateLimited),
            (48002, NoPermission),
            (60011, NoPermission),
            (50001, NoPermission),
            (60020, IpNotAllowed),
            (60111, NotFound),
            (60003, NotFound),
            (40068, Other),
            (40164, IpNotAllowed),
            (40085, InvalidSuiteTicket),
            (81013, AllRecipientsInvalid),
            (93000, Other),
        ];
        for (code, kind) in table {
            assert_eq!(e(code, bearing).kind(), kind, "errcode {code}");
        }
    }

    #[test]
    fn errcode_40001_depends_on_the_call() {
        assert_eq!(
            e(40001, CallContext::TokenFetch).kind(),
            ErrorKind::InvalidCredential
        );
        assert_eq!(
            e(40001, CallContext::TokenBearing).kind(),
            ErrorKind::InvalidToken
        );
        assert!(e(40001, CallContext::TokenBearing).invalidates_token());
        assert!(!e(40001, CallContext::TokenFetch).invalidates_token());
    }

    #[test]
    fn only_token_bearing_calls_invalidate() {
        for code in [40014, 42001, 42009, 40082] {
            assert!(
                e(code, CallContext::TokenBearing).invalidates_token(),
                "{code}"
            );
            assert!(
                !e(code, CallContext::TokenFetch).invalidates_token(),
                "{code}"
            );
        }
        for code in [-1, 45009, 40029, 60011] {
            assert!(
                !e(code, CallContext::TokenBearing).invalidates_token(),
                "{code}"
            );
        }
    }

    #[test]
    fn display_keeps_errcode_and_errmsg() {
        let mut p = e(60020, CallContext::TokenBearing);
        p.errmsg = "not allow to access from your ip, hint: [x]".into();
        let shown = ClientError::from(p).to_string();
        assert!(shown.contains("60020") && shown.contains("not allow to access from your ip"));
    }
}
