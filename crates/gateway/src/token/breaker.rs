//! A per-key circuit breaker for token fetches. WeCom/WeChat answer 45009 when a limit is hit
//! and block for the rest of the window (60 s for minute limits); hammering on only extends the
//! outage. After a 45009 the breaker opens: callers get an immediate typed error for
//! `open_for`, then one call is let through (half-open); its success closes the breaker, another
//! 45009 opens it again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
enum State {
    Open { until: Instant },
    HalfOpen,
}

/// Breakers by key; a key with no entry is closed.
#[derive(Debug)]
pub struct Breaker {
    open_for: Duration,
    states: Mutex<HashMap<String, State>>,
}

impl Breaker {
    /// Breakers that stay open for `open_for` after a 45009.
    pub fn new(open_for: Duration) -> Breaker {
        Breaker {
            open_for,
            states: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` if a fetch of `key` may go upstream now; otherwise the seconds until it may.
    /// When the open period has passed the breaker turns half-open and lets this call through.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        match states.get(key).copied() {
            Some(State::Open { until }) => {
                let now = Instant::now();
                if now < until {
                    Err((until - now).as_secs().max(1))
                } else {
                    states.insert(key.to_owned(), State::HalfOpen);
                    Ok(())
                }
            }
            Some(State::HalfOpen) | None => Ok(()),
        }
    }

    /// The platform answered 45009: open the breaker of `key`.
    pub fn trip(&self, key: &str) {
        let until = Instant::now() + self.open_for;
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states.insert(key.to_owned(), State::Open { until });
    }

    /// A fetch of `key` succeeded (or failed for another reason): close its breaker.
    pub fn reset(&self, key: &str) {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states.remove(key);
    }

    /// How long a tripped breaker stays open.
    pub fn open_for(&self) -> Duration {
        self.open_for
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_then_half_opens_then_closes() {
        let breaker = Breaker::new(Duration::from_millis(30));
        assert_eq!(breaker.check("k"), Ok(()));
        breaker.trip("k");
        assert!(breaker.check("k").is_err());
        assert_eq!(breaker.check("other"), Ok(()));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(
            breaker.check("k"),
            Ok(()),
            "half-open lets one call through"
        );
        breaker.trip("k");
        assert!(
            breaker.check("k").is_err(),
            "a 45009 while half-open reopens"
        );
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(breaker.check("k"), Ok(()));
        breaker.reset("k");
        assert_eq!(breaker.check("k"), Ok(()));
    }
}
