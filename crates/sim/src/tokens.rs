//! The token registry: every credential the simulated platforms hand out (access tokens, tickets,
//! suite and provider tokens), who owns it, when it expires on the [`SimClock`](crate::clock::SimClock),
//! and whether it was invalidated early. [`require_token`] is the one check every API handler runs.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use rand::RngExt;
use serde::Serialize;

use crate::api_context::ApiCtx;
use crate::api_error::ApiError;
use crate::state::SimState;
use crate::world::MpKind;

/// What a credential is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// WeCom app access_token (`/cgi-bin/gettoken`).
    CorpAppToken,
    /// WeCom corp jsapi_ticket (`/cgi-bin/get_jsapi_ticket`, for wx.config).
    CorpJsapiTicket,
    /// WeCom app ticket (`/cgi-bin/ticket/get?type=agent_config`, for wx.agentConfig).
    AgentTicket,
    /// WeChat access_token (`/cgi-bin/token`).
    MpToken,
    /// WeChat stable access_token (`/cgi-bin/stable_token`).
    MpStableToken,
    /// WeChat jsapi ticket (`/cgi-bin/ticket/getticket?type=jsapi`).
    MpJsapiTicket,
    /// WeChat card ticket (`/cgi-bin/ticket/getticket?type=wx_card`).
    MpCardTicket,
    /// WeCom suite_access_token.
    SuiteToken,
    /// WeCom provider_access_token.
    ProviderToken,
    /// WeCom access_token of a corp that installed a suite (`get_corp_token`).
    AuthCorpToken,
}

impl TokenKind {
    /// Every WeCom token that works as an `access_token` on corp APIs.
    pub const WECOM_ACCESS: &[TokenKind] = &[TokenKind::CorpAppToken, TokenKind::AuthCorpToken];
    /// Every WeChat token that works as an `access_token`.
    pub const MP_ACCESS: &[TokenKind] = &[TokenKind::MpToken, TokenKind::MpStableToken];

    /// Whether the platform's WeCom side issued it.
    pub fn is_wecom(self) -> bool {
        !matches!(
            self,
            TokenKind::MpToken
                | TokenKind::MpStableToken
                | TokenKind::MpJsapiTicket
                | TokenKind::MpCardTicket
        )
    }

    fn generated_len(self) -> usize {
        match self {
            // Live MP tokens are ~136 characters: a short numeric prefix and base64url-ish text.
            TokenKind::MpToken | TokenKind::MpStableToken => 133,
            // The docs' ticket and suite_access_token examples are 86 characters of [A-Za-z0-9_-].
            _ => 86,
        }
    }
}

/// Who a credential belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TokenOwner {
    /// An app of a corp (self-built, contacts, mini-program-linked).
    CorpApp {
        /// The corp id.
        corp_id: String,
        /// The app's name in the world.
        app: String,
    },
    /// A corp as a whole (corp jsapi_ticket).
    Corp {
        /// The corp id.
        corp_id: String,
    },
    /// A corp that installed a suite, acting through it.
    AuthorisedCorp {
        /// The suite id.
        suite_id: String,
        /// The installing corp's id.
        corp_id: String,
    },
    /// A third-party suite.
    Suite {
        /// The suite id.
        suite_id: String,
    },
    /// A service provider (服务商).
    Provider {
        /// The provider's corp id.
        corp_id: String,
    },
    /// A WeChat account.
    Mp {
        /// The appid.
        app_id: String,
        /// The account's name in the world.
        name: String,
        /// The account kind.
        kind: MpKind,
    },
}

impl TokenOwner {
    /// The name used for stats and the control API (app name, suite id, corp id…).
    pub fn display_name(&self) -> &str {
        match self {
            TokenOwner::CorpApp { app, .. } => app,
            TokenOwner::Corp { corp_id } | TokenOwner::Provider { corp_id } => corp_id,
            TokenOwner::AuthorisedCorp { suite_id, .. } | TokenOwner::Suite { suite_id } => {
                suite_id
            }
            TokenOwner::Mp { name, .. } => name,
        }
    }

    /// The WeCom corp this owner acts for, if any.
    pub fn corp_id(&self) -> Option<&str> {
        match self {
            TokenOwner::CorpApp { corp_id, .. }
            | TokenOwner::Corp { corp_id }
            | TokenOwner::AuthorisedCorp { corp_id, .. }
            | TokenOwner::Provider { corp_id } => Some(corp_id),
            TokenOwner::Suite { .. } | TokenOwner::Mp { .. } => None,
        }
    }

    /// The WeChat appid, for WeChat accounts.
    pub fn mp_app_id(&self) -> Option<&str> {
        match self {
            TokenOwner::Mp { app_id, .. } => Some(app_id),
            _ => None,
        }
    }

    /// Every name the control API and faults may use for this owner (app name, corp id, appid,
    /// suite id).
    pub fn names(&self) -> Vec<&str> {
        match self {
            TokenOwner::CorpApp { corp_id, app } => vec![app, corp_id],
            TokenOwner::Corp { corp_id } | TokenOwner::Provider { corp_id } => vec![corp_id],
            TokenOwner::AuthorisedCorp { suite_id, corp_id } => vec![suite_id, corp_id],
            TokenOwner::Suite { suite_id } => vec![suite_id],
            TokenOwner::Mp { app_id, name, .. } => vec![name, app_id],
        }
    }

    /// Whether `who` names this owner (see [`names`](Self::names)).
    pub fn is_named(&self, who: &str) -> bool {
        self.names().contains(&who)
    }
}

/// An early invalidation: from `at` on, the token answers `errcode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Invalidation {
    /// The code the token now gets (40001, 40014 or 42001).
    pub errcode: i64,
    /// Simulated unix time from which it applies (a grace period ends here).
    pub at: i64,
}

/// One issued credential.
#[derive(Debug, Clone, Serialize)]
pub struct TokenRecord {
    /// What it is.
    pub kind: TokenKind,
    /// Whose it is.
    pub owner: TokenOwner,
    /// Simulated unix time of issue.
    pub issued_at: i64,
    /// Simulated unix time of expiry.
    pub expires_at: i64,
    /// Early invalidation, if any.
    pub invalidated: Option<Invalidation>,
}

impl TokenRecord {
    /// Why the token cannot be used at `now`, if it cannot.
    pub fn problem_at(&self, now: i64) -> Option<TokenProblem> {
        match self.invalidated {
            Some(inv) if now >= inv.at => Some(TokenProblem::Invalidated(inv.errcode)),
            _ if now >= self.expires_at => Some(TokenProblem::Expired),
            _ => None,
        }
    }
}

/// Why a presented token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Never issued (or issued before a reset).
    Unknown,
    /// Past its expiry.
    Expired,
    /// Invalidated early; answer with this code.
    Invalidated(i64),
}

/// A credential handed to a client. Its `Debug` output shows only the first characters.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token or ticket string.
    pub value: String,
    /// Seconds until it expires.
    pub expires_in: i64,
}

#[derive(Default)]
struct Registry {
    by_value: HashMap<String, TokenRecord>,
    current: HashMap<(TokenOwner, TokenKind), String>,
    marks: HashMap<String, i64>,
}

impl Registry {
    fn current(&self, owner: &TokenOwner, kind: TokenKind, now: i64) -> Option<IssuedToken> {
        let value = self.current.get(&(owner.clone(), kind))?;
        let record = self.by_value.get(value)?;
        if record.problem_at(now).is_some() {
            return None;
        }
        let ends = record
            .invalidated
            .map_or(record.expires_at, |inv| inv.at.min(record.expires_at));
        Some(IssuedToken {
            value: value.clone(),
            expires_in: ends - now,
        })
    }

    fn issue(
        &mut self,
        owner: &TokenOwner,
        kind: TokenKind,
        now: i64,
        ttl: i64,
        retire: Option<(i64, i64)>,
    ) -> IssuedToken {
        self.by_value
            .retain(|_, r| now < r.expires_at.saturating_add(FORGET_AFTER_SECS));
        if let Some((errcode, grace)) = retire {
            for record in self.by_value.values_mut() {
                if record.kind == kind && record.owner == *owner && record.problem_at(now).is_none()
                {
                    let at = (now + grace).min(record.expires_at);
                    record.invalidated = Some(Invalidation { errcode, at });
                }
            }
        }
        let value = loop {
            let candidate = generate(kind);
            if !self.by_value.contains_key(&candidate) {
                break candidate;
            }
        };
        self.by_value.insert(
            value.clone(),
            TokenRecord {
                kind,
                owner: owner.clone(),
                issued_at: now,
                expires_at: now + ttl,
                invalidated: None,
            },
        );
        self.current.insert((owner.clone(), kind), value.clone());
        IssuedToken {
            value,
            expires_in: ttl,
        }
    }
}

/// All credentials issued since start (or the last reset). Its `Debug` output shows only how
/// many are held, never a token.
#[derive(Default)]
pub struct TokenRegistry {
    inner: Mutex<Registry>,
}

impl fmt::Debug for TokenRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRegistry")
            .field("tokens", &self.len())
            .finish()
    }
}

/// A token shortened for `Debug` output: enough to tell two apart, not enough to use one.
fn redacted(value: &str) -> String {
    let head: String = value.chars().take(6).collect();
    format!("{head}…({} chars)", value.chars().count())
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("value", &redacted(&self.value))
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Records that expired this long ago are forgotten (then answer 40014 instead of 42001).
const FORGET_AFTER_SECS: i64 = 7 * 86_400;

impl TokenRegistry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The owner's current token of this kind while it is usable, else a new one.
    /// ("有效期内重复获取返回相同结果", WeCom gettoken.) Atomic: concurrent first calls get the
    /// same token.
    pub fn current_or_issue(
        &self,
        owner: &TokenOwner,
        kind: TokenKind,
        now: i64,
        ttl: i64,
    ) -> IssuedToken {
        self.current_or_renew(owner, kind, now, ttl, 1)
    }

    /// The owner's current token of this kind while at least `min_remaining` seconds of it are
    /// left, else a new one (earlier tokens stay valid until they expire). Atomic.
    pub fn current_or_renew(
        &self,
        owner: &TokenOwner,
        kind: TokenKind,
        now: i64,
        ttl: i64,
        min_remaining: i64,
    ) -> IssuedToken {
        let mut reg = self.lock();
        match reg.current(owner, kind, now) {
            Some(current) if current.expires_in >= min_remaining => current,
            _ => reg.issue(owner, kind, now, ttl, None),
        }
    }

    /// The owner's current token of this kind, if still usable.
    pub fn current(&self, owner: &TokenOwner, kind: TokenKind, now: i64) -> Option<IssuedToken> {
        self.lock().current(owner, kind, now)
    }

    /// Issues a new token of this kind for the owner, making it the current one. With
    /// `retire = Some((errcode, grace))`, every earlier still-usable token of the owner and kind
    /// answers `errcode` from `now + grace` on; with `None` they stay valid until they expire.
    pub fn issue(
        &self,
        owner: &TokenOwner,
        kind: TokenKind,
        now: i64,
        ttl: i64,
        retire: Option<(i64, i64)>,
    ) -> IssuedToken {
        self.lock().issue(owner, kind, now, ttl, retire)
    }

    /// The record of a presented token, or why it cannot be used at `now`.
    pub fn lookup(&self, value: &str, now: i64) -> Result<TokenRecord, TokenProblem> {
        let reg = self.lock();
        let record = reg.by_value.get(value).ok_or(TokenProblem::Unknown)?;
        match record.problem_at(now) {
            Some(problem) => Err(problem),
            None => Ok(record.clone()),
        }
    }

    /// The record of a token whatever its state (e.g. to learn which platform issued it).
    pub fn peek(&self, value: &str) -> Option<TokenRecord> {
        self.lock().by_value.get(value).cloned()
    }

    /// Invalidates, effective immediately, every usable token whose owner is named `who` (app
    /// name, corp id, appid, suite id); returns how many were hit.
    pub fn invalidate_owner(&self, who: &str, errcode: i64, now: i64) -> usize {
        let mut reg = self.lock();
        let mut hit = 0;
        for record in reg.by_value.values_mut() {
            if record.owner.is_named(who) && record.problem_at(now).is_none() {
                record.invalidated = Some(Invalidation { errcode, at: now });
                hit += 1;
            }
        }
        hit
    }

    /// Remembers a time under `key` and returns the previous one (for "at most once per N s"
    /// rules such as stable_token's force_refresh interval).
    pub fn mark(&self, key: &str, now: i64) -> Option<i64> {
        self.lock().marks.insert(key.to_owned(), now)
    }

    /// The time last remembered under `key`.
    pub fn last_mark(&self, key: &str) -> Option<i64> {
        self.lock().marks.get(key).copied()
    }

    /// How many records are held.
    pub fn len(&self) -> usize {
        self.lock().by_value.len()
    }

    /// Whether no token was issued since start or the last reset.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every token (control API reset).
    pub fn clear(&self) {
        *self.lock() = Registry::default();
    }

    /// Invalidates, effective immediately, every usable token of exactly this owner (e.g. one
    /// authorised corp of one suite, without touching the corp's own app tokens); returns how
    /// many were hit.
    pub fn invalidate_exact(&self, owner: &TokenOwner, errcode: i64, now: i64) -> usize {
        let mut reg = self.lock();
        let mut hit = 0;
        for record in reg.by_value.values_mut() {
            if record.owner == *owner && record.problem_at(now).is_none() {
                record.invalidated = Some(Invalidation { errcode, at: now });
                hit += 1;
            }
        }
        hit
    }
}

const TOKEN_CHARSET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn generate(kind: TokenKind) -> String {
    let mut rng = rand::rng();
    let body: String = (0..kind.generated_len())
        .map(|_| TOKEN_CHARSET[rng.random_range(0..TOKEN_CHARSET.len())] as char)
        .collect();
    match kind {
        TokenKind::MpToken | TokenKind::MpStableToken => {
            format!("{}_{body}", rng.random_range(70..100))
        }
        _ => body,
    }
}

/// A presented token that passed [`require_token`]. Its `Debug` output shortens the token.
#[derive(Clone)]
pub struct TokenGrant {
    /// The token string.
    pub value: String,
    /// Its record.
    pub record: TokenRecord,
}

impl fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenGrant")
            .field("value", &redacted(&self.value))
            .field("record", &self.record)
            .finish()
    }
}

impl TokenGrant {
    /// Who presented it.
    pub fn owner(&self) -> &TokenOwner {
        &self.record.owner
    }
}

/// The check every platform API handler runs on its `access_token` (or `suite_access_token`…)
/// query parameter:
///
/// * missing/empty → 41001 (41022 when only suite tokens are accepted);
/// * never issued, or a token of another kind → 40014 (40082 for suite tokens);
/// * expired → 42001 (42009 for suite tokens); invalidated early → the invalidation's code;
/// * the owner is denied by the 60020 fault → 60020;
/// * WeCom corp limits (10 000/min and 150 000/h per corp per API, NOTES §3.6) → 45009.
///
/// On success it records the owner as the caller in `ctx` (for the stats).
pub fn require_token(
    state: &SimState,
    ctx: &ApiCtx,
    token: Option<&str>,
    kinds: &[TokenKind],
) -> Result<TokenGrant, ApiError> {
    let suite_only = !kinds.is_empty() && kinds.iter().all(|k| *k == TokenKind::SuiteToken);
    let Some(value) = token.filter(|t| !t.is_empty()) else {
        return Err(if suite_only {
            ApiError::missing_suite_token()
        } else {
            ApiError::missing_access_token()
        });
    };
    let now = state.clock.now();
    let unknown = || {
        if suite_only {
            ApiError::invalid_suite_token()
        } else {
            ApiError::invalid_access_token()
        }
    };
    let record = match state.tokens.lookup(value, now) {
        Ok(record) => record,
        Err(TokenProblem::Unknown) => return Err(unknown()),
        Err(TokenProblem::Expired) if suite_only => return Err(ApiError::suite_token_expired()),
        Err(TokenProblem::Expired) => return Err(ApiError::access_token_expired()),
        Err(TokenProblem::Invalidated(40001)) => return Err(ApiError::invalid_credential()),
        Err(TokenProblem::Invalidated(42001)) => return Err(ApiError::access_token_expired()),
        Err(TokenProblem::Invalidated(42009)) => return Err(ApiError::suite_token_expired()),
        Err(TokenProblem::Invalidated(_)) => return Err(unknown()),
    };
    if !kinds.contains(&record.kind) {
        return Err(unknown());
    }
    ctx.set_caller(record.owner.display_name());
    state.faults.check_denied(&record.owner.names())?;
    if let Some(corp_id) = record.owner.corp_id() {
        state.limits.check_wecom_corp(corp_id, ctx.path())?;
    }
    Ok(TokenGrant {
        value: value.to_owned(),
        record,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> TokenOwner {
        TokenOwner::CorpApp {
            corp_id: "wwacme".into(),
            app: "acme-app".into(),
        }
    }

    #[test]
    fn same_token_while_valid_then_new_after_expiry() {
        let reg = TokenRegistry::default();
        let a = reg.current_or_issue(&app(), TokenKind::CorpAppToken, 1000, 7200);
        assert_eq!(a.expires_in, 7200);
        assert_eq!(a.value.len(), 86);
        assert!(a.value.bytes().all(|b| TOKEN_CHARSET.contains(&b)));
        let b = reg.current_or_issue(&app(), TokenKind::CorpAppToken, 1100, 7200);
        assert_eq!((b.value.as_str(), b.expires_in), (a.value.as_str(), 7100));
        assert_eq!(
            reg.lookup(&a.value, 8199).unwrap().kind,
            TokenKind::CorpAppToken
        );
        assert_eq!(
            reg.lookup(&a.value, 8200).unwrap_err(),
            TokenProblem::Expired
        );
        let c = reg.current_or_issue(&app(), TokenKind::CorpAppToken, 8200, 7200);
        assert_ne!(c.value, a.value);
        assert_eq!(
            reg.lookup("garbage", 8200).unwrap_err(),
            TokenProblem::Unknown
        );
    }

    #[test]
    fn retiring_keeps_a_grace_period_and_invalidation_is_immediate() {
        let reg = TokenRegistry::default();
        let a = reg.issue(&app(), TokenKind::MpToken, 0, 7200, None);
        assert!(a.value.len() > 133 && a.value.contains('_'));
        let b = reg.issue(&app(), TokenKind::MpToken, 100, 7200, Some((40001, 300)));
        assert!(reg.lookup(&a.value, 399).is_ok());
        assert_eq!(
            reg.lookup(&a.value, 400).unwrap_err(),
            TokenProblem::Invalidated(40001)
        );
        assert_eq!(reg.invalidate_owner("acme-app", 42001, 500), 1);
        assert_eq!(
            reg.lookup(&b.value, 500).unwrap_err(),
            TokenProblem::Invalidated(42001)
        );
        assert_eq!(reg.invalidate_owner("nobody", 40014, 500), 0);
        let debug = format!("{reg:?} {b:?}");
        assert!(
            !debug.contains(&b.value) && !debug.contains(&a.value),
            "{debug}"
        );
        reg.clear();
        assert!(reg.is_empty());
    }
}
