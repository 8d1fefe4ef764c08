//! Simulated unix time. Every expiry in the simulator (tokens, tickets, codes, rate-limit windows)
//! reads this clock, so tests can jump past a 7200 s token lifetime instantly and demos can run the
//! platform faster than real time.

use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The simulator's clock: real time × `speed` since start, plus a manual offset.
#[derive(Debug)]
pub struct SimClock {
    started: Instant,
    start_unix: f64,
    speed: f64,
    offset_secs: Mutex<f64>,
}

impl SimClock {
    /// A clock starting at the real current time, running `speed` times faster than real time
    /// (1.0 = real time; 0.0 = frozen except for [`advance`](Self::advance)). Negative or non-finite
    /// speeds are treated as 1.0.
    pub fn new(speed: f64) -> Self {
        let start_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Self::starting_at(start_unix as i64, speed)
    }

    /// A clock starting at `unix_secs` (for reproducible tests).
    pub fn starting_at(unix_secs: i64, speed: f64) -> Self {
        let speed = if speed.is_finite() && speed >= 0.0 {
            speed
        } else {
            1.0
        };
        Self {
            started: Instant::now(),
            start_unix: unix_secs as f64,
            speed,
            offset_secs: Mutex::new(0.0),
        }
    }

    /// The simulated time in (fractional) unix seconds.
    pub fn now_f64(&self) -> f64 {
        let offset = *self.offset_secs.lock().unwrap_or_else(|e| e.into_inner());
        self.start_unix + self.started.elapsed().as_secs_f64() * self.speed + offset
    }

    /// The simulated time in whole unix seconds.
    pub fn now(&self) -> i64 {
        self.now_f64().floor() as i64
    }

    /// Moves the clock forward by `secs` (backwards if negative).
    pub fn advance(&self, secs: i64) {
        *self.offset_secs.lock().unwrap_or_else(|e| e.into_inner()) += secs as f64;
    }

    /// The configured speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The manual offset added so far, in seconds.
    pub fn offset(&self) -> f64 {
        *self.offset_secs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_time_and_frozen_clock_stays() {
        let clock = SimClock::starting_at(1_700_000_000, 0.0);
        assert_eq!(clock.now(), 1_700_000_000);
        clock.advance(7201);
        assert_eq!(clock.now(), 1_700_007_201);
        assert_eq!(clock.offset(), 7201.0);
    }

    #[test]
    fn fast_clock_runs_faster() {
        let clock = SimClock::starting_at(0, 1000.0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(
            clock.now() >= 10,
            "1000x for 20 ms is ≥ 20 s, got {}",
            clock.now()
        );
        assert_eq!(SimClock::new(f64::NAN).speed(), 1.0);
    }
}
