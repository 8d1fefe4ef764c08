//! The login-code registry: every OAuth / web-login / `wx.login` code the simulated platforms
//! hand out, who it names, for which app, and whether it was used; plus what exchanging one
//! yields (WeCom user_tickets, WeChat sns tokens, mini-program session_keys).
//!
//! Lifetimes follow NOTES §3.2 / §4: WeCom codes 5 min, WeChat codes 10 min, single use;
//! user_ticket 1800 s; sns access_token 7200 s, refresh_token 30 days. Times are sim-clock times.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// WeCom codes expire after 5 minutes unused (path/96442).
pub const WECOM_CODE_TTL_SECS: i64 = 300;
/// WeChat codes expire after 10 minutes unused.
pub const WECHAT_CODE_TTL_SECS: i64 = 600;
/// A WeCom user_ticket lives 1800 s.
pub const USER_TICKET_TTL_SECS: i64 = 1800;
/// A WeChat sns access_token lives 7200 s.
pub const SNS_TOKEN_TTL_SECS: i64 = 7200;
/// A WeChat sns refresh_token lives 30 days.
pub const SNS_REFRESH_TTL_SECS: i64 = 30 * 86_400;

/// Which login flow minted a code (and so which API may exchange it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// WeCom OAuth (`/connect/oauth2/authorize` with a corp id) → `auth/getuserinfo`.
    WecomOauth,
    /// WeCom web login (`/wwlogin/sso/login?login_type=CorpApp`) → `auth/getuserinfo`.
    WecomWeb,
    /// Third-party login (suite OAuth or ServiceApp web login) → `getuserinfo3rd` / `get_login_info`.
    #[serde(rename = "wecom_3rd")]
    Wecom3rd,
    /// WeChat OA OAuth → `sns/oauth2/access_token`.
    WechatOauth,
    /// WeChat website QR login → `sns/oauth2/access_token`.
    WechatQr,
    /// `wx.login` in a mini program → `sns/jscode2session`.
    Mini,
    /// `wx.qy.login` in a WeCom mini program → `miniprogram/jscode2session`.
    WecomMini,
}

impl CodeKind {
    /// Whether WeCom issued the code (5-minute lifetime, 40029 on reuse).
    pub fn is_wecom(self) -> bool {
        matches!(
            self,
            CodeKind::WecomOauth | CodeKind::WecomWeb | CodeKind::Wecom3rd | CodeKind::WecomMini
        )
    }

    /// Lifetime of an unused code.
    pub fn ttl(self) -> i64 {
        if self.is_wecom() {
            WECOM_CODE_TTL_SECS
        } else {
            WECHAT_CODE_TTL_SECS
        }
    }
}

/// Who logged in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LoginSubject {
    /// A member of a WeCom corp's directory.
    Member {
        /// The corp id.
        corp_id: String,
        /// The member's userid.
        userid: String,
    },
    /// A WeChat user who is not a member of the corp (WeCom OAuth non-member path).
    NonMember {
        /// The corp id.
        corp_id: String,
        /// The simulated person id.
        person: String,
    },
    /// A WeChat user (simulated person id, e.g. `alice`).
    Person {
        /// The simulated person id.
        person: String,
    },
}

/// One issued code. Its `Debug` output shortens the code (a credential while unused).
#[derive(Clone, Serialize)]
pub struct LoginCode {
    /// The code itself.
    pub code: String,
    /// The flow that minted it.
    pub kind: CodeKind,
    /// For whom it may be exchanged: corp id (WeCom OAuth/web), suite id or provider corp id
    /// (third-party), appid (WeChat, mini programs).
    pub audience: String,
    /// The WeCom app (name) the login was for, when one was named (agentid); user_tickets and
    /// visibility use it.
    pub app: Option<String>,
    /// Who logged in.
    pub subject: LoginSubject,
    /// `snsapi_base`, `snsapi_privateinfo`, `snsapi_userinfo` or `snsapi_login`.
    pub scope: String,
    /// Sim time of issue.
    pub issued_at: i64,
    /// Sim time of expiry.
    pub expires_at: i64,
    /// Whether it was exchanged already.
    pub used: bool,
}

impl fmt::Debug for LoginCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head: String = self.code.chars().take(4).collect();
        f.debug_struct("LoginCode")
            .field("code", &format!("{head}…"))
            .field("kind", &self.kind)
            .field("audience", &self.audience)
            .field("app", &self.app)
            .field("subject", &self.subject)
            .field("scope", &self.scope)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("used", &self.used)
            .finish()
    }
}

/// Why a code cannot be exchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    /// Never issued, issued for someone else, or expired (40029).
    Invalid,
    /// Already exchanged (WeChat 40163, WeCom 40029).
    Used,
}

/// What a WeCom user_ticket stands for.
#[derive(Debug, Clone, Serialize)]
pub struct UserTicket {
    /// The corp id.
    pub corp_id: String,
    /// The member.
    pub userid: String,
    /// Who may redeem it: the app name (self-built) or suite id (third-party).
    pub audience: String,
    /// Sim time of expiry.
    pub expires_at: i64,
}

/// A WeChat sns (web authorisation) access or refresh token.
#[derive(Debug, Clone, Serialize)]
pub struct SnsGrant {
    /// The app it was issued to.
    pub app_id: String,
    /// The person.
    pub person: String,
    /// The scope granted.
    pub scope: String,
    /// Sim time of expiry.
    pub expires_at: i64,
}

#[derive(Default)]
struct Inner {
    codes: HashMap<String, LoginCode>,
    user_tickets: HashMap<String, UserTicket>,
    sns_tokens: HashMap<String, SnsGrant>,
    sns_refresh: HashMap<String, SnsGrant>,
    /// (audience appid / suite, subject key) → session_key.
    session_keys: HashMap<(String, String), String>,
}

/// Every login artefact issued since start. `Debug` shows counts only (codes are credentials).
#[derive(Default)]
pub struct IdentityRegistry {
    inner: Mutex<Inner>,
}

impl fmt::Debug for IdentityRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("IdentityRegistry")
            .field("codes", &inner.codes.len())
            .field("user_tickets", &inner.user_tickets.len())
            .field("sns_tokens", &inner.sns_tokens.len())
            .finish()
    }
}

const CODE_CHARSET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_text(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CODE_CHARSET[rng.random_range(0..CODE_CHARSET.len())] as char)
        .collect()
}

/// A fresh session_key: base64 of 16 random bytes.
fn random_session_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill(&mut bytes);
    STANDARD.encode(bytes)
}

/// The key a subject is known by in per-subject maps.
pub fn subject_key(subject: &LoginSubject) -> String {
    match subject {
        LoginSubject::Member { corp_id, userid } => format!("member:{corp_id}:{userid}"),
        LoginSubject::NonMember { corp_id, person } => format!("nonmember:{corp_id}:{person}"),
        LoginSubject::Person { person } => format!("person:{person}"),
    }
}

impl IdentityRegistry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Mints a code of `kind` for `audience` naming `subject`; returns the code.
    pub fn issue_code(
        &self,
        kind: CodeKind,
        audience: &str,
        app: Option<&str>,
        subject: LoginSubject,
        scope: &str,
        now: i64,
    ) -> String {
        // WeChat codes are 32 characters in live traffic; WeCom's are longer (≤512 bytes).
        let code = random_text(if kind.is_wecom() { 43 } else { 32 });
        let mut inner = self.lock();
        inner
            .codes
            .retain(|_, c| now < c.expires_at.saturating_add(86_400));
        inner.codes.insert(
            code.clone(),
            LoginCode {
                code: code.clone(),
                kind,
                audience: audience.to_owned(),
                app: app.map(str::to_owned),
                subject,
                scope: scope.to_owned(),
                issued_at: now,
                expires_at: now + kind.ttl(),
                used: false,
            },
        );
        code
    }

    /// Exchanges `code`: it must be one of `kinds`, for `audience`, unexpired and unused; it is
    /// then marked used. A code presented by the wrong audience stays usable by the right one.
    pub fn redeem(
        &self,
        code: &str,
        kinds: &[CodeKind],
        audience: &str,
        now: i64,
    ) -> Result<LoginCode, CodeProblem> {
        let mut inner = self.lock();
        let record = inner.codes.get_mut(code).ok_or(CodeProblem::Invalid)?;
        if !kinds.contains(&record.kind) || record.audience != audience {
            return Err(CodeProblem::Invalid);
        }
        if record.used {
            return Err(CodeProblem::Used);
        }
        if now >= record.expires_at {
            return Err(CodeProblem::Invalid);
        }
        record.used = true;
        Ok(record.clone())
    }

    /// Every code issued, oldest first.
    pub fn codes(&self) -> Vec<LoginCode> {
        let mut codes: Vec<LoginCode> = self.lock().codes.values().cloned().collect();
        codes.sort_by(|a, b| a.issued_at.cmp(&b.issued_at).then(a.code.cmp(&b.code)));
        codes
    }

    /// Issues a user_ticket (valid [`USER_TICKET_TTL_SECS`]).
    pub fn issue_user_ticket(
        &self,
        corp_id: &str,
        userid: &str,
        audience: &str,
        now: i64,
    ) -> String {
        let ticket = random_text(86);
        self.lock().user_tickets.insert(
            ticket.clone(),
            UserTicket {
                corp_id: corp_id.to_owned(),
                userid: userid.to_owned(),
                audience: audience.to_owned(),
                expires_at: now + USER_TICKET_TTL_SECS,
            },
        );
        ticket
    }

    /// The user_ticket's record, if it is valid for `audience` at `now`.
    pub fn user_ticket(&self, ticket: &str, audience: &str, now: i64) -> Option<UserTicket> {
        self.lock()
            .user_tickets
            .get(ticket)
            .filter(|t| t.audience == audience && now < t.expires_at)
            .cloned()
    }

    /// Issues an sns access_token and refresh_token pair for `grant` (its `expires_at` is ignored).
    pub fn issue_sns(&self, grant: &SnsGrant, now: i64) -> (String, String) {
        let access = random_text(88);
        let refresh = random_text(88);
        let mut inner = self.lock();
        inner.sns_tokens.insert(
            access.clone(),
            SnsGrant {
                expires_at: now + SNS_TOKEN_TTL_SECS,
                ..grant.clone()
            },
        );
        inner.sns_refresh.insert(
            refresh.clone(),
            SnsGrant {
                expires_at: now + SNS_REFRESH_TTL_SECS,
                ..grant.clone()
            },
        );
        (access, refresh)
    }

    /// A new access_token for a valid refresh_token of `app_id` (the refresh_token stays the same).
    pub fn refresh_sns(&self, refresh: &str, app_id: &str, now: i64) -> Option<(String, SnsGrant)> {
        let mut inner = self.lock();
        let grant = inner
            .sns_refresh
            .get(refresh)
            .filter(|g| g.app_id == app_id && now < g.expires_at)
            .cloned()?;
        let access = random_text(88);
        let token = SnsGrant {
            expires_at: now + SNS_TOKEN_TTL_SECS,
            ..grant
        };
        inner.sns_tokens.insert(access.clone(), token.clone());
        Some((access, token))
    }

    /// The sns access_token's grant, if it is valid at `now`.
    pub fn sns_token(&self, token: &str, now: i64) -> Result<SnsGrant, SnsTokenProblem> {
        let inner = self.lock();
        let grant = inner
            .sns_tokens
            .get(token)
            .ok_or(SnsTokenProblem::Unknown)?;
        if now >= grant.expires_at {
            return Err(SnsTokenProblem::Expired);
        }
        Ok(grant.clone())
    }

    /// A new session_key for `subject` in `audience` (each login replaces the previous one).
    pub fn new_session_key(&self, audience: &str, subject: &LoginSubject) -> String {
        let key = random_session_key();
        self.lock()
            .session_keys
            .insert((audience.to_owned(), subject_key(subject)), key.clone());
        key
    }

    /// The current session_key of `subject` in `audience`, if it logged in.
    pub fn session_key(&self, audience: &str, subject: &LoginSubject) -> Option<String> {
        self.lock()
            .session_keys
            .get(&(audience.to_owned(), subject_key(subject)))
            .cloned()
    }

    /// Forgets everything (control API reset).
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }
}

/// Why an sns access_token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnsTokenProblem {
    /// Never issued (40001 on WeChat).
    Unknown,
    /// Past its 7200 s (42001).
    Expired,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> LoginSubject {
        LoginSubject::Person {
            person: "alice".into(),
        }
    }

    #[test]
    fn codes_are_single_use_scoped_and_expire() {
        let reg = IdentityRegistry::default();
        let kinds = [CodeKind::WechatOauth];
        let code = reg.issue_code(
            CodeKind::WechatOauth,
            "wxa",
            None,
            alice(),
            "snsapi_base",
            0,
        );
        assert_eq!(code.len(), 32);
        assert_eq!(
            reg.redeem(&code, &kinds, "wxb", 1).unwrap_err(),
            CodeProblem::Invalid
        );
        assert_eq!(
            reg.redeem(&code, &[CodeKind::Mini], "wxa", 1).unwrap_err(),
            CodeProblem::Invalid
        );
        assert_eq!(
            reg.redeem(&code, &kinds, "wxa", 1).unwrap().subject,
            alice()
        );
        assert_eq!(
            reg.redeem(&code, &kinds, "wxa", 2).unwrap_err(),
            CodeProblem::Used
        );
        let late = reg.issue_code(CodeKind::WecomOauth, "ww", None, alice(), "snsapi_base", 0);
        assert_eq!(
            reg.redeem(&late, &[CodeKind::WecomOauth], "ww", WECOM_CODE_TTL_SECS)
                .unwrap_err(),
            CodeProblem::Invalid
        );
        assert!(!format!("{reg:?}").contains(&late));
    }

    #[test]
    fn tickets_tokens_and_session_keys() {
        let reg = IdentityRegistry::default();
        let t = reg.issue_user_ticket("ww", "u1", "app", 0);
        assert!(
            reg.user_ticket(&t, "app", USER_TICKET_TTL_SECS - 1)
                .is_some()
        );
        assert!(reg.user_ticket(&t, "other", 1).is_none());
        assert!(reg.user_ticket(&t, "app", USER_TICKET_TTL_SECS).is_none());
        let grant = SnsGrant {
            app_id: "wxa".into(),
            person: "alice".into(),
            scope: "snsapi_base".into(),
            expires_at: 0,
        };
        let (access, refresh) = reg.issue_sns(&grant, 0);
        assert_eq!(reg.sns_token(&access, 7199).unwrap().person, "alice");
        assert_eq!(
            reg.sns_token(&access, 7200).unwrap_err(),
            SnsTokenProblem::Expired
        );
        assert!(reg.refresh_sns(&refresh, "wxb", 10).is_none());
        let (fresh, _) = reg.refresh_sns(&refresh, "wxa", 8000).unwrap();
        assert!(reg.sns_token(&fresh, 8001).is_ok());
        assert!(
            reg.refresh_sns(&refresh, "wxa", SNS_REFRESH_TTL_SECS)
                .is_none()
        );
        let k1 = reg.new_session_key("wxm", &alice());
        assert_eq!(STANDARD.decode(&k1).unwrap().len(), 16);
        assert_eq!(reg.session_key("wxm", &alice()), Some(k1.clone()));
        let k2 = reg.new_session_key("wxm", &alice());
        assert_ne!(k1, k2);
        reg.clear();
        assert!(reg.session_key("wxm", &alice()).is_none());
    }
}
