//! What the platform remembers about third-party suites: the suite_tickets it pushed (with their
//! push time), pre-auth codes, single-use auth codes, and every authorisation (install) of a suite
//! by a corp with its permanent code and privileges. All times are simulated unix seconds.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use rand::RngExt;
use serde::Serialize;

use crate::directory::VisibleRange;

/// A suite_ticket is valid this long after its push (NOTES §3.5, path/97162).
pub const TICKET_TTL_SECS: i64 = 1800;
/// A pre_auth_code's lifetime (`expires_in` 1200, path/90601).
pub const PRE_AUTH_CODE_TTL_SECS: i64 = 1200;
/// An auth_code's lifetime (10 minutes, path/90642).
pub const AUTH_CODE_TTL_SECS: i64 = 600;
/// Tickets older than this are forgotten.
const FORGET_TICKETS_AFTER_SECS: i64 = 86_400;

/// One pushed suite_ticket. Its `Debug` output hides the value.
#[derive(Clone, Serialize)]
pub struct Ticket {
    /// The ticket value.
    pub value: String,
    /// When it was pushed.
    pub pushed_at: i64,
}

/// The session a pre_auth_code was configured with (`set_session_info`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SessionInfo {
    /// `appid` (old multi-app suites only).
    pub appid: Vec<u32>,
    /// 0 正式授权 (formal), 1 测试授权 (test).
    pub auth_type: u8,
}

#[derive(Debug, Clone)]
struct PreAuthCode {
    suite_id: String,
    issued_at: i64,
    used: bool,
    session: SessionInfo,
}

/// Why a pre_auth_code cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    /// Unknown, used, or issued for another suite (40077 / 40078).
    Invalid,
    /// Past its lifetime (42007 for pre_auth_code, 40078 for auth_code).
    Expired,
}

/// What exchanging an auth code does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthCodePurpose {
    /// Issued by an install (create_auth).
    Install,
    /// Issued by `reset_permanent_code`: the exchange replaces the permanent code.
    ResetPermanentCode,
}

#[derive(Debug, Clone)]
struct AuthCode {
    suite_id: String,
    corp_id: String,
    issued_at: i64,
    purpose: AuthCodePurpose,
}

/// A suite installed in a corp. Its `Debug` output hides the permanent code.
#[derive(Clone, Serialize)]
pub struct Authorisation {
    /// The suite id.
    pub suite_id: String,
    /// The installing corp.
    pub corp_id: String,
    /// The installing corp's name.
    pub corp_name: String,
    /// The current permanent code.
    pub permanent_code: String,
    /// 0 formal, 1 test authorisation (from `set_session_info`).
    pub auth_type: u8,
    /// The agent id the suite's app got in the corp.
    pub agentid: u32,
    /// The privilege level (1 = 通讯录基本信息只读).
    pub level: u8,
    /// The visible range the admin granted (allow_party / allow_user / allow_tag).
    #[serde(skip)]
    pub visible: VisibleRange,
    /// The installing admin's userid.
    pub admin_userid: String,
    /// The `state` of the install URL.
    pub state: String,
    /// When it was installed.
    pub installed_at: i64,
    /// Whether the corp cancelled it (`cancel_auth`).
    pub cancelled: bool,
}

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ticket")
            .field("value", &"***")
            .field("pushed_at", &self.pushed_at)
            .finish()
    }
}

impl std::fmt::Debug for Authorisation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorisation")
            .field("suite_id", &self.suite_id)
            .field("corp_id", &self.corp_id)
            .field("permanent_code", &"***")
            .field("auth_type", &self.auth_type)
            .field("agentid", &self.agentid)
            .field("visible", &self.visible)
            .field("admin_userid", &self.admin_userid)
            .field("cancelled", &self.cancelled)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    tickets: HashMap<String, Vec<Ticket>>,
    next_ticket_due: Option<i64>,
    pre_auth: HashMap<String, PreAuthCode>,
    auth_codes: HashMap<String, AuthCode>,
    auths: BTreeMap<(String, String), Authorisation>,
    customer_corps: BTreeMap<String, String>,
}

/// The third-party registry (`state.suites`). Its `Debug` output shows counts only.
#[derive(Default)]
pub struct SuiteRegistry {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for SuiteRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.lock();
        f.debug_struct("SuiteRegistry")
            .field("authorisations", &inner.auths.len())
            .finish()
    }
}

const CODE_CHARSET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A random code of `len` characters of `[A-Za-z0-9_-]` (tickets, pre-auth and auth codes).
pub fn random_code(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CODE_CHARSET[rng.random_range(0..CODE_CHARSET.len())] as char)
        .collect()
}

impl SuiteRegistry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a new ticket for `suite_id` pushed at `now` and returns it.
    pub fn new_ticket(&self, suite_id: &str, now: i64) -> Ticket {
        let ticket = Ticket {
            value: random_code(64),
            pushed_at: now,
        };
        let mut inner = self.lock();
        let tickets = inner.tickets.entry(suite_id.to_owned()).or_default();
        tickets.retain(|t| now - t.pushed_at < FORGET_TICKETS_AFTER_SECS);
        tickets.push(ticket.clone());
        ticket
    }

    /// Whether `value` is a ticket pushed for `suite_id` less than 30 minutes before `now`.
    pub fn ticket_is_valid(&self, suite_id: &str, value: &str, now: i64) -> bool {
        self.lock().tickets.get(suite_id).is_some_and(|tickets| {
            tickets.iter().any(|t| {
                t.value == value && t.pushed_at <= now && now - t.pushed_at < TICKET_TTL_SECS
            })
        })
    }

    /// Every ticket pushed for `suite_id`, oldest first.
    pub fn tickets(&self, suite_id: &str) -> Vec<Ticket> {
        self.lock()
            .tickets
            .get(suite_id)
            .cloned()
            .unwrap_or_default()
    }

    /// The periodic push schedule: returns true (and moves the next due time to
    /// `now + interval`) when a push is due at `now`. The first call is always due. After a
    /// long jump of the clock only one push is due, never a burst.
    pub fn ticket_push_due(&self, now: i64, interval: i64) -> bool {
        let mut inner = self.lock();
        match inner.next_ticket_due {
            Some(due) if now < due => false,
            _ => {
                inner.next_ticket_due = Some(now + interval.max(1));
                true
            }
        }
    }

    /// A new pre_auth_code for `suite_id`.
    pub fn new_pre_auth_code(&self, suite_id: &str, now: i64) -> String {
        let code = random_code(64);
        let mut inner = self.lock();
        inner
            .pre_auth
            .retain(|_, c| now - c.issued_at < PRE_AUTH_CODE_TTL_SECS * 2);
        inner.pre_auth.insert(
            code.clone(),
            PreAuthCode {
                suite_id: suite_id.to_owned(),
                issued_at: now,
                used: false,
                session: SessionInfo::default(),
            },
        );
        code
    }

    fn usable_pre_auth<'a>(
        inner: &'a mut Inner,
        suite_id: &str,
        code: &str,
        now: i64,
    ) -> Result<&'a mut PreAuthCode, CodeProblem> {
        let entry = inner
            .pre_auth
            .get_mut(code)
            .filter(|c| c.suite_id == suite_id && !c.used)
            .ok_or(CodeProblem::Invalid)?;
        if now - entry.issued_at >= PRE_AUTH_CODE_TTL_SECS {
            return Err(CodeProblem::Expired);
        }
        Ok(entry)
    }

    /// Records the session info of an unused, unexpired pre_auth_code of `suite_id`.
    pub fn set_session(
        &self,
        suite_id: &str,
        code: &str,
        session: SessionInfo,
        now: i64,
    ) -> Result<(), CodeProblem> {
        let mut inner = self.lock();
        Self::usable_pre_auth(&mut inner, suite_id, code, now)?.session = session;
        Ok(())
    }

    /// Checks a pre_auth_code without using it (the install page's first view).
    pub fn check_pre_auth_code(
        &self,
        suite_id: &str,
        code: &str,
        now: i64,
    ) -> Result<SessionInfo, CodeProblem> {
        let mut inner = self.lock();
        Ok(Self::usable_pre_auth(&mut inner, suite_id, code, now)?
            .session
            .clone())
    }

    /// Installs `suite_id` in a corp with a pre_auth_code (used up here): creates (or replaces)
    /// the authorisation with a new permanent code and returns a new install auth_code.
    pub fn install(
        &self,
        pre_auth_code: &str,
        mut authorisation: Authorisation,
        now: i64,
    ) -> Result<String, CodeProblem> {
        let mut inner = self.lock();
        let pre = Self::usable_pre_auth(&mut inner, &authorisation.suite_id, pre_auth_code, now)?;
        pre.used = true;
        authorisation.auth_type = pre.session.auth_type;
        authorisation.permanent_code = random_code(43);
        authorisation.installed_at = now;
        authorisation.cancelled = false;
        let auth_code = Self::new_auth_code(
            &mut inner,
            &authorisation.suite_id,
            &authorisation.corp_id,
            AuthCodePurpose::Install,
            now,
        );
        inner.auths.insert(
            (
                authorisation.suite_id.clone(),
                authorisation.corp_id.clone(),
            ),
            authorisation,
        );
        Ok(auth_code)
    }

    fn new_auth_code(
        inner: &mut Inner,
        suite_id: &str,
        corp_id: &str,
        purpose: AuthCodePurpose,
        now: i64,
    ) -> String {
        let code = random_code(64);
        inner
            .auth_codes
            .retain(|_, c| now - c.issued_at < AUTH_CODE_TTL_SECS * 2);
        inner.auth_codes.insert(
            code.clone(),
            AuthCode {
                suite_id: suite_id.to_owned(),
                corp_id: corp_id.to_owned(),
                issued_at: now,
                purpose,
            },
        );
        code
    }

    /// Issues a `reset_permanent_code` auth_code for an active authorisation.
    pub fn reset_permanent_code(&self, suite_id: &str, corp_id: &str, now: i64) -> Option<String> {
        let mut inner = self.lock();
        let key = (suite_id.to_owned(), corp_id.to_owned());
        inner.auths.get(&key).filter(|a| !a.cancelled)?;
        Some(Self::new_auth_code(
            &mut inner,
            suite_id,
            corp_id,
            AuthCodePurpose::ResetPermanentCode,
            now,
        ))
    }

    /// Exchanges an auth_code of `suite_id` (single use): returns the authorisation, with a new
    /// permanent code when the code came from `reset_permanent_code`.
    pub fn exchange_auth_code(
        &self,
        suite_id: &str,
        code: &str,
        now: i64,
    ) -> Result<(Authorisation, AuthCodePurpose), CodeProblem> {
        let mut inner = self.lock();
        let entry = inner
            .auth_codes
            .get(code)
            .filter(|c| c.suite_id == suite_id)
            .cloned()
            .ok_or(CodeProblem::Invalid)?;
        inner.auth_codes.remove(code);
        if now - entry.issued_at >= AUTH_CODE_TTL_SECS {
            return Err(CodeProblem::Expired);
        }
        let auth = inner
            .auths
            .get_mut(&(entry.suite_id, entry.corp_id))
            .filter(|a| !a.cancelled)
            .ok_or(CodeProblem::Invalid)?;
        if entry.purpose == AuthCodePurpose::ResetPermanentCode {
            auth.permanent_code = random_code(43);
        }
        Ok((auth.clone(), entry.purpose))
    }

    /// The active authorisation of `suite_id` in `corp_id` whose permanent code is `code`.
    pub fn by_permanent_code(
        &self,
        suite_id: &str,
        corp_id: &str,
        code: &str,
    ) -> Option<Authorisation> {
        self.active(suite_id, corp_id)
            .filter(|a| !code.is_empty() && a.permanent_code == code)
    }

    /// The active (not cancelled) authorisation of `suite_id` in `corp_id`.
    pub fn active(&self, suite_id: &str, corp_id: &str) -> Option<Authorisation> {
        self.lock()
            .auths
            .get(&(suite_id.to_owned(), corp_id.to_owned()))
            .filter(|a| !a.cancelled)
            .cloned()
    }

    /// Changes the visible range of an active authorisation (`change_auth`).
    pub fn change_privileges(
        &self,
        suite_id: &str,
        corp_id: &str,
        visible: Option<VisibleRange>,
    ) -> Option<Authorisation> {
        let mut inner = self.lock();
        let auth = inner
            .auths
            .get_mut(&(suite_id.to_owned(), corp_id.to_owned()))
            .filter(|a| !a.cancelled)?;
        if let Some(visible) = visible {
            auth.visible = visible;
        }
        Some(auth.clone())
    }

    /// Cancels an active authorisation: its permanent code stops working.
    pub fn cancel(&self, suite_id: &str, corp_id: &str) -> Option<Authorisation> {
        let mut inner = self.lock();
        let auth = inner
            .auths
            .get_mut(&(suite_id.to_owned(), corp_id.to_owned()))
            .filter(|a| !a.cancelled)?;
        auth.cancelled = true;
        Some(auth.clone())
    }

    /// Every authorisation (active or cancelled) of `suite_id`.
    pub fn authorisations(&self, suite_id: &str) -> Vec<Authorisation> {
        self.lock()
            .auths
            .values()
            .filter(|a| a.suite_id == suite_id)
            .cloned()
            .collect()
    }

    /// The suites with an active authorisation in `corp_id`.
    pub fn suites_authorised_in(&self, corp_id: &str) -> Vec<String> {
        self.lock()
            .auths
            .values()
            .filter(|a| a.corp_id == corp_id && !a.cancelled)
            .map(|a| a.suite_id.clone())
            .collect()
    }

    /// Remembers a customer corp created by an install (id → name).
    pub fn add_customer_corp(&self, corp_id: &str, name: &str) {
        self.lock()
            .customer_corps
            .insert(corp_id.to_owned(), name.to_owned());
    }

    /// The name of a customer corp created by an install.
    pub fn customer_corp_name(&self, corp_id: &str) -> Option<String> {
        self.lock().customer_corps.get(corp_id).cloned()
    }

    /// Forgets tickets, codes and authorisations (`/sim/reset`); customer corps keep their names
    /// (their directories stay). The timer pushes fresh tickets at its next look at the clock.
    pub fn clear(&self) {
        let mut inner = self.lock();
        let customer_corps = std::mem::take(&mut inner.customer_corps);
        *inner = Inner {
            customer_corps,
            ..Inner::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_live_thirty_minutes_and_the_schedule_never_bursts() {
        let reg = SuiteRegistry::default();
        let t = reg.new_ticket("s", 1000);
        assert!(reg.ticket_is_valid("s", &t.value, 1000 + 1799));
        assert!(!reg.ticket_is_valid("s", &t.value, 1000 + 1800));
        assert!(!reg.ticket_is_valid("other", &t.value, 1000));
        assert!(reg.ticket_push_due(0, 600));
        assert!(!reg.ticket_push_due(599, 600));
        assert!(reg.ticket_push_due(600, 600));
        assert!(reg.ticket_push_due(100_000, 600));
        assert!(!reg.ticket_push_due(100_001, 600));
        assert!(!format!("{t:?}").contains(&t.value));
    }
}
