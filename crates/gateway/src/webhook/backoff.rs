//! When a failed delivery is tried again: a schedule that grows roughly exponentially from the
//! webhook's `retry_base_ms` (5 s, 30 s, 2 min, 10 min, 1 h, then every 6 h with the defaults),
//! with ±20 % jitter so that a backend coming back up is not hit by every retry at once.

/// Multiples of the base delay after the 1st, 2nd, … failed attempt; the last one repeats.
const SCHEDULE: [u64; 6] = [1, 6, 24, 120, 720, 4320];

/// A webhook's retry schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base_ms: u64,
}

impl Backoff {
    /// A schedule starting at `base_ms`.
    pub fn new(base_ms: u64) -> Backoff {
        Backoff {
            base_ms: base_ms.max(1),
        }
    }

    /// The delay without jitter after `failed_attempts` (1 = the first attempt failed).
    pub fn nominal_ms(&self, failed_attempts: u32) -> u64 {
        let index = (failed_attempts.max(1) as usize - 1).min(SCHEDULE.len() - 1);
        self.base_ms.saturating_mul(SCHEDULE[index])
    }

    /// The delay after `failed_attempts`, with `jitter` in `[-1.0, 1.0]` scaling ±20 %.
    pub fn delay_ms(&self, failed_attempts: u32, jitter: f64) -> u64 {
        let nominal = self.nominal_ms(failed_attempts) as f64;
        let factor = 1.0 + 0.2 * jitter.clamp(-1.0, 1.0);
        (nominal * factor).round().max(1.0) as u64
    }

    /// The delay after `failed_attempts`, with random jitter.
    pub fn random_delay_ms(&self, failed_attempts: u32) -> u64 {
        let jitter = rand::random::<f64>() * 2.0 - 1.0;
        self.delay_ms(failed_attempts, jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule() {
        let b = Backoff::new(5000);
        let secs: Vec<u64> = (1..=8).map(|n| b.nominal_ms(n) / 1000).collect();
        assert_eq!(secs, [5, 30, 120, 600, 3600, 21600, 21600, 21600]);
        // 12 attempts = 11 waits: about 1.7 days in total.
        let total: u64 = (1..=11).map(|n| b.nominal_ms(n)).sum();
        assert!((86_400_000..2 * 86_400_000).contains(&total), "{total}");
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let b = Backoff::new(5000);
        assert_eq!(b.delay_ms(2, -1.0), 24_000);
        assert_eq!(b.delay_ms(2, 1.0), 36_000);
        assert_eq!(b.delay_ms(2, 7.0), 36_000);
        for _ in 0..100 {
            let d = b.random_delay_ms(1);
            assert!((4000..=6000).contains(&d), "{d}");
        }
    }
}
