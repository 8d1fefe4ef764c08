//! Fixed-window call counters on the simulated clock, so clients meet 45009 the way they would live.
//! Every limit is multiplied by the `rate_limit_factor` option (0 disables limiting; a small factor
//! lets tests reach a limit in a few calls). Windows are aligned to China time (UTC+8), so a day
//! window is the platforms' natural day.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::api_error::ApiError;
use crate::clock::SimClock;

/// WeCom per corp per API: ≤10 000 per minute and ≤150 000 per hour (NOTES §3.6).
pub const WECOM_CORP_API: &[(u64, u64)] = &[(60, 10_000), (3_600, 150_000)];
/// WeCom per caller IP per API: ≤20 000 per minute and ≤600 000 per hour (NOTES §3.6).
pub const WECOM_IP_API: &[(u64, u64)] = &[(60, 20_000), (3_600, 600_000)];
/// WeCom jsapi/agent tickets: ≤400 per corp per hour (NOTES §3.1).
pub const WECOM_TICKETS_PER_CORP: &[(u64, u64)] = &[(3_600, 400)];
/// WeCom jsapi/agent tickets: ≤100 per app per hour (NOTES §3.1).
pub const WECOM_TICKETS_PER_APP: &[(u64, u64)] = &[(3_600, 100)];
/// WeChat `/cgi-bin/token`: 2 000 per account per day (NOTES §4, community figure).
pub const MP_TOKEN_PER_DAY: &[(u64, u64)] = &[(86_400, 2_000)];
/// WeChat `/cgi-bin/stable_token`: 10 000 per minute and 500 000 per day (official doc).
pub const MP_STABLE_TOKEN: &[(u64, u64)] = &[(60, 10_000), (86_400, 500_000)];
/// WeChat `/cgi-bin/stable_token` with `force_refresh`: 20 per day (official doc).
pub const MP_STABLE_FORCE_PER_DAY: &[(u64, u64)] = &[(86_400, 20)];

const CHINA_OFFSET_SECS: i64 = 8 * 3_600;

/// The counters.
#[derive(Debug)]
pub struct RateLimiter {
    factor: f64,
    clock: Arc<SimClock>,
    windows: Mutex<HashMap<(String, u64), (i64, u64)>>,
}

impl RateLimiter {
    /// Counters reading `clock`, with every limit multiplied by `factor` (0 or less disables).
    pub fn new(factor: f64, clock: Arc<SimClock>) -> Self {
        let factor = if factor.is_finite() { factor } else { 1.0 };
        Self {
            factor,
            clock,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The limit in force for a documented `max` (at least 1 unless limiting is disabled).
    pub fn effective_max(&self, max: u64) -> u64 {
        ((max as f64) * self.factor).ceil().max(1.0) as u64
    }

    /// Counts one call under `key` against every `(window_secs, max)` limit. If any limit is
    /// already used up the call is refused with 45009 and counted nowhere.
    pub fn check(&self, key: &str, limits: &[(u64, u64)]) -> Result<(), ApiError> {
        if self.factor <= 0.0 {
            return Ok(());
        }
        let now = self.clock.now() + CHINA_OFFSET_SECS;
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        for &(window, max) in limits {
            let window = window.max(1);
            let start = now.div_euclid(window as i64);
            let used = match windows.get(&(key.to_owned(), window)) {
                Some(&(s, count)) if s == start => count,
                _ => 0,
            };
            let max = self.effective_max(max);
            if used >= max {
                return Err(ApiError::rate_limited(&format!(
                    "{key}: at most {max} calls per {window} s"
                )));
            }
        }
        for &(window, _) in limits {
            let window = window.max(1);
            let start = now.div_euclid(window as i64);
            let entry = windows
                .entry((key.to_owned(), window))
                .or_insert((start, 0));
            if entry.0 != start {
                *entry = (start, 0);
            }
            entry.1 += 1;
        }
        Ok(())
    }

    /// The WeCom per-corp-per-API limits ([`WECOM_CORP_API`]) for one call.
    pub fn check_wecom_corp(&self, corp_id: &str, path: &str) -> Result<(), ApiError> {
        self.check(&format!("wecom:{corp_id}:{path}"), WECOM_CORP_API)
    }

    /// Forgets every counter (control API reset).
    pub fn clear(&self) {
        self.windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_over_the_limit_until_the_window_turns() {
        let clock = Arc::new(SimClock::starting_at(1_700_000_000, 0.0));
        let limiter = RateLimiter::new(0.01, clock.clone());
        // 100/h × 0.01 = 1 call per hour.
        assert!(limiter.check("k", WECOM_TICKETS_PER_APP).is_ok());
        let err = limiter.check("k", WECOM_TICKETS_PER_APP).unwrap_err();
        assert_eq!(err.errcode, 45009);
        assert!(limiter.check("other", WECOM_TICKETS_PER_APP).is_ok());
        clock.advance(3_600);
        assert!(limiter.check("k", WECOM_TICKETS_PER_APP).is_ok());
    }

    #[test]
    fn a_refused_call_counts_nowhere_and_zero_disables() {
        let clock = Arc::new(SimClock::starting_at(0, 0.0));
        let limiter = RateLimiter::new(1.0, clock.clone());
        assert!(limiter.check("k", &[(60, 1), (3_600, 2)]).is_ok());
        assert!(limiter.check("k", &[(60, 1), (3_600, 2)]).is_err());
        clock.advance(60);
        assert!(limiter.check("k", &[(60, 1), (3_600, 2)]).is_ok());
        clock.advance(60);
        assert!(limiter.check("k", &[(60, 1), (3_600, 2)]).is_err());
        let off = RateLimiter::new(0.0, clock);
        for _ in 0..10 {
            assert!(off.check("k", &[(60, 1)]).is_ok());
        }
    }
}
