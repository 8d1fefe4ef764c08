//! The token service's notion of "now" in unix seconds: the wall clock plus an offset, so tests
//! can move time forward together with the simulator's clock without sleeping for two hours.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The wall clock plus an adjustable offset (0 in production).
#[derive(Debug, Default)]
pub struct TokenClock {
    offset_secs: AtomicI64,
}

impl TokenClock {
    /// Unix seconds, offset included.
    pub fn now(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2))
            .unwrap_or(0);
        wall + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Moves this clock forward by `secs` (tests: together with `/sim/clock/advance`).
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward() {
        let clock = TokenClock::default();
        let before = clock.now();
        clock.advance(7201);
        assert!(clock.now() >= before + 7201);
    }
}
